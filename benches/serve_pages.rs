//! The dashboard's pages (issue #18): server time of the project page
//! with 20 environments × 30 services, and of the other pages, plus each
//! page's weight (HTML + CSS + JS, uncompressed; budget 150 KB).
//!
//! The project is applied to an emulator on loopback answering with
//! `MIRAGE_BENCH_LATENCY_MS` (50) of latency per request; serve runs in
//! this process on SQLite; an admin's API token. First the cold read (the
//! cache dropped: one Railway request, latency included), then
//! `MIRAGE_BENCH_REQUESTS` (500) sequential `GET`s per page with the
//! overview cached, as a team's browsers see it between refreshes.
//! Times are measured by the client on loopback (an upper bound of the
//! server's).
//!
//! `cargo bench --bench serve_pages` (release) or `cargo bench --profile
//! dev --bench serve_pages`.

#[path = "support/serve.rs"]
mod serve_support;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use mirage::auth::WebhookSecret;
use mirage::serve::{self, Config};
use mirage::state::Location;
use serve_support::{Histogram, env_number, served};

const PROJECT: &str = "bench";
const ENVIRONMENTS: usize = 20;
const SERVICES: usize = 30;

fn project_text() -> String {
    let mut text = format!("project \"{PROJECT}\"\n\n");
    for s in 0..SERVICES {
        let _ = writeln!(
            text,
            "service \"svc{s:02}\" {{\n    image \"nginx:1.27\"\n    port 8080\n    generated-domain\n}}\n"
        );
    }
    for e in 0..ENVIRONMENTS {
        let _ = writeln!(text, "environment \"env{e:02}\"");
    }
    text
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let requests = env_number("MIRAGE_BENCH_REQUESTS", 500);
    let latency = Duration::from_millis(env_number("MIRAGE_BENCH_LATENCY_MS", 50));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        serve::log::set_enabled(false);
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config::new(
            "127.0.0.1:0".parse().unwrap(),
            Location::File(dir.path().join("state.db")),
            PROJECT,
            WebhookSecret::new("bench-webhook-secret").unwrap(),
        );
        config.gc_every = None;
        let served = served(config, PROJECT, &project_text(), latency).await;
        let (running, token) = (&served.running, served.token.clone());
        let addr = running.addr();
        let client = reqwest::Client::new();
        let get = |path: String| {
            let (client, token) = (client.clone(), token.clone());
            async move {
                let sent = Instant::now();
                let response = client
                    .get(format!("http://{addr}{path}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .expect("an answer");
                let status = response.status().as_u16();
                let body = response.text().await.expect("a body");
                assert_eq!(status, 200, "{path}: {body}");
                (sent.elapsed(), body)
            }
        };
        // The cold read: Railway read once through the cache.
        let (cold, body) = get(format!("/projects/{PROJECT}")).await;
        let cards = body.matches("<article").count();
        assert_eq!(cards, ENVIRONMENTS, "every environment has its card");
        let rows = get(format!("/projects/{PROJECT}/environments/env00"))
            .await
            .1
            .matches("<tr>")
            .count();
        println!(
            "project `{PROJECT}`: {ENVIRONMENTS} environments × {SERVICES} services on the emulator, {} ms latency per Railway request; {requests} sequential requests per page after the first",
            latency.as_millis()
        );
        println!("cold project page (overview read from Railway, then rendered): {}", ms(cold));
        println!("| page | HTML | HTML + CSS + JS | p50 | p95 | p99 | max |");
        println!("| --- | --- | --- | --- | --- | --- | --- |");
        let assets = mirage::serve::web::assets::CSS.len() + mirage::serve::web::assets::JS.len();
        for (label, path) in [
            ("projects", "/".to_owned()),
            (
                "project (20 × 30)",
                format!("/projects/{PROJECT}"),
            ),
            (
                "environment (30 services)",
                format!("/projects/{PROJECT}/environments/env00"),
            ),
        ] {
            let histogram = Histogram::new();
            let mut size = 0;
            for _ in 0..requests {
                let (took, body) = get(path.clone()).await;
                histogram.record(took);
                size = body.len();
            }
            println!(
                "| {label} | {:.1} KB | {:.1} KB | {} | {} | {} | {} |",
                size as f64 / 1024.0,
                (size + assets) as f64 / 1024.0,
                ms(histogram.quantile(0.50)),
                ms(histogram.quantile(0.95)),
                ms(histogram.quantile(0.99)),
                ms(Duration::from_micros(
                    histogram.max.load(std::sync::atomic::Ordering::Relaxed)
                )),
            );
        }
        println!("environment page: {rows} table rows");
        served.running.shutdown().await;
    });
}
