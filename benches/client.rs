//! The Railway client's overhead per request: the same request sent with
//! the client (typed operation, limiter, retry loop, classification, typed
//! decoding) and with bare reqwest, against a loopback server answering a
//! canned body; plus batch document rendering and snapshot decoding; then
//! the same against the emulator, and `read_project` of a seeded project.
//!
//! Run: `cargo bench --bench client` (set `MIRAGE_BENCH_ITERATIONS` to
//! change the sample size).

use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use cynic::{MutationBuilder, QueryBuilder};
use mirage::railway::batch::Template;
use mirage::railway::ops::common::IdVariables;
use mirage::railway::ops::project::ProjectQuery;
use mirage::railway::ops::service::{ServiceCreate, ServiceCreateInput, ServiceCreateVariables};
use mirage::railway::ops::snapshot::ProjectSnapshotQuery;
use mirage::railway::{Client, ClientOptions};
use serde_json::json;

fn project_body() -> String {
    json!({"data": {"project": {
        "id": "p1", "name": "demo", "description": null, "workspaceId": "w1",
        "isPublic": false, "prDeploys": false, "baseEnvironmentId": null, "deletedAt": null
    }}})
    .to_string()
}

/// A snapshot response for `environments` × `services`, each service with
/// `variables` variables in every environment.
fn snapshot_body(environments: usize, services: usize, variables: usize) -> serde_json::Value {
    let service_config = |index: usize| {
        let vars: serde_json::Map<String, serde_json::Value> = (0..variables)
            .map(|v| {
                (
                    format!("VAR_{v}"),
                    json!({"value": format!("value-{index}-{v}")}),
                )
            })
            .collect();
        json!({"source": {"image": "nginx:1"}, "deploy": {"numReplicas": 1, "startCommand": "run"},
            "variables": vars, "networking": {"serviceDomains": {format!("s{index}.up.railway.app"): {"port": 8080}}}})
    };
    let environment = |e: usize| {
        let services: serde_json::Map<String, serde_json::Value> = (0..services)
            .map(|s| (format!("s{s}"), service_config(s)))
            .collect();
        json!({"node": {"id": format!("e{e}"), "name": format!("env{e}"), "isEphemeral": false,
            "unmergedChangesCount": 0, "configEtag": "etag", "config": {"services": services}}})
    };
    let page = |edges: Vec<serde_json::Value>| json!({"edges": edges, "pageInfo": {"hasNextPage": false, "endCursor": null}});
    json!({"project": {"id": "p1", "name": "demo",
        "environments": page((0..environments).map(environment).collect()),
        "services": page((0..services).map(|s| json!({"node": {"id": format!("s{s}"), "name": format!("svc{s}")}})).collect()),
        "volumes": page(vec![])}})
}

fn summary(label: &str, samples: &mut [Duration]) -> Duration {
    samples.sort();
    let median = samples[samples.len() / 2];
    let p95 = samples[samples.len() * 95 / 100];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "{label:<48} median {:>9.1} µs   mean {:>9.1} µs   p95 {:>9.1} µs   (n = {})",
        median.as_secs_f64() * 1e6,
        mean.as_secs_f64() * 1e6,
        p95.as_secs_f64() * 1e6,
        samples.len()
    );
    median
}

fn main() {
    let iterations: usize = std::env::var("MIRAGE_BENCH_ITERATIONS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(2000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async move {
        let body = project_body();
        let router = Router::new().route(
            "/graphql/v2",
            post(move || {
                let body = body.clone();
                async move { ([("content-type", "application/json")], body) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!(
            "http://{}/graphql/v2",
            listener.local_addr().expect("address")
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });

        let client = Client::new(ClientOptions {
            requests_per_second: 0.0,
            ..ClientOptions::default().with_endpoint(url.clone())
        })
        .expect("client");
        let operation = || ProjectQuery::build(IdVariables { id: "p1".into() });
        let request_body = serde_json::to_vec(&operation()).expect("body");
        let raw = reqwest::Client::new();
        let raw_url = format!("{url}?source=mirage");

        // Warm both connection pools.
        for _ in 0..50 {
            client.query(operation()).await.expect("warm-up");
            raw.post(&raw_url)
                .body(request_body.clone())
                .send()
                .await
                .expect("raw")
                .bytes()
                .await
                .expect("raw body");
        }

        let mut raw_samples = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let started = Instant::now();
            let response = raw
                .post(&raw_url)
                .header("content-type", "application/json")
                .body(request_body.clone())
                .send()
                .await
                .expect("raw");
            let bytes = response.bytes().await.expect("raw body");
            std::hint::black_box(bytes);
            raw_samples.push(started.elapsed());
        }
        let mut client_samples = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let started = Instant::now();
            let project = client.query(operation()).await.expect("query");
            std::hint::black_box(project);
            client_samples.push(started.elapsed());
        }
        println!(
            "Railway client against a loopback server ({iterations} sequential requests each):"
        );
        let raw_median = summary("bare reqwest POST (baseline)", &mut raw_samples);
        let client_median = summary("Client::query(ProjectQuery)", &mut client_samples);
        println!(
            "{:<48} {:>9.1} µs per request (median difference)",
            "client overhead",
            (client_median.as_secs_f64() - raw_median.as_secs_f64()) * 1e6
        );

        let create = ServiceCreate::build(ServiceCreateVariables {
            input: ServiceCreateInput {
                project_id: "p1".into(),
                name: Some("web".into()),
                ..Default::default()
            },
        });
        let mut render_samples = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let started = Instant::now();
            let template = Template::parse(&create.query).expect("template");
            std::hint::black_box(template.render(25));
            render_samples.push(started.elapsed());
        }
        summary(
            "batch document, 25 aliased serviceCreate",
            &mut render_samples,
        );

        let snapshot = snapshot_body(5, 40, 20);
        let size = snapshot.to_string().len();
        let mut decode_samples = Vec::with_capacity(200);
        for _ in 0..200 {
            let value = snapshot.clone();
            let started = Instant::now();
            let decoded: ProjectSnapshotQuery = serde_json::from_value(value).expect("decode");
            std::hint::black_box(decoded);
            decode_samples.push(started.elapsed());
        }
        summary(
            &format!(
                "decode snapshot 5 env × 40 svc × 20 var ({} KiB)",
                size / 1024
            ),
            &mut decode_samples,
        );
        println!("requests sent by the client: {}", client.requests_sent());

        emulator_section(iterations / 4).await;
    });
}

