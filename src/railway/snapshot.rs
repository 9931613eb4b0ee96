//! The actual state of one Railway project, read in one request: what the
//! planner diffs the desired model against.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use super::client::Client;
use super::error::RailwayError;
use super::ops::snapshot::{
    EnvironmentsPageQuery, ProjectSnapshotQuery, ScopedSnapshotQuery, ScopedSnapshotVariables,
    ServicesPageQuery, SnapshotEnvironment, SnapshotServices, SnapshotVariables, SnapshotVolumes,
    VolumesPageQuery,
};
use super::scope::TokenScope;

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
    /// Several resources where Mirage's identity allows one (two services
    /// of one name, …): the maps above keep only one of each, so a plan
    /// must refuse rather than pick one.
    pub duplicates: Vec<Duplicate>,
}

/// What a [`Duplicate`] is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DuplicateKind {
    /// Projects of one name the token can see.
    Project,
    /// Environments of one name in the project.
    Environment,
    /// Services of one name in the project.
    Service,
    /// Volumes mounted on one service instance (Railway allows one).
    Volume,
}

impl DuplicateKind {
    /// `environment`, `service`, `volume`.
    pub fn noun(self) -> &'static str {
        match self {
            DuplicateKind::Project => "project",
            DuplicateKind::Environment => "environment",
            DuplicateKind::Service => "service",
            DuplicateKind::Volume => "volume",
        }
    }
}

/// Several resources on Railway where names (or a service instance) must
/// identify one: made by anyone, they are a conflict Mirage reports and
/// never resolves by picking one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    /// What is duplicated.
    pub kind: DuplicateKind,
    /// The environment's or service's name (for volumes, the service's).
    pub name: String,
    /// The environment, for volumes.
    pub environment: Option<String>,
    /// Railway's ids of all of them, sorted.
    pub ids: Vec<String>,
}

impl Duplicate {
    /// "2 services are called `api` on Railway; …", without the ids.
    pub fn summary(&self) -> String {
        match (self.kind, &self.environment) {
            (DuplicateKind::Volume, Some(environment)) => format!(
                "{} volumes are mounted on service `{}` in environment `{environment}`; Railway gives a service one volume",
                self.ids.len(),
                self.name
            ),
            (kind, _) => format!(
                "{} {}s are called `{}` on Railway; Mirage identifies them by name",
                self.ids.len(),
                kind.noun(),
                self.name
            ),
        }
    }

