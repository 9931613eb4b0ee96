//! `mirage state` end to end with the real binary, and locks held by real
//! processes: fail fast, wait, and a killed holder's stale lock broken.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::Duration;

use mirage::state::{
    Actor, ApplyResult, LockError, NewApply, Origin, Resource, ResourceKey, ResourceKind,
    StateError, Store, Timestamp,
};

/// Set in the environment of a re-executed copy of this test binary to make
/// [`lock_holder_child`] hold a lock (the value: the database path).
const CHILD_ENV: &str = "MIRAGE_TEST_LOCK_HOLDER_DB";

fn mirage(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mirage"))
        .args(args)
        .current_dir(dir)
        .env_remove("MIRAGE_STATE")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn owned(
    environment: Option<&str>,
    kind: ResourceKind,
    service: Option<&str>,
    name: &str,
    id: Option<&str>,
) -> Resource {
    Resource {
        key: ResourceKey {
            project: "shop".into(),
            environment: environment.map(str::to_owned),
            kind,
            service: service.map(str::to_owned),
            name: name.into(),
        },
        project_id: Some("prj-1".into()),
        environment_id: environment.map(|e| format!("env-{e}")),
        railway_id: id.map(str::to_owned),
        origin: Origin::Created,
        created_by: "alice@laptop".into(),
        created_at: Timestamp(1_795_797_602),
    }
}

/// A project directory whose `.mirage/state.db` holds a small project.
fn populated() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join(".mirage/state.db")).unwrap();
    store
        .record_all(&[
            owned(None, ResourceKind::Project, None, "shop", Some("prj-1")),
            owned(
                None,
                ResourceKind::Environment,
                None,
                "production",
                Some("env-production"),
            ),
            owned(
                Some("production"),
                ResourceKind::Service,
                None,
                "api",
                Some("svc-api"),
            ),
            owned(
                Some("production"),
                ResourceKind::Domain,
                Some("api"),
                "api.example.com",
                Some("dom-1"),
            ),
            owned(
                Some("production"),
                ResourceKind::Variable,
                Some("api"),
                "PORT",
                None,
            ),
            owned(
                Some("production"),
                ResourceKind::Service,
                None,
                "worker",
                Some("svc-worker"),
            ),
        ])
        .unwrap();
    let id = store
        .begin_apply(&NewApply {
            project: "shop",
            environments: &["production".into()],
            actor: &Actor {
                user: "alice".into(),
                host: "laptop".into(),
                pid: 7,
            },
            plan: &serde_json::json!({"version": 1}),
        })
        .unwrap();
    store
        .finish_apply(id, ApplyResult::Succeeded, "3 created")
        .unwrap();
    (dir, store)
}

