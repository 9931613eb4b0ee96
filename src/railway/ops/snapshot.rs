//! The one query that reads a whole project (see
//! [`crate::railway::Client::read_project`]), and the page queries that
//! follow a connection only when it has more rows than one page.

use super::common::{PageInfo, ServiceRef};
use super::volume::Volume;
use crate::railway::schema::{EnvironmentConfig, schema};

/// Variables of [`ProjectSnapshotQuery`] and the page queries.
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct SnapshotVariables {
    /// The project.
    pub id: String,
    /// Page size of every nested connection.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub first: Option<i32>,
    /// Cursor to continue from (page queries only).
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// `project(id)` with environments (config, etag), services and volumes.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "SnapshotVariables")]
pub struct ProjectSnapshotQuery {
    /// The project.
    #[arguments(id: $id)]
    pub project: ProjectSnapshot,
}

/// A project with everything the planner diffs.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Project", variables = "SnapshotVariables")]
pub struct ProjectSnapshot {
    /// Railway's id.
    pub id: cynic::Id,
    /// Display name.
    pub name: String,
    /// Environments, each with its whole config.
    #[arguments(first: $first)]
    pub environments: SnapshotEnvironments,
    /// Services by id and name.
    #[arguments(first: $first)]
    pub services: SnapshotServices,
    /// Volumes by id and name.
    #[arguments(first: $first)]
    pub volumes: SnapshotVolumes,
}

/// A page of environments with their configs.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "ProjectEnvironmentsConnection")]
pub struct SnapshotEnvironments {
    /// The rows.
    pub edges: Vec<SnapshotEnvironmentEdge>,
    /// Whether more pages follow.
    pub page_info: PageInfo,
}

/// One row of [`SnapshotEnvironments`].
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "ProjectEnvironmentsConnectionEdge")]
pub struct SnapshotEnvironmentEdge {
    /// The environment.
    pub node: SnapshotEnvironment,
}

/// An environment as the snapshot holds it.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Environment")]
pub struct SnapshotEnvironment {
    /// Railway's id.
    pub id: cynic::Id,
    /// Name, unique within the project.
    pub name: String,
    /// True for PR and other ephemeral environments.
    pub is_ephemeral: bool,
    /// Changes staged and not yet committed.
    pub unmerged_changes_count: Option<i32>,
    /// Version of `config`.
    pub config_etag: String,
    /// The whole config, variable values decrypted.
    #[arguments(decryptVariables: true)]
    pub config: EnvironmentConfig,
}

/// A page of services.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "ProjectServicesConnection")]
pub struct SnapshotServices {
    /// The rows.
    pub edges: Vec<SnapshotServiceEdge>,
    /// Whether more pages follow.
    pub page_info: PageInfo,
}

/// One row of [`SnapshotServices`].
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "ProjectServicesConnectionEdge")]
pub struct SnapshotServiceEdge {
    /// The service.
    pub node: ServiceRef,
}

/// A page of volumes.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "ProjectVolumesConnection")]
pub struct SnapshotVolumes {
    /// The rows.
    pub edges: Vec<SnapshotVolumeEdge>,
    /// Whether more pages follow.
    pub page_info: PageInfo,
}

/// One row of [`SnapshotVolumes`].
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "ProjectVolumesConnectionEdge")]
pub struct SnapshotVolumeEdge {
    /// The volume.
    pub node: Volume,
}

/// Next page of a project's environments.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "SnapshotVariables")]
pub struct EnvironmentsPageQuery {
    /// The project.
    #[arguments(id: $id)]
    pub project: EnvironmentsPage,
}

/// Project wrapper of [`EnvironmentsPageQuery`].
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Project", variables = "SnapshotVariables")]
pub struct EnvironmentsPage {
    /// The page.
    #[arguments(first: $first, after: $after)]
    pub environments: SnapshotEnvironments,
}

/// Next page of a project's services.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "SnapshotVariables")]
pub struct ServicesPageQuery {
    /// The project.
    #[arguments(id: $id)]
    pub project: ServicesPage,
}

/// Project wrapper of [`ServicesPageQuery`].
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Project", variables = "SnapshotVariables")]
pub struct ServicesPage {
    /// The page.
    #[arguments(first: $first, after: $after)]
    pub services: SnapshotServices,
}

/// Next page of a project's volumes.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "SnapshotVariables")]
pub struct VolumesPageQuery {
    /// The project.
    #[arguments(id: $id)]
    pub project: VolumesPage,
}

/// Project wrapper of [`VolumesPageQuery`].
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Project", variables = "SnapshotVariables")]
pub struct VolumesPage {
    /// The page.
    #[arguments(first: $first, after: $after)]
    pub volumes: SnapshotVolumes,
}

/// Variables of [`ScopedSnapshotQuery`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct ScopedSnapshotVariables {
    /// The project.
    pub id: String,
    /// The one environment whose config is read.
    pub environment_id: String,
    /// Page size of every nested connection.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub first: Option<i32>,
}

/// The project as a project token sees it, in one request: every
/// environment's identity (readable with any token of the project), one
/// environment's config, services and volumes.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "ScopedSnapshotVariables")]
pub struct ScopedSnapshotQuery {
    /// The project, without configs.
    #[arguments(id: $id)]
    pub project: ScopedProject,
    /// The token's environment, with its config.
    #[arguments(id: $environment_id)]
    pub environment: SnapshotEnvironment,
}

/// A project without its environments' configs.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Project", variables = "ScopedSnapshotVariables")]
pub struct ScopedProject {
    /// Railway's id.
    pub id: cynic::Id,
    /// Display name.
    pub name: String,
    /// Environments by id and name only.
    #[arguments(first: $first)]
    pub environments: super::project::ProjectEnvironmentNames,
    /// Services by id and name.
    #[arguments(first: $first)]
    pub services: SnapshotServices,
    /// Volumes by id and name.
    #[arguments(first: $first)]
    pub volumes: SnapshotVolumes,
}
