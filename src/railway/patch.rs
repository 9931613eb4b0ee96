//! Writing an environment config patch the way the CLI does: stage (merged
//! into what is already staged) when the environment has unmerged changes,
//! so changes a person staged in the dashboard are not trampled; commit
//! directly otherwise.

use cynic::MutationBuilder;

use super::client::Client;
use super::error::RailwayError;
use super::ops::environment::{
    EnvironmentPatchCommit, EnvironmentPatchCommitVariables, EnvironmentStageChanges,
    EnvironmentStageChangesVariables,
};
use super::schema::EnvironmentConfig;

/// What happened to a patch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatchWrite {
    /// Applied at once; the id of the applied patch.
    Committed(String),
    /// Merged into the environment's staged changes; the staged patch's id.
    Staged(String),
}

impl Client {
    /// Writes `patch` (a partial `EnvironmentConfig`, `null` entries delete)
    /// to an environment: `environmentStageChanges(merge: true)` when
    /// `unmerged_changes_count > 0`, `environmentPatchCommit` otherwise.
    pub async fn write_config_patch(
        &self,
        environment_id: &str,
        unmerged_changes_count: i32,
        patch: serde_json::Value,
        commit_message: Option<String>,
    ) -> Result<PatchWrite, RailwayError> {
        if unmerged_changes_count > 0 {
            let staged = self
                .mutate(EnvironmentStageChanges::build(
                    EnvironmentStageChangesVariables {
                        environment_id: environment_id.to_owned(),
                        input: EnvironmentConfig(patch),
                        merge: Some(true),
                    },
                ))
                .await?;
            return Ok(PatchWrite::Staged(
                staged.environment_stage_changes.id.into_inner(),
            ));
        }
        let committed = self
            .mutate(EnvironmentPatchCommit::build(
                EnvironmentPatchCommitVariables {
                    environment_id: environment_id.to_owned(),
                    patch: Some(EnvironmentConfig(patch)),
                    commit_message,
                },
            ))
            .await?;
        Ok(PatchWrite::Committed(committed.environment_patch_commit))
    }
}
