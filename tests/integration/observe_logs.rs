//! `mirage logs` (issue #19): the real binary against the emulator over
//! loopback HTTP — lines of several services merged in time order with
//! their prefixes, NDJSON, filters, windows, build logs, `--follow` across
//! dropped websockets (every line exactly once, in order), and the
//! messages of bad input.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{Harness, Output, Test};

const TOKEN: &str = "test-account-token";

const PROJECT: &str = r#"project "shop"

service "api" {
    image "ghcr.io/acme/api:1"
}

service "web" {
    image "ghcr.io/acme/web:1"
}

service "worker" {
    image "ghcr.io/acme/worker:1"
}

environment "production"
environment "staging"
"#;

fn project() -> Test {
    Test::new()
        .file("main.mirage", PROJECT)
        .env("RAILWAY_API_TOKEN", TOKEN)
        .env_remove("MIRAGE_RAILWAY_URL")
        .env("NO_COLOR", "1")
}

async fn run(test: Test) -> Output {
    tokio::task::spawn_blocking(move || test.run())
        .await
        .expect("the binary runs")
}

/// An emulator with the project applied to it; the project's directory
/// (with the state that knows the project's ID) is kept in `dir`.
struct Applied {
    harness: Harness,
    dir: tempfile::TempDir,
    url: String,
}

impl Applied {
    async fn new() -> Applied {
        let harness = Harness::start().await;
        let url = harness.emu.url();
        let output = run(project()
            .args(["apply", ".", "--auto-approve", "--endpoint", &url])
            .stdout_contains("Apply complete"))
        .await;
        Applied {
            harness,
            dir: output.dir,
            url,
        }
    }

    /// `mirage logs` in the project's directory.
    fn logs(&self, args: &[&str]) -> Test {
        let mut all = vec!["logs", ".", "--env", "production", "--endpoint", &self.url];
        all.extend_from_slice(args);
        project_in(self.dir.path()).args(all)
    }

    /// Every line of `production` as the `environmentLogs` query gives it.
    async fn history(&self) -> Vec<Value> {
        let env = self.environment_id("production").await;
        let r = self
            .harness
            .gql(
                "query($e: String!) { environmentLogs(environmentId: $e, afterDate: \"1970-01-01T00:00:00.000Z\", afterLimit: 5000) { timestamp message severity tags { serviceId deploymentInstanceId } } }",
                json!({"e": env}),
            )
            .await;
        let lines = r.data()["environmentLogs"]
            .as_array()
            .cloned()
            .expect("lines");
        assert!(lines.len() < 5000, "one page holds every line");
        lines
    }

    async fn environment_id(&self, name: &str) -> String {
        self.ids().await.0[name].clone()
    }

    /// (environment IDs, service IDs) by name.
    async fn ids(&self) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
        let r = self
            .harness
            .gql(
                "{ projects { edges { node { environments { edges { node { id name } } } services { edges { node { id name } } } } } } }",
                json!({}),
            )
            .await;
        let node = &r.data()["projects"]["edges"][0]["node"];
        let by_name = |list: &Value| {
            list["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| {
                    (
                        e["node"]["name"].as_str().expect("name").to_owned(),
                        e["node"]["id"].as_str().expect("id").to_owned(),
                    )
                })
                .collect()
        };
        (by_name(&node["environments"]), by_name(&node["services"]))
    }

    /// A new deployment of each of `services` in `production`.
    async fn redeploy(&self, services: &[&str]) {
        let (envs, ids) = self.ids().await;
        for service in services {
            self.harness
                .deploy(&envs["production"], &ids[*service])
                .await;
        }
    }
}

/// A test in an existing directory (the applied project's).
fn project_in(dir: &Path) -> Test {
    project().current_dir(dir.to_str().expect("utf-8 path"))
}

/// The `HH:MM:SS.mmm service │ message` lines of text output.
fn text_lines(stdout: &str) -> Vec<(String, String, String)> {
    stdout
        .lines()
        .map(|line| {
            let (head, message) = line.split_once(" │ ").expect("a `│` separator");
            let (time, service) = head.split_once(' ').expect("time and service");
            (
                time.to_owned(),
                service.trim().to_owned(),
                message.to_owned(),
            )
        })
        .collect()
}

