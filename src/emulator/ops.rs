//! Changes to the state: every mutation the API offers, written once here
//! against plain records so the GraphQL layer only translates arguments.

use serde_json::{Map, Value, json};

use super::clock::SplitMix;
use super::patch::{apply_patch, merge_patches};
use super::state::*;

/// Why an operation was refused; the GraphQL layer turns it into Railway's
/// error shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// `Not Authorized` (bad token, no access).
    NotAuthorized,
    /// A missing resource, with Railway's message (`Project not found`).
    NotFound(String),
    /// A request that cannot be carried out as asked.
    BadInput(String),
}

/// The result of an operation.
pub type ApiResult<T> = Result<T, ApiError>;

/// The time, randomness and pace an operation runs with.
pub struct Tick {
    /// Now, in epoch milliseconds.
    pub now: i64,
    /// Length of each deployment phase.
    pub step_ms: u64,
    /// Source of IDs and generated names.
    pub rng: SplitMix,
}

fn not_found(what: &str) -> ApiError {
    ApiError::NotFound(format!("{what} not found"))
}

/// Fields of `projectCreate`.
#[derive(Debug, Default)]
pub struct NewProject {
    /// Its name; a generated `adjective-noun` one when absent or blank.
    pub name: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// The workspace to create it in.
    pub workspace_id: Option<String>,
    /// The name of its first environment (`production` by default).
    pub default_environment_name: Option<String>,
    /// Whether it is public (no by default).
    pub is_public: Option<bool>,
    /// Whether pull requests get their own environments (no by default).
    pub pr_deploys: Option<bool>,
}

const ADJECTIVES: &[&str] = &[
    "amused", "brave", "calm", "eager", "gentle", "happy", "lively", "proud", "quiet", "witty",
];
const NOUNS: &[&str] = &[
    "harmony", "journey", "kindness", "meadow", "patience", "river", "spirit", "wonder",
];

/// Creates a project and its default environment.
pub fn create_project(st: &mut State, t: &mut Tick, input: NewProject) -> ApiResult<ProjectRec> {
    let id = t.rng.uuid();
    let name = match input.name {
        Some(n) if !n.trim().is_empty() => n,
        _ => {
            let a = ADJECTIVES[(t.rng.next_u64() % ADJECTIVES.len() as u64) as usize];
            let n = NOUNS[(t.rng.next_u64() % NOUNS.len() as u64) as usize];
            format!("{a}-{n}")
        }
    };
    let env_name = input
        .default_environment_name
        .unwrap_or_else(|| "production".to_string());
    let seq = st.next_seq();
    let project = ProjectRec {
        id: id.clone(),
        name,
        description: input.description,
        workspace_id: input.workspace_id,
        is_public: input.is_public.unwrap_or(false),
        pr_deploys: input.pr_deploys.unwrap_or(false),
        base_environment_id: None,
        created_at: t.now,
        updated_at: t.now,
        deleted_at: None,
        seq,
    };
    st.projects.insert(id.clone(), project);
    let env = insert_environment(st, t, &id, env_name, false, None, empty_config());
    if let Some(p) = st.projects.get_mut(&id) {
        p.base_environment_id = Some(env.id);
    }
    st.projects
        .get(&id)
        .cloned()
        .ok_or_else(|| not_found("Project"))
}

/// Looks a live project up.
pub fn project<'a>(st: &'a State, id: &str) -> ApiResult<&'a ProjectRec> {
    st.projects.get(id).ok_or_else(|| not_found("Project"))
}

/// Looks an environment up.
pub fn environment<'a>(st: &'a State, id: &str) -> ApiResult<&'a EnvironmentRec> {
    st.environments
        .get(id)
        .ok_or_else(|| not_found("Environment"))
}

/// Looks a service up.
pub fn service<'a>(st: &'a State, id: &str) -> ApiResult<&'a ServiceRec> {
    st.services.get(id).ok_or_else(|| not_found("Service"))
}

