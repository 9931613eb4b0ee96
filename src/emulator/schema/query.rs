//! The `Query` root.

use async_graphql::{Context, InputObject, Object};
use serde_json::Value;

use super::account::{
    EnvironmentPatch, ProjectToken, QueryEnvironmentPatchesConnection, QueryEnvironmentsConnection,
    QueryProjectsConnection, User,
};
use super::connection::{PageArgs, connection};
use super::deployment::{Deployment, Log, deployment_or_error};
use super::enums::{DeploymentStatus, ProjectsOrderBy};
use super::guard::*;
use super::instance::{AllDomains, ServiceInstance, instance_or_error};
use super::logwindow::{self, Source, Window};
use super::network::{CustomDomain, ServiceDomain, TcpProxy, VolumeInstance};
use super::project::{Environment, Project, Service, environment_items};
use super::scalars::{DateTime, EnvironmentVariables};
use crate::emulator::clock::parse_rfc3339;
use crate::emulator::deploy::status;
use crate::emulator::logfilter::Filter;
use crate::emulator::ops::{self, ApiError};
use crate::emulator::render::{
    deployment_variables, raw_variables, render_variables, sealed_names,
};
use crate::emulator::state::{DeploymentRec, PatchRec, State, derived_id};
use crate::emulator::views::{custom_domains, service_domains, tcp_proxies, volume_instances};

connection!(
    QueryDeploymentsConnection,
    QueryDeploymentsConnectionEdge,
    Deployment
);

/// Which statuses to keep (`DeploymentStatusInput`).
#[derive(InputObject)]
pub struct DeploymentStatusInput {
    #[graphql(name = "in")]
    pub in_: Option<Vec<DeploymentStatus>>,
    pub not_in: Option<Vec<DeploymentStatus>>,
}

/// Filters of `deployments` (`DeploymentListInput`).
#[derive(InputObject)]
pub struct DeploymentListInput {
    pub environment_id: Option<String>,
    pub include_deleted: Option<bool>,
    pub project_id: Option<String>,
    pub service_id: Option<String>,
    pub status: Option<DeploymentStatusInput>,
}

/// The `Query` root.
pub struct Query;

/// Checks access to a service and returns its project ID.
pub fn service_access(ctx: &Context<'_>, service_id: &str) -> GqlResult<String> {
    require_any(ctx)?;
    let project_id =
        core(ctx).read(|st| ops::service(st, service_id).map(|s| s.project_id.clone()));
    let project_id = gql(project_id)?;
    require_project(ctx, &project_id)?;
    Ok(project_id)
}

/// Checks access to an environment and returns its project ID.
pub fn environment_access(ctx: &Context<'_>, env_id: &str) -> GqlResult<String> {
    require_any(ctx)?;
    let project_id =
        gql(core(ctx).read(|st| ops::environment(st, env_id).map(|e| e.project_id.clone())))?;
    require_environment(ctx, &project_id, env_id)?;
    Ok(project_id)
}

/// Checks access to an environment named together with its project
/// (`variables`, `domains`): a mismatch is Railway's `Environment not found`.
fn project_environment_access(ctx: &Context<'_>, env_id: &str, project_id: &str) -> GqlResult<()> {
    if environment_access(ctx, env_id)? != project_id {
        return Err(api_error(ApiError::NotFound(
            "Environment not found".into(),
        )));
    }
    Ok(())
}

/// Reads a service instance's environment once the instance is known to
/// exist (`serviceId` optional: shared variables).
fn read_instance<T>(
    ctx: &Context<'_>,
    env_id: &str,
    service_id: Option<&str>,
    f: impl FnOnce(&State, &crate::emulator::state::EnvironmentRec) -> T,
) -> GqlResult<T> {
    core(ctx).read(|st| {
        if let Some(sid) = service_id {
            gql(ops::check_instance(st, env_id, sid))?;
        }
        let env = gql(ops::environment(st, env_id))?;
        Ok(f(st, env))
    })
}

