//! Operations on per-environment resources that are stored in configs:
//! domains, TCP proxies and volumes, plus project tokens.

use serde_json::{Value, json};

use super::ops::{
    ApiError, ApiResult, Tick, check_instance, commit_patch, environment, generate_service_domain,
    project,
};
use super::state::{ProjectTokenRec, State, VolumeRec, service_config};
use super::views::{
    self, CustomDomainRow, DomainRow, NetworkingRow, ServiceDomainRow, TcpProxyRow, find_row,
};

/// Adds `domain` under `networking.<key>` of a service instance and returns
/// its row, read back through `rows`.
fn add_domain(
    st: &mut State,
    t: &mut Tick,
    (env_id, service_id): (&str, &str),
    (key, rows): (&str, views::Rows<DomainRow>),
    domain: &str,
    port: Option<i32>,
) -> ApiResult<DomainRow> {
    let value = match port {
        Some(p) => json!({"port": p}),
        None => json!({}),
    };
    let patch = views::networking_patch(service_id, json!({key: {domain: value}}));
    commit_patch(st, t, env_id, &patch, None, true)?;
    let env = environment(st, env_id)?;
    rows(env, service_id)
        .into_iter()
        .find(|d| d.domain == domain)
        .ok_or_else(|| ApiError::NotFound("Domain not found".into()))
}

/// Removes the row with `id` (found through `rows`) from its service's
/// `networking` config; `what` names it in the not-found error.
fn remove_networking_row<R: NetworkingRow>(
    st: &mut State,
    t: &mut Tick,
    rows: views::Rows<R>,
    what: &str,
    id: &str,
) -> ApiResult<R> {
    let row =
        find_row(st, rows, id).ok_or_else(|| ApiError::NotFound(format!("{what} not found")))?;
    let (env_id, patch) = row.removal();
    let env_id = env_id.to_string();
    commit_patch(st, t, &env_id, &patch, None, true)?;
    Ok(row)
}

/// Adds a generated service domain to a service instance.
pub fn create_service_domain(
    st: &mut State,
    t: &mut Tick,
    env_id: &str,
    service_id: &str,
    port: Option<i32>,
) -> ApiResult<ServiceDomainRow> {
    check_instance(st, env_id, service_id)?;
    let env = environment(st, env_id)?;
    let svc_name = st
        .services
        .get(service_id)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let domain = generate_service_domain(&svc_name, &env.name, &mut t.rng);
    let rows = ("serviceDomains", views::service_domains as _);
    add_domain(st, t, (env_id, service_id), rows, &domain, port)
}

/// Removes a service domain by ID.
pub fn delete_service_domain(
    st: &mut State,
    t: &mut Tick,
    id: &str,
) -> ApiResult<ServiceDomainRow> {
    remove_networking_row(st, t, views::service_domains, "ServiceDomain", id)
}

/// Adds a custom domain; a domain can be used once across all projects.
pub fn create_custom_domain(
    st: &mut State,
    t: &mut Tick,
    project_id: &str,
    env_id: &str,
    service_id: &str,
    domain: &str,
    port: Option<i32>,
) -> ApiResult<CustomDomainRow> {
    project(st, project_id)?;
    check_instance(st, env_id, service_id)?;
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if domain.is_empty() || !domain.contains('.') || domain.contains(char::is_whitespace) {
        return Err(ApiError::BadInput(format!(
            "`{domain}` is not a valid domain"
        )));
    }
    let taken = st.environments.values().any(|e| {
        st.environment_service_ids(e).iter().any(|sid| {
            views::custom_domains(e, sid)
                .iter()
                .any(|d| d.domain == domain)
        })
    });
    if taken {
        return Err(ApiError::BadInput(format!(
            "Domain `{domain}` is already in use"
        )));
    }
    let existing = views::custom_domains(environment(st, env_id)?, service_id).len();
    super::limits::check_new_custom_domain(st, existing)?;
    let rows = ("customDomains", views::custom_domains as _);
    add_domain(st, t, (env_id, service_id), rows, &domain, port)
}

/// Removes a custom domain by ID.
pub fn delete_custom_domain(st: &mut State, t: &mut Tick, id: &str) -> ApiResult<CustomDomainRow> {
    remove_networking_row(st, t, views::custom_domains, "CustomDomain", id)
}

/// Adds a TCP proxy; one per service instance, as the CLI enforces.
pub fn create_tcp_proxy(
    st: &mut State,
    t: &mut Tick,
    env_id: &str,
    service_id: &str,
    port: i32,
) -> ApiResult<TcpProxyRow> {
    check_instance(st, env_id, service_id)?;
    if !(1..=65_535).contains(&port) {
        return Err(ApiError::BadInput(format!(
            "application port {port} is out of range"
        )));
    }
    let env = environment(st, env_id)?;
    if !views::tcp_proxies(env, service_id).is_empty() {
        return Err(ApiError::BadInput(
            "this service already has a TCP proxy".into(),
        ));
    }
    let patch =
        json!({"services": {service_id: {"networking": {"tcpProxies": {port.to_string(): {}}}}}});
    commit_patch(st, t, env_id, &patch, None, true)?;
    let env = environment(st, env_id)?;
    views::tcp_proxies(env, service_id)
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::NotFound("TCPProxy not found".into()))
}