/// Deletes a project and everything in it at once (`projectDelete`).
pub fn delete_project(st: &mut State, id: &str) -> ApiResult<()> {
    project(st, id)?;
    st.projects.remove(id);
    st.environments.retain(|_, e| e.project_id != id);
    st.services.retain(|_, s| s.project_id != id);
    st.volumes.retain(|_, v| v.project_id != id);
    st.deployments.retain(|_, d| d.project_id != id);
    st.project_tokens.retain(|_, tk| tk.project_id != id);
    let envs: Vec<String> = st.environments.keys().cloned().collect();
    st.patches.retain(|_, p| envs.contains(&p.environment_id));
    Ok(())
}

/// Marks a project deleted (`projectScheduleDelete`): it stays listed with
/// `deletedAt` set until the grace period, which the emulator never ends.
pub fn schedule_delete_project(st: &mut State, t: &Tick, id: &str) -> ApiResult<()> {
    let p = st
        .projects
        .get_mut(id)
        .ok_or_else(|| not_found("Project"))?;
    p.deleted_at.get_or_insert(t.now);
    p.updated_at = t.now;
    Ok(())
}

fn insert_environment(
    st: &mut State,
    t: &mut Tick,
    project_id: &str,
    name: String,
    ephemeral: bool,
    source: Option<String>,
    config: Value,
) -> EnvironmentRec {
    let seq = st.next_seq();
    let env = EnvironmentRec {
        id: t.rng.uuid(),
        project_id: project_id.to_string(),
        name,
        is_ephemeral: ephemeral,
        source_environment_id: source,
        config: Config::new(config),
        staged: None,
        created_at: t.now,
        updated_at: t.now,
        seq,
    };
    st.environments.insert(env.id.clone(), env.clone());
    env
}

/// Fields of `environmentCreate`.
#[derive(Debug, Default)]
pub struct NewEnvironment {
    /// The project to create it in.
    pub project_id: String,
    /// Its name, unique in the project.
    pub name: String,
    /// The environment to clone; the new one is then a fork of it.
    pub source_environment_id: Option<String>,
    /// Whether it is ephemeral.
    pub ephemeral: bool,
    /// Stage the cloned config instead of committing it.
    pub stage_initial_changes: bool,
    /// Commit the cloned config without deploying its services.
    pub skip_initial_deploys: bool,
}

/// Creates an environment, cloning another one's services, variables,
/// volumes and settings when `source_environment_id` is given.
pub fn create_environment(
    st: &mut State,
    t: &mut Tick,
    input: NewEnvironment,
) -> ApiResult<EnvironmentRec> {
    project(st, &input.project_id)?;
    if input.name.trim().is_empty() {
        return Err(ApiError::BadInput(
            "environment name cannot be empty".into(),
        ));
    }
    if st
        .project_environments(&input.project_id)
        .iter()
        .any(|e| e.name == input.name)
    {
        return Err(ApiError::BadInput(format!(
            "Environment with name `{}` already exists",
            input.name
        )));
    }
    let clone = match &input.source_environment_id {
        None => None,
        Some(src) => {
            let source = environment(st, src)?;
            if source.project_id != input.project_id {
                return Err(not_found("Environment"));
            }
            // Sealed variables are not copied (Railway's rule).
            Some(super::patch::without_sealed(source.config.value()))
        }
    };
    let env = insert_environment(
        st,
        t,
        &input.project_id,
        input.name.clone(),
        input.ephemeral,
        input.source_environment_id.clone(),
        empty_config(),
    );
    if let Some(source_config) = clone {
        let services: Vec<(String, String)> = st
            .services
            .values()
            .filter(|s| s.project_id == input.project_id)
            .map(|s| (s.id.clone(), s.name.clone()))
            .collect();
        let patch = clone_config(&source_config, &services, &input.name, &mut t.rng);
        if input.stage_initial_changes {
            stage_changes(st, t, &env.id, &patch, false)?;
        } else {
            commit_patch(st, t, &env.id, &patch, None, input.skip_initial_deploys)?;
        }
    }
    environment(st, &env.id).cloned()
}

