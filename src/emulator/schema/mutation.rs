//! The `Mutation` root: argument checks and access, then `ops`.

use async_graphql::{Context, MaybeUndefined, Object};
use serde_json::{Map, Value};

use super::account::EnvironmentPatch;
use super::guard::*;
use super::inputs::*;
use super::network::{CustomDomain, ServiceDomain, TcpProxy, Volume};
use super::project::{Environment, Project, Service};
use super::query::{environment_access, service_access};
use super::scalars::EnvironmentConfig;
use crate::emulator::ops::{self, ApiError, NewEnvironment, NewProject, NewService};
use crate::emulator::resources;
use crate::emulator::views;

/// The `Mutation` root.
pub struct Mutation;

fn gql<T>(r: ops::ApiResult<T>) -> GqlResult<T> {
    r.map_err(api_error)
}

fn variables_map(v: &Value) -> GqlResult<Map<String, Value>> {
    match v {
        Value::Object(m) => Ok(m.clone()),
        _ => Err(api_error(ApiError::BadInput(
            "`variables` must be an object of name to value".into(),
        ))),
    }
}

/// Checks that a service and an environment exist, belong together and may
/// be touched by the caller.
fn instance_access(ctx: &Context<'_>, env_id: &str, service_id: &str) -> GqlResult<()> {
    let project_id = environment_access(ctx, env_id)?;
    let service_project = service_access(ctx, service_id)?;
    if project_id != service_project {
        return Err(api_error(ApiError::NotFound("Service not found".into())));
    }
    Ok(())
}

fn deploy_instance(
    ctx: &Context<'_>,
    commit_sha: Option<String>,
    environment_id: &str,
    service_id: &str,
) -> GqlResult<String> {
    instance_access(ctx, environment_id, service_id)?;
    if let Some(sha) = &commit_sha
        && (!(7..=40).contains(&sha.len()) || !sha.chars().all(|c| c.is_ascii_hexdigit()))
    {
        return Err(api_error(ApiError::NotFound("Commit not found".into())));
    }
    gql(core(ctx).write(|st, t| ops::deploy(st, t, environment_id, service_id, commit_sha)))
}

#[Object]
impl Mutation {
    async fn project_create(
        &self,
        ctx: &Context<'_>,
        input: ProjectCreateInput,
    ) -> GqlResult<Project> {
        require_account(ctx)?;
        let _ = (input.is_monorepo, input.repo, input.runtime);
        let new = NewProject {
            name: input.name,
            description: input.description,
            workspace_id: input
                .workspace_id
                .or_else(|| Some(super::account::LOCAL_WORKSPACE_ID.to_string())),
            default_environment_name: input.default_environment_name,
            is_public: input.is_public,
            pr_deploys: input.pr_deploys,
        };
        gql(core(ctx).write(|st, t| ops::create_project(st, t, new))).map(Project)
    }

    async fn project_delete(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        require_any(ctx)?;
        require_project(ctx, &id)?;
        gql(core(ctx).write(|st, _| ops::delete_project(st, &id)))?;
        Ok(true)
    }

    async fn project_schedule_delete(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        require_any(ctx)?;
        require_project(ctx, &id)?;
        gql(core(ctx).write(|st, t| ops::schedule_delete_project(st, t, &id)))?;
        Ok(true)
    }

    async fn project_token_create(
        &self,
        ctx: &Context<'_>,
        input: ProjectTokenCreateInput,
    ) -> GqlResult<String> {
        require_account(ctx)?;
        gql(core(ctx).write(|st, t| {
            resources::create_project_token(
                st,
                t,
                &input.project_id,
                &input.environment_id,
                &input.name,
            )
        }))
    }

    async fn environment_create(
        &self,
        ctx: &Context<'_>,
        input: EnvironmentCreateInput,
    ) -> GqlResult<Environment> {
        require_any(ctx)?;
        require_project(ctx, &input.project_id)?;
        let _ = input.apply_changes_in_background;
        let new = NewEnvironment {
            project_id: input.project_id,
            name: input.name,
            source_environment_id: input.source_environment_id,
            ephemeral: input.ephemeral.unwrap_or(false),
            stage_initial_changes: input.stage_initial_changes.unwrap_or(false),
            skip_initial_deploys: input.skip_initial_deploys.unwrap_or(false),
        };
        gql(core(ctx).write(|st, t| ops::create_environment(st, t, new))).map(Environment)
    }

