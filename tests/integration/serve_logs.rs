//! An environment's logs in the team service (issue #19), over real HTTP
//! against the emulator: the lines of several services merged in time
//! order with their names, a subset, unknown services, who may read, no
//! secret in any answer, and following over server-sent events fed by
//! the observe engine, resumed with `Last-Event-ID` without gaps or
//! repeats.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::preview::shop;
use crate::serve_dashboard_api::caller;
use crate::serve_identity::{assert_error_shape, call, token_for, user};
use crate::support::{STRIPE, serve_config, serve_world};

const PROJECT: &str = "acme-shop";
const LOGS: &str = "/api/projects/acme-shop/environments/staging/logs";

fn lines(answer: &Value) -> Vec<Value> {
    answer["lines"].as_array().cloned().unwrap_or_default()
}

fn services(lines: &[Value]) -> BTreeSet<String> {
    lines
        .iter()
        .map(|l| l["service"].as_str().unwrap_or("?").to_owned())
        .collect()
}

fn in_time_order(lines: &[Value]) -> bool {
    let at =
        |l: &Value| mirage::observe::logs::time::parse_rfc3339(l["timestamp"].as_str().unwrap());
    lines.windows(2).all(|w| at(&w[0]) <= at(&w[1]))
}

#[tokio::test(flavor = "multi_thread")]
async fn environment_logs_merge_services_with_their_names_and_hide_secrets() {
    let world = shop().await;
    // Staging's `api` prints the secret's value in its start command: its
    // deploy log shows the command.
    world.edit("services.mirage", |text| {
        text.replacen(
            "start \"node dist/server.js\"",
            &format!("start \"node dist/server.js --key {STRIPE}\""),
            1,
        )
    });
    world
        .mirage(&["apply", ".", "--env", "staging", "--auto-approve"])
        .await
        .ok("apply staging");
    let running = serve_world(&world, serve_config(&world.path(), PROJECT)).await;
    let store = running.store().clone();
    let (_, viewer) = caller(&store, "vic", "viewer");

    // Three services merged, each line with its service, in time order
    // (the emulator's clock moves the deploy logs on: wait for all three).
    let three = format!("{LOGS}?service=api,web,worker");
    let deadline = Instant::now() + Duration::from_secs(60);
    let merged = loop {
        let answer = call(&running, "GET", &three, Some(&viewer), None).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert!(!answer.text.contains(STRIPE), "{}", answer.text);
        let merged = lines(&answer.body);
        let command = merged.iter().any(|l| {
            l["message"]
                .as_str()
                .unwrap_or("")
                .starts_with("$ node dist/server.js --key")
        });
        if services(&merged).len() == 3 && command {
            break merged;
        }
        assert!(Instant::now() < deadline, "{}", answer.text);
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        services(&merged),
        ["api", "web", "worker"].map(str::to_owned).into(),
        "{merged:?}"
    );
    assert!(in_time_order(&merged), "{merged:?}");
    // The newest deployment of `api` (the one with the secret) printed
    // the last command.
    let command = merged
        .iter()
        .rev()
        .find(|l| l["service"] == "api" && l["message"].as_str().unwrap().starts_with("$ "))
        .expect("api's start command");
    assert_eq!(
        command["message"], "$ node dist/server.js --key (sensitive)",
        "{merged:?}"
    );

    // All services by default: the three and the others of staging.
    let all = call(&running, "GET", LOGS, Some(&viewer), None).await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert!(!all.text.contains(STRIPE));
    let everything = lines(&all.body);
    assert!(in_time_order(&everything));
    let names = services(&everything);
    assert!(names.is_superset(&services(&merged)), "{names:?}");
    assert!(
        names.is_subset(
            &["api", "web", "worker", "db", "cache"]
                .map(str::to_owned)
                .into()
        ),
        "{names:?}"
    );

    // A subset: one service's lines only; the per-service route is the
    // same answer.
    let api = call(
        &running,
        "GET",
        &format!("{LOGS}?service=api"),
        Some(&viewer),
        None,
    )
    .await;
    assert_eq!(api.status, 200, "{}", api.text);
    let api = lines(&api.body);
    assert!(!api.is_empty());
    assert_eq!(services(&api), ["api".to_owned()].into());
    let single = call(
        &running,
        "GET",
        "/api/projects/acme-shop/environments/staging/services/api/logs",
        Some(&viewer),
        None,
    )
    .await;
    assert_eq!(single.status, 200, "{}", single.text);
    assert_eq!(services(&lines(&single.body)), ["api".to_owned()].into());

    // The previous page: the newest lines before a time.
    let newest = merged.last().unwrap()["timestamp"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = call(
        &running,
        "GET",
        &format!("{LOGS}?service=api,web,worker&before={newest}&limit=2"),
        Some(&viewer),
        None,
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.text);
    let page = lines(&page.body);
    let at =
        |l: &Value| mirage::observe::logs::time::parse_rfc3339(l["timestamp"].as_str().unwrap());
    assert_eq!(page.len(), 2, "{page:?}");
    assert!(page.iter().all(|l| at(l) <= at(merged.last().unwrap())));

    // Followed, the secret is hidden too.
    let mut stream = reqwest::Client::new()
        .get(format!(
            "http://{}{LOGS}/follow?service=api",
            running.addr()
        ))
        .header("authorization", format!("Bearer {viewer}"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status().as_u16(), 200);
    let events = read_events(&mut stream, |e| {
        e.iter()
            .any(|e| e.data.contains("$ node dist/server.js --key"))
    })
    .await;
    drop(stream);
    assert!(
        events.iter().all(|e| !e.data.contains(STRIPE)),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.data.contains("$ node dist/server.js --key (sensitive)")),
        "{events:?}"
    );

    // The text download names each line's service, and hides the secret.
    let text = reqwest::Client::new()
        .get(format!("http://{}{three}&format=text", running.addr()))
        .header("authorization", format!("Bearer {viewer}"))
        .send()
        .await
        .unwrap();
    assert_eq!(text.status().as_u16(), 200);
    let body = text.text().await.unwrap();
    assert!(
        body.contains(" api ") && body.contains(" worker "),
        "{body}"
    );
    assert!(
        body.contains("(sensitive)") && !body.contains(STRIPE),
        "{body}"
    );

    // An unknown service: the API's 404; bad input: the API's 400.
    let unknown = call(
        &running,
        "GET",
        &format!("{LOGS}?service=api,nope"),
        Some(&viewer),
        None,
    )
    .await;
    assert_error_shape(&unknown, 404);
    assert_eq!(unknown.body["error"]["code"], "mirage::serve::not_found");
    let bad = call(
        &running,
        "GET",
        &format!("{LOGS}?since=yesterday"),
        Some(&viewer),
        None,
    )
    .await;
    assert_error_shape(&bad, 400);
    let bad = call(
        &running,
        "GET",
        &format!("{LOGS}?level=loud"),
        Some(&viewer),
        None,
    )
    .await;
    assert_error_shape(&bad, 400);
    // A followed stream has no end.
    let bad = call(
        &running,
        "GET",
        &format!("{LOGS}/follow?since=1h&to=5m"),
        Some(&viewer),
        None,
    )
    .await;
    assert_error_shape(&bad, 400);

    // No role in the project: 404, as for anything of it.
    let stranger = user(&store, "sam");
    let (_, stranger) = token_for(&store, &stranger, PROJECT, "viewer");
    let refused = call(&running, "GET", LOGS, Some(&stranger), None).await;
    assert_error_shape(&refused, 404);
    let refused = call(
        &running,
        "GET",
        &format!("{LOGS}/follow"),
        Some(&stranger),
        None,
    )
    .await;
    assert_error_shape(&refused, 404);
    running.shutdown().await;
}

/// One server-sent event.
#[derive(Debug, Clone)]
struct Sse {
    event: String,
    id: Option<String>,
    data: String,
}

/// Reads `response`'s events until `enough` says so (or 30 s pass).
async fn read_events(
    response: &mut reqwest::Response,
    enough: impl Fn(&[Sse]) -> bool,
) -> Vec<Sse> {
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !enough(&events) {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "events in time: {events:?}");
        let chunk = tokio::time::timeout(left, response.chunk())
            .await
            .expect("events in time")
            .expect("the stream reads")
            .expect("the stream stays open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let mut event = Sse {
                event: "message".into(),
                id: None,
                data: String::new(),
            };
            let mut any = false;
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event.event = v.trim().to_owned();
                    any = true;
                } else if let Some(v) = line.strip_prefix("id:") {
                    event.id = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("data:") {
                    event.data.push_str(v.trim_start());
                    any = true;
                }
            }
            if any {
                events.push(event);
            }
        }
    }
    events
}

