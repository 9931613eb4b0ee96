//! Plan and apply against the emulator with 50 ms added latency, for a
//! project of 20 environments × 30 services: HTTP requests and wall time of
//! a first apply from nothing, a plan with no changes, and a one-variable
//! change. Run with `cargo bench --bench apply`; results go to
//! `docs/benchmarks.md` (`## Plan and apply`).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use mirage::apply::{self, Progress};
use mirage::emulator::{Emulator, Options};
use mirage::plan::{self, Filter, Owned};
use mirage::railway::{Client, ClientOptions, Credentials, Token};

const ENVIRONMENTS: usize = 20;
const SERVICES: usize = 30;

fn project_text() -> String {
    let mut text = String::from("project \"bench\"\n\n");
    for s in 0..SERVICES {
        let _ = writeln!(
            text,
            "service \"svc{s:02}\" {{\n    image \"nginx:1.27\"\n    port 8080\n    start \"nginx -g 'daemon off;'\"\n    vars {{\n        LOG_LEVEL \"info\"\n        UPSTREAM \"http://${{{{svc00.RAILWAY_PRIVATE_DOMAIN}}}}\"\n    }}\n}}\n"
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
    std::fs::write(dir.path().join("main.mirage"), project_text()).expect("write project");
    let analysis = mirage::resolve::load_dir(dir.path());
    assert!(!analysis.has_errors(), "the bench project resolves");
    let model = analysis.project;
    let emulator = Emulator::start(Options {
        clock: Duration::ZERO,
        latency: Duration::from_millis(50),
        ..Options::default()
    })
    .await
    .expect("emulator");
    let options = ClientOptions {
        credentials: Some(Credentials::Account(Token::new("bench"))),
        requests_per_second: 0.0,
        batch_size: 50,
        ..ClientOptions::default()
    }
    .with_endpoint(emulator.url());
    let client = Client::new(options).expect("client");
    let none = |_: &mirage::model::SecretRef| None;
    let owned = Owned::default();
    let filter = Filter::default();

    // First apply: nothing exists yet (the project lookup finds nothing).
    let start = Instant::now();
    let before = client.requests_sent();
    let found = client
        .find_projects_by_name("bench", None)
        .await
        .expect("list");
    assert!(found.is_empty());
    let first = plan::diff(&model, None, &owned, &filter, &none);
    let report = apply::apply(&client, &first, &none, &Progress::quiet()).await;
    assert!(report.succeeded(), "{:?}", report.steps);
    let first_requests = client.requests_sent() - before;
    let first_time = start.elapsed();
    let project_id = report
        .created
        .iter()
        .find(|(kind, ..)| kind == "project")
        .map(|(.., id)| id.clone())
        .expect("project created");

    // A plan with no changes: one read of the whole project.
    let start = Instant::now();
    let before = client.requests_sent();
    let snapshot = client.read_project(&project_id).await.expect("read");
    let again = plan::diff(&model, Some(&snapshot), &owned, &filter, &none);
    let plan_requests = client.requests_sent() - before;
    let plan_time = start.elapsed();
    assert!(!again.has_changes(), "{}", plan::render::text(&again));

    // One variable changed in one environment: one read, the configEtag
    // re-check before writing, one write.
    let mut changed = model.clone();
    if let Some(v) = changed.environments[7].services[3]
        .variables
        .get_mut("LOG_LEVEL")
    {
        v.value = mirage::model::VarValue::Plain("debug".into());
    }
    let start = Instant::now();
    let before = client.requests_sent();
    let snapshot = client.read_project(&project_id).await.expect("read");
    let one = plan::diff(&changed, Some(&snapshot), &owned, &filter, &none);
    assert_eq!(one.summary().update, 1);
    let report = apply::apply(&client, &one, &none, &Progress::quiet()).await;
    assert!(report.succeeded());
    let change_requests = client.requests_sent() - before;
    let change_time = start.elapsed();

    // The per-resource approach (the Terraform provider): 4–5 reads per
    // service instance and at least one write per resource.
    let instances = ENVIRONMENTS * SERVICES;
    println!(
        "project: {ENVIRONMENTS} environments × {SERVICES} services, 50 ms latency per request, batch size 50"
    );
    println!("| operation | Mirage requests | Mirage wall time | per-resource requests (≈) |");
    println!("| --- | ---: | ---: | ---: |");
    println!(
        "| first apply from nothing | {first_requests} | {:.2} s | {} |",
        first_time.as_secs_f64(),
        1 + ENVIRONMENTS + SERVICES + instances * 4
    );
    println!(
        "| plan, no changes | {plan_requests} | {:.2} s | {}–{} |",
        plan_time.as_secs_f64(),
        instances * 4,
        instances * 5
    );
    println!(
        "| one-variable change (plan + apply) | {change_requests} | {:.2} s | {}–{} |",
        change_time.as_secs_f64(),
        instances * 4 + 1,
        instances * 5 + 1
    );
    emulator.shutdown().await;
}
