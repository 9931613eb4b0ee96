//! The actual state of one Railway project, read in one request: what the
//! planner diffs the desired model against.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use super::client::Client;
use super::error::RailwayError;
use super::ops::snapshot::{
    EnvironmentsPageQuery, ProjectSnapshotQuery, ServicesPageQuery, SnapshotEnvironment,
    SnapshotVariables, VolumesPageQuery,
};

/// A project as Railway has it: environments by name (with their whole
/// config), services and volumes by name ↔ id.
///
/// Configs hold decrypted variable values: `Debug` never prints them.
#[derive(Clone, PartialEq, Default)]
pub struct Snapshot {
    /// Railway's id of the project.
    pub project_id: String,
    /// The project's display name.
    pub project_name: String,
    /// Environments by name.
    pub environments: BTreeMap<String, EnvironmentState>,
    /// Service ids by service name.
    pub services: BTreeMap<String, String>,
    /// Volume ids by volume name.
    pub volumes: BTreeMap<String, String>,
}

/// One environment: identity, concurrency token and config.
#[derive(Clone, PartialEq, Default)]
pub struct EnvironmentState {
    /// Railway's id.
    pub id: String,
    /// Name, unique within the project.
    pub name: String,
    /// True for PR and other ephemeral environments.
    pub is_ephemeral: bool,
    /// Changes staged in the dashboard and not committed: when non-zero,
    /// writes should stage (merge) rather than commit, as the CLI does.
    pub unmerged_changes_count: i32,
    /// Version of `config`, for optimistic concurrency.
    pub config_etag: String,
    /// The `EnvironmentConfig` document (variables decrypted).
    pub config: Value,
}

impl Snapshot {
    /// The environment called `name`.
    pub fn environment(&self, name: &str) -> Option<&EnvironmentState> {
        self.environments.get(name)
    }

    /// The id of the service called `name`.
    pub fn service_id(&self, name: &str) -> Option<&str> {
        self.services.get(name).map(String::as_str)
    }

    /// The name of the service with `id`.
    pub fn service_name(&self, id: &str) -> Option<&str> {
        self.services
            .iter()
            .find(|(_, service_id)| service_id.as_str() == id)
            .map(|(name, _)| name.as_str())
    }

    /// The id of the volume called `name`.
    pub fn volume_id(&self, name: &str) -> Option<&str> {
        self.volumes.get(name).map(String::as_str)
    }

    /// The config of service `service` (by name) in environment `environment`.
    pub fn service_config(&self, environment: &str, service: &str) -> Option<&Value> {
        let id = self.service_id(service)?;
        self.environment(environment)?.service_config(id)
    }
}

impl EnvironmentState {
    /// `config.services.<id>`.
    pub fn service_config(&self, service_id: &str) -> Option<&Value> {
        self.config.get("services")?.get(service_id)
    }

    /// Ids of the services present in this environment's config (not
    /// marked deleted).
    pub fn service_ids(&self) -> Vec<&str> {
        let Some(services) = self.config.get("services").and_then(Value::as_object) else {
            return Vec::new();
        };
        services
            .iter()
            .filter(|(_, config)| config.get("isDeleted").and_then(Value::as_bool) != Some(true))
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// The variables of a service: name → value (`None` for a variable
    /// without a value, e.g. one that only has a generator).
    pub fn service_variables(&self, service_id: &str) -> BTreeMap<&str, Option<&str>> {
        variables_of(
            self.service_config(service_id)
                .and_then(|config| config.get("variables")),
        )
    }

    /// The shared variables: name → value.
    pub fn shared_variables(&self) -> BTreeMap<&str, Option<&str>> {
        variables_of(self.config.get("sharedVariables"))
    }

    /// A service's source: `(image, repo)`.
    pub fn service_source(&self, service_id: &str) -> (Option<&str>, Option<&str>) {
        let source = self
            .service_config(service_id)
            .and_then(|config| config.get("source"));
        let text = |key: &str| {
            source
                .and_then(|source| source.get(key))
                .and_then(Value::as_str)
        };
        (text("image"), text("repo"))
    }

    /// A service's `deploy` section (start command, replicas, …).
    pub fn service_deploy(&self, service_id: &str) -> Option<&Value> {
        self.service_config(service_id)?.get("deploy")
    }

    /// A service's `build` section (builder, build command, …).
    pub fn service_build(&self, service_id: &str) -> Option<&Value> {
        self.service_config(service_id)?.get("build")
    }

    /// A service's `networking` section (domains, TCP proxies).
    pub fn service_networking(&self, service_id: &str) -> Option<&Value> {
        self.service_config(service_id)?.get("networking")
    }

    /// `config.volumes.<id>` (size, region).
    pub fn volume_config(&self, volume_id: &str) -> Option<&Value> {
        self.config.get("volumes")?.get(volume_id)
    }
}

fn variables_of(section: Option<&Value>) -> BTreeMap<&str, Option<&str>> {
    let Some(map) = section.and_then(Value::as_object) else {
        return BTreeMap::new();
    };
    map.iter()
        .filter(|(_, variable)| !variable.is_null())
        .map(|(name, variable)| {
            // Railway's config holds `{value, …}` objects; accept a bare
            // string too, as older payloads had.
            let value = variable
                .get("value")
                .and_then(Value::as_str)
                .or_else(|| variable.as_str());
            (name.as_str(), value)
        })
        .collect()
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("project_id", &self.project_id)
            .field("project_name", &self.project_name)
            .field("environments", &self.environments)
            .field("services", &self.services)
            .field("volumes", &self.volumes)
            .finish()
    }
}

