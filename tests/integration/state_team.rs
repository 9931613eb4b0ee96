//! Team state on PostgreSQL, end to end: the real `mirage` binary in
//! several fresh checkouts (separate directories, no local state) against
//! one emulator over HTTP and one real PostgreSQL server, as CI runners and
//! laptops share them. Skips, saying so, without PostgreSQL.

use crate::support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use mirage::emulator::Options;
use mirage::state::{HistoryFilter, Location, OwnedFilter, Store};
use support::{Harness, Run, World};

const FILES: &str = r#"
project "team-shop"

service "web" {
    image "nginx:1.27"
    port 80
}

service "worker" {
    image "busybox:1.36"
}

environment "production"
environment "staging"
"#;

/// A fresh checkout of the project: its own directory, no `.mirage/`,
/// reaching the emulator of a [`World`].
struct Checkout {
    dir: tempfile::TempDir,
    endpoint: String,
    token: String,
}

impl Checkout {
    fn new(world: &World, files: &str) -> Checkout {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("project.mirage"), files).expect("write the project");
        Checkout {
            dir,
            endpoint: world.harness.emu.url(),
            token: world.harness.token.clone(),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn edit(&self, change: impl FnOnce(String) -> String) {
        let path = self.dir.path().join("project.mirage");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, change(text)).unwrap();
    }

    /// Runs `mirage ARGS` here with `env`, in a blocking task.
    async fn mirage_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = crate::support::mirage_command();
        command
            .args(args)
            .current_dir(self.dir.path())
            .stdin(std::process::Stdio::null())
            .env("MIRAGE_RAILWAY_URL", &self.endpoint)
            .env("RAILWAY_API_TOKEN", &self.token)
            .env_remove("RAILWAY_TOKEN")
            .env_remove("MIRAGE_STATE")
            .env("NO_COLOR", "1")
            .env("STRIPE_KEY", support::STRIPE)
            .env("ORBIT_PAYMENTS_TOKEN", support::ORBIT);
        for (key, value) in env {
            command.env(key, value);
        }
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .unwrap()
            .expect("mirage runs");
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

async fn services_of(world: &World, project: &str) -> Vec<String> {
    let mut names: Vec<String> = world
        .project(project)
        .await
        .services
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    names.sort();
    names
}

async fn emulator(latency: Duration) -> World {
    let harness = Harness::with(Options {
        clock: Duration::ZERO,
        latency,
        ..Options::default()
    })
    .await;
    World::with_harness("quickstart", harness).await
}

#[tokio::test(flavor = "multi_thread")]
async fn two_ci_runners_share_ownership_through_postgres() {
    let Some(server) = support::postgres() else {
        return;
    };
    let url = server.database();
    let shared = [("MIRAGE_STATE", url.as_str())];
    let world = emulator(Duration::ZERO).await;
    let a = Checkout::new(&world, FILES);
    let b = Checkout::new(&world, FILES);

    // Runner A applies.
    let applied = a
        .mirage_with(&["apply", ".", "--auto-approve"], &shared)
        .await;
    let applied = applied.ok("runner A's apply");
    assert!(applied.stdout.contains("created"), "{}", applied.stdout);
    assert!(
        !a.path().join(".mirage/state.db").exists(),
        "no local state"
    );

    // Runner B, a fresh checkout, plans no changes.
    let plan = b
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &shared)
        .await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("No changes"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("owns nothing"), "{}", plan.stdout);

    // Without the shared state, the same checkout is told it owns nothing
    // (not that Railway matches), and destroys nothing.
    let alone = b
        .mirage_with(&["destroy", ".", "--env", "staging", "--auto-approve"], &[])
        .await
        .ok("destroy without the shared state");
    assert!(
        alone
            .stdout
            .contains("Mirage owns nothing in `staging` in this state (`")
            && alone
                .stdout
                .contains("point MIRAGE_STATE at the shared state or run `mirage import --all`"),
        "{}",
        alone.stdout
    );
    let alone_plan = b.mirage_with(&["plan", "."], &[]).await;
    assert!(
        !alone_plan
            .stdout
            .contains("Railway matches the configuration")
            && alone_plan
                .stdout
                .contains("Mirage owns nothing in `production`, `staging` in this state"),
        "{}",
        alone_plan.stdout
    );
    std::fs::remove_dir_all(b.path().join(".mirage")).ok();
    assert_eq!(services_of(&world, "team-shop").await, ["web", "worker"]);

