//! Railway's semantics the emulator must keep exact (issue #14): removing
//! one environment's instance, forks, replicas, project-token scope,
//! Railway-provided variables, name rules, regions, and log filters.

use crate::support;

use serde_json::json;
use support::Harness;

async fn instances(h: &Harness, env: &str) -> Vec<String> {
    let r = h
        .gql(
            "query($e: String!) { environment(id: $e) { serviceInstances { edges { node { serviceName } } } } }",
            json!({"e": env}),
        )
        .await;
    r.data()["environment"]["serviceInstances"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["serviceName"].as_str().unwrap().to_string())
        .collect()
}

async fn deployments(h: &Harness, env: &str, service: &str) -> usize {
    let r = h
        .gql(
            "query($e: String!, $s: String!) { deployments(input: {environmentId: $e, serviceId: $s}) { edges { node { id } } } }",
            json!({"e": env, "s": service}),
        )
        .await;
    r.data()["deployments"]["edges"].as_array().unwrap().len()
}

async fn environment(h: &Harness, project: &str, name: &str, source: Option<&str>) -> String {
    let r = h
        .gql(
            "mutation($p: String!, $n: String!, $s: String) { environmentCreate(input: {projectId: $p, name: $n, sourceEnvironmentId: $s}) { id } }",
            json!({"p": project, "n": name, "s": source}),
        )
        .await;
    r.data()["environmentCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn is_deleted_removes_one_instance_and_its_deployments_only() {
    let h = Harness::start().await;
    let (pid, prod) = h.project("p").await;
    let staging = environment(&h, &pid, "staging", None).await;
    let web = h.service(&pid, "web", "nginx").await;
    h.deploy(&staging, &web).await;
    assert_eq!(instances(&h, &staging).await, ["web"]);
    assert!(deployments(&h, &staging, &web).await > 0);
    let prod_deployments = deployments(&h, &prod, &web).await;
    assert!(prod_deployments > 0);

    h.commit(&staging, json!({"services": {&web: {"isDeleted": true}}}))
        .await
        .data();
    assert_eq!(instances(&h, &staging).await, Vec::<String>::new());
    assert_eq!(deployments(&h, &staging, &web).await, 0);
    // Production keeps its instance and every deployment.
    assert_eq!(instances(&h, &prod).await, ["web"]);
    assert_eq!(deployments(&h, &prod, &web).await, prod_deployments);
    // The service itself stays in the project.
    let r = h
        .gql(
            "query($p: String!) { project(id: $p) { services { edges { node { name } } } } }",
            json!({"p": pid}),
        )
        .await;
    assert_eq!(
        r.data()["project"]["services"]["edges"][0]["node"]["name"],
        "web"
    );
}

#[tokio::test]
async fn fork_semantics_of_service_create_update_and_delete() {
    let h = Harness::start().await;
    let (pid, prod) = h.project("p").await;
    let staging = environment(&h, &pid, "staging", None).await;
    let fork = environment(&h, &pid, "pr-1", Some(&prod)).await;
    // Without environmentId, or with a non-fork one: every non-fork
    // environment gets the service; the fork does not.
    let r = h
        .gql(
            "mutation($p: String!, $e: String) { serviceCreate(input: {projectId: $p, environmentId: $e, name: \"api\"}) { id } }",
            json!({"p": pid, "e": staging}),
        )
        .await;
    let api = r.data()["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(instances(&h, &prod).await, ["api"]);
    assert_eq!(instances(&h, &staging).await, ["api"]);
    assert_eq!(instances(&h, &fork).await, Vec::<String>::new());
    // With the fork's ID: only the fork.
    let r = h
        .gql(
            "mutation($p: String!, $e: String) { serviceCreate(input: {projectId: $p, environmentId: $e, name: \"preview\"}) { id } }",
            json!({"p": pid, "e": fork}),
        )
        .await;
    r.data();
    assert_eq!(instances(&h, &fork).await, ["preview"]);
    assert_eq!(instances(&h, &prod).await, ["api"]);
    // serviceInstanceUpdate with a non-fork environmentId reaches every
    // non-fork environment.
    h.gql(
        "mutation($s: String!, $e: String) { serviceInstanceUpdate(serviceId: $s, environmentId: $e, input: {startCommand: \"serve\"}) }",
        json!({"s": api, "e": staging}),
    )
    .await
    .data();
    for env in [&prod, &staging] {
        let (cfg, _) = h.config(env).await;
        assert_eq!(cfg["services"][&api]["deploy"]["startCommand"], "serve");
    }
    // serviceDelete with a non-fork environmentId removes the service from
    // every non-fork environment (the schema's wording).
    h.gql(
        "mutation($s: String!, $e: String) { serviceDelete(id: $s, environmentId: $e) }",
        json!({"s": api, "e": staging}),
    )
    .await
    .data();
    assert_eq!(instances(&h, &prod).await, Vec::<String>::new());
    assert_eq!(instances(&h, &staging).await, Vec::<String>::new());
    assert_eq!(instances(&h, &fork).await, ["preview"]);
}

#[tokio::test]
async fn a_deployment_has_one_instance_per_replica() {
    let h = Harness::start().await;
    let (pid, env) = h.project("p").await;
    let web = h.service(&pid, "web", "nginx").await;
    h.commit(
        &env,
        json!({"services": {&web: {"deploy": {"multiRegionConfig": {"us-west2": {"numReplicas": 2}, "europe-west4-drams3a": {"numReplicas": 1}}}}}}),
    )
    .await
    .data();
    let id = h.deploy(&env, &web).await;
    let r = h
        .gql(
            "query($id: String!) { deployment(id: $id) { status instances { id status } } }",
            json!({"id": id}),
        )
        .await;
    let instances = r.data()["deployment"]["instances"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(instances.len(), 3, "{instances:?}");
    assert!(instances.iter().all(|i| i["status"] == "RUNNING"));
    let mut ids: Vec<_> = instances
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    // Each replica writes its own deploy logs, and `replica:` selects one.
    let q = "query($id: String!, $f: String) { deploymentLogs(deploymentId: $id, filter: $f) { message tags { deploymentInstanceId } } }";
    let r = h.gql(q, json!({"id": id, "f": "Starting"})).await;
    assert_eq!(r.data()["deploymentLogs"].as_array().unwrap().len(), 3);
    let r = h
        .gql(q, json!({"id": id, "f": format!("replica:{}", ids[0])}))
        .await;
    let lines = r.data()["deploymentLogs"].as_array().unwrap();
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|l| l["tags"]["deploymentInstanceId"] == ids[0])
    );
    // numReplicas alone.
    h.commit(
        &env,
        json!({"services": {&web: {"deploy": {"multiRegionConfig": null, "numReplicas": 4}}}}),
    )
    .await
    .data();
    let id = h.deploy(&env, &web).await;
    let r = h
        .gql(
            "query($id: String!) { deployment(id: $id) { instances { id } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        r.data()["deployment"]["instances"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[tokio::test]
async fn a_project_token_cannot_read_other_environments() {
    let h = Harness::start().await;
    let (pid, prod) = h.project("p").await;
    let staging = environment(&h, &pid, "staging", None).await;
    let r = h
        .gql(
            "mutation($p: String!, $e: String!) { projectTokenCreate(input: {projectId: $p, environmentId: $e, name: \"ci\"}) }",
            json!({"p": pid, "e": staging}),
        )
        .await;
    let token = r.data()["projectTokenCreate"].as_str().unwrap().to_string();
    let header = || Some(("project-access-token", token.clone()));
    let r = h
        .send(
            "query($p: String!) { project(id: $p) { environments { edges { node { name canAccess } } } } }",
            json!({"p": pid}),
            header(),
        )
        .await;
    let edges = r.data()["project"]["environments"]["edges"].clone();
    assert_eq!(
        edges,
        json!([
            {"node": {"name": "production", "canAccess": false}},
            {"node": {"name": "staging", "canAccess": true}}
        ])
    );
    let r = h
        .send(
            "query($e: String!) { environment(id: $e) { name } }",
            json!({"e": prod}),
            header(),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.error(), "Not Authorized");
    let r = h
        .send(
            "query($e: String!) { environment(id: $e) { name } }",
            json!({"e": staging}),
            header(),
        )
        .await;
    assert_eq!(r.data()["environment"]["name"], "staging");
}

/// Reads through the project reach an environment the token cannot read:
/// its identity stays readable (the CLI's `Project` document lists it with
/// `canAccess: false`), its contents answer `Not Authorized`, and a
/// service's instances are only those of the token's environment. The same
/// holds over `graphql-transport-ws`, where the CLI sends the token on the
/// upgrade request.
#[tokio::test]
async fn a_project_token_cannot_read_other_environments_through_the_project() {
    let h = Harness::start().await;
    let (pid, prod) = h.project("p").await;
    let staging = environment(&h, &pid, "staging", None).await;
    let web = h.service(&pid, "web", "nginx").await;
    let prod_deployment = h.deploy(&prod, &web).await;
    let r = h
        .gql(
            "mutation($p: String!, $e: String!) { projectTokenCreate(input: {projectId: $p, environmentId: $e, name: \"ci\"}) }",
            json!({"p": pid, "e": staging}),
        )
        .await;
    let token = r.data()["projectTokenCreate"].as_str().unwrap().to_string();
    let header = || Some(("project-access-token", token.clone()));
    for field in [
        "config",
        "configEtag",
        "serviceInstances { edges { node { serviceName } } }",
        "volumeInstances { edges { node { id } } }",
        "deployments { edges { node { id } } }",
    ] {
        let q = format!(
            "query($p: String!) {{ project(id: $p) {{ environments {{ edges {{ node {{ name {field} }} }} }} }} }}"
        );
        let r = h.send(&q, json!({"p": pid}), header()).await;
        assert_eq!(r.status, 200, "{field}: {}", r.text);
        assert_eq!(r.error(), "Not Authorized", "{field}: {}", r.text);
        assert_eq!(
            r.body["errors"][0]["extensions"]["code"], "INTERNAL_SERVER_ERROR",
            "{field}"
        );
        assert_eq!(
            r.body["errors"][0]["path"],
            json!([
                "project",
                "environments",
                "edges",
                0,
                "node",
                field.split(' ').next().unwrap()
            ]),
            "{field}: only production (the first) is refused: {}",
            r.text
        );
        // The token's own environment reads the same field.
        let q = format!("query($e: String!) {{ environment(id: $e) {{ name {field} }} }}");
        let r = h.send(&q, json!({"e": staging}), header()).await;
        assert_eq!(r.data()["environment"]["name"], "staging", "{field}");
    }
    // Names and canAccess stay readable, as `railway link` lists them.
    let r = h
        .send(
            "query($p: String!) { project(id: $p) { environments { edges { node { name canAccess unmergedChangesCount } } } } }",
            json!({"p": pid}),
            header(),
        )
        .await;
    assert_eq!(
        r.data()["project"]["environments"]["edges"][0]["node"],
        json!({"name": "production", "canAccess": false, "unmergedChangesCount": 0})
    );
    // A service's instances: the token's environment only.
    let r = h
        .send(
            "query($p: String!) { project(id: $p) { services { edges { node { name serviceInstances { edges { node { environmentId } } } } } } } }",
            json!({"p": pid}),
            header(),
        )
        .await;
    assert_eq!(
        r.data()["project"]["services"]["edges"][0]["node"]["serviceInstances"]["edges"],
        json!([{"node": {"environmentId": staging}}])
    );
    let r = h
        .gql(
            "query($p: String!) { project(id: $p) { services { edges { node { serviceInstances { edges { node { environmentId } } } } } } } }",
            json!({"p": pid}),
        )
        .await;
    assert_eq!(
        r.data()["project"]["services"]["edges"][0]["node"]["serviceInstances"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "an account token sees both"
    );
    // Subscriptions: the token on the upgrade request, as the CLI sends it.
    let (mut ws, _) = h.socket_with("project-access-token", &token).await;
    support::send_message(
        &mut ws,
        json!({"id": "1", "type": "subscribe", "payload": {
            "query": "subscription($id: String!) { deployment(id: $id) { id status } }",
            "variables": {"id": prod_deployment}}}),
    )
    .await;
    let msg = support::next_message(&mut ws).await;
    assert_eq!(msg["id"], "1");
    let message = if msg["type"] == "error" {
        msg["payload"][0]["message"].clone()
    } else {
        msg["payload"]["errors"][0]["message"].clone()
    };
    assert_eq!(message, "Not Authorized", "{msg}");
}

#[tokio::test]
async fn railway_provided_variables() {
    let h = Harness::start().await;
    let (pid, env) = h.project("shop").await;
    let web = h.service(&pid, "Web App", "nginx").await;
    let q = "query($p: String!, $e: String!, $s: String!) { variablesForServiceDeployment(projectId: $p, environmentId: $e, serviceId: $s) }";
    let vars = |r: &support::Reply| r.data()["variablesForServiceDeployment"].clone();
    let r = h.gql(q, json!({"p": pid, "e": env, "s": web})).await;
    let v = vars(&r);
    assert_eq!(v["RAILWAY_PRIVATE_DOMAIN"], "web-app.railway.internal");
    assert_eq!(v["RAILWAY_ENVIRONMENT_NAME"], "production");
    assert_eq!(v["RAILWAY_PROJECT_ID"], pid.as_str());
    assert!(v.get("RAILWAY_PUBLIC_DOMAIN").is_none());
    // With only a custom domain, that is the public domain.
    h.gql(
        "mutation($p: String!, $e: String!, $s: String!) { customDomainCreate(input: {projectId: $p, environmentId: $e, serviceId: $s, domain: \"shop.example.com\"}) { id } }",
        json!({"p": pid, "e": env, "s": web}),
    )
    .await
    .data();
    let v = vars(&h.gql(q, json!({"p": pid, "e": env, "s": web})).await);
    assert_eq!(v["RAILWAY_PUBLIC_DOMAIN"], "shop.example.com");
    // A volume is named, with its mount path.
    h.gql(
        "mutation($p: String!, $e: String!, $s: String!) { volumeCreate(input: {projectId: $p, environmentId: $e, serviceId: $s, mountPath: \"/data\"}) { id } }",
        json!({"p": pid, "e": env, "s": web}),
    )
    .await
    .data();
    let v = vars(&h.gql(q, json!({"p": pid, "e": env, "s": web})).await);
    assert_eq!(v["RAILWAY_VOLUME_NAME"], "web-app-volume");
    assert_eq!(v["RAILWAY_VOLUME_MOUNT_PATH"], "/data");
    // A renamed private endpoint renames the private domain.
    let r = h
        .gql(
            "query($e: String!) { privateNetworks(environmentId: $e) { publicId } }",
            json!({"e": env}),
        )
        .await;
    let network = r.data()["privateNetworks"][0]["publicId"]
        .as_str()
        .unwrap()
        .to_string();
    let r = h
        .gql(
            "query($n: String!, $e: String!, $s: String!) { privateNetworkEndpoint(privateNetworkId: $n, environmentId: $e, serviceId: $s) { publicId dnsName } }",
            json!({"n": network, "e": env, "s": web}),
        )
        .await;
    let endpoint = r.data()["privateNetworkEndpoint"]["publicId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(r.data()["privateNetworkEndpoint"]["dnsName"], "web-app");
    h.gql(
        "mutation($i: String!, $n: String!) { privateNetworkEndpointRename(id: $i, dnsName: \"frontend\", privateNetworkId: $n) }",
        json!({"i": endpoint, "n": network}),
    )
    .await
    .data();
    let v = vars(&h.gql(q, json!({"p": pid, "e": env, "s": web})).await);
    assert_eq!(v["RAILWAY_PRIVATE_DOMAIN"], "frontend.railway.internal");
}

#[tokio::test]
async fn names_follow_railways_rules() {
    let h = Harness::start().await;
    let (pid, _) = h.project("p").await;
    let long = "s".repeat(33);
    let r = h
        .gql(
            "mutation($p: String!, $n: String) { serviceCreate(input: {projectId: $p, name: $n}) { id } }",
            json!({"p": pid, "n": long}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(r.error().contains("32 characters"), "{}", r.text);
    let r = h
        .gql(
            "query($p: String!) { project(id: $p) { services { edges { node { id } } } } }",
            json!({"p": pid}),
        )
        .await;
    assert_eq!(r.data()["project"]["services"]["edges"], json!([]));
    let web = h.service(&pid, "web", "nginx").await;
    let r = h
        .gql(
            "mutation($s: String!, $n: String) { serviceUpdate(id: $s, input: {name: $n}) { name } }",
            json!({"s": web, "n": "x".repeat(40)}),
        )
        .await;
    assert!(r.error().contains("32 characters"), "{}", r.text);
}

#[tokio::test]
async fn regions_and_telemetry() {
    let h = Harness::start().await;
    let r = h
        .gql("query { regions { name region country location deploymentConstraints { deprecationInfo { isDeprecated replacementRegion } } } }", json!({}))
        .await;
    let regions = r.data()["regions"].as_array().unwrap();
    let names: Vec<_> = regions
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    for name in mirage::resolve::regions::names() {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    let legacy = regions.iter().find(|r| r["name"] == "us-west1").unwrap();
    assert_eq!(
        legacy["deploymentConstraints"]["deprecationInfo"]["replacementRegion"],
        "us-west2"
    );
    // Accepted and ignored: everything a client can read is the same after.
    let (pid, env) = h.project("p").await;
    let web = h.service(&pid, "web", "nginx").await;
    h.deploy(&env, &web).await;
    let world = "query { projects { edges { node { id name updatedAt environments { edges { node { id updatedAt config(decryptVariables: true) unmergedChangesCount deployments { edges { node { id status } } } } } } services { edges { node { id name updatedAt } } } } } } }";
    let before = h.gql(world, json!({})).await.data().clone();
    let r = h
        .gql(
            "mutation($i: CliEventTrackInput!) { cliEventTrack(input: $i) }",
            json!({"i": {"arch": "aarch64", "cliVersion": "5.43.1", "command": "up", "durationMs": 3, "isCi": false, "os": "macos", "success": false, "errorMessage": "boom"}}),
        )
        .await;
    assert_eq!(r.data()["cliEventTrack"], true);
    assert_eq!(h.gql(world, json!({})).await.data(), &before);
    // Not more lenient than the schema: a required field is still required.
    let r = h
        .gql(
            "mutation($i: CliEventTrackInput!) { cliEventTrack(input: $i) }",
            json!({"i": {"arch": "x", "cliVersion": "1", "durationMs": 1, "isCi": false, "os": "linux", "success": true}}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.error().contains("command"), "{}", r.text);
    // Telemetry needs a token, as every call does.
    let r = h
        .send(
            "mutation($i: CliEventTrackInput!) { cliEventTrack(input: $i) }",
            json!({"i": {"arch": "x", "cliVersion": "1", "command": "c", "durationMs": 1, "isCi": false, "os": "linux", "success": true}}),
            None,
        )
        .await;
    assert_eq!(r.error(), "Not Authorized");
}

#[tokio::test]
async fn environment_log_filters_select_services() {
    let h = Harness::start().await;
    let (pid, env) = h.project("p").await;
    let web = h.service(&pid, "web", "nginx").await;
    let db = h.service(&pid, "db", "postgres").await;
    h.commit(
        &env,
        json!({"services": {&db: {"deploy": {"startCommand": "sh -c 'exit 1'"}}}}),
    )
    .await
    .data();
    let q = "query($e: String!, $f: String) { environmentLogs(environmentId: $e, filter: $f) { message severity tags { serviceId } } }";
    let services = |r: &support::Reply| -> Vec<String> {
        let mut v: Vec<String> = r.data()["environmentLogs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["tags"]["serviceId"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let r = h
        .gql(q, json!({"e": env, "f": format!("@service:{web}")}))
        .await;
    assert_eq!(services(&r), [web.as_str()]);
    let r = h
        .gql(q, json!({"e": env, "f": format!("-@service:{web}")}))
        .await;
    assert_eq!(services(&r), [db.as_str()]);
    let r = h.gql(q, json!({"e": env, "f": "@level:error"})).await;
    let lines = r.data()["environmentLogs"].as_array().unwrap();
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|l| l["severity"] == "error"));
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "Container exited with code 1")
    );
    let r = h
        .gql(
            q,
            json!({"e": env, "f": format!("(@service:{web} OR @service:{db}) AND \"exited with code\"")}),
        )
        .await;
    assert_eq!(services(&r), [db.as_str()]);
}

#[tokio::test]
async fn forced_outcomes_fail_and_crash_deployments() {
    let h = Harness::start().await;
    let (pid, env) = h.project("p").await;
    let web = h.service(&pid, "web", "nginx").await;
    let (status, _) = h.admin_status("outcomes", json!({"web": "EXPLODED"})).await;
    assert_eq!(status, 400);
    h.admin("outcomes", json!({"web": "FAILED"})).await;
    let id = h.deploy(&env, &web).await;
    let q = "query($id: String!) { deployment(id: $id) { status } buildLogs(deploymentId: $id, filter: \"@level:error\") { message } }";
    let r = h.gql(q, json!({"id": id})).await;
    assert_eq!(r.data()["deployment"]["status"], "FAILED");
    assert_eq!(
        r.data()["buildLogs"][0]["message"],
        "Build failed: process exited with code 1"
    );
    h.admin("outcomes", json!({"web": "CRASHED"})).await;
    let id = h.deploy(&env, &web).await;
    let r = h.gql(q, json!({"id": id})).await;
    assert_eq!(r.data()["deployment"]["status"], "CRASHED");
    h.admin("outcomes", json!({})).await;
    let id = h.deploy(&env, &web).await;
    let r = h.gql(q, json!({"id": id})).await;
    assert_eq!(r.data()["deployment"]["status"], "SUCCESS");
}
