//! The real `mirage serve` binary: its flags and environment, a signed
//! delivery queued into the project's state database, a clean exit on
//! SIGTERM, and a log that never shows a secret.

use crate::support;

use std::io::{BufRead, Read};
use std::process::Stdio;
use std::time::{Duration, Instant};

use mirage::auth::{WebhookSecret, sign_body};
use mirage::state::{JobState, Store};

const PROJECT_FILE: &str = r#"project "shop"

service "web" {
    image "nginx:1.27"
    port 80
}

environment "production"
environment "pr" ephemeral=#true ttl="72h"
"#;

const SECRET: &str = "cli-webhook-secret-4242";
const RAILWAY_SECRET: &str = "cli-railway-secret-0123456789";
const TOKEN: &str = "ghp_clitokenvalue0000000000";

#[test]
fn serve_needs_the_webhook_secret() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.mirage"), PROJECT_FILE).unwrap();
    let output = crate::support::mirage_command()
        .arg("serve")
        .arg(dir.path())
        .env_remove("MIRAGE_GITHUB_WEBHOOK_SECRET")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("MIRAGE_GITHUB_WEBHOOK_SECRET"), "{stderr}");
    let output = crate::support::mirage_command()
        .arg("serve")
        .arg(dir.path())
        .env("MIRAGE_GITHUB_WEBHOOK_SECRET", SECRET)
        .env("MIRAGE_RAILWAY_WEBHOOK_SECRET", "short")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 16 characters"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_queues_deliveries_and_stops_on_sigterm() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/github/pull_request.opened.payload.json");
    let Ok(body) = std::fs::read(&fixture) else {
        eprintln!("skipping: ../shared/fixtures is absent");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.mirage"), PROJECT_FILE).unwrap();
    let github = crate::github::fake::FakeGithub::start(
        std::sync::Arc::new(mirage::state::SystemClock),
        &[TOKEN],
        None,
    )
    .await;
    let mut child = support::isolate(&mut crate::support::mirage_command())
        .args(["serve", ".", "--listen", "127.0.0.1:0", "--gc-every", "0s"])
        .args(["--max-attempts", "1", "--github-api-url", &github.api_url])
        // No Railway credentials: the preview cannot come up, and says so.
        .env_remove("RAILWAY_TOKEN")
        .env_remove("RAILWAY_API_TOKEN")
        .current_dir(dir.path())
        .env("MIRAGE_GITHUB_WEBHOOK_SECRET", SECRET)
        .env("MIRAGE_RAILWAY_WEBHOOK_SECRET", RAILWAY_SECRET)
        .env("GITHUB_TOKEN", TOKEN)
        .env_remove("MIRAGE_STATE")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let addr = loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "{seen}");
        seen.push_str(&line);
        if let Some(addr) = line
            .trim()
            .strip_prefix("mirage serve listening on http://")
        {
            break addr.to_owned();
        }
    };
    let client = reqwest::Client::new();
    let signature = sign_body(&WebhookSecret::new(SECRET).unwrap(), &body);
    let response = client
        .post(format!("http://{addr}/webhooks/github"))
        .header("x-github-event", "pull_request")
        .header("x-github-delivery", "cli-1")
        .header("x-hub-signature-256", signature)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202);
    let response = client
        .post(format!("http://{addr}/webhooks/railway/{RAILWAY_SECRET}x"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    // The job ran the real previews: without Railway credentials it
    // fails (once, as `--max-attempts 1` says), and the pull request's
    // comment says why.
    let store = Store::open(dir.path().join(".mirage/state.db")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let job = loop {
        let jobs = store.jobs("shop").unwrap();
        if let Some(job) = jobs
            .first()
            .filter(|j| j.state != JobState::Queued && j.state != JobState::Running)
        {
            break job.clone();
        }
        assert!(Instant::now() < deadline, "{jobs:?}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!((job.kind.as_str(), job.state), ("up", JobState::Failed));
    assert!(
        !job.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("no preview lifecycle"),
        "the previews are wired: {job:?}"
    );
    let comments = github.comments_on("Codertocat", "Hello-World", 2);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(
        comments[0].1.contains("could not be brought up"),
        "{}",
        comments[0].1
    );

    // SIGTERM: a clean stop.
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: signalling our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let stopping = Instant::now();
    let status = child.wait().unwrap();
    assert!(stopping.elapsed() < Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
    stderr.read_to_string(&mut seen).unwrap();
    for line in [
        "job.queued",
        "job.failed",
        "serve.stopped",
        "webhook.railway_refused",
    ] {
        assert!(seen.contains(line), "no `{line}` in the log:\n{seen}");
    }
    for secret in [SECRET, RAILWAY_SECRET, TOKEN] {
        assert!(!seen.contains(secret), "the log shows a secret:\n{seen}");
    }
}
