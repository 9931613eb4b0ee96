//! What the official Railway CLI does, command group by command group, in
//! its order and with its own documents (`../shared/railway/cli-documents`,
//! skipped with a message when absent); each scenario checks the
//! emulator's state afterwards, not only that no error came back.

use crate::support;

use std::path::PathBuf;
use std::time::Duration;

use mirage::emulator::Options;
use serde_json::{Value, json};
use support::{Harness, Reply, Ws, next_message, send_message};

/// The CLI's documents.
struct Cli {
    dir: PathBuf,
}

impl Cli {
    fn load() -> Option<Cli> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/railway/cli-documents");
        if dir.join("queries/Project.graphql").is_file() {
            Some(Cli { dir })
        } else {
            eprintln!(
                "SKIP: {} is absent; the CLI scenarios do not run",
                dir.display()
            );
            None
        }
    }

    fn doc(&self, name: &str) -> String {
        let path = self.dir.join(format!("{name}.graphql"));
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    /// Sends a document with the account token; it must succeed.
    async fn run(&self, h: &Harness, name: &str, vars: Value) -> Value {
        let r = self.send(h, name, vars).await;
        assert_eq!(r.status, 200, "`{name}`: {}", r.text);
        assert!(r.body.get("errors").is_none(), "`{name}`: {}", r.text);
        r.body["data"].clone()
    }

    async fn send(&self, h: &Harness, name: &str, vars: Value) -> Reply {
        h.gql(&self.doc(name), vars).await
    }

    /// A subscription's first event.
    async fn first_event(&self, ws: &mut Ws, id: &str, name: &str, vars: Value) -> Value {
        let sub = json!({"id": id, "type": "subscribe", "payload": {"query": self.doc(name), "variables": vars}});
        send_message(ws, sub).await;
        let mut msg = next_message(ws).await;
        while msg["id"] != id {
            msg = next_message(ws).await;
        }
        assert_eq!(msg["type"], "next", "`{name}`: {msg}");
        assert!(msg["payload"].get("errors").is_none(), "`{name}`: {msg}");
        msg["payload"]["data"].clone()
    }
}