/// The patch that recreates a source environment's config in a new one:
/// generated service domains get new names, custom domains (which belong to
/// one environment) are left out.
fn clone_config(
    source: &Value,
    services: &[(String, String)],
    env_name: &str,
    rng: &mut SplitMix,
) -> Value {
    let mut config = source.clone();
    if let Some(map) = config.get_mut("services").and_then(Value::as_object_mut) {
        for (id, svc) in map.iter_mut() {
            let Some(networking) = svc.get_mut("networking").and_then(Value::as_object_mut) else {
                continue;
            };
            networking.remove("customDomains");
            if let Some(domains) = networking
                .get_mut("serviceDomains")
                .and_then(Value::as_object_mut)
            {
                let name = services
                    .iter()
                    .find(|(sid, _)| sid == id)
                    .map(|(_, n)| n.as_str())
                    .unwrap_or("service");
                let renamed: Map<String, Value> = domains
                    .values()
                    .map(|v| (generate_service_domain(name, env_name, rng), v.clone()))
                    .collect();
                *domains = renamed;
            }
        }
    }
    config
}

/// A generated `<service>-<environment>-<rand>.up.railway.app` domain.
pub fn generate_service_domain(service: &str, env: &str, rng: &mut SplitMix) -> String {
    format!(
        "{}-{}-{}.up.railway.app",
        slug(service),
        slug(env),
        rng.alnum(4)
    )
}

/// Deletes an environment with its deployments and tokens.
pub fn delete_environment(st: &mut State, id: &str) -> ApiResult<()> {
    environment(st, id)?;
    st.environments.remove(id);
    st.deployments.retain(|_, d| d.environment_id != id);
    st.project_tokens.retain(|_, tk| tk.environment_id != id);
    st.patches.retain(|_, p| p.environment_id != id);
    for env in st.environments.values_mut() {
        if env.source_environment_id.as_deref() == Some(id) {
            env.source_environment_id = None;
        }
    }
    Ok(())
}

/// Renames an environment.
pub fn rename_environment(
    st: &mut State,
    t: &Tick,
    id: &str,
    name: String,
) -> ApiResult<EnvironmentRec> {
    let project_id = environment(st, id)?.project_id.clone();
    if st
        .project_environments(&project_id)
        .iter()
        .any(|e| e.name == name && e.id != id)
    {
        return Err(ApiError::BadInput(format!(
            "Environment with name `{name}` already exists"
        )));
    }
    let env = st
        .environments
        .get_mut(id)
        .ok_or_else(|| not_found("Environment"))?;
    env.name = name;
    env.updated_at = t.now;
    Ok(env.clone())
}

/// Fields of `serviceCreate`.
#[derive(Debug, Default)]
pub struct NewService {
    /// The project to create it in.
    pub project_id: String,
    /// Its name; taken from the image or repo, or generated, when absent
    /// or blank.
    pub name: Option<String>,
    /// The environment to create it in: only that one when it is a fork,
    /// every non-fork environment otherwise (also when absent).
    pub environment_id: Option<String>,
    /// The image to run (`source.image`).
    pub image: Option<String>,
    /// The GitHub repo to build (`source.repo`, `owner/name`).
    pub repo: Option<String>,
    /// The repo branch to build (`source.branch`); ignored without `repo`.
    pub branch: Option<String>,
    /// Its variables by name; `null` values are left out.
    pub variables: Map<String, Value>,
    /// Its icon.
    pub icon: Option<String>,
    /// The template it comes from.
    pub template_id: Option<String>,
    /// The service of the template's `serializedConfig` it comes from.
    pub template_service_id: Option<String>,
}

/// The environments a service-level change with an optional `environmentId`
/// reaches: only that one when it is a fork, otherwise every environment of
/// the project that is not a fork.
fn fork_targets(
    st: &State,
    project_id: &str,
    environment_id: Option<&str>,
) -> ApiResult<Vec<String>> {
    if let Some(eid) = environment_id {
        let env = environment(st, eid)?;
        if env.project_id != project_id {
            return Err(not_found("Environment"));
        }
        if st.is_fork(env) {
            return Ok(vec![env.id.clone()]);
        }
    }
    Ok(st
        .project_environments(project_id)
        .into_iter()
        .filter(|e| !st.is_fork(e))
        .map(|e| e.id.clone())
        .collect())
}

