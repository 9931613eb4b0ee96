//! The conformance report: every GraphQL document a real Railway client
//! sends (the official CLI's, in `cli-documents/` beside the project) is
//! validated against the emulator's schema and executed against a running
//! emulator, over HTTP (and WebSocket for subscriptions), with variables
//! derived from a seeded world: a project with two environments, services
//! with deployments, a volume, domains, a TCP proxy, a bucket, and one of
//! everything else the documents name. `mirage emulator --conformance`
//! prints the report; `tests/emulator_conformance.rs` asserts it.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use super::{Emulator, Options, RunningEmulator};
use crate::railway::schema_check::{SchemaIndex, validate_document};

/// The folders of a documents directory that hold Railway API documents.
pub const FOLDERS: [&str; 4] = ["queries", "mutations", "subscriptions", "iac"];

/// The one document Railway itself refuses (it asks for `iacPartials`,
/// which the public schema does not have); the CLI retries without it when
/// the error names the field.
pub const REFUSED: &str = "iac/IacEnvironmentConfig";

/// One document's outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `folder/Name`.
    pub name: String,
    /// Why it does not validate, if it does not.
    pub invalid: Option<String>,
    /// Why it did not execute, if it did not.
    pub failed: Option<String>,
}

/// The whole report.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every document but [`REFUSED`], in folder and name order.
    pub outcomes: Vec<Outcome>,
    /// Whether [`REFUSED`] was answered with a validation error naming
    /// `iacPartials` (`None` when the directory does not have it).
    pub refused_as_railway_does: Option<bool>,
}

impl Report {
    /// Documents run.
    pub fn total(&self) -> usize {
        self.outcomes.len()
    }

    /// Documents that validate.
    pub fn validated(&self) -> usize {
        self.outcomes.iter().filter(|o| o.invalid.is_none()).count()
    }

    /// Documents that executed without an error.
    pub fn executed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.failed.is_none()).count()
    }

    /// `N/N documents validate, N/N execute`.
    pub fn summary(&self) -> String {
        format!(
            "{}/{} documents validate, {}/{} execute",
            self.validated(),
            self.total(),
            self.executed(),
            self.total()
        )
    }

    /// Whether everything validated and executed.
    pub fn is_complete(&self) -> bool {
        self.validated() == self.total()
            && self.executed() == self.total()
            && self.refused_as_railway_does != Some(false)
    }

    /// The summary, then one line per problem.
    pub fn render(&self) -> String {
        let mut out = self.summary();
        out.push('\n');
        match self.refused_as_railway_does {
            Some(true) => out.push_str(&format!(
                "{REFUSED}: refused with a validation error naming `iacPartials`, as Railway does\n"
            )),
            Some(false) => out.push_str(&format!(
                "{REFUSED}: NOT refused with an error naming `iacPartials`\n"
            )),
            None => {}
        }
        for o in &self.outcomes {
            if let Some(why) = &o.invalid {
                out.push_str(&format!("invalid  {}: {why}\n", o.name));
            }
            if let Some(why) = &o.failed {
                out.push_str(&format!("failed   {}: {why}\n", o.name));
            }
        }
        out
    }
}

/// Reads the documents of a directory: `folder/Name` → text.
pub fn load(dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let mut docs = BTreeMap::new();
    for folder in FOLDERS {
        let path = dir.join(folder);
        let entries = std::fs::read_dir(&path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.extension().is_some_and(|e| e == "graphql") {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default();
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
                docs.insert(format!("{folder}/{stem}"), text);
            }
        }
    }
    if docs.is_empty() {
        return Err(format!("no documents under `{}`", dir.display()));
    }
    Ok(docs)
}

/// A client of one emulator.
pub struct Client {
    http: reqwest::Client,
    url: String,
    ws_url: String,
    admin: String,
    token: String,
}

/// What a request answered.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body (`null` if it was not JSON).
    pub body: Value,
}

