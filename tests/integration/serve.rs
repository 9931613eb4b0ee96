//! `mirage serve` over real HTTP on loopback with a real state database
//! (SQLite, and PostgreSQL when one can be started): GitHub signatures and
//! replays with the real fixtures, Railway webhooks, bursts of deliveries,
//! closes during opens, retries, a SIGKILL mid-job, two replicas on one
//! PostgreSQL database, the GC schedule and a graceful shutdown.
//!
//! The jobs drive previews through `mirage::serve::Previews`; here a
//! recording implementation stands in for the `preview` room's (the
//! queue's collaborator, which lands separately): it records what ran,
//! when, and which previews are live, and can be told to be slow, to
//! fail, or to hold an `up` until cancelled. The integrator switches the
//! end-to-end cases to the real previews once they land (see the report
//! of this branch).

use crate::support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mirage::auth::{WebhookSecret, sign_body};
use mirage::serve::{
    self, Cancel, Config, PreviewError, PreviewFuture, PreviewNames, PreviewTarget, Previews,
    Running, UrlSecret,
};
use mirage::state::{JobState, Location, Store};

const SECRET: &str = "It's a Secret to Everybody";
const RAILWAY_SECRET: &str = "railway-hook-0123456789abcdef";
const PROJECT: &str = "shop";

// ------------------------------------------------------------ recording

/// One operation the jobs ran.
#[derive(Clone, Debug)]
struct Op {
    kind: &'static str,
    number: u64,
    sha: String,
    /// `ok`, `failed` or `cancelled`.
    outcome: &'static str,
    started: Instant,
    ended: Instant,
}

#[derive(Clone, Default)]
struct Rec {
    ops: Vec<Op>,
    live: BTreeSet<u64>,
    in_flight: HashMap<u64, u32>,
    overlaps: Vec<String>,
    started: Vec<(&'static str, u64)>,
}

/// The previews' stand-in: records every call.
#[derive(Default)]
struct Recording {
    rec: Mutex<Rec>,
    /// How long each call takes.
    delay: Duration,
    /// How long an `up` holds on (checking its cancel) before finishing.
    hold_up: Duration,
    /// Transient failures still to give, by pull request.
    failures: Mutex<HashMap<u64, u32>>,
    /// A file each start and end is appended to (across processes).
    file: Option<PathBuf>,
}

impl Recording {
    fn new(delay: Duration) -> Arc<Recording> {
        Arc::new(Recording {
            delay,
            ..Recording::default()
        })
    }

    fn rec(&self) -> std::sync::MutexGuard<'_, Rec> {
        self.rec.lock().unwrap()
    }

    /// A copy of what was recorded (no lock held across awaits).
    fn copy(&self) -> Rec {
        self.rec().clone()
    }

    fn ops(&self) -> Vec<Op> {
        self.rec().ops.clone()
    }

    fn append(&self, line: &str) {
        if let Some(file) = &self.file {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(file)
                .unwrap();
            writeln!(file, "{line}").unwrap();
            file.sync_all().unwrap();
        }
    }

    async fn op(
        &self,
        kind: &'static str,
        number: u64,
        sha: String,
        cancel: &Cancel,
    ) -> Result<(), PreviewError> {
        let started = Instant::now();
        {
            let mut rec = self.rec();
            let count = rec.in_flight.entry(number).or_default();
            *count += 1;
            if *count > 1 {
                rec.overlaps
                    .push(format!("{kind} of #{number} ran beside another job of it"));
            }
            if kind == "up" {
                rec.live.insert(number);
            }
            rec.started.push((kind, number));
        }
        self.append(&format!("start {kind} {number} {sha}"));
        let fail = {
            let mut failures = self.failures.lock().unwrap();
            match failures.get_mut(&number) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    true
                }
                _ => false,
            }
        };
        let mut result = Ok(());
        if fail {
            // Quotes a secret, as a careless error message might.
            result = Err(PreviewError::transient(format!(
                "railway answered 503 (token {SECRET})"
            )));
        } else {
            let hold = self.delay
                + if kind == "up" {
                    self.hold_up
                } else {
                    Duration::ZERO
                };
            let until = Instant::now() + hold;
            while Instant::now() < until {
                if let Some(reason) = cancel.reason() {
                    result = Err(PreviewError::transient(format!("stopped: {reason}")));
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5).min(hold)).await;
            }
        }
        let outcome = match &result {
            Ok(()) => "ok",
            Err(error) if error.message.starts_with("stopped") => "cancelled",
            Err(_) => "failed",
        };
        {
            let mut rec = self.rec();
            if let Some(count) = rec.in_flight.get_mut(&number) {
                *count -= 1;
            }
            if kind == "down" && result.is_ok() {
                rec.live.remove(&number);
            }
            rec.ops.push(Op {
                kind,
                number,
                sha: sha.clone(),
                outcome,
                started,
                ended: Instant::now(),
            });
        }
        self.append(&format!("end {kind} {number} {sha} {outcome}"));
        result
    }
}

fn sha_of(target: &PreviewTarget) -> String {
    target.sha.clone().unwrap_or_default()
}

