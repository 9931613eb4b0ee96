//! The rest of what the official Railway CLI asks for beyond projects,
//! environments, services and their configs: buckets, sandboxes, cloud
//! agents, SSH keys, templates, volume backups, edge (CDN) settings, egress
//! gateways, HA clusters, workflows and change-set applies. Each is a plain
//! record kept in [`Extras`], changed through the functions here, so the
//! GraphQL layer only checks access and translates arguments
//! (`docs/emulator.md`, "What it implements").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::ops::{ApiError, ApiResult, Tick, commit_patch, environment, project, service};
use super::state::{State, derived_id, service_config, slug};

/// Records of the features beyond the core model. Every map starts empty,
/// and an older state file without them loads as it was.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Extras {
    /// Buckets by ID.
    pub buckets: BTreeMap<String, BucketRec>,
    /// Sandboxes by ID, destroyed ones included.
    pub sandboxes: BTreeMap<String, SandboxRec>,
    /// Sandbox checkpoints by ID.
    pub checkpoints: BTreeMap<String, CheckpointRec>,
    /// Sandbox template builds by ID.
    pub template_builds: BTreeMap<String, TemplateBuildRec>,
    /// Cloud agents by ID.
    pub cloud_agents: BTreeMap<String, CloudAgentRec>,
    /// SSH public keys of the local account by ID.
    pub ssh_keys: BTreeMap<String, SshKeyRec>,
    /// Templates generated from projects (`templateGenerate`) by ID; the
    /// built-in ones are not stored ([`builtin_templates`]).
    pub templates: BTreeMap<String, TemplateRec>,
    /// Volume instance backups by ID.
    pub backups: BTreeMap<String, BackupRec>,
    /// Backup schedule kinds by volume instance ID.
    pub backup_schedules: BTreeMap<String, Vec<String>>,
    /// Edge settings by `environmentId/serviceId`.
    pub edge: BTreeMap<String, EdgeRec>,
    /// Egress gateway regions by `environmentId/serviceId`.
    pub egress: BTreeMap<String, Vec<String>>,
    /// HA Postgres clusters by `environmentId/rootServiceId`.
    pub ha_clusters: BTreeMap<String, HaClusterRec>,
    /// Background workflows by ID.
    pub workflows: BTreeMap<String, WorkflowRec>,
    /// Change-set applies (`environmentApplyChangeSet`) by ID.
    pub change_sets: BTreeMap<String, ChangeSetApplyRec>,
    /// How many times each bucket's credentials were reset.
    pub bucket_credential_resets: BTreeMap<String, u32>,
    /// Outcomes forced on new deployments by service name (`SUCCESS`,
    /// `FAILED`, `CRASHED`), set through `POST /_emulator/outcomes`.
    pub outcomes: BTreeMap<String, String>,
}

/// A bucket (project-wide; its instances live in the configs' `buckets`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BucketRec {
    /// The bucket ID.
    pub id: String,
    /// The project it belongs to.
    pub project_id: String,
    /// Its name, unique in the project.
    pub name: String,
    /// When it was created, in epoch milliseconds.
    pub created_at: i64,
    /// Creation order, from [`State::next_seq`](super::state::State::next_seq).
    pub seq: u64,
}

/// A sandbox of an environment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SandboxRec {
    /// The sandbox ID.
    pub id: String,
    /// The environment it runs in.
    pub environment_id: String,
    /// The region it runs in.
    pub region: String,
    /// Minutes of inactivity before it stops (30 unless given).
    pub idle_timeout_minutes: Option<i32>,
    /// When it was created, in epoch milliseconds.
    pub created_at: i64,
    /// When it was destroyed, in epoch milliseconds; `None` while it lives.
    pub destroyed_at: Option<i64>,
    /// Creation order, from [`State::next_seq`](super::state::State::next_seq).
    pub seq: u64,
}

/// A sandbox checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckpointRec {
    /// The checkpoint ID.
    pub id: String,
    /// The environment of its sandbox.
    pub environment_id: String,
    /// The sandbox it was taken of.
    pub sandbox_id: String,
    /// Its name, unique in the environment.
    pub key: String,
    /// When it was created, in epoch milliseconds.
    pub created_at: i64,
}

/// A sandbox template build.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TemplateBuildRec {
    /// The build ID.
    pub id: String,
    /// The environment it builds for.
    pub environment_id: String,
    /// When it started, in epoch milliseconds.
    pub created_at: i64,
    /// How long it builds, in milliseconds: the deployment phase length
    /// in force when it started.
    pub step_ms: u64,
}

