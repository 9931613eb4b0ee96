//! Mirage's encrypted store of secrets, end to end through the real
//! `mirage` binary on both state backends: `mirage secret
//! set|get|list|rotate|history|rm|rekey`, a wrong master key, a master-key
//! rotation, tampered rows, a byte search of the database for planted
//! values, and `(secret)"store:NAME"` planned and applied against the
//! emulator over HTTP.

use crate::support;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use base64::Engine as _;
use mirage::state::{AuditFilter, SecretKey, SecretScope, Store};
use support::{Db, Run, UNSET, World};

/// Planted values: searched for in every output and in the database.
const SENTINEL: &str = "store_NEVER_PRINT_sentinel_8c2e51";
const ROTATED: &str = "store_NEVER_PRINT_rotated_41d9aa";
const PERSONAL: &str = "store_NEVER_PRINT_personal_77b03c";

/// Who the runs say they are.
const ACTOR: &str = "alice@example.com";

const PROJECT: &str = r#"
project "shop"

service "api" {
    image "nginx:1.27"
    port 80
    vars {
        DATABASE_URL (secret)"store:db-url"
    }
}

environment "production"
"#;

crate::on_both_backends!(
    set_get_list_rotate_history_and_rm_round_trip,
    a_wrong_or_missing_master_key_is_refused_clearly,
    rekey_reseals_every_secret_under_the_new_master_key,
    tampered_or_moved_ciphertext_does_not_open,
    no_planted_value_is_anywhere_in_the_database,
    a_store_secret_is_planned_applied_and_then_unchanged,
    state_migrate_copies_the_sealed_secrets_which_still_open,
);

/// A fresh master key in base64, and its fingerprint.
fn master_key() -> (String, String) {
    let bytes: [u8; 32] = std::array::from_fn(|_| fastrand::u8(..));
    let text = base64::engine::general_purpose::STANDARD.encode(bytes);
    let id = mirage::secrets::MasterKey::from_base64(&text)
        .unwrap()
        .id()
        .to_owned();
    (text, id)
}

/// `--state`'s argument for `db`.
fn state_of(db: &Db) -> String {
    match db {
        Db::Sqlite(dir) => dir.path().join("state.db").display().to_string(),
        Db::Postgres(url) => url.clone(),
    }
}

/// A project directory and the state database its runs use.
struct Project<'a> {
    dir: tempfile::TempDir,
    db: &'a Db,
}

impl<'a> Project<'a> {
    fn new(db: &'a Db) -> Project<'a> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("project.mirage"), PROJECT).unwrap();
        Project { dir, db }
    }

    /// Runs `mirage ARGS` here with `stdin` (none: closed) and `env` on
    /// top of a clean environment: no master key, no OS keyring.
    fn run(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
        let mut command = crate::support::mirage_command();
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("MIRAGE_STATE", state_of(self.db))
            .env("MIRAGE_KEYRING", "off")
            .env("MIRAGE_ACTOR", ACTOR)
            .env("NO_COLOR", "1")
            .env_remove("MIRAGE_MASTER_KEY")
            .env_remove("MIRAGE_MASTER_KEY_FILE")
            .env_remove("MIRAGE_PREVIOUS_MASTER_KEYS")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("mirage runs");
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(text.as_bytes()).unwrap();
        }
        let output = child.wait_with_output().unwrap();
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// [`Project::run`] with master key `key`.
    fn with_key(&self, key: &str, args: &[&str], stdin: Option<&str>) -> Run {
        self.run(args, stdin, &[("MIRAGE_MASTER_KEY", key)])
    }
}

/// Fails unless no planted value is in `run`'s output.
fn assert_quiet(run: &Run, what: &str) {
    for value in [SENTINEL, ROTATED, PERSONAL] {
        assert!(
            !run.stdout.contains(value) && !run.stderr.contains(value),
            "{what} printed a value\n{}{}",
            run.stdout,
            run.stderr
        );
    }
}

fn project_key(name: &str) -> SecretKey {
    SecretKey {
        scope: SecretScope::Project,
        owner: "shop".into(),
        name: name.into(),
    }
}

