//! The Railway client against the emulator over HTTP (a real socket): the
//! one-request project read, aliased batch creates, pagination, a log
//! subscription, auth. Every single operation: `railway_emulator_ops.rs`.

use crate::railway_support;

use std::time::Duration;

use cynic::{MutationBuilder, QueryBuilder, SubscriptionBuilder};
use mirage::emulator::{FaultKind, FaultRule, Options, RateLimit};
use mirage::railway::ops::deployment::{DeployVariables, ServiceInstanceDeployV2};
use mirage::railway::ops::logs::{DeploymentLogsSubscription, LogStreamVariables};
use mirage::railway::ops::project::{
    ProjectCreate, ProjectCreateInput, ProjectCreateVariables, ProjectsQuery, ProjectsVariables,
};
use mirage::railway::{Client, ClientOptions, ErrorKind};
use railway_support::emulator::{emulator_requests, emulator_stats, seed, start, start_with};

#[tokio::test]
async fn read_project_is_one_request_and_batches_are_one_request_each() {
    let (emulator, client) = start().await;
    let before = emulator_requests(&emulator).await;
    let (project_id, services) = seed(&client).await;
    // projectCreate, one environment batch, one service batch.
    assert_eq!(emulator_requests(&emulator).await - before, 3);
    assert_eq!(client.requests_sent(), 3);

    let before = emulator_requests(&emulator).await;
    let snapshot = client
        .read_project(&project_id)
        .await
        .expect("read_project");
    assert_eq!(
        emulator_requests(&emulator).await - before,
        1,
        "a whole project is one request"
    );
    let names: Vec<&str> = snapshot.environments.keys().map(String::as_str).collect();
    assert_eq!(names, ["dev", "production", "staging"]);
    assert_eq!(snapshot.services.len(), 4);
    for (name, id) in &services {
        assert_eq!(snapshot.service_id(name), Some(id.as_str()));
    }
    let production = snapshot.environment("production").unwrap();
    assert!(!production.config_etag.is_empty());
    let web = snapshot.service_id("web").unwrap();
    assert_eq!(
        production.service_source(web).0,
        Some("nginx:1"),
        "{:?}",
        production.service_config(web)
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn read_project_follows_pages_only_when_needed() {
    let (emulator, mut client) = start().await;
    let (project_id, _) = seed(&client).await;
    client = Client::new(ClientOptions {
        page_size: 2,
        ..client.options().clone()
    })
    .unwrap();
    let before = emulator_requests(&emulator).await;
    let snapshot = client
        .read_project(&project_id)
        .await
        .expect("read_project");
    // 3 environments and 4 services at 2 per page: one extra page each.
    assert_eq!(emulator_requests(&emulator).await - before, 3);
    assert_eq!(snapshot.environments.len(), 3);
    assert_eq!(snapshot.services.len(), 4);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_deployment_log_subscription_streams_from_the_emulator() {
    let (emulator, client) = start().await;
    let (_, services) = seed(&client).await;
    let project_environments = client
        .read_project(&{
            let projects = client
                .query(ProjectsQuery::build(ProjectsVariables::default()))
                .await
                .unwrap();
            projects.projects.edges[0].node.id.inner().to_owned()
        })
        .await
        .unwrap();
    let production = project_environments
        .environment("production")
        .unwrap()
        .id
        .clone();
    let deployment_id = client
        .mutate(ServiceInstanceDeployV2::build(DeployVariables {
            environment_id: production,
            service_id: services[0].1.clone(),
            commit_sha: None,
        }))
        .await
        .expect("deploy")
        .service_instance_deploy_v2;
    let mut subscription = client
        .subscribe(DeploymentLogsSubscription::build(LogStreamVariables {
            deployment_id,
            filter: None,
            limit: Some(100),
        }))
        .await
        .expect("subscribe");
    let batch = tokio::time::timeout(Duration::from_secs(20), subscription.next())
        .await
        .expect("a batch within 20 s")
        .expect("the stream is open")
        .expect("a batch of logs");
    assert!(!batch.deployment_logs.is_empty());
    assert!(
        batch
            .deployment_logs
            .iter()
            .all(|log| !log.timestamp.is_empty())
    );
    subscription.close().await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_missing_token_is_unauthorized() {
    let (emulator, client) = start().await;
    let anonymous = Client::new(ClientOptions {
        credentials: None,
        ..client.options().clone()
    })
    .unwrap();
    let error = anonymous
        .query(ProjectsQuery::build(ProjectsVariables::default()))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unauthorized, "{error}");
    emulator.shutdown().await;
}

#[test]
fn every_client_operation_is_valid_against_the_emulator_schema() {
    let schema = mirage::railway::schema_check::SchemaIndex::parse(&mirage::emulator::sdl())
        .expect("the emulator's SDL parses");
    for (name, document) in mirage::railway::ops::operation_documents() {
        let problems = mirage::railway::schema_check::validate_document(&schema, &document);
        assert!(problems.is_empty(), "{name}:\n{document}\n{problems:#?}");
    }
}

fn fault(kind: FaultKind, rate: f64, seed: u64) -> FaultRule {
    FaultRule {
        kind,
        rate: Some(rate),
        seed: Some(seed),
        ..FaultRule::default()
    }
}

#[tokio::test]
async fn reads_survive_injected_faults() {
    // Dropped connections and 503s without a body: reads are repeated;
    // writes are not (their outcome is unknown: see the next test), so the
    // project is seeded before the faults start.
    let (emulator, client) = start_with(Options::default(), 8).await;
    let (project_id, _) = seed(&client).await;
    let faults = vec![
        fault(FaultKind::Drop, 0.15, 7),
        fault(
            FaultKind::Status {
                status: 503,
                body: false,
                retry_after: None,
            },
            0.15,
            11,
        ),
    ];
    set_faults(&emulator, &faults).await;
    let before = client.requests_sent();
    for _ in 0..10 {
        let snapshot = client
            .read_project(&project_id)
            .await
            .expect("read_project");
        assert_eq!(snapshot.services.len(), 4);
    }
    let stats = emulator_stats(&emulator).await;
    let injected = stats["faults_injected"].as_u64().unwrap();
    assert!(injected > 0, "{stats}");
    // Every fault cost exactly one extra request; nothing was sent twice
    // without one.
    assert_eq!(client.requests_sent() - before, 10 + injected, "{stats}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_write_whose_outcome_is_unknown_is_never_resent() {
    // A reset, or a 5xx (with or without a body), may follow a write
    // Railway carried out: one attempt, and the error says so.
    for kind in [
        FaultKind::Drop,
        FaultKind::Status {
            status: 503,
            body: false,
            retry_after: None,
        },
        FaultKind::Status {
            status: 502,
            body: true,
            retry_after: None,
        },
    ] {
        let (emulator, client) = start_with(Options::default(), 8).await;
        set_faults(
            &emulator,
            &[FaultRule {
                kind: kind.clone(),
                after: true,
                nth: Some(1),
                ..FaultRule::default()
            }],
        )
        .await;
        let error = client
            .mutate(ProjectCreate::build(ProjectCreateVariables {
                input: ProjectCreateInput {
                    name: Some("once".into()),
                    ..ProjectCreateInput::default()
                },
            }))
            .await
            .expect_err("the answer was lost");
        assert!(error.may_have_happened(), "{kind:?}: {error}");
        assert!(!error.is_retryable_write(), "{kind:?}: {error}");
        assert_eq!(client.requests_sent(), 1, "{kind:?}: sent once");
        let projects = client
            .query(ProjectsQuery::build(ProjectsVariables::default()))
            .await
            .expect("projects");
        assert_eq!(
            projects.projects.edges.len(),
            1,
            "{kind:?}: carried out exactly once"
        );
        emulator.shutdown().await;
    }
}

async fn set_faults(emulator: &mirage::emulator::RunningEmulator, faults: &[FaultRule]) {
    let response = reqwest::Client::new()
        .post(format!("{}/faults", emulator.admin_url()))
        .json(&serde_json::json!({ "faults": faults }))
        .send()
        .await
        .expect("the admin API answers");
    assert!(response.status().is_success());
}

#[tokio::test]
async fn reads_get_through_a_tight_rate_limit() {
    let (emulator, client) = start_with(
        Options {
            rate_limit: Some(RateLimit {
                limit: 4,
                window_secs: 1,
            }),
            ..Options::default()
        },
        8,
    )
    .await;
    let started = std::time::Instant::now();
    for _ in 0..10 {
        client
            .query(ProjectsQuery::build(ProjectsVariables::default()))
            .await
            .expect("projects under a rate limit");
    }
    // Ten requests at four per one-second window span at least two windows.
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
    emulator.shutdown().await;
}