impl fmt::Debug for EnvironmentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let services = self
            .config
            .get("services")
            .and_then(Value::as_object)
            .map_or(0, serde_json::Map::len);
        f.debug_struct("EnvironmentState")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("is_ephemeral", &self.is_ephemeral)
            .field("unmerged_changes_count", &self.unmerged_changes_count)
            .field("config_etag", &self.config_etag)
            .field(
                "config",
                &format_args!("<{services} services; values redacted>"),
            )
            .finish()
    }
}

impl From<SnapshotEnvironment> for EnvironmentState {
    fn from(environment: SnapshotEnvironment) -> Self {
        EnvironmentState {
            id: environment.id.into_inner(),
            name: environment.name,
            is_ephemeral: environment.is_ephemeral,
            unmerged_changes_count: environment.unmerged_changes_count.unwrap_or(0),
            config_etag: environment.config_etag,
            config: environment.config.0,
        }
    }
}

impl Client {
    /// Reads a whole project — environments with `config(decryptVariables:
    /// true)`, `configEtag` and `unmergedChangesCount`, services, volumes —
    /// in one request. A connection with more rows than the page size
    /// (`ClientOptions::page_size`) is followed with extra requests, only
    /// then.
    pub async fn read_project(&self, project_id: &str) -> Result<Snapshot, RailwayError> {
        use cynic::QueryBuilder;
        let first = Some(self.options().page_size.max(1));
        let variables = |after: Option<String>| SnapshotVariables {
            id: project_id.to_owned(),
            first,
            after,
        };
        let project = self
            .query(ProjectSnapshotQuery::build(variables(None)))
            .await?
            .project;
        let mut snapshot = Snapshot {
            project_id: project.id.into_inner(),
            project_name: project.name,
            ..Snapshot::default()
        };
        let mut environments = project.environments;
        loop {
            for edge in environments.edges {
                let state = EnvironmentState::from(edge.node);
                snapshot.environments.insert(state.name.clone(), state);
            }
            match next_cursor(&environments.page_info) {
                Some(after) => {
                    environments = self
                        .query(EnvironmentsPageQuery::build(variables(Some(after))))
                        .await?
                        .project
                        .environments;
                }
                None => break,
            }
        }
        let mut services = project.services;
        loop {
            for edge in services.edges {
                snapshot
                    .services
                    .insert(edge.node.name, edge.node.id.into_inner());
            }
            match next_cursor(&services.page_info) {
                Some(after) => {
                    services = self
                        .query(ServicesPageQuery::build(variables(Some(after))))
                        .await?
                        .project
                        .services;
                }
                None => break,
            }
        }
        let mut volumes = project.volumes;
        loop {
            for edge in volumes.edges {
                snapshot
                    .volumes
                    .insert(edge.node.name, edge.node.id.into_inner());
            }
            match next_cursor(&volumes.page_info) {
                Some(after) => {
                    volumes = self
                        .query(VolumesPageQuery::build(variables(Some(after))))
                        .await?
                        .project
                        .volumes;
                }
                None => break,
            }
        }
        Ok(snapshot)
    }
}

/// The cursor of the next page, when there is one. A server that says
/// "more" without a cursor would loop forever, so that counts as the end.
fn next_cursor(page: &super::ops::common::PageInfo) -> Option<String> {
    if page.has_next_page {
        page.end_cursor.clone()
    } else {
        None
    }
}