/// A cloud agent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CloudAgentRec {
    /// The agent ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The project of its environment.
    pub project_id: String,
    /// The environment it runs in.
    pub environment_id: String,
    /// Whether it was put to sleep (it reads as not running).
    pub sleeping: bool,
    /// When it was created, in epoch milliseconds.
    pub created_at: i64,
}

/// An SSH public key of the local account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SshKeyRec {
    /// The key ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The public key as given (`ssh-ed25519 AAAA… comment`).
    pub public_key: String,
    /// A stand-in fingerprint, unique per key body: `SHA256:` followed by
    /// FNV-1a hashes, not a real SHA-256.
    pub fingerprint: String,
    /// The workspace it was added to, if any.
    pub workspace_id: Option<String>,
    /// Creation order, from [`State::next_seq`](super::state::State::next_seq).
    pub seq: u64,
}

/// A template (the built-in catalogue, or one generated from a project).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TemplateRec {
    /// The template ID.
    pub id: String,
    /// Its short code (`postgres`, `redis`; random for a generated one),
    /// by which the `template` query and template searches find it.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its marketplace category.
    pub category: Option<String>,
    /// Its README, in Markdown.
    pub readme: Option<String>,
    /// The image shown for it.
    pub image: Option<String>,
    /// The project it was generated from or demonstrates.
    pub demo_project_id: Option<String>,
    /// `PUBLISHED`, `UNPUBLISHED` or `HIDDEN`.
    pub status: String,
    /// The workspace that owns it; `None` for the built-in ones.
    pub workspace_id: Option<String>,
    /// The services it deploys, as `serializedConfig` JSON
    /// (`{"services": {<templateServiceId>: {name, source, variables}}}`).
    pub serialized_config: Value,
    /// Creation order, from [`State::next_seq`](super::state::State::next_seq).
    /// 0 for the built-in ones.
    pub seq: u64,
}

/// A volume instance backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupRec {
    /// The backup ID.
    pub id: String,
    /// The volume instance it was taken of.
    pub volume_instance_id: String,
    /// Its name, if given.
    pub name: Option<String>,
    /// The size of the volume instance when it was taken, in megabytes.
    pub size_mb: i32,
    /// The backup schedule that took it; `None` for a manual backup.
    pub schedule_id: Option<String>,
    /// When it was created, in epoch milliseconds.
    pub created_at: i64,
    /// When it expires, in epoch milliseconds; `None` once locked.
    pub expires_at: Option<i64>,
    /// Creation order, from [`State::next_seq`](super::state::State::next_seq).
    pub seq: u64,
}

/// Edge (CDN / WAF) settings of a service instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EdgeRec {
    /// The edge config ID, derived from the service instance.
    pub id: String,
    /// Whether the CDN is on.
    pub enabled: bool,
    /// The caching settings, as `EdgeConfig.caching` JSON
    /// ([`default_caching`] to start with).
    pub caching: Value,
    /// How many cache purges there have been while the CDN was on.
    pub purge_epoch: i32,
    /// How many purges there have been by scope (`ALL`, `HTML`).
    pub purge_epoch_by_kind: BTreeMap<String, i32>,
    /// Unix seconds until which "under attack" mode is on.
    pub under_attack_until: Option<i64>,
}

/// An HA Postgres cluster with point-in-time recovery.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HaClusterRec {
    /// The workflow of the latest enable or disable.
    pub workflow_id: String,
    /// Whether the latest workflow enables (rather than disables)
    /// point-in-time recovery.
    pub enabled: bool,
    /// When the latest workflow started, in epoch milliseconds.
    pub started_at: i64,
    /// Whether the latest workflow was cancelled.
    pub cancelled: bool,
}

/// A background workflow (template deploys, backups, restores).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkflowRec {
    /// The workflow ID.
    pub id: String,
    /// When it started, in epoch milliseconds.
    pub created_at: i64,
    /// How long it runs, in milliseconds: the deployment phase length in
    /// force when it started.
    pub step_ms: u64,
    /// The error it ends with, if it fails.
    pub error: Option<String>,
}

