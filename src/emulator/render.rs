//! Rendering variables the way Railway does on the server: `${{shared.X}}`,
//! `${{service.X}}` (by service name), `${{X}}` (same service), and the
//! variables Railway provides itself (`RAILWAY_PRIVATE_DOMAIN`, …).

use serde_json::{Map, Value};

use super::state::{EnvironmentRec, State, service_config, slug};
use super::views::{TCP_PROXY_DOMAIN, custom_domains, service_domains, tcp_proxies};

/// How deep references may nest before rendering gives up (cycles).
const MAX_DEPTH: usize = 8;

/// The variables as written: name → value, for one service or (with
/// `None`) the shared variables of an environment.
pub fn raw_variables(env: &EnvironmentRec, service_id: Option<&str>) -> Map<String, Value> {
    let vars = match service_id {
        Some(sid) => service_config(env, sid).and_then(|c| c.get("variables")),
        None => env.config.get("sharedVariables"),
    };
    vars.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.get("value").cloned().unwrap_or(Value::Null)))
                .collect()
        })
        .unwrap_or_default()
}

/// The names of the sealed variables a query never returns: the service's
/// own sealed ones, and (with `service_id`) the shared sealed ones the
/// service does not override; with `None`, the shared sealed ones.
pub fn sealed_names(env: &EnvironmentRec, service_id: Option<&str>) -> Vec<String> {
    let map = |vars: Option<&Value>| vars.and_then(Value::as_object).cloned().unwrap_or_default();
    let shared = map(env.config.get("sharedVariables"));
    let own =
        map(service_id.and_then(|sid| service_config(env, sid).and_then(|c| c.get("variables"))));
    let mut out: Vec<String> = own
        .iter()
        .filter(|(_, v)| super::rules::is_sealed(v))
        .map(|(k, _)| k.clone())
        .collect();
    out.extend(
        shared
            .iter()
            .filter(|(k, v)| {
                super::rules::is_sealed(v) && (service_id.is_none() || !own.contains_key(*k))
            })
            .map(|(k, _)| k.clone()),
    );
    out
}

/// The variables Railway provides to a service instance.
pub fn provided_variables(
    st: &State,
    env: &EnvironmentRec,
    service_id: &str,
) -> Map<String, Value> {
    let mut out = Map::new();
    let mut put = |k: &str, v: String| {
        out.insert(k.to_string(), Value::String(v));
    };
    let project = st.projects.get(&env.project_id);
    if let Some(p) = project {
        put("RAILWAY_PROJECT_NAME", p.name.clone());
    }
    put("RAILWAY_PROJECT_ID", env.project_id.clone());
    put("RAILWAY_ENVIRONMENT_NAME", env.name.clone());
    put("RAILWAY_ENVIRONMENT", env.name.clone());
    put("RAILWAY_ENVIRONMENT_ID", env.id.clone());
    if let Some(svc) = st.services.get(service_id) {
        put("RAILWAY_SERVICE_NAME", svc.name.clone());
        // The private DNS name: renamed through
        // `privateNetworkEndpointRename`, else the service name's slug.
        let label = super::extras::private_dns_name(st, &env.id, service_id)
            .unwrap_or_else(|| slug(&svc.name));
        put(
            "RAILWAY_PRIVATE_DOMAIN",
            format!("{label}.railway.internal"),
        );
    }
    put("RAILWAY_SERVICE_ID", service_id.to_string());
    // "The public service or customer domain": the first service domain,
    // else the first custom domain.
    let public = service_domains(env, service_id)
        .first()
        .map(|d| d.domain.clone())
        .or_else(|| {
            custom_domains(env, service_id)
                .first()
                .map(|d| d.domain.clone())
        });
    if let Some(domain) = public {
        put("RAILWAY_PUBLIC_DOMAIN", domain.clone());
        put("RAILWAY_STATIC_URL", domain);
    }
    if let Some((vid, path)) = service_config(env, service_id)
        .and_then(|c| c.get("volumeMounts"))
        .and_then(Value::as_object)
        .and_then(|m| m.iter().next())
        .map(|(vid, m)| {
            let path = m.get("mountPath").and_then(Value::as_str).unwrap_or("");
            (vid.clone(), path.to_string())
        })
        && let Some(vol) = st.volumes.get(&vid)
    {
        put("RAILWAY_VOLUME_NAME", vol.name.clone());
        put("RAILWAY_VOLUME_MOUNT_PATH", path);
    }
    if let Some(p) = tcp_proxies(env, service_id).first() {
        put("RAILWAY_TCP_PROXY_DOMAIN", TCP_PROXY_DOMAIN.to_string());
        put("RAILWAY_TCP_PROXY_PORT", p.proxy_port.to_string());
        put(
            "RAILWAY_TCP_APPLICATION_PORT",
            p.application_port.to_string(),
        );
    }
    out
}

/// Renders every reference in a set of variables.
pub fn render_variables(
    st: &State,
    env: &EnvironmentRec,
    service_id: Option<&str>,
    vars: &Map<String, Value>,
) -> Map<String, Value> {
    vars.iter()
        .map(|(k, v)| {
            let rendered = match v {
                Value::String(s) => Value::String(render(st, env, service_id, s, 0)),
                other => other.clone(),
            };
            (k.clone(), rendered)
        })
        .collect()
}

/// What a service deployment gets: shared variables, the service's own and
/// Railway's, all rendered (service variables win over shared ones).
pub fn deployment_variables(
    st: &State,
    env: &EnvironmentRec,
    service_id: &str,
) -> Map<String, Value> {
    let mut all = Map::new();
    all.extend(render_variables(st, env, None, &raw_variables(env, None)));
    all.extend(render_variables(
        st,
        env,
        Some(service_id),
        &raw_variables(env, Some(service_id)),
    ));
    all.extend(provided_variables(st, env, service_id));
    all
}

fn lookup(
    st: &State,
    env: &EnvironmentRec,
    service_id: Option<&str>,
    name: &str,
    depth: usize,
) -> String {
    let value = match service_id {
        Some(sid) => raw_variables(env, Some(sid))
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                provided_variables(st, env, sid)
                    .get(name)
                    .and_then(Value::as_str)
                    .map(str::to_string)
            }),
        None => raw_variables(env, None)
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string),
    };
    value
        .map(|v| render(st, env, service_id, &v, depth + 1))
        .unwrap_or_default()
}

/// Renders the references in one value; unknown references become empty.
pub fn render(
    st: &State,
    env: &EnvironmentRec,
    service_id: Option<&str>,
    text: &str,
    depth: usize,
) -> String {
    if depth > MAX_DEPTH || !text.contains("${{") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = after[..end].trim();
        let value = match inner.split_once('.') {
            Some(("shared", var)) => lookup(st, env, None, var.trim(), depth),
            Some((svc_name, var)) => {
                let svc_name = svc_name.trim();
                st.environment_service_ids(env)
                    .into_iter()
                    .find(|id| st.services.get(id).is_some_and(|s| s.name == svc_name))
                    .map(|id| lookup(st, env, Some(&id), var.trim(), depth))
                    .unwrap_or_default()
            }
            None => lookup(st, env, service_id, inner, depth),
        };
        out.push_str(&value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}