impl Previews for Recording {
    fn up<'a>(&'a self, pr: &'a PreviewTarget, cancel: &'a Cancel) -> PreviewFuture<'a> {
        Box::pin(self.op("up", pr.number, sha_of(pr), cancel))
    }

    fn down<'a>(&'a self, pr: &'a PreviewTarget, cancel: &'a Cancel) -> PreviewFuture<'a> {
        Box::pin(self.op("down", pr.number, sha_of(pr), cancel))
    }

    fn gc<'a>(&'a self, cancel: &'a Cancel) -> PreviewFuture<'a> {
        Box::pin(self.op("gc", 0, String::new(), cancel))
    }

    fn refresh_comment<'a>(
        &'a self,
        pr: &'a PreviewTarget,
        cancel: &'a Cancel,
    ) -> PreviewFuture<'a> {
        Box::pin(self.op("refresh", pr.number, sha_of(pr), cancel))
    }
}

fn config(location: &Location) -> Config {
    // Many servers in one process: their logs would drown the output.
    serve::log::set_enabled(false);
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        location.clone(),
        PROJECT,
        WebhookSecret::new(SECRET).unwrap(),
    );
    config.names = PreviewNames::new(vec![("pr-".into(), String::new())]);
    config.railway_secret = Some(UrlSecret::new(RAILWAY_SECRET).unwrap());
    config.gc_every = None;
    config.lease = Duration::from_secs(2);
    config.poll = Duration::from_millis(20);
    config.retry_base = Duration::from_millis(40);
    config.retry_max = Duration::from_millis(200);
    config.shutdown_grace = Duration::from_secs(5);
    config.redactor = serve::log::Redactor::new([SECRET.to_owned(), RAILWAY_SECRET.to_owned()]);
    config
}

async fn start(config: Config, previews: Arc<Recording>) -> Running {
    serve::start(config, previews).await.expect("serve starts")
}

/// Waits until no job of the project is queued or running.
async fn drained(store: &Store, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let store2 = store.clone();
        let left = tokio::task::spawn_blocking(move || store2.unfinished_jobs(PROJECT).unwrap())
            .await
            .unwrap();
        if left == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{left} jobs still unfinished after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

// ------------------------------------------------------------ deliveries

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    if dir.join("github").is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: ../shared/fixtures is absent");
        None
    }
}

fn fixture(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

/// What one delivery got back.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: serde_json::Value,
}

impl Answer {
    fn status_field(&self) -> &str {
        self.body["status"].as_str().unwrap_or("")
    }
}

async fn post(
    client: &reqwest::Client,
    addr: SocketAddr,
    event: &str,
    id: &str,
    body: &[u8],
    signature: Option<String>,
) -> Answer {
    let mut request = client
        .post(format!("http://{addr}/webhooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", event)
        .header("x-github-delivery", id)
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("x-hub-signature-256", signature);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    Answer { status, body }
}

async fn deliver(
    client: &reqwest::Client,
    addr: SocketAddr,
    event: &str,
    id: &str,
    body: &[u8],
) -> Answer {
    let signature = sign_body(&WebhookSecret::new(SECRET).unwrap(), body);
    post(client, addr, event, id, body, Some(signature)).await
}

/// A `pull_request` body made from the real `opened` fixture.
struct Event {
    action: &'static str,
    number: u64,
    sha: String,
    /// Seconds after the fixture's `updated_at`.
    at: i64,
    draft: bool,
}

fn pull_request_body(template: &serde_json::Value, event: &Event) -> Vec<u8> {
    let mut body = template.clone();
    body["action"] = event.action.into();
    body["number"] = event.number.into();
    let pr = &mut body["pull_request"];
    pr["number"] = event.number.into();
    pr["head"]["sha"] = event.sha.clone().into();
    pr["draft"] = event.draft.into();
    let closed = event.action == "closed";
    pr["state"] = if closed { "closed" } else { "open" }.into();
    pr["merged"] = closed.into();
    let at = 1_557_933_633 + event.at;
    let time = time::OffsetDateTime::from_unix_timestamp(at).unwrap();
    pr["updated_at"] = time
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
        .into();
    serde_json::to_vec(&body).unwrap()
}

fn opened_template(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&fixture(dir, "github/pull_request.opened.payload.json")).unwrap()
}

// ------------------------------------------------------------------ tests

