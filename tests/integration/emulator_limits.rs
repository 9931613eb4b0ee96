//! Plan limits set through `POST /_emulator/limits`: the request past a
//! limit is refused with Railway's error shape (HTTP 200, `errors[]` with
//! `BAD_USER_INPUT` and a `traceId`), and nothing else changes.

use crate::support;

use serde_json::json;
use support::Harness;

const CREATE: &str = "mutation($p: String!, $n: String) { serviceCreate(input: {projectId: $p, name: $n, source: {image: \"nginx\"}}) { id } }";

#[tokio::test]
async fn a_trial_project_holds_five_services() {
    let h = Harness::start().await;
    let (status, limits) = h
        .admin_status("limits", json!({"servicesPerProject": 5}))
        .await;
    assert_eq!(status, 200, "{limits}");
    assert_eq!(limits["limits"]["servicesPerProject"], json!(5));
    let (project, _) = h.project("trial").await;
    for i in 0..5 {
        h.gql(CREATE, json!({"p": project, "n": format!("s{i}")}))
            .await
            .data();
    }
    let refused = h.gql(CREATE, json!({"p": project, "n": "s5"})).await;
    assert_eq!(refused.status, 200, "{}", refused.text);
    assert_eq!(
        refused.error(),
        "You have reached your plan's limit of 5 services per project"
    );
    let error = &refused.body["errors"][0];
    assert_eq!(error["extensions"]["code"], json!("BAD_USER_INPUT"));
    assert!(error["traceId"].is_string(), "{}", refused.text);
    let listed = h
        .gql(
            "query($id: String!) { project(id: $id) { services { edges { node { name } } } } }",
            json!({"id": project}),
        )
        .await;
    let count = listed.data()["project"]["services"]["edges"]
        .as_array()
        .expect("edges")
        .len();
    assert_eq!(count, 5, "the refused service was not created");

    // Lifting the limit lets the sixth through; another project has its own count.
    h.admin("limits", json!({})).await;
    h.gql(CREATE, json!({"p": project, "n": "s5"})).await.data();
}

#[tokio::test]
async fn custom_domains_per_service_are_capped() {
    let h = Harness::start().await;
    h.admin("limits", json!({"customDomainsPerService": 1}))
        .await;
    let (project, env) = h.project("shop").await;
    let web = h.service(&project, "web", "nginx").await;
    let add = |domain: &str| json!({"input": {"projectId": project, "environmentId": env, "serviceId": web, "domain": domain}});
    let doc = "mutation($input: CustomDomainCreateInput!) { customDomainCreate(input: $input) { domain } }";
    h.gql(doc, add("shop.example.com")).await.data();
    let refused = h.gql(doc, add("www.shop.example.com")).await;
    assert_eq!(
        refused.error(),
        "You have reached your plan's limit of 1 custom domains per service"
    );
}

#[tokio::test]
async fn unknown_limits_are_refused() {
    let h = Harness::start().await;
    let (status, body) = h
        .admin_status("limits", json!({"servicesPerPlanet": 3}))
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("servicesPerPlanet")),
        "{body}"
    );
}