/// Creates a service and its instances (fork semantics of `environmentId`).
pub fn create_service(st: &mut State, t: &mut Tick, input: NewService) -> ApiResult<ServiceRec> {
    project(st, &input.project_id)?;
    let name = input
        .name
        .filter(|n| !n.trim().is_empty())
        .or_else(|| input.image.as_deref().map(image_name))
        .or_else(|| {
            input
                .repo
                .as_deref()
                .map(|r| r.rsplit('/').next().unwrap_or(r).to_string())
        })
        .unwrap_or_else(|| format!("service-{}", t.rng.alnum(4)));
    super::extras::check_resource_name("service", &name)?;
    if st
        .project_services(&input.project_id)
        .iter()
        .any(|s| s.name == name)
    {
        return Err(ApiError::BadInput(format!(
            "Service name `{name}` is already taken in this project"
        )));
    }
    super::limits::check_new_service(st, &input.project_id)?;
    let targets = fork_targets(st, &input.project_id, input.environment_id.as_deref())?;
    let seq = st.next_seq();
    let svc = ServiceRec {
        id: t.rng.uuid(),
        project_id: input.project_id.clone(),
        name,
        icon: input.icon,
        template_id: input.template_id,
        template_service_id: input.template_service_id,
        created_at: t.now,
        updated_at: t.now,
        seq,
    };
    st.services.insert(svc.id.clone(), svc.clone());
    let mut cfg = Map::new();
    let mut source = Map::new();
    if let Some(image) = &input.image {
        source.insert("image".into(), json!(image));
    }
    if let Some(repo) = &input.repo {
        source.insert("repo".into(), json!(repo));
        if let Some(branch) = &input.branch {
            source.insert("branch".into(), json!(branch));
        }
    }
    if !source.is_empty() {
        cfg.insert("source".into(), Value::Object(source));
    }
    let vars: Map<String, Value> = input
        .variables
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), json!({"value": v})))
        .collect();
    if !vars.is_empty() {
        cfg.insert("variables".into(), Value::Object(vars));
    }
    let mut service_cfg = Value::Object(cfg);
    if service_cfg.as_object().is_some_and(Map::is_empty) {
        service_cfg = json!({});
    }
    for env_id in targets {
        let patch = json!({"services": {svc.id.clone(): service_cfg.clone()}});
        commit_patch(st, t, &env_id, &patch, None, false)?;
    }
    Ok(svc)
}

fn image_name(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split([':', '@']).next().unwrap_or(last).to_string()
}

/// Renames a service or changes its icon, project-wide.
pub fn update_service(
    st: &mut State,
    t: &Tick,
    id: &str,
    name: Option<String>,
    icon: Option<Option<String>>,
) -> ApiResult<ServiceRec> {
    let project_id = service(st, id)?.project_id.clone();
    if let Some(n) = &name {
        super::extras::check_resource_name("service", n)?;
    }
    if let Some(n) = &name
        && st
            .project_services(&project_id)
            .iter()
            .any(|s| &s.name == n && s.id != id)
    {
        return Err(ApiError::BadInput(format!(
            "Service name `{n}` is already taken in this project"
        )));
    }
    let svc = st
        .services
        .get_mut(id)
        .ok_or_else(|| not_found("Service"))?;
    if let Some(n) = name {
        svc.name = n;
    }
    if let Some(i) = icon {
        svc.icon = i;
    }
    svc.updated_at = t.now;
    Ok(svc.clone())
}

/// Points a service at a repo or an image in every environment that has it.
pub fn connect_service(
    st: &mut State,
    t: &mut Tick,
    id: &str,
    repo: Option<String>,
    branch: Option<String>,
    image: Option<String>,
) -> ApiResult<ServiceRec> {
    let svc = service(st, id)?.clone();
    let source = match (repo, image) {
        (Some(repo), _) => json!({"repo": repo, "branch": branch, "image": null}),
        (None, Some(image)) => json!({"image": image, "repo": null, "branch": null}),
        (None, None) => {
            return Err(ApiError::BadInput(
                "either `repo` or `image` is required".into(),
            ));
        }
    };
    let envs: Vec<String> = st
        .project_environments(&svc.project_id)
        .into_iter()
        .filter(|e| service_config(e, id).is_some())
        .map(|e| e.id.clone())
        .collect();
    for env_id in envs {
        commit_patch(
            st,
            t,
            &env_id,
            &json!({"services": {id: {"source": source.clone()}}}),
            None,
            false,
        )?;
    }
    Ok(svc)
}