/// A deployment's build or deploy log lines, filtered: the last `limit`
/// (500 by default, at most 5000) of those in `[startDate, endDate]`
/// written so far, oldest first.
fn deployment_logs_of(
    ctx: &Context<'_>,
    deployment_id: &str,
    build: bool,
    filter: &Option<String>,
    (start, end): (Option<DateTime>, Option<DateTime>),
    limit: Option<i32>,
) -> GqlResult<Vec<Log>> {
    let d = deployment_access(ctx, deployment_id)?;
    let filter = parse_filter(filter)?;
    let core = core(ctx);
    let source = Source::Deployment { id: d.id, build };
    let lines = core.read(|st| {
        let now = core.clock.now_ms();
        let rates = core.log_rate.segments();
        let hi = end.map_or(now, |e| e.0.min(now));
        let lo = start.map_or(i64::MIN, |s| s.0 - 1);
        source.last_n(st, &rates, &filter, lo, hi, logwindow::limit(limit))
    });
    Ok(lines.into_iter().map(|(_, l)| l).collect())
}

/// Checks access to a deployment and returns it.
pub fn deployment_access(ctx: &Context<'_>, id: &str) -> GqlResult<DeploymentRec> {
    require_any(ctx)?;
    let d = core(ctx).read(|st| deployment_or_error(st, id))?;
    require_environment(ctx, &d.project_id, &d.environment_id)?;
    Ok(d)
}

/// A log filter in Railway's syntax (`crate::emulator::logfilter`); one
/// that does not parse is refused with `BAD_USER_INPUT`.
pub fn parse_filter(filter: &Option<String>) -> GqlResult<Filter> {
    match filter {
        None => Ok(Filter::All),
        Some(f) => crate::emulator::logfilter::parse(f).map_err(|why| {
            api_error(ApiError::BadInput(format!(
                "the filter `{f}` is not valid: {why}"
            )))
        }),
    }
}

pub fn parse_date(s: &Option<String>) -> GqlResult<Option<i64>> {
    match s {
        None => Ok(None),
        Some(s) => parse_rfc3339(s).map(Some).ok_or_else(|| {
            api_error(ApiError::BadInput(format!(
                "`{s}` is not an RFC 3339 date-time"
            )))
        }),
    }
}

fn patch_rec(st: &State, env_id: &str) -> PatchRec {
    let env = st.environments.get(env_id);
    env.and_then(|e| e.staged.clone())
        .unwrap_or_else(|| PatchRec {
            id: derived_id(&["emptyStagedPatch", env_id]),
            environment_id: env_id.to_string(),
            patch: Value::Object(Default::default()),
            message: None,
            created_at: env.map(|e| e.updated_at).unwrap_or(0),
            updated_at: env.map(|e| e.updated_at).unwrap_or(0),
            applied_at: None,
        })
}

#[Object(name = "CoreQuery")]
impl Query {
    /// The local account (account tokens only: Railway refuses `me` to
    /// workspace and project tokens).
    async fn me(&self, ctx: &Context<'_>) -> GqlResult<User> {
        super::guard::require_user(ctx)?;
        Ok(User)
    }

    /// The workspaces the request's account or workspace token reaches
    /// (the local one); refused to project tokens.
    async fn api_token(&self, ctx: &Context<'_>) -> GqlResult<super::account::ApiTokenContext> {
        require_account(ctx)?;
        Ok(super::account::ApiTokenContext {
            workspaces: vec![super::account::ApiTokenWorkspace {
                id: super::account::LOCAL_WORKSPACE_ID.to_owned(),
                name: "Local".to_owned(),
            }],
        })
    }