/// A project with a service `web` (image), as `railway init` + `railway
/// add` leave it: (project, production, web).
async fn project_with_web(h: &Harness, cli: &Cli) -> (String, String, String) {
    let d = cli
        .run(h, "mutations/ProjectCreate", json!({"name": "shop"}))
        .await;
    let pid = d["projectCreate"]["id"].as_str().unwrap().to_string();
    let env = d["projectCreate"]["environments"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let d = cli
        .run(
            h,
            "mutations/ServiceCreate",
            json!({"name": "web", "projectId": pid, "environmentId": env, "source": {"image": "nginx:1.27"}}),
        )
        .await;
    let sid = d["serviceCreate"]["id"].as_str().unwrap().to_string();
    (pid, env, sid)
}

async fn state(h: &Harness, env: &str) -> Value {
    let r = h
        .gql(
            "query($e: String!) { environment(id: $e) { config(decryptVariables: true) serviceInstances { edges { node { serviceId serviceName } } } volumeInstances { edges { node { volumeId serviceId mountPath } } } } }",
            json!({"e": env}),
        )
        .await;
    r.data()["environment"].clone()
}

async fn deployment_count(h: &Harness, env: &str, service: &str) -> usize {
    let r = h
        .gql(
            "query($e: String!, $s: String!) { deployments(input: {environmentId: $e, serviceId: $s}) { edges { node { id } } } }",
            json!({"e": env, "s": service}),
        )
        .await;
    r.data()["deployments"]["edges"].as_array().unwrap().len()
}

#[tokio::test]
async fn link_list_and_status() {
    let Some(cli) = Cli::load() else { return };
    let h = Harness::start().await;
    let (pid, env, sid) = project_with_web(&h, &cli).await;
    // `railway list` / `railway link`: every workspace's projects.
    let d = cli.run(&h, "queries/UserProjects", json!({})).await;
    assert_eq!(d["externalWorkspaces"], json!([]));
    let ws = &d["me"]["workspaces"][0];
    assert!(ws["team"]["id"].is_string());
    let node = &ws["projects"]["edges"][0]["node"];
    assert_eq!(node["id"], pid.as_str());
    assert_eq!(node["name"], "shop");
    assert_eq!(node["environments"]["edges"][0]["node"]["canAccess"], true);
    assert_eq!(node["services"]["edges"][0]["node"]["name"], "web");
    let d = cli
        .run(&h, "queries/Projects", json!({"workspaceId": null}))
        .await;
    let node = &d["projects"]["edges"][0]["node"];
    assert_eq!(node["workspace"]["name"], "Local");
    assert_eq!(
        node["environments"]["edges"][0]["node"]["serviceInstances"]["edges"][0]["node"]["serviceId"],
        sid.as_str()
    );
    // Every project-scoped command starts with `Project`.
    let d = cli.run(&h, "queries/Project", json!({"id": pid})).await;
    let p = &d["project"];
    assert_eq!(p["name"], "shop");
    assert_eq!(p["workspace"]["name"], "Local");
    assert_eq!(p["buckets"]["edges"], json!([]));
    assert_eq!(p["environments"]["edges"][0]["node"]["id"], env.as_str());
    assert_eq!(
        p["environments"]["edges"][0]["node"]["unmergedChangesCount"],
        0
    );
    // `railway status`: the instances with their latest deployment.
    let d = cli
        .run(
            &h,
            "queries/EnvironmentInstances",
            json!({"environmentId": env, "projectId": pid, "serviceInstancesFirst": 500, "volumeInstancesFirst": 500}),
        )
        .await;
    let node = &d["environment"]["serviceInstances"]["edges"][0]["node"];
    assert_eq!(node["serviceName"], "web");
    assert_eq!(node["numReplicas"], 1);
    assert_eq!(node["latestDeployment"]["status"], "SUCCESS");
    assert_eq!(
        node["latestDeployment"]["instances"][0]["status"],
        "RUNNING"
    );
    // Telemetry is accepted and changes nothing.
    let before = state(&h, &env).await;
    let d = cli
        .run(
            &h,
            "mutations/CliEventTrack",
            json!({"input": {"arch": "x86_64", "cliVersion": "5.43.1", "command": "status", "durationMs": 12, "isCi": true, "os": "linux", "success": true}}),
        )
        .await;
    assert_eq!(d["cliEventTrack"], true);
    assert_eq!(state(&h, &env).await, before);
}

#[tokio::test]
async fn variables_list_set_and_delete_with_and_without_skip_deploys() {
    let Some(cli) = Cli::load() else { return };
    let h = Harness::start().await;
    let (pid, env, sid) = project_with_web(&h, &cli).await;
    let before = deployment_count(&h, &env, &sid).await;
    // `railway variables --set A=1 --skip-deploys`: stored, no deployment.
    cli.run(
        &h,
        "mutations/VariableCollectionUpsert",
        json!({"projectId": pid, "serviceId": sid, "environmentId": env, "variables": {"A": "1"}, "skipDeploys": true}),
    )
    .await;
    assert_eq!(deployment_count(&h, &env, &sid).await, before);
    // Without skip-deploys the service redeploys.
    cli.run(
        &h,
        "mutations/VariableCollectionUpsert",
        json!({"projectId": pid, "serviceId": sid, "environmentId": env, "variables": {"B": "${{A}}-two"}}),
    )
    .await;
    assert_eq!(deployment_count(&h, &env, &sid).await, before + 1);
    // `railway variables` (and `railway run`): rendered, with Railway's own.
    let d = cli
        .run(
            &h,
            "queries/VariablesForServiceDeployment",
            json!({"projectId": pid, "environmentId": env, "serviceId": sid}),
        )
        .await;
    let vars = &d["variablesForServiceDeployment"];
    assert_eq!(vars["A"], "1");
    assert_eq!(vars["B"], "1-two");
    assert_eq!(vars["RAILWAY_SERVICE_NAME"], "web");
    assert_eq!(vars["RAILWAY_ENVIRONMENT_NAME"], "production");
    assert_eq!(vars["RAILWAY_PROJECT_NAME"], "shop");
    assert_eq!(vars["RAILWAY_PRIVATE_DOMAIN"], "web.railway.internal");
    // `railway variables --delete A`: gone, and a deployment follows.
    cli.run(
        &h,
        "mutations/VariableDelete",
        json!({"projectId": pid, "environmentId": env, "name": "A", "serviceId": sid}),
    )
    .await;
    let config = state(&h, &env).await["config"].clone();
    assert!(config["services"][&sid]["variables"].get("A").is_none());
    assert_eq!(
        config["services"][&sid]["variables"]["B"]["value"],
        "${{A}}-two"
    );
    assert_eq!(deployment_count(&h, &env, &sid).await, before + 2);
}

#[tokio::test]
async fn environment_new_duplicate_and_delete() {
    let Some(cli) = Cli::load() else { return };
    let h = Harness::start().await;
    let (pid, env, sid) = project_with_web(&h, &cli).await;
    cli.run(
        &h,
        "mutations/VariableCollectionUpsert",
        json!({"projectId": pid, "serviceId": sid, "environmentId": env, "variables": {"MODE": "prod"}, "skipDeploys": true}),
    )
    .await;
    // `railway environment new staging --duplicate production`.
    let d = cli
        .run(
            &h,
            "mutations/EnvironmentCreate",
            json!({"projectId": pid, "name": "staging", "sourceId": env, "applyChangesInBackground": false}),
        )
        .await;
    let staging = d["environmentCreate"]["id"].as_str().unwrap().to_string();
    let st = state(&h, &staging).await;
    assert_eq!(
        st["serviceInstances"]["edges"][0]["node"]["serviceName"],
        "web"
    );
    assert_eq!(
        st["config"]["services"][&sid]["variables"]["MODE"]["value"],
        "prod"
    );
    // The same name again is refused, and nothing is created.
    let r = cli
        .send(
            &h,
            "mutations/EnvironmentCreate",
            json!({"projectId": pid, "name": "staging", "sourceId": env}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.error().contains("staging"), "{}", r.text);
    let d = cli
        .run(
            &h,
            "queries/Environments",
            json!({"projectId": pid, "first": 500}),
        )
        .await;
    let names: Vec<_> = d["environments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["production", "staging"]);
    assert_eq!(
        d["environments"]["edges"][1]["node"]["sourceEnvironment"]["name"],
        "production"
    );
    // `railway environment delete staging`.
    cli.run(&h, "mutations/EnvironmentDelete", json!({"id": staging}))
        .await;
    let d = cli.run(&h, "queries/Project", json!({"id": pid})).await;
    assert_eq!(
        d["project"]["environments"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = h
        .gql(
            "query($e: String!) { environment(id: $e) { id } }",
            json!({"e": staging}),
        )
        .await;
    assert_eq!(r.error(), "Environment not found");
    // The service and its production instance stay.
    assert_eq!(
        state(&h, &env).await["serviceInstances"]["edges"][0]["node"]["serviceId"],
        sid.as_str()
    );
}

#[tokio::test]
async fn domains_volumes_and_tcp_proxies() {
    let Some(cli) = Cli::load() else { return };
    let h = Harness::start().await;
    let (pid, env, sid) = project_with_web(&h, &cli).await;
    // `railway domain`: a generated domain, then a custom one.
    let d = cli
        .run(
            &h,
            "mutations/ServiceDomainCreate",
            json!({"environmentId": env, "serviceId": sid, "targetPort": 8080}),
        )
        .await;
    let generated = d["serviceDomainCreate"]["domain"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(generated.ends_with(".up.railway.app"), "{generated}");
    let d = cli
        .run(
            &h,
            "mutations/CustomDomainCreate",
            json!({"input": {"domain": "shop.example.com", "projectId": pid, "environmentId": env, "serviceId": sid, "targetPort": 8080}}),
        )
        .await;
    let custom_id = d["customDomainCreate"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        d["customDomainCreate"]["status"]["dnsRecords"][0]["recordType"],
        "DNS_RECORD_TYPE_CNAME"
    );
    let d = cli
        .run(
            &h,
            "queries/Domains",
            json!({"environmentId": env, "projectId": pid, "serviceId": sid}),
        )
        .await;
    assert_eq!(
        d["domains"]["serviceDomains"][0]["domain"],
        generated.as_str()
    );
    assert_eq!(
        d["domains"]["customDomains"][0]["domain"],
        "shop.example.com"
    );
    let cfg = state(&h, &env).await["config"].clone();
    assert_eq!(
        cfg["services"][&sid]["networking"]["customDomains"]["shop.example.com"]["port"],
        8080
    );
    // The target port moves; then the domain goes.
    cli.run(
        &h,
        "mutations/CustomDomainUpdate",
        json!({"environmentId": env, "id": custom_id, "targetPort": 3000}),
    )
    .await;
    let cfg = state(&h, &env).await["config"].clone();
    assert_eq!(
        cfg["services"][&sid]["networking"]["customDomains"]["shop.example.com"]["port"],
        3000
    );
    cli.run(&h, "mutations/CustomDomainDelete", json!({"id": custom_id}))
        .await;
    let cfg = state(&h, &env).await["config"].clone();
    assert!(
        cfg["services"][&sid]["networking"]["customDomains"]
            .get("shop.example.com")
            .is_none()
    );

    // `railway volume add`, attach elsewhere, move, rename, delete.
    let d = cli
        .run(
            &h,
            "mutations/VolumeCreate",
            json!({"projectId": pid, "environmentId": env, "serviceId": sid, "mountPath": "/data"}),
        )
        .await;
    let vid = d["volumeCreate"]["id"].as_str().unwrap().to_string();
    let vi = &state(&h, &env).await["volumeInstances"]["edges"][0]["node"];
    assert_eq!(vi["serviceId"], sid.as_str());
    assert_eq!(vi["mountPath"], "/data");
    cli.run(
        &h,
        "mutations/VolumeDetach",
        json!({"environmentId": env, "volumeId": vid}),
    )
    .await;
    let vi = &state(&h, &env).await["volumeInstances"]["edges"][0]["node"];
    assert!(vi["serviceId"].is_null(), "{vi}");
    cli.run(
        &h,
        "mutations/VolumeAttach",
        json!({"environmentId": env, "volumeId": vid, "serviceId": sid}),
    )
    .await;
    cli.run(
        &h,
        "mutations/VolumeMountPathUpdate",
        json!({"serviceId": sid, "environmentId": env, "volumeId": vid, "mountPath": "/srv"}),
    )
    .await;
    let vi = &state(&h, &env).await["volumeInstances"]["edges"][0]["node"];
    assert_eq!(vi["serviceId"], sid.as_str());
    assert_eq!(vi["mountPath"], "/srv");
    let d = cli
        .run(
            &h,
            "mutations/VolumeNameUpdate",
            json!({"volumeId": vid, "name": "assets"}),
        )
        .await;
    assert_eq!(d["volumeUpdate"]["name"], "assets");
    let d = cli
        .run(&h, "iac/IacProjectVolumes", json!({"projectId": pid}))
        .await;
    assert_eq!(
        d["project"]["volumes"]["edges"][0]["node"]["name"],
        "assets"
    );
    cli.run(&h, "mutations/VolumeDelete", json!({"id": vid}))
        .await;
    assert_eq!(state(&h, &env).await["volumeInstances"]["edges"], json!([]));

    // `railway tcp-proxy`: the CLI patches the config, then polls.
    let patch = json!({"services": {&sid: {"networking": {"tcpProxies": {"5432": {}}}}}});
    cli.run(
        &h,
        "mutations/EnvironmentPatchCommit",
        json!({"environmentId": env, "patch": patch, "commitMessage": "tcp"}),
    )
    .await;
    let d = cli
        .run(
            &h,
            "queries/TcpProxies",
            json!({"environmentId": env, "serviceId": sid}),
        )
        .await;
    let proxy = &d["tcpProxies"][0];
    assert_eq!(proxy["applicationPort"], 5432);
    let port = proxy["proxyPort"].as_i64().unwrap();
    assert!((10_000..60_000).contains(&port), "{port}");
    let vars = cli
        .run(
            &h,
            "queries/VariablesForServiceDeployment",
            json!({"projectId": pid, "environmentId": env, "serviceId": sid}),
        )
        .await;
    assert_eq!(
        vars["variablesForServiceDeployment"]["RAILWAY_TCP_PROXY_PORT"],
        port.to_string()
    );
    cli.run(
        &h,
        "mutations/TcpProxyDelete",
        json!({"id": proxy["id"].as_str().unwrap()}),
    )
    .await;
    let d = cli
        .run(
            &h,
            "queries/TcpProxies",
            json!({"environmentId": env, "serviceId": sid}),
        )
        .await;
    assert_eq!(d["tcpProxies"], json!([]));
}

#[tokio::test]
async fn deployments_logs_redeploy_and_restart() {
    let Some(cli) = Cli::load() else { return };
    let h = Harness::with(Options {
        clock: Duration::from_secs(3600),
        ..Options::default()
    })
    .await;
    let (pid, env, sid) = project_with_web(&h, &cli).await;
    // `railway up`-like: deploy, and watch it with the CLI's subscriptions.
    let d = cli
        .run(
            &h,
            "mutations/ServiceInstanceDeploy",
            json!({"environmentId": env, "serviceId": sid}),
        )
        .await;
    let did = d["serviceInstanceDeployV2"].as_str().unwrap().to_string();
    let d = cli
        .run(&h, "queries/DeploymentStatus", json!({"id": did}))
        .await;
    assert_eq!(d["deployment"]["status"], "INITIALIZING");
    let (mut ws, _) = h.socket().await;
    let first = cli
        .first_event(&mut ws, "1", "subscriptions/Deployment", json!({"id": did}))
        .await;
    assert_eq!(first["deployment"]["status"], "INITIALIZING");
    h.admin("clock", json!({"advance_ms": 3_600_000})).await;
    let next = next_message(&mut ws).await;
    assert_eq!(next["payload"]["data"]["deployment"]["status"], "BUILDING");
    // `railway logs --build`.
    let d = cli
        .run(&h, "queries/BuildLogs", json!({"deploymentId": did}))
        .await;
    let lines = d["buildLogs"].as_array().unwrap();
    assert_eq!(lines[0]["message"], "Pulling image nginx:1.27");
    assert!(
        lines[0]["attributes"]
            .as_array()
            .unwrap()
            .contains(&json!({"key": "level", "value": "info"}))
    );
    h.admin("clock", json!({"advance_ms": 2 * 3_600_000})).await;
    // `railway logs` with a filter, as a query and as a stream.
    let d = cli
        .run(
            &h,
            "queries/DeploymentLogs",
            json!({"deploymentId": did, "filter": "@port:8080 AND listening"}),
        )
        .await;
    assert_eq!(
        d["deploymentLogs"],
        json!([{"timestamp": d["deploymentLogs"][0]["timestamp"], "message": "Listening on port 8080", "attributes": [{"key": "level", "value": "info"}, {"key": "port", "value": "8080"}]}])
    );
    let streamed = cli
        .first_event(
            &mut ws,
            "2",
            "subscriptions/DeploymentLogs",
            json!({"deploymentId": did, "filter": "-\"Listening\"", "limit": 100}),
        )
        .await;
    let messages: Vec<_> = streamed["deploymentLogs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(messages, ["Starting Container"]);
    let bad = cli
        .send(
            &h,
            "queries/DeploymentLogs",
            json!({"deploymentId": did, "filter": "(unclosed"}),
        )
        .await;
    assert!(bad.error().contains("filter"), "{}", bad.text);
    // `railway deployment list`.
    let d = cli
        .run(
            &h,
            "queries/Deployments",
            json!({"input": {"projectId": pid, "environmentId": env, "serviceId": sid}, "first": 10}),
        )
        .await;
    let edges = d["deployments"]["edges"].as_array().unwrap();
    assert_eq!(edges[0]["node"]["id"], did.as_str());
    assert_eq!(edges[0]["node"]["status"], "SUCCESS");
    assert_eq!(edges[1]["node"]["status"], "REMOVING");
    // `railway restart`: no new deployment.
    let count = deployment_count(&h, &env, &sid).await;
    cli.run(&h, "mutations/DeploymentRestart", json!({"id": did}))
        .await;
    assert_eq!(deployment_count(&h, &env, &sid).await, count);
    // `railway redeploy`: a new deployment of the same source.
    let d = cli
        .run(&h, "mutations/DeploymentRedeploy", json!({"id": did}))
        .await;
    let again = d["deploymentRedeploy"]["id"].as_str().unwrap().to_string();
    assert_ne!(again, did);
    assert_eq!(deployment_count(&h, &env, &sid).await, count + 1);
    let d = cli
        .run(
            &h,
            "queries/LatestDeployment",
            json!({"serviceId": sid, "environmentId": env}),
        )
        .await;
    assert_eq!(
        d["serviceInstance"]["latestDeployment"]["id"],
        again.as_str()
    );
    // `railway down`: the deployment is removed.
    cli.run(&h, "mutations/DeploymentRemove", json!({"id": again}))
        .await;
    let d = cli
        .run(&h, "queries/DeploymentStatus", json!({"id": again}))
        .await;
    assert_eq!(d["deployment"]["status"], "REMOVED");
}

fn change_set(etag_free_changes: Value) -> Value {
    json!({"version": 1, "changes": etag_free_changes, "diagnostics": []})
}

#[tokio::test]
async fn config_pull_plan_and_apply() {
    let Some(cli) = Cli::load() else { return };
    let h = Harness::with(Options {
        clock: Duration::from_secs(3600),
        ..Options::default()
    })
    .await;
    let (pid, env, sid) = project_with_web(&h, &cli).await;
    cli.run(
        &h,
        "mutations/VariableCollectionUpsert",
        json!({"projectId": pid, "serviceId": sid, "environmentId": env, "variables": {"MODE": "prod"}, "skipDeploys": true}),
    )
    .await;
    // `railway config pull`: the first query asks for `iacPartials`; the
    // refusal names the field, so the CLI retries without it.
    let vars = json!({"environmentId": env, "decryptVariables": false});
    let r = cli.send(&h, "iac/IacEnvironmentConfig", vars.clone()).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.error().contains("iacPartials"), "{}", r.text);
    assert_eq!(
        r.body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    let d = cli.run(&h, "iac/IacEnvironmentConfig.2", vars).await;
    let etag = d["environment"]["configEtag"].as_str().unwrap().to_string();
    assert_eq!(d["environment"]["projectId"], pid.as_str());
    assert_eq!(
        d["environment"]["config"]["services"][&sid]["variables"]["MODE"]["value"],
        "*******"
    );
    let d = cli
        .run(&h, "iac/IacProjectName", json!({"projectId": pid}))
        .await;
    assert_eq!(d["project"]["name"], "shop");
    let d = cli
        .run(&h, "iac/IacProjectServices", json!({"projectId": pid}))
        .await;
    assert_eq!(d["project"]["services"]["edges"][0]["node"]["name"], "web");
    cli.run(&h, "iac/IacProjectBuckets", json!({"projectId": pid}))
        .await;

    // `railway config plan`: the masked MODE looks changed to the CLI; the
    // preview drops it because the real value is the same.
    let set = |var: &str, value: &str| {
        json!({"kind": "variable.set", "address": "service.web", "variable": var,
               "after": {"type": "literal", "value": value},
               "path": format!("resources.service.web.variables.{var}"),
               "summary": format!("Set variable web.{var}"), "severity": "safe", "deployEffect": "deploy"})
    };
    let create = json!({"kind": "resource.create", "address": "service.worker",
        "resource": {"type": "service", "name": "worker", "source": {"type": "image", "image": "busybox:1.36"},
                     "variables": {"QUEUE": {"type": "literal", "value": "jobs"},
                                   "WEB": {"type": "reference", "resource": "service.web", "output": "RAILWAY_PRIVATE_DOMAIN"}}},
        "path": "resources.service.worker", "summary": "Create service worker", "severity": "safe", "deployEffect": "deploy"});
    let planned = change_set(json!([set("MODE", "prod"), set("LOG", "debug"), create]));
    let d = cli
        .run(
            &h,
            "iac/IacPreviewChangeSet",
            json!({"environmentId": env, "input": planned}),
        )
        .await;
    let preview = &d["environmentPreviewChangeSet"];
    let kept: Vec<_> = preview["changeSet"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kept,
        [
            "resources.service.web.variables.LOG",
            "resources.service.worker"
        ]
    );
    assert_eq!(preview["diagnostics"], json!([]));
    // The preview changed nothing.
    let st = state(&h, &env).await;
    assert_eq!(st["serviceInstances"]["edges"].as_array().unwrap().len(), 1);

    // `railway config apply` with the etag it pulled, without waiting.
    let apply = preview["changeSet"].clone();
    let d = cli
        .run(
            &h,
            "iac/IacApplyChangeSet",
            json!({"environmentId": env, "input": apply, "commitMessage": "Apply Railway configuration",
                   "baseConfigEtag": etag, "waitForCompletion": false}),
        )
        .await;
    let result = &d["environmentApplyChangeSet"];
    assert_eq!(result["status"], "applying");
    let id = result["id"].as_str().unwrap().to_string();
    h.admin("clock", json!({"advance_ms": 3_600_000})).await;
    let d = cli
        .run(
            &h,
            "iac/IacChangeSetApplyStatus",
            json!({"environmentId": env, "id": id}),
        )
        .await;
    let done = &d["environmentChangeSetApply"];
    assert_eq!(done["status"], "applied", "{done}");
    assert_eq!(done["changes"][1]["status"], "applied");
    let worker = done["changes"][1]["outputs"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(done["deploymentId"].is_string(), "{done}");
    let st = state(&h, &env).await;
    assert_eq!(
        st["config"]["services"][&sid]["variables"]["LOG"]["value"],
        "debug"
    );
    assert_eq!(
        st["config"]["services"][&worker]["variables"]["WEB"]["value"],
        "${{web.RAILWAY_PRIVATE_DOMAIN}}"
    );
    assert_eq!(
        st["config"]["services"][&worker]["source"]["image"],
        "busybox:1.36"
    );
    assert_eq!(deployment_count(&h, &env, &worker).await, 1);

    // Applying again on the stale etag is refused and changes nothing.
    let again = change_set(json!([set("LOG", "trace")]));
    let r = cli
        .send(
            &h,
            "iac/IacApplyChangeSet",
            json!({"environmentId": env, "input": again, "baseConfigEtag": etag, "waitForCompletion": true}),
        )
        .await;
    assert!(r.error().contains("baseConfigEtag"), "{}", r.text);
    let st = state(&h, &env).await;
    assert_eq!(
        st["config"]["services"][&sid]["variables"]["LOG"]["value"],
        "debug"
    );

    // A change that breaks Railway's rules fails the whole set.
    let bad = change_set(json!([
        set("LOG", "warn"),
        {"kind": "resource.update", "address": "service.ghost", "field": "deploy",
         "before": null, "after": {"numReplicas": 2}, "path": "resources.service.ghost.deploy"}
    ]));
    let d = cli
        .run(
            &h,
            "iac/IacApplyChangeSet",
            json!({"environmentId": env, "input": bad, "waitForCompletion": true}),
        )
        .await;
    let failed = &d["environmentApplyChangeSet"];
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["changes"][1]["status"], "failed");
    assert!(
        failed["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("service.ghost")
    );
    let st = state(&h, &env).await;
    assert_eq!(
        st["config"]["services"][&sid]["variables"]["LOG"]["value"],
        "debug"
    );
}

#[tokio::test]
async fn staged_changes_are_committed_by_the_cli_flow() {
    let Some(cli) = Cli::load() else { return };
    let h = Harness::start().await;
    let (_pid, env, sid) = project_with_web(&h, &cli).await;
    let before = deployment_count(&h, &env, &sid).await;
    let input = json!({"services": {&sid: {"deploy": {"startCommand": "nginx -g 'daemon off;'"}}}});
    let d = cli
        .run(
            &h,
            "mutations/EnvironmentStageChanges",
            json!({"environmentId": env, "input": input, "merge": true}),
        )
        .await;
    assert_eq!(d["environmentStageChanges"]["status"], "STAGED");
    let d = cli
        .run(
            &h,
            "queries/EnvironmentStagedChanges",
            json!({"environmentId": env}),
        )
        .await;
    assert_eq!(d["environmentStagedChanges"]["patch"], input);
    assert_eq!(
        state(&h, &env).await["config"]["services"][&sid].get("deploy"),
        None
    );
    cli.run(
        &h,
        "mutations/EnvironmentPatchCommitStaged",
        json!({"environmentId": env, "commitMessage": "go", "skipDeploys": true}),
    )
    .await;
    assert_eq!(
        state(&h, &env).await["config"]["services"][&sid]["deploy"]["startCommand"],
        "nginx -g 'daemon off;'"
    );
    assert_eq!(deployment_count(&h, &env, &sid).await, before);
}
