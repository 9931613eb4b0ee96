//! Services and their per-environment instances.

use super::common::{IdVariablesFields, InstanceVariablesFields, PageInfo, ServiceRef};
use crate::railway::schema::{DateTime, Json, VariableMap, schema};

/// `service(id)`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "IdVariables")]
pub struct ServiceQuery {
    /// The service.
    #[arguments(id: $id)]
    pub service: Service,
}

/// A service's own fields.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct Service {
    /// Railway's id.
    pub id: cynic::Id,
    /// Name, unique within the project.
    pub name: String,
    /// Icon URL or name.
    pub icon: Option<String>,
    /// Owning project.
    pub project_id: String,
    /// Creation time.
    pub created_at: DateTime,
    /// Set once deleted.
    pub deleted_at: Option<DateTime>,
}

/// `serviceInstance(environmentId, serviceId)`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "InstanceVariables")]
pub struct ServiceInstanceQuery {
    /// The instance.
    #[arguments(environmentId: $environment_id, serviceId: $service_id)]
    pub service_instance: ServiceInstance,
}

/// The settings of one service in one environment.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct ServiceInstance {
    /// Railway's id of the instance.
    pub id: cynic::Id,
    /// The service.
    pub service_id: String,
    /// The service's name.
    pub service_name: String,
    /// The environment.
    pub environment_id: String,
    /// Image or repository.
    pub source: Option<ServiceSource>,
    /// Build system.
    pub builder: Builder,
    /// Custom build command.
    pub build_command: Option<String>,
    /// Custom start command.
    pub start_command: Option<String>,
    /// Root directory inside the repository.
    pub root_directory: Option<String>,
    /// Dockerfile path.
    pub dockerfile_path: Option<String>,
    /// Path of a `railway.json`/`railway.toml` in the repository.
    pub railway_config_file: Option<String>,
    /// Health check path.
    pub healthcheck_path: Option<String>,
    /// Health check timeout in seconds.
    pub healthcheck_timeout: Option<i32>,
    /// Replica count.
    pub num_replicas: Option<i32>,
    /// Region.
    pub region: Option<String>,
    /// Restart policy.
    pub restart_policy_type: RestartPolicyType,
    /// Restarts before giving up (for `ON_FAILURE`).
    pub restart_policy_max_retries: i32,
    /// Cron schedule, for cron services.
    pub cron_schedule: Option<String>,
    /// Serverless sleeping.
    pub sleep_application: Option<bool>,
    /// Paths whose changes trigger a build.
    pub watch_patterns: Vec<String>,
    /// Pre-deploy command (JSON: a string or a list).
    pub pre_deploy_command: Option<Json>,
}

/// Where a service's code comes from.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct ServiceSource {
    /// A container image.
    pub image: Option<String>,
    /// A GitHub repository (`owner/name`).
    pub repo: Option<String>,
}

/// Build systems of the `Builder` enum (it has no `DOCKERFILE`; that one is
/// only reachable through a config patch).
#[derive(cynic::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builder {
    /// Heroku buildpacks.
    Heroku,
    /// Nixpacks (legacy).
    Nixpacks,
    /// Paketo buildpacks.
    Paketo,
    /// Railpack (Railway's default).
    Railpack,
}

/// When Railway restarts a crashed service.
#[derive(cynic::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartPolicyType {
    /// Always.
    Always,
    /// Never.
    Never,
    /// Only after a failure.
    OnFailure,
}

/// Variables of [`ServiceInstancesQuery`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct ServiceInstancesVariables {
    /// The environment.
    pub environment_id: String,
    /// Page size.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub first: Option<i32>,
    /// Cursor to continue from.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// `environment(id) { serviceInstances }`: every service's settings in one
/// environment.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "ServiceInstancesVariables")]
pub struct ServiceInstancesQuery {
    /// The environment.
    #[arguments(id: $environment_id)]
    pub environment: EnvironmentServiceInstances,
}

/// The instances of one environment.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Environment", variables = "ServiceInstancesVariables")]
pub struct EnvironmentServiceInstances {
    /// The page.
    #[arguments(first: $first, after: $after)]
    pub service_instances: ServiceInstancesConnection,
}

/// A page of service instances.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "EnvironmentServiceInstancesConnection")]
pub struct ServiceInstancesConnection {
    /// The rows.
    pub edges: Vec<ServiceInstanceEdge>,
    /// Whether more pages follow.
    pub page_info: PageInfo,
}

/// One row of [`ServiceInstancesConnection`].
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "EnvironmentServiceInstancesConnectionEdge")]
pub struct ServiceInstanceEdge {
    /// The instance.
    pub node: ServiceInstance,
}

/// Input of `serviceCreate` and `serviceConnect`'s source.
#[derive(cynic::InputObject, Debug, Clone, Default)]
pub struct ServiceSourceInput {
    /// A container image.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// A GitHub repository (`owner/name`).
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
}

/// Input of `serviceCreate`.
#[derive(cynic::InputObject, Debug, Clone, Default)]
pub struct ServiceCreateInput {
    /// The project.
    pub project_id: String,
    /// Name, unique within the project.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Create only in this environment when it is a fork.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    /// Image or repository.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub source: Option<ServiceSourceInput>,
    /// Repository branch.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Initial variables (secret values: `Debug` prints names only).
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub variables: Option<VariableMap>,
    /// Icon.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
}

/// Variables of [`ServiceCreate`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct ServiceCreateVariables {
    /// The new service.
    pub input: ServiceCreateInput,
}

/// `serviceCreate`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "ServiceCreateVariables")]
pub struct ServiceCreate {
    /// The created service.
    #[arguments(input: $input)]
    pub service_create: ServiceRef,
}

/// Variables of [`ServiceDelete`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct ServiceDeleteVariables {
    /// The service.
    pub id: String,
    /// Delete only from this environment when it is a fork (experimental).
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
}

/// `serviceDelete`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "ServiceDeleteVariables")]
pub struct ServiceDelete {
    /// Always true on success.
    #[arguments(id: $id, environmentId: $environment_id)]
    pub service_delete: bool,
}

/// Input of `serviceUpdate`.
#[derive(cynic::InputObject, Debug, Clone, Default)]
pub struct ServiceUpdateInput {
    /// New name (applies to the whole project).
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New icon.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
}

/// Variables of [`ServiceUpdate`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct ServiceUpdateVariables {
    /// The service.
    pub id: String,
    /// What to change.
    pub input: ServiceUpdateInput,
}

/// `serviceUpdate`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "ServiceUpdateVariables")]
pub struct ServiceUpdate {
    /// The updated service.
    #[arguments(id: $id, input: $input)]
    pub service_update: ServiceRef,
}

/// Input of `serviceConnect`.
#[derive(cynic::InputObject, Debug, Clone, Default)]
pub struct ServiceConnectInput {
    /// A GitHub repository (`owner/name`).
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Repository branch.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// A container image.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// Variables of [`ServiceConnect`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct ServiceConnectVariables {
    /// The service.
    pub id: String,
    /// The new source.
    pub input: ServiceConnectInput,
}

/// `serviceConnect`: change a service's source.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "ServiceConnectVariables")]
pub struct ServiceConnect {
    /// The updated service.
    #[arguments(id: $id, input: $input)]
    pub service_connect: ServiceRef,
}
