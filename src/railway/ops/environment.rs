//! Environments: read (with their config), list, create, delete, rename, and
//! the config-patch writes (commit, stage, commit staged).

use super::common::{EnvironmentRef, IdVariablesFields, PageInfo};
use crate::railway::schema::{DateTime, EnvironmentConfig, schema};

/// `environment(id)` with its decrypted config and etag.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "IdVariables")]
pub struct EnvironmentQuery {
    /// The environment.
    #[arguments(id: $id)]
    pub environment: EnvironmentWithConfig,
}

/// An environment with its whole config (`config(decryptVariables: true)`).
///
/// The config holds secret values; its `Debug` prints the shape only.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Environment")]
pub struct EnvironmentWithConfig {
    /// Railway's id.
    pub id: cynic::Id,
    /// Name, unique within the project.
    pub name: String,
    /// Owning project.
    pub project_id: String,
    /// True for PR and other ephemeral environments.
    pub is_ephemeral: bool,
    /// Changes staged in the dashboard and not yet committed.
    pub unmerged_changes_count: Option<i32>,
    /// Version of `config`, for optimistic concurrency.
    pub config_etag: String,
    /// The whole config, variable values decrypted.
    #[arguments(decryptVariables: true)]
    pub config: EnvironmentConfig,
}

/// Variables of [`EnvironmentsQuery`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct EnvironmentsVariables {
    /// The project.
    pub project_id: String,
    /// Page size.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub first: Option<i32>,
    /// Cursor to continue from.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// `environments(projectId)`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "EnvironmentsVariables")]
pub struct EnvironmentsQuery {
    /// The page.
    #[arguments(projectId: $project_id, first: $first, after: $after)]
    pub environments: EnvironmentsConnection,
}

/// A page of environments.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "QueryEnvironmentsConnection")]
pub struct EnvironmentsConnection {
    /// The rows.
    pub edges: Vec<EnvironmentEdge>,
    /// Whether more pages follow.
    pub page_info: PageInfo,
}

/// One row of [`EnvironmentsConnection`].
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "QueryEnvironmentsConnectionEdge")]
pub struct EnvironmentEdge {
    /// The environment.
    pub node: Environment,
}

/// An environment's own fields.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct Environment {
    /// Railway's id.
    pub id: cynic::Id,
    /// Name, unique within the project.
    pub name: String,
    /// Owning project.
    pub project_id: String,
    /// True for PR and other ephemeral environments.
    pub is_ephemeral: bool,
    /// Changes staged and not yet committed.
    pub unmerged_changes_count: Option<i32>,
    /// Creation time.
    pub created_at: DateTime,
}

/// Input of `environmentCreate`.
#[derive(cynic::InputObject, Debug, Clone, Default)]
pub struct EnvironmentCreateInput {
    /// The project.
    pub project_id: String,
    /// Name of the new environment.
    pub name: String,
    /// Clone services, volumes, config and variables of this environment.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub source_environment_id: Option<String>,
    /// Make it ephemeral.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<bool>,
    /// Stage the initial changes instead of committing them.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub stage_initial_changes: Option<bool>,
    /// Do not deploy the cloned services.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub skip_initial_deploys: Option<bool>,
    /// Return before the cloned changes are applied.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub apply_changes_in_background: Option<bool>,
}

/// Variables of [`EnvironmentCreate`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct EnvironmentCreateVariables {
    /// The new environment.
    pub input: EnvironmentCreateInput,
}

/// `environmentCreate`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "EnvironmentCreateVariables")]
pub struct EnvironmentCreate {
    /// The created environment.
    #[arguments(input: $input)]
    pub environment_create: EnvironmentRef,
}

/// `environmentDelete`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "IdVariables")]
pub struct EnvironmentDelete {
    /// Always true on success.
    #[arguments(id: $id)]
    pub environment_delete: bool,
}

/// Input of `environmentRename`.
#[derive(cynic::InputObject, Debug, Clone)]
pub struct EnvironmentRenameInput {
    /// The new name.
    pub name: String,
}

/// Variables of [`EnvironmentRename`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct EnvironmentRenameVariables {
    /// The environment.
    pub id: String,
    /// The new name.
    pub input: EnvironmentRenameInput,
}

/// `environmentRename`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "EnvironmentRenameVariables")]
pub struct EnvironmentRename {
    /// The renamed environment.
    #[arguments(id: $id, input: $input)]
    pub environment_rename: EnvironmentRef,
}

/// Variables of [`EnvironmentPatchCommit`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct EnvironmentPatchCommitVariables {
    /// The environment.
    pub environment_id: String,
    /// The patch: a partial config, `null` map entries delete.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub patch: Option<EnvironmentConfig>,
    /// Shown in Railway's history.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub commit_message: Option<String>,
}

/// `environmentPatchCommit`: apply a config patch at once.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(
    graphql_type = "Mutation",
    variables = "EnvironmentPatchCommitVariables"
)]
pub struct EnvironmentPatchCommit {
    /// Id of the applied patch.
    #[arguments(environmentId: $environment_id, patch: $patch, commitMessage: $commit_message)]
    pub environment_patch_commit: String,
}

/// Variables of [`EnvironmentStageChanges`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct EnvironmentStageChangesVariables {
    /// The environment.
    pub environment_id: String,
    /// The changes to stage.
    pub input: EnvironmentConfig,
    /// Merge into the patch already staged instead of replacing it.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub merge: Option<bool>,
}

/// `environmentStageChanges`: stage a patch without applying it.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(
    graphql_type = "Mutation",
    variables = "EnvironmentStageChangesVariables"
)]
pub struct EnvironmentStageChanges {
    /// The staged patch.
    #[arguments(environmentId: $environment_id, input: $input, merge: $merge)]
    pub environment_stage_changes: EnvironmentPatch,
}

/// A staged or applied config patch.
#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct EnvironmentPatch {
    /// Railway's id.
    pub id: cynic::Id,
    /// The environment it belongs to.
    pub environment_id: String,
    /// Staged, applying or committed.
    pub status: EnvironmentPatchStatus,
    /// The commit message, if any.
    pub message: Option<String>,
    /// Why the last apply failed, if it did.
    pub last_applied_error: Option<String>,
}

/// Lifecycle of an [`EnvironmentPatch`].
#[derive(cynic::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvironmentPatchStatus {
    /// Being applied.
    Applying,
    /// Applied.
    Committed,
    /// Waiting for a commit.
    Staged,
}

/// Variables of [`EnvironmentPatchCommitStaged`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct EnvironmentPatchCommitStagedVariables {
    /// The environment.
    pub environment_id: String,
    /// Shown in Railway's history.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub commit_message: Option<String>,
    /// Apply without redeploying.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub skip_deploys: Option<bool>,
}

/// `environmentPatchCommitStaged`: apply what is staged.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(
    graphql_type = "Mutation",
    variables = "EnvironmentPatchCommitStagedVariables"
)]
pub struct EnvironmentPatchCommitStaged {
    /// Id of the applied patch.
    #[arguments(environmentId: $environment_id, commitMessage: $commit_message, skipDeploys: $skip_deploys)]
    pub environment_patch_commit_staged: String,
}

/// Variables of [`EnvironmentStagedChangesQuery`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct EnvironmentIdVariables {
    /// The environment.
    pub environment_id: String,
}

/// `environmentStagedChanges(environmentId)`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "EnvironmentIdVariables")]
pub struct EnvironmentStagedChangesQuery {
    /// The staged patch.
    #[arguments(environmentId: $environment_id)]
    pub environment_staged_changes: EnvironmentPatch,
}
