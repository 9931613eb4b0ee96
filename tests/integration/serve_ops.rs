//! `mirage serve`'s operations end to end: scheduled drift detection on
//! the emulator told once to a real loopback webhook receiver, following a
//! project's repository with `--pull` (real git repositories on disk), and
//! the configuration file through the real binary (`--check-config`,
//! golden diagnostics of bad files under `tests/serve_config/`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mirage::auth::{WebhookSecret, sign_body};
use mirage::serve::{self, Config, Ops, ProjectConfig, ProjectRuntime, Unwired};
use mirage::state::{FixedClock, JobState, Location, Store, Timestamp};
use serde_json::json;

use crate::preview::context;
use crate::support::{World, repo_root, snapshot};

const SECRET: &str = "It's a Secret to Everybody";

/// A Slack-compatible incoming webhook on loopback: every body it gets.
struct Receiver {
    url: String,
    texts: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let texts = Arc::new(Mutex::new(Vec::new()));
        let seen = texts.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |body: axum::Json<serde_json::Value>| {
                let seen = seen.clone();
                async move {
                    let text = body.0["text"].as_str().unwrap_or("<no text>").to_owned();
                    seen.lock().unwrap().push(text);
                    "ok"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url: format!("http://{addr}/hook"),
            texts,
        }
    }

    fn texts(&self) -> Vec<String> {
        self.texts.lock().unwrap().clone()
    }
}

fn config_for(dir: &Path, projects: Vec<ProjectConfig>) -> Config {
    serve::log::set_enabled(false);
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        Location::File(dir.join(".mirage/state.db")),
        projects[0].name.clone(),
        WebhookSecret::new(SECRET).unwrap(),
    );
    config.gc_every = None;
    config.poll = Duration::from_millis(20);
    config.projects = projects;
    config
}

/// Waits until `project` has `count` finished jobs of `kind`.
async fn finished(
    store: &Store,
    project: &str,
    kind: &str,
    count: usize,
) -> Vec<mirage::state::Job> {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let (reader, name) = (store.clone(), project.to_owned());
        let jobs = tokio::task::spawn_blocking(move || reader.jobs(&name).unwrap())
            .await
            .unwrap();
        let done: Vec<_> = jobs
            .into_iter()
            .filter(|j| j.kind == kind && !matches!(j.state, JobState::Queued | JobState::Running))
            .collect();
        if done.len() >= count {
            return done;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {count} `{kind}` jobs finished",
            done.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_outside_mirage_is_told_once_when_it_appears_and_once_when_it_clears() {
    let world = World::applied("quickstart").await;
    let receiver = Receiver::start().await;
    let clock = Arc::new(FixedClock::at(Timestamp::now()));
    let ops = Ops {
        context: context(&world, clock),
        dir: world.path(),
        credentials: None,
    };
    let project = ProjectConfig {
        dir: Some(world.path()),
        drift_every: Some(Duration::from_secs(1)),
        drift_webhook: Some(receiver.url.clone()),
        ..ProjectConfig::named("quickstart")
    };
    let running = serve::start_each(config_for(&world.path(), vec![project]), |_| {
        ProjectRuntime {
            previews: Arc::new(Unwired),
            ops: Some(ops.clone()),
        }
    })
    .await
    .expect("serve starts");
    let store = running.store().clone();

    // No drift yet: checks run, nothing is told.
    let checks = finished(&store, "quickstart", "drift", 1).await.len();
    assert!(receiver.texts().is_empty(), "{:?}", receiver.texts());

    // Someone changes the service by hand.
    let (_, env) = world.environment_id("quickstart", "production").await;
    let web = world.service_id(&env, "web").await;
    world
        .harness
        .commit(
            &env,
            json!({"services": {web.clone(): {"variables": {"EXTRA": {"value": "sk_value_never_told"}}, "deploy": {"healthcheckPath": "/other"}}}}),
        )
        .await
        .data();
    // Two more checks after the change see the same drift: told once.
    let deadline = Instant::now() + Duration::from_secs(60);
    while receiver.texts().is_empty() {
        assert!(Instant::now() < deadline, "drift was not told");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let after = finished(&store, "quickstart", "drift", checks + 1)
        .await
        .len();
    finished(&store, "quickstart", "drift", after + 2).await;
    let texts = receiver.texts();
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].contains("drift appeared"), "{}", texts[0]);
    assert!(texts[0].contains("`quickstart`"), "{}", texts[0]);
    assert!(texts[0].contains("production"), "{}", texts[0]);
    assert!(texts[0].contains("service `web` update"), "{}", texts[0]);
    assert!(texts[0].contains("deploy.healthcheckPath"), "{}", texts[0]);
    assert!(!texts[0].contains("sk_value_never_told"), "{}", texts[0]);
    assert!(!texts[0].contains("/other"), "no values: {}", texts[0]);
    let record = store.drift("quickstart").unwrap().expect("recorded");
    assert!(!record.fingerprint.is_empty());
    let metrics = || async {
        reqwest::get(format!("http://{}/metrics", running.addr()))
            .await
            .expect("/metrics")
            .text()
            .await
            .expect("text")
    };
    let scraped = metrics().await;
    assert!(
        scraped.contains("mirage_drift_detected{project=\"quickstart\"} 1"),
        "{scraped}"
    );

    // Mirage applies again: the drift clears, told once.
    world.apply().await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while receiver.texts().len() < 2 {
        assert!(Instant::now() < deadline, "the clearing was not told");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let now = finished(&store, "quickstart", "drift", 0).await.len();
    finished(&store, "quickstart", "drift", now + 2).await;
    let texts = receiver.texts();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts[1].contains("drift cleared"), "{}", texts[1]);
    assert_eq!(store.drift("quickstart").unwrap().unwrap().fingerprint, "");
    let scraped = metrics().await;
    assert!(
        scraped.contains("mirage_drift_detected{project=\"quickstart\"} 0"),
        "{scraped}"
    );
    // Both transitions are in the audit log, without the values.
    let audit = store
        .audit(&mirage::state::AuditFilter {
            projects: Some(vec!["quickstart".to_owned()]),
            limit: 50,
            ..Default::default()
        })
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|r| r.entry.action.as_str()).collect();
    assert_eq!(actions, ["drift.cleared", "drift.appeared"], "{audit:?}");
    assert!(audit[1].entry.summary.contains("deploy.healthcheckPath"));
    assert!(
        audit
            .iter()
            .all(|r| !r.entry.summary.contains("sk_value_never_told")
                && !r.entry.summary.contains("/other")),
        "{audit:?}"
    );
    running.shutdown().await;
}

