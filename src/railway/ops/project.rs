//! Projects: list, read by id, create, delete.

use super::common::{IdVariablesFields, PageInfo, ServiceRef};
use crate::railway::schema::{DateTime, schema};

/// Variables of [`ProjectsQuery`].
#[derive(cynic::QueryVariables, Debug, Clone, Default)]
pub struct ProjectsVariables {
    /// Page size.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub first: Option<i32>,
    /// Cursor to continue from.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Restrict to one workspace.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
}

/// `projects`: every project the token can see, with environments and services.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "ProjectsVariables")]
pub struct ProjectsQuery {
    /// The page of projects.
    #[arguments(first: $first, after: $after, workspaceId: $workspace_id)]
    pub projects: ProjectsConnection,
}

/// A page of projects.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "QueryProjectsConnection")]
pub struct ProjectsConnection {
    /// The rows.
    pub edges: Vec<ProjectEdge>,
    /// Whether more pages follow.
    pub page_info: PageInfo,
}

/// One row of [`ProjectsConnection`].
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "QueryProjectsConnectionEdge")]
pub struct ProjectEdge {
    /// The project.
    pub node: ProjectSummary,
}

/// A project with the names of its environments and services.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Project")]
pub struct ProjectSummary {
    /// Railway's id.
    pub id: cynic::Id,
    /// Display name (not unique).
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Set once the project is scheduled for deletion; such projects still list.
    pub deleted_at: Option<DateTime>,
    /// Its environments.
    pub environments: ProjectEnvironmentNames,
    /// Its services.
    pub services: ProjectServiceNames,
}

/// Environments of a project, by name.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "ProjectEnvironmentsConnection")]
pub struct ProjectEnvironmentNames {
    /// The rows.
    pub edges: Vec<ProjectEnvironmentNameEdge>,
}

/// One row of [`ProjectEnvironmentNames`].
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "ProjectEnvironmentsConnectionEdge")]
pub struct ProjectEnvironmentNameEdge {
    /// The environment.
    pub node: super::common::EnvironmentRef,
}

/// Services of a project, by name.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "ProjectServicesConnection")]
pub struct ProjectServiceNames {
    /// The rows.
    pub edges: Vec<ProjectServiceNameEdge>,
}

/// One row of [`ProjectServiceNames`].
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "ProjectServicesConnectionEdge")]
pub struct ProjectServiceNameEdge {
    /// The service.
    pub node: ServiceRef,
}

/// `project(id)`: one project's own fields.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "IdVariables")]
pub struct ProjectQuery {
    /// The project.
    #[arguments(id: $id)]
    pub project: Project,
}

/// A project's own fields.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct Project {
    /// Railway's id.
    pub id: cynic::Id,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Owning workspace.
    pub workspace_id: Option<String>,
    /// Whether the project is public.
    pub is_public: bool,
    /// Whether pull requests get ephemeral environments.
    pub pr_deploys: bool,
    /// The environment PR environments fork from.
    pub base_environment_id: Option<String>,
    /// Set when scheduled for deletion.
    pub deleted_at: Option<DateTime>,
}

/// Input of `projectCreate`.
#[derive(cynic::InputObject, Debug, Clone, Default)]
pub struct ProjectCreateInput {
    /// Display name.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Free text.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Owning workspace.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    /// Name of the first environment (Railway's default: "production").
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub default_environment_name: Option<String>,
    /// Whether the project is public.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub is_public: Option<bool>,
    /// Whether pull requests get ephemeral environments.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub pr_deploys: Option<bool>,
}

/// Variables of [`ProjectCreate`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct ProjectCreateVariables {
    /// The new project.
    pub input: ProjectCreateInput,
}

/// `projectCreate`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "ProjectCreateVariables")]
pub struct ProjectCreate {
    /// The created project.
    #[arguments(input: $input)]
    pub project_create: Project,
}

/// `projectScheduleDelete`: delete after Railway's 48 h grace period (what
/// the CLI does).
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "IdVariables")]
pub struct ProjectScheduleDelete {
    /// Always true on success.
    #[arguments(id: $id)]
    pub project_schedule_delete: bool,
}

/// `projectDelete`: delete at once.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "IdVariables")]
pub struct ProjectDelete {
    /// Always true on success.
    #[arguments(id: $id)]
    pub project_delete: bool,
}

/// `projectToken`: the project and environment the request's project token
/// (`project-access-token`) is scoped to. Answers only for a project token.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query")]
pub struct ProjectTokenQuery {
    /// The token's scope.
    pub project_token: ProjectTokenScope,
}

/// What a project token can reach: one environment of one project.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "ProjectToken")]
pub struct ProjectTokenScope {
    /// The project's id.
    pub project_id: String,
    /// The environment's id.
    pub environment_id: String,
    /// The project, for its name.
    pub project: ProjectName,
    /// The environment, for its name.
    pub environment: super::common::EnvironmentRef,
}

/// A project by id and name.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Project")]
pub struct ProjectName {
    /// Railway's id.
    pub id: cynic::Id,
    /// Display name.
    pub name: String,
}