impl Answer {
    /// The first error message, if any.
    pub fn error(&self) -> Option<String> {
        self.body
            .get("errors")
            .and_then(|e| e.get(0))
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

impl Client {
    /// A client of a running emulator, with an account token.
    pub fn new(emu: &RunningEmulator) -> Client {
        Client {
            http: reqwest::Client::new(),
            url: emu.url(),
            ws_url: emu.ws_url(),
            admin: emu.admin_url(),
            token: "conformance".to_string(),
        }
    }

    /// Sends a document; `project_token` sends it as that project token.
    pub async fn send(
        &self,
        query: &str,
        variables: &Value,
        project_token: Option<&str>,
    ) -> Result<Answer, String> {
        let mut req = self
            .http
            .post(&self.url)
            .json(&json!({"query": query, "variables": variables}));
        req = match project_token {
            Some(t) => req.header("project-access-token", t),
            None => req.header("authorization", format!("Bearer {}", self.token)),
        };
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(|e| e.to_string())?;
        Ok(Answer {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        })
    }

    /// Sends a document that must succeed; returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Result<Value, String> {
        let a = self.send(query, &variables, None).await?;
        if a.status != 200 || a.body.get("errors").is_some() {
            return Err(format!("HTTP {}: {}", a.status, a.body));
        }
        Ok(a.body["data"].clone())
    }

    /// `POST /_emulator/reset`.
    pub async fn reset(&self) -> Result<(), String> {
        self.http
            .post(format!("{}/reset", self.admin))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Runs a subscription over `graphql-transport-ws` and returns its
    /// first `next` payload (or the error it got instead).
    pub async fn first_event(&self, query: &str, variables: &Value) -> Result<Value, String> {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = self
            .ws_url
            .as_str()
            .into_client_request()
            .map_err(|e| e.to_string())?;
        let headers = req.headers_mut();
        headers.insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().map_err(|_| "header")?,
        );
        headers.insert(
            "authorization",
            format!("Bearer {}", self.token)
                .parse()
                .map_err(|_| "header")?,
        );
        let (mut ws, _) = tokio_tungstenite::connect_async(req)
            .await
            .map_err(|e| e.to_string())?;
        let send = |m: Value| Message::Text(m.to_string().into());
        ws.send(send(json!({"type": "connection_init", "payload": {}})))
            .await
            .map_err(|e| e.to_string())?;
        ws.send(send(json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}})))
            .await
            .map_err(|e| e.to_string())?;
        let wait = async {
            while let Some(msg) = ws.next().await {
                let Ok(Message::Text(text)) = msg else {
                    continue;
                };
                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                match v["type"].as_str() {
                    Some("next") => return Ok(v["payload"].clone()),
                    Some("error") => return Err(format!("error: {}", v["payload"])),
                    Some("complete") => return Err("completed without an event".to_string()),
                    _ => continue,
                }
            }
            Err("the socket closed".to_string())
        };
        let out = tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .map_err(|_| "no event within 10 s".to_string())?;
        let _ = ws.close(None).await;
        out
    }
}

/// The IDs of a seeded world.
#[derive(Debug, Clone, Default)]
pub struct World {
    /// The `conformance` project.
    pub project: String,
    /// Its default environment (`baseEnvironmentId`).
    pub production: String,
    /// A fork of `production`, with a staged change.
    pub staging: String,
    /// The `web` service (image `nginx`).
    pub web: String,
    /// The `db` service (image `postgres`), with a volume and a TCP proxy.
    pub db: String,
    /// The `api` service (repo `acme/api`).
    pub api: String,
    /// A deployment of `web`.
    pub deployment: String,
    /// The service domain of `web`.
    pub service_domain: String,
    /// The custom domain of `web` (`www.conformance.example`).
    pub custom_domain: String,
    /// The TCP proxy of `db` (port 5432).
    pub tcp_proxy: String,
    /// The volume of `db`.
    pub volume: String,
    /// That volume's instance in `production`.
    pub volume_instance: String,
    /// The `files` bucket.
    pub bucket: String,
    /// A sandbox.
    pub sandbox: String,
    /// The `base` checkpoint of the sandbox.
    pub checkpoint: String,
    /// A sandbox template build.
    pub template_build: String,
    /// The `helper` cloud agent.
    pub cloud_agent: String,
    /// The `laptop` SSH key.
    pub ssh_key: String,
    /// A template generated from the project.
    pub template: String,
    /// The `nightly` backup of the volume instance.
    pub backup: String,
    /// The workflow that took the backup.
    pub workflow: String,
    /// The `ci` project token's text (not an ID).
    pub project_token: String,
    /// The public ID of `production`'s private network.
    pub private_network: String,
    /// The public ID of `web`'s private network endpoint.
    pub private_endpoint: String,
    /// An apply of an empty change set.
    pub change_set_apply: String,
    /// The `configEtag` of `production` once everything is seeded.
    pub config_etag: String,
}