    async fn environment_delete(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        environment_access(ctx, &id)?;
        gql(core(ctx).write(|st, _| ops::delete_environment(st, &id)))?;
        Ok(true)
    }

    async fn environment_rename(
        &self,
        ctx: &Context<'_>,
        id: String,
        input: EnvironmentRenameInput,
    ) -> GqlResult<Environment> {
        environment_access(ctx, &id)?;
        gql(core(ctx).write(|st, t| ops::rename_environment(st, t, &id, input.name)))
            .map(Environment)
    }

    async fn service_create(
        &self,
        ctx: &Context<'_>,
        input: ServiceCreateInput,
    ) -> GqlResult<Service> {
        require_any(ctx)?;
        require_project(ctx, &input.project_id)?;
        let variables = match &input.variables {
            Some(v) => variables_map(&v.0)?,
            None => Map::new(),
        };
        let _ = input.registry_credentials;
        let new = NewService {
            project_id: input.project_id,
            name: input.name,
            environment_id: input.environment_id,
            image: input.source.as_ref().and_then(|s| s.image.clone()),
            repo: input.source.as_ref().and_then(|s| s.repo.clone()),
            branch: input.branch,
            variables,
            icon: input.icon,
            template_id: input.template_id,
            template_service_id: input.template_service_id,
        };
        gql(core(ctx).write(|st, t| ops::create_service(st, t, new))).map(Service)
    }

    async fn service_delete(
        &self,
        ctx: &Context<'_>,
        environment_id: Option<String>,
        id: String,
    ) -> GqlResult<bool> {
        service_access(ctx, &id)?;
        gql(core(ctx).write(|st, t| ops::delete_service(st, t, &id, environment_id.as_deref())))?;
        Ok(true)
    }

    async fn service_update(
        &self,
        ctx: &Context<'_>,
        id: String,
        input: ServiceUpdateInput,
    ) -> GqlResult<Service> {
        service_access(ctx, &id)?;
        let icon = match input.icon {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(v) => Some(Some(v)),
        };
        gql(core(ctx).write(|st, t| ops::update_service(st, t, &id, input.name, icon))).map(Service)
    }

    async fn service_connect(
        &self,
        ctx: &Context<'_>,
        id: String,
        input: ServiceConnectInput,
    ) -> GqlResult<Service> {
        service_access(ctx, &id)?;
        gql(core(ctx)
            .write(|st, t| ops::connect_service(st, t, &id, input.repo, input.branch, input.image)))
        .map(Service)
    }

    /// Updates settings of a service's instances (fork semantics of
    /// `environmentId`); does not deploy.
    async fn service_instance_update(
        &self,
        ctx: &Context<'_>,
        environment_id: Option<String>,
        input: ServiceInstanceUpdateInput,
        service_id: String,
    ) -> GqlResult<bool> {
        let project_id = service_access(ctx, &service_id)?;
        let patch = input.to_service_patch();
        gql(core(ctx).write(|st, t| {
            let targets: Vec<String> = match environment_id.as_deref() {
                Some(eid) => {
                    let env = ops::environment(st, eid)?;
                    if env.project_id != project_id {
                        return Err(ApiError::NotFound("Environment not found".into()));
                    }
                    if st.is_fork(env) {
                        vec![env.id.clone()]
                    } else {
                        st.project_environments(&project_id)
                            .iter()
                            .filter(|e| !st.is_fork(e))
                            .map(|e| e.id.clone())
                            .collect()
                    }
                }
                None => st
                    .project_environments(&project_id)
                    .iter()
                    .filter(|e| !st.is_fork(e))
                    .map(|e| e.id.clone())
                    .collect(),
            };
            for env_id in targets {
                let has = st.environments.get(&env_id).is_some_and(|e| {
                    crate::emulator::state::service_config(e, &service_id).is_some()
                });
                if has {
                    let p = serde_json::json!({"services": {service_id.clone(): patch.clone()}});
                    ops::commit_patch(st, t, &env_id, &p, None, true)?;
                }
            }
            Ok(())
        }))?;
        Ok(true)
    }