    // B removes a service from the files and applies: it is destroyed.
    b.edit(|text| text.replace("service \"worker\" {\n    image \"busybox:1.36\"\n}\n", ""));
    let removed = b
        .mirage_with(
            &["apply", ".", "--auto-approve", "--allow-destroy"],
            &shared,
        )
        .await;
    let removed = removed.ok("runner B's apply");
    assert!(removed.stdout.contains("destroy"), "{}", removed.stdout);
    assert_eq!(services_of(&world, "team-shop").await, ["web"]);

    // B destroys an environment: gone.
    let destroyed = b
        .mirage_with(
            &["destroy", ".", "--env", "staging", "--auto-approve"],
            &shared,
        )
        .await;
    destroyed.ok("runner B's destroy");
    let environments: Vec<String> = world
        .project("team-shop")
        .await
        .environments
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert!(
        !environments.contains(&"staging".to_owned()),
        "{environments:?}"
    );

    // A pulls B's change and plans: Railway matches.
    std::fs::copy(
        b.path().join("project.mirage"),
        a.path().join("project.mirage"),
    )
    .unwrap();
    a.edit(|text| text.replace("environment \"staging\"\n", ""));
    let plan = a
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &shared)
        .await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout.contains("Railway matches the configuration"),
        "{}",
        plan.stdout
    );

    // One history for the team, in the shared database.
    let store = Store::connect(&Location::parse(&url)).unwrap();
    let history = store.history(&HistoryFilter::default()).unwrap();
    assert_eq!(history.len(), 3, "{history:#?}");
    let listed = a.mirage_with(&["state", "history"], &shared).await;
    let listed = listed.ok("state history");
    assert_eq!(
        listed.stdout.matches("apply #").count(),
        3,
        "{}",
        listed.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn eight_runners_on_one_environment_apply_one_at_a_time() {
    let Some(server) = support::postgres() else {
        return;
    };
    let url = server.database();
    let world = emulator(Duration::from_millis(20)).await;
    let mut runners = Vec::new();
    for n in 0..8 {
        let runner = Checkout::new(&world, FILES);
        let url = url.clone();
        runners.push(tokio::spawn(async move {
            let actor = format!("runner-{n}");
            let run = runner
                .mirage_with(
                    &["apply", ".", "--auto-approve", "--env", "production"],
                    &[("MIRAGE_STATE", &url), ("MIRAGE_ACTOR", &actor)],
                )
                .await;
            (n, run, runner)
        }));
    }
    let mut applied = 0;
    let mut refused = 0;
    for runner in runners {
        let (n, run, _dir) = runner.await.unwrap();
        match run.code {
            Some(0) => applied += 1,
            _ => {
                // Failed at once, naming who holds the lock.
                assert!(
                    run.stderr
                        .contains("environment `production` is locked by runner-")
                        && run.stderr.contains("(pid "),
                    "runner {n}: {}{}",
                    run.stdout,
                    run.stderr
                );
                refused += 1;
            }
        }
    }
    assert_eq!(applied + refused, 8);
    assert!(applied >= 1);
    // Whoever applied, Railway got each resource once: applies never
    // overlapped (two at once would both have created everything).
    world.assert_no_duplicates("team-shop").await;
    let store = Store::connect(&Location::parse(&url)).unwrap();
    let history = store.history(&HistoryFilter::default()).unwrap();
    let with_changes = history
        .iter()
        .filter(|a| {
            a.summary
                .as_deref()
                .is_some_and(|s| !s.starts_with("0 created, 0 changed"))
        })
        .count();
    assert_eq!(with_changes, 1, "{history:#?}");

    // Now all eight wait for each other (`--lock-timeout`) on a change.
    let changed = FILES.replace("nginx:1.27", "nginx:1.28");
    let mut runners = Vec::new();
    for n in 0..8 {
        let runner = Checkout::new(&world, &changed);
        let url = url.clone();
        runners.push(tokio::spawn(async move {
            let run = runner
                .mirage_with(
                    &[
                        "apply",
                        ".",
                        "--auto-approve",
                        "--env",
                        "production",
                        "--lock-timeout",
                        "120",
                    ],
                    &[
                        ("MIRAGE_STATE", &url),
                        ("MIRAGE_ACTOR", &format!("waiter-{n}")),
                    ],
                )
                .await;
            (n, run, runner)
        }));
    }
    for runner in runners {
        let (n, run, _dir) = runner.await.unwrap();
        assert_eq!(
            run.code,
            Some(0),
            "waiter {n}: {}{}",
            run.stdout,
            run.stderr
        );
    }
    world.assert_no_duplicates("team-shop").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn eight_runners_on_eight_environments_proceed_in_parallel() {
    let Some(server) = support::postgres() else {
        return;
    };
    let url = server.database();
    let mut files = String::from(
        "project \"wide\"\n\nservice \"web\" {\n    image \"nginx:1.27\"\n    port 80\n}\n\nenvironment \"base\"\n",
    );
    for n in 0..8 {
        files.push_str(&format!("environment \"e{n}\"\n"));
    }
    let world = emulator(Duration::from_millis(20)).await;
    let first = Checkout::new(&world, &files);
    // The project exists first (its creation is not per environment).
    let base = first
        .mirage_with(
            &["apply", ".", "--auto-approve", "--env", "base"],
            &[("MIRAGE_STATE", &url)],
        )
        .await;
    base.ok("the base apply");
    let mut runners = Vec::new();
    for n in 0..8 {
        let runner = Checkout::new(&world, &files);
        let url = url.clone();
        runners.push(tokio::spawn(async move {
            let env = format!("e{n}");
            // No `--lock-timeout`: any wait on another runner's lock
            // would fail at once.
            let run = runner
                .mirage_with(
                    &["apply", ".", "--auto-approve", "--env", &env],
                    &[("MIRAGE_STATE", &url)],
                )
                .await;
            (n, run, runner)
        }));
    }
    for runner in runners {
        let (n, run, _dir) = runner.await.unwrap();
        assert_eq!(run.code, Some(0), "e{n}: {}{}", run.stdout, run.stderr);
    }
    let remote = world.assert_no_duplicates("wide").await;
    assert_eq!(remote.environments.len(), 9);
    let store = Store::connect(&Location::parse(&url)).unwrap();
    for n in 0..8 {
        assert!(
            !store
                .owned_in_environment("wide", &format!("e{n}"))
                .unwrap()
                .is_empty(),
            "e{n} is owned"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_lost_mid_apply_stops_it_and_the_next_apply_converges() {
    let mut server = match support::PrivateServer::start() {
        Ok(server) => server,
        Err(why) => {
            if std::env::var_os("MIRAGE_TEST_POSTGRES_REQUIRED").is_some() {
                panic!("PostgreSQL is required: {why}");
            }
            eprintln!("skipping: {why}");
            return;
        }
    };
    let url = server.database();
    let harness = Harness::with(Options {
        clock: Duration::ZERO,
        latency: Duration::from_millis(150),
        ..Options::default()
    })
    .await;
    let world = World::with_harness("saas", harness).await;
    let env = [("MIRAGE_STATE", url.as_str())];
    let applying = {
        let world_dir = world.path();
        let endpoint = world.harness.emu.url();
        let token = world.harness.token.clone();
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            crate::support::mirage_command()
                .args(["apply", ".", "--auto-approve"])
                .current_dir(&world_dir)
                .stdin(std::process::Stdio::null())
                .env("MIRAGE_RAILWAY_URL", endpoint)
                .env("RAILWAY_API_TOKEN", token)
                .env_remove("RAILWAY_TOKEN")
                .env("MIRAGE_STATE", &url)
                .env("NO_COLOR", "1")
                .env("STRIPE_KEY", support::STRIPE)
                .env("ORBIT_PAYMENTS_TOKEN", support::ORBIT)
                .output()
                .expect("mirage runs")
        })
    };
    // Once it has started writing to Railway, the database host dies.
    wait_for_a_project(&world, "acme-shop").await;
    server.kill();
    let output = applying.await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("stopped before the next write to Railway: the connection to the state database `postgres://mirage@127.0.0.1:"),
        "it stops and says the state database was lost:\n{stderr}"
    );
    assert!(!stderr.contains("Apply complete"), "{stderr}");
    // The database is back: apply converges, nothing duplicated, nothing
    // orphaned, and a plan shows no changes.
    server.resume().unwrap();
    world
        .mirage_with(&["apply", ".", "--auto-approve"], &env)
        .await
        .ok("the apply after the database came back");
    world.assert_no_duplicates("acme-shop").await;
    let plan = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &env)
        .await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);
    assert_owned_on_postgres(&world, &url).await;
}