/// Signatures and replays with the real fixtures, on each backend; the
/// replay guard holds across a restart.
#[tokio::test(flavor = "multi_thread")]
async fn signatures_replays_and_ping_over_http() {
    let Some(fixtures) = fixtures() else { return };
    for (backend, location, _dir) in support::backends() {
        let recording = Recording::new(Duration::ZERO);
        let running = start(config(&location), recording.clone()).await;
        let addr = running.addr();
        let client = reqwest::Client::new();
        let body = fixture(&fixtures, "github/pull_request.opened.payload.json");
        let good = sign_body(&WebhookSecret::new(SECRET).unwrap(), &body);

        // Refused: wrong secret, truncated, missing, one byte changed.
        let wrong = sign_body(&WebhookSecret::new("not the secret").unwrap(), &body);
        let answer = post(&client, addr, "pull_request", "d-wrong", &body, Some(wrong)).await;
        assert_eq!(answer.status, 401, "{backend}: {answer:?}");
        assert_eq!(
            answer.body["error"]["code"], "mirage::auth::signature_mismatch",
            "{backend}"
        );
        let truncated = good[..good.len() - 2].to_owned();
        let answer = post(
            &client,
            addr,
            "pull_request",
            "d-trunc",
            &body,
            Some(truncated),
        )
        .await;
        assert_eq!(answer.status, 401);
        assert_eq!(
            answer.body["error"]["code"],
            "mirage::auth::signature_malformed"
        );
        let answer = post(&client, addr, "pull_request", "d-none", &body, None).await;
        assert_eq!(answer.status, 401);
        assert_eq!(
            answer.body["error"]["code"],
            "mirage::auth::signature_missing"
        );
        let mut changed = body.clone();
        let at = changed.iter().position(|b| *b == b'2').unwrap();
        changed[at] = b'3';
        let answer = post(
            &client,
            addr,
            "pull_request",
            "d-changed",
            &changed,
            Some(good.clone()),
        )
        .await;
        assert_eq!(answer.status, 401);
        assert_eq!(
            answer.body["error"]["code"],
            "mirage::auth::signature_mismatch"
        );
        // Nothing refused took up its delivery id or queued a job.
        assert!(running.store().jobs(PROJECT).unwrap().is_empty());
        assert_eq!(running.store().deliveries().unwrap(), 0);

        // Good: queued (202), well within GitHub's 10 s.
        let sent = Instant::now();
        let answer = post(
            &client,
            addr,
            "pull_request",
            "d-1",
            &body,
            Some(good.clone()),
        )
        .await;
        assert!(sent.elapsed() < Duration::from_secs(2));
        assert_eq!(answer.status, 202, "{backend}: {answer:?}");
        assert_eq!(answer.status_field(), "queued");
        // Replayed: dropped, no second job.
        let answer = post(
            &client,
            addr,
            "pull_request",
            "d-1",
            &body,
            Some(good.clone()),
        )
        .await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.status_field(), "duplicate");

        // Ping, other events, health.
        let ping = fixture(&fixtures, "github/ping.payload.json");
        let answer = deliver(&client, addr, "ping", "d-ping", &ping).await;
        assert_eq!((answer.status, answer.status_field()), (200, "pong"));
        let comment = fixture(
            &fixtures,
            "github/issue_comment.created.with-installation.payload.json",
        );
        let answer = deliver(&client, addr, "issue_comment", "d-comment", &comment).await;
        assert_eq!((answer.status, answer.status_field()), (200, "ignored"));
        let labeled = fixture(&fixtures, "github/pull_request.labeled.payload.json");
        let answer = deliver(&client, addr, "pull_request", "d-label", &labeled).await;
        assert_eq!((answer.status, answer.status_field()), (200, "ignored"));
        for path in ["healthz", "readyz"] {
            let response = client
                .get(format!("http://{addr}/{path}"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 200, "{path}");
        }
        drained(running.store(), Duration::from_secs(10)).await;
        let jobs = running.store().jobs(PROJECT).unwrap();
        assert_eq!(jobs.len(), 1, "{backend}: {jobs:?}");
        assert_eq!(jobs[0].state, JobState::Done);
        assert_eq!(jobs[0].kind, "up");
        assert_eq!(jobs[0].delivery.as_deref(), Some("d-1"));
        running.shutdown().await;

        // A restart remembers: the replay is still dropped.
        let running = start(config(&location), recording.clone()).await;
        let answer = post(
            &client,
            running.addr(),
            "pull_request",
            "d-1",
            &body,
            Some(good.clone()),
        )
        .await;
        assert_eq!(
            (answer.status, answer.status_field()),
            (200, "duplicate"),
            "{backend}: after a restart"
        );
        assert_eq!(running.store().jobs(PROJECT).unwrap().len(), 1);
        running.shutdown().await;
        let ups = recording.ops().iter().filter(|op| op.kind == "up").count();
        assert_eq!(ups, 1, "{backend}");
    }
}

/// A pull request's story: the events GitHub sends, in order.
fn story(number: u64, seed: u64, events: &mut Vec<(String, Event)>) -> bool {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut at = 0;
    let mut seq = 0;
    let mut push = |events: &mut Vec<(String, Event)>, action: &'static str| {
        seq += 1;
        at += 1 + i64::from(rng.u8(0..3));
        events.push((
            format!("{number:04}-{seq:04}-0000-0000-000000000000"),
            Event {
                action,
                number,
                sha: format!("{number:04}{seq:036}"),
                at,
                draft: false,
            },
        ));
    };
    push(events, "opened");
    let mut open = true;
    for _ in 0..2 {
        for _ in 0..(4 + number % 5) {
            push(events, "synchronize");
        }
        if number.is_multiple_of(3) {
            push(events, "closed");
            open = false;
            if number.is_multiple_of(2) {
                break;
            }
            push(events, "reopened");
            open = true;
        }
    }
    if number % 4 == 1 {
        push(events, "closed");
        open = false;
    }
    open
}

