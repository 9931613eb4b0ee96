//! `mirage serve` with the real previews, end to end: signed GitHub
//! deliveries (the real `pull_request` payloads) go through the queue to
//! the `preview` room, which brings `pr-N` up on the emulator over HTTP,
//! and the pull request's one sticky comment is written on a GitHub REST
//! fake: opened → up + comment; synchronize → redeployed, TTL extended,
//! the same comment edited; closed → the environment gone, its records
//! forgotten, every other environment unchanged, the comment says so.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mirage::auth::{WebhookSecret, sign_body};
use mirage::github;
use mirage::serve::{self, Config, Lifecycle, PreviewNames};
use mirage::state::{FixedClock, Location, Store, SystemClock, Timestamp};
use serde_json::Value;

use crate::github::fake::FakeGithub;
use crate::preview::{
    branches, commits, context, environment, everything_but_previews, faults_injected, set_faults,
    shop,
};

const SECRET: &str = "It's a Secret to Everybody";
const TOKEN: &str = "ghs_serve_previews_token";
const PROJECT: &str = "acme-shop";

fn opened_payload() -> Option<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/github/pull_request.opened.payload.json");
    match std::fs::read(&path) {
        Ok(bytes) => Some(serde_json::from_slice(&bytes).expect("fixture JSON")),
        Err(_) => {
            eprintln!("skipping: ../shared/fixtures/github is absent");
            None
        }
    }
}

/// The real `opened` payload as pull request #`number` of `acme/shop`
/// (the example's repository, so its repo services follow the branch),
/// doing `action` at head `sha`, `at` seconds after the fixture's time.
fn delivery(template: &Value, action: &str, number: u64, sha: &str, at: i64) -> Vec<u8> {
    let mut body = template.clone();
    body["action"] = action.into();
    body["number"] = number.into();
    body["repository"]["full_name"] = "acme/shop".into();
    body["repository"]["name"] = "shop".into();
    body["repository"]["owner"]["login"] = "acme".into();
    let pr = &mut body["pull_request"];
    pr["number"] = number.into();
    pr["head"]["ref"] = "feat/serve".into();
    pr["head"]["sha"] = sha.into();
    pr["head"]["repo"]["full_name"] = "acme/shop".into();
    pr["base"]["repo"]["full_name"] = "acme/shop".into();
    pr["draft"] = false.into();
    let closed = action == "closed";
    pr["state"] = if closed { "closed" } else { "open" }.into();
    pr["merged"] = closed.into();
    let time = time::OffsetDateTime::from_unix_timestamp(1_557_933_633 + at).unwrap();
    pr["updated_at"] = time
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
        .into();
    serde_json::to_vec(&body).unwrap()
}

/// GitHub's client options for the fake, with its token.
fn github_for(fake: &FakeGithub) -> github::ClientOptions {
    github::ClientOptions {
        api_url: fake.api_url.clone(),
        auth: github::Auth::Token(github::Token::new(TOKEN)),
        ..github::ClientOptions::default()
    }
}

/// serve's configuration for the project in `dir` (its state database
/// there), previews named by `names`, no GC schedule, quick polling, and
/// no log lines (many servers run in this process).
fn config_for(dir: &std::path::Path, names: PreviewNames) -> Config {
    serve::log::set_enabled(false);
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        Location::File(dir.join(".mirage/state.db")),
        PROJECT,
        WebhookSecret::new(SECRET).unwrap(),
    );
    config.names = names;
    config.gc_every = None;
    config.poll = Duration::from_millis(20);
    config
}