fn id_at(v: &Value, path: &[&str]) -> Result<String, String> {
    let mut cur = v;
    for p in path {
        cur = match p.parse::<usize>() {
            Ok(i) => &cur[i],
            Err(_) => &cur[*p],
        };
    }
    cur.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("no `{}` in {v}", path.join(".")))
}

/// Seeds a world through the API, as a user of the CLI would have built it.
pub async fn seed(c: &Client) -> Result<World, String> {
    let mut w = World::default();
    let d = c
        .data(
            "mutation { projectCreate(input: {name: \"conformance\"}) { id baseEnvironmentId } }",
            json!({}),
        )
        .await?;
    w.project = id_at(&d, &["projectCreate", "id"])?;
    w.production = id_at(&d, &["projectCreate", "baseEnvironmentId"])?;
    let service = "mutation($p: String!, $e: String, $n: String, $s: ServiceSourceInput) { serviceCreate(input: {projectId: $p, environmentId: $e, name: $n, source: $s}) { id } }";
    for (name, source) in [
        ("web", json!({"image": "nginx:1.27"})),
        ("db", json!({"image": "postgres:17"})),
        ("api", json!({"repo": "acme/api"})),
    ] {
        let d = c
            .data(
                service,
                json!({"p": w.project, "e": w.production, "n": name, "s": source}),
            )
            .await?;
        let id = id_at(&d, &["serviceCreate", "id"])?;
        match name {
            "web" => w.web = id,
            "db" => w.db = id,
            _ => w.api = id,
        }
    }
    c.data(
        "mutation($p: String!, $e: String!, $s: String, $v: EnvironmentVariables!) { variableCollectionUpsert(input: {projectId: $p, environmentId: $e, serviceId: $s, variables: $v, skipDeploys: true}) }",
        json!({"p": w.project, "e": w.production, "s": w.web, "v": {"PORT": "8080", "DATABASE_HOST": "${{db.RAILWAY_PRIVATE_DOMAIN}}"}}),
    )
    .await?;
    let d = c
        .data(
            "mutation($e: String!, $s: String!) { serviceDomainCreate(input: {environmentId: $e, serviceId: $s, targetPort: 8080}) { id } }",
            json!({"e": w.production, "s": w.web}),
        )
        .await?;
    w.service_domain = id_at(&d, &["serviceDomainCreate", "id"])?;
    let d = c
        .data(
            "mutation($p: String!, $e: String!, $s: String!) { customDomainCreate(input: {projectId: $p, environmentId: $e, serviceId: $s, domain: \"www.conformance.example\", targetPort: 8080}) { id } }",
            json!({"p": w.project, "e": w.production, "s": w.web}),
        )
        .await?;
    w.custom_domain = id_at(&d, &["customDomainCreate", "id"])?;
    let d = c
        .data(
            "mutation($e: String!, $s: String!) { tcpProxyCreate(input: {environmentId: $e, serviceId: $s, applicationPort: 5432}) { id } }",
            json!({"e": w.production, "s": w.db}),
        )
        .await?;
    w.tcp_proxy = id_at(&d, &["tcpProxyCreate", "id"])?;
    let d = c
        .data(
            "mutation($p: String!, $e: String!, $s: String!) { volumeCreate(input: {projectId: $p, environmentId: $e, serviceId: $s, mountPath: \"/var/lib/postgresql/data\"}) { id } }",
            json!({"p": w.project, "e": w.production, "s": w.db}),
        )
        .await?;
    w.volume = id_at(&d, &["volumeCreate", "id"])?;
    let d = c
        .data(
            "query($e: String!) { environment(id: $e) { configEtag volumeInstances { edges { node { id } } } } }",
            json!({"e": w.production}),
        )
        .await?;
    w.volume_instance = id_at(
        &d,
        &["environment", "volumeInstances", "edges", "0", "node", "id"],
    )?;
    let d = c
        .data(
            "mutation($e: String!, $s: String!) { serviceInstanceDeployV2(environmentId: $e, serviceId: $s) }",
            json!({"e": w.production, "s": w.web}),
        )
        .await?;
    w.deployment = id_at(&d, &["serviceInstanceDeployV2"])?;
    let d = c
        .data(
            "mutation($p: String!, $n: String!, $s: String!) { environmentCreate(input: {projectId: $p, name: $n, sourceEnvironmentId: $s}) { id } }",
            json!({"p": w.project, "n": "staging", "s": w.production}),
        )
        .await?;
    w.staging = id_at(&d, &["environmentCreate", "id"])?;
    c.data(
        "mutation($e: String!, $i: EnvironmentConfig!) { environmentStageChanges(environmentId: $e, input: $i) { id } }",
        json!({"e": w.staging, "i": {"sharedVariables": {"STAGED": {"value": "1"}}}}),
    )
    .await?;
    let d = c
        .data(
            "mutation($p: String!) { bucketCreate(input: {projectId: $p, name: \"files\"}) { id } }",
            json!({"p": w.project}),
        )
        .await?;
    w.bucket = id_at(&d, &["bucketCreate", "id"])?;
    let d = c
        .data(
            "mutation($e: String!) { sandboxCreate(input: {environmentId: $e}) { id } }",
            json!({"e": w.production}),
        )
        .await?;
    w.sandbox = id_at(&d, &["sandboxCreate", "id"])?;
    let d = c
        .data(
            "mutation($e: String!, $s: String!) { sandboxCheckpointCreate(environmentId: $e, sandboxId: $s, name: \"base\") { id } }",
            json!({"e": w.production, "s": w.sandbox}),
        )
        .await?;
    w.checkpoint = id_at(&d, &["sandboxCheckpointCreate", "id"])?;
    let d = c
        .data(
            "mutation($e: String!) { sandboxTemplateBuild(environmentId: $e, input: {instructions: [\"apt-get install -y git\"]}) { id } }",
            json!({"e": w.production}),
        )
        .await?;
    w.template_build = id_at(&d, &["sandboxTemplateBuild", "id"])?;
    let d = c
        .data(
            "mutation($e: String!) { cloudAgentCreate(input: {environmentId: $e, name: \"helper\"}) { id } }",
            json!({"e": w.production}),
        )
        .await?;
    w.cloud_agent = id_at(&d, &["cloudAgentCreate", "id"])?;
    let d = c
        .data(
            "mutation { sshPublicKeyCreate(input: {name: \"laptop\", publicKey: \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIConformanceKey laptop\"}) { id } }",
            json!({}),
        )
        .await?;
    w.ssh_key = id_at(&d, &["sshPublicKeyCreate", "id"])?;
    let d = c
        .data(
            "mutation($p: String!) { templateGenerate(input: {projectId: $p}) { id } }",
            json!({"p": w.project}),
        )
        .await?;
    w.template = id_at(&d, &["templateGenerate", "id"])?;
    let d = c
        .data(
            "mutation($v: String!) { volumeInstanceBackupCreate(volumeInstanceId: $v, name: \"nightly\") { workflowId } }",
            json!({"v": w.volume_instance}),
        )
        .await?;
    w.workflow = id_at(&d, &["volumeInstanceBackupCreate", "workflowId"])?;
    let d = c
        .data(
            "query($v: String!) { volumeInstanceBackupList(volumeInstanceId: $v) { id } }",
            json!({"v": w.volume_instance}),
        )
        .await?;
    w.backup = id_at(&d, &["volumeInstanceBackupList", "0", "id"])?;
    c.data(
        "mutation($p: String!, $e: String!, $s: String!) { enablePitrForHaCluster(input: {projectId: $p, environmentId: $e, rootServiceId: $s}) { workflowId } }",
        json!({"p": w.project, "e": w.production, "s": w.db}),
    )
    .await?;
    c.data(
        "mutation($e: String!, $s: String!) { enableServiceCdn(input: {environmentId: $e, serviceId: $s}) { id } }",
        json!({"e": w.production, "s": w.web}),
    )
    .await?;
    let d = c
        .data(
            "mutation($p: String!, $e: String!) { projectTokenCreate(input: {projectId: $p, environmentId: $e, name: \"ci\"}) }",
            json!({"p": w.project, "e": w.production}),
        )
        .await?;
    w.project_token = id_at(&d, &["projectTokenCreate"])?;
    let d = c
        .data(
            "query($e: String!) { privateNetworks(environmentId: $e) { publicId } }",
            json!({"e": w.production}),
        )
        .await?;
    w.private_network = id_at(&d, &["privateNetworks", "0", "publicId"])?;
    let d = c
        .data(
            "query($n: String!, $e: String!, $s: String!) { privateNetworkEndpoint(privateNetworkId: $n, environmentId: $e, serviceId: $s) { publicId } }",
            json!({"n": w.private_network, "e": w.production, "s": w.web}),
        )
        .await?;
    w.private_endpoint = id_at(&d, &["privateNetworkEndpoint", "publicId"])?;
    let d = c
        .data(
            "mutation($e: String!, $i: JSON!) { environmentApplyChangeSet(environmentId: $e, input: $i, waitForCompletion: false) { id } }",
            json!({"e": w.production, "i": {"version": 1, "changes": [], "diagnostics": []}}),
        )
        .await?;
    w.change_set_apply = id_at(&d, &["environmentApplyChangeSet", "id"])?;
    let d = c
        .data(
            "query($e: String!) { environment(id: $e) { configEtag } }",
            json!({"e": w.production}),
        )
        .await?;
    w.config_etag = id_at(&d, &["environment", "configEtag"])?;
    Ok(w)
}

