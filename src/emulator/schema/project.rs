//! `Project`, `Environment` and `Service`.

use async_graphql::{Context, ID, Object, SimpleObject};
use serde_json::Value;

use super::connection::{PageArgs, connection};
use super::deployment::Deployment;
use super::enums::SortOrder;
use super::guard::{GqlResult, core, lookup};
use super::instance::ServiceInstance;
use super::network::{Volume, VolumeInstance};
use super::scalars::{DateTime, EnvironmentConfig};
use crate::emulator::patch::{count_changes, has_sealed, hide_sealed, mask_variables};
use crate::emulator::state::{EnvironmentRec, ProjectRec, ServiceRec, State};
use crate::emulator::views::volume_instances;

connection!(
    ProjectEnvironmentsConnection,
    ProjectEnvironmentsConnectionEdge,
    Environment
);
connection!(
    ProjectServicesConnection,
    ProjectServicesConnectionEdge,
    Service
);
connection!(
    ProjectVolumesConnection,
    ProjectVolumesConnectionEdge,
    Volume
);
connection!(
    EnvironmentServiceInstancesConnection,
    EnvironmentServiceInstancesConnectionEdge,
    ServiceInstance
);
connection!(
    EnvironmentVolumeInstancesConnection,
    EnvironmentVolumeInstancesConnectionEdge,
    VolumeInstance
);
connection!(
    EnvironmentDeploymentsConnection,
    EnvironmentDeploymentsConnectionEdge,
    Deployment
);
connection!(
    ServiceServiceInstancesConnection,
    ServiceServiceInstancesConnectionEdge,
    ServiceInstance
);

/// The project with this ID, or Railway's `Project not found`.
pub fn load_project(ctx: &Context<'_>, id: &str) -> GqlResult<Project> {
    lookup(ctx, "Project", |st| st.projects.get(id).cloned(), Project)
}

/// The environment with this ID, or Railway's `Environment not found`.
pub fn load_environment(ctx: &Context<'_>, id: &str) -> GqlResult<Environment> {
    let find = |st: &State| st.environments.get(id).cloned();
    lookup(ctx, "Environment", find, Environment)
}

/// A project's environments as connection items, optionally only the
/// ephemeral (or only the lasting) ones.
pub fn environment_items(
    st: &State,
    project_id: &str,
    is_ephemeral: Option<bool>,
) -> Vec<(String, Environment)> {
    st.project_environments(project_id)
        .into_iter()
        .filter(|e| is_ephemeral.is_none_or(|want| e.is_ephemeral == want))
        .map(|e| (e.id.clone(), Environment(e.clone())))
        .collect()
}

/// A Railway project.
pub struct Project(pub ProjectRec);

