//! Versioned migrations, one `.sql` file each, applied in order inside a
//! transaction and recorded in the `schema_migrations` table (a table rather
//! than SQLite's `user_version` so the same scheme works on PostgreSQL).

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::error::StateError;
use super::time::Timestamp;

/// The newest schema version this binary knows.
pub const SCHEMA_VERSION: i64 = 2;

/// Every migration: (version, name, SQL). Never edit a released one; add a
/// new file.
pub(super) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("migrations/0001_initial.sql")),
    (2, "ttl", include_str!("migrations/0002_ttl.sql")),
];

const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT NOT NULL PRIMARY KEY,
    name       TEXT   NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// The schema version of a database: 0 when it is empty.
pub(super) fn current_version(conn: &Connection) -> rusqlite::Result<i64> {
    let exists = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            [],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !exists {
        return Ok(0);
    }
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |row| row.get(0),
    )
}

/// Bring `conn` up to [`SCHEMA_VERSION`], refusing a newer database.
///
/// The check is made once before taking the write lock, so a newer
/// database is refused without writing to it, and again inside the
/// immediate transaction, so two processes opening a fresh file at once
/// migrate it exactly once.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StateError> {
    let newer = |found| StateError::NewerSchema {
        path: path.to_owned(),
        found,
        supported: SCHEMA_VERSION,
    };
    let found = current_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(newer(found));
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(CREATE_MIGRATIONS_TABLE)?;
    let found = current_version(&tx)?;
    if found > SCHEMA_VERSION {
        return Err(newer(found));
    }
    for &(version, name, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > found) {
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![version, name, Timestamp::now().0],
        )?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_up_to_the_schema_version() {
        for (index, (version, _, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*version, index as i64 + 1);
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.0), Some(SCHEMA_VERSION));
    }
}
