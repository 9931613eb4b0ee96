//! Deployments on the emulator's clock, their logs (queries and a
//! `graphql-transport-ws` subscription), domains, TCP proxies and volumes.

use crate::support;

use std::time::Duration;

use mirage::emulator::Options;
use serde_json::json;
use support::{Harness, next_message, send_message};

async fn slow() -> Harness {
    // A long phase so the test moves the clock itself.
    Harness::with(Options {
        clock: Duration::from_secs(3600),
        ..Options::default()
    })
    .await
}

async fn status(h: &Harness, id: &str) -> String {
    let r = h
        .gql(
            "query($id: String!) { deployment(id: $id) { status } }",
            json!({"id": id}),
        )
        .await;
    r.data()["deployment"]["status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn deployments_progress_with_the_clock_and_write_logs() {
    let h = slow().await;
    let (pid, env) = h.project("p").await;
    let sid = h.service(&pid, "web", "nginx").await;
    let id = h.deploy(&env, &sid).await;
    assert_eq!(status(&h, &id).await, "INITIALIZING");
    h.admin("clock", json!({"advance_ms": 3_600_000})).await;
    assert_eq!(status(&h, &id).await, "BUILDING");
    let logs = h.gql("query($id: String!) { buildLogs(deploymentId: $id) { message severity timestamp tags { deploymentId serviceId } } }", json!({"id": id})).await;
    let logs = logs.data()["buildLogs"].as_array().unwrap().clone();
    assert_eq!(logs[0]["message"], "Pulling image nginx");
    assert_eq!(logs[0]["tags"]["deploymentId"], id.as_str());
    h.admin("clock", json!({"advance_ms": 3_600_000})).await;
    assert_eq!(status(&h, &id).await, "DEPLOYING");
    h.admin("clock", json!({"advance_ms": 3_600_000})).await;
    assert_eq!(status(&h, &id).await, "SUCCESS");
    let r = h
        .gql(
            "query($id: String!) { deploymentLogs(deploymentId: $id, limit: 1) { message } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        r.data()["deploymentLogs"],
        json!([{"message": "Listening on port 8080"}])
    );
    let r = h.gql("query($e: String!) { environmentLogs(environmentId: $e, filter: \"Starting\") { message } }", json!({"e": env})).await;
    assert!(!r.data()["environmentLogs"].as_array().unwrap().is_empty());

    // The list, newest first, filtered by status: the deployment made at
    // creation is superseded, REMOVING for one step, then REMOVED.
    let list = "query($e: String!, $s: String!) { deployments(input: {environmentId: $e, serviceId: $s, status: {in: [SUCCESS, REMOVING, REMOVED]}}) { edges { node { id status } } } }";
    let r = h.gql(list, json!({"e": env, "s": sid})).await;
    let edges = r.data()["deployments"]["edges"].as_array().unwrap();
    assert_eq!(edges[0]["node"]["id"], id.as_str());
    assert_eq!(edges[1]["node"]["status"], "REMOVING");
    h.admin("clock", json!({"advance_ms": 3_600_000})).await;
    let r = h.gql(list, json!({"e": env, "s": sid})).await;
    let edges = r.data()["deployments"]["edges"].as_array().unwrap();
    assert_eq!(edges[0]["node"]["status"], "SUCCESS");
    assert_eq!(edges[1]["node"]["status"], "REMOVED");

    let bad = h
        .gql("mutation($e: String!, $s: String!) { serviceInstanceDeployV2(environmentId: $e, serviceId: $s, commitSha: \"not-a-sha\") }", json!({"e": env, "s": sid}))
        .await;
    assert_eq!(bad.error(), "Commit not found");
}

#[tokio::test]
async fn failing_commands_fail_or_crash() {
    let h = Harness::start().await;
    let (pid, env) = h.project("p").await;
    let sid = h.service(&pid, "job", "busybox").await;
    h.commit(
        &env,
        json!({"services": {&sid: {"build": {"buildCommand": "make || exit 1"}}}}),
    )
    .await
    .data();
    let q = "query($e: String!, $s: String!) { serviceInstance(environmentId: $e, serviceId: $s) { latestDeployment { status } } }";
    let r = h.gql(q, json!({"e": env, "s": sid})).await;
    assert_eq!(
        r.data()["serviceInstance"]["latestDeployment"]["status"],
        "FAILED"
    );
    h.commit(
        &env,
        json!({"services": {&sid: {"build": null, "deploy": {"startCommand": "sh -c 'exit 1'"}}}}),
    )
    .await
    .data();
    let r = h.gql(q, json!({"e": env, "s": sid})).await;
    assert_eq!(
        r.data()["serviceInstance"]["latestDeployment"]["status"],
        "CRASHED"
    );
    let r = h.gql("mutation($e: String!, $s: String!) { serviceInstanceRedeploy(environmentId: $e, serviceId: $s) }", json!({"e": env, "s": sid})).await;
    assert_eq!(r.data()["serviceInstanceRedeploy"], true);
}

#[tokio::test]
async fn commits_deploy_changed_services_unless_skipped() {
    let h = Harness::start().await;
    let (pid, env) = h.project("p").await;
    let a = h.service(&pid, "a", "a:1").await;
    let b = h.service(&pid, "b", "b:1").await;
    let count = |s: String| {
        let h = &h;
        let env = env.clone();
        async move {
            let r = h.gql("query($e: String!, $s: String!) { deployments(input: {environmentId: $e, serviceId: $s}) { edges { node { id } } } }", json!({"e": env, "s": s})).await;
            r.data()["deployments"]["edges"].as_array().unwrap().len()
        }
    };
    assert_eq!((count(a.clone()).await, count(b.clone()).await), (1, 1));
    h.commit(
        &env,
        json!({"services": {&a: {"deploy": {"numReplicas": 2}}}}),
    )
    .await
    .data();
    assert_eq!(
        (count(a.clone()).await, count(b.clone()).await),
        (2, 1),
        "only the changed service deploys"
    );
    h.gql(
        "mutation($i: VariableUpsertInput!) { variableUpsert(input: $i) }",
        json!({"i": {"projectId": pid, "environmentId": env, "serviceId": b, "name": "X", "value": "1", "skipDeploys": true}}),
    )
    .await
    .data();
    assert_eq!(count(b.clone()).await, 1, "skipDeploys skips");
}

#[tokio::test]
async fn domains_and_tcp_proxies() {
    let h = Harness::start().await;
    let (pid, env) = h.project("p").await;
    let sid = h.service(&pid, "web", "nginx").await;
    let r = h
        .gql(
            "mutation($e: String!, $s: String!) { serviceDomainCreate(input: {environmentId: $e, serviceId: $s, targetPort: 8080}) { id domain suffix targetPort syncStatus serviceId environmentId } }",
            json!({"e": env, "s": sid}),
        )
        .await;
    let sd = r.data()["serviceDomainCreate"].clone();
    let domain = sd["domain"].as_str().unwrap();
    assert!(
        domain.starts_with("web-production-") && domain.ends_with(".up.railway.app"),
        "{domain}"
    );
    assert_eq!(sd["suffix"], "up.railway.app");
    assert_eq!(sd["targetPort"], 8080);
    let r = h
        .gql(
            "mutation($p: String!, $e: String!, $s: String!) { customDomainCreate(input: {projectId: $p, environmentId: $e, serviceId: $s, domain: \"Shop.Example.com\", targetPort: 80}) { id domain status { verified certificateStatus dnsRecords { recordType hostlabel zone requiredValue } } } }",
            json!({"p": pid, "e": env, "s": sid}),
        )
        .await;
    let cd = r.data()["customDomainCreate"].clone();
    assert_eq!(cd["domain"], "shop.example.com");
    assert_eq!(
        cd["status"]["dnsRecords"][0]["recordType"],
        "DNS_RECORD_TYPE_CNAME"
    );
    assert_eq!(cd["status"]["dnsRecords"][0]["zone"], "example.com");
    let again = h
        .gql(
            "mutation($p: String!, $e: String!, $s: String!) { customDomainCreate(input: {projectId: $p, environmentId: $e, serviceId: $s, domain: \"shop.example.com\"}) { id } }",
            json!({"p": pid, "e": env, "s": sid}),
        )
        .await;
    assert_eq!(
        again.body["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );

    let r = h
        .gql("query($p: String!, $e: String!, $s: String!) { domains(projectId: $p, environmentId: $e, serviceId: $s) { serviceDomains { id domain } customDomains { id domain } } }", json!({"p": pid, "e": env, "s": sid}))
        .await;
    assert_eq!(r.data()["domains"]["serviceDomains"][0]["id"], sd["id"]);
    assert_eq!(r.data()["domains"]["customDomains"][0]["id"], cd["id"]);
    let vars = h
        .gql("query($p: String!, $e: String!, $s: String!) { variablesForServiceDeployment(projectId: $p, environmentId: $e, serviceId: $s) }", json!({"p": pid, "e": env, "s": sid}))
        .await;
    assert_eq!(
        vars.data()["variablesForServiceDeployment"]["RAILWAY_PUBLIC_DOMAIN"],
        sd["domain"]
    );

    // TCP proxy via the deprecated mutation and via a config patch read back.
    let r = h
        .gql("mutation($e: String!, $s: String!) { tcpProxyCreate(input: {environmentId: $e, serviceId: $s, applicationPort: 5432}) { id domain proxyPort applicationPort syncStatus } }", json!({"e": env, "s": sid}))
        .await;
    let proxy = r.data()["tcpProxyCreate"].clone();
    assert_eq!(proxy["applicationPort"], 5432);
    let port = proxy["proxyPort"].as_i64().unwrap();
    assert!((10_000..60_000).contains(&port));
    let r = h.gql("query($e: String!, $s: String!) { tcpProxies(environmentId: $e, serviceId: $s) { id proxyPort } }", json!({"e": env, "s": sid})).await;
    assert_eq!(
        r.data()["tcpProxies"],
        json!([{"id": proxy["id"], "proxyPort": port}])
    );
    let r = h
        .gql(
            "mutation($id: String!) { tcpProxyDelete(id: $id) }",
            json!({"id": proxy["id"]}),
        )
        .await;
    assert_eq!(r.data()["tcpProxyDelete"], true);
    h.commit(
        &env,
        json!({"services": {&sid: {"networking": {"tcpProxies": {"6379": {}}}}}}),
    )
    .await
    .data();
    let r = h.gql("query($e: String!, $s: String!) { tcpProxies(environmentId: $e, serviceId: $s) { applicationPort } }", json!({"e": env, "s": sid})).await;
    assert_eq!(r.data()["tcpProxies"], json!([{"applicationPort": 6379}]));

    for (m, id) in [
        ("serviceDomainDelete", &sd["id"]),
        ("customDomainDelete", &cd["id"]),
    ] {
        let r = h
            .gql(
                &format!("mutation($id: String!) {{ {m}(id: $id) }}"),
                json!({"id": id}),
            )
            .await;
        assert_eq!(r.data()[m], true);
    }
    let r = h
        .gql("query($p: String!, $e: String!, $s: String!) { domains(projectId: $p, environmentId: $e, serviceId: $s) { serviceDomains { id } customDomains { id } } }", json!({"p": pid, "e": env, "s": sid}))
        .await;
    assert_eq!(
        r.data()["domains"],
        json!({"serviceDomains": [], "customDomains": []})
    );
}

#[tokio::test]
async fn volumes_attach_per_environment() {
    let h = Harness::start().await;
    let (pid, env) = h.project("p").await;
    let sid = h.service(&pid, "db", "postgres").await;
    let r = h
        .gql("mutation($p: String!, $s: String!) { volumeCreate(input: {projectId: $p, serviceId: $s, mountPath: \"/data\"}) { id name projectId } }", json!({"p": pid, "s": sid}))
        .await;
    let vol = r.data()["volumeCreate"].clone();
    assert_eq!(vol["name"], "db-volume");
    let vid = vol["id"].as_str().unwrap();
    let r = h
        .gql("query($e: String!) { environment(id: $e) { volumeInstances { edges { node { id volumeId serviceId mountPath sizeMB currentSizeMB state } } } } }", json!({"e": env}))
        .await;
    let vi = &r.data()["environment"]["volumeInstances"]["edges"][0]["node"];
    assert_eq!(vi["volumeId"], vid);
    assert_eq!(vi["serviceId"], sid.as_str());
    assert_eq!(vi["mountPath"], "/data");
    assert_eq!(vi["sizeMB"], 5000);
    assert_eq!(vi["state"], "READY");
    let r = h
        .gql(
            "query($id: String!) { volumeInstance(id: $id) { volume { id name } } }",
            json!({"id": vi["id"]}),
        )
        .await;
    assert_eq!(r.data()["volumeInstance"]["volume"]["id"], vid);
    // Unattached: `environmentId: null` creates it in no environment.
    let r = h
        .gql("mutation($p: String!) { volumeCreate(input: {projectId: $p, mountPath: \"/x\", environmentId: null}) { id } }", json!({"p": pid}))
        .await;
    let other = r.data()["volumeCreate"]["id"].as_str().unwrap().to_string();
    let (config, _) = h.config(&env).await;
    assert!(config["volumes"].get(&other).is_none());
    let r = h
        .gql(
            "query($p: String!) { project(id: $p) { volumes { edges { node { id } } } } }",
            json!({"p": pid}),
        )
        .await;
    assert_eq!(
        r.data()["project"]["volumes"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let r = h
        .gql(
            "mutation($v: String!) { volumeDelete(volumeId: $v) }",
            json!({"v": vid}),
        )
        .await;
    assert_eq!(r.data()["volumeDelete"], true);
    let (config, _) = h.config(&env).await;
    assert!(config["volumes"].get(vid).is_none());
    assert!(
        config["services"][&sid]
            .get("volumeMounts")
            .is_none_or(|m| m.get(vid).is_none())
    );
}

#[tokio::test]
async fn subscription_streams_logs_over_graphql_transport_ws() {
    let h = slow().await;
    let (pid, env) = h.project("p").await;
    let sid = h.service(&pid, "web", "nginx").await;
    let id = h.deploy(&env, &sid).await;

    let (mut ws, protocol) = h.socket().await;
    assert_eq!(protocol, "graphql-transport-ws");
    send_message(&mut ws, json!({"id": "1", "type": "subscribe", "payload": {
        "query": "subscription($id: String!) { deploymentLogs(deploymentId: $id) { message timestamp } }",
        "variables": {"id": id}
    }})).await;
    send_message(
        &mut ws,
        json!({"id": "2", "type": "subscribe", "payload": {
            "query": "subscription($id: String!) { deployment(id: $id) { status } }",
            "variables": {"id": id}
        }}),
    )
    .await;
    let first = next_message(&mut ws).await;
    assert_eq!(first["id"], "2");
    assert_eq!(
        first["payload"]["data"]["deployment"]["status"],
        "INITIALIZING"
    );
    // Move past BUILDING into DEPLOYING: deploy logs start.
    h.admin("clock", json!({"advance_ms": 2 * 3_600_000})).await;
    let mut saw_logs = false;
    let mut saw_deploying = false;
    while !(saw_logs && saw_deploying) {
        let msg = next_message(&mut ws).await;
        assert_eq!(msg["type"], "next", "{msg}");
        if msg["id"] == "1" {
            let lines = msg["payload"]["data"]["deploymentLogs"].as_array().unwrap();
            assert_eq!(lines[0]["message"], "Starting Container");
            saw_logs = true;
        } else if msg["payload"]["data"]["deployment"]["status"] == "DEPLOYING" {
            saw_deploying = true;
        }
    }
    send_message(&mut ws, json!({"id": "1", "type": "complete"})).await;
}
