//! The emulator's knobs over real HTTP: faults (5xx with and without body,
//! Cloudflare's HTML 403, dropped connections; before or after carrying the
//! request out; on the Nth request, at a seeded rate, or on one operation), rate limits with Railway's headers, latency, counters,
//! reset, and persistence across a restart with a data file.

use crate::support;

use std::time::{Duration, Instant};

use mirage::emulator::{Options, RateLimit};
use serde_json::json;
use support::Harness;

const ME: &str = "{ me { id } }";

#[tokio::test]
async fn status_faults_with_and_without_body() {
    let h = Harness::start().await;
    h.admin("faults", json!({"faults": [{"kind": "status", "status": 502, "body": true, "nth": 1}, {"kind": "status", "status": 503, "nth": 2}]})).await;
    let r = h.gql(ME, json!({})).await;
    assert_eq!(r.status, 502);
    assert_eq!(r.body["errors"][0]["message"], "Bad Gateway");
    let r = h.gql(ME, json!({})).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.text, "", "no body");
    let r = h.gql(ME, json!({})).await;
    assert_eq!(r.status, 200, "rules fire once each");
}

#[tokio::test]
async fn cloudflare_html_403() {
    let h = Harness::start().await;
    h.admin(
        "faults",
        json!({"faults": [{"kind": "cloudflare", "nth": 1}]}),
    )
    .await;
    let r = h.gql(ME, json!({})).await;
    assert_eq!(r.status, 403);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(r.text.contains("Access denied"));
}

#[tokio::test]
async fn dropped_connection() {
    let h = Harness::start().await;
    h.admin("faults", json!({"faults": [{"kind": "drop", "nth": 1}]}))
        .await;
    let err = h
        .http
        .post(h.emu.url())
        .bearer_auth("t")
        .json(&json!({"query": ME}))
        .send()
        .await
        .expect_err("the connection is closed without an answer");
    assert!(
        err.is_request() || err.is_connect() || err.to_string().contains("connection"),
        "{err:?}"
    );
    assert_eq!(
        h.gql(ME, json!({})).await.status,
        200,
        "the next request is served"
    );
}