/// Deletes a service from an environment (fork) or from every non-fork
/// environment; the service itself goes when no environment has it.
pub fn delete_service(
    st: &mut State,
    t: &mut Tick,
    id: &str,
    environment_id: Option<&str>,
) -> ApiResult<()> {
    let svc = service(st, id)?.clone();
    let targets = fork_targets(st, &svc.project_id, environment_id)?;
    for env_id in &targets {
        if let Some(env) = st.environments.get_mut(env_id)
            && service_config(env, id).is_some()
        {
            env.config.update(|config| {
                if let Some(services) = config.get_mut("services").and_then(Value::as_object_mut) {
                    services.shift_remove(id);
                }
            });
            env.updated_at = t.now;
        }
        st.deployments
            .retain(|_, d| !(d.service_id == id && &d.environment_id == env_id));
    }
    let still_used = st
        .environments
        .values()
        .any(|e| service_config(e, id).is_some());
    if !still_used {
        st.services.remove(id);
        st.deployments.retain(|_, d| d.service_id != id);
    }
    Ok(())
}

/// Applies a patch to an environment's config, records it, and deploys the
/// services it changed (unless `skip_deploys`). Returns the patch ID.
pub fn commit_patch(
    st: &mut State,
    t: &mut Tick,
    env_id: &str,
    patch: &Value,
    message: Option<String>,
    skip_deploys: bool,
) -> ApiResult<String> {
    if !patch.is_object() {
        return Err(ApiError::BadInput("the patch must be a JSON object".into()));
    }
    let env = environment(st, env_id)?;
    let before = env.config.clone();
    let mut after = before.value().clone();
    apply_patch(&mut after, patch);
    normalize_config(st, &env.project_id, &mut after)?;
    // Railway's rules (a domain attached once, one replica with a volume,
    // volume sizes): a refused patch changes nothing.
    super::rules::check_config(st, env_id, before.value(), &after)?;
    let changed = changed_services(&before, &after);
    let removed = removed_services(&before, &after);
    let env = st
        .environments
        .get_mut(env_id)
        .ok_or_else(|| not_found("Environment"))?;
    env.config = Config::new(after);
    // An instance removed from this environment (`isDeleted`, or a `null`
    // entry) takes its deployments with it, here and nowhere else.
    if !removed.is_empty() {
        st.deployments
            .retain(|_, d| !(d.environment_id == env_id && removed.contains(&d.service_id)));
    }
    env.updated_at = t.now;
    let id = t.rng.uuid();
    st.patches.insert(
        id.clone(),
        PatchRec {
            id: id.clone(),
            environment_id: env_id.to_string(),
            patch: patch.clone(),
            message,
            created_at: t.now,
            updated_at: t.now,
            applied_at: Some(t.now),
        },
    );
    if !skip_deploys {
        for service_id in changed {
            if has_source(st, env_id, &service_id) {
                deploy(st, t, env_id, &service_id, None)?;
            }
        }
    }
    Ok(id)
}