/// Removes a TCP proxy by ID.
pub fn delete_tcp_proxy(st: &mut State, t: &mut Tick, id: &str) -> ApiResult<TcpProxyRow> {
    remove_networking_row(st, t, views::tcp_proxies, "TCPProxy", id)
}

/// Creates a volume. `environment`: `None` = every environment (argument
/// absent), `Some(None)` = no environment (argument `null`), `Some(Some(id))`
/// = that environment.
pub fn create_volume(
    st: &mut State,
    t: &mut Tick,
    project_id: &str,
    mount_path: &str,
    service_id: Option<&str>,
    target_env: Option<Option<&str>>,
    region: Option<&str>,
) -> ApiResult<VolumeRec> {
    project(st, project_id)?;
    if !mount_path.starts_with('/') {
        return Err(ApiError::BadInput(format!(
            "mount path `{mount_path}` must be absolute"
        )));
    }
    if let Some(sid) = service_id {
        let svc = super::ops::service(st, sid)?;
        if svc.project_id != project_id {
            return Err(ApiError::NotFound("Service not found".into()));
        }
    }
    let envs: Vec<String> = match target_env {
        None => st
            .project_environments(project_id)
            .iter()
            .map(|e| e.id.clone())
            .collect(),
        Some(None) => vec![],
        Some(Some(id)) => {
            let env = super::ops::environment(st, id)?;
            if env.project_id != project_id {
                return Err(ApiError::NotFound("Environment not found".into()));
            }
            vec![env.id.clone()]
        }
    };
    if let Some(sid) = service_id {
        super::rules::check_volume_mount(st, &envs, sid)?;
    }
    let base = service_id
        .and_then(|sid| st.services.get(sid))
        .map(|s| format!("{}-volume", super::state::slug(&s.name)));
    let name = base.unwrap_or_else(|| format!("volume-{}", t.rng.alnum(5)));
    let seq = st.next_seq();
    let vol = VolumeRec {
        id: t.rng.uuid(),
        project_id: project_id.to_string(),
        name,
        mount_path: mount_path.to_string(),
        created_at: t.now,
        seq,
    };
    st.volumes.insert(vol.id.clone(), vol.clone());
    for env_id in envs {
        let mut entry = json!({"sizeMB": views::DEFAULT_VOLUME_MB});
        if let Some(r) = region {
            entry["region"] = json!(r);
        }
        let mut patch = json!({"volumes": {vol.id.clone(): entry}});
        if let Some(sid) = service_id {
            let env = environment(st, &env_id)?;
            if service_config(env, sid).is_some() {
                patch["services"] =
                    json!({sid: {"volumeMounts": {vol.id.clone(): {"mountPath": mount_path}}}});
            }
        }
        commit_patch(st, t, &env_id, &patch, None, true)?;
    }
    Ok(vol)
}

/// Deletes a volume from every environment.
pub fn delete_volume(st: &mut State, t: &mut Tick, volume_id: &str) -> ApiResult<()> {
    let vol = st
        .volumes
        .get(volume_id)
        .cloned()
        .ok_or_else(|| ApiError::NotFound("Volume not found".into()))?;
    let envs: Vec<String> = st
        .project_environments(&vol.project_id)
        .iter()
        .map(|e| e.id.clone())
        .collect();
    for env_id in envs {
        let env = environment(st, &env_id)?;
        let mut services = serde_json::Map::new();
        for sid in st.environment_service_ids(env) {
            if service_config(env, &sid)
                .and_then(|c| c.get("volumeMounts"))
                .and_then(|m| m.get(volume_id))
                .is_some()
            {
                services.insert(sid, json!({"volumeMounts": {volume_id: null}}));
            }
        }
        let in_env = env
            .config
            .get("volumes")
            .and_then(|v| v.get(volume_id))
            .is_some();
        if in_env || !services.is_empty() {
            let patch = json!({"volumes": {volume_id: null}, "services": Value::Object(services)});
            commit_patch(st, t, &env_id, &patch, None, true)?;
        }
    }
    st.volumes.remove(volume_id);
    Ok(())
}

/// Creates a project token for one environment; returns the token text.
pub fn create_project_token(
    st: &mut State,
    t: &mut Tick,
    project_id: &str,
    env_id: &str,
    name: &str,
) -> ApiResult<String> {
    let env = environment(st, env_id)?;
    if env.project_id != project_id {
        return Err(ApiError::NotFound("Environment not found".into()));
    }
    let token = t.rng.uuid();
    st.project_tokens.insert(
        token.clone(),
        ProjectTokenRec {
            id: t.rng.uuid(),
            name: name.to_string(),
            project_id: project_id.to_string(),
            environment_id: env_id.to_string(),
            created_at: t.now,
        },
    );
    Ok(token)
}