// ------------------------------------------------------------------ --pull

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

const SHOP_V1: &str = "project \"shop\"\nservice \"web\" {\n    image \"nginx:1.27\"\n}\nenvironment \"production\"\n";

/// A bare "origin", a working clone people push from, and serve's checkout.
struct Repos {
    _root: tempfile::TempDir,
    origin: PathBuf,
    work: PathBuf,
    checkout: PathBuf,
}

fn repos() -> Repos {
    let root = tempfile::tempdir().unwrap();
    let origin = root.path().join("origin.git");
    let work = root.path().join("work");
    let checkout = root.path().join("checkout");
    git(
        root.path(),
        &["init", "--quiet", "--bare", "-b", "main", "origin.git"],
    );
    git(
        root.path(),
        &["clone", "--quiet", origin.to_str().unwrap(), "work"],
    );
    git(&work, &["checkout", "--quiet", "-b", "main"]);
    std::fs::write(work.join("main.mirage"), SHOP_V1).unwrap();
    git(&work, &["add", "."]);
    git(&work, &["commit", "--quiet", "-m", "v1"]);
    git(&work, &["push", "--quiet", "-u", "origin", "main"]);
    git(
        root.path(),
        &["clone", "--quiet", origin.to_str().unwrap(), "checkout"],
    );
    Repos {
        _root: root,
        origin,
        work,
        checkout,
    }
}

fn push(repos: &Repos, text: &str, message: &str) -> String {
    std::fs::write(repos.work.join("main.mirage"), text).unwrap();
    git(&repos.work, &["commit", "--quiet", "-am", message]);
    git(&repos.work, &["push", "--quiet", "origin", "main"]);
    git(&repos.work, &["rev-parse", "HEAD"])
}

