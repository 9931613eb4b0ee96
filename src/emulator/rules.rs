//! Railway's rules on a committed environment config, so that the emulator
//! is never more lenient than Railway (`docs/railway-assumptions.md`,
//! "Railway's rules"):
//!
//! * a custom domain is attached once in all of Railway: on one service of
//!   one environment;
//! * a service with a volume runs one replica (`numReplicas`, or the total
//!   of `multiRegionConfig`);
//! * a volume is at most 250 GB (Railway's largest self-serve size, on Pro),
//!   or less when `POST /_emulator/limits` sets `volumeSizeMb`.
//!
//! Every write of a config goes through [`super::ops::commit_patch`], which
//! calls [`check_config`] before storing anything: a refused patch changes
//! nothing. Refusals are `BAD_USER_INPUT`, like Railway's other refusals
//! of input; Railway's exact messages are not recorded.

use serde_json::Value;

use super::ops::{ApiError, ApiResult};
use super::state::State;

/// The largest volume Railway lets a workspace make without asking, in MB
/// (Pro: 250 GB, <https://docs.railway.com/reference/volumes>).
pub const MAX_VOLUME_MB: u64 = 250_000;

/// Checks the config that environment `env_id` would have after a patch
/// (`before` is what it has now).
pub fn check_config(st: &State, env_id: &str, before: &Value, config: &Value) -> ApiResult<()> {
    custom_domains(st, env_id, config)?;
    replicas_with_volume(st, config)?;
    volume_sizes(st, before, config)?;
    no_unsealing(before, config)
}

/// Every variable map of a config: `(service id or None, map)`.
pub fn variable_maps(config: &Value) -> Vec<(Option<&str>, &serde_json::Map<String, Value>)> {
    let mut out = Vec::new();
    if let Some(shared) = config.get("sharedVariables").and_then(Value::as_object) {
        out.push((None, shared));
    }
    if let Some(services) = config.get("services").and_then(Value::as_object) {
        for (id, svc) in services {
            if let Some(vars) = svc.get("variables").and_then(Value::as_object) {
                out.push((Some(id.as_str()), vars));
            }
        }
    }
    out
}

/// Whether a variable entry is sealed (`isSealed: true`).
pub fn is_sealed(var: &Value) -> bool {
    var.get("isSealed") == Some(&Value::Bool(true))
}

/// A sealed variable cannot be unsealed (Railway's dashboard offers no way
/// back): a patch that leaves one in place with `isSealed` other than
/// `true` is refused. Deleting it is allowed.
fn no_unsealing(before: &Value, config: &Value) -> ApiResult<()> {
    for (service, vars) in variable_maps(before) {
        let after = match service {
            None => config.get("sharedVariables"),
            Some(id) => config
                .get("services")
                .and_then(|s| s.get(id))
                .and_then(|s| s.get("variables")),
        };
        for (name, var) in vars {
            if !is_sealed(var) {
                continue;
            }
            if let Some(now) = after.and_then(|a| a.get(name))
                && !now.is_null()
                && !is_sealed(now)
            {
                return Err(ApiError::BadInput(format!(
                    "Variable `{name}` is sealed and cannot be unsealed"
                )));
            }
        }
    }
    Ok(())
}

/// `(service id, domain)` of every custom domain in a config, domains in
/// lowercase (host names are case-insensitive).
fn domains_of(config: &Value) -> Vec<(&str, String)> {
    let Some(services) = config.get("services").and_then(Value::as_object) else {
        return Vec::new();
    };
    services
        .iter()
        .flat_map(|(sid, svc)| {
            svc.get("networking")
                .and_then(|n| n.get("customDomains"))
                .and_then(Value::as_object)
                .into_iter()
                .flat_map(|m| m.keys())
                .map(move |d| (sid.as_str(), d.trim_end_matches('.').to_ascii_lowercase()))
        })
        .collect()
}