    /// The project and environment a project token is scoped to.
    async fn project_token(&self, ctx: &Context<'_>) -> GqlResult<ProjectToken> {
        match caller(ctx) {
            Caller::Project {
                project_id,
                environment_id,
            } => {
                let rec = core(ctx).read(|st| {
                    st.project_tokens
                        .values()
                        .find(|t| {
                            &t.project_id == project_id && &t.environment_id == environment_id
                        })
                        .cloned()
                });
                rec.map(ProjectToken)
                    .ok_or_else(|| api_error(ApiError::NotFound("Project Token not found".into())))
            }
            Caller::Anonymous => Err(api_error(ApiError::NotAuthorized)),
            _ => Err(api_error(ApiError::NotFound(
                "Project Token not found".into(),
            ))),
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        include_deleted: Option<bool>,
        last: Option<i32>,
        order_by: Option<ProjectsOrderBy>,
        user_id: Option<String>,
        workspace_id: Option<String>,
    ) -> GqlResult<QueryProjectsConnection> {
        require_account(ctx)?;
        let _ = (include_deleted, user_id, workspace_id);
        let items = core(ctx).read(|st| {
            let mut ps: Vec<_> = st.projects.values().collect();
            match order_by {
                Some(ProjectsOrderBy::NameAsc) => ps.sort_by(|a, b| a.name.cmp(&b.name)),
                Some(ProjectsOrderBy::UpdatedAtDesc) => {
                    ps.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.seq.cmp(&a.seq)))
                }
                _ => ps.sort_by_key(|p| std::cmp::Reverse(p.seq)),
            }
            ps.into_iter()
                .map(|p| (p.id.clone(), Project(p.clone())))
                .collect()
        });
        QueryProjectsConnection::build(items, PageArgs::new(after, before, first, last))
    }

    async fn project(&self, ctx: &Context<'_>, id: String) -> GqlResult<Project> {
        require_any(ctx)?;
        let p = gql(core(ctx).read(|st| ops::project(st, &id).cloned()))?;
        require_project(ctx, &p.id)?;
        Ok(Project(p))
    }

    async fn environment(
        &self,
        ctx: &Context<'_>,
        id: String,
        project_id: Option<String>,
    ) -> GqlResult<Environment> {
        environment_access(ctx, &id)?;
        let env = gql(core(ctx).read(|st| ops::environment(st, &id).cloned()))?;
        if project_id.is_some_and(|p| p != env.project_id) {
            return Err(api_error(ApiError::NotFound(
                "Environment not found".into(),
            )));
        }
        Ok(Environment(env))
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
        project_id: String,
    ) -> GqlResult<QueryEnvironmentsConnection> {
        require_any(ctx)?;
        gql(core(ctx).read(|st| ops::project(st, &project_id).map(|_| ())))?;
        require_project(ctx, &project_id)?;
        let items = core(ctx).read(|st| environment_items(st, &project_id, is_ephemeral));
        QueryEnvironmentsConnection::build(items, PageArgs::new(after, before, first, last))
    }

    async fn service(&self, ctx: &Context<'_>, id: String) -> GqlResult<Service> {
        service_access(ctx, &id)?;
        Ok(Service(gql(
            core(ctx).read(|st| ops::service(st, &id).cloned())
        )?))
    }

    async fn service_instance(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        service_id: String,
    ) -> GqlResult<ServiceInstance> {
        environment_access(ctx, &environment_id)?;
        core(ctx).read(|st| instance_or_error(st, &environment_id, &service_id))
    }

    /// A service's variables (or, without `serviceId`, the shared ones):
    /// rendered unless `unrendered` is true.
    async fn variables(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        project_id: String,
        service_id: Option<String>,
        unrendered: Option<bool>,
    ) -> GqlResult<EnvironmentVariables> {
        project_environment_access(ctx, &environment_id, &project_id)?;
        let sid = service_id.as_deref();
        read_instance(ctx, &environment_id, sid, |st, env| {
            let raw = raw_variables(env, sid);
            let mut vars = if unrendered == Some(true) {
                raw
            } else {
                render_variables(st, env, sid, &raw)
            };
            // A sealed variable's value is never returned.
            for name in sealed_names(env, sid) {
                vars.shift_remove(&name);
            }
            EnvironmentVariables(Value::Object(vars))
        })
    }

    /// Everything a deployment of the service would get, rendered.
    async fn variables_for_service_deployment(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        project_id: String,
        service_id: String,
    ) -> GqlResult<EnvironmentVariables> {
        project_environment_access(ctx, &environment_id, &project_id)?;
        read_instance(ctx, &environment_id, Some(&service_id), |st, env| {
            let mut vars = deployment_variables(st, env, &service_id);
            // Given to the deployment itself, never to a query (the official
            // CLI reads sealed ones as absent).
            for name in sealed_names(env, Some(&service_id)) {
                vars.shift_remove(&name);
            }
            EnvironmentVariables(Value::Object(vars))
        })
    }

    /// Deployments, newest first.
    async fn deployments(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        input: DeploymentListInput,
        last: Option<i32>,
    ) -> GqlResult<QueryDeploymentsConnection> {
        require_any(ctx)?;
        if let Some(e) = &input.environment_id {
            environment_access(ctx, e)?;
        } else if let Some(s) = &input.service_id {
            service_access(ctx, s)?;
        } else if let Some(p) = &input.project_id {
            require_project(ctx, p)?;
        } else {
            require_account(ctx)?;
        }
        let core = core(ctx);
        let now = core.clock.now_ms();
        let items = core.read(|st| {
            let mut ds: Vec<_> = st
                .deployments
                .values()
                .filter(|d| input.project_id.as_ref().is_none_or(|p| &d.project_id == p))
                .filter(|d| {
                    input
                        .environment_id
                        .as_ref()
                        .is_none_or(|e| &d.environment_id == e)
                })
                .filter(|d| input.service_id.as_ref().is_none_or(|s| &d.service_id == s))
                .filter(|d| {
                    let s: DeploymentStatus = status(st, d, now).0.into();
                    match &input.status {
                        Some(f) => {
                            f.in_.as_ref().is_none_or(|v| v.contains(&s))
                                && f.not_in.as_ref().is_none_or(|v| !v.contains(&s))
                        }
                        None => true,
                    }
                })
                .collect();
            ds.sort_by_key(|d| std::cmp::Reverse(d.seq));
            ds.into_iter()
                .map(|d| (d.id.clone(), Deployment(d.clone())))
                .collect()
        });
        QueryDeploymentsConnection::build(items, PageArgs::new(after, before, first, last))
    }

    async fn deployment(&self, ctx: &Context<'_>, id: String) -> GqlResult<Deployment> {
        Ok(Deployment(deployment_access(ctx, &id)?))
    }

    async fn domains(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        project_id: String,
        service_id: String,
    ) -> GqlResult<AllDomains> {
        project_environment_access(ctx, &environment_id, &project_id)?;
        read_instance(ctx, &environment_id, Some(&service_id), |_, env| {
            let custom = custom_domains(env, &service_id);
            let service = service_domains(env, &service_id);
            AllDomains {
                custom_domains: custom.into_iter().map(CustomDomain).collect(),
                service_domains: service.into_iter().map(ServiceDomain).collect(),
            }
        })
    }

    async fn tcp_proxies(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        service_id: String,
    ) -> GqlResult<Vec<TcpProxy>> {
        environment_access(ctx, &environment_id)?;
        read_instance(ctx, &environment_id, Some(&service_id), |_, env| {
            tcp_proxies(env, &service_id)
                .into_iter()
                .map(TcpProxy)
                .collect()
        })
    }

    async fn volume_instance(&self, ctx: &Context<'_>, id: String) -> GqlResult<VolumeInstance> {
        require_any(ctx)?;
        let find = |st: &State| {
            st.environments
                .values()
                .flat_map(|e| volume_instances(st, e))
                .find(|v| v.id == id)
        };
        let row = lookup(ctx, "VolumeInstance", find, VolumeInstance)?;
        environment_access(ctx, &row.0.environment_id)?;
        Ok(row)
    }

    /// Deploy (runtime) logs of a deployment written so far.
    async fn deployment_logs(
        &self,
        ctx: &Context<'_>,
        deployment_id: String,
        end_date: Option<DateTime>,
        filter: Option<String>,
        limit: Option<i32>,
        start_date: Option<DateTime>,
    ) -> GqlResult<Vec<Log>> {
        let dates = (start_date, end_date);
        deployment_logs_of(ctx, &deployment_id, false, &filter, dates, limit)
    }

    /// Build logs of a deployment written so far.
    async fn build_logs(
        &self,
        ctx: &Context<'_>,
        deployment_id: String,
        end_date: Option<DateTime>,
        filter: Option<String>,
        limit: Option<i32>,
        start_date: Option<DateTime>,
    ) -> GqlResult<Vec<Log>> {
        let dates = (start_date, end_date);
        deployment_logs_of(ctx, &deployment_id, true, &filter, dates, limit)
    }

    /// Logs of every deployment in an environment.
    #[allow(clippy::too_many_arguments)]
    async fn environment_logs(
        &self,
        ctx: &Context<'_>,
        after_date: Option<String>,
        after_limit: Option<i32>,
        anchor_date: Option<String>,
        before_date: Option<String>,
        before_limit: Option<i32>,
        environment_id: String,
        filter: Option<String>,
    ) -> GqlResult<Vec<Log>> {
        environment_access(ctx, &environment_id)?;
        let filter = parse_filter(&filter)?;
        let (after, before, anchor) = (
            parse_date(&after_date)?,
            parse_date(&before_date)?,
            parse_date(&anchor_date)?,
        );
        let window = Window {
            after,
            before,
            anchor,
            after_limit,
            before_limit,
        };
        let core = core(ctx);
        let source = Source::Environment { id: environment_id };
        let lines = core.read(|st| {
            let now = core.clock.now_ms();
            let rates = core.log_rate.segments();
            source.window(st, &rates, &filter, &window, now)
        });
        Ok(lines.into_iter().map(|(_, l)| l).collect())
    }

    /// The staged patch (an empty `STAGED` patch when nothing is staged).
    async fn environment_staged_changes(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
    ) -> GqlResult<EnvironmentPatch> {
        environment_access(ctx, &environment_id)?;
        Ok(EnvironmentPatch {
            rec: core(ctx).read(|st| patch_rec(st, &environment_id)),
            committed: false,
        })
    }

    async fn environment_patch(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> GqlResult<EnvironmentPatch> {
        require_any(ctx)?;
        let found = core(ctx).read(|st| {
            st.patches.get(&id).cloned().map(|p| (p, true)).or_else(|| {
                st.environments
                    .values()
                    .filter_map(|e| e.staged.clone())
                    .find(|p| p.id == id)
                    .map(|p| (p, false))
            })
        });
        let (rec, committed) = found
            .ok_or_else(|| api_error(ApiError::NotFound("EnvironmentPatch not found".into())))?;
        environment_access(ctx, &rec.environment_id)?;
        Ok(EnvironmentPatch { rec, committed })
    }

    /// Committed patches of an environment, newest first.
    async fn environment_patches(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        environment_id: String,
        first: Option<i32>,
        last: Option<i32>,
    ) -> GqlResult<QueryEnvironmentPatchesConnection> {
        environment_access(ctx, &environment_id)?;
        let items = core(ctx).read(|st| {
            let mut ps: Vec<_> = st
                .patches
                .values()
                .filter(|p| p.environment_id == environment_id)
                .collect();
            ps.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
            ps.into_iter()
                .map(|p| {
                    (
                        p.id.clone(),
                        EnvironmentPatch {
                            rec: p.clone(),
                            committed: true,
                        },
                    )
                })
                .collect()
        });
        QueryEnvironmentPatchesConnection::build(items, PageArgs::new(after, before, first, last))
    }
}