async fn readyz(addr: std::net::SocketAddr) -> serde_json::Value {
    reqwest::get(format!("http://{addr}/readyz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn pull_follows_the_repository_and_keeps_the_last_good_files() {
    let repos = repos();
    let state = tempfile::tempdir().unwrap();
    let project = ProjectConfig {
        dir: Some(repos.checkout.clone()),
        pull_every: Some(Duration::from_secs(3600)),
        branch: Some("main".into()),
        repos: vec!["acme/shop".into()],
        ..ProjectConfig::named("shop")
    };
    let clock = Arc::new(FixedClock::at(Timestamp::now()));
    let context = crate::preview::context_at("http://127.0.0.1:9", "unused", clock);
    let checkout = repos.checkout.clone();
    const RAILWAY: &str = "railway-hook-0123456789abcdef";
    let mut config = config_for(state.path(), vec![project]);
    config.railway_secret = Some(serve::UrlSecret::new(RAILWAY).unwrap());
    let running = serve::start_each(config, |_| ProjectRuntime {
        previews: Arc::new(Unwired),
        ops: Some(Ops {
            context: context.clone(),
            dir: checkout.clone(),
            credentials: None,
        }),
    })
    .await
    .expect("serve starts");
    let (addr, store) = (running.addr(), running.store().clone());
    // The schedule's first pull: nothing new.
    finished(&store, "shop", "pull", 1).await;

    // A push to origin, then GitHub's `push` to the branch: one pull job
    // (through the queue), and the checkout moves to the new commit.
    // A Railway event of `pr-3`: not a preview of the files served yet.
    let railway = || {
        let body = json!({
            "type": "Deployment.deployed", "details": {},
            "resource": {"project": {"name": "shop"}, "environment": {"name": "pr-3"}}
        });
        reqwest::Client::new()
            .post(format!("http://{addr}/webhooks/railway/{RAILWAY}"))
            .body(serde_json::to_vec(&body).unwrap())
            .send()
    };
    assert_eq!(railway().await.unwrap().status().as_u16(), 200);
    // v2 adds a template for previews `pr-{number}`.
    let head = push(
        &repos,
        &format!(
            "{}environment \"pr\" ephemeral=#true ttl=\"72h\"\n",
            SHOP_V1.replace("nginx:1.27", "nginx:1.28")
        ),
        "v2",
    );
    let body = serde_json::to_vec(&json!({
        "ref": "refs/heads/main", "before": "0", "after": head, "deleted": false,
        "repository": {"full_name": "acme/shop", "name": "shop", "owner": {"login": "acme"}}
    }))
    .unwrap();
    let answer = reqwest::Client::new()
        .post(format!("http://{addr}/webhooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", "push")
        .header("x-github-delivery", "push-1")
        .header(
            "x-hub-signature-256",
            sign_body(&WebhookSecret::new(SECRET).unwrap(), &body),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 202, "{:?}", answer.text().await);
    finished(&store, "shop", "pull", 2).await;
    assert_eq!(git(&repos.checkout, &["rev-parse", "HEAD"]), head);
    assert!(
        std::fs::read_to_string(repos.checkout.join("main.mirage"))
            .unwrap()
            .contains("nginx:1.28")
    );
    let ready = readyz(addr).await;
    assert_eq!(
        ready["details"]["pulls"]["shop"]["commit"],
        json!(head),
        "{ready}"
    );
    assert_eq!(ready["details"]["pulls"]["shop"]["error"], json!(null));
    // The names of the files pulled are the ones Railway events match.
    assert_eq!(railway().await.unwrap().status().as_u16(), 202);

    // A commit with errors: the pull fails, the last good files stay, the
    // service stays ready and says why; a local change is never lost.
    std::fs::write(repos.checkout.join("notes.txt"), "local, uncommitted").unwrap();
    push(
        &repos,
        "project \"shop\"\nservice \"web\" {\n    imag \"x\"\n}\n",
        "broken",
    );
    let job = mirage::serve::jobs::pull("shop", 1, None);
    store.enqueue_job(&job).unwrap();
    finished(&store, "shop", "pull", 3).await;
    assert_eq!(git(&repos.checkout, &["rev-parse", "HEAD"]), head);
    assert!(
        std::fs::read_to_string(repos.checkout.join("main.mirage"))
            .unwrap()
            .contains("nginx:1.28")
    );
    assert_eq!(
        std::fs::read_to_string(repos.checkout.join("notes.txt")).unwrap(),
        "local, uncommitted"
    );
    let ready = readyz(addr).await;
    assert_eq!(ready["status"], "ready");
    let error = ready["details"]["pulls"]["shop"]["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(error.contains("error"), "{ready}");

    // origin unreachable: logged and shown, the checkout untouched.
    std::fs::rename(&repos.origin, repos.origin.with_extension("gone")).unwrap();
    store.enqueue_job(&job).unwrap();
    finished(&store, "shop", "pull", 4).await;
    assert_eq!(git(&repos.checkout, &["rev-parse", "HEAD"]), head);
    let ready = readyz(addr).await;
    assert!(
        ready["details"]["pulls"]["shop"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("git fetch")),
        "{ready}"
    );
    running.shutdown().await;
}

// ------------------------------------------------------ the configuration file

const VALID_PROJECT: &str = "project \"shop\"\nservice \"web\" {\n    image \"nginx:1.27\"\n}\nenvironment \"production\"\n";

/// `mirage serve --config FILE --check-config` in a directory holding the
/// project `infra/` and the file; standard error and output, exit status.
fn check_config(file_text: &str, args: &[&str], env: &[(&str, &str)]) -> (String, i32) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("infra")).unwrap();
    std::fs::write(dir.path().join("infra/main.mirage"), VALID_PROJECT).unwrap();
    std::fs::write(dir.path().join("mirage-serve.kdl"), file_text).unwrap();
    let mut command = crate::support::mirage_command();
    command
        .args([
            "serve",
            "--color",
            "never",
            "--config",
            "mirage-serve.kdl",
            "--check-config",
        ])
        .args(args)
        .current_dir(dir.path());
    for name in [
        "MIRAGE_GITHUB_WEBHOOK_SECRET",
        "MIRAGE_RAILWAY_WEBHOOK_SECRET",
        "GITHUB_TOKEN",
        "MIRAGE_SERVE_LISTEN",
        "MIRAGE_STATE",
        "MIRAGE_SERVE_CONFIG",
        "MIRAGE_DRIFT_EVERY",
        "MIRAGE_DRIFT_WEBHOOK",
        "NO_COLOR",
    ] {
        command.env_remove(name);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("mirage runs");
    let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !stdout.is_empty() {
        text.push_str("--- stdout\n");
        text.push_str(&stdout);
    }
    let text = text.replace(&dir.path().display().to_string(), "$DIR");
    (text, output.status.code().unwrap_or(-1))
}

#[test]
fn check_config_shows_each_value_and_where_it_came_from_without_secrets() {
    let file = "listen \"0.0.0.0:9000\"\nmax-parallel 2\ngithub-webhook-secret \"env:HOOK_SECRET\"\n\
                drift-every \"1h\"\ndrift-webhook \"file:slack-url\"\n\
                project \"shop\" {\n    dir \"infra\"\n    repos \"acme/shop\"\n    drift-every \"15m\"\n}\n";
    let slack = "https://hooks.slack.example/services/T000/B000/NEVER_SHOWN";
    let (text, code) = check_config(
        &file.replace("file:slack-url", "env:SLACK_URL"),
        &["--max-parallel", "7"],
        &[
            ("HOOK_SECRET", "a-webhook-secret-NEVER_SHOWN"),
            ("SLACK_URL", slack),
            ("MIRAGE_SERVE_LISTEN", "127.0.0.1:7000"),
        ],
    );
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("NEVER_SHOWN"), "{text}");
    assert!(text.contains("max-parallel"), "{text}");
    let line = |key: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(key))
            .unwrap_or_else(|| panic!("no `{key}` in {text}"))
            .to_owned()
    };
    assert!(line("max-parallel").contains("7  (flag)"), "{text}");
    assert!(
        line("listen").contains("127.0.0.1:7000  (env MIRAGE_SERVE_LISTEN)"),
        "{text}"
    );
    assert!(
        line("github-webhook-secret").contains("<redacted>"),
        "{text}"
    );
    assert!(
        line("github-webhook-secret").contains("env:HOOK_SECRET"),
        "{text}"
    );
    assert!(
        line("drift-every").contains("1h  (file mirage-serve.kdl:4:13)"),
        "{text}"
    );
    assert!(line("gc-every").contains("10m  (default)"), "{text}");
    assert!(line("project shop").contains("drift-every=15m"), "{text}");
    assert!(line("project shop").contains("repos=acme/shop"), "{text}");

    // A secret the file names but the environment lacks: refused, with
    // its place.
    let (text, code) = check_config(file, &[], &[("HOOK_SECRET", "x-secret")]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("mirage::serve::config_secret"), "{text}");
    assert!(text.contains("slack-url"), "{text}");
}