/// The result of one `environmentApplyChangeSet`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeSetApplyRec {
    /// The apply ID.
    pub id: String,
    /// The environment the change set was applied to.
    pub environment_id: String,
    /// The final status (`applied`, `partially_applied`, `failed`, `staged`).
    pub status: String,
    /// The patch the changes were staged as, when the apply staged them.
    pub staged_patch_id: Option<String>,
    /// The first deployment the apply started, if any.
    pub deployment_id: Option<String>,
    /// The diagnostics of the apply, as a JSON array of
    /// `{severity, path, message}`.
    pub diagnostics: Value,
    /// What became of each change, in the change set's order.
    pub changes: Vec<ChangeResult>,
    /// When it was created, in epoch milliseconds.
    pub created_at: i64,
    /// While the clock is before this, the apply reads as `applying`.
    pub done_at: i64,
}

/// One change of an apply and how it went.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeResult {
    /// The change's `kind` (`variable.set`, `resource.create`, …).
    pub kind: String,
    /// The change's `path`, as the change set gave it.
    pub path: Option<String>,
    /// The change's `summary`, as the change set gave it.
    pub summary: Option<String>,
    /// How it went: `applied`, `skipped` or `failed`.
    pub status: String,
    /// What the change produced (`{"id": …}` of a created resource).
    pub outputs: Option<Value>,
}

fn not_found(what: &str) -> ApiError {
    ApiError::NotFound(format!("{what} not found"))
}

/// The key of per-instance records.
pub fn instance_key(environment_id: &str, service_id: &str) -> String {
    format!("{environment_id}/{service_id}")
}

// ---------------------------------------------------------------- buckets

/// Creates a bucket. `environment`: `None` = every environment (absent),
/// `Some(None)` = none (`null`), `Some(Some(id))` = that one.
pub fn create_bucket(
    st: &mut State,
    t: &mut Tick,
    project_id: &str,
    name: Option<String>,
    target_env: Option<Option<&str>>,
) -> ApiResult<BucketRec> {
    project(st, project_id)?;
    let name = match name {
        Some(n) if !n.trim().is_empty() => n.trim().to_string(),
        _ => format!("bucket-{}", t.rng.alnum(5)),
    };
    check_resource_name("bucket", &name)?;
    if st
        .extras
        .buckets
        .values()
        .any(|b| b.project_id == project_id && b.name == name)
    {
        return Err(ApiError::BadInput(format!(
            "Bucket name `{name}` is already taken in this project"
        )));
    }
    let envs: Vec<String> = match target_env {
        None => st
            .project_environments(project_id)
            .iter()
            .map(|e| e.id.clone())
            .collect(),
        Some(None) => vec![],
        Some(Some(id)) => {
            let env = environment(st, id)?;
            if env.project_id != project_id {
                return Err(not_found("Environment"));
            }
            vec![env.id.clone()]
        }
    };
    let seq = st.next_seq();
    let bucket = BucketRec {
        id: t.rng.uuid(),
        project_id: project_id.to_string(),
        name,
        created_at: t.now,
        seq,
    };
    st.extras.buckets.insert(bucket.id.clone(), bucket.clone());
    for env_id in envs {
        let patch = json!({"buckets": {bucket.id.clone(): {"region": DEFAULT_BUCKET_REGION}}});
        commit_patch(st, t, &env_id, &patch, None, true)?;
    }
    Ok(bucket)
}

/// The region a bucket gets when none is given.
pub const DEFAULT_BUCKET_REGION: &str = "sjc";

/// Renames a bucket.
pub fn rename_bucket(st: &mut State, id: &str, name: &str) -> ApiResult<BucketRec> {
    let project_id = st
        .extras
        .buckets
        .get(id)
        .map(|b| b.project_id.clone())
        .ok_or_else(|| not_found("Bucket"))?;
    check_resource_name("bucket", name)?;
    if st
        .extras
        .buckets
        .values()
        .any(|b| b.project_id == project_id && b.name == name && b.id != id)
    {
        return Err(ApiError::BadInput(format!(
            "Bucket name `{name}` is already taken in this project"
        )));
    }
    let b = st
        .extras
        .buckets
        .get_mut(id)
        .ok_or_else(|| not_found("Bucket"))?;
    b.name = name.to_string();
    Ok(b.clone())
}

/// The region of a bucket's instance in an environment, if it has one.
pub fn bucket_instance_region(st: &State, env_id: &str, bucket_id: &str) -> Option<String> {
    let env = st.environments.get(env_id)?;
    let entry = env.config.get("buckets")?.get(bucket_id)?;
    Some(
        entry
            .get("region")
            .and_then(Value::as_str)
            .unwrap_or(DEFAULT_BUCKET_REGION)
            .to_string(),
    )
}

