//! Rows derived from environment configs: service and custom domains, TCP
//! proxies and volume instances. Their IDs are derived from what identifies
//! them, so the same row keeps its ID across reads and restarts.

use serde_json::Value;

use super::clock::fnv1a;
use super::state::{EnvironmentRec, State, derived_id, service_config};

/// The domain TCP proxies are reached on.
pub const TCP_PROXY_DOMAIN: &str = "emulator.proxy.rlwy.net";
/// The suffix of generated service domains.
pub const SERVICE_DOMAIN_SUFFIX: &str = "up.railway.app";

/// A generated or chosen `*.up.railway.app` domain.
#[derive(Debug, Clone)]
pub struct ServiceDomainRow {
    pub id: String,
    pub domain: String,
    pub target_port: Option<i32>,
    pub environment_id: String,
    pub service_id: String,
    pub project_id: String,
}

/// A custom domain.
#[derive(Debug, Clone)]
pub struct CustomDomainRow {
    pub id: String,
    pub domain: String,
    pub target_port: Option<i32>,
    pub environment_id: String,
    pub service_id: String,
    pub project_id: String,
}

/// A TCP proxy.
#[derive(Debug, Clone)]
pub struct TcpProxyRow {
    pub id: String,
    pub application_port: i32,
    pub proxy_port: i32,
    pub environment_id: String,
    pub service_id: String,
}

/// A volume's instance in one environment.
#[derive(Debug, Clone)]
pub struct VolumeInstanceRow {
    pub id: String,
    pub volume_id: String,
    pub environment_id: String,
    pub service_id: Option<String>,
    pub mount_path: String,
    pub size_mb: i32,
    pub region: Option<String>,
}

fn port_of(value: &Value) -> Option<i32> {
    value.get("port").and_then(Value::as_i64).map(|p| p as i32)
}

fn networking_map<'a>(
    env: &'a EnvironmentRec,
    service_id: &str,
    key: &str,
) -> Vec<(&'a String, &'a Value)> {
    service_config(env, service_id)
        .and_then(|c| c.get("networking"))
        .and_then(|n| n.get(key))
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default()
}

/// The service domains of a service instance.
pub fn service_domains(env: &EnvironmentRec, service_id: &str) -> Vec<ServiceDomainRow> {
    networking_map(env, service_id, "serviceDomains")
        .into_iter()
        .map(|(domain, v)| ServiceDomainRow {
            id: derived_id(&["serviceDomain", &env.id, domain]),
            domain: domain.clone(),
            target_port: port_of(v),
            environment_id: env.id.clone(),
            service_id: service_id.to_string(),
            project_id: env.project_id.clone(),
        })
        .collect()
}

/// The custom domains of a service instance.
pub fn custom_domains(env: &EnvironmentRec, service_id: &str) -> Vec<CustomDomainRow> {
    networking_map(env, service_id, "customDomains")
        .into_iter()
        .map(|(domain, v)| CustomDomainRow {
            id: derived_id(&["customDomain", &env.id, domain]),
            domain: domain.clone(),
            target_port: port_of(v),
            environment_id: env.id.clone(),
            service_id: service_id.to_string(),
            project_id: env.project_id.clone(),
        })
        .collect()
}

/// The public port a TCP proxy gets: derived, so it is stable.
pub fn proxy_port(env_id: &str, service_id: &str, application_port: i32) -> i32 {
    let h = fnv1a(format!("{env_id}/{service_id}/{application_port}").as_bytes());
    10_000 + (h % 50_000) as i32
}

/// The TCP proxies of a service instance.
pub fn tcp_proxies(env: &EnvironmentRec, service_id: &str) -> Vec<TcpProxyRow> {
    networking_map(env, service_id, "tcpProxies")
        .into_iter()
        .filter_map(|(port, _)| port.parse::<i32>().ok())
        .map(|port| TcpProxyRow {
            id: derived_id(&["tcpProxy", &env.id, service_id, &port.to_string()]),
            application_port: port,
            proxy_port: proxy_port(&env.id, service_id, port),
            environment_id: env.id.clone(),
            service_id: service_id.to_string(),
        })
        .collect()
}

/// The size a volume gets when its config does not say (`sizeMB`).
pub const DEFAULT_VOLUME_MB: i32 = 5000;

/// The volume instances of an environment.
pub fn volume_instances(st: &State, env: &EnvironmentRec) -> Vec<VolumeInstanceRow> {
    let Some(volumes) = env.config.get("volumes").and_then(Value::as_object) else {
        return vec![];
    };
    let services = env.config.get("services").and_then(Value::as_object);
    volumes
        .iter()
        .filter_map(|(vid, cfg)| {
            let rec = st.volumes.get(vid)?;
            let mount = services.and_then(|s| {
                s.iter().find_map(|(sid, scfg)| {
                    let path = scfg
                        .get("volumeMounts")?
                        .get(vid)?
                        .get("mountPath")?
                        .as_str()?;
                    Some((sid.clone(), path.to_string()))
                })
            });
            Some(VolumeInstanceRow {
                id: derived_id(&["volumeInstance", &env.id, vid]),
                volume_id: vid.clone(),
                environment_id: env.id.clone(),
                service_id: mount.as_ref().map(|(s, _)| s.clone()),
                mount_path: mount
                    .map(|(_, p)| p)
                    .unwrap_or_else(|| rec.mount_path.clone()),
                size_mb: cfg
                    .get("sizeMB")
                    .and_then(Value::as_i64)
                    .map(|s| s as i32)
                    .unwrap_or(DEFAULT_VOLUME_MB),
                region: cfg
                    .get("region")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            })
        })
        .collect()
}

/// Finds the environment and service holding a derived row by its ID.
pub fn find_row<T>(
    st: &State,
    mut rows: impl FnMut(&EnvironmentRec, &str) -> Vec<T>,
    id_of: impl Fn(&T) -> &str,
    id: &str,
) -> Option<T> {
    for env in st.environments.values() {
        for sid in st.environment_service_ids(env) {
            if let Some(row) = rows(env, &sid).into_iter().find(|r| id_of(r) == id) {
                return Some(row);
            }
        }
    }
    None
}
