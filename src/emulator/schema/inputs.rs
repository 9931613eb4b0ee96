//! Input objects of the mutations, field for field as the schema has them.

use async_graphql::{InputObject, MaybeUndefined};
use serde_json::{Map, Value, json};

use super::enums::{Builder, PublicRuntime, RestartPolicyType};
use super::scalars::{EnvironmentVariables, Json};

/// `ProjectCreateRepo`.
#[derive(InputObject)]
pub struct ProjectCreateRepo {
    pub branch: String,
    pub full_repo_name: String,
}

/// `ProjectCreateInput`.
#[derive(InputObject)]
pub struct ProjectCreateInput {
    pub default_environment_name: Option<String>,
    pub description: Option<String>,
    pub is_monorepo: Option<bool>,
    pub is_public: Option<bool>,
    pub name: Option<String>,
    pub pr_deploys: Option<bool>,
    pub repo: Option<ProjectCreateRepo>,
    pub runtime: Option<PublicRuntime>,
    pub workspace_id: Option<String>,
}

/// `EnvironmentCreateInput`.
#[derive(InputObject)]
pub struct EnvironmentCreateInput {
    pub apply_changes_in_background: Option<bool>,
    pub ephemeral: Option<bool>,
    pub name: String,
    pub project_id: String,
    pub skip_initial_deploys: Option<bool>,
    pub source_environment_id: Option<String>,
    pub stage_initial_changes: Option<bool>,
}

/// `EnvironmentRenameInput`.
#[derive(InputObject)]
pub struct EnvironmentRenameInput {
    pub name: String,
}

/// `ServiceSourceInput`.
#[derive(InputObject)]
pub struct ServiceSourceInput {
    pub image: Option<String>,
    pub repo: Option<String>,
}

/// `RegistryCredentialsInput`.
#[derive(InputObject)]
pub struct RegistryCredentialsInput {
    pub password: String,
    pub username: String,
}

/// `ServiceCreateInput`.
#[derive(InputObject)]
pub struct ServiceCreateInput {
    pub branch: Option<String>,
    pub environment_id: Option<String>,
    pub icon: Option<String>,
    pub name: Option<String>,
    pub project_id: String,
    pub registry_credentials: Option<RegistryCredentialsInput>,
    pub source: Option<ServiceSourceInput>,
    pub template_id: Option<String>,
    pub template_service_id: Option<String>,
    pub variables: Option<EnvironmentVariables>,
}

/// `ServiceUpdateInput`.
#[derive(InputObject)]
pub struct ServiceUpdateInput {
    pub icon: MaybeUndefined<String>,
    pub name: Option<String>,
}

/// `ServiceConnectInput`.
#[derive(InputObject)]
pub struct ServiceConnectInput {
    pub branch: Option<String>,
    pub image: Option<String>,
    pub repo: Option<String>,
}

/// `ServiceInstanceUpdateInput`: `null` unsets a setting, an absent field
/// leaves it alone.
#[derive(InputObject)]
pub struct ServiceInstanceUpdateInput {
    pub build_command: MaybeUndefined<String>,
    pub builder: MaybeUndefined<Builder>,
    pub cron_schedule: MaybeUndefined<String>,
    pub dockerfile_path: MaybeUndefined<String>,
    pub draining_seconds: MaybeUndefined<i32>,
    pub healthcheck_path: MaybeUndefined<String>,
    pub healthcheck_timeout: MaybeUndefined<i32>,
    pub ipv6_egress_enabled: MaybeUndefined<bool>,
    pub multi_region_config: MaybeUndefined<Json>,
    pub nixpacks_plan: MaybeUndefined<Json>,
    pub num_replicas: MaybeUndefined<i32>,
    pub overlap_seconds: MaybeUndefined<i32>,
    pub pre_deploy_command: MaybeUndefined<Vec<String>>,
    pub railway_config_file: MaybeUndefined<String>,
    pub region: MaybeUndefined<String>,
    pub registry_credentials: MaybeUndefined<RegistryCredentialsInput>,
    pub restart_policy_max_retries: MaybeUndefined<i32>,
    pub restart_policy_type: MaybeUndefined<RestartPolicyType>,
    pub root_directory: MaybeUndefined<String>,
    pub sleep_application: MaybeUndefined<bool>,
    pub source: MaybeUndefined<ServiceSourceInput>,
    pub start_command: MaybeUndefined<String>,
    pub watch_patterns: MaybeUndefined<Vec<String>>,
}

fn put<T>(
    map: &mut Map<String, Value>,
    section: &str,
    key: &str,
    v: &MaybeUndefined<T>,
    to: impl Fn(&T) -> Value,
) {
    let value = match v {
        MaybeUndefined::Undefined => return,
        MaybeUndefined::Null => Value::Null,
        MaybeUndefined::Value(x) => to(x),
    };
    if section.is_empty() {
        map.insert(key.to_string(), value);
        return;
    }
    let slot = map.entry(section.to_string()).or_insert_with(|| json!({}));
    if let Some(obj) = slot.as_object_mut() {
        obj.insert(key.to_string(), value);
    }
}

fn builder_name(b: &Builder) -> Value {
    json!(match b {
        Builder::Heroku => "HEROKU",
        Builder::Nixpacks => "NIXPACKS",
        Builder::Paketo => "PAKETO",
        Builder::Railpack => "RAILPACK",
    })
}

fn restart_name(r: &RestartPolicyType) -> Value {
    json!(match r {
        RestartPolicyType::Always => "ALWAYS",
        RestartPolicyType::Never => "NEVER",
        RestartPolicyType::OnFailure => "ON_FAILURE",
    })
}