#[test]
fn list_without_a_database_says_so_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = mirage(dir.path(), &["state", "list"]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "");
    assert!(
        text(&out.stderr)
            .contains("no state database at `./.mirage/state.db`: mirage owns nothing here yet"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.path().join(".mirage").exists());
    let json = mirage(dir.path(), &["state", "list", "--json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        value,
        serde_json::json!({"owned": [], "locks": [], "ttls": []})
    );
}

#[test]
fn list_shows_what_is_owned_with_railway_ids() {
    let (dir, store) = populated();
    let _lock = store
        .acquire(
            "shop",
            "production",
            &Actor {
                user: "alice".into(),
                host: "elsewhere".into(),
                pid: 4242,
            },
            None,
        )
        .unwrap();
    store
        .set_ttl("shop", "pr-7", Timestamp(1_795_797_602), "ci@runner")
        .unwrap();
    let out = mirage(dir.path(), &["state", "list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "KIND",
            "PROJECT",
            "ENVIRONMENT",
            "SERVICE",
            "NAME",
            "RAILWAY",
            "ID",
            "ORIGIN",
            "BY"
        ]
    );
    let rows: Vec<Vec<&str>> = lines[1..7]
        .iter()
        .map(|l| l.split_whitespace().take(7).collect())
        .collect();
    assert_eq!(
        rows,
        vec![
            vec!["project", "shop", "-", "-", "shop", "prj-1", "created"],
            vec![
                "environment",
                "shop",
                "-",
                "-",
                "production",
                "env-production",
                "created"
            ],
            vec![
                "service",
                "shop",
                "production",
                "-",
                "api",
                "svc-api",
                "created"
            ],
            vec![
                "service",
                "shop",
                "production",
                "-",
                "worker",
                "svc-worker",
                "created"
            ],
            vec![
                "domain",
                "shop",
                "production",
                "api",
                "api.example.com",
                "dom-1",
                "created"
            ],
            vec![
                "variable",
                "shop",
                "production",
                "api",
                "PORT",
                "-",
                "created"
            ],
        ]
    );
    assert!(
        lines[1].ends_with("alice@laptop at 2026-11-27 16:40:02 UTC"),
        "{}",
        lines[1]
    );
    assert_eq!(
        lines[7],
        "locked: shop/production by alice@elsewhere (pid 4242) since ".to_owned()
            + &_lock.info().since.to_string()
    );
    assert_eq!(
        lines[8],
        "ttl: shop/pr-7 expired 2026-11-27 16:40:02 UTC (set by ci@runner)"
    );

    let json = mirage(dir.path(), &["state", "list", "--json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["owned"].as_array().unwrap().len(), 6);
    assert_eq!(value["owned"][4]["key"]["kind"], "domain");
    assert_eq!(value["owned"][4]["railway_id"], "dom-1");
    assert_eq!(value["locks"][0]["holder"]["pid"], 4242);
}

#[test]
fn the_database_path_comes_from_mirage_state() {
    let (dir, _store) = populated();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mirage"))
        .args(["state", "list", "--json"])
        .current_dir(elsewhere.path())
        .env("MIRAGE_STATE", dir.path().join(".mirage/state.db"))
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["owned"].as_array().unwrap().len(), 6);
    // And from --state, and --dir.
    let db = dir.path().join(".mirage/state.db");
    let out = mirage(
        elsewhere.path(),
        &["state", "list", "--json", "--state", db.to_str().unwrap()],
    );
    assert!(text(&out.stdout).contains("svc-worker"));
    let out = mirage(
        elsewhere.path(),
        &["state", "list", "--dir", dir.path().to_str().unwrap()],
    );
    assert!(text(&out.stdout).contains("svc-worker"));
}

#[test]
fn show_an_environment_a_service_and_a_railway_id() {
    let (dir, _store) = populated();
    let env = text(&mirage(dir.path(), &["state", "show", "production"]).stdout);
    for expected in [
        "env-production",
        "svc-api",
        "svc-worker",
        "dom-1",
        "PORT",
        "apply #1 by alice@laptop at ",
    ] {
        assert!(env.contains(expected), "{expected} missing from\n{env}");
    }
    assert!(env.contains(": succeeded (3 created)"), "{env}");
    assert!(
        !env.contains("prj-1  "),
        "the project is not part of an environment:\n{env}"
    );

    let service = text(&mirage(dir.path(), &["state", "show", "production/api"]).stdout);
    assert!(
        service.contains("svc-api") && service.contains("dom-1") && service.contains("PORT"),
        "{service}"
    );
    assert!(!service.contains("svc-worker"), "{service}");

    let by_id = mirage(dir.path(), &["state", "show", "dom-1", "--json"]);
    let value: serde_json::Value = serde_json::from_slice(&by_id.stdout).unwrap();
    assert_eq!(value["key"]["name"], "api.example.com");
    assert_eq!(value["key"]["service"], "api");

    let missing = mirage(dir.path(), &["state", "show", "staging"]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        text(&missing.stderr),
        "error: nothing in the state database matches `staging`\n  help: `mirage state list` shows every environment, service and railway id recorded\n"
    );
}

#[test]
fn a_newer_database_is_refused_by_the_cli_with_help() {
    let (dir, store) = populated();
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join(".mirage/state.db")).unwrap();
    conn.execute_batch("INSERT INTO schema_migrations VALUES (99, 'future', 0)")
        .unwrap();
    let out = mirage(dir.path(), &["state", "list"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "has schema version 99, newer than the {} this mirage knows",
            mirage::state::SCHEMA_VERSION
        )),
        "{stderr}"
    );
    assert!(stderr.contains("help: upgrade mirage"), "{stderr}");
}