/// S3 credentials of a bucket instance: derived from the bucket, the
/// environment and the number of resets, so a reset changes them.
pub fn bucket_credentials(st: &State, env_id: &str, bucket_id: &str) -> ApiResult<[String; 6]> {
    let bucket = st
        .extras
        .buckets
        .get(bucket_id)
        .ok_or_else(|| not_found("Bucket"))?;
    let region = bucket_instance_region(st, env_id, bucket_id)
        .ok_or_else(|| ApiError::NotFound("BucketInstance not found".into()))?;
    let resets = st
        .extras
        .bucket_credential_resets
        .get(&instance_key(env_id, bucket_id))
        .copied()
        .unwrap_or(0)
        .to_string();
    let key = derived_id(&["bucketKey", env_id, bucket_id, &resets]).replace('-', "");
    let secret = derived_id(&["bucketSecret", env_id, bucket_id, &resets]).replace('-', "")
        + &derived_id(&["bucketSecret2", env_id, bucket_id, &resets]).replace('-', "");
    Ok([
        format!("tid_{}", &key[..20]),
        format!("tsec_{secret}"),
        "https://storage.railway.app".to_string(),
        format!("{}-{}", slug(&bucket.name), &bucket.id[..8]),
        region,
        "virtual-hosted".to_string(),
    ])
}

// ------------------------------------------------------------- names

/// Railway's naming rule for services, volumes and buckets as the emulator
/// applies it: 1 to 32 characters (docs.railway.com, "Service names have a
/// max length of 32 characters"), no control characters, and not blank.
pub fn check_resource_name(kind: &str, name: &str) -> ApiResult<()> {
    if name.trim().is_empty() {
        return Err(ApiError::BadInput(format!("{kind} name cannot be empty")));
    }
    if name.chars().count() > 32 {
        return Err(ApiError::BadInput(format!(
            "{kind} name `{name}` is longer than 32 characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::BadInput(format!(
            "{kind} name cannot contain control characters"
        )));
    }
    Ok(())
}

// ------------------------------------------------------------ workflows

/// Starts a workflow that completes after one deployment step.
pub fn start_workflow(st: &mut State, t: &mut Tick) -> String {
    let id = t.rng.uuid();
    st.extras.workflows.insert(
        id.clone(),
        WorkflowRec {
            id: id.clone(),
            created_at: t.now,
            step_ms: t.step_ms,
            error: None,
        },
    );
    id
}

/// A workflow's status at `now`: `Running` for one step, then `Complete`
/// (or `Error`); `NotFound` for an unknown ID.
pub fn workflow_status(st: &State, id: &str, now: i64) -> (&'static str, Option<String>) {
    match st.extras.workflows.get(id) {
        None => ("NotFound", None),
        Some(w) if now < w.created_at + w.step_ms as i64 => ("Running", None),
        Some(w) if w.error.is_some() => ("Error", w.error.clone()),
        Some(_) => ("Complete", None),
    }
}

// ---------------------------------------------------------- volumes

/// The volume instance with this ID: (environment ID, volume ID).
pub fn volume_instance(st: &State, id: &str) -> ApiResult<(String, String)> {
    for env in st.environments.values() {
        let Some(volumes) = env.config.get("volumes").and_then(Value::as_object) else {
            continue;
        };
        for vid in volumes.keys() {
            if derived_id(&["volumeInstance", &env.id, vid]) == id {
                return Ok((env.id.clone(), vid.clone()));
            }
        }
    }
    Err(ApiError::NotFound("VolumeInstance not found".into()))
}