/// 500 deliveries in bursts — duplicates, out of order, pull requests
/// interleaved, closes while opening — on each backend: every pull
/// request's jobs ran one at a time in event order, none was lost, no
/// duplicate delivery ran twice, and each ended as its story did.
#[tokio::test(flavor = "multi_thread")]
async fn five_hundred_deliveries_in_bursts() {
    let Some(fixtures) = fixtures() else { return };
    let template = opened_template(&fixtures);
    for (backend, location, _dir) in support::backends() {
        let recording = Recording::new(Duration::from_millis(3));
        let mut config = config(&location);
        config.max_parallel = 6;
        let running = start(config, recording.clone()).await;
        let addr = running.addr();

        let mut events = Vec::new();
        let mut final_open = BTreeMap::new();
        for number in 1..=24 {
            let open = story(number, number * 7, &mut events);
            final_open.insert(number, open);
        }
        let mut last_sha = BTreeMap::new();
        for (_, event) in &events {
            last_sha.insert(event.number, event.sha.clone());
        }
        // Each pull request's events in order, interleaved at random.
        let mut rng = fastrand::Rng::with_seed(16);
        let mut queues: Vec<Vec<(String, Vec<u8>)>> = (1..=24)
            .map(|number| {
                events
                    .iter()
                    .filter(|(_, e)| e.number == number)
                    .map(|(id, e)| (id.clone(), pull_request_body(&template, e)))
                    .rev()
                    .collect()
            })
            .collect();
        let mut stream: Vec<(String, Vec<u8>)> = Vec::new();
        while queues.iter().any(|q| !q.is_empty()) {
            let open: Vec<usize> = (0..queues.len())
                .filter(|i| !queues[*i].is_empty())
                .collect();
            let pick = open[rng.usize(..open.len())];
            stream.push(queues[pick].pop().unwrap());
        }
        // Duplicates (redeliveries) until 500.
        while stream.len() < 500 {
            let copy = stream[rng.usize(..stream.len())].clone();
            let at = rng.usize(..=stream.len());
            stream.insert(at, copy);
        }
        assert_eq!(stream.len(), 500);
        // Bursts of 50 sent at once: their order on arrival is anyone's.
        let client = reqwest::Client::new();
        let mut answers: Vec<(String, Answer)> = Vec::new();
        let started = Instant::now();
        for burst in stream.chunks(50) {
            let mut sends = tokio::task::JoinSet::new();
            for (id, body) in burst.iter().cloned() {
                let client = client.clone();
                sends.spawn(async move {
                    let answer = deliver(&client, addr, "pull_request", &id, &body).await;
                    (id, answer)
                });
            }
            while let Some(done) = sends.join_next().await {
                answers.push(done.unwrap());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        eprintln!("{backend}: 500 deliveries sent in {:?}", started.elapsed());
        drained(running.store(), Duration::from_secs(60)).await;

        // Each delivery id was acted on once; its copies were dropped.
        let mut by_id: BTreeMap<&str, Vec<&Answer>> = BTreeMap::new();
        for (id, answer) in &answers {
            assert!(
                matches!(answer.status, 200 | 202),
                "{backend}: {id}: {answer:?}"
            );
            by_id.entry(id).or_default().push(answer);
        }
        for (id, answers) in &by_id {
            let acted = answers
                .iter()
                .filter(|a| a.status_field() != "duplicate")
                .count();
            assert_eq!(acted, 1, "{backend}: delivery {id}: {answers:?}");
        }
        let rec = recording.copy();
        assert!(rec.overlaps.is_empty(), "{backend}: {:?}", rec.overlaps);
        // Every pull request's operations ran in the order of its events
        // (the sequence number is in the sha), one at a time.
        for number in 1..=24u64 {
            let mut ops: Vec<&Op> = rec.ops.iter().filter(|op| op.number == number).collect();
            ops.sort_by_key(|op| op.started);
            for pair in ops.windows(2) {
                assert!(
                    pair[0].sha < pair[1].sha,
                    "{backend}: #{number} ran {} {} after {} {}",
                    pair[1].kind,
                    pair[1].sha,
                    pair[0].kind,
                    pair[0].sha
                );
                assert!(pair[0].ended <= pair[1].started, "{backend}: #{number}");
            }
            let last = ops.last().expect("every pull request had a job");
            if final_open[&number] {
                assert_eq!(
                    (last.kind, last.outcome),
                    ("up", "ok"),
                    "{backend}: #{number}"
                );
                assert_eq!(last.sha, last_sha[&number], "{backend}: #{number}");
            } else {
                assert_eq!(
                    (last.kind, last.outcome),
                    ("down", "ok"),
                    "{backend}: #{number}"
                );
            }
        }
        let expected_live: BTreeSet<u64> = final_open
            .iter()
            .filter(|(_, open)| **open)
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(rec.live, expected_live, "{backend}: live previews");
        // No up ran twice for one commit.
        let mut ups = BTreeSet::new();
        for op in rec.ops.iter().filter(|op| op.kind == "up") {
            assert!(
                ups.insert(op.sha.clone()),
                "{backend}: up of {} ran twice",
                op.sha
            );
        }
        // Nothing lost: every job ended, none failed.
        let jobs = running.store().jobs(PROJECT).unwrap();
        for job in &jobs {
            assert!(
                matches!(job.state, JobState::Done | JobState::Superseded),
                "{backend}: {job:?}"
            );
        }
        eprintln!(
            "{backend}: {} jobs ({} superseded), {} operations",
            jobs.len(),
            jobs.iter()
                .filter(|j| j.state == JobState::Superseded)
                .count(),
            recording.ops().len()
        );
        running.shutdown().await;
    }
}

/// A close arriving while the open's `up` runs: the `up` is asked to stop
/// at a safe point, and the `down` runs after it ended — never before,
/// never left out.
#[tokio::test(flavor = "multi_thread")]
async fn a_close_during_the_open_stops_it_then_destroys() {
    let Some(fixtures) = fixtures() else { return };
    let template = opened_template(&fixtures);
    let dir = tempfile::tempdir().unwrap();
    let location = Location::File(dir.path().join("state.db"));
    let recording = Arc::new(Recording {
        hold_up: Duration::from_secs(30),
        ..Recording::default()
    });
    let running = start(config(&location), recording.clone()).await;
    let client = reqwest::Client::new();
    let event = |action, seq: u64, at| Event {
        action,
        number: 9,
        sha: format!("{seq:040}"),
        at,
        draft: false,
    };
    let opened = pull_request_body(&template, &event("opened", 1, 1));
    let answer = deliver(&client, running.addr(), "pull_request", "o-1", &opened).await;
    assert_eq!(answer.status, 202);
    // Wait until the up runs.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !recording.rec().started.contains(&("up", 9)) {
        assert!(Instant::now() < deadline, "the up never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let closed = pull_request_body(&template, &event("closed", 2, 2));
    let sent = Instant::now();
    let answer = deliver(&client, running.addr(), "pull_request", "c-1", &closed).await;
    assert_eq!(answer.status, 202);
    drained(running.store(), Duration::from_secs(10)).await;
    // The hold was 30 s: the up stopped on the close's request.
    assert!(sent.elapsed() < Duration::from_secs(10));
    let ops = recording.ops();
    let kinds: Vec<(&str, &str)> = ops.iter().map(|op| (op.kind, op.outcome)).collect();
    assert_eq!(kinds, [("up", "cancelled"), ("down", "ok")]);
    assert!(ops[0].ended <= ops[1].started);
    assert!(recording.rec().live.is_empty());
    let jobs = running.store().jobs(PROJECT).unwrap();
    assert_eq!(jobs[0].state, JobState::Superseded);
    assert_eq!(jobs[1].state, JobState::Done);
    running.shutdown().await;
}

/// A failing job is retried with growing delays, then fails for good
/// with its error kept — the secret it quoted redacted — and the queue
/// goes on.
#[tokio::test(flavor = "multi_thread")]
async fn failures_retry_with_backoff_then_fail_with_the_error_redacted() {
    let Some(fixtures) = fixtures() else { return };
    let template = opened_template(&fixtures);
    for (backend, location, _dir) in support::backends() {
        let recording = Recording::new(Duration::ZERO);
        recording.failures.lock().unwrap().insert(4, 100);
        recording.failures.lock().unwrap().insert(5, 2);
        let mut config = config(&location);
        config.max_attempts = 4;
        let running = start(config, recording.clone()).await;
        let client = reqwest::Client::new();
        for number in [4, 5] {
            let body = pull_request_body(
                &template,
                &Event {
                    action: "opened",
                    number,
                    sha: format!("{number:040}"),
                    at: 1,
                    draft: false,
                },
            );
            let answer = deliver(
                &client,
                running.addr(),
                "pull_request",
                &format!("f-{number}"),
                &body,
            )
            .await;
            assert_eq!(answer.status, 202);
        }
        drained(running.store(), Duration::from_secs(20)).await;
        let jobs = running.store().jobs(PROJECT).unwrap();
        let failed = jobs.iter().find(|j| j.queue.ends_with("/4")).unwrap();
        assert_eq!(failed.state, JobState::Failed, "{backend}");
        assert_eq!(failed.attempts, 4);
        let error = failed.last_error.as_deref().unwrap();
        assert!(error.contains("railway answered 503"), "{error}");
        assert!(
            !error.contains(SECRET) && error.contains("(sensitive)"),
            "{backend}: {error}"
        );
        let recovered = jobs.iter().find(|j| j.queue.ends_with("/5")).unwrap();
        assert_eq!(recovered.state, JobState::Done, "{backend}");
        assert_eq!(recovered.attempts, 3);
        // The delays grew: base 40 ms doubling, half of it jitter.
        let starts: Vec<Instant> = recording
            .ops()
            .iter()
            .filter(|op| op.number == 4)
            .map(|op| op.started)
            .collect();
        assert_eq!(starts.len(), 4);
        let gaps: Vec<Duration> = starts.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps[0] >= Duration::from_millis(20), "{gaps:?}");
        assert!(gaps[2] >= Duration::from_millis(80), "{gaps:?}");
        // Nothing in the database holds the secret.
        for job in &jobs {
            assert!(!format!("{job:?}").contains(SECRET));
        }
        running.shutdown().await;
    }
}

/// Railway's project webhooks: the URL's secret is checked, both payload
/// shapes are read, and a preview's deployment refreshes its comment.
#[tokio::test(flavor = "multi_thread")]
async fn railway_webhooks_refresh_the_comment_of_a_preview() {
    let Some(fixtures) = fixtures() else { return };
    let dir = tempfile::tempdir().unwrap();
    let location = Location::File(dir.path().join("state.db"));
    let recording = Recording::new(Duration::ZERO);
    let running = start(config(&location), recording.clone()).await;
    let client = reqwest::Client::new();
    let send = |secret: &str, body: Vec<u8>| {
        let url = format!("http://{}/webhooks/railway/{secret}", running.addr());
        let client = client.clone();
        async move {
            let response = client.post(url).body(body).send().await.unwrap();
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            Answer { status, body }
        }
    };
    let with = |name: &str, environment: &str, project: &str| -> Vec<u8> {
        let mut body: serde_json::Value =
            serde_json::from_slice(&fixture(&fixtures, name)).unwrap();
        if body.get("resource").is_some() {
            body["resource"]["environment"]["name"] = environment.into();
            body["resource"]["project"]["name"] = project.into();
        } else {
            body["environment"]["name"] = environment.into();
            body["project"]["name"] = project.into();
        }
        serde_json::to_vec(&body).unwrap()
    };
    let current = "railway-webhooks/railway-deployment-deployed.observed.json";
    let legacy = "railway-webhooks/railway-deploy.legacy-docs.json";
    let answer = send("not-the-secret-at-all", with(current, "pr-7", PROJECT)).await;
    assert_eq!(answer.status, 403);
    let answer = send(RAILWAY_SECRET, with(current, "production", PROJECT)).await;
    assert_eq!((answer.status, answer.status_field()), (200, "ignored"));
    let answer = send(RAILWAY_SECRET, with(current, "pr-7", "another")).await;
    assert_eq!((answer.status, answer.status_field()), (200, "ignored"));
    let answer = send(RAILWAY_SECRET, b"{\"nope\":1}".to_vec()).await;
    assert_eq!(answer.status, 400);
    // The documentation's example, verbatim, is not JSON (a trailing comma).
    let verbatim = fixture(
        &fixtures,
        "railway-webhooks/railway-deployment-failed.docs-verbatim.json",
    );
    assert_eq!(send(RAILWAY_SECRET, verbatim).await.status, 400);
    let answer = send(RAILWAY_SECRET, with(current, "pr-7", PROJECT)).await;
    assert_eq!((answer.status, answer.status_field()), (202, "queued"));
    drained(running.store(), Duration::from_secs(10)).await;
    let answer = send(
        RAILWAY_SECRET,
        with(
            "railway-webhooks/railway-deployment-failed.docs.json",
            "pr-8",
            PROJECT,
        ),
    )
    .await;
    assert_eq!(answer.status, 202);
    drained(running.store(), Duration::from_secs(10)).await;
    let answer = send(RAILWAY_SECRET, with(legacy, "pr-12", PROJECT)).await;
    assert_eq!(answer.status, 202);
    drained(running.store(), Duration::from_secs(10)).await;
    let refreshed: Vec<u64> = recording
        .ops()
        .iter()
        .filter(|op| op.kind == "refresh")
        .map(|op| op.number)
        .collect();
    assert_eq!(refreshed, [7, 8, 12]);
    let jobs = running.store().jobs(PROJECT).unwrap();
    assert_eq!(jobs.len(), 3);
    running.shutdown().await;
}

/// Draft pull requests get no preview unless asked for; becoming a draft
/// takes the preview down.
#[tokio::test(flavor = "multi_thread")]
async fn drafts_are_configurable() {
    let Some(fixtures) = fixtures() else { return };
    let template = opened_template(&fixtures);
    let dir = tempfile::tempdir().unwrap();
    let location = Location::File(dir.path().join("state.db"));
    let recording = Recording::new(Duration::ZERO);
    let running = start(config(&location), recording.clone()).await;
    let client = reqwest::Client::new();
    let body = |action, seq: u64, draft| {
        pull_request_body(
            &template,
            &Event {
                action,
                number: 3,
                sha: format!("{seq:040}"),
                at: seq as i64,
                draft,
            },
        )
    };
    let answer = deliver(
        &client,
        running.addr(),
        "pull_request",
        "dr-1",
        &body("opened", 1, true),
    )
    .await;
    assert_eq!((answer.status, answer.status_field()), (200, "ignored"));
    let ready = body("ready_for_review", 2, false);
    let answer = deliver(&client, running.addr(), "pull_request", "dr-2", &ready).await;
    assert_eq!(answer.status, 202);
    drained(running.store(), Duration::from_secs(10)).await;
    let to_draft = body("converted_to_draft", 3, true);
    let answer = deliver(&client, running.addr(), "pull_request", "dr-3", &to_draft).await;
    assert_eq!(answer.status, 202);
    drained(running.store(), Duration::from_secs(10)).await;
    let kinds: Vec<&str> = recording.ops().iter().map(|op| op.kind).collect();
    assert_eq!(kinds, ["up", "down"]);
    running.shutdown().await;

    // With drafts on, a draft's open is an up and becoming one changes nothing.
    let mut drafts = config(&location);
    drafts.drafts = true;
    let running = start(drafts, recording.clone()).await;
    let answer = deliver(
        &client,
        running.addr(),
        "pull_request",
        "dr-4",
        &body("reopened", 4, true),
    )
    .await;
    assert_eq!(answer.status, 202);
    let answer = deliver(
        &client,
        running.addr(),
        "pull_request",
        "dr-5",
        &body("converted_to_draft", 5, true),
    )
    .await;
    assert_eq!((answer.status, answer.status_field()), (200, "ignored"));
    drained(running.store(), Duration::from_secs(10)).await;
    let kinds: Vec<&str> = recording.ops().iter().map(|op| op.kind).collect();
    assert_eq!(kinds, ["up", "down", "up"]);
    running.shutdown().await;
}

/// A shutdown lets a short job finish and gives a long one back to the
/// queue without using up an attempt; the next start finishes it.
#[tokio::test(flavor = "multi_thread")]
async fn a_graceful_shutdown_gives_running_jobs_back() {
    let Some(fixtures) = fixtures() else { return };
    let template = opened_template(&fixtures);
    let dir = tempfile::tempdir().unwrap();
    let location = Location::File(dir.path().join("state.db"));
    let holding = Arc::new(Recording {
        hold_up: Duration::from_secs(60),
        ..Recording::default()
    });
    let mut first = config(&location);
    first.shutdown_grace = Duration::from_millis(300);
    let running = start(first, holding.clone()).await;
    let client = reqwest::Client::new();
    let body = pull_request_body(
        &template,
        &Event {
            action: "opened",
            number: 21,
            sha: format!("{:040}", 1),
            at: 1,
            draft: false,
        },
    );
    assert_eq!(
        deliver(&client, running.addr(), "pull_request", "g-1", &body)
            .await
            .status,
        202
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !holding.rec().started.contains(&("up", 21)) {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let store = running.store().clone();
    let stopping = Instant::now();
    running.shutdown().await;
    assert!(stopping.elapsed() < Duration::from_secs(5));
    let job = &store.jobs(PROJECT).unwrap()[0];
    assert_eq!(job.state, JobState::Queued, "{job:?}");
    assert_eq!(job.attempts, 0, "a shutdown uses up no attempt");
    // The next start (or another replica) takes it at once.
    let quick = Recording::new(Duration::ZERO);
    let running = start(config(&location), quick.clone()).await;
    drained(running.store(), Duration::from_secs(10)).await;
    let job = &running.store().jobs(PROJECT).unwrap()[0];
    assert_eq!((job.state, job.attempts), (JobState::Done, 1));
    assert_eq!(quick.ops().len(), 1);
    running.shutdown().await;
}

/// Two replicas on one PostgreSQL database, deliveries spread over both:
/// no job runs twice or beside another of its pull request, and the GC
/// is queued once per period, not once per replica.
#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_on_postgres_never_run_the_same_job() {
    let Some(fixtures) = fixtures() else { return };
    let Some(server) = support::postgres() else {
        return;
    };
    let template = opened_template(&fixtures);
    let location = Location::parse(&server.database());
    let recording = Recording::new(Duration::from_millis(15));
    let mut one = config(&location);
    one.gc_every = Some(Duration::from_secs(2));
    one.worker = "replica-one".into();
    let mut two = one.clone();
    two.worker = "replica-two".into();
    let since = Instant::now();
    let a = start(one, recording.clone()).await;
    let b = start(two, recording.clone()).await;
    let client = reqwest::Client::new();
    let mut sends = tokio::task::JoinSet::new();
    let mut n = 0;
    for number in 1..=16u64 {
        for seq in 1..=8u64 {
            n += 1;
            let event = Event {
                action: if seq == 1 { "opened" } else { "synchronize" },
                number,
                sha: format!("{number:04}{seq:036}"),
                at: seq as i64,
                draft: false,
            };
            let body = pull_request_body(&template, &event);
            let addr = if n % 2 == 0 { a.addr() } else { b.addr() };
            let client = client.clone();
            sends.spawn(async move {
                // In order per pull request, pull requests in parallel.
                tokio::time::sleep(Duration::from_millis(seq * 40)).await;
                deliver(
                    &client,
                    addr,
                    "pull_request",
                    &format!("r-{number}-{seq}"),
                    &body,
                )
                .await
            });
        }
    }
    let started = Instant::now();
    while let Some(answer) = sends.join_next().await {
        let answer = answer.unwrap();
        // A push that overtook the one before it (through the other
        // replica) makes that one stale: dropped, rightly.
        let stale = answer.status == 200
            && answer.body["reason"]
                .as_str()
                .is_some_and(|r| r.contains("later event"));
        assert!(answer.status == 202 || stale, "{answer:?}");
    }
    drained(a.store(), Duration::from_secs(30)).await;
    // Let the GC schedule run a few periods on both replicas.
    let elapsed = started.elapsed();
    if elapsed < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_secs(5) - elapsed).await;
    }
    drained(a.store(), Duration::from_secs(10)).await;
    let span = since.elapsed();
    let rec = recording.copy();
    assert!(rec.overlaps.is_empty(), "{:?}", rec.overlaps);
    let mut ups = BTreeSet::new();
    for op in rec.ops.iter().filter(|op| op.kind == "up") {
        assert!(ups.insert(op.sha.clone()), "up of {} ran twice", op.sha);
    }
    for number in 1..=16u64 {
        let last = rec
            .ops
            .iter()
            .filter(|op| op.number == number)
            .max_by_key(|op| op.started)
            .unwrap();
        assert_eq!(last.sha, format!("{number:04}{:036}", 8));
    }
    let gcs = rec.ops.iter().filter(|op| op.kind == "gc").count() as u64;
    // One at the start, then one per full period; two replicas each
    // queueing their own would make about twice as many.
    let periods = (span.as_secs_f64() / 2.0).floor() as u64 + 1;
    assert!(
        gcs >= 2 && gcs <= periods,
        "{gcs} GC runs in {span:?} with a period of 2 s on two replicas"
    );
    let jobs = a.store().jobs(PROJECT).unwrap();
    let workers: BTreeSet<String> = jobs.iter().filter_map(|j| j.worker.clone()).collect();
    assert_eq!(workers.len(), 2, "both replicas worked: {workers:?}");
    for job in &jobs {
        assert!(matches!(job.state, JobState::Done | JobState::Superseded));
        if job.state == JobState::Done {
            assert_eq!(job.attempts, 1, "{job:?}");
        }
    }
    a.shutdown().await;
    b.shutdown().await;
}

// ------------------------------------------------------------- SIGKILL

const CHILD: &str = "MIRAGE_TEST_SERVE_CHILD";

/// Not a test on its own: the server process of
/// [`a_server_killed_mid_job_resumes_it_after_a_restart`], started as a
/// child (`--exact serve::serve_child`) so it can be killed with SIGKILL.
/// `MIRAGE_TEST_SERVE_CHILD` is `LOCATION|RECORD FILE|HOLD MS`.
#[test]
fn serve_child() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    let mut parts = spec.split('|');
    let location = Location::parse(parts.next().unwrap());
    let file = PathBuf::from(parts.next().unwrap());
    let hold: u64 = parts.next().unwrap().parse().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let recording = Arc::new(Recording {
            hold_up: Duration::from_millis(hold),
            file: Some(file),
            ..Recording::default()
        });
        let running = start(config(&location), recording).await;
        println!("\nLISTENING {}", running.addr());
        std::io::stdout().flush().unwrap();
        tokio::time::sleep(Duration::from_secs(120)).await;
    });
}