/// Every bad file under `tests/serve_config/`: its diagnostics, golden.
#[test]
fn bad_configuration_files_are_refused_with_their_place() {
    let cases = repo_root().join("tests").join("serve_config");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&cases)
        .expect("tests/serve_config exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "kdl"))
        .collect();
    entries.sort();
    assert!(!entries.is_empty());
    let mut failures = Vec::new();
    for path in entries {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let (mut actual, code) = check_config(&text, &[], &[("HOOK", "a-webhook-secret")]);
        actual.push_str(&format!("--- exit status: {code}\n"));
        if code != 1 {
            failures.push(format!("{name}: exit {code}, not 1\n{actual}"));
        }
        if let Err(differs) = snapshot(&cases, &name, &actual) {
            failures.push(differs);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `examples/serve/mirage-serve.kdl`, the documented example, is valid.
#[test]
fn the_example_configuration_file_is_valid() {
    let example = repo_root().join("examples/serve/mirage-serve.kdl");
    let text = std::fs::read_to_string(&example).expect("the example exists");
    let (output, code) = check_config(
        &text,
        &[],
        &[
            ("MIRAGE_GITHUB_WEBHOOK_SECRET", "a-webhook-secret"),
            ("MIRAGE_RAILWAY_WEBHOOK_SECRET", "abcdefghijklmnopqrstuvwx"),
            ("GITHUB_TOKEN", "ghp_example"),
            ("SLACK_WEBHOOK_URL", "https://hooks.slack.example/x"),
        ],
    );
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("project shop"), "{output}");
}

// ------------------------------------------------------ several projects

/// The previews of one project: which pull requests each kind ran for.
#[derive(Default)]
struct Calls(Mutex<Vec<(&'static str, u64)>>);

impl Calls {
    fn push(&self, kind: &'static str, number: u64) -> serve::PreviewFuture<'_> {
        self.0.lock().unwrap().push((kind, number));
        Box::pin(async { Ok(()) })
    }

    fn seen(&self) -> Vec<(&'static str, u64)> {
        self.0.lock().unwrap().clone()
    }
}

impl serve::Previews for Calls {
    fn up<'a>(
        &'a self,
        pr: &'a serve::PreviewTarget,
        _: &'a serve::Cancel,
    ) -> serve::PreviewFuture<'a> {
        self.push("up", pr.number)
    }
    fn down<'a>(
        &'a self,
        pr: &'a serve::PreviewTarget,
        _: &'a serve::Cancel,
    ) -> serve::PreviewFuture<'a> {
        self.push("down", pr.number)
    }
    fn gc<'a>(&'a self, _: &'a serve::Cancel) -> serve::PreviewFuture<'a> {
        self.push("gc", 0)
    }
    fn refresh_comment<'a>(
        &'a self,
        pr: &'a serve::PreviewTarget,
        _: &'a serve::Cancel,
    ) -> serve::PreviewFuture<'a> {
        self.push("refresh", pr.number)
    }
}

