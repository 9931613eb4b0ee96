//! `mirage status` of a project of 20 environments × 30 services against
//! the emulator with 50 ms added latency: the requests and wall time of a
//! healthy read, and of a read where two deployments failed (their last
//! log lines and events in one more, aliased, request). Run in debug with
//! `cargo bench --profile dev --bench status`; results go to
//! `docs/benchmarks.md` (`## Status`).

#[path = "support/serve.rs"]
mod serve_support;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use mirage::observe::status::{self, Request};

const ENVIRONMENTS: usize = 20;
const SERVICES: usize = 30;
const RUNS: usize = 5;

fn project_text() -> String {
    let mut text = String::from("project \"bench\"\n\n");
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

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = mirage::state::Location::File(dir.path().join("state.db"));
    let latency = Duration::from_millis(50);
    let (emulator, context) =
        serve_support::applied_project(dir.path(), &state, &project_text(), latency).await;
    let (scope, connection) = status::read_project(&context, dir.path())
        .await
        .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
    let client = &connection.client;
    let request = Request {
        details: true,
        ..Request::default()
    };
    let measure = |label: &'static str| {
        let scope = scope.clone();
        let request = request.clone();
        async move {
            let mut times = Vec::new();
            let mut requests = 0;
            for _ in 0..RUNS {
                let start = Instant::now();
                let report = status::read(client, &scope, &request, 0)
                    .await
                    .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
                times.push(start.elapsed());
                requests = report.requests;
                assert_eq!(report.services().count(), ENVIRONMENTS * SERVICES);
            }
            times.sort();
            (label, requests, times[RUNS / 2], times[RUNS - 1])
        }
    };
    let healthy = measure("every deployment healthy").await;
    // The same request alone, without building the report: the emulator's
    // and the transport's share of the read.
    let mut raw = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let reply = client
            .execute(
                status::STATUS_QUERY,
                &serde_json::json!({"id": scope.project_id}),
                Some("Status"),
                mirage::railway::Effect::Read,
            )
            .await
            .expect("read");
        assert!(reply.errors.is_none());
        raw.push(start.elapsed());
    }
    raw.sort();
    // Two deployments fail: their details take one more request.
    let http = reqwest::Client::new();
    http.post(format!("{}/outcomes", emulator.admin_url()))
        .json(&serde_json::json!({"svc01": "FAILED", "svc02": "CRASHED"}))
        .send()
        .await
        .expect("outcomes");
    let env = scope.declared[3].0.clone();
    let ids = status::read(client, &scope, &request, 0)
        .await
        .expect("read");
    let environment = ids
        .environments
        .iter()
        .find(|e| e.name == env)
        .expect("env");
    for name in ["svc01", "svc02"] {
        let service = environment
            .services
            .iter()
            .find(|s| s.name == name)
            .expect("service");
        let reply = client
            .execute(
                "mutation($e: String!, $s: String!) { serviceInstanceDeployV2(environmentId: $e, serviceId: $s) }",
                &serde_json::json!({"e": environment.id, "s": service.service_id}),
                None,
                mirage::railway::Effect::Write,
            )
            .await
            .expect("deploy");
        assert!(reply.errors.is_none(), "{:?}", reply.errors);
    }
    let failed = measure("two deployments failed (details read)").await;
    println!(
        "project: {ENVIRONMENTS} environments × {SERVICES} services, 50 ms latency per request, {RUNS} runs"
    );
    println!(
        "the request alone (emulator + transport, no report built): median {:.0} ms",
        raw[RUNS / 2].as_secs_f64() * 1000.0
    );
    println!("| status read | requests | median wall time | max wall time |");
    println!("| --- | ---: | ---: | ---: |");
    for (label, requests, median, max) in [healthy, failed] {
        println!(
            "| {label} | {requests} | {:.0} ms | {:.0} ms |",
            median.as_secs_f64() * 1000.0,
            max.as_secs_f64() * 1000.0
        );
    }
    emulator.shutdown().await;
}