/// Checks a patched config against the project and settles the markers
/// Railway's patch format uses: `isDeleted: true` removes an entry,
/// `isCreated` is dropped once the entry exists.
fn normalize_config(st: &State, project_id: &str, config: &mut Value) -> ApiResult<()> {
    let Some(map) = config.as_object_mut() else {
        return Err(ApiError::BadInput(
            "the config must be a JSON object".into(),
        ));
    };
    for key in ["services", "sharedVariables", "volumes"] {
        match map.get(key) {
            None => {
                map.insert(key.to_string(), json!({}));
            }
            Some(Value::Object(_)) => {}
            Some(_) => return Err(ApiError::BadInput(format!("`{key}` must be an object"))),
        }
    }
    match map.get("buckets") {
        None | Some(Value::Object(_)) => {}
        Some(_) => return Err(ApiError::BadInput("`buckets` must be an object".into())),
    }
    for key in ["services", "volumes", "buckets"] {
        let known = |id: &str| match key {
            "services" => st
                .services
                .get(id)
                .is_some_and(|s| s.project_id == project_id),
            "volumes" => st
                .volumes
                .get(id)
                .is_some_and(|v| v.project_id == project_id),
            _ => st
                .extras
                .buckets
                .get(id)
                .is_some_and(|b| b.project_id == project_id),
        };
        let Some(entries) = map.get_mut(key).and_then(Value::as_object_mut) else {
            continue;
        };
        let kind = match key {
            "services" => "service",
            "volumes" => "volume",
            _ => "bucket",
        };
        for id in entries.keys() {
            if !known(id) {
                return Err(ApiError::BadInput(format!(
                    "{kind} `{id}` does not exist in this project"
                )));
            }
        }
        entries.retain(|_, v| v.get("isDeleted") != Some(&Value::Bool(true)));
        for entry in entries.values_mut() {
            if let Some(obj) = entry.as_object_mut() {
                obj.shift_remove("isCreated");
                obj.shift_remove("isDeleted");
            } else {
                return Err(ApiError::BadInput(format!(
                    "each {kind} entry must be an object"
                )));
            }
        }
    }
    if let Some(vars) = map.get("sharedVariables").and_then(Value::as_object) {
        check_variables(vars)?;
    }
    if let Some(services) = map.get("services").and_then(Value::as_object) {
        for svc in services.values() {
            if let Some(vars) = svc.get("variables") {
                let Some(vars) = vars.as_object() else {
                    return Err(ApiError::BadInput("`variables` must be an object".into()));
                };
                check_variables(vars)?;
            }
        }
    }
    Ok(())
}

fn check_variables(vars: &Map<String, Value>) -> ApiResult<()> {
    for (name, var) in vars {
        if !var.is_object()
            || var.get("value").is_some_and(|v| !v.is_string())
            || var.get("isSealed").is_some_and(|v| !v.is_boolean())
        {
            return Err(ApiError::BadInput(format!(
                "variable `{name}` must be an object like {{\"value\": \"...\"}}"
            )));
        }
    }
    Ok(())
}

/// Service IDs present in `before` and gone from `after`.
fn removed_services(before: &Value, after: &Value) -> Vec<String> {
    let Some(old) = before.get("services").and_then(Value::as_object) else {
        return vec![];
    };
    let new = after.get("services").and_then(Value::as_object);
    old.keys()
        .filter(|id| new.is_none_or(|n| !n.contains_key(*id)))
        .cloned()
        .collect()
}

/// Service IDs whose config differs between two configs (present in
/// `after`); a change of shared variables counts for every service.
fn changed_services(before: &Value, after: &Value) -> Vec<String> {
    let shared_changed = before.get("sharedVariables") != after.get("sharedVariables");
    let empty = Map::new();
    let old = before
        .get("services")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let new = after
        .get("services")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    new.iter()
        .filter(|(id, cfg)| shared_changed || old.get(*id) != Some(*cfg))
        .map(|(id, _)| id.clone())
        .collect()
}

fn has_source(st: &State, env_id: &str, service_id: &str) -> bool {
    st.environments
        .get(env_id)
        .and_then(|e| service_config(e, service_id))
        .is_some_and(|c| {
            str_at(c, &["source", "image"]).is_some() || str_at(c, &["source", "repo"]).is_some()
        })
}

/// Stages a patch (`merge` merges it into what is already staged).
pub fn stage_changes(
    st: &mut State,
    t: &mut Tick,
    env_id: &str,
    patch: &Value,
    merge: bool,
) -> ApiResult<PatchRec> {
    if !patch.is_object() {
        return Err(ApiError::BadInput("the patch must be a JSON object".into()));
    }
    let id = t.rng.uuid();
    let env = st
        .environments
        .get_mut(env_id)
        .ok_or_else(|| not_found("Environment"))?;
    let staged = match (env.staged.take(), merge) {
        (Some(mut old), true) => {
            merge_patches(&mut old.patch, patch);
            old.updated_at = t.now;
            old
        }
        _ => PatchRec {
            id,
            environment_id: env_id.to_string(),
            patch: patch.clone(),
            message: None,
            created_at: t.now,
            updated_at: t.now,
            applied_at: None,
        },
    };
    env.staged = Some(staged.clone());
    Ok(staged)
}

