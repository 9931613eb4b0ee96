//! The local account (`User`, `Workspace`), project tokens and patches.

use async_graphql::{Context, ID, Object, SimpleObject};

use super::connection::{PageArgs, connection};
use super::enums::EnvironmentPatchStatus;
use super::guard::{GqlResult, core};
use super::project::{Environment, Project, load_environment, load_project};
use super::scalars::{DateTime, EnvironmentConfig};
use crate::emulator::patch::{hide_sealed, mask_variables};
use crate::emulator::state::{PatchRec, ProjectTokenRec};

/// The ID of the one local user every account token maps to.
pub const LOCAL_USER_ID: &str = "00000000-0000-4000-8000-000000000001";
/// The ID of the local user's workspace.
pub const LOCAL_WORKSPACE_ID: &str = "00000000-0000-4000-8000-000000000002";

connection!(
    WorkspaceProjectsConnection,
    WorkspaceProjectsConnectionEdge,
    Project
);
connection!(
    QueryProjectsConnection,
    QueryProjectsConnectionEdge,
    Project
);
connection!(
    QueryEnvironmentsConnection,
    QueryEnvironmentsConnectionEdge,
    Environment
);
connection!(
    QueryEnvironmentPatchesConnection,
    QueryEnvironmentPatchesConnectionEdge,
    EnvironmentPatch
);

/// What an API token reaches (`apiToken`).
#[derive(SimpleObject)]
pub struct ApiTokenContext {
    /// The workspaces it can act on.
    pub workspaces: Vec<ApiTokenWorkspace>,
}

/// A workspace an API token reaches.
#[derive(SimpleObject)]
pub struct ApiTokenWorkspace {
    pub id: String,
    pub name: String,
}

/// The API budget left (`ApiTokenRateLimit`).
#[derive(SimpleObject)]
pub struct ApiTokenRateLimit {
    pub remaining_points: i32,
    pub resets_at: String,
}

/// The local account.
pub struct User;

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(LOCAL_USER_ID.into())
    }
    async fn name(&self) -> Option<&str> {
        Some("Local Emulator User")
    }
    async fn email(&self) -> &str {
        "local@emulator.invalid"
    }
    async fn username(&self) -> Option<&str> {
        Some("local")
    }
    async fn avatar(&self) -> Option<&str> {
        None
    }
    #[graphql(name = "has2FA")]
    async fn has_2fa(&self) -> bool {
        false
    }
    async fn is_admin(&self) -> bool {
        false
    }
    async fn is_verified(&self) -> bool {
        true
    }
    async fn created_at(&self) -> DateTime {
        DateTime(0)
    }
    async fn workspaces(&self) -> Vec<Workspace> {
        vec![Workspace]
    }
    /// Feature flags of the account: none.
    async fn feature_flags(&self) -> Vec<super::extra_types::ActiveFeatureFlag> {
        vec![]
    }
    /// The rate-limit budget of this emulator (requests left in the window).
    async fn api_token_rate_limit(&self, ctx: &Context<'_>) -> Option<ApiTokenRateLimit> {
        core(ctx)
            .knobs
            .budget()
            .map(|(remaining, reset_ms)| ApiTokenRateLimit {
                remaining_points: remaining.min(i32::MAX as u64) as i32,
                resets_at: crate::emulator::clock::rfc3339(reset_ms),
            })
    }
}

/// The local workspace; it holds every project.
pub struct Workspace;

#[Object]
impl Workspace {
    async fn id(&self) -> ID {
        ID(LOCAL_WORKSPACE_ID.into())
    }
    async fn name(&self) -> &str {
        "Local"
    }
    /// The workspace's team (the local workspace is its own team).
    async fn team(&self) -> Option<super::extra_types::Team> {
        Some(super::extra_types::Team {
            id: ID(LOCAL_WORKSPACE_ID.into()),
        })
    }
    async fn created_at(&self) -> DateTime {
        DateTime(0)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(0)
    }
    async fn project_count(&self, ctx: &Context<'_>, include_deleted: Option<bool>) -> i32 {
        let all = include_deleted == Some(true);
        core(ctx).read(|st| {
            st.projects
                .values()
                .filter(|p| all || p.deleted_at.is_none())
                .count() as i32
        })
    }
    async fn projects(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> GqlResult<WorkspaceProjectsConnection> {
        let items = core(ctx).read(|st| {
            let mut ps: Vec<_> = st.projects.values().collect();
            ps.sort_by_key(|p| p.seq);
            ps.into_iter()
                .map(|p| (p.id.clone(), Project(p.clone())))
                .collect()
        });
        WorkspaceProjectsConnection::build(items, PageArgs::new(after, before, first, last))
    }
}

/// A project token's scope.
pub struct ProjectToken(pub ProjectTokenRec);

#[Object]
impl ProjectToken {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The token with all but its first characters hidden.
    async fn display_token(&self) -> String {
        "********".to_string()
    }
    async fn project_id(&self) -> &str {
        &self.0.project_id
    }
    async fn environment_id(&self) -> &str {
        &self.0.environment_id
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn project(&self, ctx: &Context<'_>) -> GqlResult<Project> {
        load_project(ctx, &self.0.project_id)
    }
    async fn environment(&self, ctx: &Context<'_>) -> GqlResult<Environment> {
        load_environment(ctx, &self.0.environment_id)
    }
}

/// A staged or committed environment patch.
pub struct EnvironmentPatch {
    /// The patch.
    pub rec: PatchRec,
    /// Whether it is committed.
    pub committed: bool,
}

#[Object]
impl EnvironmentPatch {
    async fn id(&self) -> ID {
        ID(self.rec.id.clone())
    }
    async fn environment_id(&self) -> &str {
        &self.rec.environment_id
    }
    async fn patch(&self, decrypt_variables: Option<bool>) -> EnvironmentConfig {
        if decrypt_variables == Some(true) {
            EnvironmentConfig::new(hide_sealed(&self.rec.patch))
        } else {
            EnvironmentConfig::new(hide_sealed(&mask_variables(&self.rec.patch)))
        }
    }
    async fn status(&self) -> EnvironmentPatchStatus {
        if self.committed {
            EnvironmentPatchStatus::Committed
        } else {
            EnvironmentPatchStatus::Staged
        }
    }
    async fn message(&self) -> Option<&str> {
        self.rec.message.as_deref()
    }
    async fn last_applied_error(&self) -> Option<&str> {
        None
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.rec.created_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.rec.updated_at)
    }
    async fn applied_at(&self) -> Option<DateTime> {
        self.rec.applied_at.map(DateTime)
    }
    async fn environment(&self, ctx: &Context<'_>) -> GqlResult<Environment> {
        load_environment(ctx, &self.rec.environment_id)
    }
}
