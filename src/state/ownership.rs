//! Ownership: the resources Mirage created or adopted, with their Railway
//! IDs. The planner destroys only what is recorded here.

use std::fmt;
use std::str::FromStr;

use super::error::StateError;
use super::store::Store;
use super::time::Timestamp;

/// The kind of a Railway resource Mirage can own.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    /// A Railway project.
    Project,
    /// An environment of a project.
    Environment,
    /// A service (project-wide on Railway; recorded per environment when
    /// Mirage created it for one environment only).
    Service,
    /// A volume attached to a service.
    Volume,
    /// A domain (Railway-generated or custom) of a service.
    Domain,
    /// A TCP proxy of a service.
    TcpProxy,
    /// A variable of a service or a shared variable (by name only; the
    /// value is never stored).
    Variable,
}

impl ResourceKind {
    /// Every kind, in the order the CLI lists them.
    pub const ALL: [ResourceKind; 7] = [
        ResourceKind::Project,
        ResourceKind::Environment,
        ResourceKind::Service,
        ResourceKind::Volume,
        ResourceKind::Domain,
        ResourceKind::TcpProxy,
        ResourceKind::Variable,
    ];

    /// The stable name stored in the database and printed: `tcp-proxy`…
    pub const fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Project => "project",
            ResourceKind::Environment => "environment",
            ResourceKind::Service => "service",
            ResourceKind::Volume => "volume",
            ResourceKind::Domain => "domain",
            ResourceKind::TcpProxy => "tcp-proxy",
            ResourceKind::Variable => "variable",
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ResourceKind {
    type Err = StateError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ResourceKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| StateError::Invalid(format!("unknown resource kind `{text}`")))
    }
}

/// How a resource came to be Mirage's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Mirage created it.
    Created,
    /// It existed and `mirage import` adopted it.
    Adopted,
}

impl Origin {
    /// The stable name stored in the database: `created` or `adopted`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Origin::Created => "created",
            Origin::Adopted => "adopted",
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What identifies an owned resource: names, as on Railway.
///
/// * a project: `environment` and `service` are `None`, `name` is the
///   project name;
/// * an environment: `environment` is `None`, `name` is its name;
/// * a service: `service` is `None`, `name` is the service name,
///   `environment` the one it was created for (`None` when project-wide);
/// * a volume, domain, TCP proxy or variable: `service` names the service
///   it belongs to (`None` for shared variables), `name` the resource
///   (mount path, host name, application port, variable name).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct ResourceKey {
    /// The project name.
    pub project: String,
    /// The environment name, for resources inside one environment.
    pub environment: Option<String>,
    /// The kind.
    pub kind: ResourceKind,
    /// The owning service's name, for resources of a service.
    pub service: Option<String>,
    /// The resource's own name.
    pub name: String,
}

/// An owned resource as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Resource {
    /// What identifies it.
    pub key: ResourceKey,
    /// The Railway ID of the project it lives in, when known.
    pub project_id: Option<String>,
    /// The Railway ID of its environment, when it lives in one.
    pub environment_id: Option<String>,
    /// Its own Railway ID (`None` for variables, which have none).
    pub railway_id: Option<String>,
    /// Created by Mirage or adopted.
    pub origin: Origin,
    /// Who recorded it, as `user@host`.
    pub created_by: String,
    /// When it was first recorded.
    pub created_at: Timestamp,
}

/// Which owned resources to list; `None` fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnedFilter {
    /// Only this project (by name).
    pub project: Option<String>,
    /// Only this environment (by name); project-wide resources excluded.
    pub environment: Option<String>,
    /// Only this service's resources (and the service itself).
    pub service: Option<String>,
    /// Only this kind.
    pub kind: Option<ResourceKind>,
}

impl Store {
    /// Record `resource` as owned. Recording a key that is already present
    /// updates its Railway IDs (a resource re-created after a failure) but
    /// keeps its first `origin`, `created_by` and `created_at`.
    pub fn record(&self, resource: &Resource) -> Result<(), StateError> {
        todo!()
    }

    /// Record several resources in one transaction (all or none).
    pub fn record_all(&self, resources: &[Resource]) -> Result<(), StateError> {
        todo!()
    }

    /// The owned resource with this key, if any.
    pub fn owned(&self, key: &ResourceKey) -> Result<Option<Resource>, StateError> {
        todo!()
    }

    /// Whether the resource with this key is Mirage's.
    pub fn is_owned(&self, key: &ResourceKey) -> Result<bool, StateError> {
        Ok(self.owned(key)?.is_some())
    }

    /// The owned resource with this Railway ID, if any.
    pub fn owned_by_railway_id(&self, railway_id: &str) -> Result<Option<Resource>, StateError> {
        todo!()
    }

    /// Every owned resource inside environment `environment` of project
    /// `project` (not the environment itself, nor project-wide resources),
    /// sorted by kind, service and name.
    pub fn owned_in_environment(
        &self,
        project: &str,
        environment: &str,
    ) -> Result<Vec<Resource>, StateError> {
        self.list_owned(&OwnedFilter {
            project: Some(project.to_owned()),
            environment: Some(environment.to_owned()),
            ..OwnedFilter::default()
        })
    }

    /// Owned resources matching `filter`, sorted by project, environment,
    /// kind, service and name.
    pub fn list_owned(&self, filter: &OwnedFilter) -> Result<Vec<Resource>, StateError> {
        todo!()
    }

    /// Forget one resource (after destroying it, or to hand it back).
    /// Returns whether it was recorded.
    pub fn forget(&self, key: &ResourceKey) -> Result<bool, StateError> {
        todo!()
    }

    /// Forget everything recorded inside environment `environment` of
    /// `project`, and the environment itself (after `mirage destroy`).
    /// Returns how many records were removed.
    pub fn forget_environment(
        &self,
        project: &str,
        environment: &str,
    ) -> Result<usize, StateError> {
        todo!()
    }
}
