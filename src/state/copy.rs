//! Copying a whole state database to another (`mirage state migrate
//! --to`): a project's SQLite file into the team's PostgreSQL database, or
//! back. Rows are copied as they are, apply numbers included, in one
//! transaction on each side.

use super::db::{Conn, Dialect, Row};
use super::error::StateError;
use super::store::Store;

/// What a copy carried over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Copied {
    /// Ownership records.
    pub owned: usize,
    /// Applies in the history.
    pub applies: usize,
    /// Deadlines of ephemeral environments.
    pub ttls: usize,
    /// Recorded lock breaks.
    pub lock_breaks: usize,
    /// Pull-request previews.
    pub previews: usize,
    /// Serve's users (with their roles and API tokens).
    pub users: usize,
    /// Entries of serve's audit log.
    pub audit: usize,
    /// Versions of the secrets of Mirage's store (sealed: they open with
    /// the same master key).
    pub secrets: usize,
}

/// The tables copied, parents first, with their columns. Locks are not:
/// they belong to runs using the source.
const TABLES: &[(&str, &str)] = &[
    (
        "owned_resources",
        "project, environment, kind, service, name, project_id, environment_id, railway_id, \
         origin, created_by, created_at, updated_at",
    ),
    (
        "applies",
        "id, project, actor, pid, started_at, finished_at, result, summary, plan",
    ),
    ("apply_environments", "apply_id, environment"),
    (
        "environment_ttls",
        "project, environment, expires_at, set_by, set_at",
    ),
    (
        "previews",
        "project, template, number, environment, environment_id, branch, sha, repo, \
         created_by, created_at, updated_at",
    ),
    (
        "lock_breaks",
        "id, project, environment, holder, holder_pid, since, broken_by, broken_at, reason",
    ),
    // What serve created (its deadline is in `environment_ttls`).
    (
        "serve_environments",
        "project, environment, environment_id, template, owner, created_at",
    ),
    // serve's identity room: users first (members and tokens point at
    // them); credentials stay sealed (they open with the same master key).
    (
        "users",
        "id, subject, email, name, preferences, disabled_at, created_at, updated_at, last_seen_at",
    ),
    (
        "project_members",
        "project, user_id, role, granted_by, granted_at",
    ),
    (
        "api_tokens",
        "id, hash, name, project, role, user_id, created_at, expires_at, last_used_at, revoked_at",
    ),
    (
        "audit_log",
        "id, at, actor, actor_role, via, action, project, target, address, outcome, summary, request_id",
    ),
    (
        "project_credentials",
        "project, kind, sealed, key_id, set_by, set_at",
    ),
    (
        "secret_versions",
        "scope, owner, name, version, sealed, key_id, created_by, created_at, deleted_by, \
         deleted_at",
    ),
    // Digest keys go with the digests made under them.
    ("secret_digest_keys", "project, key_hex, created_at"),
    (
        "secret_digests",
        "project, environment, service, name, digest_hex, written_at",
    ),
];

/// What makes a database not empty: anything but its schema.
const CONTENT: &[&str] = &[
    "owned_resources",
    "applies",
    "environment_ttls",
    "previews",
    "locks",
    "serve_environments",
    "users",
    "audit_log",
    "project_credentials",
    "secret_versions",
];

impl Store {
    /// Whether the database records nothing: no ownership, no history, no
    /// TTL, no lock.
    pub fn is_empty(&self) -> Result<bool, StateError> {
        self.with(is_empty)
    }

    /// Copies everything this database records into `target`. A target
    /// that records anything is refused unless `replace`, which empties it
    /// first. A source with a lock held (a run using it now) is refused:
    /// the copy would miss what that run records.
    pub fn copy_to(&self, target: &Store, replace: bool) -> Result<Copied, StateError> {
        let held = self.locks()?;
        if let Some(lock) = held.first() {
            return Err(StateError::CopyRefused {
                message: format!(
                    "environment `{}` of `{}` is locked by {} (pid {}) in `{}`: a run is using it",
                    lock.environment,
                    lock.project,
                    lock.holder,
                    lock.holder.pid,
                    self.location()
                ),
                help: "wait for it to finish (or `mirage state unlock` a holder that is gone), then migrate".into(),
            });
        }
        // Everything read in one transaction: a consistent copy.
        let tables = self.transaction(|conn| {
            if conn.dialect() == Dialect::Postgres {
                conn.batch("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")?;
            }
            TABLES
                .iter()
                .map(|(table, columns)| conn.query(&format!("SELECT {columns} FROM {table}"), &[]))
                .collect::<Result<Vec<Vec<Row>>, _>>()
        })?;
        target.transaction(|tx| {
            if !replace && !is_empty(tx)? {
                return Err(StateError::CopyRefused {
                    message: format!(
                        "the target `{}` already records ownership, history, TTLs or locks",
                        target.location()
                    ),
                    help: "pass `--force` to replace what it records with the source's (it is lost), or choose an empty database".into(),
                });
            }
            // Children first when emptying, parents first when filling.
            for table in [
                "apply_environments",
                "applies",
                "owned_resources",
                "environment_ttls",
                "previews",
                "lock_breaks",
                "locks",
                "serve_environments",
                "project_members",
                "api_tokens",
                "users",
                "audit_log",
                "project_credentials",
                "secret_versions",
                "secret_digests",
                "secret_digest_keys",
            ] {
                tx.execute(&format!("DELETE FROM {table}"), &[])?;
            }
            for ((table, columns), rows) in TABLES.iter().zip(&tables) {
                let count = columns.split(',').count();
                let placeholders: Vec<String> = (1..=count).map(|n| format!("?{n}")).collect();
                let sql = format!(
                    "INSERT INTO {table} ({columns}) VALUES ({})",
                    placeholders.join(", ")
                );
                for row in rows {
                    tx.execute(&sql, &row.0)?;
                }
            }
            if tx.dialect() == Dialect::Postgres {
                // Explicit ids leave the identity sequences behind.
                for table in ["applies", "lock_breaks", "audit_log"] {
                    tx.query(
                        &format!(
                            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                             COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                        ),
                        &[],
                    )?;
                }
            }
            Ok(())
        })?;
        let count = |index: usize| tables.get(index).map_or(0, Vec::len);
        Ok(Copied {
            owned: count(0),
            applies: count(1),
            ttls: count(3),
            previews: count(4),
            lock_breaks: count(5),
            users: count(7),
            audit: count(10),
            secrets: count(12),
        })
    }
}

fn is_empty(conn: &mut dyn Conn) -> Result<bool, StateError> {
    for table in CONTENT {
        if conn
            .query_opt(&format!("SELECT 1 FROM {table} LIMIT 1"), &[])?
            .is_some()
        {
            return Ok(false);
        }
    }
    Ok(true)
}
