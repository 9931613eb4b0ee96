//! A real PostgreSQL server for the tests of the team state backend.
//!
//! `MIRAGE_TEST_POSTGRES_URL` (a superuser URL, e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`) when set; otherwise one
//! server per test binary, started on loopback in a temporary directory
//! with `initdb` and `postgres` from the installed PostgreSQL (as the
//! `postgres` user when the tests run as root, which `initdb` refuses).
//! Each test gets a database of its own ([`Postgres::database`]). Fault
//! tests start a private server they may stop and restart
//! ([`PrivateServer`]).
//!
//! When PostgreSQL is not installed the tests that need it skip, saying so
//! on standard error — unless `MIRAGE_TEST_POSTGRES_REQUIRED` is set (CI
//! installs it and sets it), where a missing server is a failure.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A server the tests may create databases in.
#[derive(Debug, Clone)]
pub struct Postgres {
    /// `127.0.0.1` or the host of `MIRAGE_TEST_POSTGRES_URL`.
    base: String,
    /// The server's data directory, when this process started it.
    pub data_dir: Option<PathBuf>,
    /// The directory of `psql` and friends.
    bin: Option<PathBuf>,
}

/// The shared server, or `None` (after saying so) when there is none.
pub fn postgres() -> Option<&'static Postgres> {
    static SERVER: OnceLock<Option<Postgres>> = OnceLock::new();
    let server = SERVER.get_or_init(|| {
        if let Ok(url) = std::env::var("MIRAGE_TEST_POSTGRES_URL")
            && !url.is_empty()
        {
            let base = url
                .rsplit_once('/')
                .map_or(url.clone(), |(base, _)| base.to_owned());
            return Some(Postgres {
                base,
                data_dir: None,
                bin: bin_dir(),
            });
        }
        let started = start_shared();
        if let Err(why) = &started {
            eprintln!("note: no PostgreSQL server for the tests: {why}");
        }
        started.ok()
    });
    if server.is_none() {
        if std::env::var_os("MIRAGE_TEST_POSTGRES_REQUIRED").is_some() {
            panic!(
                "PostgreSQL is required (MIRAGE_TEST_POSTGRES_REQUIRED) but none could be started"
            );
        }
        eprintln!(
            "skipping: PostgreSQL is not installed (apt-get install postgresql, or set MIRAGE_TEST_POSTGRES_URL)"
        );
    }
    server.as_ref()
}

impl Postgres {
    /// A new, empty database; its URL.
    pub fn database(&self) -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "mirage_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst),
            fastrand::u32(..)
        );
        self.sql("postgres", &format!("CREATE DATABASE {name}"));
        format!("{}/{name}", self.base)
    }

    /// Runs `sql` in database `db` with `psql`; its output.
    pub fn sql(&self, db: &str, sql: &str) -> String {
        psql(self.bin.as_deref(), &format!("{}/{db}", self.base), sql)
    }
}

/// Runs `sql` against `url` with `psql`, panicking on failure.
pub fn psql(bin: Option<&Path>, url: &str, sql: &str) -> String {
    let program = bin.map_or_else(|| PathBuf::from("psql"), |b| b.join("psql"));
    let output = Command::new(program)
        .args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-c",
            sql,
        ])
        .stdin(Stdio::null())
        .output()
        .expect("psql runs");
    assert!(
        output.status.success(),
        "psql `{sql}`: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The directory of the installed PostgreSQL's programs:
/// `MIRAGE_TEST_POSTGRES_BIN`, else the newest `/usr/lib/postgresql/*/bin`
/// (Debian), else `initdb` on the `PATH`.
pub fn bin_dir() -> Option<PathBuf> {
    // An explicit directory (or one without PostgreSQL, to see the skip).
    if let Some(dir) = std::env::var_os("MIRAGE_TEST_POSTGRES_BIN") {
        let dir = PathBuf::from(dir);
        return dir.join("initdb").exists().then_some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .find(|dir| dir.join("initdb").exists() && dir.join("postgres").exists())
    })
}

/// A server this process started, stopped (SIGTERM, then SIGKILL) and its
/// directory removed when dropped; the server also dies with the thread
/// that started it.
#[derive(Debug)]
pub struct PrivateServer {
    pub port: u16,
    dir: PathBuf,
    bin: PathBuf,
    child: Option<Child>,
    owner: Option<(u32, u32)>,
}

