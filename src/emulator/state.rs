//! The emulator's data: plain records, serialisable as a whole so the store
//! can persist them. Each environment's `EnvironmentConfig` JSON is the
//! source of truth for its per-environment settings; service instances,
//! variables, domains, volume instances and TCP proxies are derived from it.

use std::collections::{BTreeMap, HashMap};
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Value, json};

use super::clock::fnv1a;

/// Everything the emulator knows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// A counter that orders records by creation.
    pub seq: u64,
    /// Projects by ID.
    pub projects: BTreeMap<String, ProjectRec>,
    /// Environments by ID.
    pub environments: BTreeMap<String, EnvironmentRec>,
    /// Services by ID.
    pub services: BTreeMap<String, ServiceRec>,
    /// Volumes by ID.
    pub volumes: BTreeMap<String, VolumeRec>,
    /// Deployments by ID.
    pub deployments: BTreeMap<String, DeploymentRec>,
    /// Each service instance's deployments in creation order, derived from
    /// `deployments` when first asked after a change (never stored).
    #[serde(skip)]
    pub deployment_index: DeploymentIndex,
    /// Committed environment patches by ID (history).
    pub patches: BTreeMap<String, PatchRec>,
    /// Project tokens by token text.
    pub project_tokens: BTreeMap<String, ProjectTokenRec>,
    /// Plan limits set through the admin API (none by default).
    #[serde(default)]
    pub limits: super::limits::Limits,
    /// Buckets, sandboxes, templates, backups and the rest
    /// (`super::extras`).
    #[serde(default)]
    pub extras: super::extras::Extras,
}

/// A project.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProjectRec {
    /// The project ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// The workspace it was created in, if one was given.
    pub workspace_id: Option<String>,
    /// Whether it is public (`isPublic`).
    pub is_public: bool,
    /// Whether pull requests get their own environments (`prDeploys`).
    pub pr_deploys: bool,
    /// Its default environment, created with it.
    pub base_environment_id: Option<String>,
    /// When it was created, in epoch milliseconds.
    pub created_at: i64,
    /// When it last changed, in epoch milliseconds.
    pub updated_at: i64,
    /// When it was scheduled for deletion (`projectScheduleDelete`), in
    /// epoch milliseconds.
    pub deleted_at: Option<i64>,
    /// Creation order, from [`State::next_seq`].
    pub seq: u64,
}

/// An environment with its config and staged patch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnvironmentRec {
    /// The environment ID.
    pub id: String,
    /// The project it belongs to.
    pub project_id: String,
    /// Its name, unique in the project.
    pub name: String,
    /// Whether it was created ephemeral (`ephemeral: true`).
    pub is_ephemeral: bool,
    /// The environment it was cloned from; set means it is a fork
    /// ([`State::is_fork`]).
    pub source_environment_id: Option<String>,
    /// The committed `EnvironmentConfig`.
    pub config: Config,
    /// The staged patch, when someone staged changes.
    pub staged: Option<PatchRec>,
    /// When it was created, in epoch milliseconds.
    pub created_at: i64,
    /// When it or its config last changed, in epoch milliseconds.
    pub updated_at: i64,
    /// Creation order, from [`State::next_seq`].
    pub seq: u64,
}

/// A service (project-wide; its settings live in each environment's config).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServiceRec {
    /// The service ID.
    pub id: String,
    /// The project it belongs to.
    pub project_id: String,
    /// Its name, unique in the project.
    pub name: String,
    /// Its icon, if one was set.
    pub icon: Option<String>,
    /// The template it was created from (`serviceCreate`'s `templateId`).
    pub template_id: Option<String>,
    /// The service of a template's `serializedConfig` it was created
    /// from.
    pub template_service_id: Option<String>,
    /// When it was created, in epoch milliseconds.
    pub created_at: i64,
    /// When it last changed, in epoch milliseconds.
    pub updated_at: i64,
    /// Creation order, from [`State::next_seq`].
    pub seq: u64,
}

