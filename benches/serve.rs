//! `mirage serve`'s webhook accept latency: signed `pull_request`
//! deliveries sent on loopback at a steady 200 a second (open loop: each
//! at its time, whatever the previous one's answer), from send to `202`,
//! while the server's workers run the jobs they queue (previews that
//! return at once). SQLite, then PostgreSQL (`MIRAGE_BENCH_POSTGRES_URL`,
//! else a server started on loopback with the installed PostgreSQL). Goal:
//! p99 < 20 ms.
//!
//! `cargo bench --profile dev --bench serve` (debug, as the figures in
//! `docs/benchmarks.md` were measured) or `cargo bench --bench serve`.
//! `MIRAGE_BENCH_SECONDS` changes the 10 s duration.

#[path = "../tests/integration/support/postgres.rs"]
#[allow(dead_code)]
mod postgres;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mirage::auth::{WebhookSecret, sign_body};
use mirage::serve::{self, Cancel, Config, PreviewFuture, PreviewTarget, Previews};
use mirage::state::Location;

const SECRET: &str = "bench-webhook-secret";
const RATE: u64 = 200;

/// Previews that have nothing to do: the bench measures the intake.
struct Instant0;

impl Previews for Instant0 {
    fn up<'a>(&'a self, _: &'a PreviewTarget, _: &'a Cancel) -> PreviewFuture<'a> {
        Box::pin(async { Ok(()) })
    }
    fn down<'a>(&'a self, _: &'a PreviewTarget, _: &'a Cancel) -> PreviewFuture<'a> {
        Box::pin(async { Ok(()) })
    }
    fn gc<'a>(&'a self, _: &'a Cancel) -> PreviewFuture<'a> {
        Box::pin(async { Ok(()) })
    }
    fn refresh_comment<'a>(&'a self, _: &'a PreviewTarget, _: &'a Cancel) -> PreviewFuture<'a> {
        Box::pin(async { Ok(()) })
    }
}

fn body(template: &serde_json::Value, n: u64) -> Vec<u8> {
    let mut body = template.clone();
    // One pull request each: none is stale, every answer is a 202.
    let number = n + 1;
    body["action"] = "opened".into();
    body["number"] = number.into();
    body["pull_request"]["number"] = number.into();
    body["pull_request"]["head"]["sha"] = format!("{n:040x}").into();
    let at = time::OffsetDateTime::from_unix_timestamp(1_700_000_000 + n as i64).unwrap();
    body["pull_request"]["updated_at"] = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
        .into();
    serde_json::to_vec(&body).unwrap()
}

struct Measured {
    sent: usize,
    refused: usize,
    latencies: Vec<Duration>,
    jobs: usize,
}

/// What the same schedule of `GET /healthz` costs (no database, no
/// signature): the floor the machine and the HTTP stack set.
async fn control(seconds: u64) -> Measured {
    serve::log::set_enabled(std::env::var_os("MIRAGE_BENCH_LOG").is_some());
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        Location::File(dir.path().join("state.db")),
        "bench",
        WebhookSecret::new(SECRET).unwrap(),
    );
    config.gc_every = None;
    let running = serve::start(config, Arc::new(Instant0))
        .await
        .expect("serve starts");
    let addr = running.addr();
    let client = reqwest::Client::new();
    let _ = client.get(format!("http://{addr}/healthz")).send().await;
    let total = RATE * seconds;
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..total {
        let due = start + Duration::from_micros(1_000_000 / RATE * n);
        tokio::time::sleep_until(due.into()).await;
        let client = client.clone();
        tasks.spawn(async move {
            let sent = Instant::now();
            let response = client.get(format!("http://{addr}/healthz")).send().await;
            (
                sent.elapsed(),
                response.is_ok_and(|r| r.status().as_u16() == 200),
            )
        });
    }
    let mut latencies = Vec::new();
    let mut refused = 0;
    while let Some(done) = tasks.join_next().await {
        let (latency, ok) = done.expect("request task");
        latencies.push(latency);
        refused += usize::from(!ok);
    }
    running.shutdown().await;
    latencies.sort();
    Measured {
        sent: total as usize,
        refused,
        latencies,
        jobs: 0,
    }
}