    /// Applies a patch to the environment's config now; returns the patch ID.
    async fn environment_patch_commit(
        &self,
        ctx: &Context<'_>,
        commit_message: Option<String>,
        environment_id: String,
        patch: Option<EnvironmentConfig>,
    ) -> GqlResult<String> {
        environment_access(ctx, &environment_id)?;
        let patch = patch
            .map(|p| p.0)
            .unwrap_or_else(|| Value::Object(Map::new()));
        gql(core(ctx).write(|st, t| {
            ops::commit_patch(st, t, &environment_id, &patch, commit_message, false)
        }))
    }

    async fn environment_stage_changes(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        input: EnvironmentConfig,
        merge: Option<bool>,
    ) -> GqlResult<EnvironmentPatch> {
        environment_access(ctx, &environment_id)?;
        let rec = gql(core(ctx).write(|st, t| {
            ops::stage_changes(st, t, &environment_id, &input.0, merge == Some(true))
        }))?;
        Ok(EnvironmentPatch {
            rec,
            committed: false,
        })
    }

    async fn environment_patch_commit_staged(
        &self,
        ctx: &Context<'_>,
        commit_message: Option<String>,
        environment_id: String,
        skip_deploys: Option<bool>,
    ) -> GqlResult<String> {
        environment_access(ctx, &environment_id)?;
        gql(core(ctx).write(|st, t| {
            ops::commit_staged(
                st,
                t,
                &environment_id,
                commit_message,
                skip_deploys == Some(true),
            )
        }))
    }

    async fn variable_collection_upsert(
        &self,
        ctx: &Context<'_>,
        input: VariableCollectionUpsertInput,
    ) -> GqlResult<bool> {
        environment_access(ctx, &input.environment_id)?;
        let vars = variables_map(&input.variables.0)?;
        gql(core(ctx).write(|st, t| {
            ops::write_variables(
                st,
                t,
                &input.project_id,
                &input.environment_id,
                input.service_id.as_deref(),
                &vars,
                input.replace == Some(true),
                input.skip_deploys == Some(true),
            )
        }))?;
        Ok(true)
    }

    async fn variable_upsert(
        &self,
        ctx: &Context<'_>,
        input: VariableUpsertInput,
    ) -> GqlResult<bool> {
        environment_access(ctx, &input.environment_id)?;
        let mut vars = Map::new();
        vars.insert(input.name.clone(), Value::String(input.value.clone()));
        gql(core(ctx).write(|st, t| {
            ops::write_variables(
                st,
                t,
                &input.project_id,
                &input.environment_id,
                input.service_id.as_deref(),
                &vars,
                false,
                input.skip_deploys == Some(true),
            )
        }))?;
        Ok(true)
    }

    async fn variable_delete(
        &self,
        ctx: &Context<'_>,
        input: VariableDeleteInput,
    ) -> GqlResult<bool> {
        environment_access(ctx, &input.environment_id)?;
        let mut vars = Map::new();
        vars.insert(input.name.clone(), Value::Null);
        gql(core(ctx).write(|st, t| {
            ops::write_variables(
                st,
                t,
                &input.project_id,
                &input.environment_id,
                input.service_id.as_deref(),
                &vars,
                false,
                false,
            )
        }))?;
        Ok(true)
    }

    /// Deploys a service instance; returns the deployment ID. A `commitSha`
    /// must be 7 to 40 hexadecimal digits, or `Commit not found`.
    async fn service_instance_deploy_v2(
        &self,
        ctx: &Context<'_>,
        commit_sha: Option<String>,
        environment_id: String,
        service_id: String,
    ) -> GqlResult<String> {
        deploy_instance(ctx, commit_sha, &environment_id, &service_id)
    }

    async fn service_instance_deploy(
        &self,
        ctx: &Context<'_>,
        commit_sha: Option<String>,
        environment_id: String,
        latest_commit: Option<bool>,
        service_id: String,
    ) -> GqlResult<bool> {
        let _ = latest_commit;
        deploy_instance(ctx, commit_sha, &environment_id, &service_id)?;
        Ok(true)
    }

    async fn service_instance_redeploy(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        service_id: String,
    ) -> GqlResult<bool> {
        instance_access(ctx, &environment_id, &service_id)?;
        gql(core(ctx).write(|st, t| {
            let sha = st
                .deployments
                .values()
                .filter(|d| d.environment_id == environment_id && d.service_id == service_id)
                .max_by_key(|d| d.seq)
                .and_then(|d| {
                    d.meta
                        .get("commitHash")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                });
            ops::deploy(st, t, &environment_id, &service_id, sha)
        }))?;
        Ok(true)
    }