#[tokio::test]
async fn a_fault_after_execution_commits_the_work_and_loses_the_answer() {
    let h = Harness::start().await;
    h.admin(
        "faults",
        json!({"faults": [{"kind": "drop", "after": true, "operation": "projectCreate", "nth": 1}]}),
    )
    .await;
    // Not a `projectCreate`: not counted by the rule.
    assert_eq!(h.gql(ME, json!({})).await.status, 200);
    let err = h
        .http
        .post(h.emu.url())
        .bearer_auth("t")
        .json(&json!({"query": "mutation { projectCreate(input: {name: \"lost\"}) { id } }"}))
        .send()
        .await
        .expect_err("the connection is closed without an answer");
    assert!(!err.is_connect(), "the request was sent: {err:?}");
    let r = h
        .gql("{ projects { edges { node { name } } } }", json!({}))
        .await;
    assert_eq!(
        r.data()["projects"]["edges"],
        json!([{"node": {"name": "lost"}}]),
        "the project was created although its answer was lost"
    );
    let stats = h.stats().await;
    assert_eq!(stats["faults_injected"], 1);
    assert_eq!(stats["by_operation"]["projectCreate"], 1, "{stats}");

    // A gateway error after the work, matched on an aliased root field.
    let (pid, _) = h.project("p").await;
    h.admin(
        "faults",
        json!({"faults": [{"kind": "status", "status": 502, "after": true, "operation": "serviceCreate", "nth": 1}]}),
    )
    .await;
    let r = h
        .gql(
            "mutation Batch($p: String!) { b0: serviceCreate(input: {projectId: $p, name: \"web\"}) { id } }",
            json!({"p": pid}),
        )
        .await;
    assert_eq!(r.status, 502);
    let r = h
        .gql(
            "query($p: String!) { project(id: $p) { services { edges { node { name } } } } }",
            json!({"p": pid}),
        )
        .await;
    assert_eq!(
        r.data()["project"]["services"]["edges"],
        json!([{"node": {"name": "web"}}])
    );

    // Without `after`, the fault replaces the request: nothing happens.
    h.admin(
        "faults",
        json!({"faults": [{"kind": "status", "status": 503, "operation": "serviceCreate", "nth": 1}]}),
    )
    .await;
    let r = h
        .gql(
            "mutation($p: String!) { serviceCreate(input: {projectId: $p, name: \"api\"}) { id } }",
            json!({"p": pid}),
        )
        .await;
    assert_eq!(r.status, 503);
    let r = h
        .gql(
            "query($p: String!) { project(id: $p) { services { edges { node { name } } } } }",
            json!({"p": pid}),
        )
        .await;
    assert_eq!(
        r.data()["project"]["services"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn a_429_fault_can_carry_retry_after() {
    let h = Harness::start().await;
    h.admin(
        "faults",
        json!({"faults": [{"kind": "status", "status": 429, "body": true, "retry_after": 2, "nth": 1}]}),
    )
    .await;
    let r = h.gql(ME, json!({})).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.headers["retry-after"], "2");
}

#[tokio::test]
async fn seeded_rate_faults_repeat() {
    let mut runs = vec![];
    for _ in 0..2 {
        let h = Harness::start().await;
        h.admin(
            "faults",
            json!({"faults": [{"kind": "status", "status": 500, "rate": 0.3, "seed": 42}]}),
        )
        .await;
        let mut statuses = vec![];
        for _ in 0..30 {
            statuses.push(h.gql(ME, json!({})).await.status);
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1], "same seed, same requests fail");
    let failed = runs[0].iter().filter(|s| **s == 500).count();
    assert!((3..=18).contains(&failed), "{failed} of 30 failed");
}

#[tokio::test]
async fn rate_limit_headers_and_429() {
    let h = Harness::with(Options {
        clock: Duration::ZERO,
        rate_limit: Some(RateLimit {
            limit: 3,
            window_secs: 60,
        }),
        ..Options::default()
    })
    .await;
    for remaining in [2, 1, 0] {
        let r = h.gql(ME, json!({})).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.headers["x-ratelimit-limit"], "3");
        assert_eq!(r.headers["ratelimit-policy"], "3;w=60");
        assert_eq!(
            r.headers["x-ratelimit-remaining"],
            remaining.to_string().as_str()
        );
        let reset: i64 = r.headers["x-ratelimit-reset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(reset > 1_700_000_000, "unix seconds");
        assert!(r.headers.get("retry-after").is_none());
    }
    let r = h.gql(ME, json!({})).await;
    assert_eq!(r.status, 429);
    let retry: u64 = r.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("integer seconds");
    assert!((1..=60).contains(&retry));
    assert_eq!(r.headers["x-ratelimit-remaining"], "0");
    assert_eq!(r.headers["ratelimit-policy"], "3;w=60");
    let r = h
        .gql(
            "{ me { apiTokenRateLimit { remainingPoints resetsAt } } }",
            json!({}),
        )
        .await;
    assert_eq!(r.status, 429);
    // Raising the limit through the admin API opens a fresh window.
    h.admin("rate-limit", json!({"limit": 10, "window_secs": 60}))
        .await;
    let r = h
        .gql(
            "{ me { apiTokenRateLimit { remainingPoints } } }",
            json!({}),
        )
        .await;
    assert_eq!(r.data()["me"]["apiTokenRateLimit"]["remainingPoints"], 9);
}

#[tokio::test]
async fn latency_is_added() {
    let h = Harness::start().await;
    h.admin("latency", json!({"ms": 300})).await;
    let t = Instant::now();
    assert_eq!(h.gql(ME, json!({})).await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn stats_count_requests_by_operation_and_reset_clears() {
    let h = Harness::start().await;
    h.gql("query Who { me { id } }", json!({})).await;
    h.gql("query Who { me { id } }", json!({})).await;
    h.project("p").await;
    let stats = h.stats().await;
    assert_eq!(stats["requests"], 3);
    assert_eq!(stats["by_operation"]["Who"], 2);
    assert_eq!(stats["by_operation"]["projectCreate"], 1);
    h.admin("reset", json!({})).await;
    let r = h
        .gql("{ projects { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(r.data()["projects"]["edges"], json!([]));
    let stats = h.stats().await;
    assert_eq!(stats["requests"], 1);
}

#[tokio::test]
async fn state_survives_restart_with_a_data_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("emulator.sqlite");
    let options = Options {
        data: Some(data.clone()),
        clock: Duration::ZERO,
        ..Options::default()
    };
    let h = Harness::with(options.clone()).await;
    let (pid, env) = h.project("kept").await;
    let sid = h.service(&pid, "web", "nginx").await;
    h.commit(&env, json!({"sharedVariables": {"K": {"value": "v"}}}))
        .await
        .data();
    let (_, etag) = h.config(&env).await;
    h.emu.shutdown().await;

    let h = Harness::with(options).await;
    let r = h
        .gql(
            "query($p: String!) { project(id: $p) { name services { edges { node { id } } } } }",
            json!({"p": pid}),
        )
        .await;
    assert_eq!(r.data()["project"]["name"], "kept");
    assert_eq!(
        r.data()["project"]["services"]["edges"][0]["node"]["id"],
        sid.as_str()
    );
    let (config, etag2) = h.config(&env).await;
    assert_eq!(config["sharedVariables"]["K"]["value"], "v");
    assert_eq!(etag, etag2);
}