fn in_use(domain: &str) -> ApiError {
    // The same text as `customDomainCreate`'s refusal.
    ApiError::BadInput(format!("Domain `{domain}` is already in use"))
}

fn custom_domains(st: &State, env_id: &str, config: &Value) -> ApiResult<()> {
    let mine = domains_of(config);
    for (i, (sid, domain)) in mine.iter().enumerate() {
        if mine[..i].iter().any(|(s, d)| d == domain && s != sid) {
            return Err(in_use(domain));
        }
    }
    for env in st.environments.values().filter(|e| e.id != env_id) {
        let theirs = domains_of(env.config.value());
        if let Some((_, domain)) = mine
            .iter()
            .find(|(_, d)| theirs.iter().any(|(_, t)| t == d))
        {
            return Err(in_use(domain));
        }
    }
    Ok(())
}

/// Refuses to mount a new volume on `service_id` in any of `env_ids` where
/// it runs more than one replica: checked before `volumeCreate` creates
/// anything, so a refused request leaves no volume behind.
pub fn check_volume_mount(st: &State, env_ids: &[String], service_id: &str) -> ApiResult<()> {
    for env in env_ids.iter().filter_map(|id| st.environments.get(id)) {
        if let Some(svc) = super::state::service_config(env, service_id)
            && replicas(svc) > 1
        {
            return Err(one_replica(st, service_id));
        }
    }
    Ok(())
}

fn one_replica(st: &State, service_id: &str) -> ApiError {
    let name = st
        .services
        .get(service_id)
        .map_or(service_id, |s| s.name.as_str());
    ApiError::BadInput(format!(
        "Service `{name}` has a volume and cannot have more than one replica"
    ))
}

/// The replicas a service config asks for: the larger of `numReplicas`
/// and the total of `multiRegionConfig`.
fn replicas(svc: &Value) -> i64 {
    let deploy = svc.get("deploy");
    let replicas = deploy
        .and_then(|d| d.get("numReplicas"))
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let regional: i64 = deploy
        .and_then(|d| d.get("multiRegionConfig"))
        .and_then(Value::as_object)
        .map(|m| {
            m.values()
                .filter_map(|r| r.get("numReplicas").and_then(Value::as_i64))
                .sum()
        })
        .unwrap_or(0);
    replicas.max(regional)
}

fn replicas_with_volume(st: &State, config: &Value) -> ApiResult<()> {
    let Some(services) = config.get("services").and_then(Value::as_object) else {
        return Ok(());
    };
    for (sid, svc) in services {
        let has_volume = svc
            .get("volumeMounts")
            .and_then(Value::as_object)
            .is_some_and(|m| !m.is_empty());
        if has_volume && replicas(svc) > 1 {
            return Err(one_replica(st, sid));
        }
    }
    Ok(())
}

/// Sizes the patch sets (a limit lowered later does not block unrelated
/// patches of an environment that already holds a larger volume).
fn volume_sizes(st: &State, before: &Value, config: &Value) -> ApiResult<()> {
    let Some(volumes) = config.get("volumes").and_then(Value::as_object) else {
        return Ok(());
    };
    let max = st
        .limits
        .volume_size_mb
        .map_or(MAX_VOLUME_MB, u64::from)
        .min(MAX_VOLUME_MB);
    for (id, vol) in volumes {
        let Some(size) = vol.get("sizeMB") else {
            continue;
        };
        if before
            .get("volumes")
            .and_then(|v| v.get(id))
            .and_then(|v| v.get("sizeMB"))
            == Some(size)
        {
            continue;
        }
        match size.as_u64() {
            Some(mb) if mb <= max => {}
            Some(mb) => {
                return Err(ApiError::BadInput(format!(
                    "Volume size of {mb} MB is above the limit of {max} MB"
                )));
            }
            None => {
                return Err(ApiError::BadInput(
                    "`sizeMB` must be a positive whole number".into(),
                ));
            }
        }
    }
    Ok(())
}
