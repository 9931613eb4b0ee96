//! `ServiceInstance`: one service's settings in one environment, read from
//! that environment's config.

use async_graphql::{Context, ID, Object, SimpleObject};
use serde_json::Value;

use super::deployment::Deployment;
use super::enums::{Builder, RestartPolicyType};
use super::guard::{GqlResult, api_error, core};
use super::network::{CustomDomain, ServiceDomain};
use super::project::{Service, json_at};
use super::scalars::{DateTime, Json};
use crate::emulator::deploy::{Status, status};
use crate::emulator::ops::ApiError;
use crate::emulator::state::{EnvironmentRec, ServiceRec, State, derived_id, service_config};
use crate::emulator::views::{custom_domains, service_domains};

/// Where a service's code comes from (`ServiceSource`).
#[derive(SimpleObject)]
pub struct ServiceSource {
    pub image: Option<String>,
    pub repo: Option<String>,
}

/// Service and custom domains of an instance (`AllDomains`).
#[derive(SimpleObject)]
pub struct AllDomains {
    pub custom_domains: Vec<CustomDomain>,
    pub service_domains: Vec<ServiceDomain>,
}

/// A service's instance in one environment.
pub struct ServiceInstance {
    env: EnvironmentRec,
    service: ServiceRec,
    cfg: Value,
}

impl ServiceInstance {
    /// The instance of a service in an environment, if it is there.
    pub fn from_state(
        st: &State,
        env: &EnvironmentRec,
        service_id: &str,
    ) -> Option<ServiceInstance> {
        let cfg = service_config(env, service_id)?.clone();
        let service = st.services.get(service_id)?.clone();
        Some(ServiceInstance {
            env: env.clone(),
            service,
            cfg,
        })
    }

    /// The instance's derived ID.
    pub fn id(&self) -> String {
        derived_id(&["serviceInstance", &self.env.id, &self.service.id])
    }