impl ServiceInstanceUpdateInput {
    /// The service's config patch equivalent to this input.
    pub fn to_service_patch(&self) -> Value {
        let mut m = Map::new();
        let s = |v: &String| json!(v);
        let i = |v: &i32| json!(v);
        let b = |v: &bool| json!(v);
        let j = |v: &Json| v.0.clone();
        let list = |v: &Vec<String>| json!(v);
        put(&mut m, "build", "buildCommand", &self.build_command, s);
        put(&mut m, "build", "builder", &self.builder, builder_name);
        put(&mut m, "build", "dockerfilePath", &self.dockerfile_path, s);
        put(&mut m, "build", "nixpacksPlan", &self.nixpacks_plan, j);
        put(&mut m, "build", "watchPatterns", &self.watch_patterns, list);
        put(&mut m, "deploy", "cronSchedule", &self.cron_schedule, s);
        put(
            &mut m,
            "deploy",
            "drainingSeconds",
            &self.draining_seconds,
            i,
        );
        put(
            &mut m,
            "deploy",
            "healthcheckPath",
            &self.healthcheck_path,
            s,
        );
        put(
            &mut m,
            "deploy",
            "healthcheckTimeout",
            &self.healthcheck_timeout,
            i,
        );
        put(
            &mut m,
            "deploy",
            "ipv6EgressEnabled",
            &self.ipv6_egress_enabled,
            b,
        );
        put(
            &mut m,
            "deploy",
            "multiRegionConfig",
            &self.multi_region_config,
            j,
        );
        put(&mut m, "deploy", "numReplicas", &self.num_replicas, i);
        put(&mut m, "deploy", "overlapSeconds", &self.overlap_seconds, i);
        put(
            &mut m,
            "deploy",
            "preDeployCommand",
            &self.pre_deploy_command,
            list,
        );
        put(&mut m, "deploy", "region", &self.region, s);
        put(
            &mut m,
            "deploy",
            "registryCredentials",
            &self.registry_credentials,
            |c: &RegistryCredentialsInput| json!({"username": c.username, "password": c.password}),
        );
        put(
            &mut m,
            "deploy",
            "restartPolicyMaxRetries",
            &self.restart_policy_max_retries,
            i,
        );
        put(
            &mut m,
            "deploy",
            "restartPolicyType",
            &self.restart_policy_type,
            restart_name,
        );
        put(
            &mut m,
            "deploy",
            "sleepApplication",
            &self.sleep_application,
            b,
        );
        put(&mut m, "deploy", "startCommand", &self.start_command, s);
        put(&mut m, "source", "rootDirectory", &self.root_directory, s);
        put(&mut m, "", "configFile", &self.railway_config_file, s);
        match &self.source {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => {
                let src = m.entry("source").or_insert_with(|| json!({}));
                src["image"] = Value::Null;
                src["repo"] = Value::Null;
            }
            MaybeUndefined::Value(v) => {
                let src = m.entry("source").or_insert_with(|| json!({}));
                src["image"] = v.image.as_ref().map_or(Value::Null, |x| json!(x));
                src["repo"] = v.repo.as_ref().map_or(Value::Null, |x| json!(x));
            }
        }
        Value::Object(m)
    }
}

/// `VariableCollectionUpsertInput`.
#[derive(InputObject)]
pub struct VariableCollectionUpsertInput {
    pub environment_id: String,
    pub project_id: String,
    #[graphql(default_with = "Some(false)")]
    pub replace: Option<bool>,
    pub service_id: Option<String>,
    #[graphql(default_with = "Some(false)")]
    pub skip_deploys: Option<bool>,
    pub variables: EnvironmentVariables,
}

/// `VariableUpsertInput`.
#[derive(InputObject)]
pub struct VariableUpsertInput {
    pub environment_id: String,
    pub name: String,
    pub project_id: String,
    pub service_id: Option<String>,
    #[graphql(default_with = "Some(false)")]
    pub skip_deploys: Option<bool>,
    pub value: String,
}

/// `VariableDeleteInput`.
#[derive(InputObject)]
pub struct VariableDeleteInput {
    pub environment_id: String,
    pub name: String,
    pub project_id: String,
    pub service_id: Option<String>,
}

/// `ServiceDomainCreateInput`.
#[derive(InputObject)]
pub struct ServiceDomainCreateInput {
    pub environment_id: String,
    pub service_id: String,
    pub target_port: Option<i32>,
}

/// `CustomDomainCreateInput`.
#[derive(InputObject)]
pub struct CustomDomainCreateInput {
    pub domain: String,
    pub environment_id: String,
    pub project_id: String,
    pub service_id: String,
    pub target_port: Option<i32>,
}

/// `VolumeCreateInput`: `environmentId` absent means every environment,
/// `null` means none.
#[derive(InputObject)]
pub struct VolumeCreateInput {
    pub environment_id: MaybeUndefined<String>,
    pub mount_path: String,
    pub project_id: String,
    pub region: Option<String>,
    pub service_id: Option<String>,
}

/// `TCPProxyCreateInput`.
#[derive(InputObject)]
#[graphql(name = "TCPProxyCreateInput")]
pub struct TcpProxyCreateInput {
    pub application_port: i32,
    pub environment_id: String,
    pub service_id: String,
}

/// `ProjectTokenCreateInput`.
#[derive(InputObject)]
pub struct ProjectTokenCreateInput {
    pub environment_id: String,
    pub name: String,
    pub project_id: String,
}