/// Commits the staged patch. Returns the committed patch's ID.
pub fn commit_staged(
    st: &mut State,
    t: &mut Tick,
    env_id: &str,
    message: Option<String>,
    skip_deploys: bool,
) -> ApiResult<String> {
    let env = environment(st, env_id)?;
    let Some(staged) = env.staged.clone() else {
        return Err(ApiError::BadInput(
            "environment has no staged changes".into(),
        ));
    };
    let id = commit_patch(st, t, env_id, &staged.patch, message, skip_deploys)?;
    if let Some(env) = st.environments.get_mut(env_id) {
        env.staged = None;
    }
    Ok(id)
}

/// Checks that a service belongs to the environment's project and is in
/// that environment.
pub fn check_instance(st: &State, env_id: &str, service_id: &str) -> ApiResult<()> {
    let env = environment(st, env_id)?;
    let svc = service(st, service_id)?;
    if svc.project_id != env.project_id || service_config(env, service_id).is_none() {
        return Err(ApiError::NotFound("ServiceInstance not found".into()));
    }
    Ok(())
}

/// Sets or deletes variables through a patch (`variableUpsert`,
/// `variableCollectionUpsert`, `variableDelete`); `null` values delete.
#[allow(clippy::too_many_arguments)]
pub fn write_variables(
    st: &mut State,
    t: &mut Tick,
    project_id: &str,
    env_id: &str,
    service_id: Option<&str>,
    vars: &Map<String, Value>,
    replace: bool,
    skip_deploys: bool,
) -> ApiResult<()> {
    let env = environment(st, env_id)?;
    if env.project_id != project_id {
        return Err(not_found("Environment"));
    }
    let existing = match service_id {
        Some(sid) => {
            check_instance(st, env_id, sid)?;
            service_config(env, sid)
                .and_then(|c| c.get("variables"))
                .cloned()
        }
        None => env.config.get("sharedVariables").cloned(),
    };
    let mut entries = Map::new();
    if replace && let Some(Value::Object(old)) = &existing {
        for name in old.keys() {
            if !vars.contains_key(name) {
                entries.insert(name.clone(), Value::Null);
            }
        }
    }
    for (name, value) in vars {
        let entry = match value {
            Value::Null => Value::Null,
            Value::String(s) => json!({"value": s}),
            other => json!({"value": other.to_string()}),
        };
        entries.insert(name.clone(), entry);
    }
    let patch = match service_id {
        Some(sid) => json!({"services": {sid: {"variables": entries}}}),
        None => json!({"sharedVariables": entries}),
    };
    commit_patch(st, t, env_id, &patch, None, skip_deploys)?;
    Ok(())
}