/// A change set as the CLI's `railway config apply` sends it: set a
/// variable on `web`, create a `worker` service.
pub fn sample_change_set() -> Value {
    json!({
        "version": 1,
        "changes": [
            {
                "kind": "variable.set",
                "address": "service.web",
                "variable": "LOG_LEVEL",
                "after": {"type": "literal", "value": "debug"},
                "path": "resources.service.web.variables.LOG_LEVEL",
                "summary": "Set variable web.LOG_LEVEL",
                "severity": "safe",
                "deployEffect": "deploy"
            },
            {
                "kind": "resource.create",
                "address": "service.worker",
                "resource": {
                    "type": "service",
                    "name": "worker",
                    "source": {"type": "image", "image": "busybox:1.36"},
                    "variables": {"QUEUE": {"type": "literal", "value": "jobs"}}
                },
                "path": "resources.service.worker",
                "summary": "Create service worker",
                "severity": "safe",
                "deployEffect": "deploy"
            }
        ],
        "diagnostics": []
    })
}

/// Values by variable name, from the world.
fn base_values(w: &World) -> BTreeMap<&'static str, Value> {
    let now = super::clock::rfc3339(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0),
    );
    BTreeMap::from([
        ("projectId", json!(w.project)),
        ("environmentId", json!(w.production)),
        ("serviceId", json!(w.web)),
        ("deploymentId", json!(w.deployment)),
        ("volumeId", json!(w.volume)),
        ("volumeInstanceId", json!(w.volume_instance)),
        ("volumeInstanceBackupId", json!(w.backup)),
        ("bucketId", json!(w.bucket)),
        (
            "workspaceId",
            json!(super::schema::account::LOCAL_WORKSPACE_ID),
        ),
        ("rootServiceId", json!(w.db)),
        ("privateNetworkId", json!(w.private_network)),
        ("sandboxId", json!(w.sandbox)),
        ("cloudAgentId", json!(w.cloud_agent)),
        ("workflowId", json!(w.workflow)),
        ("decryptVariables", json!(true)),
        ("first", json!(10)),
        ("limit", json!(100)),
        ("beforeLimit", json!(100)),
        ("startDate", json!("2026-01-01T00:00:00.000Z")),
        ("endDate", json!(now)),
        ("targetTimestamp", json!("2026-01-01T00:00:00.000Z")),
        ("measurements", json!(["CPU_USAGE", "MEMORY_USAGE_GB"])),
        ("groupBy", json!(["SERVICE_ID"])),
        ("sampleRateSeconds", json!(3600)),
        ("stepSeconds", json!(3600)),
        ("serviceInstancesFirst", json!(500)),
        ("volumeInstancesFirst", json!(500)),
        ("query", json!("postgres")),
        ("code", json!("postgres")),
        ("prefix", json!("web-internal")),
        ("mountPath", json!("/data")),
        ("commitMessage", json!("conformance")),
        ("targetPort", json!(8081)),
        ("kinds", json!(["DAILY", "WEEKLY"])),
        ("token", json!("123456")),
        ("mine", json!(true)),
    ])
}

