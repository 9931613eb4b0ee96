//! Errors of the state database: a typed enum, with stable diagnostic codes
//! so the CLI can render them like every other Mirage error.

use std::path::PathBuf;

use super::time::Timestamp;

/// A failure of the state database itself (not a user mistake in `.mirage`
/// files).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum StateError {
    /// The database file could not be opened or created.
    #[error("cannot open the state database `{path}`: {message}")]
    #[diagnostic(
        code(mirage::state::open),
        help("check the path and its permissions, or choose another with `MIRAGE_STATE`")
    )]
    Open {
        /// The file that was being opened.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },

    /// The file exists but is empty: it was truncated (or created by
    /// something else), and the ownership records it held are gone.
    /// Treating it as a new database would silently forget what Mirage
    /// owns, so it is refused.
    #[error("the state database `{path}` is an empty file (0 bytes)")]
    #[diagnostic(
        code(mirage::state::empty_file),
        help(
            "if it held Mirage's state, restore it from a backup; if this project was never applied from here, delete the file; to re-adopt what exists on Railway by name, delete it and run `mirage import`"
        )
    )]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },

    /// The file is not a SQLite database, or is damaged.
    #[error("the state database `{path}` is damaged or not a database: {message}")]
    #[diagnostic(
        code(mirage::state::corrupt),
        help(
            "restore it from a backup; or try `sqlite3 FILE .recover > recovered.sql`; or move it aside and run `mirage import` to re-adopt what exists on Railway by name (history and locks are lost)"
        )
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// SQLite's message.
        message: String,
    },

    /// The database was written by a newer Mirage: its schema is ahead of
    /// what this binary knows, and touching it could lose data.
    #[error(
        "the state database `{location}` has schema version {found}, newer than the {supported} this mirage knows"
    )]
    #[diagnostic(
        code(mirage::state::newer_schema),
        help("upgrade mirage to the version that last wrote this database")
    )]
    NewerSchema {
        /// The database file (`:memory:` for an in-memory one) or its
        /// PostgreSQL URL without the password.
        location: String,
        /// The schema version found in the file.
        found: i64,
        /// The newest schema version this binary knows.
        supported: i64,
    },

    /// A value in the database is not one this binary understands (an
    /// unknown resource kind, a malformed plan), which means it was edited
    /// by hand or is damaged.
    #[error("the state database holds an invalid value: {0}")]
    #[diagnostic(code(mirage::state::invalid_value))]
    Invalid(String),

    /// Any other SQLite failure (disk full, database locked past the busy
    /// timeout, a damaged file).
    #[error("state database error: {0}")]
    #[diagnostic(code(mirage::state::sqlite))]
    Sqlite(#[from] rusqlite::Error),

    /// The PostgreSQL state database could not be reached or refused the
    /// connection.
    #[error("cannot connect to the state database `{location}`: {message}")]
    #[diagnostic(
        code(mirage::state::connect),
        help(
            "check the URL in `--state` or `MIRAGE_STATE`, that the server is reachable from here, and the password (in the URL or `PGPASSWORD`)"
        )
    )]
    Connect {
        /// The URL, without its password.
        location: String,
        /// What went wrong.
        message: String,
    },

    /// The connection to the PostgreSQL state database was lost: nothing
    /// more is written.
    #[error("the connection to the state database was lost: {message}")]
    #[diagnostic(
        code(mirage::state::connection_lost),
        help(
            "nothing more was written; run the command again once the database is reachable: what was recorded before the loss is kept, so it picks up where this run stopped"
        )
    )]
    ConnectionLost {
        /// What the client said.
        message: String,
    },

    /// A PostgreSQL failure other than a lost connection.
    #[error("state database error: {0}")]
    #[diagnostic(code(mirage::state::postgres))]
    Postgres(String),

    /// `mirage state migrate` would lose or miss records.
    #[error("{message}")]
    #[diagnostic(code(mirage::state::migrate_refused), help("{help}"))]
    CopyRefused {
        /// What is in the way.
        message: String,
        /// What to do.
        help: String,
    },

    /// A lock this process held is no longer its own: it must stop
    /// writing, since another run may hold the lock now.
    #[error("the lock of environment `{environment}` was lost: {reason}")]
    #[diagnostic(
        code(mirage::state::lock_lost),
        help(
            "nothing more is written to Railway by this run; run it again once the state database is reachable (`mirage state list` shows who holds the lock)"
        )
    )]
    LockLost {
        /// The environment.
        environment: String,
        /// Why.
        reason: String,
    },
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LockError {
    /// Someone else holds the lock (and kept it past the wait, if any).
    #[error("environment `{environment}` is locked by {holder} (pid {pid}) since {since}")]
    #[diagnostic(code(mirage::state::locked), help("{advice}"))]
    Held {
        /// What to do about it (wait, or break it when its machine is gone).
        advice: String,
        /// The project name of the lock.
        project: String,
        /// The environment name of the lock.
        environment: String,
        /// Who holds it, as `user@host`.
        holder: String,
        /// When it was taken.
        since: Timestamp,
        /// The process id of the holder.
        pid: u32,
    },

    /// The database failed while taking the lock.
    #[error(transparent)]
    #[diagnostic(transparent)]
    State(#[from] StateError),
}

impl From<rusqlite::Error> for LockError {
    fn from(error: rusqlite::Error) -> Self {
        LockError::State(StateError::Sqlite(error))
    }
}
