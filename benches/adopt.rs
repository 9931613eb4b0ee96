//! `mirage import --generate` of a project of 20 environments × 30
//! services on the emulator with 50 ms added latency: the requests it sends
//! (the description is made from one read of the project; recording
//! ownership reads it again, under the lock, as every import does) and its
//! wall time, with the pure generator's share on its own. Run in debug with
//! `cargo bench --profile dev --bench adopt`; results go to
//! `docs/benchmarks.md` (`## Import --generate`).

#[path = "support/serve.rs"]
mod serve_support;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use mirage::adopt::generate::{Options, generate};

const ENVIRONMENTS: usize = 20;
const SERVICES: usize = 30;
const RUNS: usize = 3;

/// Services that differ between environments: replicas and a variable in
/// every other environment, a reference to another service in each.
fn project_text() -> String {
    let mut text = String::from("project \"bench\"\n\n");
    for s in 0..SERVICES {
        // Each service references the one before (a loop is an error).
        let next = s.saturating_sub(1);
        let _ = writeln!(
            text,
            "service \"svc{s:02}\" {{\n    image \"nginx:1.27\"\n    port 8080\n    vars {{\n        PEER \"http://${{{{svc{next:02}.RAILWAY_PRIVATE_DOMAIN}}}}:8080\"\n        LOG_LEVEL \"info\"\n    }}\n}}\n"
        );
    }
    for e in 0..ENVIRONMENTS {
        if e % 2 == 0 {
            let _ = writeln!(text, "environment \"env{e:02}\"");
        } else {
            let _ = writeln!(
                text,
                "environment \"env{e:02}\" {{\n    replicas 2\n    vars {{\n        LOG_LEVEL \"debug\"\n    }}\n}}"
            );
        }
    }
    text
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(run());
}

async fn requests(http: &reqwest::Client, admin: &str) -> u64 {
    let stats: serde_json::Value = http
        .get(format!("{admin}/stats"))
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats json");
    stats["requests"].as_u64().expect("a request count")
}

async fn run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = mirage::state::Location::File(dir.path().join("state.db"));
    let latency = Duration::from_millis(50);
    let (emulator, context) =
        serve_support::applied_project(dir.path(), &state, &project_text(), latency).await;
    let http = reqwest::Client::new();
    let admin = emulator.admin_url().to_string();
    let mut times = Vec::new();
    let mut sent = 0;
    for run in 0..RUNS {
        // A fresh directory and state each time: only Railway is there.
        let target = tempfile::tempdir().expect("tempdir");
        let mut context = context.clone();
        context.state = Some(mirage::state::Location::File(
            target.path().join(format!("state-{run}.db")),
        ));
        let before = requests(&http, &admin).await;
        let start = Instant::now();
        let (code, out) =
            mirage::cli::generate::generate_into(&context, target.path(), Some("bench"), false)
                .await
                .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
        times.push(start.elapsed());
        sent = requests(&http, &admin).await - before;
        assert_eq!(code, 0, "{out}");
        assert!(
            out.contains(&format!(
                "{ENVIRONMENTS} environment(s), {SERVICES} service(s)"
            )),
            "{out}"
        );
    }
    times.sort();
    // The pure generator on the same snapshot.
    let options = mirage::railway::ClientOptions {
        credentials: Some(mirage::railway::Credentials::Account(
            mirage::railway::Token::new("bench"),
        )),
        requests_per_second: 0.0,
        ..mirage::railway::ClientOptions::default()
    }
    .with_endpoint(emulator.url());
    let client = mirage::railway::Client::new(options).expect("client");
    let id = client
        .find_projects_by_name("bench", None)
        .await
        .expect("list")
        .first()
        .expect("the project")
        .id
        .inner()
        .to_owned();
    let start = Instant::now();
    let snapshot = client.read_project(&id).await.expect("snapshot");
    let read = start.elapsed();
    let start = Instant::now();
    let generated = generate(&snapshot, &Options::default());
    let pure = start.elapsed();
    assert_eq!(generated.services.len(), SERVICES);
    println!(
        "project: {ENVIRONMENTS} environments × {SERVICES} services, 50 ms latency per request, {RUNS} runs"
    );
    println!("| step | requests | median wall time | max wall time |");
    println!("| --- | ---: | ---: | ---: |");
    println!(
        "| `import --generate` (read, describe, check, write, record ownership) | {sent} | {:.0} ms | {:.0} ms |",
        times[RUNS / 2].as_secs_f64() * 1000.0,
        times[RUNS - 1].as_secs_f64() * 1000.0
    );
    println!(
        "| the snapshot read alone | 1 | {:.0} ms | |",
        read.as_secs_f64() * 1000.0
    );
    println!(
        "| the generator alone (pure, no IO) | 0 | {:.1} ms | |",
        pure.as_secs_f64() * 1000.0
    );
    emulator.shutdown().await;
}
