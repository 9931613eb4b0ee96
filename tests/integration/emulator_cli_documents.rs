//! The official Railway CLI's own GraphQL documents (vendored unchanged in
//! `tests/railway-cli-gql/`, MIT, see its README) validate and run against
//! the emulator. Every vendored file must be run by this test.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::{Value, json};
use support::{Harness, next_message, send_message};

struct Docs {
    all: BTreeMap<String, String>,
    used: BTreeSet<String>,
}

impl Docs {
    fn load() -> Docs {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/railway-cli-gql");
        let mut all = BTreeMap::new();
        for folder in ["queries", "mutations", "subscriptions"] {
            for entry in std::fs::read_dir(root.join(folder)).expect("vendored folder") {
                let path = entry.expect("entry").path();
                if path.extension().is_some_and(|e| e == "graphql") {
                    let name = format!("{folder}/{}", path.file_stem().unwrap().to_string_lossy());
                    all.insert(name, std::fs::read_to_string(&path).expect("document"));
                }
            }
        }
        Docs {
            all,
            used: BTreeSet::new(),
        }
    }

    fn take(&mut self, name: &str) -> String {
        self.used.insert(name.to_string());
        self.all
            .get(name)
            .unwrap_or_else(|| panic!("no vendored document `{name}`"))
            .clone()
    }
}

async fn run(h: &Harness, docs: &mut Docs, name: &str, vars: Value) -> Value {
    let doc = docs.take(name);
    async_graphql::parser::parse_query(&doc).unwrap_or_else(|e| panic!("`{name}` parses: {e}"));
    let r = h.gql(&doc, vars).await;
    assert_eq!(r.status, 200, "`{name}`: {}", r.text);
    assert!(r.body.get("errors").is_none(), "`{name}`: {}", r.text);
    r.body["data"].clone()
}

async fn subscribe(h: &Harness, docs: &mut Docs, name: &str, vars: Value) -> Value {
    let doc = docs.take(name);
    let (mut ws, _) = h.socket().await;
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": doc, "variables": vars}});
    send_message(&mut ws, sub).await;
    let msg = next_message(&mut ws).await;
    assert_eq!(msg["type"], "next", "`{name}`: {msg}");
    assert!(msg["payload"].get("errors").is_none(), "`{name}`: {msg}");
    msg["payload"]["data"].clone()
}