/// `volumeInstanceUpdate`: attaches the volume to a service (`serviceId`),
/// detaches it (`serviceId: null`), or moves its mount path, in one
/// environment or (without `environmentId`) in every one that has it.
pub fn update_volume_instance(
    st: &mut State,
    t: &mut Tick,
    volume_id: &str,
    environment_id: Option<&str>,
    target_service: Option<Option<&str>>,
    mount_path: Option<&str>,
) -> ApiResult<()> {
    let vol = st
        .volumes
        .get(volume_id)
        .cloned()
        .ok_or_else(|| not_found("Volume"))?;
    if let Some(path) = mount_path
        && !path.starts_with('/')
    {
        return Err(ApiError::BadInput(format!(
            "mount path `{path}` must be absolute"
        )));
    }
    let envs: Vec<String> = match environment_id {
        Some(id) => {
            let env = environment(st, id)?;
            if env.project_id != vol.project_id {
                return Err(not_found("Environment"));
            }
            vec![env.id.clone()]
        }
        None => st
            .project_environments(&vol.project_id)
            .iter()
            .filter(|e| {
                e.config
                    .get("volumes")
                    .and_then(|v| v.get(volume_id))
                    .is_some()
            })
            .map(|e| e.id.clone())
            .collect(),
    };
    for env_id in envs {
        let env = environment(st, &env_id)?;
        if env
            .config
            .get("volumes")
            .and_then(|v| v.get(volume_id))
            .is_none()
        {
            return Err(ApiError::NotFound("VolumeInstance not found".into()));
        }
        let current: Option<(String, String)> =
            st.environment_service_ids(env).into_iter().find_map(|sid| {
                let path = service_config(env, &sid)?
                    .get("volumeMounts")?
                    .get(volume_id)?
                    .get("mountPath")?
                    .as_str()?
                    .to_string();
                Some((sid, path))
            });
        let path = mount_path
            .map(str::to_string)
            .or_else(|| current.as_ref().map(|(_, p)| p.clone()))
            .unwrap_or_else(|| vol.mount_path.clone());
        let mut services = serde_json::Map::new();
        let target = match target_service {
            Some(s) => s.map(str::to_string),
            None => current.as_ref().map(|(s, _)| s.clone()),
        };
        if let Some((old, _)) = &current
            && target.as_deref() != Some(old.as_str())
        {
            services.insert(old.clone(), json!({"volumeMounts": {volume_id: null}}));
        }
        if let Some(sid) = &target {
            let svc = service(st, sid)?;
            if svc.project_id != vol.project_id || service_config(env, sid).is_none() {
                return Err(ApiError::NotFound("ServiceInstance not found".into()));
            }
            services.insert(
                sid.clone(),
                json!({"volumeMounts": {volume_id: {"mountPath": path}}}),
            );
        }
        if !services.is_empty() {
            let patch = json!({"services": Value::Object(services)});
            commit_patch(st, t, &env_id, &patch, None, true)?;
        }
    }
    if mount_path.is_some()
        && let Some(v) = st.volumes.get_mut(volume_id)
        && let Some(p) = mount_path
    {
        v.mount_path = p.to_string();
    }
    Ok(())
}

/// Renames a volume.
pub fn rename_volume(st: &mut State, volume_id: &str, name: &str) -> ApiResult<()> {
    let project_id = st
        .volumes
        .get(volume_id)
        .map(|v| v.project_id.clone())
        .ok_or_else(|| not_found("Volume"))?;
    check_resource_name("volume", name)?;
    if st
        .project_volumes(&project_id)
        .iter()
        .any(|v| v.name == name && v.id != volume_id)
    {
        return Err(ApiError::BadInput(format!(
            "Volume name `{name}` is already taken in this project"
        )));
    }
    if let Some(v) = st.volumes.get_mut(volume_id) {
        v.name = name.to_string();
    }
    Ok(())
}

/// Takes a backup of a volume instance; returns the workflow ID.
pub fn create_backup(
    st: &mut State,
    t: &mut Tick,
    volume_instance_id: &str,
    name: Option<String>,
    schedule_id: Option<String>,
) -> ApiResult<String> {
    let (env_id, vid) = volume_instance(st, volume_instance_id)?;
    let size_mb = super::views::volume_instances(st, environment(st, &env_id)?)
        .into_iter()
        .find(|v| v.volume_id == vid)
        .map(|v| v.size_mb)
        .unwrap_or(super::views::DEFAULT_VOLUME_MB);
    let seq = st.next_seq();
    let rec = BackupRec {
        id: t.rng.uuid(),
        volume_instance_id: volume_instance_id.to_string(),
        name,
        size_mb,
        schedule_id,
        created_at: t.now,
        // Manual backups are kept for 30 days unless locked (unconfirmed).
        expires_at: Some(t.now + 30 * 86_400_000),
        seq,
    };
    st.extras.backups.insert(rec.id.clone(), rec);
    Ok(start_workflow(st, t))
}

