//! Opening the database: location, pragmas, migrations; and the two
//! backends behind one [`Store`].

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::db::{Conn, Dialect, Row, Sqlite, Value};
use super::error::StateError;
use super::location::Location;
use super::migrate;
use super::postgres;

/// The environment variable that overrides the database location.
pub const STATE_ENV_VAR: &str = "MIRAGE_STATE";

/// Where the database lives by default, relative to the project directory.
pub const DEFAULT_RELATIVE_PATH: &str = ".mirage/state.db";

/// How long a statement waits for another process's write to finish before
/// failing with "database is locked". Writes here are tiny, so this is
/// only reached when something is wrong.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a lock lasts without its holder renewing it, by default. The
/// holder renews it every third of that ([`Store::with_lease`]).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// An open state database: a SQLite file, or a PostgreSQL database shared
/// by a team. Callers cannot tell which (beyond [`Store::location`]).
///
/// Cloning is cheap and shares the one connection; a `Store` can be sent to
/// and shared between threads. Every method takes `&self`.
#[derive(Debug, Clone)]
pub struct Store {
    pub(super) db: Db,
    pub(super) location: Location,
    pub(super) clock: Arc<dyn super::time::Clock>,
    pub(super) lease: Duration,
    /// Statements run through this store (and its clones).
    pub(super) statements: Arc<AtomicU64>,
}

/// The connection of one backend.
#[derive(Debug, Clone)]
pub(super) enum Db {
    Sqlite(Arc<Mutex<rusqlite::Connection>>),
    Postgres(postgres::Client),
}

impl Store {
    /// Open the database at `location`: [`Store::open`] for a file, a
    /// connection for PostgreSQL, and bring its schema up to date either
    /// way (a newer schema is refused with [`StateError::NewerSchema`]).
    pub fn connect(location: &Location) -> Result<Store, StateError> {
        match location {
            Location::File(path) => Store::open(path),
            Location::Postgres { url, password } => {
                let shown = location.to_string();
                let client = postgres::connect(url, password.as_deref(), &shown)?;
                migrate::migrate(&mut client.lock(), &shown)?;
                Ok(Store {
                    db: Db::Postgres(client),
                    location: location.clone(),
                    clock: Arc::new(super::time::SystemClock),
                    lease: DEFAULT_LEASE,
                    statements: Arc::default(),
                })
            }
        }
    }

    /// Open (creating it and its parent directory if needed) the database
    /// at `path`, in WAL mode with a busy timeout and foreign keys on, and
    /// bring its schema up to date. A database with a newer schema than
    /// this binary knows is refused with [`StateError::NewerSchema`].
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StateError> {
        let path = path.as_ref();
        let open_error = |message: String| StateError::Open {
            path: path.to_owned(),
            message,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| open_error(format!("cannot create `{}`: {e}", parent.display())))?;
        }
        // A new database is built aside and linked into place whole, so
        // the file at `path` is never empty while it is Mirage's. An empty
        // one is then something else's doing (a truncation), and SQLite
        // would take it for a new database and forget, without a word,
        // everything Mirage owned.
        if !path.exists() {
            create_whole(path).map_err(|e| open_error(e.to_string()))?;
        }
        if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0) {
            return Err(StateError::EmptyFile {
                path: path.to_owned(),
            });
        }
        let conn = rusqlite::Connection::open(path).map_err(|e| open_error(e.to_string()))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let corrupt = |error: rusqlite::Error| match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
                StateError::Corrupt {
                    path: path.to_owned(),
                    message: error.to_string(),
                }
            }
            _ => StateError::Sqlite(error),
        };
        // The first read of the schema is where a damaged file shows.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
            row.get::<_, i64>(0)
        })
        .map_err(corrupt)?;
        // WAL lets readers (`mirage state list`) run beside a writer (an
        // apply); NORMAL sync is durable across process crashes in WAL mode.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(corrupt)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(open_error(format!(
                "the file system does not support write-ahead logging (journal mode `{mode}`)"
            )));
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
        migrate::migrate(&mut Sqlite(&conn), &path.display().to_string()).map_err(|error| {
            match error {
                StateError::Sqlite(error) => corrupt(error),
                other => other,
            }
        })?;
        Ok(Store {
            db: Db::Sqlite(Arc::new(Mutex::new(conn))),
            location: Location::File(path.to_owned()),
            clock: Arc::new(super::time::SystemClock),
            lease: DEFAULT_LEASE,
            statements: Arc::default(),
        })
    }

    /// A private database in memory (tests, `--local` dry runs). Locks on
    /// it only exclude holders sharing this `Store`.
    pub fn open_in_memory() -> Result<Store, StateError> {
        let conn = rusqlite::Connection::open_in_memory()?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")?;
        migrate::migrate(&mut Sqlite(&conn), ":memory:")?;
        Ok(Store {
            db: Db::Sqlite(Arc::new(Mutex::new(conn))),
            location: Location::File(":memory:".into()),
            clock: Arc::new(super::time::SystemClock),
            lease: DEFAULT_LEASE,
            statements: Arc::default(),
        })
    }

    /// This store with its timestamps from `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn super::time::Clock>) -> Store {
        self.clock = clock;
        self
    }

    /// The current time by this store's clock.
    pub fn now(&self) -> super::time::Timestamp {
        self.clock.now()
    }

    /// This store with locks lasting `lease` without renewal: a holder
    /// that stops renewing (killed, its machine gone, cut off from the
    /// database) loses its lock that long after its last renewal.
    pub fn with_lease(mut self, lease: Duration) -> Store {
        self.lease = lease.max(Duration::from_millis(100));
        self
    }

    /// The file behind this store (`None` in memory or on PostgreSQL).
    pub fn path(&self) -> Option<&Path> {
        match &self.db {
            Db::Sqlite(_) => self
                .location
                .path()
                .filter(|path| path.as_os_str() != ":memory:"),
            Db::Postgres(_) => None,
        }
    }

    /// Where this store is: the file, or the PostgreSQL URL (whose
    /// `Display` hides the password).
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Why this store can no longer be written, known without a round
    /// trip: its connection to the PostgreSQL server is gone. A file is
    /// never lost this way.
    pub fn connection_lost(&self) -> Option<String> {
        match &self.db {
            Db::Sqlite(_) => None,
            Db::Postgres(client) => client.is_closed().then(|| {
                format!(
                    "the connection to the state database `{}` was lost",
                    self.location
                )
            }),
        }
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StateError> {
        self.with(|conn| migrate::current_version(conn))
    }

    /// Runs `work` on the connection, one statement after another, each
    /// committed on its own.
    pub(super) fn with<R>(
        &self,
        work: impl FnOnce(&mut dyn Conn) -> Result<R, StateError>,
    ) -> Result<R, StateError> {
        match &self.db {
            // A panic in another thread while it held the connection
            // leaves SQLite itself consistent (an open transaction is
            // rolled back when its handle drops), so a poisoned mutex is
            // simply taken over.
            Db::Sqlite(conn) => {
                let conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                work(&mut Counting(&mut Sqlite(&conn), &self.statements))
            }
            Db::Postgres(client) => work(&mut Counting(&mut client.lock(), &self.statements)),
        }
    }

    /// How many statements this store (and its clones) has run: what an
    /// operation costs the state database, the same count on both
    /// backends.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Runs `work` in one write transaction: all of it or none.
    pub(super) fn transaction<R>(
        &self,
        work: impl FnOnce(&mut dyn Conn) -> Result<R, StateError>,
    ) -> Result<R, StateError> {
        self.with(|conn| in_transaction(conn, work))
    }
}