/// A volume (project-wide; size and mounts live in the configs).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VolumeRec {
    /// The volume ID.
    pub id: String,
    /// The project it belongs to.
    pub project_id: String,
    /// Its name, unique in the project.
    pub name: String,
    /// The mount path given at creation, used while no service mounts it.
    pub mount_path: String,
    /// When it was created, in epoch milliseconds.
    pub created_at: i64,
    /// Creation order, from [`State::next_seq`].
    pub seq: u64,
}

/// How a deployment ends, decided when it is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Reaches `SUCCESS`.
    Success,
    /// The build fails: `FAILED` after `BUILDING`.
    BuildFailed,
    /// The container exits: `CRASHED` after `DEPLOYING` (and its restarts).
    Crashed,
    /// The container starts but its healthcheck never passes: `FAILED`
    /// once the healthcheck's retry window is over.
    HealthcheckFailed,
}

/// A deployment of one service in one environment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeploymentRec {
    /// The deployment ID.
    pub id: String,
    /// The project of its service.
    pub project_id: String,
    /// The environment it runs in.
    pub environment_id: String,
    /// The service it deploys.
    pub service_id: String,
    /// When it was created, in epoch milliseconds; its phases count from
    /// here.
    pub created_at: i64,
    /// The phase length in force when it was created.
    pub step_ms: u64,
    /// How it will end.
    pub outcome: Outcome,
    /// A random `snapshotId`, fixed at creation.
    pub snapshot_id: String,
    /// `DeploymentMeta`: image/repo/branch/commit and the commands used.
    pub meta: Value,
    /// Set when the deployment was stopped or removed explicitly.
    pub removed_at: Option<i64>,
    /// Creation order, from [`State::next_seq`].
    pub seq: u64,
    /// How many replicas (deployment instances) run it: `numReplicas`, or
    /// the total of `multiRegionConfig`, when it was made.
    #[serde(default = "one")]
    pub replicas: u32,
    /// The region of each replica (`multiRegionConfig` order); empty when
    /// the config names none.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Waits in `NEEDS_APPROVAL` until `deploymentApprove`.
    #[serde(default)]
    pub needs_approval: bool,
    /// When `deploymentApprove` approved it; its phases count from here.
    #[serde(default)]
    pub approved_at: Option<i64>,
    /// How long it runs before `SLEEPING` (`sleepApplication`: Railway's
    /// idle period; the `SLEEPING` outcome knob: one phase).
    #[serde(default)]
    pub sleep_after_ms: Option<i64>,
    /// How many times a crashing container is restarted before `CRASHED`
    /// (`restartPolicyType` `ON_FAILURE`/`ALWAYS` with
    /// `restartPolicyMaxRetries`, when the config sets them).
    #[serde(default)]
    pub restarts: u32,
    /// `healthcheckPath` when it was made.
    #[serde(default)]
    pub healthcheck_path: Option<String>,
    /// `healthcheckTimeout` (seconds) when it was made.
    #[serde(default)]
    pub healthcheck_timeout_s: Option<i64>,
}

fn one() -> u32 {
    1
}

/// A patch, staged or committed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PatchRec {
    /// The patch ID.
    pub id: String,
    /// The environment it patches.
    pub environment_id: String,
    /// The `EnvironmentConfig` patch JSON (`null` deletes).
    pub patch: Value,
    /// The commit message, if one was given.
    pub message: Option<String>,
    /// When it was created, in epoch milliseconds.
    pub created_at: i64,
    /// When it last changed (a staged patch merged with more), in epoch
    /// milliseconds.
    pub updated_at: i64,
    /// When it was committed, in epoch milliseconds; `None` while staged.
    pub applied_at: Option<i64>,
}

/// A project token: one environment of one project.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProjectTokenRec {
    /// The token ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The project it grants access to.
    pub project_id: String,
    /// The environment it grants access to.
    pub environment_id: String,
    /// When it was created, in epoch milliseconds.
    pub created_at: i64,
}