#[tokio::test]
async fn official_cli_documents_run_against_the_emulator() {
    let h = Harness::start().await;
    let mut docs = Docs::load();
    assert!(docs.all.len() >= 40, "{} documents", docs.all.len());
    let (pid, env) = h.project("cli").await;

    let d = run(
        &h,
        &mut docs,
        "mutations/ServiceCreate",
        json!({"name": "web", "projectId": pid, "environmentId": env}),
    )
    .await;
    let sid = d["serviceCreate"]["id"].as_str().unwrap().to_string();
    run(
        &h,
        &mut docs,
        "mutations/ServiceConnect",
        json!({"id": sid, "input": {"image": "nginx"}}),
    )
    .await;
    run(
        &h,
        &mut docs,
        "mutations/ServiceInstanceUpdate",
        json!({"serviceId": sid, "environmentId": env, "source": {"image": "nginx:1.27"}}),
    )
    .await;
    run(&h, &mut docs, "mutations/VariableCollectionUpsert", json!({"projectId": pid, "serviceId": sid, "environmentId": env, "variables": {"A": "1", "B": "2"}})).await;
    run(
        &h,
        &mut docs,
        "mutations/VariableDelete",
        json!({"projectId": pid, "environmentId": env, "name": "A", "serviceId": sid}),
    )
    .await;
    let patch = json!({"services": {&sid: {"networking": {"tcpProxies": {"5432": {}}}}}});
    let d = run(
        &h,
        &mut docs,
        "mutations/EnvironmentPatchCommit",
        json!({"environmentId": env, "patch": patch, "commitMessage": "tcp"}),
    )
    .await;
    assert!(d["environmentPatchCommit"].is_string());
    let staged =
        json!({"services": {&sid: {"deploy": {"startCommand": "nginx -g 'daemon off;'"}}}});
    let d = run(
        &h,
        &mut docs,
        "mutations/EnvironmentStageChanges",
        json!({"environmentId": env, "input": staged, "merge": true}),
    )
    .await;
    assert_eq!(d["environmentStageChanges"]["status"], "STAGED");
    let d = run(
        &h,
        &mut docs,
        "queries/EnvironmentStagedChanges",
        json!({"environmentId": env, "decryptVariables": true}),
    )
    .await;
    assert_eq!(d["environmentStagedChanges"]["patch"], staged);
    run(
        &h,
        &mut docs,
        "mutations/EnvironmentPatchCommitStaged",
        json!({"environmentId": env, "commitMessage": "go", "skipDeploys": false}),
    )
    .await;
    let d = run(
        &h,
        &mut docs,
        "queries/EnvironmentConfig",
        json!({"id": env, "decryptVariables": true}),
    )
    .await;
    assert_eq!(
        d["environment"]["config"]["services"][&sid]["variables"]["B"]["value"],
        "2"
    );
    let d = run(
        &h,
        &mut docs,
        "queries/Environments",
        json!({"projectId": pid, "first": 500}),
    )
    .await;
    assert_eq!(d["environments"]["edges"][0]["node"]["id"], env.as_str());

    let d = run(
        &h,
        &mut docs,
        "mutations/ServiceInstanceDeploy",
        json!({"environmentId": env, "serviceId": sid}),
    )
    .await;
    let did = d["serviceInstanceDeployV2"].as_str().unwrap().to_string();
    run(
        &h,
        &mut docs,
        "mutations/ServiceInstanceDeployLatestCommit",
        json!({"environmentId": env, "serviceId": sid}),
    )
    .await;
    run(&h, &mut docs, "queries/Deployment", json!({"id": did})).await;
    let d = run(
        &h,
        &mut docs,
        "queries/DeploymentStatus",
        json!({"id": did}),
    )
    .await;
    assert!(d["deployment"]["status"].is_string());
    let d = run(
        &h,
        &mut docs,
        "queries/Deployments",
        json!({"input": {"projectId": pid, "environmentId": env, "serviceId": sid}, "first": 5}),
    )
    .await;
    assert_eq!(d["deployments"]["edges"].as_array().unwrap().len(), 5);
    let d = run(
        &h,
        &mut docs,
        "queries/LatestDeployment",
        json!({"serviceId": sid, "environmentId": env}),
    )
    .await;
    assert_eq!(
        d["serviceInstance"]["latestDeployment"]["status"],
        "SUCCESS"
    );
    let d = run(
        &h,
        &mut docs,
        "queries/DeploymentLogs",
        json!({"deploymentId": did}),
    )
    .await;
    assert!(!d["deploymentLogs"].as_array().unwrap().is_empty());
    run(
        &h,
        &mut docs,
        "queries/BuildLogs",
        json!({"deploymentId": did, "startDate": null}),
    )
    .await;
    let d = run(
        &h,
        &mut docs,
        "queries/EnvironmentLogs",
        json!({"environmentId": env, "beforeLimit": 10}),
    )
    .await;
    assert_eq!(d["environmentLogs"].as_array().unwrap().len(), 10);

    let d = run(
        &h,
        &mut docs,
        "mutations/ServiceDomainCreate",
        json!({"environmentId": env, "serviceId": sid, "targetPort": 8080}),
    )
    .await;
    let sdid = d["serviceDomainCreate"]["id"].as_str().unwrap().to_string();
    let input = json!({"domain": "www.example.org", "projectId": pid, "environmentId": env, "serviceId": sid, "targetPort": 80});
    let d = run(
        &h,
        &mut docs,
        "mutations/CustomDomainCreate",
        json!({"input": input}),
    )
    .await;
    let cdid = d["customDomainCreate"]["id"].as_str().unwrap().to_string();
    let ids = json!({"environmentId": env, "projectId": pid, "serviceId": sid});
    let d = run(&h, &mut docs, "queries/Domains", ids.clone()).await;
    assert_eq!(d["domains"]["serviceDomains"][0]["id"], sdid.as_str());
    run(&h, &mut docs, "queries/ServiceDomains", ids).await;
    let d = run(
        &h,
        &mut docs,
        "queries/TcpProxies",
        json!({"environmentId": env, "serviceId": sid}),
    )
    .await;
    let proxy = d["tcpProxies"][0]["id"].as_str().unwrap().to_string();
    let d = run(
        &h,
        &mut docs,
        "mutations/VolumeCreate",
        json!({"projectId": pid, "environmentId": env, "serviceId": sid, "mountPath": "/data"}),
    )
    .await;
    let vid = d["volumeCreate"]["id"].as_str().unwrap().to_string();
    let d = run(&h, &mut docs, "queries/EnvironmentInstances", json!({"environmentId": env, "projectId": pid, "serviceInstancesFirst": 500, "volumeInstancesFirst": 500})).await;
    let node = &d["environment"]["serviceInstances"]["edges"][0]["node"];
    assert_eq!(node["serviceName"], "web");
    assert_eq!(
        node["domains"]["customDomains"][0]["domain"],
        "www.example.org"
    );
    assert_eq!(
        d["environment"]["volumeInstances"]["edges"][0]["node"]["volume"]["id"],
        vid.as_str()
    );
    run(
        &h,
        &mut docs,
        "queries/ServiceInstance",
        json!({"environmentId": env}),
    )
    .await;

    // Subscriptions over graphql-transport-ws.
    let d = subscribe(
        &h,
        &mut docs,
        "subscriptions/DeploymentLogs",
        json!({"deploymentId": did, "limit": 100}),
    )
    .await;
    assert!(!d["deploymentLogs"].as_array().unwrap().is_empty());
    subscribe(
        &h,
        &mut docs,
        "subscriptions/BuildLogs",
        json!({"deploymentId": did}),
    )
    .await;
    let d = subscribe(
        &h,
        &mut docs,
        "subscriptions/Deployment",
        json!({"id": did}),
    )
    .await;
    assert_eq!(d["deployment"]["id"], did.as_str());
    subscribe(
        &h,
        &mut docs,
        "subscriptions/EnvironmentLogs",
        json!({"environmentId": env}),
    )
    .await;

    run(
        &h,
        &mut docs,
        "mutations/TcpProxyDelete",
        json!({"id": proxy}),
    )
    .await;
    run(&h, &mut docs, "mutations/VolumeDelete", json!({"id": vid})).await;
    run(
        &h,
        &mut docs,
        "mutations/ServiceDomainDelete",
        json!({"id": sdid}),
    )
    .await;
    run(
        &h,
        &mut docs,
        "mutations/CustomDomainDelete",
        json!({"id": cdid}),
    )
    .await;

    // A project token, as `RAILWAY_TOKEN` holds.
    let r = h
        .gql("mutation($p: String!, $e: String!) { projectTokenCreate(input: {projectId: $p, environmentId: $e, name: \"ci\"}) }", json!({"p": pid, "e": env}))
        .await;
    let token = r.data()["projectTokenCreate"].as_str().unwrap().to_string();
    let doc = docs.take("queries/ProjectToken");
    let r = h
        .send(&doc, json!({}), Some(("project-access-token", token)))
        .await;
    assert_eq!(r.data()["projectToken"]["environment"]["id"], env.as_str());

    let d = run(&h, &mut docs, "mutations/EnvironmentCreate", json!({"projectId": pid, "name": "staging", "sourceId": env, "applyChangesInBackground": false})).await;
    let staging = d["environmentCreate"]["id"].as_str().unwrap().to_string();
    run(
        &h,
        &mut docs,
        "mutations/ServiceDelete",
        json!({"environmentId": staging, "serviceId": sid}),
    )
    .await;
    run(
        &h,
        &mut docs,
        "mutations/EnvironmentDelete",
        json!({"id": staging}),
    )
    .await;
    run(
        &h,
        &mut docs,
        "mutations/ProjectScheduleDelete",
        json!({"id": pid}),
    )
    .await;
    run(&h, &mut docs, "mutations/ProjectDelete", json!({"id": pid})).await;

    let unused: Vec<_> = docs
        .all
        .keys()
        .filter(|k| !docs.used.contains(*k))
        .collect();
    assert!(unused.is_empty(), "vendored documents not run: {unused:?}");
}