fn shared_fixture(name: &str) -> Option<serde_json::Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures")
        .join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(serde_json::from_slice(&bytes).expect("fixture JSON")),
        Err(_) => {
            eprintln!("skipping: ../shared/fixtures is absent");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn webhooks_go_to_the_project_of_their_repository_or_name() {
    let Some(opened) = shared_fixture("github/pull_request.opened.payload.json") else {
        return;
    };
    let Some(deployed) =
        shared_fixture("railway-webhooks/railway-deployment-deployed.observed.json")
    else {
        return;
    };
    const RAILWAY: &str = "railway-hook-0123456789abcdef";
    let state = tempfile::tempdir().unwrap();
    let shop = ProjectConfig {
        repos: vec!["acme/shop".into()],
        names: serve::PreviewNames::new(vec![("pr-".into(), String::new())]),
        ..ProjectConfig::named("shop")
    };
    let blog = ProjectConfig {
        repos: vec!["acme/blog".into()],
        names: serve::PreviewNames::new(vec![("preview-".into(), String::new())]),
        ..ProjectConfig::named("blog")
    };
    let mut config = config_for(state.path(), vec![shop, blog]);
    config.railway_secret = Some(serve::UrlSecret::new(RAILWAY).unwrap());
    let (shop_calls, blog_calls) = (Arc::new(Calls::default()), Arc::new(Calls::default()));
    let (a, b) = (shop_calls.clone(), blog_calls.clone());
    let running = serve::start_each(config, move |project| ProjectRuntime {
        previews: if project.name == "shop" {
            a.clone()
        } else {
            b.clone()
        },
        ops: None,
    })
    .await
    .expect("serve starts");
    let (addr, store) = (running.addr(), running.store().clone());
    let client = reqwest::Client::new();
    let github = |repo: &str, number: u64, id: &str| {
        let mut body = opened.clone();
        body["number"] = number.into();
        body["pull_request"]["number"] = number.into();
        body["repository"]["full_name"] = repo.into();
        body["pull_request"]["head"]["repo"]["full_name"] = repo.into();
        body["pull_request"]["base"]["repo"]["full_name"] = repo.into();
        body["pull_request"]["draft"] = false.into();
        let body = serde_json::to_vec(&body).unwrap();
        client
            .post(format!("http://{addr}/webhooks/github"))
            .header("content-type", "application/json")
            .header("x-github-event", "pull_request")
            .header("x-github-delivery", id)
            .header(
                "x-hub-signature-256",
                sign_body(&WebhookSecret::new(SECRET).unwrap(), &body),
            )
            .body(body)
    };
    let answer = github("acme/shop", 5, "g-1").send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 202);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["project"], "shop", "{body}");
    let answer = github("acme/blog", 3, "g-2").send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 202);
    let answer = github("acme/other", 9, "g-3").send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert!(
        body["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("acme/other"),
        "{body}"
    );
    let railway = |project: &str, environment: &str| {
        let mut body = deployed.clone();
        body["resource"]["project"]["name"] = project.into();
        body["resource"]["environment"]["name"] = environment.into();
        client
            .post(format!("http://{addr}/webhooks/railway/{RAILWAY}"))
            .body(serde_json::to_vec(&body).unwrap())
    };
    assert_eq!(
        railway("blog", "preview-3")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        202
    );
    // `pr-3` is not a name of blog's previews; `preview-3` not of shop's.
    assert_eq!(
        railway("blog", "pr-3")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        railway("shop", "preview-5")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        railway("elsewhere", "pr-5")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        railway("shop", "pr-5")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        202
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left: u64 = ["shop", "blog"]
            .iter()
            .map(|p| store.unfinished_jobs(p).unwrap())
            .sum();
        if left == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{left} jobs unfinished");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(shop_calls.seen(), [("up", 5), ("refresh", 5)]);
    assert_eq!(blog_calls.seen(), [("up", 3), ("refresh", 3)]);
    running.shutdown().await;
}

#[test]
fn a_project_served_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    std::fs::write(dir.path().join("a/main.mirage"), VALID_PROJECT).unwrap();
    std::fs::create_dir(dir.path().join("b")).unwrap();
    std::fs::write(dir.path().join("b/main.mirage"), VALID_PROJECT).unwrap();
    let output = crate::support::mirage_command()
        .args([
            "serve",
            "--color",
            "never",
            "--check-config",
            "a",
            "--project",
            "b",
        ])
        .current_dir(dir.path())
        .env("MIRAGE_GITHUB_WEBHOOK_SECRET", "a-webhook-secret")
        .env_remove("MIRAGE_SERVE_CONFIG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("project `shop` is served twice: from `a` and from `b`"),
        "{stderr}"
    );
}

