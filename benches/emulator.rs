//! Requests per second the emulator sustains for Mirage's typical read: the
//! whole project in one request (project → environments → config +
//! configEtag), from concurrent loopback clients, for a bounded time.
//!
//! `cargo bench --bench emulator` (env: `MIRAGE_BENCH_SECS`, default 5;
//! `MIRAGE_BENCH_CLIENTS`, default 16).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mirage::emulator::{Emulator, Options};
use serde_json::{Value, json};

const READ: &str = "query Whole($id: String!) { project(id: $id) { id name environments { edges { node { id name config(decryptVariables: true) configEtag } } } } }";

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn gql(http: &reqwest::Client, url: &str, query: &str, variables: Value) -> Value {
    let resp = http
        .post(url)
        .bearer_auth("bench")
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("emulator answers");
    let body: Value = resp.json().await.expect("json");
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

/// The whole-project read's response body, unparsed.
async fn read_raw(http: &reqwest::Client, url: &str, pid: &str) -> axum::body::Bytes {
    let resp = http
        .post(url)
        .bearer_auth("bench")
        .json(&json!({"query": READ, "variables": {"id": pid}}))
        .send()
        .await
        .expect("emulator answers");
    assert_eq!(resp.status(), 200);
    resp.bytes().await.expect("body")
}

/// A realistic project: 3 environments, 10 services each with settings,
/// variables (some references) and a domain.
async fn seed(http: &reqwest::Client, url: &str) -> String {
    let d = gql(
        http,
        url,
        "mutation { projectCreate(input: {name: \"bench\"}) { id baseEnvironmentId } }",
        json!({}),
    )
    .await;
    let pid = d["projectCreate"]["id"].as_str().unwrap().to_string();
    let prod = d["projectCreate"]["baseEnvironmentId"]
        .as_str()
        .unwrap()
        .to_string();
    let mut services = vec![];
    for i in 0..10 {
        let d = gql(
            http,
            url,
            "mutation($p: String!, $n: String) { serviceCreate(input: {projectId: $p, name: $n, source: {image: \"ghcr.io/acme/app:1\"}}) { id } }",
            json!({"p": pid, "n": format!("svc-{i}")}),
        )
        .await;
        services.push(d["serviceCreate"]["id"].as_str().unwrap().to_string());
    }
    let mut patch = serde_json::Map::new();
    for (i, sid) in services.iter().enumerate() {
        let mut vars = serde_json::Map::new();
        for v in 0..8 {
            vars.insert(
                format!("VAR_{v}"),
                json!({"value": format!("value-{i}-{v}")}),
            );
        }
        vars.insert("DB".into(), json!({"value": "${{svc-0.DATABASE_URL}}"}));
        patch.insert(
            sid.clone(),
            json!({
                "deploy": {"startCommand": "node server.js", "numReplicas": 2, "healthcheckPath": "/health"},
                "build": {"buildCommand": "npm ci && npm run build"},
                "variables": vars,
                "networking": {"serviceDomains": {format!("svc-{i}-production-abcd.up.railway.app"): {"port": 8080}}}
            }),
        );
    }
    gql(
        http,
        url,
        "mutation($e: String!, $p: EnvironmentConfig) { environmentPatchCommit(environmentId: $e, patch: $p) }",
        json!({"e": prod, "p": {"services": patch, "sharedVariables": {"REGION": {"value": "eu"}}}}),
    )
    .await;
    for name in ["staging", "preview"] {
        gql(
            http,
            url,
            "mutation($p: String!, $n: String!, $s: String) { environmentCreate(input: {projectId: $p, name: $n, sourceEnvironmentId: $s}) { id } }",
            json!({"p": pid, "n": name, "s": prod}),
        )
        .await;
    }
    pid
}

fn main() {
    let secs = env_or("MIRAGE_BENCH_SECS", 5);
    let clients = env_or("MIRAGE_BENCH_CLIENTS", 16);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let emu = Emulator::start(Options { clock: Duration::ZERO, ..Options::default() }).await.expect("emulator starts");
        let url = emu.url();
        let http = reqwest::Client::new();
        let pid = seed(&http, &url).await;
        let sample = gql(&http, &url, READ, json!({"id": pid})).await;
        let bytes = sample.to_string().len();
        // The load loop compares raw bytes with this first answer instead of
        // decoding each response: the clients share the machine's two cores
        // with the server, and decoding 18 KB of JSON per request measured
        // the clients, not the emulator.
        let expected = Arc::new(read_raw(&http, &url, &pid).await);

        let done = Arc::new(AtomicU64::new(0));
        // Build the clients first: creating one loads TLS roots, which is slow.
        let https: Vec<reqwest::Client> = (0..clients).map(|_| reqwest::Client::new()).collect();
        let start = Instant::now();
        let deadline = start + Duration::from_secs(secs);
        let mut tasks = vec![];
        for http in https {
            let (url, pid, done, expected) = (url.clone(), pid.clone(), done.clone(), expected.clone());
            tasks.push(tokio::spawn(async move {
                let mut latencies = vec![];
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let body = read_raw(&http, &url, &pid).await;
                    assert!(body == *expected, "the read changed: {}", String::from_utf8_lossy(&body));
                    latencies.push(t.elapsed());
                    done.fetch_add(1, Ordering::Relaxed);
                }
                latencies
            }));
        }
        let mut latencies = vec![];
        for t in tasks {
            latencies.extend(t.await.expect("client task"));
        }
        let elapsed = start.elapsed().as_secs_f64();
        latencies.sort();
        let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
        let n = done.load(Ordering::Relaxed);
        println!("emulator whole-project read (3 environments x 10 services, {bytes} bytes of data per response)");
        println!("clients: {clients}, duration: {elapsed:.1} s, requests: {n}");
        println!("throughput: {:.0} requests/s", n as f64 / elapsed);
        println!("latency: p50 {:?}, p90 {:?}, p99 {:?}", pct(0.50), pct(0.90), pct(0.99));
        emu.shutdown().await;
    });
}