/// A backup of a volume instance, or `VolumeInstanceBackup not found`.
pub fn backup<'a>(
    st: &'a State,
    volume_instance_id: &str,
    backup_id: &str,
) -> ApiResult<&'a BackupRec> {
    st.extras
        .backups
        .get(backup_id)
        .filter(|b| b.volume_instance_id == volume_instance_id)
        .ok_or_else(|| not_found("VolumeInstanceBackup"))
}

/// The backup schedule kinds Railway offers, with their cron and retention.
pub fn schedule_kind(kind: &str) -> (&'static str, &'static str, i32) {
    match kind {
        "DAILY" => ("Daily", "0 0 * * *", 6 * 86_400),
        "WEEKLY" => ("Weekly", "0 0 * * 0", 4 * 7 * 86_400),
        _ => ("Monthly", "0 0 1 * *", 3 * 30 * 86_400),
    }
}

// ------------------------------------------------------------ templates

/// The templates every emulator knows (a tiny stand-in for Railway's
/// marketplace), made afresh on each lookup and never stored in the state.
pub fn builtin_templates() -> Vec<TemplateRec> {
    let make = |code: &str, name: &str, image: &str, description: &str, vars: Value| TemplateRec {
        id: derived_id(&["template", code]),
        code: code.to_string(),
        name: name.to_string(),
        description: Some(description.to_string()),
        category: Some("Storage".to_string()),
        readme: Some(format!("# {name}\n\n{description}\n")),
        image: Some(image.to_string()),
        demo_project_id: None,
        status: "PUBLISHED".to_string(),
        workspace_id: None,
        serialized_config: json!({
            "services": {
                derived_id(&["templateService", code]): {
                    "name": name,
                    "source": {"image": image},
                    "variables": vars,
                }
            }
        }),
        seq: 0,
    };
    vec![
        make(
            "postgres",
            "Postgres",
            "ghcr.io/railwayapp-templates/postgres-ssl:17",
            "A PostgreSQL database",
            json!({"PGDATA": {"defaultValue": "/var/lib/postgresql/data/pgdata"}}),
        ),
        make(
            "redis",
            "Redis",
            "redis:8",
            "A Redis key-value store",
            json!({}),
        ),
    ]
}

/// A template by ID or code (built-in or generated).
pub fn find_template(st: &State, id: Option<&str>, code: Option<&str>) -> Option<TemplateRec> {
    builtin_templates()
        .into_iter()
        .chain(st.extras.templates.values().cloned())
        .find(|t| id.is_some_and(|i| t.id == i) || code.is_some_and(|c| t.code == c))
}