fn set_get_list_rotate_history_and_rm_round_trip(db: &Db) {
    let project = Project::new(db);
    let (key, id) = master_key();
    let run = |args: &[&str], stdin: Option<&str>| {
        let run = project.with_key(&key, args, stdin);
        assert_quiet(&run, &args.join(" "));
        run
    };
    // A value on the standard input, its trailing line break dropped.
    let set = run(&["secret", "set", "db-url"], Some(&format!("{SENTINEL}\n"))).ok("set");
    assert!(
        set.stderr.contains("version 1") && set.stderr.contains(&id),
        "{}",
        set.stderr
    );
    let got = project
        .with_key(&key, &["secret", "get", "db-url", "--reveal"], None)
        .ok("get --reveal");
    assert_eq!(got.stdout, format!("{SENTINEL}\n"));
    // Not to a pipe without `--reveal`.
    let refused = run(&["secret", "get", "db-url"], None);
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert_eq!(refused.stdout, "");
    assert!(
        refused.stderr.contains("not a terminal") && refused.stderr.contains("--reveal"),
        "{}",
        refused.stderr
    );
    // An empty value is refused, and nothing is stored.
    let empty = run(&["secret", "set", "db-url"], Some("\n"));
    assert_eq!(empty.code, Some(2), "{}", empty.stderr);
    assert!(empty.stderr.contains("empty"), "{}", empty.stderr);
    // Rotation: from a file, then generated.
    let file = project.dir.path().join("new-value");
    std::fs::write(&file, format!("{ROTATED}\n")).unwrap();
    run(
        &[
            "secret",
            "rotate",
            "db-url",
            "--from-file",
            file.to_str().unwrap(),
        ],
        None,
    )
    .ok("rotate --from-file");
    let got = project.with_key(&key, &["secret", "get", "db-url", "--reveal"], None);
    assert_eq!(got.stdout, format!("{ROTATED}\n"));
    run(&["secret", "rotate", "db-url", "--generate", "32"], None).ok("rotate --generate");
    let generated = project
        .with_key(&key, &["secret", "get", "db-url", "--reveal"], None)
        .ok("get");
    let generated = generated.stdout.trim_end();
    assert!(
        generated.len() == 32 && generated.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{generated}"
    );
    // Rotating a secret that does not exist is refused.
    let unknown = run(&["secret", "rotate", "db-ur", "--generate", "32"], None);
    assert_eq!(unknown.code, Some(1));
    assert!(
        unknown.stderr.contains("no secret `db-ur`") && unknown.stderr.contains("`db-url`"),
        "suggests the close name: {}",
        unknown.stderr
    );
    // A user's own secret is apart from the project's.
    run(&["secret", "set", "--user", "github-token"], Some(PERSONAL)).ok("set --user");
    let listed = run(&["secret", "list", "--json"], None).ok("list");
    let listed: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["name"], "db-url");
    assert_eq!(listed[0]["version"], 3);
    assert_eq!(listed[0]["set_by"], ACTOR);
    assert_eq!(listed[0]["removed"], false);
    let mine = run(&["secret", "list", "--user"], None).ok("list --user");
    assert!(
        mine.stdout.contains("github-token") && !mine.stdout.contains("db-url"),
        "{}",
        mine.stdout
    );
    let text = run(&["secret", "list"], None).ok("list");
    assert!(
        text.stdout
            .starts_with("db-url  v3  set by alice@example.com at "),
        "{}",
        text.stdout
    );
    let history = run(&["secret", "history", "db-url"], None).ok("history");
    let lines: Vec<&str> = history.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", history.stdout);
    assert!(
        lines[0].starts_with("v3  set by alice@example.com"),
        "newest first: {}",
        history.stdout
    );
    // Removal: every version's ciphertext goes, the history stays.
    run(&["secret", "rm", "db-url"], None).ok("rm");
    let gone = run(&["secret", "get", "db-url", "--reveal"], None);
    assert_eq!(gone.code, Some(1));
    assert!(gone.stderr.contains("was removed"), "{}", gone.stderr);
    let history = run(&["secret", "history", "db-url"], None).ok("history");
    assert_eq!(
        history
            .stdout
            .matches("removed by alice@example.com")
            .count(),
        3,
        "{}",
        history.stdout
    );
    let revived = run(&["secret", "rotate", "db-url", "--generate", "32"], None);
    assert_eq!(
        revived.code,
        Some(1),
        "a removed secret is set again, not rotated"
    );
    assert!(revived.stderr.contains("was removed"), "{}", revived.stderr);
    let store = db.open();
    assert!(
        store
            .secret_versions(&project_key("db-url"))
            .unwrap()
            .iter()
            .all(|v| v.sealed.is_none() && v.key_id.is_none())
    );
    // Every change is audited, with names and versions, never a value.
    let audit = store
        .audit(&AuditFilter {
            limit: 100,
            ..AuditFilter::default()
        })
        .unwrap();
    let actions: Vec<&str> = audit
        .iter()
        .rev()
        .map(|r| r.entry.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "secrets.set",
            "secrets.get",
            "secrets.rotate",
            "secrets.get",
            "secrets.rotate",
            "secrets.get",
            "secrets.set",
            "secrets.rm"
        ]
    );
    assert!(
        audit
            .iter()
            .all(|r| r.entry.actor.as_deref() == Some(ACTOR))
    );
    assert!(audit[0].entry.summary.contains("db-url"), "{:?}", audit[0]);
    for record in &audit {
        let text = format!("{record:?}");
        assert!(!text.contains(SENTINEL) && !text.contains(ROTATED) && !text.contains(PERSONAL));
    }
}