/// Variables a document needs beyond (or instead of) the values by name.
fn overrides(name: &str, w: &World) -> Value {
    let cli_event = json!({"arch": "x86_64", "cliVersion": "5.43.1", "command": "status", "durationMs": 42, "isCi": true, "os": "linux", "success": true});
    match name {
        "queries/CloudAgent" => json!({"id": w.cloud_agent}),
        "queries/DeploymentStatus" => json!({"id": w.deployment}),
        "queries/Deployments" => {
            json!({"input": {"projectId": w.project, "environmentId": w.production, "serviceId": w.web}})
        }
        "queries/EnvironmentConfig" => json!({"id": w.production}),
        "queries/Project" => json!({"id": w.project}),
        "queries/Sandbox" => json!({"id": w.sandbox}),
        "queries/SandboxTemplateBuild" => json!({"id": w.template_build}),
        "queries/Template" => json!({"code": "postgres"}),
        "queries/Metrics" => json!({"serviceId": null}),
        "mutations/BucketCreate" => json!({"input": {"projectId": w.project, "name": "uploads"}}),
        "mutations/BucketUpdate" => json!({"id": w.bucket, "input": {"name": "assets"}}),
        "mutations/CliEventTrack" => json!({"input": cli_event}),
        "mutations/CloudAgentCreate" => {
            json!({"input": {"environmentId": w.production, "name": "reviewer"}})
        }
        "mutations/CloudAgentDelete" | "mutations/CloudAgentSleep" | "mutations/CloudAgentWake" => {
            json!({"id": w.cloud_agent})
        }
        "mutations/CustomDomainCreate" => json!({"input": {
            "domain": "api.conformance.example", "projectId": w.project,
            "environmentId": w.production, "serviceId": w.web, "targetPort": 8080}}),
        "mutations/CustomDomainDelete"
        | "mutations/CustomDomainIssueCertificate"
        | "mutations/CustomDomainUpdate" => json!({"id": w.custom_domain}),
        "mutations/DeploymentRedeploy"
        | "mutations/DeploymentRemove"
        | "mutations/DeploymentRestart" => json!({"id": w.deployment}),
        "mutations/DisablePitrForHaCluster" | "mutations/EnablePitrForHaCluster" => {
            json!({"input": {"projectId": w.project, "environmentId": w.production, "rootServiceId": w.db}})
        }
        "mutations/DisableServiceCdn" => {
            json!({"input": {"environmentId": w.production, "serviceId": w.web}})
        }
        "mutations/EnableServiceCdn" => json!({"input": {"environmentId": w.production,
            "serviceId": w.web, "config": {"caching": {"defaultTtlSeconds": 600}}}}),
        "mutations/UpdateServiceEdgeConfig" => json!({"input": {"environmentId": w.production,
            "serviceId": w.web, "config": {"caching": {"purgeOnDeploy": "ALL"}}}}),
        "mutations/PurgeServiceCache" => json!({"input": {"environmentId": w.production,
            "serviceId": w.web, "scope": "ALL"}}),
        "mutations/SetServiceUnderAttackMode" => json!({"input": {"environmentId": w.production,
            "serviceId": w.web, "enabled": true, "durationSeconds": 600}}),
        "mutations/EgressGatewayAssociationCreate" => {
            json!({"input": {"environmentId": w.production, "serviceId": w.web, "region": "us-west2"}})
        }
        "mutations/EgressGatewayAssociationsClear" => {
            json!({"input": {"environmentId": w.production, "serviceId": w.web}})
        }
        "mutations/EnvironmentCreate" => {
            json!({"name": "preview", "sourceId": w.production, "applyChangesInBackground": false})
        }
        "mutations/EnvironmentDelete" => json!({"id": w.staging}),
        "mutations/EnvironmentPatchCommit" => {
            json!({"patch": {"services": {&w.web: {"variables": {"FEATURE": {"value": "on"}}}}}})
        }
        "mutations/EnvironmentPatchCommitStaged" => json!({"environmentId": w.staging}),
        "mutations/EnvironmentStageChanges" => json!({"merge": true,
            "input": {"services": {&w.web: {"deploy": {"healthcheckPath": "/health"}}}}}),
        "mutations/FunctionUpdate" => {
            json!({"startCommand": "bun run index.ts", "cronSchedule": "*/15 * * * *"})
        }
        "mutations/GenerateShellToken" => json!({"input": {"environmentId": w.production,
            "serviceId": w.web, "instanceId": "instance-0", "scope": "shell"}}),
        "mutations/PrivateNetworkEndpointRename" => json!({"id": w.private_endpoint,
            "dnsName": "frontend"}),
        "mutations/ProjectCreate" => json!({"name": "second", "description": "made by the CLI"}),
        "mutations/ProjectScheduleDelete" => json!({"id": w.project}),
        "mutations/SandboxCheckpointCreate" => json!({"name": "after-setup"}),
        "mutations/SandboxCheckpointDelete" => json!({"id": w.checkpoint}),
        "mutations/SandboxCheckpointRename" => json!({"id": w.checkpoint, "name": "renamed"}),
        "mutations/SandboxCreate" => {
            json!({"input": {"environmentId": w.production, "idleTimeoutMinutes": 15}})
        }
        "mutations/SandboxDestroy" | "mutations/SandboxHeartbeat" => json!({"id": w.sandbox}),
        "mutations/SandboxTemplateBuild" => json!({"input": {"name": "base"}}),
        "mutations/ServiceConnect" => json!({"id": w.web, "input": {"image": "nginx:1.28"}}),
        "mutations/ServiceCreate" => json!({"name": "worker", "source": {"image": "busybox:1.36"},
            "variables": {"QUEUE": "jobs"}}),
        "mutations/ServiceDelete" => json!({"environmentId": w.staging, "serviceId": w.api}),
        "mutations/ServiceDisconnect" => json!({"id": w.api}),
        "mutations/ServiceDomainDelete" => json!({"id": w.service_domain}),
        "mutations/ServiceDomainUpdate" => json!({"input": {"serviceDomainId": w.service_domain,
            "domain": "web-conformance.up.railway.app", "environmentId": w.production,
            "serviceId": w.web, "targetPort": 8080}}),
        "mutations/ServiceInstanceDeploy" | "mutations/ServiceInstanceDeployLatestCommit" => {
            json!({"serviceId": w.api})
        }
        "mutations/ServiceInstanceUpdate" => {
            json!({"input": {"startCommand": "nginx -g 'daemon off;'", "healthcheckPath": "/"}})
        }
        "mutations/SshPublicKeyCreate" => json!({"input": {"name": "desktop",
            "publicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDesktopKey desktop"}}),
        "mutations/SshPublicKeyDelete" => json!({"id": w.ssh_key}),
        "mutations/TcpProxyDelete" => json!({"id": w.tcp_proxy}),
        "mutations/TemplateDelete" | "mutations/TemplateUnpublish" => json!({"id": w.template}),
        "mutations/TemplateDeploy" => {
            json!({"templateId": super::extras::builtin_templates()[1].id,
            "serializedConfig": super::extras::builtin_templates()[1].serialized_config})
        }
        "mutations/TemplateDeployV2" => json!({"input": {"projectId": w.project,
            "environmentId": w.production,
            "templateId": super::extras::builtin_templates()[1].id,
            "serializedConfig": super::extras::builtin_templates()[1].serialized_config}}),
        "mutations/TemplatePublish" => json!({"id": w.template, "description": "A shop",
            "category": "Starters", "readme": "# Shop"}),
        "mutations/TemplateRevert" => json!({"input": {"projectId": w.project,
            "environmentId": w.production, "rootServiceId": w.db, "templateCode": "ha-postgres"}}),
        "mutations/VariableCollectionUpsert" => {
            json!({"variables": {"LOG_LEVEL": "info"}, "skipDeploys": true})
        }
        "mutations/VariableDelete" => json!({"name": "PORT"}),
        "mutations/VolumeAttach" => json!({"serviceId": w.db}),
        "mutations/VolumeCreate" => json!({"serviceId": w.web, "mountPath": "/cache"}),
        "mutations/VolumeDelete" => json!({"id": w.volume}),
        "mutations/VolumeMountPathUpdate" => json!({"serviceId": w.db, "mountPath": "/pgdata"}),
        "mutations/VolumeNameUpdate" => json!({"name": "pgdata"}),
        "mutations/VolumeInstancePitrRestore" => json!({"newServiceName": "db-restored"}),
        "subscriptions/Deployment" => json!({"id": w.deployment}),
        "iac/IacApplyChangeSet" => json!({"input": sample_change_set(),
            "baseConfigEtag": w.config_etag, "waitForCompletion": false}),
        "iac/IacPreviewChangeSet" => json!({"input": sample_change_set()}),
        "iac/IacChangeSetApplyStatus" => json!({"id": w.change_set_apply}),
        _ => json!({}),
    }
}