fn spawn_child(location: &str, file: &Path, hold_ms: u64) -> (std::process::Child, SocketAddr) {
    support::spawn_serve_child(
        "serve::serve_child",
        CHILD,
        &format!("{location}|{}|{hold_ms}", file.display()),
    )
}

/// The server is killed with SIGKILL in the middle of an `up`; once
/// restarted it claims the job again (its lease ran out) and completes it.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_mid_job_resumes_it_after_a_restart() {
    let Some(fixtures) = fixtures() else { return };
    let template = opened_template(&fixtures);
    for (backend, location, dir) in support::backends() {
        let work = dir.unwrap_or_else(|| tempfile::tempdir().unwrap());
        let location_text = match &location {
            Location::File(path) => path.display().to_string(),
            Location::Postgres { url, .. } => url.clone(),
        };
        // Migrated before the children start.
        drop(Store::connect(&location).unwrap());
        let file = work.path().join("ops.log");
        let (mut child, addr) = spawn_child(&location_text, &file, 60_000);
        let client = reqwest::Client::new();
        let body = pull_request_body(
            &template,
            &Event {
                action: "opened",
                number: 31,
                sha: format!("{:040}", 31),
                at: 1,
                draft: false,
            },
        );
        let answer = deliver(&client, addr, "pull_request", "k-1", &body).await;
        assert_eq!(answer.status, 202, "{backend}");
        support::wait_for_line(&file, "start up 31", Duration::from_secs(10)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let store = Store::connect(&location).unwrap();
        let job = &store.jobs(PROJECT).unwrap()[0];
        assert_eq!(
            (job.state, job.attempts),
            (JobState::Running, 1),
            "{backend}"
        );

        let restarted = Instant::now();
        let (mut child, _) = spawn_child(&location_text, &file, 0);
        support::wait_for_line(&file, "end up 31", Duration::from_secs(20)).await;
        let waited = restarted.elapsed();
        // Recorded in the database just after the previews returned.
        let deadline = Instant::now() + Duration::from_secs(10);
        while store.jobs(PROJECT).unwrap()[0].state != JobState::Done {
            assert!(Instant::now() < deadline, "{backend}: never recorded done");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let job = &store.jobs(PROJECT).unwrap()[0];
        assert_eq!((job.state, job.attempts), (JobState::Done, 2), "{backend}");
        // Claimed again once its 2 s lease ran out, not before, not much after.
        assert!(waited < Duration::from_secs(15), "{backend}: {waited:?}");
        let lines = support::lines_of(&file);
        assert_eq!(
            lines,
            [
                format!("start up 31 {:040}", 31),
                format!("start up 31 {:040}", 31),
                format!("end up 31 {:040} ok", 31),
            ],
            "{backend}"
        );
    }
}

/// A push and a close within the same second (GitHub's `updated_at` has
/// seconds), the push delivered last: the close wins, no preview is left
/// behind.
#[tokio::test(flavor = "multi_thread")]
async fn a_push_delivered_after_a_close_of_the_same_second_is_dropped() {
    let Some(fixtures) = fixtures() else { return };
    let template = opened_template(&fixtures);
    let dir = tempfile::tempdir().unwrap();
    let location = Location::File(dir.path().join("state.db"));
    let recording = Recording::new(Duration::ZERO);
    let running = start(config(&location), recording.clone()).await;
    let client = reqwest::Client::new();
    let body = |action, seq: u64, at| {
        pull_request_body(
            &template,
            &Event {
                action,
                number: 41,
                sha: format!("{seq:040}"),
                at,
                draft: false,
            },
        )
    };
    let answer = deliver(
        &client,
        running.addr(),
        "pull_request",
        "t-1",
        &body("opened", 1, 1),
    )
    .await;
    assert_eq!(answer.status, 202);
    drained(running.store(), Duration::from_secs(10)).await;
    let answer = deliver(
        &client,
        running.addr(),
        "pull_request",
        "t-3",
        &body("closed", 3, 5),
    )
    .await;
    assert_eq!(answer.status, 202);
    let answer = deliver(
        &client,
        running.addr(),
        "pull_request",
        "t-2",
        &body("synchronize", 2, 5),
    )
    .await;
    assert_eq!(
        (answer.status, answer.status_field()),
        (200, "ignored"),
        "{answer:?}"
    );
    drained(running.store(), Duration::from_secs(10)).await;
    let kinds: Vec<&str> = recording.ops().iter().map(|op| op.kind).collect();
    assert_eq!(kinds, ["up", "down"]);
    assert!(recording.copy().live.is_empty());
    // Pushed again later (a reopen's own events come later too): acted on.
    let answer = deliver(
        &client,
        running.addr(),
        "pull_request",
        "t-4",
        &body("reopened", 4, 6),
    )
    .await;
    assert_eq!(answer.status, 202);
    drained(running.store(), Duration::from_secs(10)).await;
    assert_eq!(recording.copy().live, BTreeSet::from([41]));
    running.shutdown().await;
}