/// A connection that counts the statements it runs.
struct Counting<'a>(&'a mut dyn Conn, &'a AtomicU64);

impl Conn for Counting<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StateError> {
        self.1.fetch_add(1, Ordering::Relaxed);
        self.0.execute(sql, params)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StateError> {
        self.1.fetch_add(1, Ordering::Relaxed);
        self.0.query(sql, params)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StateError> {
        self.1.fetch_add(1, Ordering::Relaxed);
        self.0.batch(sql)
    }

    fn dialect(&self) -> Dialect {
        self.0.dialect()
    }
}

/// `work` between `BEGIN` and `COMMIT`, rolled back when it fails.
pub(super) fn in_transaction<R>(
    conn: &mut dyn Conn,
    work: impl FnOnce(&mut dyn Conn) -> Result<R, StateError>,
) -> Result<R, StateError> {
    conn.batch(conn.dialect().begin())?;
    match work(conn) {
        Ok(value) => {
            if let Err(error) = conn.batch("COMMIT") {
                let _ = conn.batch("ROLLBACK");
                return Err(error);
            }
            Ok(value)
        }
        Err(error) => {
            // A lost connection has rolled back already.
            let _ = conn.batch("ROLLBACK");
            Err(error)
        }
    }
}

/// Creates a new, migrated database at `path` without `path` ever existing
/// half-made: it is built in a temporary file beside it and hard-linked
/// into place, which fails when another process got there first (then its
/// database is used). `path` must not exist when called.
fn create_whole(path: &Path) -> Result<(), StateError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state.db".to_owned());
    let temp = path.with_file_name(format!(
        ".{name}.new-{}-{:08x}",
        std::process::id(),
        fastrand::u32(..)
    ));
    let remove_temp = || {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut file = temp.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    };
    let built = (|| -> Result<(), StateError> {
        let conn = rusqlite::Connection::open(&temp)?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")?;
        migrate::migrate(&mut Sqlite(&conn), &path.display().to_string())?;
        // Rollback journal while building: everything is in the one file
        // when it is linked into place.
        conn.close().map_err(|(_, error)| error)?;
        Ok(())
    })();
    if let Err(error) = built {
        remove_temp();
        return Err(error);
    }
    let linked = match std::fs::hard_link(&temp, path) {
        // Another process created it meanwhile: use theirs.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        // A file system without hard links: a rename, which replaces, so
        // only while nothing is there (a narrow window, on such systems).
        Err(_) if !path.exists() => std::fs::rename(&temp, path),
        other => other,
    };
    remove_temp();
    linked.map_err(|error| StateError::Open {
        path: path.to_owned(),
        message: format!("cannot create it: {error}"),
    })
}
