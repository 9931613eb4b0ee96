//! Aliased batches and the one-request project read, against a loopback
//! server; generated documents validated against the schema subset.

use crate::railway_support;

use std::time::Duration;

use cynic::MutationBuilder;
use mirage::railway::batch::{Outcome, Template};
use mirage::railway::ops::common::IdVariables;
use mirage::railway::ops::service::{
    ServiceCreate, ServiceCreateInput, ServiceCreateVariables, ServiceSourceInput,
};
use mirage::railway::ops::variable::{
    VariableCollectionUpsert, VariableCollectionUpsertInput, VariableCollectionUpsertVariables,
};
use mirage::railway::ops::{domain, environment, volume};
use mirage::railway::schema::VariableMap;
use mirage::railway::schema_check::{SchemaIndex, validate_document};
use mirage::railway::{Client, ClientOptions, ErrorKind, RetryPolicy};
use railway_support::{Reply, Server};
use serde_json::json;

const SUBSET: &str = include_str!("../../schemas/railway.graphql");

fn options(url: &str, batch_size: usize) -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
            deadline: Duration::from_secs(10),
        },
        requests_per_second: 0.0,
        batch_size,
        ..ClientOptions::default().with_endpoint(url)
    }
}

fn create(name: &str) -> cynic::Operation<ServiceCreate, ServiceCreateVariables> {
    ServiceCreate::build(ServiceCreateVariables {
        input: ServiceCreateInput {
            project_id: "p1".into(),
            name: Some(name.into()),
            source: Some(ServiceSourceInput {
                image: Some("nginx:1".into()),
                repo: None,
            }),
            ..ServiceCreateInput::default()
        },
    })
}

#[test]
fn generated_batch_documents_are_valid_against_the_schema() {
    let schema = SchemaIndex::parse(SUBSET).unwrap();
    let templates = [
        create("web").query,
        VariableCollectionUpsert::build(VariableCollectionUpsertVariables {
            input: VariableCollectionUpsertInput::default(),
        })
        .query,
        environment::EnvironmentDelete::build(IdVariables { id: "e".into() }).query,
        environment::EnvironmentPatchCommit::build(environment::EnvironmentPatchCommitVariables {
            environment_id: "e".into(),
            patch: None,
            commit_message: None,
        })
        .query,
        domain::ServiceDomainCreate::build(domain::ServiceDomainCreateVariables {
            input: domain::ServiceDomainCreateInput::default(),
        })
        .query,
        volume::VolumeCreate::build(volume::VolumeCreateVariables {
            input: volume::VolumeCreateInput::default(),
        })
        .query,
    ];
    for template in templates {
        let parsed = Template::parse(&template).unwrap();
        for count in [1, 3, 12] {
            let document = parsed.render(count);
            let problems = validate_document(&schema, &document);
            assert!(problems.is_empty(), "{document}\n{problems:#?}");
            assert_eq!(document.matches("\n  b").count(), count, "{document}");
        }
    }
    let document = Template::parse(&create("x").query).unwrap().render(2);
    assert!(
        document.starts_with(
            "mutation Batch($b0_input: ServiceCreateInput!, $b1_input: ServiceCreateInput!)"
        ),
        "{document}"
    );
    assert!(
        document.contains("b0: serviceCreate(input: $b0_input)"),
        "{document}"
    );
    assert!(
        document.contains("b1: serviceCreate(input: $b1_input)"),
        "{document}"
    );
}

#[test]
fn a_broken_batch_document_is_caught_by_the_validator() {
    // Guard that the validator really looks at batch documents: a wrong
    // variable type must be reported.
    let schema = SchemaIndex::parse(SUBSET).unwrap();
    let document = Template::parse(&create("x").query)
        .unwrap()
        .render(2)
        .replace(
            "$b1_input: ServiceCreateInput!",
            "$b1_input: ServiceUpdateInput!",
        );
    assert!(!validate_document(&schema, &document).is_empty());
}

fn created(count: usize, offset: usize) -> Reply {
    let mut data = serde_json::Map::new();
    for index in 0..count {
        data.insert(
            format!("b{index}"),
            json!({"id": format!("s{}", offset + index), "name": format!("svc{}", offset + index)}),
        );
    }
    Reply::json(json!({"data": data}))
}