/// Against the emulator: a single-project read, and `read_project` of a
/// project with 3 environments × 10 services.
async fn emulator_section(iterations: usize) {
    use mirage::emulator::{Emulator, Options};
    use mirage::railway::ops::environment::{
        EnvironmentCreate, EnvironmentCreateInput, EnvironmentCreateVariables,
    };
    use mirage::railway::ops::project::{
        ProjectCreate, ProjectCreateInput, ProjectCreateVariables,
    };
    use mirage::railway::{Credentials, Token};

    let emulator = Emulator::start(Options::default()).await.expect("emulator");
    let client = Client::new(ClientOptions {
        credentials: Some(Credentials::Account(Token::new("bench"))),
        requests_per_second: 0.0,
        ..ClientOptions::default().with_endpoint(emulator.url())
    })
    .expect("client");
    let project = client
        .mutate(ProjectCreate::build(ProjectCreateVariables {
            input: ProjectCreateInput {
                name: Some("bench".into()),
                ..Default::default()
            },
        }))
        .await
        .expect("projectCreate")
        .project_create;
    let project_id = project.id.into_inner();
    let environments = ["staging", "dev"]
        .into_iter()
        .map(|name| {
            EnvironmentCreate::build(EnvironmentCreateVariables {
                input: EnvironmentCreateInput {
                    project_id: project_id.clone(),
                    name: name.into(),
                    ..Default::default()
                },
            })
        })
        .collect();
    client.batch(environments).await.expect("environments");
    let services = (0..10)
        .map(|index| {
            ServiceCreate::build(ServiceCreateVariables {
                input: ServiceCreateInput {
                    project_id: project_id.clone(),
                    name: Some(format!("svc{index}")),
                    ..Default::default()
                },
            })
        })
        .collect();
    let created = client.batch(services).await.expect("services");
    assert!(created.iter().all(Result::is_ok));

    let operation = || {
        ProjectQuery::build(IdVariables {
            id: project_id.clone(),
        })
    };
    let body = serde_json::to_vec(&operation()).expect("body");
    let raw = reqwest::Client::new();
    let url = format!("{}?source=mirage", emulator.url());
    for _ in 0..20 {
        client.query(operation()).await.expect("warm-up");
        raw.post(&url)
            .header("content-type", "application/json")
            .header("authorization", "Bearer bench")
            .body(body.clone())
            .send()
            .await
            .expect("raw")
            .bytes()
            .await
            .expect("raw body");
    }
    let mut raw_samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        let response = raw
            .post(&url)
            .header("content-type", "application/json")
            .header("authorization", "Bearer bench")
            .body(body.clone())
            .send()
            .await
            .expect("raw");
        std::hint::black_box(response.bytes().await.expect("raw body"));
        raw_samples.push(started.elapsed());
    }
    let mut client_samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        std::hint::black_box(client.query(operation()).await.expect("query"));
        client_samples.push(started.elapsed());
    }
    println!("Against the emulator ({iterations} sequential requests each):");
    let raw_median = summary("bare reqwest POST project(id) (baseline)", &mut raw_samples);
    let client_median = summary("Client::query(ProjectQuery)", &mut client_samples);
    println!(
        "{:<48} {:>9.1} µs per request (median difference)",
        "client overhead",
        (client_median.as_secs_f64() - raw_median.as_secs_f64()) * 1e6
    );
    let before = client.requests_sent();
    let mut read_samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        let snapshot = client
            .read_project(&project_id)
            .await
            .expect("read_project");
        assert_eq!(snapshot.services.len(), 10);
        read_samples.push(started.elapsed());
    }
    summary(
        "read_project, 3 env × 10 svc (1 request each)",
        &mut read_samples,
    );
    assert_eq!(client.requests_sent() - before, iterations as u64);
    emulator.shutdown().await;
}