/// Deploys a template's services into a project environment (a new
/// project when none is given); returns (project ID, workflow ID).
pub fn deploy_template(
    st: &mut State,
    t: &mut Tick,
    project_id: Option<String>,
    environment_id: Option<String>,
    config: &Value,
) -> ApiResult<(String, String)> {
    let project_id = match project_id {
        Some(p) => {
            project(st, &p)?;
            p
        }
        None => super::ops::create_project(st, t, super::ops::NewProject::default())?.id,
    };
    let env_id = match environment_id {
        Some(e) => {
            let env = environment(st, &e)?;
            if env.project_id != project_id {
                return Err(not_found("Environment"));
            }
            e
        }
        None => st
            .projects
            .get(&project_id)
            .and_then(|p| p.base_environment_id.clone())
            .ok_or_else(|| not_found("Environment"))?,
    };
    let services = config
        .get("services")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (template_service_id, svc) in services {
        let name = svc.get("name").and_then(Value::as_str).map(str::to_string);
        let variables = svc
            .get("variables")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| {
                        let value = v
                            .get("defaultValue")
                            .or_else(|| v.get("value"))
                            .and_then(Value::as_str)?;
                        Some((k.clone(), json!(value)))
                    })
                    .collect()
            })
            .unwrap_or_default();
        super::ops::create_service(
            st,
            t,
            super::ops::NewService {
                project_id: project_id.clone(),
                name,
                environment_id: Some(env_id.clone()),
                image: svc
                    .get("source")
                    .and_then(|s| s.get("image"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                repo: svc
                    .get("source")
                    .and_then(|s| s.get("repo"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                variables,
                template_service_id: Some(template_service_id),
                ..Default::default()
            },
        )?;
    }
    Ok((project_id, start_workflow(st, t)))
}

/// A template made from a project's services in one environment.
pub fn generate_template(
    st: &mut State,
    t: &mut Tick,
    project_id: &str,
    environment_id: Option<&str>,
) -> ApiResult<TemplateRec> {
    let p = project(st, project_id)?.clone();
    let env_id = match environment_id {
        Some(e) => e.to_string(),
        None => p
            .base_environment_id
            .clone()
            .ok_or_else(|| not_found("Environment"))?,
    };
    let env = environment(st, &env_id)?;
    let mut services = serde_json::Map::new();
    for sid in st.environment_service_ids(env) {
        let Some(svc) = st.services.get(&sid) else {
            continue;
        };
        let cfg = service_config(env, &sid).cloned().unwrap_or(Value::Null);
        let mut entry = json!({"name": svc.name});
        if let Some(source) = cfg.get("source") {
            entry["source"] = source.clone();
        }
        // Variable values are not copied into a template: only their names.
        if let Some(vars) = cfg.get("variables").and_then(Value::as_object) {
            entry["variables"] = Value::Object(
                vars.keys()
                    .map(|k| (k.clone(), json!({"defaultValue": ""})))
                    .collect(),
            );
        }
        services.insert(sid, entry);
    }
    let seq = st.next_seq();
    let code = t.rng.alnum(6);
    let rec = TemplateRec {
        id: t.rng.uuid(),
        code,
        name: p.name.clone(),
        description: p.description.clone(),
        category: None,
        readme: None,
        image: None,
        demo_project_id: Some(p.id.clone()),
        status: "UNPUBLISHED".to_string(),
        workspace_id: p.workspace_id.clone(),
        serialized_config: json!({"services": services}),
        seq,
    };
    st.extras.templates.insert(rec.id.clone(), rec.clone());
    Ok(rec)
}

// ------------------------------------------------------------ edge

/// The edge settings of a service instance, created disabled on first use.
pub fn edge_mut<'a>(st: &'a mut State, env_id: &str, service_id: &str) -> &'a mut EdgeRec {
    st.extras
        .edge
        .entry(instance_key(env_id, service_id))
        .or_insert_with(|| EdgeRec {
            id: derived_id(&["edgeConfig", env_id, service_id]),
            enabled: false,
            caching: default_caching(),
            purge_epoch: 0,
            purge_epoch_by_kind: BTreeMap::new(),
            under_attack_until: None,
        })
}

/// The caching Railway's CDN starts with (unconfirmed defaults).
pub fn default_caching() -> Value {
    json!({
        "mode": "STANDARD",
        "defaultTtlSeconds": 3600,
        "htmlCaching": "OFF",
        "purgeOnDeploy": "HTML",
        "staleWhileRevalidate": {"enabled": false},
    })
}

/// Merges caching input (already JSON, `null` fields dropped) into a
/// caching block.
pub fn merge_caching(edge: &mut EdgeRec, input: &Value) {
    if let (Some(target), Some(src)) = (edge.caching.as_object_mut(), input.as_object()) {
        for (k, v) in src {
            if !v.is_null() {
                target.insert(k.clone(), v.clone());
            }
        }
    }
}

// --------------------------------------------------------- private network

/// The DNS label of a service's private endpoint: its
/// `networking.privateNetworkEndpoint` when renamed, else its name's slug.
pub fn private_dns_name(st: &State, env_id: &str, service_id: &str) -> Option<String> {
    let env = st.environments.get(env_id)?;
    let cfg = service_config(env, service_id)?;
    if let Some(name) = cfg
        .get("networking")
        .and_then(|n| n.get("privateNetworkEndpoint"))
        .and_then(Value::as_str)
    {
        return Some(name.to_string());
    }
    st.services.get(service_id).map(|s| slug(&s.name))
}

/// Whether a DNS label is a valid private endpoint name: 1–63 lowercase
/// letters, digits and hyphens, not starting or ending with a hyphen.
pub fn valid_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && !name.starts_with('-')
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_railways_rule() {
        assert!(check_resource_name("service", "web").is_ok());
        assert!(check_resource_name("service", &"x".repeat(32)).is_ok());
        assert!(check_resource_name("service", &"x".repeat(33)).is_err());
        assert!(check_resource_name("service", "  ").is_err());
        assert!(check_resource_name("service", "a\nb").is_err());
    }

    #[test]
    fn dns_labels() {
        assert!(valid_dns_label("api-2"));
        assert!(!valid_dns_label("-api"));
        assert!(!valid_dns_label("API"));
        assert!(!valid_dns_label(""));
    }
}
