//! Versioned migrations, one `.sql` file each per backend, applied in
//! order inside a transaction and recorded in the `schema_migrations`
//! table (the same table on SQLite and PostgreSQL).
//!
//! Both backends have the same versions with the same meaning; their files
//! differ only where the engines do (an auto-numbered key).

use super::db::{Conn, Dialect, values};
use super::error::StateError;
use super::store::in_transaction;
use super::time::Timestamp;

/// The newest schema version this binary knows.
pub const SCHEMA_VERSION: i64 = 11;

/// How many migrations this binary knows (versions may have gaps).
pub const MIGRATIONS: usize = SQLITE.len();

/// Every SQLite migration: (version, name, SQL). Never edit a released
/// one; add a new file.
pub(super) const SQLITE: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("migrations/0001_initial.sql")),
    (2, "ttl", include_str!("migrations/0002_ttl.sql")),
    (3, "lease", include_str!("migrations/0003_lease.sql")),
    (4, "previews", include_str!("migrations/0004_previews.sql")),
    (5, "jobs", include_str!("migrations/0005_jobs.sql")),
    (6, "identity", include_str!("migrations/0006_identity.sql")),
    (7, "signin", include_str!("migrations/0007_signin.sql")),
    (
        8,
        "environments",
        include_str!("migrations/0008_environments.sql"),
    ),
    (9, "drift", include_str!("migrations/0009_drift.sql")),
    (
        10,
        "secrets_store",
        include_str!("migrations/0010_secrets_store.sql"),
    ),
    (
        11,
        "secret_digests",
        include_str!("migrations/0011_secret_digests.sql"),
    ),
];

/// Every PostgreSQL migration, version for version the same as [`SQLITE`].
pub(super) const POSTGRES: &[(i64, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("migrations/postgres/0001_initial.sql"),
    ),
    (2, "ttl", include_str!("migrations/postgres/0002_ttl.sql")),
    (
        3,
        "lease",
        include_str!("migrations/postgres/0003_lease.sql"),
    ),
    (
        4,
        "previews",
        include_str!("migrations/postgres/0004_previews.sql"),
    ),
    (5, "jobs", include_str!("migrations/postgres/0005_jobs.sql")),
    (
        6,
        "identity",
        include_str!("migrations/postgres/0006_identity.sql"),
    ),
    (
        7,
        "signin",
        include_str!("migrations/postgres/0007_signin.sql"),
    ),
    (
        8,
        "environments",
        include_str!("migrations/postgres/0008_environments.sql"),
    ),
    (
        9,
        "drift",
        include_str!("migrations/postgres/0009_drift.sql"),
    ),
    (
        10,
        "secrets_store",
        include_str!("migrations/postgres/0010_secrets_store.sql"),
    ),
    (
        11,
        "secret_digests",
        include_str!("migrations/postgres/0011_secret_digests.sql"),
    ),
];

const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT NOT NULL PRIMARY KEY,
    name       TEXT   NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// The schema version of a database: 0 when it is empty.
pub(super) fn current_version(conn: &mut dyn Conn) -> Result<i64, StateError> {
    let exists = match conn.dialect() {
        Dialect::Sqlite => conn.query_opt(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            &[],
        )?,
        Dialect::Postgres => conn.query_opt(
            "SELECT 1 FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = 'schema_migrations'",
            &[],
        )?,
    }
    .is_some();
    if !exists {
        return Ok(0);
    }
    conn.query_one(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        &[],
    )?
    .int(0)
}

/// Bring `conn` up to [`SCHEMA_VERSION`], refusing a newer database.
/// `location` names it in errors (a PostgreSQL URL without its password).
///
/// The check is made once before taking the write lock, so a newer
/// database is refused without writing to it, and again inside the write
/// transaction (SQLite's immediate transaction, PostgreSQL's transaction
/// advisory lock), so two processes opening a fresh database at once
/// migrate it exactly once.
pub(super) fn migrate(conn: &mut dyn Conn, location: &str) -> Result<(), StateError> {
    let newer = |found| StateError::NewerSchema {
        location: location.to_owned(),
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
    let dialect = conn.dialect();
    let migrations = match dialect {
        Dialect::Sqlite => SQLITE,
        Dialect::Postgres => POSTGRES,
    };
    in_transaction(conn, |tx| {
        if dialect == Dialect::Postgres {
            // Held to the end of the transaction: one migrator at a time
            // (`CREATE TABLE IF NOT EXISTS` alone races on PostgreSQL).
            tx.query("SELECT pg_advisory_xact_lock(7259017718420511)", &[])?;
        }
        tx.batch(CREATE_MIGRATIONS_TABLE)?;
        let found = current_version(tx)?;
        if found > SCHEMA_VERSION {
            return Err(newer(found));
        }
        for &(version, name, sql) in migrations.iter().filter(|(v, _, _)| *v > found) {
            tx.batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                values![version, name, Timestamp::now().0],
            )?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_up_to_the_schema_version() {
        // Increasing, with gaps allowed: the rooms of issue #17 number
        // their migrations apart (6 identity, 7 signin, 8 environments, 9
        // ops) and the migrator applies every version above the found one.
        for migrations in [SQLITE, POSTGRES] {
            // 1, 2, 3, … increasing (a gap is a migration another branch
            // of the same issue adds: 10 and 11 of issue #21).
            assert_eq!(migrations.first().map(|m| m.0), Some(1));
            for pair in migrations.windows(2) {
                assert!(pair[0].0 < pair[1].0, "migrations numbered in order");
            }
            assert_eq!(migrations.last().map(|m| m.0), Some(SCHEMA_VERSION));
        }
        for (sqlite, postgres) in SQLITE.iter().zip(POSTGRES) {
            assert_eq!(sqlite.1, postgres.1, "the same migration on both backends");
        }
    }
}