/// A config for a new, empty environment.
pub fn empty_config() -> Value {
    json!({"services": {}, "sharedVariables": {}, "volumes": {}})
}

/// The deployments of each service instance (environment id, service id)
/// as `(seq, id)` in creation order: the status of a deployment asks
/// whether a newer one of its instance succeeded, and the latest
/// deployment of an instance is asked for every instance of a read, so a
/// scan of every deployment each time made a read of 600 instances
/// quadratic. Rebuilt when the state's creation counter or the number of
/// deployments changed since it was built (deployments are only created
/// with a new `seq`, or removed), so it is never stale; a clone starts
/// empty.
#[derive(Default)]
pub struct DeploymentIndex(Mutex<Option<(IndexKey, Arc<InstanceDeployments>)>>);

type IndexKey = (u64, usize);

/// `(environment id, service id)` → `(seq, deployment id)`, oldest first.
pub type InstanceDeployments = HashMap<(String, String), Vec<(u64, String)>>;

impl Clone for DeploymentIndex {
    fn clone(&self) -> Self {
        DeploymentIndex::default()
    }
}

impl std::fmt::Debug for DeploymentIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeploymentIndex")
    }
}

impl State {
    /// The deployments of every service instance, oldest first.
    pub fn instance_deployments(&self) -> Arc<InstanceDeployments> {
        let key = (self.seq, self.deployments.len());
        let mut slot = self
            .deployment_index
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some((built, index)) = slot.as_ref()
            && *built == key
        {
            return index.clone();
        }
        let mut index = InstanceDeployments::new();
        for d in self.deployments.values() {
            index
                .entry((d.environment_id.clone(), d.service_id.clone()))
                .or_default()
                .push((d.seq, d.id.clone()));
        }
        for list in index.values_mut() {
            list.sort();
        }
        let index = Arc::new(index);
        *slot = Some((key, index.clone()));
        index
    }