async fn deliver(client: &reqwest::Client, addr: std::net::SocketAddr, id: &str, body: &[u8]) {
    let response = client
        .post(format!("http://{addr}/webhooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", "pull_request")
        .header("x-github-delivery", id)
        .header(
            "x-hub-signature-256",
            sign_body(&WebhookSecret::new(SECRET).unwrap(), body),
        )
        .body(body.to_vec())
        .send()
        .await
        .expect("serve answers");
    assert_eq!(
        response.status().as_u16(),
        202,
        "{:?}",
        response.text().await
    );
}

/// Waits until every job of the project has finished, and returns how
/// many failed.
async fn drained(store: &Store) -> usize {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let reader = store.clone();
        let left = tokio::task::spawn_blocking(move || reader.unfinished_jobs(PROJECT).unwrap())
            .await
            .unwrap();
        if left == 0 {
            let reader = store.clone();
            return tokio::task::spawn_blocking(move || {
                reader
                    .jobs(PROJECT)
                    .unwrap()
                    .iter()
                    .filter(|job| job.state == mirage::state::JobState::Failed)
                    .count()
            })
            .await
            .unwrap();
        }
        assert!(Instant::now() < deadline, "{left} jobs unfinished");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pull_request_opened_pushed_and_merged_through_serve() {
    let Some(template) = opened_payload() else {
        return;
    };
    let world = shop().await;
    let before = everything_but_previews(&world).await;
    let fake = FakeGithub::start(Arc::new(SystemClock), &[TOKEN], None).await;
    let clock = Arc::new(FixedClock::at(Timestamp::now()));
    let project = mirage::resolve::load_dir(&world.path()).project;
    let github = github_for(&fake);
    let lifecycle = Lifecycle::new(context(&world, clock.clone()), world.path(), github)
        .with_wait(Duration::from_secs(60));
    let config = config_for(&world.path(), PreviewNames::of(&project));
    let running = serve::start(config, Arc::new(lifecycle))
        .await
        .expect("serve starts");
    let addr = running.addr();
    let store = running.store().clone();
    let http = reqwest::Client::new();
    let comments = || fake.comments_on("acme", "shop", 42);

    // Opened: pr-42 comes up from the template, and one comment says so.
    let first = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
    deliver(
        &http,
        addr,
        "d-1",
        &delivery(&template, "opened", 42, first, 0),
    )
    .await;
    assert_eq!(drained(&store).await, 0, "no job failed");
    let env_id = environment(&world, "pr-42").await.expect("pr-42 exists");
    assert_eq!(
        branches(&world, &env_id)
            .await
            .get("api")
            .map(String::as_str),
        Some("feat/serve"),
        "repo services follow the PR's branch"
    );
    let shown = comments();
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(
        shown[0].1.contains("<!-- mirage:preview pr=42 -->"),
        "{}",
        shown[0].1
    );
    assert!(shown[0].1.contains("`pr-42` is ready"), "{}", shown[0].1);
    let reader = Store::open(world.path().join(".mirage/state.db")).unwrap();
    let record = reader
        .preview(PROJECT, "pr", 42)
        .unwrap()
        .expect("recorded");
    assert_eq!(record.sha.as_deref(), Some(first));
    let expires = record.expires_at;

    // A push a minute later: redeployed, the TTL extended, the same
    // comment edited.
    clock.advance(Duration::from_secs(60));
    let second = "0f1e2d3c4b5a69788796a5b4c3d2e1f001234567";
    deliver(
        &http,
        addr,
        "d-2",
        &delivery(&template, "synchronize", 42, second, 60),
    )
    .await;
    assert_eq!(drained(&store).await, 0);
    assert_eq!(
        commits(&world, &env_id)
            .await
            .get("api")
            .map(String::as_str),
        Some(second)
    );
    let record = reader
        .preview(PROJECT, "pr", 42)
        .unwrap()
        .expect("recorded");
    assert_eq!(record.sha.as_deref(), Some(second));
    assert!(record.expires_at > expires, "a push extends the TTL");
    let shown = comments();
    assert_eq!(shown.len(), 1, "still one comment: {shown:?}");
    assert!(shown[0].1.contains(&second[..7]), "{}", shown[0].1);

    // Merged: the preview is gone, nothing else changed, the comment says so.
    deliver(
        &http,
        addr,
        "d-3",
        &delivery(&template, "closed", 42, second, 120),
    )
    .await;
    assert_eq!(drained(&store).await, 0);
    assert_eq!(environment(&world, "pr-42").await, None);
    assert_eq!(reader.preview(PROJECT, "pr", 42).unwrap(), None);
    assert_eq!(everything_but_previews(&world).await, before);
    let shown = comments();
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(shown[0].1.contains("was merged"), "{}", shown[0].1);
    running.shutdown().await;
}

/// Bursts of real deliveries for several pull requests — duplicates
/// (the same delivery id again), pushes out of order, a close among them
/// — through serve and the real previews: in the end every open pull
/// request has exactly one preview at its newest commit, the closed one
/// none, no job failed, and each pull request has one comment. Then a
/// GC run by serve's schedule after the TTL ran out removes them all.
#[tokio::test(flavor = "multi_thread")]
async fn bursts_of_real_deliveries_converge_and_serve_collects_expired_previews() {
    let Some(template) = opened_payload() else {
        return;
    };
    let world = shop().await;
    let before = everything_but_previews(&world).await;
    let fake = FakeGithub::start(Arc::new(SystemClock), &[TOKEN], None).await;
    let clock = Arc::new(FixedClock::at(Timestamp::now()));
    let project = mirage::resolve::load_dir(&world.path()).project;
    let github = github_for(&fake);
    let lifecycle = Lifecycle::new(context(&world, clock.clone()), world.path(), github)
        .with_wait(Duration::from_secs(60));
    let mut config = config_for(&world.path(), PreviewNames::of(&project));
    config.max_parallel = 3;
    let running = serve::start(config, Arc::new(lifecycle))
        .await
        .expect("serve starts");
    let (addr, store) = (running.addr(), running.store().clone());
    let http = reqwest::Client::new();
    let sha = |pr: u64, push: u64| format!("{pr:02x}{push:02x}{}", "c0ffee".repeat(6));

    // Three pull requests, each opened then pushed three times, sent
    // shuffled (a later push before an earlier one), every delivery twice;
    // #52 is closed at the end.
    let mut deliveries: Vec<(String, Vec<u8>)> = Vec::new();
    for pr in [51u64, 52, 53] {
        deliveries.push((
            format!("o-{pr}"),
            delivery(&template, "opened", pr, &sha(pr, 0), 0),
        ));
    }
    for push in [2u64, 1, 3] {
        for pr in [53u64, 51, 52] {
            let id = format!("s-{pr}-{push}");
            let body = delivery(
                &template,
                "synchronize",
                pr,
                &sha(pr, push),
                push as i64 * 10,
            );
            deliveries.push((id, body));
        }
    }
    deliveries.push((
        "c-52".into(),
        delivery(&template, "closed", 52, &sha(52, 3), 100),
    ));
    let sent: Vec<_> = deliveries.iter().chain(deliveries.iter()).collect();
    for chunk in sent.chunks(8) {
        let posts = chunk.iter().map(|(id, body)| {
            let http = http.clone();
            async move {
                let response = http
                    .post(format!("http://{addr}/webhooks/github"))
                    .header("x-github-event", "pull_request")
                    .header("x-github-delivery", id.as_str())
                    .header(
                        "x-hub-signature-256",
                        sign_body(&WebhookSecret::new(SECRET).unwrap(), body),
                    )
                    .body(body.clone())
                    .send()
                    .await
                    .expect("serve answers");
                assert!(response.status().is_success(), "{}", response.status());
            }
        });
        futures_util::future::join_all(posts).await;
    }
    assert_eq!(drained(&store).await, 0, "no job failed");

    let remote = world.assert_no_duplicates("acme-shop").await;
    for pr in [51u64, 53] {
        let name = format!("pr-{pr}");
        assert_eq!(
            remote
                .environments
                .iter()
                .filter(|(n, _)| *n == name)
                .count(),
            1,
            "{name}"
        );
        let env_id = environment(&world, &name).await.expect("exists");
        assert_eq!(
            commits(&world, &env_id).await.get("api"),
            Some(&sha(pr, 3)),
            "{name} runs its newest push"
        );
        assert_eq!(fake.comments_on("acme", "shop", pr).len(), 1, "{name}");
    }
    assert_eq!(environment(&world, "pr-52").await, None, "closed: gone");
    assert_eq!(fake.comments_on("acme", "shop", 52).len(), 1);

    // Past the TTL (72 h): serve's GC removes both, and nothing else.
    clock.advance(Duration::from_secs(73 * 3600));
    running.shutdown().await;
    let lifecycle = Lifecycle::new(
        context(&world, clock.clone()),
        world.path(),
        github::ClientOptions::default(),
    );
    let mut config = config_for(&world.path(), PreviewNames::of(&project));
    config.gc_every = Some(Duration::from_millis(200));
    let running = serve::start(config, Arc::new(lifecycle))
        .await
        .expect("serve starts again");
    let deadline = Instant::now() + Duration::from_secs(60);
    while environment(&world, "pr-51").await.is_some()
        || environment(&world, "pr-53").await.is_some()
    {
        assert!(Instant::now() < deadline, "the GC did not collect them");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    running.shutdown().await;
    assert_eq!(everything_but_previews(&world).await, before);
    let reader = Store::open(world.path().join(".mirage/state.db")).unwrap();
    assert!(reader.previews(Some(PROJECT)).unwrap().is_empty());
}

/// Railway refuses the preview's config commit once (a 503 it did not
/// carry out): the job fails, the comment says so with what to do, the
/// job is retried after its backoff and brings the preview up, and the
/// same comment then says it is ready — one environment, one comment.
#[tokio::test(flavor = "multi_thread")]
async fn a_railway_fault_is_retried_and_the_comment_shows_it_then_the_preview() {
    let Some(template) = opened_payload() else {
        return;
    };
    let world = shop().await;
    let fake = FakeGithub::start(Arc::new(SystemClock), &[TOKEN], None).await;
    let clock = Arc::new(FixedClock::at(Timestamp::now()));
    let project = mirage::resolve::load_dir(&world.path()).project;
    let github = github_for(&fake);
    let lifecycle = Lifecycle::new(context(&world, clock.clone()), world.path(), github)
        .with_wait(Duration::from_secs(60));
    let mut config = config_for(&world.path(), PreviewNames::of(&project));
    config.retry_base = Duration::from_millis(100);
    config.retry_max = Duration::from_millis(300);
    let running = serve::start(config, Arc::new(lifecycle))
        .await
        .expect("serve starts");
    let store = running.store().clone();
    set_faults(
        &world,
        serde_json::json!([{"kind": "status", "status": 503, "body": true,
                "operation": "environmentPatchCommit", "nth": 1}]),
    )
    .await;
    let sha = "9a8b7c6d5e4f30211203f4e5d6c7b8a900112233";
    deliver(
        &reqwest::Client::new(),
        running.addr(),
        "f-1",
        &delivery(&template, "opened", 61, sha, 0),
    )
    .await;
    assert_eq!(drained(&store).await, 0, "retried until it worked");
    assert_eq!(faults_injected(&world).await, 1);
    let jobs = store.jobs(PROJECT).unwrap();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].attempts, 2, "{jobs:?}");
    let remote = world.assert_no_duplicates("acme-shop").await;
    assert_eq!(
        remote
            .environments
            .iter()
            .filter(|(n, _)| n == "pr-61")
            .count(),
        1
    );
    // The comment was written with the failure, then edited to ready.
    let bodies: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/comments") || r.path.contains("/comments/"))
        .filter_map(|r| r.body.as_ref()?["body"].as_str().map(str::to_owned))
        .collect();
    assert!(
        bodies.first().is_some_and(
            |b| b.contains("could not be brought up") && b.contains("mirage preview up")
        ),
        "{bodies:?}"
    );
    let shown = fake.comments_on("acme", "shop", 61);
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(shown[0].1.contains("`pr-61` is ready"), "{}", shown[0].1);
    running.shutdown().await;
}

const CHILD: &str = "MIRAGE_TEST_SERVE_PREVIEWS_CHILD";

/// Not a test on its own: the `mirage serve` process of
/// [`serve_killed_mid_up_resumes_and_the_preview_converges`], running the
/// real previews, started as a child so it can be killed with SIGKILL.
/// `MIRAGE_TEST_SERVE_PREVIEWS_CHILD` is `EMULATOR URL|TOKEN|PROJECT DIR`.
#[test]
fn serve_previews_child() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    let mut parts = spec.split('|');
    let (url, token, dir) = (
        parts.next().unwrap().to_owned(),
        parts.next().unwrap().to_owned(),
        PathBuf::from(parts.next().unwrap()),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let clock = Arc::new(FixedClock::at(Timestamp::now()));
        let project = mirage::resolve::load_dir(&dir).project;
        let lifecycle = Lifecycle::new(
            crate::preview::context_at(&url, &token, clock),
            dir.clone(),
            github::ClientOptions::default(),
        )
        .with_wait(Duration::from_secs(60));
        let mut config = config_for(&dir, PreviewNames::of(&project));
        config.lease = Duration::from_secs(2);
        let running = serve::start(config, Arc::new(lifecycle))
            .await
            .expect("serve starts");
        println!("\nLISTENING {}", running.addr());
        use std::io::Write as _;
        std::io::stdout().flush().unwrap();
        tokio::time::sleep(Duration::from_secs(120)).await;
    });
}