/// The variables of a document: its overrides, else the value for each
/// declared variable's name; optional variables without a value are left
/// out. `Err` names a required variable nothing provides.
pub fn variables_for(name: &str, document: &str, w: &World) -> Result<Value, String> {
    let doc = async_graphql::parser::parse_query(document).map_err(|e| e.to_string())?;
    let base = base_values(w);
    let extra = overrides(name, w);
    let mut vars = serde_json::Map::new();
    for (_, op) in doc.operations.iter() {
        for def in &op.node.variable_definitions {
            let var = def.node.name.node.as_str();
            let value = extra.get(var).cloned().or_else(|| base.get(var).cloned());
            match value {
                Some(v) => {
                    vars.insert(var.to_string(), v);
                }
                None if def.node.var_type.node.nullable => {}
                None => return Err(format!("no value for the required `${var}`")),
            }
        }
    }
    Ok(Value::Object(vars))
}

/// The document with each named fragment written out where it is spread
/// (`...LogFields` becomes `... on Log { … }`), for the schema check, which
/// follows inline fragments only.
pub fn inline_fragments(document: &str) -> String {
    let mut text = document.to_string();
    while let Some(start) = text.find("fragment ") {
        let Some(open) = text[start..].find('{').map(|i| start + i) else {
            break;
        };
        let head: Vec<&str> = text[start..open].split_whitespace().collect();
        let (Some(name), Some(ty)) = (head.get(1), head.get(3)) else {
            break;
        };
        let (name, ty) = (name.to_string(), ty.to_string());
        let mut depth = 0;
        let mut close = None;
        for (i, ch) in text[open..].char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(open + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(close) = close else { break };
        let body = text[open..=close].to_string();
        text.replace_range(start..=close, "");
        let spread = format!("...{name}");
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(i) = rest.find(&spread) {
            let after = &rest[i + spread.len()..];
            let whole = !after.starts_with(|c: char| c.is_alphanumeric() || c == '_');
            out.push_str(&rest[..i]);
            if whole {
                out.push_str(&format!("... on {ty} {body}"));
            } else {
                out.push_str(&spread);
            }
            rest = after;
        }
        out.push_str(rest);
        text = out;
    }
    text
}

/// Runs one document against a fresh world; `Err` says why it failed.
async fn execute(c: &Client, name: &str, document: &str) -> Result<(), String> {
    c.reset().await?;
    let world = seed(c).await.map_err(|e| format!("seeding failed: {e}"))?;
    let vars = variables_for(name, document, &world)?;
    if name.starts_with("subscriptions/") {
        let payload = c.first_event(document, &vars).await?;
        if let Some(e) = payload.get("errors") {
            return Err(format!("errors: {e}"));
        }
        if payload.get("data").is_none_or(Value::is_null) {
            return Err(format!("no data: {payload}"));
        }
        return Ok(());
    }
    let token = (name == "queries/ProjectToken").then_some(world.project_token.as_str());
    let a = c.send(document, &vars, token).await?;
    if a.status != 200 {
        return Err(format!("HTTP {}: {}", a.status, a.body));
    }
    if let Some(e) = a.error() {
        return Err(e);
    }
    match a.body.get("data") {
        Some(Value::Object(m)) if !m.is_empty() && m.values().all(|v| !v.is_null()) => Ok(()),
        _ => Err(format!("no data: {}", a.body)),
    }
}

/// Validates and runs every document of `dir` against a new in-process
/// emulator (instant deployments).
pub async fn run(dir: &Path) -> Result<Report, String> {
    let docs = load(dir)?;
    let schema = SchemaIndex::parse(&super::sdl())?;
    let emu = Emulator::start(Options {
        clock: Duration::ZERO,
        ..Options::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let client = Client::new(&emu);
    let mut report = Report::default();
    for (name, document) in &docs {
        if name == REFUSED {
            client.reset().await?;
            let w = seed(&client).await?;
            let vars = variables_for(name, document, &w)?;
            let a = client.send(document, &vars, None).await?;
            let refused = a.status == 400
                && a.error().is_some_and(|m| m.contains("iacPartials"))
                && a.body.get("data").is_none();
            report.refused_as_railway_does = Some(refused);
            continue;
        }
        let problems = validate_document(&schema, &inline_fragments(document));
        let invalid = (!problems.is_empty()).then(|| problems.join("; "));
        let failed = execute(&client, name, document).await.err();
        report.outcomes.push(Outcome {
            name: name.clone(),
            invalid,
            failed,
        });
    }
    emu.shutdown().await;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_are_written_out() {
        let doc = "query Q($d: String!) { deploymentLogs(deploymentId: $d) { ...LogFields } }\n\nfragment LogFields on Log { timestamp attributes { key } }";
        let out = inline_fragments(doc);
        assert!(!out.contains("fragment"), "{out}");
        assert!(
            out.contains("... on Log { timestamp attributes { key } }"),
            "{out}"
        );
    }
}