impl PrivateServer {
    /// A new server; `Err` says why not (PostgreSQL is not installed).
    pub fn start() -> Result<PrivateServer, String> {
        let bin = bin_dir().ok_or("PostgreSQL is not installed")?;
        let owner = owner()?;
        let dir = std::env::temp_dir().join(format!(
            "mirage-pg-{}-{:08x}",
            std::process::id(),
            fastrand::u32(..)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        if let Some((uid, gid)) = owner {
            chown(&dir, uid, gid)?;
        }
        let data = dir.join("data");
        let initdb = run_as(owner, Command::new(bin.join("initdb")))
            .args(["-D"])
            .arg(&data)
            .args([
                "-U",
                "mirage",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("initdb: {e}"))?;
        if !initdb.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&initdb.stderr)
            ));
        }
        let port = free_port()?;
        let mut server = PrivateServer {
            port,
            dir,
            bin,
            child: None,
            owner,
        };
        server.resume()?;
        Ok(server)
    }

    /// The superuser URL of database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://mirage@127.0.0.1:{}/{db}", self.port)
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// A new, empty database; its URL.
    pub fn database(&self) -> String {
        let name = format!("mirage_test_{:08x}", fastrand::u32(..));
        self.sql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// Runs `sql` in database `db`.
    pub fn sql(&self, db: &str, sql: &str) -> String {
        psql(Some(&self.bin), &self.url(db), sql)
    }

    /// Starts the server (again), waiting until it accepts connections.
    pub fn resume(&mut self) -> Result<(), String> {
        let mut command = run_as(self.owner, Command::new(self.bin.join("postgres")));
        command
            .arg("-D")
            .arg(self.data_dir())
            .args(["-p", &self.port.to_string(), "-h", "127.0.0.1", "-k"])
            .arg(&self.dir)
            .args(["-c", "fsync=off", "-c", "max_connections=300"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        die_with_parent(&mut command);
        let child = command.spawn().map_err(|e| format!("postgres: {e}"))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err("postgres did not start within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server at once (SIGKILL: connections are cut, as when a
    /// database host dies).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // The postmaster's children go with it; their shared memory too.
        std::thread::sleep(Duration::from_millis(200));
        let _ = std::fs::remove_file(self.data_dir().join("postmaster.pid"));
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The shared server of this test binary: started from a thread that
/// lives as long as the process, so the server dies with the process.
fn start_shared() -> Result<Postgres, String> {
    clean_leftovers();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || match PrivateServer::start() {
        Ok(server) => {
            let info = Postgres {
                base: format!("postgres://mirage@127.0.0.1:{}", server.port),
                data_dir: Some(server.data_dir()),
                bin: Some(server.bin.clone()),
            };
            let _ = sender.send(Ok(info));
            // Keep the server (and this thread, its parent) alive.
            let _server = server;
            loop {
                std::thread::park();
            }
        }
        Err(error) => {
            let _ = sender.send(Err(error));
        }
    });
    receiver
        .recv()
        .map_err(|_| "the server thread stopped".to_owned())?
}

/// Data directories of earlier runs whose process is gone.
fn clean_leftovers() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("mirage-pg-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// As root, the uid and gid of `postgres` (else `nobody`) to run the
/// server as; `None` when not root.
fn owner() -> Result<Option<(u32, u32)>, String> {
    // SAFETY: getuid has no preconditions.
    if unsafe { libc::getuid() } != 0 {
        return Ok(None);
    }
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(|e| e.to_string())?;
    for user in ["postgres", "nobody"] {
        for line in passwd.lines() {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.first() == Some(&user)
                && let (Some(uid), Some(gid)) = (
                    fields.get(2).and_then(|u| u.parse().ok()),
                    fields.get(3).and_then(|g| g.parse().ok()),
                )
            {
                return Ok(Some((uid, gid)));
            }
        }
    }
    Err("running as root and there is no `postgres` or `nobody` user to run the server as".into())
}

fn chown(path: &Path, uid: u32, gid: u32) -> Result<(), String> {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).map_err(|e| e.to_string())
}

/// `command`, run as `owner` when given.
fn run_as(owner: Option<(u32, u32)>, mut command: Command) -> Command {
    if let Some((uid, gid)) = owner {
        use std::os::unix::process::CommandExt;
        command.uid(uid).gid(gid);
        // HOME of root is not readable by postgres.
        command.env("HOME", "/tmp").current_dir("/tmp");
    }
    command
}

/// The child gets SIGKILL when the thread that spawned it ends (set after
/// the uid change, which clears it).
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe; nothing else runs in the hook.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

/// One state database of either backend — a SQLite file in a temporary
/// directory or a new database on the shared PostgreSQL server —;
/// [`Db::open`] gives a new connection to it each time.
pub enum Db {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

impl Db {
    pub fn sqlite() -> Db {
        Db::Sqlite(tempfile::tempdir().unwrap())
    }

    /// A new database on the shared test server, or `None` (skipping,
    /// said once by [`postgres`]).
    pub fn postgres() -> Option<Db> {
        postgres().map(|server| Db::Postgres(server.database()))
    }

    pub fn location(&self) -> mirage::state::Location {
        match self {
            Db::Sqlite(dir) => mirage::state::Location::File(dir.path().join("state.db")),
            Db::Postgres(url) => mirage::state::Location::parse(url),
        }
    }

    pub fn open(&self) -> mirage::state::Store {
        mirage::state::Store::connect(&self.location()).unwrap()
    }
}

/// A state database of each backend available here: `(name, location,
/// the SQLite file's directory (keep it alive))`.
pub fn backends() -> Vec<(
    &'static str,
    mirage::state::Location,
    Option<tempfile::TempDir>,
)> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![(
        "sqlite",
        mirage::state::Location::File(dir.path().join("state.db")),
        Some(dir),
    )];
    if let Some(server) = postgres() {
        out.push((
            "postgres",
            mirage::state::Location::parse(&server.database()),
            None,
        ));
    }
    out
}

/// Runs each named test (a `fn(&support::Db)` of the calling module) once
/// on a SQLite file (`sqlite::NAME`) and once on PostgreSQL
/// (`postgres::NAME`).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name(&$crate::support::Db::sqlite()) })*
        }
        mod postgres {
            $(#[test] fn $name() {
                if let Some(db) = $crate::support::Db::postgres() {
                    super::$name(&db)
                }
            })*
        }
    };
}