fn ndjson(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn lines_of_three_services_merge_in_time_order_with_their_names() {
    let applied = Applied::new().await;
    let out = run(applied.logs(&[])).await;
    let lines = text_lines(&out.stdout);
    let history = applied.history().await;
    assert_eq!(lines.len(), history.len(), "{}", out.stdout);
    let services: std::collections::BTreeSet<_> = lines.iter().map(|l| l.1.as_str()).collect();
    assert_eq!(
        services.into_iter().collect::<Vec<_>>(),
        ["api", "web", "worker"]
    );
    assert!(
        lines.windows(2).all(|w| w[0].0 <= w[1].0),
        "not in time order:\n{}",
        out.stdout
    );
    // The service column is padded to the longest name.
    assert!(
        out.stdout.contains(" api    │ Starting Container"),
        "{}",
        out.stdout
    );

    let out = run(applied.logs(&["--json"])).await;
    let objects = ndjson(&out.stdout);
    assert_eq!(objects.len(), history.len());
    for (object, line) in objects.iter().zip(&history) {
        for key in [
            "timestamp",
            "service",
            "deployment",
            "replica",
            "severity",
            "message",
            "attributes",
        ] {
            assert!(object.get(key).is_some(), "no `{key}` in {object}");
        }
        assert_eq!(object["timestamp"], line["timestamp"]);
        assert_eq!(object["replica"], line["tags"]["deploymentInstanceId"]);
        assert!(object["attributes"]["level"].is_string(), "{object}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn filter_level_and_service_narrow_the_lines() {
    let applied = Applied::new().await;
    applied
        .harness
        .admin("outcomes", json!({"worker": "CRASHED"}))
        .await;
    applied.redeploy(&["worker"]).await;

    let out = run(applied.logs(&["--service", "web,api"])).await;
    let lines = text_lines(&out.stdout);
    assert!(!lines.is_empty());
    assert!(
        lines.iter().all(|l| l.1 == "web" || l.1 == "api"),
        "{}",
        out.stdout
    );
    assert!(lines.iter().any(|l| l.1 == "web") && lines.iter().any(|l| l.1 == "api"));

    let out = run(applied.logs(&["--filter", "\"Listening on port\""])).await;
    let lines = text_lines(&out.stdout);
    // One per running deployment (the crashed worker has none).
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert!(lines.iter().all(|l| l.2.starts_with("Listening on port")));

    let out = run(applied.logs(&["--level", "error"])).await;
    let lines = text_lines(&out.stdout);
    assert!(!lines.is_empty(), "the crash is an error line");
    assert!(
        lines
            .iter()
            .all(|l| l.1 == "worker" && l.2.starts_with("ERR ")),
        "{}",
        out.stdout
    );

    // The level AND the user's filter AND the services.
    let out = run(applied.logs(&[
        "--level",
        "info",
        "--filter",
        "Starting OR Listening",
        "--service",
        "api",
    ]))
    .await;
    let lines = text_lines(&out.stdout);
    assert_eq!(
        lines.iter().map(|l| l.2.as_str()).collect::<Vec<_>>(),
        ["Starting Container", "Listening on port 8080"],
        "{}",
        out.stdout
    );

    // Nothing matches: standard output stays empty, standard error says why.
    let out = run(applied.logs(&["--filter", "\"no line says this\""])).await;
    assert_eq!(out.stdout, "", "{}", out.stderr);
    assert!(out.stderr.contains("No log lines match"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn since_and_from_to_bound_the_window() {
    let applied = Applied::new().await;
    let first = applied.history().await;
    let ms = |line: &Value| {
        mirage::observe::logs::time::parse_rfc3339(line["timestamp"].as_str().expect("timestamp"))
            .expect("RFC 3339")
    };
    let t1 = ms(&first[first.len() - 1]);
    // `--since` counts back from the wall clock, as Railway's does: let
    // three seconds pass, then deploy `web` again.
    while mirage::observe::logs::time::now() < t1 + 3_000 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    applied.redeploy(&["web"]).await;
    let all = applied.history().await;
    assert!(all.len() > first.len());
    let t2 = ms(&all[first.len()]);
    let seconds = (mirage::observe::logs::time::now() - t2) / 1000 + 2;
    let since = format!("{seconds}s");
    let out = run(applied.logs(&["--since", &since, "--json"])).await;
    let objects = ndjson(&out.stdout);
    assert_eq!(objects.len(), all.len() - first.len(), "{}", out.stdout);
    assert!(objects.iter().all(|o| o["service"] == "web"));

    // `--from`/`--to` around the first deployments only.
    let from = first[0]["timestamp"].as_str().expect("timestamp");
    let to = first[first.len() - 1]["timestamp"]
        .as_str()
        .expect("timestamp");
    let out = run(applied.logs(&["--from", from, "--to", to, "--json"])).await;
    assert_eq!(ndjson(&out.stdout).len(), first.len(), "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn build_shows_the_latest_build_of_each_service() {
    let applied = Applied::new().await;
    let out = run(applied.logs(&["--build"])).await;
    let lines = text_lines(&out.stdout);
    for service in ["api", "web", "worker"] {
        assert!(
            lines
                .iter()
                .any(|l| l.1 == service && l.2 == format!("Pulling image ghcr.io/acme/{service}:1")),
            "{}",
            out.stdout
        );
    }
    assert!(
        !out.stdout.contains("Starting Container"),
        "deploy lines are not build lines:\n{}",
        out.stdout
    );
    let out = run(applied.logs(&["--build", "--service", "worker", "--json"])).await;
    assert!(
        ndjson(&out.stdout)
            .iter()
            .all(|o| o["service"] == "worker" && o["kind"] == "build")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn output_writes_a_file_and_refuses_a_directory() {
    let applied = Applied::new().await;
    let out = run(applied.logs(&["--json", "--output", "logs.ndjson"])).await;
    assert_eq!(out.stdout, "");
    let written =
        std::fs::read_to_string(applied.dir.path().join("logs.ndjson")).expect("the file");
    assert_eq!(ndjson(&written).len(), applied.history().await.len());
    std::fs::create_dir(applied.dir.path().join("adir")).expect("mkdir");
    run(applied
        .logs(&["--output", "adir"])
        .status(2)
        .stderr_contains("`adir` exists and is not a regular file"))
    .await;
}

/// A TCP proxy in front of the emulator that can cut every connection at
/// once, as a network drop does (no `complete`, no close frame).
struct Proxy {
    url: String,
    connections: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let local = listener.local_addr().expect("addr");
        let target = upstream
            .trim_start_matches("http://")
            .split('/')
            .next()
            .expect("host:port")
            .to_owned();
        let url = upstream.replacen(&target, &local.to_string(), 1);
        let connections: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let held = connections.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                held.lock().expect("lock").push(task.abort_handle());
            }
        });
        Proxy { url, connections }
    }

    /// Cuts every open connection; returns how many.
    fn drop_all(&self) -> usize {
        let mut held = self.connections.lock().expect("lock");
        let n = held.iter().filter(|t| !t.is_finished()).count();
        for task in held.drain(..) {
            task.abort();
        }
        n
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn follow_survives_two_drops_with_every_line_once_and_in_order() {
    let applied = Applied::new().await;
    let proxy = Proxy::start(&applied.url).await;
    let file = applied.dir.path().join("followed.ndjson");
    let child = crate::support::mirage_command()
        .args([
            "logs",
            ".",
            "--env",
            "production",
            "--follow",
            "--json",
            "--output",
            "followed.ndjson",
            "--endpoint",
            &proxy.url,
        ])
        .current_dir(applied.dir.path())
        .env("RAILWAY_API_TOKEN", TOKEN)
        .env_remove("MIRAGE_RAILWAY_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mirage logs --follow starts");
    let count = |path: &Path| {
        std::fs::read_to_string(path)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    let wait_for = |want: usize| {
        let file = file.clone();
        async move {
            let start = Instant::now();
            while count(&file) < want && start.elapsed() < Duration::from_secs(20) {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            count(&file)
        }
    };
    // The history comes first, on the subscription.
    let initial = applied.history().await.len();
    assert_eq!(wait_for(initial).await, initial);
    // Every replica writes 300 runtime lines a second from now on, and
    // deployments come and go; the follower's socket is cut twice: once
    // by the network (the proxy drops the TCP connection), once by the
    // emulator (its drop knob closes the websocket without `complete`).
    applied
        .harness
        .admin("logs", json!({"ratePerReplica": 300}))
        .await;
    let mut drops = 0;
    for round in 0..20 {
        applied
            .redeploy(&[["api", "web", "worker"][round % 3]])
            .await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        if round == 6 {
            drops += usize::from(proxy.drop_all() > 0);
        }
        if round == 13 {
            let dropped = applied.harness.admin("subscriptions/drop", json!({})).await;
            drops += usize::from(dropped["dropped"].as_u64().unwrap_or(0) > 0);
        }
    }
    assert_eq!(drops, 2, "the follower's socket was cut twice");
    applied
        .harness
        .admin("logs", json!({"ratePerReplica": 0}))
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let expected = applied.history().await;
    assert!(
        expected.len() > 1000,
        "a high rate: {} lines",
        expected.len()
    );
    let got_count = wait_for(expected.len()).await;
    // A moment more: nothing may arrive twice.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let output = child.wait_with_output().expect("the follower ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stderr.matches("reconnected").count(),
        2,
        "a notice per reconnection on stderr:\n{stderr}"
    );
    let followed = ndjson(&std::fs::read_to_string(&file).expect("the file"));
    assert_eq!(got_count, expected.len());
    assert_eq!(followed.len(), expected.len(), "{stderr}");
    assert!(
        followed
            .windows(2)
            .all(|w| w[0]["timestamp"].as_str() <= w[1]["timestamp"].as_str()),
        "in time order"
    );
    let key = |ts: &Value, msg: &Value, replica: &Value| format!("{ts}|{replica}|{msg}");
    let mut want: Vec<String> = expected
        .iter()
        .map(|l| {
            key(
                &l["timestamp"],
                &l["message"],
                &l["tags"]["deploymentInstanceId"],
            )
        })
        .collect();
    let mut got: Vec<String> = followed
        .iter()
        .map(|l| key(&l["timestamp"], &l["message"], &l["replica"]))
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want, "every line exactly once");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("reconnect"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pipe_ends_follow_quietly() {
    let applied = Applied::new().await;
    let mut child = crate::support::mirage_command()
        .args([
            "logs",
            ".",
            "--env",
            "production",
            "--follow",
            "--endpoint",
            &applied.url,
        ])
        .current_dir(applied.dir.path())
        .env("RAILWAY_API_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 1];
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        stdout.read_exact(&mut first).expect("a first byte");
    })
    .await
    .expect("read");
    // The reader is gone; the next lines hit a closed pipe.
    applied.redeploy(&["api"]).await;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "still running");
        applied.redeploy(&["web"]).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut stderr = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_explained() {
    let applied = Applied::new().await;
    std::fs::create_dir(applied.dir.path().join("adir")).expect("mkdir");
    let cases: &[&[&str]] = &[
        &["--env", "prod"],
        &["--service", "wbe"],
        &["--since", "10"],
        &["--since", "5y"],
        &["--from", "2026-13-01T00:00:00Z"],
        &[
            "--from",
            "2026-12-07T11:00:00Z",
            "--to",
            "2026-12-07T10:00:00Z",
        ],
        &["--follow", "--to", "2026-12-07T10:00:00Z"],
        &["--follow", "--build"],
        &["--level", "eror"],
        &["--filter", "(@level:error"],
        &["--output", "adir"],
    ];
    let mut transcript = String::new();
    for case in cases {
        let mut args = vec!["logs", ".", "--endpoint", &applied.url];
        if !case.contains(&"--env") {
            args.extend(["--env", "production"]);
        }
        args.extend_from_slice(case);
        let out = run(project_in(applied.dir.path()).args(&args).status(2)).await;
        transcript.push_str(&format!(
            "$ mirage logs {}\n{}\n",
            case.join(" "),
            out.stderr
        ));
    }
    insta::assert_snapshot!("bad_input", transcript);
}
