//! Deployment triggers: `POST /_emulator/push` stands in for GitHub's
//! webhook, and every service instance following the pushed repo and branch
//! redeploys that commit (and nothing else does).

use crate::support;

use serde_json::{Value, json};
use support::Harness;

/// Creates a service from `repo` (optionally on `branch`); returns its id.
async fn repo_service(h: &Harness, project: &str, name: &str, repo: &str) -> String {
    let r = h
        .gql(
            "mutation($p: String!, $n: String, $r: String) { serviceCreate(input: {projectId: $p, name: $n, source: {repo: $r}}) { id } }",
            json!({"p": project, "n": name, "r": repo}),
        )
        .await;
    r.data()["serviceCreate"]["id"]
        .as_str()
        .expect("service id")
        .to_string()
}

/// The commit of a deployment, from its `meta`.
async fn commit_of(h: &Harness, deployment: &str) -> Value {
    let r = h
        .gql(
            "query($id: String!) { deployment(id: $id) { serviceId meta } }",
            json!({"id": deployment}),
        )
        .await;
    r.data()["deployment"]["meta"]["commitHash"].clone()
}

/// The number of deployments of a service instance.
async fn deployment_count(h: &Harness, env: &str, service: &str) -> usize {
    let r = h
        .gql(
            "query($e: String!, $s: String!) { deployments(input: {environmentId: $e, serviceId: $s}) { edges { node { id } } } }",
            json!({"e": env, "s": service}),
        )
        .await;
    r.data()["deployments"]["edges"]
        .as_array()
        .expect("edges")
        .len()
}

#[tokio::test]
async fn a_push_redeploys_the_instances_that_follow_the_branch() {
    let h = Harness::start().await;
    let (project, env) = h.project("shop").await;
    let api = repo_service(&h, &project, "api", "acme/shop").await;
    let web = repo_service(&h, &project, "web", "acme/shop").await;
    let other = repo_service(&h, &project, "other", "acme/other").await;
    let image = h.service(&project, "cache", "redis:7").await;
    // `web` follows `release`; `api` the default branch.
    let patch = json!({"services": {web.clone(): {"source": {"branch": "release"}}}});
    h.commit(&env, patch).await.data();
    let before = [
        deployment_count(&h, &env, &api).await,
        deployment_count(&h, &env, &web).await,
        deployment_count(&h, &env, &other).await,
        deployment_count(&h, &env, &image).await,
    ];

    let sha = "0123456789abcdef0123456789abcdef01234567";
    let (status, body) = h
        .admin_status("push", json!({"repo": "acme/shop", "commitSha": sha}))
        .await;
    assert_eq!(status, 200, "{body}");
    let triggered = body["deployments"].as_array().expect("deployments");
    assert_eq!(triggered.len(), 1, "only `api` follows `main`: {body}");
    assert_eq!(triggered[0]["serviceId"], json!(api));
    assert_eq!(triggered[0]["environmentId"], json!(env));
    let id = triggered[0]["deploymentId"]
        .as_str()
        .expect("deployment id");
    assert_eq!(commit_of(&h, id).await, json!(sha));

    let (status, body) = h
        .admin_status("push", json!({"repo": "acme/shop", "branch": "release"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let triggered = body["deployments"].as_array().expect("deployments");
    assert_eq!(triggered.len(), 1, "{body}");
    assert_eq!(triggered[0]["serviceId"], json!(web));
    let id = triggered[0]["deploymentId"]
        .as_str()
        .expect("deployment id");
    let made_up = commit_of(&h, id).await;
    let made_up = made_up.as_str().expect("a commit hash");
    assert_eq!(made_up.len(), 40, "{made_up}");
    assert!(made_up.chars().all(|c| c.is_ascii_hexdigit()), "{made_up}");

    let after = [
        deployment_count(&h, &env, &api).await,
        deployment_count(&h, &env, &web).await,
        deployment_count(&h, &env, &other).await,
        deployment_count(&h, &env, &image).await,
    ];
    assert_eq!(
        after,
        [before[0] + 1, before[1] + 1, before[2], before[3]],
        "other repos and image services do not deploy"
    );
}

#[tokio::test]
async fn a_push_reaches_every_environment_following_the_repo() {
    let h = Harness::start().await;
    let (project, production) = h.project("shop").await;
    let staging = h
        .gql(
            "mutation($p: String!) { environmentCreate(input: {projectId: $p, name: \"staging\"}) { id } }",
            json!({"p": project}),
        )
        .await
        .data()["environmentCreate"]["id"]
        .as_str()
        .expect("environment id")
        .to_string();
    // Created after both environments, so it is in both.
    let api = repo_service(&h, &project, "api", "acme/shop").await;
    let body = h.admin("push", json!({"repo": "acme/shop"})).await;
    let mut reached: Vec<&str> = body["deployments"]
        .as_array()
        .expect("deployments")
        .iter()
        .map(|d| d["environmentId"].as_str().expect("environment id"))
        .collect();
    reached.sort();
    let mut want = vec![production.as_str(), staging.as_str()];
    want.sort();
    assert_eq!(reached, want, "{body}");
    assert!(
        body["deployments"]
            .as_array()
            .expect("deployments")
            .iter()
            .all(|d| d["serviceId"] == json!(api))
    );
}

#[tokio::test]
async fn a_bad_push_is_refused() {
    let h = Harness::start().await;
    for body in [
        json!({"repo": "acme/shop", "commitSha": "not-a-sha"}),
        json!({"repo": "  "}),
        json!({"branch": "main"}),
        json!({"repo": "acme/shop", "force": true}),
    ] {
        let (status, answer) = h.admin_status("push", body.clone()).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert!(answer["message"].is_string(), "{answer}");
    }
    let (status, answer) = h.admin_status("push", json!({"repo": "acme/none"})).await;
    assert_eq!(status, 200);
    assert_eq!(answer["deployments"], json!([]), "nothing follows it");
}
