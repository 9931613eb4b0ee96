//! The emulator over real HTTP on loopback: every operation, Railway's
//! semantics (patches, etags, staging, masking, rendering, cloning) and its
//! error shapes.

use crate::support;

use serde_json::{Value, json};
use support::Harness;

#[tokio::test]
async fn project_lifecycle() {
    let h = Harness::start().await;
    let (pid, env) = h.project("shop").await;
    let r = h
        .gql(
            "query($id: String!) { project(id: $id) { id name isPublic prDeploys deletedAt baseEnvironmentId createdAt environments { edges { cursor node { id name projectId isEphemeral unmergedChangesCount } } pageInfo { hasNextPage endCursor } } } }",
            json!({"id": pid}),
        )
        .await;
    let p = &r.data()["project"];
    assert_eq!(p["name"], "shop");
    assert_eq!(p["baseEnvironmentId"], env.as_str());
    assert_eq!(p["deletedAt"], Value::Null);
    assert!(p["createdAt"].as_str().unwrap().ends_with('Z'));
    let envs = p["environments"]["edges"].as_array().unwrap();
    assert_eq!(envs.len(), 1);
    assert_eq!(envs[0]["node"]["name"], "production");
    assert_eq!(envs[0]["node"]["unmergedChangesCount"], 0);
    assert_eq!(p["environments"]["pageInfo"]["hasNextPage"], false);

    let r = h
        .gql("{ projects { edges { node { id name } } } }", json!({}))
        .await;
    assert_eq!(r.data()["projects"]["edges"][0]["node"]["id"], pid.as_str());

    let r = h
        .gql(
            "mutation($id: String!) { projectScheduleDelete(id: $id) }",
            json!({"id": pid}),
        )
        .await;
    assert_eq!(r.data()["projectScheduleDelete"], true);
    let r = h
        .gql(
            "{ projects { edges { node { id deletedAt } } } }",
            json!({}),
        )
        .await;
    assert!(
        r.data()["projects"]["edges"][0]["node"]["deletedAt"].is_string(),
        "scheduled delete stays listed"
    );

    let r = h
        .gql(
            "mutation($id: String!) { projectDelete(id: $id) }",
            json!({"id": pid}),
        )
        .await;
    assert_eq!(r.data()["projectDelete"], true);
    let r = h
        .gql(
            "query($id: String!) { project(id: $id) { id } }",
            json!({"id": pid}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.error(), "Project not found");
    assert_eq!(r.body["data"], Value::Null);
}

#[tokio::test]
async fn projects_paginate_with_first_and_after() {
    let h = Harness::start().await;
    for i in 0..5 {
        h.project(&format!("p{i}")).await;
    }
    let q = "query($a: String) { projects(first: 2, after: $a) { edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }";
    let mut names = vec![];
    let mut after = Value::Null;
    loop {
        let r = h.gql(q, json!({"a": after})).await;
        let c = &r.data()["projects"];
        for e in c["edges"].as_array().unwrap() {
            names.push(e["node"]["name"].as_str().unwrap().to_string());
        }
        if c["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = c["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        names,
        ["p4", "p3", "p2", "p1", "p0"],
        "newest first, each once"
    );
}

#[tokio::test]
async fn environments_create_rename_delete() {
    let h = Harness::start().await;
    let (pid, _) = h.project("p").await;
    let r = h
        .gql(
            "mutation($p: String!) { environmentCreate(input: {projectId: $p, name: \"staging\", ephemeral: true}) { id name isEphemeral sourceEnvironment { id } } }",
            json!({"p": pid}),
        )
        .await;
    let e = &r.data()["environmentCreate"];
    assert_eq!(e["isEphemeral"], true);
    assert_eq!(e["sourceEnvironment"], Value::Null);
    let id = e["id"].as_str().unwrap().to_string();

    let dup = h
        .gql("mutation($p: String!) { environmentCreate(input: {projectId: $p, name: \"staging\"}) { id } }", json!({"p": pid}))
        .await;
    assert_eq!(
        dup.body["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );

    let r = h
        .gql(
            "mutation($id: String!) { environmentRename(id: $id, input: {name: \"qa\"}) { name } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(r.data()["environmentRename"]["name"], "qa");
    let r = h.gql("query($p: String!) { environments(projectId: $p, isEphemeral: true) { edges { node { name } } } }", json!({"p": pid})).await;
    assert_eq!(
        r.data()["environments"]["edges"].as_array().unwrap().len(),
        1
    );
    let r = h
        .gql(
            "mutation($id: String!) { environmentDelete(id: $id) }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(r.data()["environmentDelete"], true);
    let r = h
        .gql(
            "query($id: String!) { environment(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(r.error(), "Environment not found");
}

#[tokio::test]
async fn services_create_update_connect_delete() {
    let h = Harness::start().await;
    let (pid, env) = h.project("p").await;
    let sid = h.service(&pid, "web", "nginx:1.27").await;
    let r = h
        .gql(
            "query($e: String!, $s: String!) { serviceInstance(environmentId: $e, serviceId: $s) { serviceId serviceName environmentId source { image repo } builder restartPolicyType restartPolicyMaxRetries numReplicas watchPatterns latestDeployment { id status } domains { serviceDomains { domain } customDomains { domain } } } }",
            json!({"e": env, "s": sid}),
        )
        .await;
    let i = &r.data()["serviceInstance"];
    assert_eq!(i["serviceName"], "web");
    assert_eq!(i["source"]["image"], "nginx:1.27");
    assert_eq!(i["builder"], "RAILPACK");
    assert_eq!(i["restartPolicyType"], "ON_FAILURE");
    assert_eq!(i["numReplicas"], 1);
    assert_eq!(
        i["latestDeployment"]["status"], "SUCCESS",
        "an image service deploys on creation"
    );

    let r = h.gql("mutation($id: String!) { serviceUpdate(id: $id, input: {name: \"frontend\", icon: \"x.svg\"}) { name icon } }", json!({"id": sid})).await;
    assert_eq!(
        r.data()["serviceUpdate"],
        json!({"name": "frontend", "icon": "x.svg"})
    );
    let r = h
        .gql(
            "mutation($id: String!) { serviceUpdate(id: $id, input: {icon: null}) { name icon } }",
            json!({"id": sid}),
        )
        .await;
    assert_eq!(
        r.data()["serviceUpdate"],
        json!({"name": "frontend", "icon": null}),
        "null clears, absent keeps"
    );

    let r = h
        .gql("mutation($id: String!) { serviceConnect(id: $id, input: {repo: \"acme/web\", branch: \"main\"}) { id } }", json!({"id": sid}))
        .await;
    r.data();
    let (config, _) = h.config(&env).await;
    assert_eq!(
        config["services"][&sid]["source"],
        json!({"repo": "acme/web", "branch": "main"})
    );

    let r = h
        .gql(
            "query($id: String!) { service(id: $id) { id name projectId project { id } } }",
            json!({"id": sid}),
        )
        .await;
    assert_eq!(r.data()["service"]["project"]["id"], pid.as_str());
    let r = h
        .gql(
            "mutation($id: String!) { serviceDelete(id: $id) }",
            json!({"id": sid}),
        )
        .await;
    assert_eq!(r.data()["serviceDelete"], true);
    let r = h
        .gql(
            "query($id: String!) { service(id: $id) { id } }",
            json!({"id": sid}),
        )
        .await;
    assert_eq!(r.error(), "Service not found");
    let (config, _) = h.config(&env).await;
    assert_eq!(config["services"], json!({}));
}

#[tokio::test]
async fn patch_commit_merges_and_null_deletes_and_etag_follows() {
    let h = Harness::start().await;
    let (pid, env) = h.project("p").await;
    let sid = h.service(&pid, "api", "ghcr.io/acme/api:1").await;
    let (_, etag0) = h.config(&env).await;
    let r = h
        .commit(&env, json!({"services": {&sid: {"deploy": {"startCommand": "node a.js", "numReplicas": 2}, "variables": {"PORT": {"value": "8080"}}}}}))
        .await;
    assert!(r.data()["environmentPatchCommit"].is_string());
    let (config, etag1) = h.config(&env).await;
    assert_ne!(etag0, etag1, "etag changes with the config");
    assert_eq!(config["services"][&sid]["deploy"]["numReplicas"], 2);
    assert_eq!(
        config["services"][&sid]["source"]["image"], "ghcr.io/acme/api:1",
        "merge keeps untouched keys"
    );

    h.commit(
        &env,
        json!({"services": {&sid: {"deploy": {"startCommand": null}}}}),
    )
    .await
    .data();
    let (config, etag2) = h.config(&env).await;
    assert_eq!(
        config["services"][&sid]["deploy"],
        json!({"numReplicas": 2}),
        "null deletes the key"
    );
    assert_ne!(etag1, etag2);
    let (_, etag3) = h.config(&env).await;
    assert_eq!(etag2, etag3, "etag is stable while nothing changes");

    let bad = h
        .commit(&env, json!({"services": {"no-such-service": {}}}))
        .await;
    assert_eq!(bad.status, 200);
    assert_eq!(
        bad.body["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    assert_eq!(
        h.config(&env).await.1,
        etag2,
        "a refused patch changes nothing"
    );
}

#[tokio::test]
async fn staging_merges_counts_and_commits() {
    let h = Harness::start().await;
    let (pid, env) = h.project("p").await;
    let sid = h.service(&pid, "api", "api:1").await;
    let stage = "mutation($e: String!, $p: EnvironmentConfig!, $m: Boolean) { environmentStageChanges(environmentId: $e, input: $p, merge: $m) { id status patch(decryptVariables: true) } }";
    let r = h
        .gql(
            stage,
            json!({"e": env, "p": {"sharedVariables": {"A": {"value": "1"}}}, "m": true}),
        )
        .await;
    assert_eq!(r.data()["environmentStageChanges"]["status"], "STAGED");
    let r = h
        .gql(
            stage,
            json!({"e": env, "p": {"services": {&sid: {"deploy": {"numReplicas": 3}}}}, "m": true}),
        )
        .await;
    assert_eq!(
        r.data()["environmentStageChanges"]["patch"],
        json!({"sharedVariables": {"A": {"value": "1"}}, "services": {&sid: {"deploy": {"numReplicas": 3}}}})
    );
    let q = "query($e: String!) { environment(id: $e) { unmergedChangesCount config(decryptVariables: true) } environmentStagedChanges(environmentId: $e) { status patch(decryptVariables: true) } }";
    let r = h.gql(q, json!({"e": env})).await;
    assert_eq!(r.data()["environment"]["unmergedChangesCount"], 2);
    assert_eq!(
        r.data()["environment"]["config"]["sharedVariables"],
        json!({}),
        "staged is not applied"
    );

    let r = h
        .gql(
            stage,
            json!({"e": env, "p": {"sharedVariables": {"B": {"value": "2"}}}, "m": false}),
        )
        .await;
    assert_eq!(
        r.data()["environmentStageChanges"]["patch"],
        json!({"sharedVariables": {"B": {"value": "2"}}}),
        "merge: false replaces"
    );

    let r = h
        .gql("mutation($e: String!) { environmentPatchCommitStaged(environmentId: $e, commitMessage: \"go\", skipDeploys: true) }", json!({"e": env}))
        .await;
    assert!(r.data()["environmentPatchCommitStaged"].is_string());
    let r = h.gql(q, json!({"e": env})).await;
    assert_eq!(r.data()["environment"]["unmergedChangesCount"], 0);
    assert_eq!(
        r.data()["environment"]["config"]["sharedVariables"],
        json!({"B": {"value": "2"}})
    );
    assert_eq!(r.data()["environmentStagedChanges"]["patch"], json!({}));
}

#[tokio::test]
async fn variables_are_masked_unless_decrypted() {
    let h = Harness::start().await;
    let (pid, env) = h.project("p").await;
    let sid = h.service(&pid, "api", "api:1").await;
    h.commit(
        &env,
        json!({"services": {&sid: {"variables": {"SECRET": {"value": "hunter2"}}}}}),
    )
    .await
    .data();
    let r = h
        .gql("query($e: String!) { environment(id: $e) { masked: config decrypted: config(decryptVariables: true) } }", json!({"e": env}))
        .await;
    let e = &r.data()["environment"];
    assert_eq!(
        e["masked"]["services"][&sid]["variables"]["SECRET"]["value"],
        "*******"
    );
    assert_eq!(
        e["decrypted"]["services"][&sid]["variables"]["SECRET"]["value"],
        "hunter2"
    );
    assert!(!r.text.contains("hunter2") || e["decrypted"].to_string().contains("hunter2"));
}

#[tokio::test]
async fn variables_render_references_unless_unrendered() {
    let h = Harness::start().await;
    let (pid, env) = h.project("p").await;
    let db = h.service(&pid, "Postgres", "postgres:16").await;
    let api = h.service(&pid, "api", "api:1").await;
    let upsert =
        "mutation($i: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $i) }";
    h.gql(
        upsert,
        json!({"i": {"projectId": pid, "environmentId": env, "variables": {"REGION": "eu"}}}),
    )
    .await
    .data();
    h.gql(upsert, json!({"i": {"projectId": pid, "environmentId": env, "serviceId": db, "variables": {"DATABASE_URL": "postgres://${{RAILWAY_PRIVATE_DOMAIN}}:5432"}}})).await.data();
    h.gql(
        upsert,
        json!({"i": {"projectId": pid, "environmentId": env, "serviceId": api, "skipDeploys": true, "variables": {
            "DB": "${{ Postgres.DATABASE_URL }}", "WHERE": "${{shared.REGION}}", "SELF": "${{RAILWAY_SERVICE_NAME}}-${{WHERE}}", "MISSING": "[${{nope.X}}]"
        }}}),
    )
    .await
    .data();
    let q = "query($p: String!, $e: String!, $s: String, $u: Boolean) { variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: $u) }";
    let raw = h
        .gql(q, json!({"p": pid, "e": env, "s": api, "u": true}))
        .await;
    assert_eq!(
        raw.data()["variables"]["DB"],
        "${{ Postgres.DATABASE_URL }}"
    );
    let rendered = h.gql(q, json!({"p": pid, "e": env, "s": api})).await;
    let v = &rendered.data()["variables"];
    assert_eq!(v["DB"], "postgres://postgres.railway.internal:5432");
    assert_eq!(v["WHERE"], "eu");
    assert_eq!(v["SELF"], "api-eu");
    assert_eq!(v["MISSING"], "[]");
    let shared = h.gql(q, json!({"p": pid, "e": env})).await;
    assert_eq!(shared.data()["variables"], json!({"REGION": "eu"}));

    h.gql(upsert, json!({"i": {"projectId": pid, "environmentId": env, "serviceId": api, "replace": true, "variables": {"ONLY": "1"}}})).await.data();
    let raw = h
        .gql(q, json!({"p": pid, "e": env, "s": api, "u": true}))
        .await;
    assert_eq!(
        raw.data()["variables"],
        json!({"ONLY": "1"}),
        "replace drops the rest"
    );

    let one = "mutation($i: VariableUpsertInput!) { variableUpsert(input: $i) }";
    h.gql(one, json!({"i": {"projectId": pid, "environmentId": env, "serviceId": api, "name": "TWO", "value": "2"}})).await.data();
    let del = "mutation($i: VariableDeleteInput!) { variableDelete(input: $i) }";
    h.gql(
        del,
        json!({"i": {"projectId": pid, "environmentId": env, "serviceId": api, "name": "ONLY"}}),
    )
    .await
    .data();
    let raw = h
        .gql(q, json!({"p": pid, "e": env, "s": api, "u": true}))
        .await;
    assert_eq!(raw.data()["variables"], json!({"TWO": "2"}));

    let dep = h
        .gql("query($p: String!, $e: String!, $s: String!) { variablesForServiceDeployment(projectId: $p, environmentId: $e, serviceId: $s) }", json!({"p": pid, "e": env, "s": api}))
        .await;
    let all = &dep.data()["variablesForServiceDeployment"];
    assert_eq!(all["REGION"], "eu");
    assert_eq!(all["RAILWAY_PRIVATE_DOMAIN"], "api.railway.internal");
}

#[tokio::test]
async fn environment_clone_copies_services_config_and_variables() {
    let h = Harness::start().await;
    let (pid, prod) = h.project("p").await;
    let sid = h.service(&pid, "web", "nginx").await;
    h.commit(&prod, json!({"sharedVariables": {"S": {"value": "1"}}, "services": {&sid: {"variables": {"V": {"value": "x"}}, "networking": {"customDomains": {"shop.example.com": {"port": 80}}}}}}))
        .await
        .data();
    h.gql(
        "mutation($e: String!, $s: String!) { serviceDomainCreate(input: {environmentId: $e, serviceId: $s, targetPort: 8080}) { domain } }",
        json!({"e": prod, "s": sid}),
    )
    .await
    .data();
    let r = h
        .gql(
            "mutation($p: String!, $src: String!) { environmentCreate(input: {projectId: $p, name: \"staging\", sourceEnvironmentId: $src}) { id sourceEnvironment { id } serviceInstances { edges { node { serviceId } } } } }",
            json!({"p": pid, "src": prod}),
        )
        .await;
    let e = &r.data()["environmentCreate"];
    assert_eq!(e["sourceEnvironment"]["id"], prod.as_str());
    assert_eq!(
        e["serviceInstances"]["edges"][0]["node"]["serviceId"],
        sid.as_str()
    );
    let staging = e["id"].as_str().unwrap();
    let (config, _) = h.config(staging).await;
    assert_eq!(config["sharedVariables"]["S"]["value"], "1");
    assert_eq!(config["services"][&sid]["variables"]["V"]["value"], "x");
    assert_eq!(
        config["services"][&sid]["networking"].get("customDomains"),
        None,
        "custom domains stay with their environment"
    );
    let domains = config["services"][&sid]["networking"]["serviceDomains"]
        .as_object()
        .unwrap();
    assert_eq!(domains.len(), 1);
    let domain = domains.keys().next().unwrap();
    assert!(
        domain.starts_with("web-staging-") && domain.ends_with(".up.railway.app"),
        "{domain}"
    );
}

#[tokio::test]
async fn service_create_follows_fork_semantics() {
    let h = Harness::start().await;
    let (pid, prod) = h.project("p").await;
    let r = h
        .gql(
            "mutation($p: String!, $src: String!) { environmentCreate(input: {projectId: $p, name: \"pr-1\", sourceEnvironmentId: $src}) { id } }",
            json!({"p": pid, "src": prod}),
        )
        .await;
    let fork = r.data()["environmentCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let create = "mutation($p: String!, $e: String, $n: String) { serviceCreate(input: {projectId: $p, environmentId: $e, name: $n}) { id } }";
    let only_fork = h
        .gql(create, json!({"p": pid, "e": fork, "n": "preview-only"}))
        .await;
    let only_fork = only_fork.data()["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let everywhere = h.gql(create, json!({"p": pid, "n": "shared"})).await;
    let everywhere = everywhere.data()["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (prod_cfg, _) = h.config(&prod).await;
    let (fork_cfg, _) = h.config(&fork).await;
    assert!(prod_cfg["services"].get(&only_fork).is_none());
    assert!(fork_cfg["services"].get(&only_fork).is_some());
    assert!(prod_cfg["services"].get(&everywhere).is_some());
    assert!(
        fork_cfg["services"].get(&everywhere).is_none(),
        "forks are left alone without their id"
    );

    // A fork can take the service with a patch (`isCreated`), as the CLI does.
    h.commit(
        &fork,
        json!({"services": {&everywhere: {"isCreated": true}}}),
    )
    .await
    .data();
    let (fork_cfg, _) = h.config(&fork).await;
    assert_eq!(fork_cfg["services"][&everywhere], json!({}));
    h.commit(
        &fork,
        json!({"services": {&everywhere: {"isDeleted": true}}}),
    )
    .await
    .data();
    let (fork_cfg, _) = h.config(&fork).await;
    assert!(fork_cfg["services"].get(&everywhere).is_none());
}

#[tokio::test]
async fn service_instance_update_tells_null_from_absent() {
    let h = Harness::start().await;
    let (pid, env) = h.project("p").await;
    let sid = h.service(&pid, "api", "api:1").await;
    let upd = "mutation($s: String!, $e: String, $i: ServiceInstanceUpdateInput!) { serviceInstanceUpdate(serviceId: $s, environmentId: $e, input: $i) }";
    h.gql(upd, json!({"s": sid, "e": env, "i": {"startCommand": "node x", "healthcheckPath": "/h", "numReplicas": 2, "restartPolicyType": "ALWAYS"}})).await.data();
    h.gql(
        upd,
        json!({"s": sid, "e": env, "i": {"startCommand": null}}),
    )
    .await
    .data();
    let r = h
        .gql("query($e: String!, $s: String!) { serviceInstance(environmentId: $e, serviceId: $s) { startCommand healthcheckPath numReplicas restartPolicyType } }", json!({"e": env, "s": sid}))
        .await;
    assert_eq!(
        r.data()["serviceInstance"],
        json!({"startCommand": null, "healthcheckPath": "/h", "numReplicas": 2, "restartPolicyType": "ALWAYS"})
    );
}

#[tokio::test]
async fn error_shapes_and_statuses() {
    let h = Harness::start().await;
    // Parse error: 400, no data.
    let r = h.gql("query { projects { ", json!({})).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );
    assert!(r.body.get("data").is_none());
    // Validation error: 400, no data.
    let r = h.gql("query { nope }", json!({})).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        r.body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert!(r.body.get("data").is_none());
    // Resolver error: 200, data null, path, locations, traceId.
    let r = h
        .gql("query { project(id: \"missing\") { id } }", json!({}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["data"], Value::Null);
    let e = &r.body["errors"][0];
    assert_eq!(e["message"], "Project not found");
    assert_eq!(e["path"], json!(["project"]));
    assert_eq!(e["locations"][0]["line"], 1);
    assert_eq!(e["extensions"]["code"], "INTERNAL_SERVER_ERROR");
    let trace = e["traceId"].as_str().unwrap();
    assert!(
        (18..=19).contains(&trace.len()) && trace.chars().all(|c| c.is_ascii_digit()),
        "{trace}"
    );
    // Unknown path: Railway's 404 body.
    let resp = h
        .http
        .get(format!("http://{}/nope", h.emu.addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["message"], "Not Found");
    assert_eq!(body["requestId"].as_str().unwrap().len(), 36);
}

#[tokio::test]
async fn tokens_scope_access() {
    let h = Harness::start().await;
    // No token: Not Authorized, INTERNAL_SERVER_ERROR, HTTP 200.
    let r = h.send("{ me { id } }", json!({}), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.error(), "Not Authorized");
    assert_eq!(
        r.body["errors"][0]["extensions"]["code"],
        "INTERNAL_SERVER_ERROR"
    );
    // Introspection needs no token.
    let r = h
        .send("{ __schema { queryType { name } } }", json!({}), None)
        .await;
    assert_eq!(r.data()["__schema"]["queryType"]["name"], "Query");
    // An account token.
    let r = h
        .gql(
            "{ me { id email workspaces { id projects { edges { node { id } } } } } }",
            json!({}),
        )
        .await;
    assert!(r.data()["me"]["id"].is_string());

    let (pid, env) = h.project("p").await;
    let (other, _) = h.project("other").await;
    let r = h
        .gql("mutation($p: String!, $e: String!) { projectTokenCreate(input: {projectId: $p, environmentId: $e, name: \"ci\"}) }", json!({"p": pid, "e": env}))
        .await;
    let token = r.data()["projectTokenCreate"].as_str().unwrap().to_string();
    let as_project = |q: &'static str, v: Value| {
        let token = token.clone();
        let h = &h;
        async move { h.send(q, v, Some(("project-access-token", token))).await }
    };
    let r = as_project("{ projectToken { projectId environmentId } }", json!({})).await;
    assert_eq!(
        r.data()["projectToken"],
        json!({"projectId": pid, "environmentId": env})
    );
    let r = as_project(
        "query($id: String!) { project(id: $id) { name } }",
        json!({"id": pid}),
    )
    .await;
    assert_eq!(r.data()["project"]["name"], "p");
    let r = as_project(
        "query($id: String!) { project(id: $id) { name } }",
        json!({"id": other}),
    )
    .await;
    assert_eq!(r.error(), "Not Authorized");
    let r = as_project("{ me { id } }", json!({})).await;
    assert_eq!(r.error(), "Not Authorized", "me needs an account token");
    let r = h
        .send(
            "{ projectToken { projectId } }",
            json!({}),
            Some(("project-access-token", "bogus".into())),
        )
        .await;
    assert_eq!(r.error(), "Project Token not found");
}

#[tokio::test]
async fn configured_account_tokens_refuse_others() {
    let h = Harness::with(mirage::emulator::Options {
        tokens: vec!["only-this".into()],
        ..Default::default()
    })
    .await;
    let r = h
        .send(
            "{ me { id } }",
            json!({}),
            Some(("authorization", "Bearer other".into())),
        )
        .await;
    assert_eq!(r.error(), "Not Authorized");
    let r = h
        .send(
            "{ me { id } }",
            json!({}),
            Some(("authorization", "Bearer only-this".into())),
        )
        .await;
    assert!(r.data()["me"]["id"].is_string());
}