    async fn service_domain_create(
        &self,
        ctx: &Context<'_>,
        input: ServiceDomainCreateInput,
    ) -> GqlResult<ServiceDomain> {
        instance_access(ctx, &input.environment_id, &input.service_id)?;
        gql(core(ctx).write(|st, t| {
            resources::create_service_domain(
                st,
                t,
                &input.environment_id,
                &input.service_id,
                input.target_port,
            )
        }))
        .map(ServiceDomain)
    }

    async fn service_domain_delete(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        require_any(ctx)?;
        let row = core(ctx)
            .read(|st| views::find_row(st, views::service_domains, |r| r.id.as_str(), &id));
        let row =
            row.ok_or_else(|| api_error(ApiError::NotFound("ServiceDomain not found".into())))?;
        environment_access(ctx, &row.environment_id)?;
        gql(core(ctx).write(|st, t| resources::delete_service_domain(st, t, &id)))?;
        Ok(true)
    }

    async fn custom_domain_create(
        &self,
        ctx: &Context<'_>,
        input: CustomDomainCreateInput,
    ) -> GqlResult<CustomDomain> {
        instance_access(ctx, &input.environment_id, &input.service_id)?;
        gql(core(ctx).write(|st, t| {
            resources::create_custom_domain(
                st,
                t,
                &input.project_id,
                &input.environment_id,
                &input.service_id,
                &input.domain,
                input.target_port,
            )
        }))
        .map(CustomDomain)
    }

    async fn custom_domain_delete(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        require_any(ctx)?;
        let row =
            core(ctx).read(|st| views::find_row(st, views::custom_domains, |r| r.id.as_str(), &id));
        let row =
            row.ok_or_else(|| api_error(ApiError::NotFound("CustomDomain not found".into())))?;
        environment_access(ctx, &row.environment_id)?;
        gql(core(ctx).write(|st, t| resources::delete_custom_domain(st, t, &id)))?;
        Ok(true)
    }

    async fn tcp_proxy_create(
        &self,
        ctx: &Context<'_>,
        input: TcpProxyCreateInput,
    ) -> GqlResult<TcpProxy> {
        instance_access(ctx, &input.environment_id, &input.service_id)?;
        gql(core(ctx).write(|st, t| {
            resources::create_tcp_proxy(
                st,
                t,
                &input.environment_id,
                &input.service_id,
                input.application_port,
            )
        }))
        .map(TcpProxy)
    }

    async fn tcp_proxy_delete(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        require_any(ctx)?;
        let row =
            core(ctx).read(|st| views::find_row(st, views::tcp_proxies, |r| r.id.as_str(), &id));
        let row = row.ok_or_else(|| api_error(ApiError::NotFound("TCPProxy not found".into())))?;
        environment_access(ctx, &row.environment_id)?;
        gql(core(ctx).write(|st, t| resources::delete_tcp_proxy(st, t, &id)))?;
        Ok(true)
    }

    async fn volume_create(
        &self,
        ctx: &Context<'_>,
        input: VolumeCreateInput,
    ) -> GqlResult<Volume> {
        require_any(ctx)?;
        require_project(ctx, &input.project_id)?;
        let env = match &input.environment_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(v) => Some(Some(v.as_str())),
        };
        gql(core(ctx).write(|st, t| {
            resources::create_volume(
                st,
                t,
                &input.project_id,
                &input.mount_path,
                input.service_id.as_deref(),
                env,
                input.region.as_deref(),
            )
        }))
        .map(Volume)
    }

    async fn volume_delete(&self, ctx: &Context<'_>, volume_id: String) -> GqlResult<bool> {
        require_any(ctx)?;
        let project_id =
            core(ctx).read(|st| st.volumes.get(&volume_id).map(|v| v.project_id.clone()));
        let project_id =
            project_id.ok_or_else(|| api_error(ApiError::NotFound("Volume not found".into())))?;
        require_project(ctx, &project_id)?;
        gql(core(ctx).write(|st, t| resources::delete_volume(st, t, &volume_id)))?;
        Ok(true)
    }
}
