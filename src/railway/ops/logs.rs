//! Logs of deployments, builds and environments, as queries and as
//! subscriptions.

use crate::railway::schema::{DateTime, schema};

/// One log line.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct Log {
    /// RFC 3339 timestamp.
    pub timestamp: String,
    /// The text.
    pub message: String,
    /// `info`, `error`, …
    pub severity: Option<String>,
    /// Structured attributes.
    pub attributes: Vec<LogAttribute>,
    /// Where the line comes from.
    pub tags: Option<LogTags>,
}

/// A structured attribute of a [`Log`].
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct LogAttribute {
    /// Name.
    pub key: String,
    /// Value.
    pub value: String,
}

/// Where a [`Log`] comes from.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct LogTags {
    /// The deployment.
    pub deployment_id: Option<String>,
    /// The service.
    pub service_id: Option<String>,
    /// The environment.
    pub environment_id: Option<String>,
    /// The replica (deployment instance) that wrote it.
    pub deployment_instance_id: Option<String>,
}

/// Variables of the deployment and build log queries.
#[derive(cynic::QueryVariables, Debug, Clone, Default)]
pub struct DeploymentLogsVariables {
    /// The deployment.
    pub deployment_id: String,
    /// At most this many lines.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
    /// Railway's log filter syntax.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Lines at or after this time.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<DateTime>,
    /// Lines before this time.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<DateTime>,
}

/// `deploymentLogs(deploymentId)`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "DeploymentLogsVariables")]
pub struct DeploymentLogsQuery {
    /// The lines.
    #[arguments(deploymentId: $deployment_id, limit: $limit, filter: $filter, startDate: $start_date, endDate: $end_date)]
    pub deployment_logs: Vec<Log>,
}

/// `buildLogs(deploymentId)`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "DeploymentLogsVariables")]
pub struct BuildLogsQuery {
    /// The lines.
    #[arguments(deploymentId: $deployment_id, limit: $limit, filter: $filter, startDate: $start_date, endDate: $end_date)]
    pub build_logs: Vec<Log>,
}

/// Variables of the environment log query and subscription.
#[derive(cynic::QueryVariables, Debug, Clone, Default)]
pub struct EnvironmentLogsVariables {
    /// The environment.
    pub environment_id: String,
    /// Railway's log filter syntax.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Centre of the window (RFC 3339).
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub anchor_date: Option<String>,
    /// Lines before this time.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub before_date: Option<String>,
    /// At most this many lines before the anchor.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub before_limit: Option<i32>,
    /// Lines after this time.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub after_date: Option<String>,
    /// At most this many lines after the anchor.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub after_limit: Option<i32>,
}

/// `environmentLogs(environmentId)`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "EnvironmentLogsVariables")]
pub struct EnvironmentLogsQuery {
    /// The lines.
    #[arguments(environmentId: $environment_id, filter: $filter, anchorDate: $anchor_date, beforeDate: $before_date, beforeLimit: $before_limit, afterDate: $after_date, afterLimit: $after_limit)]
    pub environment_logs: Vec<Log>,
}

/// Variables of the deployment and build log subscriptions.
#[derive(cynic::QueryVariables, Debug, Clone, Default)]
pub struct LogStreamVariables {
    /// The deployment.
    pub deployment_id: String,
    /// Railway's log filter syntax.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Lines of history sent first.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i32>,
}

/// `subscription { deploymentLogs }`: batches of new lines.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Subscription", variables = "LogStreamVariables")]
pub struct DeploymentLogsSubscription {
    /// One batch.
    #[arguments(deploymentId: $deployment_id, filter: $filter, limit: $limit)]
    pub deployment_logs: Vec<Log>,
}

/// `subscription { buildLogs }`: batches of new lines.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Subscription", variables = "LogStreamVariables")]
pub struct BuildLogsSubscription {
    /// One batch.
    #[arguments(deploymentId: $deployment_id, filter: $filter, limit: $limit)]
    pub build_logs: Vec<Log>,
}

/// `subscription { environmentLogs }`: batches of new lines.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Subscription", variables = "EnvironmentLogsVariables")]
pub struct EnvironmentLogsSubscription {
    /// One batch.
    #[arguments(environmentId: $environment_id, filter: $filter, anchorDate: $anchor_date, beforeDate: $before_date, beforeLimit: $before_limit, afterDate: $after_date, afterLimit: $after_limit)]
    pub environment_logs: Vec<Log>,
}