/// Waits until the emulator has project `name` (the apply is writing).
async fn wait_for_a_project(world: &World, name: &str) {
    for _ in 0..600 {
        if world.projects().await.iter().any(|(n, _)| n == name) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the apply never created `{name}`");
}

/// Every service on the emulator is owned in the PostgreSQL state.
async fn assert_owned_on_postgres(world: &World, url: &str) {
    let store = Store::connect(&Location::parse(url)).unwrap();
    let remote = world.project("acme-shop").await;
    let owned = store
        .list_owned(&OwnedFilter {
            project: Some("acme-shop".into()),
            ..OwnedFilter::default()
        })
        .unwrap();
    for (service, id) in &remote.services {
        assert!(
            owned
                .iter()
                .any(|r| &r.key.name == service && r.railway_id.as_deref() == Some(id.as_str())),
            "service `{service}` ({id}) is an orphan"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_local_state_migrates_to_postgres_and_back() {
    let Some(server) = support::postgres() else {
        return;
    };
    let world = World::applied("quickstart").await;
    let local = world.path().join(".mirage/state.db");
    let url = server.database();
    let listed_before = world.mirage(&["state", "list"]).await.ok("state list");
    let migrated = world
        .mirage(&["state", "migrate", "--to", &url])
        .await
        .ok("state migrate");
    assert!(
        migrated.stderr.contains("copied ") && migrated.stderr.contains("MIRAGE_STATE="),
        "{}",
        migrated.stderr
    );
    let listed_after = world
        .mirage_with(&["state", "list"], &[("MIRAGE_STATE", &url)])
        .await
        .ok("state list on postgres");
    assert_eq!(listed_before.stdout, listed_after.stdout);
    // A plan with the shared state sees what the local one saw.
    let plan = world
        .mirage_with(
            &["plan", ".", "--detailed-exitcode"],
            &[("MIRAGE_STATE", &url)],
        )
        .await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);
    // Again: the target is not empty any more.
    let refused = world.mirage(&["state", "migrate", "--to", &url]).await;
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("already records") && refused.stderr.contains("--force"),
        "{}",
        refused.stderr
    );
    world
        .mirage(&["state", "migrate", "--to", &url, "--force"])
        .await
        .ok("state migrate --force");
    // And back, into a new file.
    let back = world.path().join("back.db");
    world
        .mirage_with(
            &["state", "migrate", "--to", back.to_str().unwrap()],
            &[("MIRAGE_STATE", &url)],
        )
        .await
        .ok("state migrate back");
    let from_file = world
        .mirage(&["state", "--state", back.to_str().unwrap(), "list"])
        .await
        .ok("state list on the copy");
    assert_eq!(listed_before.stdout, from_file.stdout);
    assert!(Path::new(&local).exists(), "the source is left as it was");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_state_flag_wins_over_the_variable_and_no_password_is_shown() {
    let world = World::with_example("quickstart").await;
    let flag = world.path().join("from-flag.db");
    let variable = world.path().join("from-variable.db");
    world
        .mirage_with(
            &[
                "apply",
                ".",
                "--auto-approve",
                "--state",
                flag.to_str().unwrap(),
            ],
            &[("MIRAGE_STATE", variable.to_str().unwrap())],
        )
        .await
        .ok("apply with --state");
    assert!(flag.exists(), "the flag's file is the state");
    assert!(!variable.exists(), "the variable lost to the flag");
    assert!(!world.path().join(".mirage/state.db").exists());
    // The variable alone is used when there is no flag.
    let listed = world
        .mirage_with(
            &["state", "list"],
            &[("MIRAGE_STATE", flag.to_str().unwrap())],
        )
        .await
        .ok("state list");
    assert!(listed.stdout.contains("quickstart"), "{}", listed.stdout);

    // An unreachable PostgreSQL: a clear error, never its password (in
    // the URL or in PGPASSWORD).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://ci:url-SECRET-7f3@127.0.0.1:{port}/state");
    for args in [vec!["plan", "."], vec!["state", "list"]] {
        let run = world
            .mirage_with(
                &args,
                &[
                    ("MIRAGE_STATE", url.as_str()),
                    ("PGPASSWORD", "env-SECRET-9c1"),
                ],
            )
            .await;
        assert_eq!(run.code, Some(1), "{args:?}: {}{}", run.stdout, run.stderr);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(!all.contains("SECRET"), "{args:?}: {all}");
        assert!(
            all.contains(&format!(
                "cannot connect to the state database `postgres://ci@127.0.0.1:{port}/state`"
            )),
            "{args:?}: {all}"
        );
        assert!(
            all.contains("PGPASSWORD"),
            "the help says where the password goes: {all}"
        );
    }
}
