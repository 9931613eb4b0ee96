//! Versioned migrations, one `.sql` file each, applied in order inside a
//! transaction and recorded in the `schema_migrations` table (a table rather
//! than SQLite's `user_version` so the same scheme works on PostgreSQL).

/// The newest schema version this binary knows.
pub const SCHEMA_VERSION: i64 = 2;

/// Every migration: (version, name, SQL). Never edit a released one; add a
/// new file.
pub(super) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("migrations/0001_initial.sql")),
    (2, "ttl", include_str!("migrations/0002_ttl.sql")),
];