// ------------------------------------------------------------ real processes

/// Not a test on its own: when [`CHILD_ENV`] is set, this is the child
/// process of the lock tests. It takes the lock, says so, and holds it
/// until its standard input closes (or it is killed).
#[test]
fn lock_holder_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let store = Store::open(&path).unwrap();
    let actor = Actor {
        user: "child".into(),
        ..Actor::current()
    };
    let guard = store.acquire("shop", "production", &actor, None).unwrap();
    println!("LOCKED pid={}", std::process::id());
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    while std::io::stdin()
        .read_line(&mut line)
        .map(|n| n > 0)
        .unwrap_or(false)
    {}
    drop(guard);
    println!("RELEASED");
}

/// Start a child process holding the lock of `shop/production` in `db`;
/// returns once it holds it.
// The child is handed to the caller, which waits on it; clippy cannot see that.
#[allow(clippy::zombie_processes)]
fn spawn_holder(db: &Path) -> (Child, BufReader<ChildStdout>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "state_cli::lock_holder_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        if stdout.read_line(&mut line).unwrap_or(0) == 0 {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child exited before locking");
        }
        if line.contains("LOCKED pid=") {
            return (child, stdout);
        }
    }
}

#[test]
fn a_lock_held_by_another_process_fails_fast_then_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let store = Store::open(&db).unwrap();
    let (mut child, mut stdout) = spawn_holder(&db);
    let me = Actor::current();

    let error = store.acquire("shop", "production", &me, None).unwrap_err();
    let LockError::Held { holder, pid, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*pid, child.id());
    assert!(holder.starts_with("child@"), "{holder}");
    assert!(
        error
            .to_string()
            .contains(&format!("is locked by {holder} (pid {pid}) since "))
    );

    // The CLI will not break a lock whose holder is alive without --force.
    let out = mirage(
        dir.path(),
        &[
            "state",
            "unlock",
            "production",
            "--state",
            db.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("which may still be running"),
        "{}",
        text(&out.stderr)
    );
    assert!(store.lock_info("shop", "production").unwrap().is_some());

    // Close the child's stdin: it releases; a waiting acquire gets the lock.
    drop(child.stdin.take());
    let guard = store
        .acquire("shop", "production", &me, Some(Duration::from_secs(60)))
        .unwrap();
    assert_eq!(guard.info().holder, me);
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_killed_holders_lock_is_taken_over_by_the_next_acquire() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let store = Store::open(&db).unwrap();
    let (mut child, _stdout) = spawn_holder(&db);
    child.kill().unwrap();
    child.wait().unwrap();

    // The row outlives its process, and `state list` says it is stale…
    let lock = store.lock_info("shop", "production").unwrap().unwrap();
    assert!(lock.is_stale());
    let list = mirage(
        dir.path(),
        &["state", "list", "--state", db.to_str().unwrap()],
    );
    assert!(
        text(&list.stdout).contains("(stale: the process is gone)"),
        "{}",
        text(&list.stdout)
    );
    // …and the next acquire on this host takes it over, saying from whom.
    let guard = store
        .acquire("shop", "production", &Actor::current(), None)
        .unwrap();
    let stale = guard.took_over().expect("took over the stale lock");
    assert_eq!(stale.holder.pid, child.id());
    assert_eq!(stale.holder.user, "child");
    assert_eq!(guard.info().holder, Actor::current());
}

