//! `mirage serve`'s API under load: the server started in this process on
//! loopback, on PostgreSQL (`MIRAGE_BENCH_POSTGRES_URL`, else a server
//! started on loopback with the installed PostgreSQL; SQLite when neither
//! is available — the output says which), an admin's API token made
//! through the state API, then `MIRAGE_BENCH_CLIENTS` (500) concurrent
//! clients — one tokio task and one keep-alive connection each — looping
//! `GET`s over [`PATHS`] for `MIRAGE_BENCH_SECONDS` (30 s).
//!
//! Reports requests/s, p50/p95/p99/max latency, errors (anything but a
//! `200`, or a connection error: must be 0) and the process's resident
//! memory (RSS: server *and* clients, they share the process) at the
//! start, the middle and the end of the load.
//!
//! `cargo bench --profile dev --bench serve_api` (debug, as the figures in
//! `docs/benchmarks.md` were measured) or `cargo bench --bench serve_api`.

#[path = "../tests/integration/support/postgres.rs"]
#[allow(dead_code)]
mod postgres;
#[path = "support/serve.rs"]
mod serve_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mirage::auth::WebhookSecret;
use mirage::serve::{self, Config};
use mirage::state::Location;
use serve_support::{Histogram, env_number, rss_mib, served};

const PROJECT: &str = "bench";

/// The paths every client loops over, in turn (`{p}`: the project). Add
/// one line per route to load.
const PATHS: &[&str] = &["/api/me", "/api/projects/{p}/members", "/api/projects/{p}"];

/// The project served: applied once to the emulator, so its overview
/// (`/api/projects/{p}`) is read from Railway through serve's cache.
const PROJECT_TEXT: &str = r#"
project "bench"

service "db" {
    image "postgres:16"
    port 5432
}

service "web" {
    image "nginx:1.27"
    port 80
    depends-on "db"
}

environment "production"
environment "staging"
"#;

async fn run(state: Location, backend: &str, clients: u64, seconds: u64) {
    serve::log::set_enabled(std::env::var_os("MIRAGE_BENCH_LOG").is_some());
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        state,
        PROJECT,
        WebhookSecret::new("bench-webhook-secret").unwrap(),
    );
    config.gc_every = None;
    let served = served(config, PROJECT, PROJECT_TEXT, Duration::ZERO).await;
    let (running, token) = (&served.running, served.token.clone());
    let addr = running.addr();
    let paths: Arc<Vec<String>> = Arc::new(
        PATHS
            .iter()
            .map(|p| format!("http://{addr}{}", p.replace("{p}", PROJECT)))
            .collect(),
    );
    // Every path answers 200 before the clock starts.
    let probe = reqwest::Client::new();
    for url in paths.iter() {
        let response = probe
            .get(url)
            .bearer_auth(&token)
            .send()
            .await
            .expect("the server answers");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status.as_u16(), 200, "{url}: {text}");
    }

    let histogram = Arc::new(Histogram::new());
    let errors = Arc::new(AtomicU64::new(0));
    let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
    let stop = Arc::new(AtomicBool::new(false));
    let go = Arc::new(tokio::sync::Barrier::new(clients as usize + 1));
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..clients {
        let (histogram, errors, first_error, stop, go, paths, token) = (
            histogram.clone(),
            errors.clone(),
            first_error.clone(),
            stop.clone(),
            go.clone(),
            paths.clone(),
            token.clone(),
        );
        tasks.spawn(async move {
            // One client each: one keep-alive connection, reused.
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .expect("a client");
            go.wait().await;
            let mut i = n as usize;
            while !stop.load(Ordering::Relaxed) {
                let url = &paths[i % paths.len()];
                i += 1;
                let sent = Instant::now();
                let outcome = match client.get(url).bearer_auth(&token).send().await {
                    Ok(response) if response.status().as_u16() == 200 => {
                        // Read the whole body: a real client does.
                        response
                            .bytes()
                            .await
                            .map(|_| ())
                            .map_err(|e| e.to_string())
                    }
                    Ok(response) => Err(format!("{url}: {}", response.status())),
                    Err(error) => Err(format!("{url}: {error}")),
                };
                histogram.record(sent.elapsed());
                if let Err(error) = outcome {
                    errors.fetch_add(1, Ordering::Relaxed);
                    first_error.lock().unwrap().get_or_insert(error);
                }
            }
        });
    }
    let rss_start = rss_mib();
    go.wait().await;
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds) / 2).await;
    let rss_middle = rss_mib();
    tokio::time::sleep_until((start + Duration::from_secs(seconds)).into()).await;
    let rss_end = rss_mib();
    stop.store(true, Ordering::Relaxed);
    while let Some(done) = tasks.join_next().await {
        done.expect("a client task");
    }
    let elapsed = start.elapsed();
    served.running.shutdown().await;

    let total = histogram.count();
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let mib = |m: Option<f64>| m.map_or("?".to_owned(), |m| format!("{m:.0} MiB"));
    println!(
        "{clients} clients for {seconds} s on loopback, each looping GET over {} path(s): {}",
        PATHS.len(),
        PATHS.join(", ")
    );
    println!(
        "| backend | requests | requests/s | p50 | p95 | p99 | max | errors | RSS start | RSS middle | RSS end |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    println!(
        "| {backend} | {total} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {} |",
        total as f64 / elapsed.as_secs_f64(),
        ms(histogram.quantile(0.50)),
        ms(histogram.quantile(0.95)),
        ms(histogram.quantile(0.99)),
        ms(Duration::from_micros(histogram.max.load(Ordering::Relaxed))),
        errors.load(Ordering::Relaxed),
        mib(rss_start),
        mib(rss_middle),
        mib(rss_end),
    );
    if let (Some(middle), Some(end)) = (rss_middle, rss_end) {
        println!(
            "RSS growth from the middle to the end of the load: {:+.1} MiB",
            end - middle
        );
    }
    if let Some(error) = first_error.lock().unwrap().take() {
        println!("first error: {error}");
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    let seconds = env_number("MIRAGE_BENCH_SECONDS", 30);
    let clients = env_number("MIRAGE_BENCH_CLIENTS", 500);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let _server;
        let dir = tempfile::tempdir().expect("tempdir");
        let (state, backend) = match std::env::var("MIRAGE_BENCH_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => (Location::parse(&url), "PostgreSQL".to_owned()),
            _ => match postgres::PrivateServer::start() {
                Ok(server) => {
                    let url = server.database();
                    _server = server;
                    (Location::parse(&url), "PostgreSQL (loopback)".to_owned())
                }
                Err(why) => {
                    eprintln!("no PostgreSQL ({why}): SQLite instead");
                    (
                        Location::File(dir.path().join("state.db")),
                        "SQLite".to_owned(),
                    )
                }
            },
        };
        run(state, &backend, clients, seconds).await;
    });
}