#[tokio::test]
async fn twelve_creates_go_out_in_one_request() {
    let server = Server::start(vec![created(12, 0)]).await;
    let client = Client::new(options(&server.url, 25)).unwrap();
    let operations = (0..12)
        .map(|index| create(&format!("svc{index}")))
        .collect();
    let results = client.batch(operations).await.unwrap();
    assert_eq!(server.count(), 1);
    assert_eq!(client.requests_sent(), 1);
    let names: Vec<String> = results
        .into_iter()
        .map(|result| result.unwrap().service_create.name)
        .collect();
    assert_eq!(
        names,
        (0..12)
            .map(|index| format!("svc{index}"))
            .collect::<Vec<_>>()
    );

    let request = &server.received()[0];
    assert_eq!(request.body["operationName"], "Batch");
    assert_eq!(request.body["variables"]["b11_input"]["name"], "svc11");
    assert_eq!(
        request.body["variables"]["b0_input"]["source"]["image"],
        "nginx:1"
    );
    // Absent optional inputs stay absent: Railway reads `null` as "unset".
    assert!(
        request.body["variables"]["b0_input"]
            .get("branch")
            .is_none()
    );
    let schema = SchemaIndex::parse(SUBSET).unwrap();
    assert_eq!(
        validate_document(&schema, request.query()),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn batches_are_chunked() {
    let server = Server::start(vec![created(5, 0), created(5, 5), created(2, 10)]).await;
    let client = Client::new(options(&server.url, 5)).unwrap();
    let operations = (0..12)
        .map(|index| create(&format!("svc{index}")))
        .collect();
    let results = client.batch(operations).await.unwrap();
    assert_eq!(server.count(), 3);
    let ids: Vec<String> = results
        .into_iter()
        .map(|result| result.unwrap().service_create.id.into_inner())
        .collect();
    assert_eq!(
        ids,
        (0..12).map(|index| format!("s{index}")).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_failed_item_is_reported_and_the_others_are_unknown() {
    // A non-null root field that fails nulls the whole `data`.
    let failed = Reply::json(json!({
        "errors": [{"message": "Service name already exists", "path": ["b1"]}],
        "data": null
    }));
    let server = Server::start(vec![failed]).await;
    let client = Client::new(options(&server.url, 25)).unwrap();
    let results = client
        .batch(vec![create("a"), create("b"), create("c")])
        .await
        .unwrap();
    assert_eq!(server.count(), 1, "a processed write is never retried");
    let outcomes: Vec<Outcome> = results
        .iter()
        .map(|result| result.as_ref().unwrap_err().outcome)
        .collect();
    assert_eq!(
        outcomes,
        [Outcome::Unknown, Outcome::Failed, Outcome::Unknown]
    );
    let failed = results[1].as_ref().unwrap_err();
    assert_eq!(failed.error.kind(), ErrorKind::Conflict);
}

#[tokio::test]
async fn a_chunk_that_fails_whole_stops_the_rest() {
    let denied = Reply::json(json!({"errors": [{"message": "Not Authorized"}], "data": null}));
    let server = Server::start(vec![denied]).await;
    let client = Client::new(options(&server.url, 2)).unwrap();
    let operations = (0..5).map(|index| create(&format!("svc{index}"))).collect();
    let results = client.batch(operations).await.unwrap();
    assert_eq!(server.count(), 1);
    let outcomes: Vec<Outcome> = results
        .iter()
        .map(|result| result.as_ref().unwrap_err().outcome)
        .collect();
    assert_eq!(outcomes[..2], [Outcome::Failed, Outcome::Failed]);
    assert_eq!(
        outcomes[2..],
        [Outcome::NotSent, Outcome::NotSent, Outcome::NotSent]
    );
    assert_eq!(
        results[4].as_ref().unwrap_err().error.kind(),
        ErrorKind::Unauthorized
    );
}

#[tokio::test]
async fn variable_values_never_appear_in_debug_output() {
    let variables: VariableMap = [("DATABASE_URL", "postgres://user:hunter2@db")]
        .into_iter()
        .collect();
    let input = VariableCollectionUpsertInput {
        variables,
        ..VariableCollectionUpsertInput::default()
    };
    let printed = format!("{input:?}");
    assert!(printed.contains("DATABASE_URL"), "{printed}");
    assert!(!printed.contains("hunter2"), "{printed}");
}

fn environment_node(id: &str, name: &str, unmerged: i64) -> serde_json::Value {
    json!({"node": {
        "id": id, "name": name, "isEphemeral": false, "unmergedChangesCount": unmerged,
        "configEtag": format!("etag-{id}"),
        "config": {"services": {"s1": {"source": {"image": "nginx:1"},
            "variables": {"PASSWORD": {"value": "hunter2"}, "PORT": {"value": "80"}}}},
            "sharedVariables": {"REGION": {"value": "eu"}}}
    }})
}

fn page(edges: Vec<serde_json::Value>, next: Option<&str>) -> serde_json::Value {
    json!({"edges": edges, "pageInfo": {"hasNextPage": next.is_some(), "endCursor": next}})
}

#[tokio::test]
async fn read_project_is_one_request_when_everything_fits() {
    let snapshot = Reply::json(json!({"data": {"project": {
        "id": "p1", "name": "demo",
        "environments": page(vec![environment_node("e1", "production", 0), environment_node("e2", "staging", 2)], None),
        "services": page(vec![json!({"node": {"id": "s1", "name": "web"}}), json!({"node": {"id": "s2", "name": "worker"}})], None),
        "volumes": page(vec![json!({"node": {"id": "v1", "name": "data"}})], None)
    }}}));
    let server = Server::start(vec![snapshot]).await;
    let client = Client::new(options(&server.url, 25)).unwrap();
    let snapshot = client.read_project("p1").await.unwrap();
    assert_eq!(server.count(), 1);
    assert!(
        server.received()[0]
            .query()
            .contains("config(decryptVariables: true)")
    );
    assert_eq!(snapshot.project_name, "demo");
    assert_eq!(snapshot.service_id("worker"), Some("s2"));
    assert_eq!(snapshot.service_name("s1"), Some("web"));
    assert_eq!(snapshot.volume_id("data"), Some("v1"));
    let staging = snapshot.environment("staging").unwrap();
    assert_eq!(staging.unmerged_changes_count, 2);
    assert_eq!(staging.config_etag, "etag-e2");
    assert_eq!(
        staging.service_variables("s1").get("PASSWORD"),
        Some(&Some("hunter2"))
    );
    assert_eq!(staging.shared_variables().get("REGION"), Some(&Some("eu")));
    assert_eq!(staging.service_source("s1"), (Some("nginx:1"), None));
    assert_eq!(staging.service_ids(), ["s1"]);
    assert_eq!(
        snapshot.service_config("production", "web").unwrap()["source"]["image"],
        "nginx:1"
    );
    let printed = format!("{snapshot:?}");
    assert!(
        printed.contains("staging") && printed.contains("etag-e2"),
        "{printed}"
    );
    assert!(!printed.contains("hunter2"), "{printed}");
}

#[tokio::test]
async fn read_project_follows_only_connections_with_more_pages() {
    let first = Reply::json(json!({"data": {"project": {
        "id": "p1", "name": "demo",
        "environments": page(vec![environment_node("e1", "production", 0)], Some("c1")),
        "services": page(vec![json!({"node": {"id": "s1", "name": "web"}})], None),
        "volumes": page(vec![], None)
    }}}));
    let second = Reply::json(json!({"data": {"project": {
        "environments": page(vec![environment_node("e2", "staging", 0)], Some("c2"))
    }}}));
    let third = Reply::json(json!({"data": {"project": {
        "environments": page(vec![environment_node("e3", "dev", 0)], None)
    }}}));
    let server = Server::start(vec![first, second, third]).await;
    let mut options = options(&server.url, 25);
    options.page_size = 1;
    let client = Client::new(options).unwrap();
    let snapshot = client.read_project("p1").await.unwrap();
    assert_eq!(server.count(), 3);
    let names: Vec<&String> = snapshot.environments.keys().collect();
    assert_eq!(names, ["dev", "production", "staging"]);
    let received = server.received();
    assert_eq!(received[1].body["variables"]["after"], "c1");
    assert_eq!(received[2].body["variables"]["after"], "c2");
    assert!(
        !received[1].query().contains("services"),
        "{}",
        received[1].query()
    );
}
