//! Deadlines of ephemeral environments (pull-request previews): when they
//! should be destroyed.

use rusqlite::{OptionalExtension, params};

use super::error::StateError;
use super::store::Store;
use super::time::Timestamp;

/// The deadline of one environment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TtlEntry {
    /// The project name.
    pub project: String,
    /// The environment name.
    pub environment: String,
    /// When it expires.
    pub expires_at: Timestamp,
    /// Who set the deadline, as `user@host`.
    pub set_by: String,
}

impl Store {
    /// Set (or move) the deadline of an environment.
    pub fn set_ttl(
        &self,
        project: &str,
        environment: &str,
        expires_at: Timestamp,
        set_by: &str,
    ) -> Result<(), StateError> {
        self.conn().execute(
            "INSERT INTO environment_ttls (project, environment, expires_at, set_by, set_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (project, environment) DO UPDATE SET \
               expires_at = excluded.expires_at, set_by = excluded.set_by, \
               set_at = excluded.set_at",
            params![project, environment, expires_at.0, set_by, self.now().0],
        )?;
        Ok(())
    }

    /// Remove the deadline of an environment (made permanent, or
    /// destroyed). Returns whether there was one.
    pub fn clear_ttl(&self, project: &str, environment: &str) -> Result<bool, StateError> {
        let removed = self.conn().execute(
            "DELETE FROM environment_ttls WHERE project = ?1 AND environment = ?2",
            params![project, environment],
        )?;
        Ok(removed > 0)
    }

    /// The deadline of an environment, if any.
    pub fn ttl(&self, project: &str, environment: &str) -> Result<Option<TtlEntry>, StateError> {
        let entry = self
            .conn()
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM environment_ttls WHERE project = ?1 AND environment = ?2"
                ),
                params![project, environment],
                read_row,
            )
            .optional()?;
        Ok(entry)
    }

    /// Every deadline, soonest first.
    pub fn ttls(&self) -> Result<Vec<TtlEntry>, StateError> {
        self.select_ttls(i64::MAX)
    }

    /// Environments whose deadline is at or before `now`, soonest first.
    pub fn expired(&self, now: Timestamp) -> Result<Vec<TtlEntry>, StateError> {
        self.select_ttls(now.0)
    }

    fn select_ttls(&self, until: i64) -> Result<Vec<TtlEntry>, StateError> {
        let conn = self.conn();
        let mut statement = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM environment_ttls WHERE expires_at <= ?1 \
             ORDER BY expires_at, project, environment"
        ))?;
        let entries = statement
            .query_map(params![until], read_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(entries)
    }
}

const COLUMNS: &str = "project, environment, expires_at, set_by";

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<TtlEntry> {
    Ok(TtlEntry {
        project: row.get(0)?,
        environment: row.get(1)?,
        expires_at: Timestamp(row.get(2)?),
        set_by: row.get(3)?,
    })
}