async fn measure(state: Location, template: &serde_json::Value, seconds: u64) -> Measured {
    serve::log::set_enabled(std::env::var_os("MIRAGE_BENCH_LOG").is_some());
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        state,
        "bench",
        WebhookSecret::new(SECRET).unwrap(),
    );
    config.gc_every = None;
    config.poll = Duration::from_millis(50);
    let running = serve::start(config, Arc::new(Instant0))
        .await
        .expect("serve starts");
    let addr: SocketAddr = running.addr();
    let client = reqwest::Client::new();
    let secret = WebhookSecret::new(SECRET).unwrap();
    let total = RATE * seconds;
    // Bodies and signatures made before the clock starts.
    let deliveries: Vec<(String, Vec<u8>, String)> = (0..total)
        .map(|n| {
            let body = body(template, n);
            let signature = sign_body(&secret, &body);
            (format!("bench-{n:08}-0000-0000-0000"), body, signature)
        })
        .collect();
    // A warm-up request (connection, prepared statements).
    let warm = body(template, total + 1);
    let _ = client
        .post(format!("http://{addr}/webhooks/github"))
        .header("x-github-event", "pull_request")
        .header("x-github-delivery", "bench-warm-up")
        .header("x-hub-signature-256", sign_body(&secret, &warm))
        .body(warm)
        .send()
        .await;
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (n, (id, body, signature)) in deliveries.into_iter().enumerate() {
        let due = start + Duration::from_micros(1_000_000 / RATE * n as u64);
        tokio::time::sleep_until(due.into()).await;
        let client = client.clone();
        tasks.spawn(async move {
            let sent = Instant::now();
            let response = client
                .post(format!("http://{addr}/webhooks/github"))
                .header("x-github-event", "pull_request")
                .header("x-github-delivery", id)
                .header("x-hub-signature-256", signature)
                .body(body)
                .send()
                .await;
            let ok = response.is_ok_and(|r| r.status().as_u16() == 202);
            (sent.elapsed(), ok)
        });
    }
    let mut latencies = Vec::new();
    let mut refused = 0;
    while let Some(done) = tasks.join_next().await {
        let (latency, ok) = done.expect("request task");
        latencies.push(latency);
        if !ok {
            refused += 1;
        }
    }
    let jobs = running.store().jobs("bench").map(|j| j.len()).unwrap_or(0);
    running.shutdown().await;
    latencies.sort();
    Measured {
        sent: total as usize,
        refused,
        latencies,
        jobs,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

fn row(backend: &str, m: &Measured) {
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!(
        "| {backend} | {} | {} | {} | {} | {} | {} | {} |",
        m.sent,
        m.refused,
        ms(percentile(&m.latencies, 0.50)),
        ms(percentile(&m.latencies, 0.90)),
        ms(percentile(&m.latencies, 0.99)),
        ms(*m.latencies.last().unwrap_or(&Duration::ZERO)),
        m.jobs
    );
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    let seconds = std::env::var("MIRAGE_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/github/pull_request.opened.payload.json");
    let template: serde_json::Value = match std::fs::read(&fixture) {
        Ok(bytes) => serde_json::from_slice(&bytes).expect("fixture"),
        Err(_) => {
            eprintln!("skipping: {} is absent", fixture.display());
            return;
        }
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        println!(
            "{RATE} deliveries/s for {seconds} s on loopback, open loop; latency from send to 202"
        );
        println!("| backend | sent | not 202 | p50 | p90 | p99 | max | jobs queued |");
        println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
        row("control: `GET /healthz`", &control(seconds).await);
        let dir = tempfile::tempdir().expect("tempdir");
        let sqlite = measure(
            Location::File(dir.path().join("state.db")),
            &template,
            seconds,
        )
        .await;
        row("SQLite", &sqlite);
        let _server;
        let url = match std::env::var("MIRAGE_BENCH_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => url,
            _ => match postgres::PrivateServer::start() {
                Ok(server) => {
                    let url = server.database();
                    _server = server;
                    url
                }
                Err(why) => {
                    eprintln!("skipping PostgreSQL: {why}");
                    return;
                }
            },
        };
        let pg = measure(Location::parse(&url), &template, seconds).await;
        row("PostgreSQL", &pg);
    });
}
