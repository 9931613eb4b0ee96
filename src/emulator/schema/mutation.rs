//! The `Mutation` root: argument checks and access, then `ops`.

use async_graphql::{Context, Object};
use serde_json::{Map, Value};

use super::account::EnvironmentPatch;
use super::guard::*;
use super::inputs::*;
use super::network::{CustomDomain, ServiceDomain, TcpProxy, Volume};
use super::project::{Environment, Project, Service};
use super::query::{environment_access, service_access};
use super::scalars::EnvironmentConfig;
use crate::emulator::ops::{
    self, ApiError, ApiResult, NewEnvironment, NewProject, NewService, Tick,
};
use crate::emulator::resources;
use crate::emulator::state::State;
use crate::emulator::views;

/// The `Mutation` root.
pub struct Mutation;

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
pub fn instance_access(ctx: &Context<'_>, env_id: &str, service_id: &str) -> GqlResult<()> {
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
    write(ctx, |st, t| {
        ops::deploy(st, t, environment_id, service_id, commit_sha)
    })
}

/// Whose variables a variable mutation writes: a service's, or (without a
/// service) the environment's shared ones.
struct VariableOwner<'a> {
    project_id: &'a str,
    environment_id: &'a str,
    service_id: Option<&'a str>,
}

/// Writes `vars` (a null value deletes) for `owner`. Access is checked
/// before `vars` is looked at, so a caller without access learns nothing
/// from a malformed input.
fn set_variables(
    ctx: &Context<'_>,
    owner: VariableOwner<'_>,
    vars: GqlResult<Map<String, Value>>,
    replace: bool,
    skip_deploys: bool,
) -> GqlResult<bool> {
    environment_access(ctx, owner.environment_id)?;
    let vars = vars?;
    write(ctx, |st, t| {
        let (p, e, s) = (owner.project_id, owner.environment_id, owner.service_id);
        ops::write_variables(st, t, p, e, s, &vars, replace, skip_deploys)
    })?;
    Ok(true)
}

/// Deletes a domain or proxy (`found` gives the environment it lives in),
/// once the caller may touch that environment.
fn delete_in_environment<T>(
    ctx: &Context<'_>,
    what: &str,
    found: impl FnOnce(&State) -> Option<String>,
    delete: impl FnOnce(&mut State, &mut Tick) -> ApiResult<T>,
) -> GqlResult<bool> {
    require_any(ctx)?;
    let environment_id = lookup(ctx, what, found, |id| id)?;
    environment_access(ctx, &environment_id)?;
    write(ctx, delete)?;
    Ok(true)
}

/// The environments a non-fork `serviceInstanceUpdate` reaches: every
/// environment of the project that is not a fork (docs/railway-assumptions.md).
fn non_fork_environments(st: &State, project_id: &str) -> Vec<String> {
    st.project_environments(project_id)
        .iter()
        .filter(|e| !st.is_fork(e))
        .map(|e| e.id.clone())
        .collect()
}

