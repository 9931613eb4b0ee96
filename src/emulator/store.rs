//! Persistence in SQLite: in memory when no data file is given, in the file
//! otherwise, so a restarted emulator picks up where it stopped.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::state::State;

/// Why the store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused.
    #[error("emulator database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The stored state could not be read back.
    #[error("emulator database holds unreadable state: {0}")]
    Format(#[from] serde_json::Error),
}

/// The version of the stored layout; bump it when [`State`] changes shape.
const FORMAT: i64 = 1;

/// An SQLite database holding the emulator state.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating when needed) the database at `path`, or an in-memory
    /// one without a path.
    pub fn open(path: Option<&Path>) -> Result<Store, StoreError> {
        let conn = match path {
            Some(p) => {
                let conn = Connection::open(p)?;
                conn.pragma_update(None, "journal_mode", "WAL")?;
                conn.pragma_update(None, "synchronous", "NORMAL")?;
                conn
            }
            None => Connection::open_in_memory()?,
        };
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS emulator_state (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                format INTEGER NOT NULL,
                body TEXT NOT NULL
            );",
        )?;
        Ok(Store { conn })
    }

    /// The stored state, if any.
    pub fn load(&self) -> Result<Option<State>, StoreError> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT format, body FROM emulator_state WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match row {
            Some((FORMAT, body)) => Ok(Some(serde_json::from_str(&body)?)),
            Some((other, _)) => Err(StoreError::Format(serde::de::Error::custom(format!(
                "layout version {other}, expected {FORMAT}"
            )))),
            None => Ok(None),
        }
    }

    /// Saves the whole state in one transaction.
    pub fn save(&self, state: &State) -> Result<(), StoreError> {
        let body = serde_json::to_string(state)?;
        self.conn.execute(
            "INSERT INTO emulator_state (id, format, body) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET format = excluded.format, body = excluded.body",
            params![FORMAT, body],
        )?;
        Ok(())
    }
}