    fn str(&self, path: &[&str]) -> Option<String> {
        json_at(&self.cfg, path)
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    fn int(&self, path: &[&str]) -> Option<i32> {
        json_at(&self.cfg, path)
            .and_then(Value::as_i64)
            .map(|n| n as i32)
    }
}

#[Object(name = "ServiceInstance")]
impl ServiceInstance {
    #[graphql(name = "id")]
    async fn gql_id(&self) -> ID {
        ID(self.id())
    }
    async fn service_id(&self) -> &str {
        &self.service.id
    }
    async fn service_name(&self) -> &str {
        &self.service.name
    }
    async fn environment_id(&self) -> &str {
        &self.env.id
    }
    async fn service(&self) -> Service {
        Service(self.service.clone())
    }
    async fn source(&self) -> Option<ServiceSource> {
        let image = self.str(&["source", "image"]);
        let repo = self.str(&["source", "repo"]);
        (image.is_some() || repo.is_some()).then_some(ServiceSource { image, repo })
    }
    /// The builder; `DOCKERFILE` and unknown config values read as `RAILPACK`.
    async fn builder(&self) -> Builder {
        match self.str(&["build", "builder"]).as_deref() {
            Some("NIXPACKS") => Builder::Nixpacks,
            Some("HEROKU") => Builder::Heroku,
            Some("PAKETO") => Builder::Paketo,
            _ => Builder::Railpack,
        }
    }
    async fn build_command(&self) -> Option<String> {
        self.str(&["build", "buildCommand"])
    }
    async fn dockerfile_path(&self) -> Option<String> {
        self.str(&["build", "dockerfilePath"])
    }
    async fn watch_patterns(&self) -> Vec<String> {
        json_at(&self.cfg, &["build", "watchPatterns"])
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
    async fn nixpacks_plan(&self) -> Option<Json> {
        json_at(&self.cfg, &["build", "nixpacksPlan"])
            .cloned()
            .map(Json)
    }
    async fn root_directory(&self) -> Option<String> {
        self.str(&["source", "rootDirectory"])
    }
    async fn railway_config_file(&self) -> Option<String> {
        self.str(&["configFile"])
    }
    async fn upstream_url(&self) -> Option<String> {
        self.str(&["source", "upstreamUrl"])
    }
    async fn start_command(&self) -> Option<String> {
        self.str(&["deploy", "startCommand"])
    }
    async fn pre_deploy_command(&self) -> Option<Json> {
        json_at(&self.cfg, &["deploy", "preDeployCommand"])
            .cloned()
            .map(Json)
    }
    async fn healthcheck_path(&self) -> Option<String> {
        self.str(&["deploy", "healthcheckPath"])
    }
    async fn healthcheck_timeout(&self) -> Option<i32> {
        self.int(&["deploy", "healthcheckTimeout"])
    }
    /// `deploy.numReplicas`, else the sum over `multiRegionConfig`, else 1.
    async fn num_replicas(&self) -> Option<i32> {
        if let Some(n) = self.int(&["deploy", "numReplicas"]) {
            return Some(n);
        }
        let regions =
            json_at(&self.cfg, &["deploy", "multiRegionConfig"]).and_then(Value::as_object);
        match regions {
            Some(r) if !r.is_empty() => Some(
                r.values()
                    .filter_map(|v| v.get("numReplicas")?.as_i64())
                    .sum::<i64>() as i32,
            ),
            _ => Some(1),
        }
    }
    /// The first region of `multiRegionConfig`, else `deploy.region`.
    async fn region(&self) -> Option<String> {
        json_at(&self.cfg, &["deploy", "multiRegionConfig"])
            .and_then(Value::as_object)
            .and_then(|m| m.keys().next().cloned())
            .or_else(|| self.str(&["deploy", "region"]))
    }
    async fn restart_policy_type(&self) -> RestartPolicyType {
        match self.str(&["deploy", "restartPolicyType"]).as_deref() {
            Some("ALWAYS") => RestartPolicyType::Always,
            Some("NEVER") => RestartPolicyType::Never,
            _ => RestartPolicyType::OnFailure,
        }
    }
    async fn restart_policy_max_retries(&self) -> i32 {
        self.int(&["deploy", "restartPolicyMaxRetries"])
            .unwrap_or(10)
    }
    async fn cron_schedule(&self) -> Option<String> {
        self.str(&["deploy", "cronSchedule"])
    }
    async fn next_cron_run_at(&self) -> Option<DateTime> {
        None
    }
    async fn sleep_application(&self) -> Option<bool> {
        json_at(&self.cfg, &["deploy", "sleepApplication"]).and_then(Value::as_bool)
    }
    async fn overlap_seconds(&self) -> Option<i32> {
        self.int(&["deploy", "overlapSeconds"])
    }
    async fn draining_seconds(&self) -> Option<i32> {
        self.int(&["deploy", "drainingSeconds"])
    }
    async fn ipv6_egress_enabled(&self) -> Option<bool> {
        json_at(&self.cfg, &["deploy", "ipv6EgressEnabled"]).and_then(Value::as_bool)
    }
    /// CDN and WAF settings (disabled until `enableServiceCdn`).
    async fn edge_config(&self, ctx: &Context<'_>) -> Option<super::extra_types::EdgeConfig> {
        Some(super::extra_roots::edge_config(
            ctx,
            &self.env.id,
            &self.service.id,
        ))
    }
    async fn is_updatable(&self) -> bool {
        true
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.service.created_at.max(self.env.created_at))
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.env.updated_at)
    }
    async fn deleted_at(&self) -> Option<DateTime> {
        None
    }
    async fn domains(&self) -> AllDomains {
        AllDomains {
            custom_domains: custom_domains(&self.env, &self.service.id)
                .into_iter()
                .map(CustomDomain)
                .collect(),
            service_domains: service_domains(&self.env, &self.service.id)
                .into_iter()
                .map(ServiceDomain)
                .collect(),
        }
    }
    async fn latest_deployment(&self, ctx: &Context<'_>) -> Option<Deployment> {
        core(ctx).read(|st| {
            st.deployments_of(&self.env.id, &self.service.id)
                .last()
                .map(|d| Deployment((*d).clone()))
        })
    }
    /// Deployments currently running (status `SUCCESS`).
    async fn active_deployments(&self, ctx: &Context<'_>) -> GqlResult<Vec<Deployment>> {
        let core = core(ctx);
        let now = core.clock.now_ms();
        Ok(core.read(|st| {
            st.deployments
                .values()
                .filter(|d| d.environment_id == self.env.id && d.service_id == self.service.id)
                .filter(|d| status(st, d, now).0 == Status::Success)
                .cloned()
                .map(Deployment)
                .collect()
        }))
    }
}

/// The instance of a service in an environment, or Railway's not-found error.
pub fn instance_or_error(st: &State, env_id: &str, service_id: &str) -> GqlResult<ServiceInstance> {
    st.environments
        .get(env_id)
        .and_then(|env| ServiceInstance::from_state(st, env, service_id))
        .ok_or_else(|| api_error(ApiError::NotFound("ServiceInstance not found".into())))
}
