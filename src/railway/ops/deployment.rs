//! Deployments: list, read, status, deploy, redeploy.

use super::common::{IdVariablesFields, InstanceVariablesFields, PageInfo};
use crate::railway::schema::{DateTime, DeploymentMeta, schema};

/// Input of `deployments`.
#[derive(cynic::InputObject, Debug, Clone, Default)]
pub struct DeploymentListInput {
    /// The project.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// The environment.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    /// The service.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// Include removed deployments.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub include_deleted: Option<bool>,
    /// Filter by status.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub status: Option<DeploymentStatusInput>,
}

/// Status filter of [`DeploymentListInput`].
#[derive(cynic::InputObject, Debug, Clone, Default)]
pub struct DeploymentStatusInput {
    /// Only these statuses.
    #[cynic(rename = "in")]
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub in_: Option<Vec<DeploymentStatus>>,
    /// All but these statuses.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub not_in: Option<Vec<DeploymentStatus>>,
}

/// Variables of [`DeploymentsQuery`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct DeploymentsVariables {
    /// Which deployments.
    pub input: DeploymentListInput,
    /// Page size.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub first: Option<i32>,
    /// Cursor to continue from.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// `deployments(input)`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "DeploymentsVariables")]
pub struct DeploymentsQuery {
    /// The page.
    #[arguments(input: $input, first: $first, after: $after)]
    pub deployments: DeploymentsConnection,
}

/// A page of deployments.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "QueryDeploymentsConnection")]
pub struct DeploymentsConnection {
    /// The rows.
    pub edges: Vec<DeploymentEdge>,
    /// Whether more pages follow.
    pub page_info: PageInfo,
}

/// One row of [`DeploymentsConnection`].
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "QueryDeploymentsConnectionEdge")]
pub struct DeploymentEdge {
    /// The deployment.
    pub node: Deployment,
}

/// `deployment(id)`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "IdVariables")]
pub struct DeploymentQuery {
    /// The deployment.
    #[arguments(id: $id)]
    pub deployment: Deployment,
}

/// `deployment(id) { status }`: the cheap poll while waiting for a deploy.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "IdVariables")]
pub struct DeploymentStatusQuery {
    /// The deployment's status.
    #[arguments(id: $id)]
    pub deployment: DeploymentStatusOnly,
}

/// A deployment's id and status.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Deployment")]
pub struct DeploymentStatusOnly {
    /// Railway's id.
    pub id: cynic::Id,
    /// Current status.
    pub status: DeploymentStatus,
}

/// A deployment.
#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct Deployment {
    /// Railway's id.
    pub id: cynic::Id,
    /// Current status.
    pub status: DeploymentStatus,
    /// When the status last changed.
    pub status_updated_at: Option<DateTime>,
    /// Creation time.
    pub created_at: DateTime,
    /// The service.
    pub service_id: Option<String>,
    /// The environment.
    pub environment_id: String,
    /// The project.
    pub project_id: String,
    /// Public URL, if any.
    pub url: Option<String>,
    /// Static URL, if any.
    pub static_url: Option<String>,
    /// Whether Railway allows a redeploy.
    pub can_redeploy: bool,
    /// Whether Railway allows a rollback.
    pub can_rollback: bool,
    /// Whether it was stopped.
    pub deployment_stopped: bool,
    /// Commit, image and other metadata.
    pub meta: Option<DeploymentMeta>,
}

/// Lifecycle of a deployment.
#[derive(cynic::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeploymentStatus {
    /// Building the image.
    Building,
    /// Crashed after starting.
    Crashed,
    /// Starting.
    Deploying,
    /// Build or deploy failed.
    Failed,
    /// Being set up.
    Initializing,
    /// Waiting for approval.
    NeedsApproval,
    /// Queued.
    Queued,
    /// Removed.
    Removed,
    /// Being removed.
    Removing,
    /// Skipped.
    Skipped,
    /// Asleep (serverless).
    Sleeping,
    /// Running.
    Success,
    /// Waiting.
    Waiting,
}

impl DeploymentStatus {
    /// True when the deployment will not change status on its own any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Crashed
                | Self::Failed
                | Self::Removed
                | Self::Skipped
                | Self::Sleeping
                | Self::Success
        )
    }
}

/// Variables of [`ServiceInstanceDeployV2`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct DeployVariables {
    /// The environment.
    pub environment_id: String,
    /// The service.
    pub service_id: String,
    /// Deploy this commit (repository services); the latest when absent.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub commit_sha: Option<String>,
}

/// `serviceInstanceDeployV2`: deploy a service instance.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "DeployVariables")]
pub struct ServiceInstanceDeployV2 {
    /// The new deployment's id.
    #[arguments(environmentId: $environment_id, serviceId: $service_id, commitSha: $commit_sha)]
    pub service_instance_deploy_v2: String,
}

/// `serviceInstanceRedeploy`: redeploy the current commit or image.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "InstanceVariables")]
pub struct ServiceInstanceRedeploy {
    /// Always true on success.
    #[arguments(environmentId: $environment_id, serviceId: $service_id)]
    pub service_instance_redeploy: bool,
}

/// `subscription { deployment(id) }`: status changes of one deployment.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Subscription", variables = "IdVariables")]
pub struct DeploymentSubscription {
    /// The deployment after each change.
    #[arguments(id: $id)]
    pub deployment: DeploymentStatusOnly,
}