    /// The ids, as "`a`, `b`".
    pub fn id_list(&self) -> String {
        self.ids
            .iter()
            .map(|id| format!("`{id}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// [`Self::summary`] with the ids.
    pub fn describe(&self) -> String {
        format!("{} (ids {})", self.summary(), self.id_list())
    }
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

    /// The duplicate of `kind` called `name` (in `environment`, for
    /// volumes), if Railway has several.
    pub fn duplicate(
        &self,
        kind: DuplicateKind,
        name: &str,
        environment: Option<&str>,
    ) -> Option<&Duplicate> {
        self.duplicates.iter().find(|d| {
            d.kind == kind
                && d.name == name
                && (kind != DuplicateKind::Volume || d.environment.as_deref() == environment)
        })
    }

    /// Finds duplicated volumes: a service instance with several
    /// `volumeMounts` (environment and service names are checked as the
    /// snapshot is read).
    fn find_volume_duplicates(&mut self) {
        let mut found = Vec::new();
        for (env_name, environment) in &self.environments {
            for service_id in environment.service_ids() {
                let mut ids: Vec<String> = environment
                    .volume_ids(service_id)
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                if ids.len() > 1 {
                    ids.sort();
                    found.push(Duplicate {
                        kind: DuplicateKind::Volume,
                        name: self
                            .service_name(service_id)
                            .unwrap_or(service_id)
                            .to_owned(),
                        environment: Some(env_name.clone()),
                        ids,
                    });
                }
            }
        }
        self.duplicates.extend(found);
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

    /// Ids of the volumes mounted on a service here (`volumeMounts`; one,
    /// or none, unless someone made a duplicate).
    pub fn volume_ids(&self, service_id: &str) -> Vec<&str> {
        self.service_config(service_id)
            .and_then(|config| config.get("volumeMounts"))
            .and_then(Value::as_object)
            .map(|mounts| {
                mounts
                    .iter()
                    .filter(|(_, mount)| !mount.is_null())
                    .map(|(id, _)| id.as_str())
                    .collect()
            })
            .unwrap_or_default()
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
            .field("duplicates", &self.duplicates)
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
    /// then. With a project token, the token's environment only
    /// ([`Client::read_scoped_project`]).
    pub async fn read_project(&self, project_id: &str) -> Result<Snapshot, RailwayError> {
        use cynic::QueryBuilder;
        // A project token reads one environment only (the others' configs
        // answer `Not Authorized`).
        if let Some(scope) = self.token_scope().await?
            && scope.project_id == project_id
        {
            return self.read_scoped_project(&scope).await;
        }
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
        let mut environment_ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut environments = project.environments;
        loop {
            for edge in environments.edges {
                let state = EnvironmentState::from(edge.node);
                environment_ids
                    .entry(state.name.clone())
                    .or_default()
                    .push(state.id.clone());
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
        self.finish_snapshot(snapshot, environment_ids, project.services, project.volumes)
            .await
    }

    /// [`Client::read_project`] for a project token: the identities of
    /// every environment (for duplicates), the config of the token's
    /// environment alone, services and volumes — one request. The snapshot
    /// holds the token's environment only.
    pub async fn read_scoped_project(&self, scope: &TokenScope) -> Result<Snapshot, RailwayError> {
        use cynic::QueryBuilder;
        let reply = self
            .query(ScopedSnapshotQuery::build(ScopedSnapshotVariables {
                id: scope.project_id.clone(),
                environment_id: scope.environment_id.clone(),
                first: Some(self.options().page_size.max(1)),
            }))
            .await?;
        let project = reply.project;
        let mut snapshot = Snapshot {
            project_id: project.id.into_inner(),
            project_name: project.name,
            ..Snapshot::default()
        };
        let mut environment_ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for edge in project.environments.edges {
            environment_ids
                .entry(edge.node.name)
                .or_default()
                .push(edge.node.id.into_inner());
        }
        let state = EnvironmentState::from(reply.environment);
        snapshot.environments.insert(state.name.clone(), state);
        self.finish_snapshot(snapshot, environment_ids, project.services, project.volumes)
            .await
    }

    /// Follows the services' and volumes' pages and records duplicates.
    async fn finish_snapshot(
        &self,
        mut snapshot: Snapshot,
        environment_ids: BTreeMap<String, Vec<String>>,
        mut services: SnapshotServices,
        mut volumes: SnapshotVolumes,
    ) -> Result<Snapshot, RailwayError> {
        use cynic::QueryBuilder;
        let first = Some(self.options().page_size.max(1));
        let project_id = snapshot.project_id.clone();
        let variables = |after: Option<String>| SnapshotVariables {
            id: project_id.clone(),
            first,
            after,
        };
        let mut service_ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
        loop {
            for edge in services.edges {
                let id = edge.node.id.into_inner();
                service_ids
                    .entry(edge.node.name.clone())
                    .or_default()
                    .push(id.clone());
                snapshot.services.insert(edge.node.name, id);
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
        for (kind, ids) in [
            (DuplicateKind::Environment, environment_ids),
            (DuplicateKind::Service, service_ids),
        ] {
            for (name, mut ids) in ids {
                if ids.len() > 1 {
                    ids.sort();
                    snapshot.duplicates.push(Duplicate {
                        kind,
                        name,
                        environment: None,
                        ids,
                    });
                }
            }
        }
        snapshot.find_volume_duplicates();
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
