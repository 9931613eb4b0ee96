//! `mirage logs` (issue #19): merging and printing 1,000,000 lines of three
//! services to a file (text and NDJSON), and the time to the first line of
//! `--follow` with 50 ms of latency on the emulator, against its round
//! trip. Run with `cargo bench --profile dev --bench logs`; results go to
//! `docs/benchmarks.md` (`## mirage logs`).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::time::{Duration, Instant};

use mirage::cli::logs::{Format, Printer};
use mirage::emulator::{Emulator, Options};
use mirage::observe::logs::merge::Merge;
use mirage::observe::logs::{self, Kind, LogLine, Request, Service, Target, Window, time};
use mirage::railway::{Client, ClientOptions, Credentials, Effect, Token};
use serde_json::{Value, json};

const LINES: usize = 1_000_000;
const SERVICES: [&str; 3] = ["api", "web", "worker"];

/// One service's lines, in time order: request lines with attributes,
/// some warnings and errors, as an HTTP service writes them.
fn source(index: usize, count: usize) -> Vec<LogLine> {
    let start = 1_796_601_600_000_i64;
    (0..count)
        .map(|i| {
            let at = start + (i as i64) * 3 + index as i64;
            let (severity, message) = match i % 50 {
                0 => (
                    "error",
                    format!("upstream timed out after 5000 ms (request {i})"),
                ),
                1..=3 => ("warn", format!("slow query: 812 ms (request {i})")),
                _ => ("info", format!("GET /api/items/{i} 200 in 12 ms")),
            };
            LogLine {
                at,
                timestamp: time::rfc3339(at),
                service: SERVICES[index].to_owned(),
                service_id: Some(format!("svc-{index}")),
                deployment: Some(format!("dep-{index}")),
                replica: Some(format!("rep-{index}-{}", i % 2)),
                kind: Kind::Deploy,
                severity: Some(severity.to_owned()),
                message,
                attributes: vec![
                    ("level".to_owned(), severity.to_owned()),
                    ("path".to_owned(), format!("/api/items/{i}")),
                    ("status".to_owned(), "200".to_owned()),
                    ("ms".to_owned(), "12".to_owned()),
                ],
            }
        })
        .collect()
}

fn sources() -> Vec<Vec<LogLine>> {
    let per = LINES / SERVICES.len();
    (0..SERVICES.len())
        .map(|i| source(i, per + usize::from(i < LINES % SERVICES.len())))
        .collect()
}

fn print_to_file(format: Format, label: &str) {
    let sources = sources();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logs.out");
    let file = std::fs::File::create(&path).expect("file");
    let started = Instant::now();
    let mut printer = Printer::new(file, format);
    let mut n = 0usize;
    for line in Merge::new(sources.into_iter().map(Vec::into_iter)) {
        printer.line(&line).expect("write");
        n += 1;
    }
    printer.finish().expect("flush");
    let elapsed = started.elapsed();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "merge + print {label}: {n} lines of {} services in {:.0} ms = {:.0} lines/s ({:.1} MB written)",
        SERVICES.len(),
        elapsed.as_secs_f64() * 1000.0,
        n as f64 / elapsed.as_secs_f64(),
        size as f64 / 1e6
    );
}

async fn gql(client: &Client, query: &str, variables: Value) -> Value {
    let envelope = client
        .execute(query, &variables, None, Effect::Write)
        .await
        .expect("the emulator answers");
    assert!(envelope.errors.is_none(), "{:?}", envelope.errors);
    envelope.data.unwrap_or_default()
}

async fn first_line_of_follow() {
    let emulator = Emulator::start(Options {
        clock: Duration::ZERO,
        ..Options::default()
    })
    .await
    .expect("emulator");
    let options = ClientOptions {
        credentials: Some(Credentials::Account(Token::new("bench"))),
        requests_per_second: 0.0,
        ..ClientOptions::default()
    }
    .with_endpoint(emulator.url());
    let client = Client::new(options).expect("client");
    let project = gql(
        &client,
        "mutation { projectCreate(input: {name: \"bench\"}) { id environments { edges { node { id } } } } }",
        json!({}),
    )
    .await;
    let env = project["projectCreate"]["environments"]["edges"][0]["node"]["id"]
        .as_str()
        .expect("env")
        .to_owned();
    let project_id = project["projectCreate"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let mut services = BTreeMap::new();
    for name in SERVICES {
        let created = gql(
            &client,
            "mutation($p: String!, $n: String) { serviceCreate(input: {projectId: $p, name: $n, source: {image: \"nginx:1.27\"}}) { id } }",
            json!({"p": project_id, "n": name}),
        )
        .await;
        let id = created["serviceCreate"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        gql(
            &client,
            "mutation($e: String!, $s: String!) { serviceInstanceDeployV2(environmentId: $e, serviceId: $s) }",
            json!({"e": env, "s": id}),
        )
        .await;
        services.insert(
            id.clone(),
            Service {
                id,
                name: name.to_owned(),
                latest_deployment: None,
            },
        );
    }
    let target = Target {
        environment_id: env.clone(),
        environment: "production".to_owned(),
        services,
    };
    // 50 ms on every request from now on.
    let admin = format!("{}/latency", emulator.admin_url());
    reqwest::Client::new()
        .post(admin)
        .json(&json!({"ms": 50}))
        .send()
        .await
        .expect("latency knob");
    let mut round_trips = Vec::new();
    let mut firsts = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        gql(
            &client,
            "query($e: String!) { environmentLogs(environmentId: $e, beforeLimit: 1) { timestamp } }",
            json!({"e": env}),
        )
        .await;
        round_trips.push(started.elapsed());

        let request = Request {
            filter: None,
            level: None,
            services: None,
            window: Window::Tail(100),
            build: false,
            latest_only: false,
        };
        let started = Instant::now();
        let mut first = None;
        let mut on_line = |_: &LogLine| {
            first = Some(started.elapsed());
            Err(std::io::Error::other("first line"))
        };
        let mut on_notice = |_| {};
        let _ = logs::follow(&client, &target, &request, &mut on_line, &mut on_notice).await;
        firsts.push(first.expect("a first line"));
    }
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    println!(
        "follow, 50 ms latency: round trip (one query) median {:.1} ms [{}]; first line after subscribing median {:.1} ms [{}]",
        ms(&median(&mut round_trips)),
        round_trips
            .iter()
            .map(|d| format!("{:.1}", ms(d)))
            .collect::<Vec<_>>()
            .join(", "),
        ms(&median(&mut firsts)),
        firsts
            .iter()
            .map(|d| format!("{:.1}", ms(d)))
            .collect::<Vec<_>>()
            .join(", "),
    );
}

fn main() {
    let _ = std::io::stdout().flush();
    print_to_file(
        Format::Text {
            color: false,
            width: 6,
        },
        "text",
    );
    print_to_file(Format::Json, "NDJSON");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(first_line_of_follow());
}