fn spawn_child(
    url: &str,
    token: &str,
    dir: &std::path::Path,
) -> (std::process::Child, std::net::SocketAddr) {
    crate::support::spawn_serve_child(
        "serve_previews::serve_previews_child",
        CHILD,
        &format!("{url}|{token}|{}", dir.display()),
    )
}

/// `mirage serve` running the real previews is killed with SIGKILL in
/// the middle of an `up` (Railway answering slowly); restarted, it claims
/// the job again once its lease runs out and the preview converges: one
/// environment, recorded, the job done on its second attempt, nothing
/// else on Railway changed.
#[tokio::test(flavor = "multi_thread")]
async fn serve_killed_mid_up_resumes_and_the_preview_converges() {
    let Some(template) = opened_payload() else {
        return;
    };
    let world = shop().await;
    let before = everything_but_previews(&world).await;
    let (url, token, dir) = (
        world.harness.emu.url(),
        world.harness.token.clone(),
        world.path(),
    );
    world
        .harness
        .admin("latency", serde_json::json!({"ms": 250}))
        .await;
    let (mut child, addr) = spawn_child(&url, &token, &dir);
    let sha = "5e6f7a8b9c0d1e2f30415263748596a7b8c9d0e1";
    deliver(
        &reqwest::Client::new(),
        addr,
        "k-1",
        &delivery(&template, "opened", 71, sha, 0),
    )
    .await;
    let store = Store::open(dir.join(".mirage/state.db")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while store
        .jobs(PROJECT)
        .unwrap()
        .first()
        .is_none_or(|job| job.state != mirage::state::JobState::Running)
    {
        assert!(Instant::now() < deadline, "the up never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Two slow requests into the up.
    tokio::time::sleep(Duration::from_millis(600)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let job = store.jobs(PROJECT).unwrap()[0].clone();
    assert_eq!(
        (job.state, job.attempts),
        (mirage::state::JobState::Running, 1),
        "killed mid-job: {job:?}"
    );

    world
        .harness
        .admin("latency", serde_json::json!({"ms": 0}))
        .await;
    let (mut child, _) = spawn_child(&url, &token, &dir);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let job = store.jobs(PROJECT).unwrap()[0].clone();
        if job.state == mirage::state::JobState::Done {
            assert_eq!(job.attempts, 2, "{job:?}");
            break;
        }
        assert_ne!(job.state, mirage::state::JobState::Failed, "{job:?}");
        assert!(Instant::now() < deadline, "never resumed: {job:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let remote = world.assert_no_duplicates("acme-shop").await;
    assert_eq!(
        remote
            .environments
            .iter()
            .filter(|(n, _)| n == "pr-71")
            .count(),
        1
    );
    let record = store.preview(PROJECT, "pr", 71).unwrap().expect("recorded");
    assert_eq!(record.sha.as_deref(), Some(sha));
    let mut after = everything_but_previews(&world).await;
    // The preview itself is the only difference.
    after.0.remove("pr-71");
    assert_eq!(after, before);
}

/// A project with two templates (`pr` and `qa`). While `qa` has a mistake
/// the job fails once — not retried, since only an edit can fix it — and
/// the comment says why; once fixed, a push brings up both previews and
/// the pull request still has one comment, with a section for each.
#[tokio::test(flavor = "multi_thread")]
async fn two_templates_make_two_previews_and_one_comment() {
    let Some(template) = opened_payload() else {
        return;
    };
    let world = shop().await;
    let qa = |services: &str| {
        format!(
            "\nenvironment \"qa\" layer=\"dev\" ephemeral=#true ttl=\"24h\" {{\n    preview {{\n        services {services}\n    }}\n}}\n"
        )
    };
    let original = std::fs::read_to_string(world.path().join("environments.mirage")).unwrap();
    // `api` depends on `cache`, which this `qa` leaves out: an error.
    world.edit("environments.mirage", |text| {
        format!("{text}{}", qa("\"db\" \"api\""))
    });
    let fake = FakeGithub::start(Arc::new(SystemClock), &[TOKEN], None).await;
    let clock = Arc::new(FixedClock::at(Timestamp::now()));
    let github = github_for(&fake);
    let lifecycle = Lifecycle::new(context(&world, clock), world.path(), github)
        .with_wait(Duration::from_secs(60));
    let mut config = config_for(
        &world.path(),
        PreviewNames::new(vec![
            ("pr-".into(), String::new()),
            ("qa-".into(), String::new()),
        ]),
    );
    config.retry_base = Duration::from_millis(50);
    let running = serve::start(config, Arc::new(lifecycle))
        .await
        .expect("serve starts");
    let store = running.store().clone();
    let http = reqwest::Client::new();
    let first = "11223344556677889900aabbccddeeff00112233";
    deliver(
        &http,
        running.addr(),
        "t-1",
        &delivery(&template, "opened", 81, first, 0),
    )
    .await;
    assert_eq!(drained(&store).await, 1, "the mistake fails the job");
    let jobs = store.jobs(PROJECT).unwrap();
    assert_eq!(jobs[0].attempts, 1, "not retried: {jobs:?}");
    let shown = fake.comments_on("acme", "shop", 81);
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(
        shown[0].1.contains("could not be brought up"),
        "{}",
        shown[0].1
    );

    // Fixed, and pushed: both previews, still one comment.
    std::fs::write(
        world.path().join("environments.mirage"),
        format!("{original}{}", qa("\"db\" \"cache\" \"api\"")),
    )
    .unwrap();
    assert_eq!(
        mirage::resolve::load_dir(&world.path())
            .project
            .templates()
            .count(),
        2
    );
    let second = "2233445566778899aabbccddeeff001122334455";
    deliver(
        &http,
        running.addr(),
        "t-2",
        &delivery(&template, "synchronize", 81, second, 10),
    )
    .await;
    assert_eq!(drained(&store).await, 1, "only the first job failed");
    assert!(environment(&world, "pr-81").await.is_some());
    assert!(environment(&world, "qa-81").await.is_some());
    let shown = fake.comments_on("acme", "shop", 81);
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(
        shown[0].1.contains("`pr-81` is ready") && shown[0].1.contains("`qa-81` is ready"),
        "{}",
        shown[0].1
    );
    running.shutdown().await;
}
