//! Config patches are staged when the environment has unmerged changes and
//! committed otherwise (the CLI's rule); projects are listed across pages.
//! Checked on a loopback server.

use crate::railway_support;

use mirage::railway::patch::PatchWrite;
use mirage::railway::{Client, ClientOptions};
use railway_support::{Reply, Server};
use serde_json::json;

fn client(url: &str) -> Client {
    Client::new(ClientOptions {
        requests_per_second: 0.0,
        ..ClientOptions::default().with_endpoint(url)
    })
    .unwrap()
}

#[tokio::test]
async fn patches_commit_when_nothing_is_staged() {
    let server = Server::start(vec![Reply::json(
        json!({"data": {"environmentPatchCommit": "patch-1"}}),
    )])
    .await;
    let patch = json!({"services": {"s1": {"deploy": {"numReplicas": 2}}}});
    let result = client(&server.url)
        .write_config_patch("e1", 0, patch.clone(), Some("mirage apply".into()))
        .await
        .unwrap();
    assert_eq!(result, PatchWrite::Committed("patch-1".into()));
    let request = &server.received()[0];
    assert!(
        request.query().contains("environmentPatchCommit("),
        "{}",
        request.query()
    );
    assert_eq!(request.body["variables"]["patch"], patch);
    assert_eq!(request.body["variables"]["environmentId"], "e1");
    assert_eq!(request.body["variables"]["commitMessage"], "mirage apply");
}

#[tokio::test]
async fn patches_are_merged_into_staged_changes_when_some_exist() {
    let staged = json!({"data": {"environmentStageChanges": {
        "id": "staged-9", "environmentId": "e1", "status": "STAGED", "message": null, "lastAppliedError": null
    }}});
    let server = Server::start(vec![Reply::json(staged)]).await;
    let patch = json!({"sharedVariables": {"OLD": null}});
    let result = client(&server.url)
        .write_config_patch("e1", 3, patch.clone(), None)
        .await
        .unwrap();
    assert_eq!(result, PatchWrite::Staged("staged-9".into()));
    let request = &server.received()[0];
    assert!(
        request.query().contains("environmentStageChanges("),
        "{}",
        request.query()
    );
    assert_eq!(request.body["variables"]["merge"], true);
    // `null` entries survive serialisation: they are how a patch deletes.
    assert_eq!(request.body["variables"]["input"], patch);
}

fn project(id: &str, name: &str, deleted: bool) -> serde_json::Value {
    json!({"node": {"id": id, "name": name, "description": null,
        "deletedAt": if deleted { json!("2026-11-20T10:00:00Z") } else { json!(null) },
        "environments": {"edges": []}, "services": {"edges": []}}})
}

#[tokio::test]
async fn projects_are_listed_across_pages_without_deleted_ones() {
    let first = json!({"data": {"projects": {
        "edges": [project("p1", "shop", false), project("p2", "old", true)],
        "pageInfo": {"hasNextPage": true, "endCursor": "c1"}}}});
    let second = json!({"data": {"projects": {
        "edges": [project("p3", "shop", false)],
        "pageInfo": {"hasNextPage": false, "endCursor": null}}}});
    let server = Server::start(vec![Reply::json(first), Reply::json(second)]).await;
    let found = client(&server.url)
        .find_projects_by_name("shop", None)
        .await
        .unwrap();
    let ids: Vec<&str> = found.iter().map(|project| project.id.inner()).collect();
    assert_eq!(ids, ["p1", "p3"]);
    assert_eq!(server.count(), 2);
    assert_eq!(server.received()[1].body["variables"]["after"], "c1");
}
