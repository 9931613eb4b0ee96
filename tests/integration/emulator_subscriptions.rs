//! Subscriptions over `graphql-transport-ws` that the CLI's 5.43.1 documents
//! do not cover but Railway's schema has and the brief asks for:
//! `deploymentEvents` (each step once, in order, with the failure where a
//! deployment fails) and `environmentLogs` with Railway's filter syntax.

use crate::support;

use std::time::Duration;

use mirage::emulator::Options;
use serde_json::{Value, json};
use support::{Harness, Ws, next_message, send_message};

const HOUR: u64 = 3_600_000;

async fn slow() -> Harness {
    Harness::with(Options {
        clock: Duration::from_secs(3600),
        ..Options::default()
    })
    .await
}

/// The next message, or `None` when nothing comes within `ms`.
async fn maybe_message(ws: &mut Ws, ms: u64) -> Option<Value> {
    tokio::time::timeout(Duration::from_millis(ms), next_message(ws))
        .await
        .ok()
}

const EVENTS: &str = "subscription($id: String!) { deploymentEvents(id: $id) { id step completedAt payload { error durationMs } } }";

#[tokio::test]
async fn deployment_events_arrive_once_each_in_order() {
    let h = slow().await;
    let (pid, env) = h.project("p").await;
    let web = h.service(&pid, "web", "nginx").await;
    let db = h.service(&pid, "db", "postgres").await;
    h.admin("outcomes", json!({"db": "CRASHED"})).await;
    let ok = h.deploy(&env, &web).await;
    let crashed = h.deploy(&env, &db).await;
    let (mut ws, _) = h.socket().await;
    for (id, deployment) in [("ok", &ok), ("crashed", &crashed)] {
        send_message(
            &mut ws,
            json!({"id": id, "type": "subscribe", "payload": {"query": EVENTS, "variables": {"id": deployment}}}),
        )
        .await;
    }
    // Nothing has completed yet: no event.
    assert_eq!(maybe_message(&mut ws, 300).await, None);
    let mut seen: Vec<(String, Value)> = Vec::new();
    for _ in 0..3 {
        h.admin("clock", json!({"advance_ms": HOUR})).await;
        while let Some(msg) = maybe_message(&mut ws, 500).await {
            assert_eq!(msg["type"], "next", "{msg}");
            let id = msg["id"].as_str().unwrap().to_string();
            seen.push((id, msg["payload"]["data"]["deploymentEvents"].clone()));
        }
    }
    let steps = |who: &str| -> Vec<String> {
        seen.iter()
            .filter(|(id, _)| id == who)
            .map(|(_, e)| e["step"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        steps("ok"),
        [
            "SNAPSHOT_CODE",
            "BUILD_IMAGE",
            "PUBLISH_IMAGE",
            "CREATE_CONTAINER",
            "HEALTHCHECK",
            "CONFIGURE_NETWORK"
        ]
    );
    assert_eq!(
        steps("crashed"),
        [
            "SNAPSHOT_CODE",
            "BUILD_IMAGE",
            "PUBLISH_IMAGE",
            "CREATE_CONTAINER",
            "HEALTHCHECK"
        ]
    );
    for (_, e) in &seen {
        assert!(e["completedAt"].is_string(), "only completed steps: {e}");
    }
    let healthcheck = |who: &str| {
        seen.iter()
            .find(|(id, e)| id == who && e["step"] == "HEALTHCHECK")
            .map(|(_, e)| e["payload"]["error"].clone())
            .unwrap()
    };
    assert_eq!(healthcheck("ok"), Value::Null);
    assert_eq!(healthcheck("crashed"), "container exited with code 1");
    // The query answers the same steps the stream sent.
    let r = h
        .gql(
            "query($id: String!) { deploymentEvents(id: $id) { edges { node { step } } } }",
            json!({"id": crashed}),
        )
        .await;
    let queried: Vec<_> = r.data()["deploymentEvents"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["step"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(queried, steps("crashed"));
    // An unknown deployment is refused, not streamed.
    send_message(
        &mut ws,
        json!({"id": "nope", "type": "subscribe", "payload": {"query": EVENTS, "variables": {"id": "00000000-0000-0000-0000-000000000000"}}}),
    )
    .await;
    let msg = next_message(&mut ws).await;
    assert_eq!(msg["id"], "nope");
    assert!(
        msg["type"] == "error" || msg["payload"]["errors"].is_array(),
        "{msg}"
    );
}

#[tokio::test]
async fn environment_logs_stream_with_railways_filter() {
    let h = slow().await;
    let (pid, env) = h.project("p").await;
    let web = h.service(&pid, "web", "nginx").await;
    let db = h.service(&pid, "db", "postgres").await;
    h.deploy(&env, &web).await;
    h.deploy(&env, &db).await;
    h.admin("clock", json!({"advance_ms": 3 * HOUR})).await;
    let (mut ws, _) = h.socket().await;
    let q = "subscription($e: String!, $f: String) { environmentLogs(environmentId: $e, filter: $f) { message tags { serviceId } } }";
    send_message(
        &mut ws,
        json!({"id": "db", "type": "subscribe", "payload": {"query": q, "variables": {"e": env, "f": format!("@service:{db} AND -\"Listening\"")}}}),
    )
    .await;
    let msg = next_message(&mut ws).await;
    assert_eq!(msg["type"], "next", "{msg}");
    let lines = msg["payload"]["data"]["environmentLogs"]
        .as_array()
        .unwrap();
    assert!(!lines.is_empty(), "{msg}");
    for l in lines {
        assert_eq!(l["tags"]["serviceId"], db.as_str(), "{l}");
        assert!(!l["message"].as_str().unwrap().contains("Listening"), "{l}");
    }
    // A new deployment of web writes lines the db stream does not pass on.
    h.deploy(&env, &web).await;
    h.admin("clock", json!({"advance_ms": 3 * HOUR})).await;
    assert_eq!(maybe_message(&mut ws, 500).await, None);
    // A filter that does not parse is refused.
    send_message(
        &mut ws,
        json!({"id": "bad", "type": "subscribe", "payload": {"query": q, "variables": {"e": env, "f": "(@service:x"}}}),
    )
    .await;
    let msg = next_message(&mut ws).await;
    assert_eq!(msg["id"], "bad");
    let text = msg.to_string();
    assert!(text.contains("filter"), "{text}");
}
