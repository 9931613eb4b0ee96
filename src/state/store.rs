//! Opening the database: location, pragmas, migrations.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::error::StateError;

/// The environment variable that overrides the database location.
pub const STATE_ENV_VAR: &str = "MIRAGE_STATE";

/// Where the database lives by default, relative to the project directory.
pub const DEFAULT_RELATIVE_PATH: &str = ".mirage/state.db";

/// The database location for a project: `MIRAGE_STATE` when set (relative
/// to the current directory), otherwise `.mirage/state.db` in
/// `project_dir`.
pub fn resolve_path(project_dir: &Path) -> PathBuf {
    todo!()
}

/// An open state database.
///
/// Cloning is cheap and shares the one connection; a `Store` can be sent to
/// and shared between threads. Every method takes `&self`.
#[derive(Debug, Clone)]
pub struct Store {
    pub(super) conn: Arc<Mutex<rusqlite::Connection>>,
    pub(super) path: Option<PathBuf>,
}

impl Store {
    /// Open (creating it and its parent directory if needed) the database
    /// at `path`, in WAL mode with a busy timeout and foreign keys on, and
    /// bring its schema up to date. A database with a newer schema than
    /// this binary knows is refused with [`StateError::NewerSchema`].
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StateError> {
        todo!()
    }

    /// A private database in memory (tests, `--local` dry runs). Locks on
    /// it only exclude holders sharing this `Store`.
    pub fn open_in_memory() -> Result<Store, StateError> {
        todo!()
    }

    /// The file behind this store (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StateError> {
        todo!()
    }
}