/// `text` with `$NAME` and `${NAME}` replaced by the service's (else the
/// environment's shared) variable of that name, as `sh` expands them; an
/// unknown name is empty.
fn expand_variables(text: &str, cfg: &Value, shared: &Value) -> String {
    let value = |name: &str| {
        [&cfg["variables"], shared]
            .iter()
            .find_map(|vars| vars[name]["value"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, tail) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], &braced[end + 1..]),
                None => ("", after),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        if name.is_empty() {
            out.push('$');
        } else {
            out.push_str(&value(name));
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// Starts a deployment of a service instance; returns its ID.
pub fn deploy(
    st: &mut State,
    t: &mut Tick,
    env_id: &str,
    service_id: &str,
    commit_sha: Option<String>,
) -> ApiResult<String> {
    check_instance(st, env_id, service_id)?;
    let env = environment(st, env_id)?;
    let cfg = service_config(env, service_id)
        .cloned()
        .unwrap_or(Value::Null);
    let image = str_at(&cfg, &["source", "image"]).map(str::to_string);
    let repo = str_at(&cfg, &["source", "repo"]).map(str::to_string);
    let branch = str_at(&cfg, &["source", "branch"]).map(str::to_string);
    let build_command = str_at(&cfg, &["build", "buildCommand"]).map(str::to_string);
    let start_command = str_at(&cfg, &["deploy", "startCommand"]).map(str::to_string);
    let svc_name = st
        .services
        .get(service_id)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let forced = st.extras.outcomes.get(&svc_name).cloned();
    let forced = forced.as_deref();
    let by_commands =
        super::deploy::outcome_for(build_command.as_deref(), start_command.as_deref());
    let outcome = match forced {
        Some("FAILED") => Outcome::BuildFailed,
        Some("CRASHED") => Outcome::Crashed,
        Some("HEALTHCHECK_FAILED") => Outcome::HealthcheckFailed,
        Some("SUCCESS" | "SLEEPING") => Outcome::Success,
        _ => by_commands,
    };
    let deploy_cfg = cfg.get("deploy");
    let at = |k: &str| deploy_cfg.and_then(|d| d.get(k));
    let sleep_after_ms = if forced == Some("SLEEPING") {
        Some(t.step_ms as i64)
    } else if at("sleepApplication").and_then(Value::as_bool) == Some(true) {
        Some(super::deploy::SLEEP_AFTER_MS)
    } else {
        None
    };
    let restarts = match at("restartPolicyType").and_then(Value::as_str) {
        Some("ON_FAILURE" | "ALWAYS") => at("restartPolicyMaxRetries")
            .and_then(Value::as_u64)
            .map(|n| n.min(100) as u32)
            .unwrap_or(0),
        _ => 0,
    };
    let healthcheck_path = at("healthcheckPath")
        .and_then(Value::as_str)
        .map(str::to_string);
    let healthcheck_timeout_s = at("healthcheckTimeout").and_then(Value::as_i64);
    let (replicas, regions) = replicas_of(&cfg);
    let commit = commit_sha.or_else(|| {
        repo.as_ref().map(|r| {
            format!(
                "{:040x}",
                super::clock::fnv1a(r.as_bytes()) as u128 * 0x1_0000_0001
            )
        })
    });
    // An application that prints (`echo …`) shows its expanded variables
    // in its deploy log, as a real container would: how a secret reaches
    // logs, which Mirage must redact.
    let printed = start_command
        .as_deref()
        .and_then(|c| c.strip_prefix("echo "))
        .map(|text| {
            let shared = env
                .config
                .get("sharedVariables")
                .cloned()
                .unwrap_or_default();
            expand_variables(text, &cfg, &shared)
        });
    let mut meta = Map::new();
    for (k, v) in [
        ("printed", &printed),
        ("image", &image),
        ("repo", &repo),
        ("branch", &branch),
        ("commitHash", &commit),
        ("buildCommand", &build_command),
        ("startCommand", &start_command),
    ] {
        if let Some(v) = v {
            meta.insert(k.into(), json!(v));
        }
    }
    let project_id = env.project_id.clone();
    let seq = st.next_seq();
    let rec = DeploymentRec {
        id: t.rng.uuid(),
        project_id,
        environment_id: env_id.to_string(),
        service_id: service_id.to_string(),
        created_at: t.now,
        step_ms: t.step_ms,
        outcome,
        snapshot_id: t.rng.uuid(),
        meta: Value::Object(meta),
        removed_at: None,
        seq,
        replicas,
        regions,
        needs_approval: forced == Some("NEEDS_APPROVAL"),
        approved_at: None,
        sleep_after_ms,
        restarts,
        healthcheck_path,
        healthcheck_timeout_s,
    };
    let id = rec.id.clone();
    st.deployments.insert(id.clone(), rec);
    Ok(id)
}

/// The replicas a service config runs and the region of each: the
/// regions of `multiRegionConfig` with their `numReplicas` when it names
/// any, else `numReplicas` (1 without it) in `deploy.region`.
pub fn replicas_of(cfg: &Value) -> (u32, Vec<String>) {
    let deploy = cfg.get("deploy");
    if let Some(regions) = deploy
        .and_then(|d| d.get("multiRegionConfig"))
        .and_then(Value::as_object)
    {
        let mut out = vec![];
        for (region, entry) in regions {
            let n = entry
                .get("numReplicas")
                .and_then(Value::as_u64)
                .unwrap_or(0)
                .min(1000);
            out.extend(std::iter::repeat_n(region.clone(), n as usize));
        }
        if !out.is_empty() {
            return (out.len() as u32, out);
        }
    }
    let n = deploy
        .and_then(|d| d.get("numReplicas"))
        .and_then(Value::as_u64)
        .unwrap_or(1)
        .clamp(1, 1000) as u32;
    let region = deploy
        .and_then(|d| d.get("region"))
        .and_then(Value::as_str)
        .map(str::to_string);
    (n, region.map(|r| vec![r; n as usize]).unwrap_or_default())
}