fn line_events(events: &[Sse]) -> Vec<(String, Value)> {
    events
        .iter()
        .filter(|e| e.event == "line")
        .map(|e| {
            (
                e.id.clone().expect("a line has an id"),
                serde_json::from_str(&e.data).expect("a line is JSON"),
            )
        })
        .collect()
}

fn key(line: &Value) -> String {
    format!(
        "{}|{}|{}",
        line["timestamp"].as_str().unwrap(),
        line["service"].as_str().unwrap(),
        line["message"].as_str().unwrap()
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn follow_streams_new_lines_and_a_reconnect_repeats_nothing() {
    let world = shop().await;
    let running = serve_world(&world, serve_config(&world.path(), PROJECT)).await;
    let store = running.store().clone();
    let (_, viewer) = caller(&store, "vic", "viewer");
    let follow = format!(
        "http://{}{LOGS}/follow?service=api,web&limit=20",
        running.addr()
    );
    let client = reqwest::Client::new();
    let open = |last: Option<String>| {
        let mut request = client
            .get(&follow)
            .header("authorization", format!("Bearer {viewer}"));
        if let Some(last) = last {
            request = request.header("last-event-id", last);
        }
        request.send()
    };

    // Every replica writes lines from now on: the stream delivers them.
    world
        .harness
        .admin("logs", json!({"ratePerReplica": 20}))
        .await;
    let mut first = open(None).await.unwrap();
    assert_eq!(first.status().as_u16(), 200);
    assert!(
        first.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let events = read_events(&mut first, |e| {
        e.iter().filter(|e| e.event == "line").count() >= 60
    })
    .await;
    assert_eq!(events[0].event, "open", "a retry hint first: {events:?}");
    let before = line_events(&events);
    // Each id is the line's timestamp (`#N` for the N-th at one time).
    for (id, line) in &before {
        assert!(id.starts_with(line["timestamp"].as_str().unwrap()), "{id}");
    }
    assert_eq!(
        services(&before.iter().map(|(_, l)| l.clone()).collect::<Vec<_>>()),
        ["api", "web"].map(str::to_owned).into()
    );
    // The reader goes away; lines keep coming meanwhile; it comes back
    // with the last id it got (as a browser's EventSource does).
    let last = before.last().unwrap().0.clone();
    drop(first);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut second = open(Some(last)).await.unwrap();
    assert_eq!(second.status().as_u16(), 200);
    let events = read_events(&mut second, |e| {
        e.iter().filter(|e| e.event == "line").count() >= 60
    })
    .await;
    drop(second);
    world
        .harness
        .admin("logs", json!({"ratePerReplica": 0}))
        .await;
    let after = line_events(&events);

    // What the two connections delivered is exactly the history between
    // the first line and the last: no gap, nothing twice.
    let got: Vec<Value> = before
        .iter()
        .chain(after.iter())
        .map(|(_, l)| l.clone())
        .collect();
    assert!(in_time_order(&got), "{got:?}");
    let stamp = |l: &Value| l["timestamp"].as_str().unwrap().to_owned();
    let at =
        |l: &Value| mirage::observe::logs::time::parse_rfc3339(l["timestamp"].as_str().unwrap());
    let (start, end) = (stamp(&got[0]), stamp(got.last().unwrap()));
    let (from, to) = (at(&got[0]), at(got.last().unwrap()));
    let history = call(
        &running,
        "GET",
        &format!("{LOGS}?service=api,web&from={start}&to={end}&limit=1000"),
        Some(&viewer),
        None,
    )
    .await;
    assert_eq!(history.status, 200, "{}", history.text);
    // Lines at the first and last instants may lie outside what was read.
    let inside = |l: &&Value| at(l) > from && at(l) < to;
    let mut want: Vec<String> = lines(&history.body)
        .iter()
        .filter(inside)
        .map(key)
        .collect();
    let mut have: Vec<String> = got.iter().filter(inside).map(key).collect();
    assert!(want.len() > 60, "{} lines between", want.len());
    want.sort();
    have.sort();
    assert_eq!(have, want, "every line exactly once across the reconnect");

    // A stream ends when the service stops (the browser reconnects, to
    // another replica).
    let mut third = open(None).await.unwrap();
    read_events(&mut third, |e| !e.is_empty()).await;
    let stopping = tokio::spawn(running.shutdown());
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(_)) = third.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ended when the service stopped");
    tokio::time::timeout(Duration::from_secs(20), stopping)
        .await
        .expect("the service stops")
        .unwrap();
}