#[Object]
impl Project {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn workspace_id(&self) -> Option<&str> {
        self.0.workspace_id.as_deref()
    }
    /// The local workspace, which holds every project.
    async fn workspace(&self) -> Option<super::account::Workspace> {
        Some(super::account::Workspace)
    }
    async fn buckets(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> GqlResult<super::extra_types::ProjectBucketsConnection> {
        let items = core(ctx).read(|st| {
            let mut v: Vec<_> = st
                .extras
                .buckets
                .values()
                .filter(|b| b.project_id == self.0.id)
                .collect();
            v.sort_by_key(|b| b.seq);
            v.into_iter()
                .map(|b| (b.id.clone(), super::extra_types::Bucket::from(b)))
                .collect()
        });
        super::extra_types::ProjectBucketsConnection::build(
            items,
            PageArgs::new(after, before, first, last),
        )
    }
    async fn is_public(&self) -> bool {
        self.0.is_public
    }
    async fn is_temp_project(&self) -> bool {
        false
    }
    async fn pr_deploys(&self) -> bool {
        self.0.pr_deploys
    }
    async fn bot_pr_environments(&self) -> bool {
        false
    }
    async fn focused_pr_environments(&self) -> bool {
        false
    }
    async fn base_environment_id(&self) -> Option<&str> {
        self.0.base_environment_id.as_deref()
    }
    async fn primary_environment_id(&self) -> Option<&str> {
        self.0.base_environment_id.as_deref()
    }
    async fn base_environment(&self, ctx: &Context<'_>) -> Option<Environment> {
        load_environment(ctx, self.0.base_environment_id.as_deref()?).ok()
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
    async fn deleted_at(&self) -> Option<DateTime> {
        self.0.deleted_at.map(DateTime)
    }
    async fn expired_at(&self) -> Option<DateTime> {
        None
    }
    #[allow(clippy::too_many_arguments)]
    async fn environments(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        is_ephemeral: Option<bool>,
        last: Option<i32>,
        sort: Option<SortOrder>,
    ) -> GqlResult<ProjectEnvironmentsConnection> {
        let mut envs = core(ctx).read(|st| environment_items(st, &self.0.id, is_ephemeral));
        if sort == Some(SortOrder::Desc) {
            envs.reverse();
        }
        ProjectEnvironmentsConnection::build(envs, PageArgs::new(after, before, first, last))
    }
    async fn services(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> GqlResult<ProjectServicesConnection> {
        let items = core(ctx).read(|st| {
            st.project_services(&self.0.id)
                .into_iter()
                .map(|s| (s.id.clone(), Service(s.clone())))
                .collect()
        });
        ProjectServicesConnection::build(items, PageArgs::new(after, before, first, last))
    }
    async fn volumes(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> GqlResult<ProjectVolumesConnection> {
        let items = core(ctx).read(|st| {
            st.project_volumes(&self.0.id)
                .into_iter()
                .map(|v| (v.id.clone(), Volume(v.clone())))
                .collect()
        });
        ProjectVolumesConnection::build(items, PageArgs::new(after, before, first, last))
    }
}

/// Pull-request details of an environment (`EnvironmentMeta`).
#[derive(SimpleObject, Default)]
pub struct EnvironmentMeta {
    pub base_branch: Option<String>,
    pub branch: Option<String>,
    #[graphql(name = "latestSuccessfulGitHubDeploymentId")]
    pub latest_successful_github_deployment_id: Option<i32>,
    pub pr_comment_id: Option<i32>,
    pub pr_number: Option<i32>,
    pub pr_repo: Option<String>,
    pub pr_title: Option<String>,
}

/// An environment of a project.
pub struct Environment(pub EnvironmentRec);

/// Whether the caller may read environment `environment_id`: a project
/// token only its own environment, an account token every one.
pub fn can_access(ctx: &Context<'_>, environment_id: &str) -> bool {
    match super::guard::caller(ctx) {
        super::guard::Caller::Project {
            environment_id: own,
            ..
        } => own == environment_id,
        _ => true,
    }
}

impl Environment {
    /// The environment's contents (config, instances, deployments) answer
    /// `Not Authorized` where `canAccess` is false; its name and identity
    /// stay readable, as the CLI's `Project` document needs them.
    fn readable(&self, ctx: &Context<'_>) -> GqlResult<()> {
        if can_access(ctx, &self.0.id) {
            Ok(())
        } else {
            Err(super::guard::api_error(
                crate::emulator::ops::ApiError::NotAuthorized,
            ))
        }
    }
}

#[Object]
impl Environment {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn project_id(&self) -> &str {
        &self.0.project_id
    }
    async fn is_ephemeral(&self) -> bool {
        self.0.is_ephemeral
    }
    /// False for a project token scoped to another environment, whose
    /// reads of this one answer `Not Authorized`.
    async fn can_access(&self, ctx: &Context<'_>) -> bool {
        can_access(ctx, &self.0.id)
    }
    /// Canvas groups of the environment's volumes: the emulator has no
    /// canvas, so none.
    async fn canvas_group_refs(&self) -> super::scalars::Json {
        super::scalars::Json(serde_json::json!({}))
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
    async fn deleted_at(&self) -> Option<DateTime> {
        None
    }
    async fn meta(&self) -> Option<EnvironmentMeta> {
        None
    }
    async fn source_environment(&self, ctx: &Context<'_>) -> Option<Environment> {
        load_environment(ctx, self.0.source_environment_id.as_deref()?).ok()
    }
    /// The number of changes staged and not yet committed.
    async fn unmerged_changes_count(&self) -> Option<i32> {
        Some(
            self.0
                .staged
                .as_ref()
                .map(|p| count_changes(&p.patch))
                .unwrap_or(0),
        )
    }
    /// The environment's whole config; variable values are masked unless
    /// `decryptVariables` is true.
    async fn config(
        &self,
        ctx: &Context<'_>,
        decrypt_variables: Option<bool>,
    ) -> GqlResult<EnvironmentConfig> {
        self.readable(ctx)?;
        // A sealed variable's value is never returned.
        Ok(
            if decrypt_variables == Some(true) && !has_sealed(&self.0.config) {
                EnvironmentConfig(self.0.config.shared())
            } else if decrypt_variables == Some(true) {
                EnvironmentConfig::new(hide_sealed(&self.0.config))
            } else {
                EnvironmentConfig::new(hide_sealed(&mask_variables(&self.0.config)))
            },
        )
    }
    async fn config_etag(&self, ctx: &Context<'_>) -> GqlResult<&str> {
        self.readable(ctx)?;
        Ok(self.0.config.etag())
    }
    async fn service_instances(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> GqlResult<EnvironmentServiceInstancesConnection> {
        self.readable(ctx)?;
        let items = core(ctx).read(|st| {
            st.environment_service_ids(&self.0)
                .into_iter()
                .filter_map(|sid| ServiceInstance::from_state(st, &self.0, &sid))
                .map(|i| (i.id(), i))
                .collect()
        });
        EnvironmentServiceInstancesConnection::build(
            items,
            PageArgs::new(after, before, first, last),
        )
    }
    async fn volume_instances(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> GqlResult<EnvironmentVolumeInstancesConnection> {
        self.readable(ctx)?;
        let items = core(ctx).read(|st| {
            volume_instances(st, &self.0)
                .into_iter()
                .map(|v| (v.id.clone(), VolumeInstance(v)))
                .collect()
        });
        EnvironmentVolumeInstancesConnection::build(
            items,
            PageArgs::new(after, before, first, last),
        )
    }
    async fn deployments(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> GqlResult<EnvironmentDeploymentsConnection> {
        self.readable(ctx)?;
        let items = core(ctx).read(|st| {
            let mut ds: Vec<_> = st
                .deployments
                .values()
                .filter(|d| d.environment_id == self.0.id)
                .collect();
            ds.sort_by_key(|d| std::cmp::Reverse(d.seq));
            ds.into_iter()
                .map(|d| (d.id.clone(), Deployment(d.clone())))
                .collect()
        });
        EnvironmentDeploymentsConnection::build(items, PageArgs::new(after, before, first, last))
    }
}

/// A service of a project.
pub struct Service(pub ServiceRec);

#[Object]
impl Service {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn icon(&self) -> Option<&str> {
        self.0.icon.as_deref()
    }
    async fn project_id(&self) -> &str {
        &self.0.project_id
    }
    async fn project(&self, ctx: &Context<'_>) -> GqlResult<Project> {
        load_project(ctx, &self.0.project_id)
    }
    async fn template_id(&self) -> Option<&str> {
        self.0.template_id.as_deref()
    }
    async fn template_service_id(&self) -> Option<&str> {
        self.0.template_service_id.as_deref()
    }
    async fn group_id(&self) -> Option<&str> {
        None
    }
    async fn is_restricted(&self) -> bool {
        false
    }
    async fn has_hidden_registry_credentials_from_template(&self) -> bool {
        false
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
    async fn deleted_at(&self) -> Option<DateTime> {
        None
    }
    async fn service_instances(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> GqlResult<ServiceServiceInstancesConnection> {
        let items = core(ctx).read(|st| {
            st.project_environments(&self.0.project_id)
                .into_iter()
                // A project token sees its own environment's instance only.
                .filter(|e| can_access(ctx, &e.id))
                .filter_map(|e| ServiceInstance::from_state(st, e, &self.0.id))
                .map(|i| (i.id(), i))
                .collect()
        });
        ServiceServiceInstancesConnection::build(items, PageArgs::new(after, before, first, last))
    }
}

/// Reads a JSON value at a path.
pub fn json_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = value;
    for p in path {
        cur = cur.get(*p)?;
    }
    Some(cur)
}