    /// The deployments of one service instance, oldest first.
    pub fn deployments_of(&self, environment_id: &str, service_id: &str) -> Vec<&DeploymentRec> {
        let index = self.instance_deployments();
        index
            .get(&(environment_id.to_owned(), service_id.to_owned()))
            .map(|list| {
                list.iter()
                    .filter_map(|(_, id)| self.deployments.get(id))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A stable ID derived from its parts, shaped like Railway's UUIDs, for the
/// rows that are derived from configs (domains, proxies, volume instances).
pub fn derived_id(parts: &[&str]) -> String {
    let joined = parts.join("\u{1f}");
    let a = fnv1a(joined.as_bytes());
    let b = fnv1a(format!("{joined}\u{1f}b").as_bytes());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0x0FFF,
        ((b >> 48) & 0x3FFF) | 0x8000,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// A lowercase DNS label made of a name (`My API` → `my-api`).
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "service".to_string()
    } else {
        out
    }
}

impl State {
    /// The next creation sequence number.
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The environments of a project, oldest first.
    pub fn project_environments(&self, project_id: &str) -> Vec<&EnvironmentRec> {
        let mut envs: Vec<_> = self
            .environments
            .values()
            .filter(|e| e.project_id == project_id)
            .collect();
        envs.sort_by_key(|e| e.seq);
        envs
    }

    /// The services of a project, oldest first.
    pub fn project_services(&self, project_id: &str) -> Vec<&ServiceRec> {
        let mut services: Vec<_> = self
            .services
            .values()
            .filter(|s| s.project_id == project_id)
            .collect();
        services.sort_by_key(|s| s.seq);
        services
    }

    /// The volumes of a project, oldest first.
    pub fn project_volumes(&self, project_id: &str) -> Vec<&VolumeRec> {
        let mut volumes: Vec<_> = self
            .volumes
            .values()
            .filter(|v| v.project_id == project_id)
            .collect();
        volumes.sort_by_key(|v| v.seq);
        volumes
    }

    /// The service IDs present in an environment's config, in config order.
    pub fn environment_service_ids(&self, env: &EnvironmentRec) -> Vec<String> {
        env.config
            .get("services")
            .and_then(Value::as_object)
            .map(|m| {
                m.keys()
                    .filter(|id| self.services.contains_key(*id))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether an environment is a fork (created from another environment):
    /// the meaning the emulator gives to "fork" in the schema's
    /// `environmentId` descriptions.
    pub fn is_fork(&self, env: &EnvironmentRec) -> bool {
        env.source_environment_id.is_some()
    }
}

/// The config of one service in an environment, if the service is there.
pub fn service_config<'a>(env: &'a EnvironmentRec, service_id: &str) -> Option<&'a Value> {
    env.config.get("services")?.get(service_id)
}

/// Reads a string at a JSON path.
pub fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = value;
    for p in path {
        cur = cur.get(*p)?;
    }
    cur.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        assert_eq!(derived_id(&["a", "b"]), derived_id(&["a", "b"]));
        assert_ne!(derived_id(&["a", "b"]), derived_id(&["ab"]));
        assert_eq!(derived_id(&["x"]).len(), 36);
    }

    #[test]
    fn slugs_are_dns_labels() {
        assert_eq!(slug("My API"), "my-api");
        assert_eq!(slug("--"), "service");
        assert_eq!(slug("web_2"), "web-2");
    }
}

/// An environment's committed `EnvironmentConfig` with its `configEtag`.
///
/// Shared, not copied, between the state, a write's draft of it and the
/// views a read builds (a whole-project read used to copy every config three
/// times and hash it once per request); replaced as a whole on change, so the
/// etag is computed once per change and can never go stale.
#[derive(Debug, Clone)]
pub struct Config {
    value: Arc<Value>,
    etag: Arc<str>,
}

impl Config {
    /// A config holding `value`.
    pub fn new(value: Value) -> Self {
        let etag = super::patch::etag(&value).into();
        Config {
            value: Arc::new(value),
            etag,
        }
    }

    /// The config's JSON.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The config's JSON, shared (for handing to a response).
    pub fn shared(&self) -> Arc<Value> {
        self.value.clone()
    }

    /// The `configEtag`: a hash of the config's JSON text.
    pub fn etag(&self) -> &str {
        &self.etag
    }

    /// Changes the config through `f` on a copy, then replaces it (and its
    /// etag) with the result.
    pub fn update<T>(&mut self, f: impl FnOnce(&mut Value) -> T) -> T {
        let mut value = Value::clone(&self.value);
        let out = f(&mut value);
        *self = Config::new(value);
        out
    }
}

impl Deref for Config {
    type Target = Value;
    fn deref(&self) -> &Value {
        &self.value
    }
}

impl Serialize for Config {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Config {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d).map(Config::new)
    }
}

#[cfg(test)]
mod config_tests {
    use super::*;

    #[test]
    fn update_replaces_the_etag_and_leaves_other_holders_alone() {
        let mut config = Config::new(json!({"services": {"a": {"variables": {}}}}));
        let held = config.clone();
        let before = config.etag().to_string();
        config.update(|v| v["services"]["a"]["variables"]["X"] = json!({"value": "1"}));
        assert_ne!(config.etag(), before);
        assert_eq!(config.etag(), super::super::patch::etag(config.value()));
        assert_eq!(
            held.etag(),
            before,
            "a view taken before the change keeps what it read"
        );
        assert!(held["services"]["a"]["variables"].get("X").is_none());
    }

    #[test]
    fn persists_as_plain_json_and_recomputes_the_etag_on_load() {
        let config = Config::new(json!({"sharedVariables": {"A": {"value": "b"}}}));
        let text = serde_json::to_string(&config).expect("serialise");
        assert_eq!(text, r#"{"sharedVariables":{"A":{"value":"b"}}}"#);
        let back: Config = serde_json::from_str(&text).expect("deserialise");
        assert_eq!(back.etag(), config.etag());
    }
}