/// A lock row of a holder on this host whose process is gone.
fn dead_holder() -> Actor {
    let mut gone = Command::new("true").spawn().unwrap();
    gone.wait().unwrap();
    Actor {
        user: "killed".into(),
        pid: gone.id(),
        ..Actor::current()
    }
}

#[test]
fn unlock_without_an_environment_releases_every_lock_of_a_dead_holder() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let store = Store::open(&db).unwrap();
    let dead = dead_holder();
    for env in ["production", "staging", "pr-1"] {
        std::mem::forget(store.acquire("shop", env, &dead, None).unwrap());
    }
    let remote = Actor {
        user: "bob".into(),
        host: "ci-runner-7".into(),
        pid: 99,
    };
    std::mem::forget(store.acquire("shop", "qa", &remote, None).unwrap());

    let out = mirage(
        dir.path(),
        &["state", "unlock", "--state", db.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    for env in ["production", "staging", "pr-1"] {
        assert!(
            stderr.contains(&format!(
                "unlocked environment `{env}` of `shop` (was locked by killed@"
            )),
            "{stderr}"
        );
    }
    assert!(
        stderr.contains("still locked: environment `qa` of `shop` by bob@ci-runner-7 (pid 99)"),
        "{stderr}"
    );
    let left: Vec<String> = store
        .locks()
        .unwrap()
        .into_iter()
        .map(|l| l.environment)
        .collect();
    assert_eq!(left, vec!["qa".to_owned()], "only the live one is kept");
}

#[test]
fn an_empty_or_damaged_state_database_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    std::fs::write(&db, b"").unwrap();
    let error = Store::open(&db).unwrap_err();
    assert!(matches!(error, StateError::EmptyFile { .. }), "{error:?}");
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "left as it was");
    let out = mirage(
        dir.path(),
        &["state", "list", "--state", db.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("is an empty file (0 bytes)"), "{stderr}");
    assert!(
        stderr.contains("help: if it held Mirage's state, restore it"),
        "{stderr}"
    );

    std::fs::write(
        &db,
        b"this is not a database, it was overwritten by mistake....",
    )
    .unwrap();
    let error = Store::open(&db).unwrap_err();
    assert!(matches!(error, StateError::Corrupt { .. }), "{error:?}");
    let out = mirage(
        dir.path(),
        &["state", "list", "--state", db.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("is damaged or not a database"), "{stderr}");
    assert!(stderr.contains("mirage import"), "{stderr}");
}

#[test]
fn unlock_force_breaks_any_lock_and_asks_for_a_project_when_ambiguous() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("state.db");
    let store = Store::open(&db).unwrap();
    let remote = Actor {
        user: "bob".into(),
        host: "ci-runner-7".into(),
        pid: 99,
    };
    let shop = store.acquire("shop", "production", &remote, None).unwrap();
    let blog = store.acquire("blog", "production", &remote, None).unwrap();
    let state = db.to_str().unwrap();

    let out = mirage(
        dir.path(),
        &["state", "unlock", "production", "--force", "--state", state],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is locked in several projects: `blog`, `shop`"),
        "{}",
        text(&out.stderr)
    );

    // Another host's holder cannot be checked: --force is required.
    let out = mirage(
        dir.path(),
        &[
            "state",
            "unlock",
            "production",
            "--project",
            "shop",
            "--state",
            state,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("help: if it is gone"),
        "{}",
        text(&out.stderr)
    );

    let out = mirage(
        dir.path(),
        &[
            "state",
            "unlock",
            "production",
            "--project",
            "shop",
            "--force",
            "--state",
            state,
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(store.lock_info("shop", "production").unwrap(), None);
    assert!(store.lock_info("blog", "production").unwrap().is_some());
    drop((shop, blog));

    let out = mirage(
        dir.path(),
        &["state", "unlock", "production", "--state", state],
    );
    assert!(out.status.success());
    assert_eq!(
        text(&out.stderr),
        "environment `production` is not locked\n"
    );
}