#[Object(name = "CoreMutation")]
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
        write(ctx, |st, t| ops::create_project(st, t, new)).map(Project)
    }

    async fn project_delete(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        require_project(ctx, &id)?;
        write(ctx, |st, _| ops::delete_project(st, &id))?;
        Ok(true)
    }

    async fn project_schedule_delete(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        require_project(ctx, &id)?;
        write(ctx, |st, t| ops::schedule_delete_project(st, t, &id))?;
        Ok(true)
    }

    async fn project_token_create(
        &self,
        ctx: &Context<'_>,
        input: ProjectTokenCreateInput,
    ) -> GqlResult<String> {
        require_account(ctx)?;
        let (p, e) = (&input.project_id, &input.environment_id);
        write(ctx, |st, t| {
            resources::create_project_token(st, t, p, e, &input.name)
        })
    }

    async fn environment_create(
        &self,
        ctx: &Context<'_>,
        input: EnvironmentCreateInput,
    ) -> GqlResult<Environment> {
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
        write(ctx, |st, t| ops::create_environment(st, t, new)).map(Environment)
    }

    async fn environment_delete(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        environment_access(ctx, &id)?;
        write(ctx, |st, _| ops::delete_environment(st, &id))?;
        Ok(true)
    }

    async fn environment_rename(
        &self,
        ctx: &Context<'_>,
        id: String,
        input: EnvironmentRenameInput,
    ) -> GqlResult<Environment> {
        environment_access(ctx, &id)?;
        write(ctx, |st, t| ops::rename_environment(st, t, &id, input.name)).map(Environment)
    }

    async fn service_create(
        &self,
        ctx: &Context<'_>,
        input: ServiceCreateInput,
    ) -> GqlResult<Service> {
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
        write(ctx, |st, t| ops::create_service(st, t, new)).map(Service)
    }

    async fn service_delete(
        &self,
        ctx: &Context<'_>,
        environment_id: Option<String>,
        id: String,
    ) -> GqlResult<bool> {
        service_access(ctx, &id)?;
        write(ctx, |st, t| {
            ops::delete_service(st, t, &id, environment_id.as_deref())
        })?;
        Ok(true)
    }

    async fn service_update(
        &self,
        ctx: &Context<'_>,
        id: String,
        input: ServiceUpdateInput,
    ) -> GqlResult<Service> {
        service_access(ctx, &id)?;
        let icon = absent_or_null(input.icon);
        write(ctx, |st, t| {
            ops::update_service(st, t, &id, input.name, icon)
        })
        .map(Service)
    }

    async fn service_connect(
        &self,
        ctx: &Context<'_>,
        id: String,
        input: ServiceConnectInput,
    ) -> GqlResult<Service> {
        service_access(ctx, &id)?;
        let ServiceConnectInput {
            repo,
            branch,
            image,
        } = input;
        write(ctx, |st, t| {
            ops::connect_service(st, t, &id, repo, branch, image)
        })
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
        write(ctx, |st, t| {
            let targets: Vec<String> = match environment_id.as_deref() {
                Some(eid) => {
                    let env = ops::environment(st, eid)?;
                    if env.project_id != project_id {
                        return Err(ApiError::NotFound("Environment not found".into()));
                    }
                    if st.is_fork(env) {
                        vec![env.id.clone()]
                    } else {
                        non_fork_environments(st, &project_id)
                    }
                }
                None => non_fork_environments(st, &project_id),
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
        })?;
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
            .map(|p| std::sync::Arc::unwrap_or_clone(p.0))
            .unwrap_or_else(|| Value::Object(Map::new()));
        write(ctx, |st, t| {
            ops::commit_patch(st, t, &environment_id, &patch, commit_message, false)
        })
    }

    async fn environment_stage_changes(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        input: EnvironmentConfig,
        merge: Option<bool>,
    ) -> GqlResult<EnvironmentPatch> {
        environment_access(ctx, &environment_id)?;
        let merge = merge == Some(true);
        let rec = write(ctx, |st, t| {
            ops::stage_changes(st, t, &environment_id, &input.0, merge)
        })?;
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
        let skip = skip_deploys == Some(true);
        write(ctx, |st, t| {
            ops::commit_staged(st, t, &environment_id, commit_message, skip)
        })
    }

    async fn variable_collection_upsert(
        &self,
        ctx: &Context<'_>,
        input: VariableCollectionUpsertInput,
    ) -> GqlResult<bool> {
        let vars = variables_map(&input.variables.0);
        let owner = VariableOwner {
            project_id: &input.project_id,
            environment_id: &input.environment_id,
            service_id: input.service_id.as_deref(),
        };
        let replace = input.replace == Some(true);
        set_variables(ctx, owner, vars, replace, input.skip_deploys == Some(true))
    }

    async fn variable_upsert(
        &self,
        ctx: &Context<'_>,
        input: VariableUpsertInput,
    ) -> GqlResult<bool> {
        let vars = Ok(Map::from_iter([(
            input.name.clone(),
            Value::String(input.value.clone()),
        )]));
        let owner = VariableOwner {
            project_id: &input.project_id,
            environment_id: &input.environment_id,
            service_id: input.service_id.as_deref(),
        };
        set_variables(ctx, owner, vars, false, input.skip_deploys == Some(true))
    }

    async fn variable_delete(
        &self,
        ctx: &Context<'_>,
        input: VariableDeleteInput,
    ) -> GqlResult<bool> {
        let vars = Ok(Map::from_iter([(input.name.clone(), Value::Null)]));
        let owner = VariableOwner {
            project_id: &input.project_id,
            environment_id: &input.environment_id,
            service_id: input.service_id.as_deref(),
        };
        set_variables(ctx, owner, vars, false, false)
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
        write(ctx, |st, t| {
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
        })?;
        Ok(true)
    }

    async fn service_domain_create(
        &self,
        ctx: &Context<'_>,
        input: ServiceDomainCreateInput,
    ) -> GqlResult<ServiceDomain> {
        let (e, s) = (&input.environment_id, &input.service_id);
        instance_access(ctx, e, s)?;
        write(ctx, |st, t| {
            resources::create_service_domain(st, t, e, s, input.target_port)
        })
        .map(ServiceDomain)
    }

    async fn service_domain_delete(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        delete_in_environment(
            ctx,
            "ServiceDomain",
            |st| views::environment_of_row(st, views::service_domains, &id),
            |st, t| resources::delete_service_domain(st, t, &id),
        )
    }

    async fn custom_domain_create(
        &self,
        ctx: &Context<'_>,
        input: CustomDomainCreateInput,
    ) -> GqlResult<CustomDomain> {
        let (p, e, s) = (&input.project_id, &input.environment_id, &input.service_id);
        instance_access(ctx, e, s)?;
        write(ctx, |st, t| {
            resources::create_custom_domain(st, t, p, e, s, &input.domain, input.target_port)
        })
        .map(CustomDomain)
    }

    async fn custom_domain_delete(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        delete_in_environment(
            ctx,
            "CustomDomain",
            |st| views::environment_of_row(st, views::custom_domains, &id),
            |st, t| resources::delete_custom_domain(st, t, &id),
        )
    }

    async fn tcp_proxy_create(
        &self,
        ctx: &Context<'_>,
        input: TcpProxyCreateInput,
    ) -> GqlResult<TcpProxy> {
        let (e, s) = (&input.environment_id, &input.service_id);
        instance_access(ctx, e, s)?;
        write(ctx, |st, t| {
            resources::create_tcp_proxy(st, t, e, s, input.application_port)
        })
        .map(TcpProxy)
    }

    async fn tcp_proxy_delete(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        delete_in_environment(
            ctx,
            "TCPProxy",
            |st| views::environment_of_row(st, views::tcp_proxies, &id),
            |st, t| resources::delete_tcp_proxy(st, t, &id),
        )
    }

    async fn volume_create(
        &self,
        ctx: &Context<'_>,
        input: VolumeCreateInput,
    ) -> GqlResult<Volume> {
        require_project(ctx, &input.project_id)?;
        let env = absent_or_null(input.environment_id);
        let env = env.as_ref().map(|e| e.as_deref());
        let (service, region) = (input.service_id.as_deref(), input.region.as_deref());
        write(ctx, |st, t| {
            let (p, m) = (&input.project_id, &input.mount_path);
            resources::create_volume(st, t, p, m, service, env, region)
        })
        .map(Volume)
    }

    async fn volume_delete(&self, ctx: &Context<'_>, volume_id: String) -> GqlResult<bool> {
        require_any(ctx)?;
        let project_id = lookup(
            ctx,
            "Volume",
            |st| st.volumes.get(&volume_id).map(|v| v.project_id.clone()),
            |p| p,
        )?;
        require_project(ctx, &project_id)?;
        write(ctx, |st, t| resources::delete_volume(st, t, &volume_id))?;
        Ok(true)
    }
}