fn a_wrong_or_missing_master_key_is_refused_clearly(db: &Db) {
    let project = Project::new(db);
    let (key, id) = master_key();
    let (other, other_id) = master_key();
    project
        .with_key(&key, &["secret", "set", "db-url"], Some(SENTINEL))
        .ok("set");
    let wrong = project.with_key(&other, &["secret", "get", "db-url", "--reveal"], None);
    assert_eq!(wrong.code, Some(1), "{}", wrong.stderr);
    assert_eq!(wrong.stdout, "");
    assert!(
        wrong
            .stderr
            .contains(&format!("sealed with master key `{id}`"))
            && wrong
                .stderr
                .contains(&format!("the current one is `{other_id}`"))
            && wrong.stderr.contains("MIRAGE_PREVIOUS_MASTER_KEYS"),
        "{}",
        wrong.stderr
    );
    // None at all: how to make one.
    let none = project.run(&["secret", "get", "db-url", "--reveal"], None, &[]);
    assert_eq!(none.code, Some(1));
    assert!(
        none.stderr.contains("no master key") && none.stderr.contains("mirage secret key generate"),
        "{}",
        none.stderr
    );
    // A key file readable by others is refused; at 0600 it works.
    let file = project.dir.path().join("master.key");
    std::fs::write(&file, format!("{key}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let env = [("MIRAGE_MASTER_KEY_FILE", file.to_str().unwrap())];
    let readable = project.run(&["secret", "get", "db-url", "--reveal"], None, &env);
    assert_eq!(readable.code, Some(1));
    assert!(readable.stderr.contains("chmod 600"), "{}", readable.stderr);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let opened = project.run(&["secret", "get", "db-url", "--reveal"], None, &env);
    assert_eq!(opened.ok("key file").stdout, format!("{SENTINEL}\n"));
    // A key that is not 32 bytes of base64.
    let bad = project.with_key("not-a-key", &["secret", "get", "db-url", "--reveal"], None);
    assert_eq!(bad.code, Some(1));
    assert!(bad.stderr.contains("MIRAGE_MASTER_KEY"), "{}", bad.stderr);
    // `key generate --to-file`: a 0600 file that opens what it seals.
    let generated = project.dir.path().join("generated.key");
    let made = project.run(
        &[
            "secret",
            "key",
            "generate",
            "--to-file",
            generated.to_str().unwrap(),
        ],
        None,
        &[],
    );
    let made = made.ok("key generate");
    assert_eq!(made.stdout, "", "the key is not printed without --reveal");
    let mode = std::fs::metadata(&generated).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let env = [("MIRAGE_MASTER_KEY_FILE", generated.to_str().unwrap())];
    project
        .run(&["secret", "set", "other"], Some(ROTATED), &env)
        .ok("set with the generated key");
    let again = project.run(
        &[
            "secret",
            "key",
            "generate",
            "--to-file",
            generated.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(
        again.code,
        Some(2),
        "an existing file is not replaced: {}",
        again.stderr
    );
}

fn rekey_reseals_every_secret_under_the_new_master_key(db: &Db) {
    let project = Project::new(db);
    let (old, old_id) = master_key();
    let (new, new_id) = master_key();
    for (name, value) in [("db-url", SENTINEL), ("api-key", ROTATED)] {
        project
            .with_key(&old, &["secret", "set", name], Some(value))
            .ok("set");
    }
    project
        .with_key(
            &old,
            &["secret", "rotate", "db-url", "--generate", "20"],
            None,
        )
        .ok("rotate");
    project
        .with_key(
            &old,
            &["secret", "set", "--user", "github-token"],
            Some(PERSONAL),
        )
        .ok("set --user");
    let store = db.open();
    assert_eq!(store.secrets_not_sealed_with(&new_id).unwrap().len(), 4);
    let rotating = [
        ("MIRAGE_MASTER_KEY", new.as_str()),
        ("MIRAGE_PREVIOUS_MASTER_KEYS", old.as_str()),
    ];
    let rekey = project
        .run(&["secret", "rekey"], None, &rotating)
        .ok("rekey");
    assert!(
        rekey.stderr.contains(&format!(
            "resealed 4 secret versions under master key `{new_id}`"
        )),
        "{}",
        rekey.stderr
    );
    // Every sealed row names the new key, and none the old.
    assert!(store.secrets_not_sealed_with(&new_id).unwrap().is_empty());
    let mut ids = Vec::new();
    for name in ["db-url", "api-key"] {
        for version in store.secret_versions(&project_key(name)).unwrap() {
            ids.push(version.key_id.unwrap());
        }
    }
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|id| *id == new_id), "{ids:?} (old {old_id})");
    // The new key alone opens them; the old one alone no longer does.
    let got = project.with_key(&new, &["secret", "get", "api-key", "--reveal"], None);
    assert_eq!(got.ok("get").stdout, format!("{ROTATED}\n"));
    let got = project.with_key(
        &new,
        &["secret", "get", "--user", "github-token", "--reveal"],
        None,
    );
    assert_eq!(got.ok("get --user").stdout, format!("{PERSONAL}\n"));
    let stale = project.with_key(&old, &["secret", "get", "api-key", "--reveal"], None);
    assert_eq!(stale.code, Some(1));
    assert!(stale.stderr.contains(&new_id), "{}", stale.stderr);
    // Again: nothing left to do.
    let again = project
        .run(&["secret", "rekey"], None, &rotating)
        .ok("rekey");
    assert!(again.stderr.contains("resealed 0 "), "{}", again.stderr);
}

/// Runs one SQL statement on `db` directly, as someone with access to the
/// database would.
fn execute(db: &Db, sql: &str) {
    match db {
        Db::Sqlite(dir) => {
            let conn = rusqlite::Connection::open(dir.path().join("state.db")).unwrap();
            conn.execute_batch(sql).unwrap();
        }
        Db::Postgres(url) => {
            support::psql(support::bin_dir().as_deref(), url, sql);
        }
    }
}

fn tampered_or_moved_ciphertext_does_not_open(db: &Db) {
    let project = Project::new(db);
    let (key, _) = master_key();
    for value in [SENTINEL, ROTATED] {
        project
            .with_key(&key, &["secret", "set", "db-url"], Some(value))
            .ok("set");
    }
    let store = db.open();
    let versions = store.secret_versions(&project_key("db-url")).unwrap();
    let (first, second) = (
        versions[0].sealed.clone().unwrap(),
        versions[1].sealed.clone().unwrap(),
    );
    // One character of the ciphertext changed.
    let at = second.len() - 6;
    let flipped = if &second[at..=at] == "A" { "B" } else { "A" };
    let tampered = format!("{}{flipped}{}", &second[..at], &second[at + 1..]);
    assert_ne!(tampered, second);
    let update = |sealed: &str| {
        execute(
            db,
            &format!(
                "UPDATE secret_versions SET sealed = '{sealed}' WHERE name = 'db-url' AND version = 2"
            ),
        );
    };
    update(&tampered);
    let get = || project.with_key(&key, &["secret", "get", "db-url", "--reveal"], None);
    let altered = get();
    assert_eq!(altered.code, Some(1), "{}", altered.stdout);
    assert_eq!(altered.stdout, "");
    assert!(
        altered.stderr.contains("does not open"),
        "{}",
        altered.stderr
    );
    // Version 1's sealed text moved into version 2's row.
    update(&first);
    let moved = get();
    assert_eq!(moved.code, Some(1), "{}", moved.stdout);
    assert!(moved.stderr.contains("does not open"), "{}", moved.stderr);
    // Put back, it opens again.
    update(&second);
    assert_eq!(get().ok("get").stdout, format!("{ROTATED}\n"));
    // Nor does a `store:` reference read a tampered row: the plan stops.
    update(&tampered);
    let plan = project.with_key(&key, &["plan", ".", "--local"], None);
    assert_eq!(plan.code, Some(1), "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stderr.contains("mirage::plan::secret_unreadable")
            && plan.stderr.contains("does not open"),
        "{}",
        plan.stderr
    );
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

fn no_planted_value_is_anywhere_in_the_database(db: &Db) {
    let project = Project::new(db);
    let (old, _) = master_key();
    let (new, _) = master_key();
    project
        .with_key(&old, &["secret", "set", "db-url"], Some(SENTINEL))
        .ok("set");
    project
        .with_key(
            &old,
            &["secret", "set", "--user", "github-token"],
            Some(PERSONAL),
        )
        .ok("set --user");
    project
        .with_key(&old, &["secret", "get", "db-url", "--reveal"], None)
        .ok("get");
    let rotating = [
        ("MIRAGE_MASTER_KEY", new.as_str()),
        ("MIRAGE_PREVIOUS_MASTER_KEYS", old.as_str()),
    ];
    project
        .run(&["secret", "rekey"], None, &rotating)
        .ok("rekey");
    project
        .run(&["secret", "rotate", "db-url"], Some(ROTATED), &rotating)
        .ok("rotate");
    // What the database holds, every byte of it.
    let dump: Vec<u8> = match db {
        Db::Sqlite(dir) => {
            let mut bytes = Vec::new();
            for file in ["state.db", "state.db-wal", "state.db-shm"] {
                if let Ok(content) = std::fs::read(dir.path().join(file)) {
                    bytes.extend(content);
                }
            }
            assert!(!bytes.is_empty());
            bytes
        }
        Db::Postgres(url) => pg_dump(url),
    };
    // The control: names are there, and so are sealed texts.
    assert!(contains(&dump, "github-token"), "the search sees the rows");
    assert!(
        contains(&dump, "mirage-sealed:v1:"),
        "the search sees the sealed texts"
    );
    for value in [SENTINEL, ROTATED, PERSONAL] {
        assert!(
            !contains(&dump, value),
            "`{value}` is in the database in clear"
        );
        let encoded = base64::engine::general_purpose::STANDARD.encode(value);
        assert!(
            !contains(&dump, &encoded),
            "`{value}` is in the database in base64"
        );
    }
}

/// The whole database as `pg_dump` writes it (data included); every text
/// column of every table through `psql` when `pg_dump` cannot run.
fn pg_dump(url: &str) -> Vec<u8> {
    let program = support::bin_dir()
        .map(|bin| bin.join("pg_dump"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| "pg_dump".into());
    if let Ok(output) = Command::new(program)
        .args(["--no-owner", "-d", url])
        .output()
        && output.status.success()
    {
        return output.stdout;
    }
    let tables = support::psql(
        support::bin_dir().as_deref(),
        url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()",
    );
    let mut out = Vec::new();
    for table in tables.lines().filter(|t| !t.is_empty()) {
        let rows = support::psql(
            support::bin_dir().as_deref(),
            url,
            &format!("SELECT t::text FROM {table} t"),
        );
        out.extend(rows.into_bytes());
    }
    out
}

fn a_store_secret_is_planned_applied_and_then_unchanged(db: &Db) {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(store_secret_on_the_emulator(db));
}

async fn store_secret_on_the_emulator(db: &Db) {
    let world = World::with_files(&[("project.mirage", PROJECT)]).await;
    let (key, _) = master_key();
    let state = state_of(db);
    let env = [
        ("MIRAGE_STATE", state.as_str()),
        ("MIRAGE_MASTER_KEY", key.as_str()),
        ("MIRAGE_KEYRING", "off"),
        ("MIRAGE_MASTER_KEY_FILE", UNSET),
        ("MIRAGE_PREVIOUS_MASTER_KEYS", UNSET),
    ];
    // Unknown: located at the reference, and nothing read or written.
    let plan = world.mirage_with(&["plan", "."], &env).await;
    assert_eq!(plan.code, Some(1), "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stderr.contains("mirage::plan::secret_unreadable")
            && plan.stderr.contains("project.mirage:8")
            && plan.stderr.contains("no secret `db-url`")
            && plan.stderr.contains("mirage secret set db-url"),
        "{}",
        plan.stderr
    );
    let applied = world
        .mirage_with(&["apply", ".", "--auto-approve"], &env)
        .await;
    assert_eq!(applied.code, Some(1), "{}", applied.stderr);
    assert_eq!(
        world.harness.requests().await,
        0,
        "Railway was not even read"
    );
    assert!(world.projects().await.is_empty(), "nothing was created");

    // `mirage secret` from another checkout of the project, sharing the
    // state database.
    let project = Project::new(db);
    project
        .with_key(&key, &["secret", "set", "db-url"], Some(SENTINEL))
        .ok("set");
    let applied = world
        .mirage_with(&["apply", ".", "--auto-approve"], &env)
        .await
        .ok("apply");
    assert_quiet(&applied, "apply");
    let (_, env_id) = world.environment_id("shop", "production").await;
    let api = world.service_id(&env_id, "api").await;
    let (config, _) = world.harness.config(&env_id).await;
    assert_eq!(
        config["services"][&api]["variables"]["DATABASE_URL"]["value"],
        SENTINEL
    );
    let again = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &env)
        .await;
    assert_eq!(
        again.code,
        Some(0),
        "no changes: {}{}",
        again.stdout,
        again.stderr
    );
    assert_quiet(&again, "plan");
    // A rotation is a change, shown without either value.
    project
        .with_key(&key, &["secret", "rotate", "db-url"], Some(ROTATED))
        .ok("rotate");
    let rotated = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &env)
        .await;
    assert_eq!(
        rotated.code,
        Some(2),
        "{}{}",
        rotated.stdout,
        rotated.stderr
    );
    assert!(
        rotated.stdout.contains("DATABASE_URL"),
        "{}",
        rotated.stdout
    );
    assert_quiet(&rotated, "plan after rotation");
}

#[test]
fn store_secrets_need_no_database_to_be_refused_well() {
    // `get` of a project without a state database: a clear unknown, no
    // file created.
    let db = Db::sqlite();
    let project = Project::new(&db);
    let (key, _) = master_key();
    let run = project.with_key(&key, &["secret", "get", "db-url", "--reveal"], None);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("no secret `db-url`"), "{}", run.stderr);
    assert!(
        !Path::new(&state_of(&db)).exists(),
        "reading created no database"
    );
    let bad = project.with_key(&key, &["secret", "set", "../x"], Some("v"));
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    let store = Store::open(state_of(&db)).unwrap();
    assert!(store.is_empty().unwrap());
}

fn state_migrate_copies_the_sealed_secrets_which_still_open(db: &Db) {
    let project = Project::new(db);
    let (key, _) = master_key();
    project
        .with_key(&key, &["secret", "set", "db-url"], Some(SENTINEL))
        .ok("set");
    project
        .with_key(&key, &["secret", "rotate", "db-url"], Some(ROTATED))
        .ok("rotate");
    // Into the other backend (another file when there is no server).
    let target = match db {
        Db::Sqlite(_) => Db::postgres().unwrap_or_else(Db::sqlite),
        Db::Postgres(_) => Db::sqlite(),
    };
    let migrated = project
        .run(&["state", "migrate", "--to", &state_of(&target)], None, &[])
        .ok("state migrate");
    assert!(
        migrated.stderr.contains("2 versions of stored secrets"),
        "{}",
        migrated.stderr
    );
    let there = Project::new(&target);
    let got = there.with_key(&key, &["secret", "get", "db-url", "--reveal"], None);
    assert_eq!(got.ok("get from the copy").stdout, format!("{ROTATED}\n"));
    let history = there.with_key(&key, &["secret", "history", "db-url"], None);
    assert_eq!(history.ok("history").stdout.lines().count(), 2);
}

#[test]
fn a_generated_master_key_is_printed_only_when_asked_and_never_kept_in_clear_by_accident() {
    let db = Db::sqlite();
    let project = Project::new(&db);
    // No keyring here (`MIRAGE_KEYRING=off`): without a file, a clear
    // refusal; with `--reveal`, the key on standard output, nothing else.
    let refused = project.run(&["secret", "key", "generate"], None, &[]);
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(refused.stderr.contains("--to-file"), "{}", refused.stderr);
    let shown = project
        .run(&["secret", "key", "generate", "--reveal"], None, &[])
        .ok("generate --reveal");
    let key = shown.stdout.trim_end();
    let id = mirage::secrets::MasterKey::from_base64(key)
        .unwrap()
        .id()
        .to_owned();
    assert!(
        shown
            .stderr
            .contains(&format!("generated master key `{id}`")),
        "{}",
        shown.stderr
    );
    assert!(!shown.stderr.contains(key));
    // It works as `MIRAGE_MASTER_KEY`.
    project
        .with_key(key, &["secret", "set", "db-url"], Some(SENTINEL))
        .ok("set");
    let list = project
        .with_key(key, &["secret", "list", "--json"], None)
        .ok("list");
    assert!(!list.stdout.contains(key));
}

/// Runs `mirage ARGS` on a pseudo-terminal (through `script`), typing
/// `typed` once the program has asked; everything the terminal showed.
fn on_terminal(project: &Project, key: &str, args: &str, typed: Option<&str>) -> Option<String> {
    use std::io::Read as _;
    let script = support::find_program("script")?;
    let mut child = Command::new(script)
        .args([
            "-qec",
            &format!("{} {args}", support::mirage_bin().display()),
            "/dev/null",
        ])
        .current_dir(project.dir.path())
        .env("MIRAGE_STATE", state_of(project.db))
        .env("MIRAGE_KEYRING", "off")
        .env("MIRAGE_ACTOR", ACTOR)
        .env("NO_COLOR", "1")
        .env("MIRAGE_MASTER_KEY", key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take().unwrap();
    let mut shown = Vec::new();
    if let Some(typed) = typed {
        // Wait for the prompt, then type.
        let mut byte = [0u8; 1];
        while !String::from_utf8_lossy(&shown).contains("(not shown): ") {
            if stdout.read(&mut byte).ok()? == 0 {
                break;
            }
            shown.push(byte[0]);
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{typed}\n").as_bytes())
            .ok()?;
    }
    stdout.read_to_end(&mut shown).ok()?;
    child.wait().ok()?;
    Some(String::from_utf8_lossy(&shown).into_owned())
}

#[test]
fn on_a_terminal_the_value_is_asked_for_unseen_and_get_shows_it() {
    let db = Db::sqlite();
    let project = Project::new(&db);
    let (key, _) = master_key();
    let Some(typed) = on_terminal(&project, &key, "secret set db-url", Some(SENTINEL)) else {
        eprintln!("skipping: no `script` to run mirage on a terminal");
        return;
    };
    assert!(typed.contains("value of `db-url` (not shown): "), "{typed}");
    assert!(typed.contains("set `db-url`"), "{typed}");
    assert!(
        !typed.contains(SENTINEL),
        "the typed value was echoed: {typed}"
    );
    // `get` to a terminal prints without `--reveal`.
    let shown = on_terminal(&project, &key, "secret get db-url", None).unwrap();
    assert!(shown.contains(SENTINEL), "{shown}");
}
