//! Rows derived from environment configs: service and custom domains, TCP
//! proxies and volume instances. Their IDs are derived from what identifies
//! them, so the same row keeps its ID across reads and restarts.

use serde_json::{Value, json};

use super::clock::fnv1a;
use super::state::{EnvironmentRec, State, derived_id, service_config};

/// The domain TCP proxies are reached on.
pub const TCP_PROXY_DOMAIN: &str = "emulator.proxy.rlwy.net";
/// The suffix of generated service domains.
pub const SERVICE_DOMAIN_SUFFIX: &str = "up.railway.app";

/// A domain of a service instance: a generated or chosen
/// `*.up.railway.app` one (under `networking.serviceDomains`) or a custom
/// one (under `networking.customDomains`).
#[derive(Debug, Clone)]
pub struct DomainRow {
    /// The derived domain ID.
    pub id: String,
    /// The domain name (`web-production-ab12.up.railway.app`).
    pub domain: String,
    /// The port it routes to (`port` in the config), if set.
    pub target_port: Option<i32>,
    /// The environment whose config holds it.
    pub environment_id: String,
    /// The service it routes to.
    pub service_id: String,
    /// The project of the environment.
    pub project_id: String,
    /// `serviceDomains` or `customDomains`: where the config keeps it.
    pub networking_key: &'static str,
}

/// A generated or chosen `*.up.railway.app` domain.
pub type ServiceDomainRow = DomainRow;
/// A custom domain.
pub type CustomDomainRow = DomainRow;

/// A row kept in a service's `networking` config: removing it is patching
/// its key there to `null`.
pub trait NetworkingRow {
    /// The row's derived ID.
    fn id(&self) -> &str;
    /// The environment it lives in, and the patch of that environment's
    /// config that removes it.
    fn removal(&self) -> (&str, Value);
}

impl NetworkingRow for DomainRow {
    fn id(&self) -> &str {
        &self.id
    }
    fn removal(&self) -> (&str, Value) {
        let entry = json!({self.networking_key: {&self.domain: null}});
        (
            &self.environment_id,
            networking_patch(&self.service_id, entry),
        )
    }
}

impl NetworkingRow for TcpProxyRow {
    fn id(&self) -> &str {
        &self.id
    }
    fn removal(&self) -> (&str, Value) {
        let entry = json!({"tcpProxies": {self.application_port.to_string(): null}});
        (
            &self.environment_id,
            networking_patch(&self.service_id, entry),
        )
    }
}

/// The rows of one kind that a service instance's config holds.
pub type Rows<R> = fn(&EnvironmentRec, &str) -> Vec<R>;

/// A patch setting `networking` entries of one service.
pub fn networking_patch(service_id: &str, networking: Value) -> Value {
    json!({"services": {service_id: {"networking": networking}}})
}

/// A TCP proxy.
#[derive(Debug, Clone)]
pub struct TcpProxyRow {
    /// The derived proxy ID.
    pub id: String,
    /// The service's port the proxy forwards to (its key in
    /// `networking.tcpProxies`).
    pub application_port: i32,
    /// The public port on [`TCP_PROXY_DOMAIN`] ([`proxy_port`]).
    pub proxy_port: i32,
    /// The environment whose config holds it.
    pub environment_id: String,
    /// The service it forwards to.
    pub service_id: String,
}

/// A volume's instance in one environment.
#[derive(Debug, Clone)]
pub struct VolumeInstanceRow {
    /// The derived volume instance ID.
    pub id: String,
    /// The volume it is an instance of.
    pub volume_id: String,
    /// The environment whose config holds it.
    pub environment_id: String,
    /// The service that mounts it, if any.
    pub service_id: Option<String>,
    /// Where it is mounted: the mounting service's `mountPath`, else the
    /// volume's own.
    pub mount_path: String,
    /// Its size in megabytes (`sizeMB`, [`DEFAULT_VOLUME_MB`] unless set).
    pub size_mb: i32,
    /// Its region (`region` in the config), if set.
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

/// The domains under `networking.<key>` of a service instance; `kind`
/// seeds their IDs.
fn domains(
    env: &EnvironmentRec,
    service_id: &str,
    networking_key: &'static str,
    kind: &str,
) -> Vec<DomainRow> {
    networking_map(env, service_id, networking_key)
        .into_iter()
        .map(|(domain, v)| DomainRow {
            id: derived_id(&[kind, &env.id, domain]),
            domain: domain.clone(),
            target_port: port_of(v),
            environment_id: env.id.clone(),
            service_id: service_id.to_string(),
            project_id: env.project_id.clone(),
            networking_key,
        })
        .collect()
}

/// The service domains of a service instance.
pub fn service_domains(env: &EnvironmentRec, service_id: &str) -> Vec<ServiceDomainRow> {
    domains(env, service_id, "serviceDomains", "serviceDomain")
}

/// The custom domains of a service instance.
pub fn custom_domains(env: &EnvironmentRec, service_id: &str) -> Vec<CustomDomainRow> {
    domains(env, service_id, "customDomains", "customDomain")
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

/// Finds a row derived from some service instance's config by its ID.
pub fn find_row<T: NetworkingRow>(
    st: &State,
    mut rows: impl FnMut(&EnvironmentRec, &str) -> Vec<T>,
    id: &str,
) -> Option<T> {
    for env in st.environments.values() {
        for sid in st.environment_service_ids(env) {
            if let Some(row) = rows(env, &sid).into_iter().find(|r| r.id() == id) {
                return Some(row);
            }
        }
    }
    None
}

/// The environment holding the row with this ID, if any.
pub fn environment_of_row<T: NetworkingRow>(
    st: &State,
    rows: impl FnMut(&EnvironmentRec, &str) -> Vec<T>,
    id: &str,
) -> Option<String> {
    find_row(st, rows, id).map(|r| r.removal().0.to_string())
}