// ------------------------------------------------------ the drift state

/// Two replicas (two connections) recording the same drift at once: one
/// is told it appeared, the other nothing; the same for its clearing. On
/// SQLite and, when one is available, PostgreSQL.
#[test]
fn drift_transitions_are_told_once_across_replicas_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let mut locations = vec![("sqlite", Location::File(dir.path().join("state.db")))];
    if let Some(server) = crate::support::postgres() {
        locations.push(("postgres", Location::parse(&server.database())));
    }
    for (backend, location) in locations {
        Store::connect(&location).unwrap();
        for (fingerprint, told) in [
            ("f1", mirage::state::DriftTransition::Appeared),
            ("f2", mirage::state::DriftTransition::Changed),
            ("", mirage::state::DriftTransition::Cleared),
        ] {
            let barrier = Arc::new(std::sync::Barrier::new(4));
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let (location, barrier) = (location.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        let store = Store::connect(&location).unwrap();
                        barrier.wait();
                        store.record_drift("shop", fingerprint, "summary").unwrap()
                    })
                })
                .collect();
            let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            let tellers = results.iter().filter(|r| **r == told).count();
            assert_eq!(tellers, 1, "{backend} {fingerprint:?}: {results:?}");
            assert!(
                results
                    .iter()
                    .all(|r| *r == told || *r == mirage::state::DriftTransition::Unchanged),
                "{backend}: {results:?}"
            );
        }
        let record = Store::connect(&location)
            .unwrap()
            .drift("shop")
            .unwrap()
            .unwrap();
        assert_eq!(record.fingerprint, "");
    }
}
