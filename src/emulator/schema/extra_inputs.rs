//! Input objects of the mutations in `extra_roots`, field for field as the
//! schema has them.

use async_graphql::{InputObject, MaybeUndefined};

use super::enums::VolumeState;
use super::extra_types::{PurgeCacheScope, PurgeOnDeploy, SerializedTemplateConfig};
use super::scalars::{EnvironmentVariables, Json};

/// `BucketCreateInput`: `environmentId` absent means every environment,
/// `null` none.
#[derive(InputObject)]
pub struct BucketCreateInput {
    pub environment_id: MaybeUndefined<String>,
    pub name: Option<String>,
    pub project_id: String,
}

/// `BucketUpdateInput`.
#[derive(InputObject)]
pub struct BucketUpdateInput {
    pub name: String,
}

/// `CliEventTrackInput`: telemetry, accepted and ignored.
#[derive(InputObject)]
pub struct CliEventTrackInput {
    pub agent_session_id: Option<String>,
    pub arch: String,
    pub caller: Option<String>,
    pub cli_version: String,
    pub command: String,
    pub duration_ms: i32,
    pub environment_id: Option<String>,
    pub error_class: Option<String>,
    pub error_message: Option<String>,
    pub install_request_id: Option<String>,
    pub is_ci: bool,
    pub os: String,
    pub project_id: Option<String>,
    pub service_id: Option<String>,
    pub session_id: Option<String>,
    pub sub_command: Option<String>,
    pub success: bool,
    pub workspace_id: Option<String>,
}

/// `CloudAgentCreateInput`.
#[derive(InputObject)]
pub struct CloudAgentCreateInput {
    pub environment_id: String,
    pub name: Option<String>,
    pub variables: Option<Json>,
}

/// `EnablePitrForHaClusterInput`.
#[derive(InputObject)]
pub struct EnablePitrForHaClusterInput {
    pub environment_id: String,
    pub project_id: String,
    pub root_service_id: String,
}

/// `DisablePitrForHaClusterInput`.
#[derive(InputObject)]
pub struct DisablePitrForHaClusterInput {
    pub environment_id: String,
    pub project_id: String,
    pub root_service_id: String,
}

/// `DisableServiceCdnInput`.
#[derive(InputObject)]
pub struct DisableServiceCdnInput {
    pub environment_id: String,
    pub service_id: String,
}

/// `StaleWhileRevalidateInput`.
#[derive(InputObject)]
pub struct StaleWhileRevalidateInput {
    pub enabled: bool,
}

/// `EdgeCachingConfigInput`.
#[derive(InputObject)]
pub struct EdgeCachingConfigInput {
    pub default_ttl_seconds: Option<i32>,
    pub html_caching: Option<String>,
    pub mode: Option<String>,
    pub purge_on_deploy: Option<PurgeOnDeploy>,
    pub stale_while_revalidate: Option<StaleWhileRevalidateInput>,
}

impl EdgeCachingConfigInput {
    /// As JSON, absent fields left out.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        if let Some(v) = self.default_ttl_seconds {
            m.insert("defaultTtlSeconds".into(), v.into());
        }
        if let Some(v) = &self.html_caching {
            m.insert("htmlCaching".into(), v.clone().into());
        }
        if let Some(v) = &self.mode {
            m.insert("mode".into(), v.clone().into());
        }
        if let Some(v) = self.purge_on_deploy {
            let s = match v {
                PurgeOnDeploy::All => "ALL",
                PurgeOnDeploy::Html => "HTML",
                PurgeOnDeploy::Off => "OFF",
            };
            m.insert("purgeOnDeploy".into(), s.into());
        }
        if let Some(v) = &self.stale_while_revalidate {
            m.insert(
                "staleWhileRevalidate".into(),
                serde_json::json!({"enabled": v.enabled}),
            );
        }
        serde_json::Value::Object(m)
    }
}

/// `EdgeConfigInput`.
#[derive(InputObject)]
pub struct EdgeConfigInput {
    pub caching: Option<EdgeCachingConfigInput>,
}

/// `EnableServiceCdnInput`.
#[derive(InputObject)]
pub struct EnableServiceCdnInput {
    pub config: Option<EdgeConfigInput>,
    pub environment_id: String,
    pub service_id: String,
}

/// `UpdateServiceEdgeConfigInput`.
#[derive(InputObject)]
pub struct UpdateServiceEdgeConfigInput {
    pub config: EdgeConfigInput,
    pub environment_id: String,
    pub service_id: String,
}

/// `PurgeServiceCacheInput`.
#[derive(InputObject)]
pub struct PurgeServiceCacheInput {
    pub environment_id: String,
    pub scope: PurgeCacheScope,
    pub service_id: String,
}

/// `SetServiceUnderAttackModeInput`.
#[derive(InputObject)]
pub struct SetServiceUnderAttackModeInput {
    pub duration_seconds: Option<i32>,
    pub enabled: bool,
    pub environment_id: String,
    pub service_id: String,
}

/// `EgressGatewayCreateInput`.
#[derive(InputObject)]
pub struct EgressGatewayCreateInput {
    pub environment_id: String,
    pub region: Option<String>,
    pub service_id: String,
}

/// `EgressGatewayServiceTargetInput`.
#[derive(InputObject)]
pub struct EgressGatewayServiceTargetInput {
    pub all_environments: Option<bool>,
    pub environment_id: String,
    pub service_id: String,
}

/// `SandboxNetworkIsolation`.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SandboxNetworkIsolation {
    Isolated,
    Private,
}

/// `SandboxTemplateInput`.
#[derive(InputObject)]
pub struct SandboxTemplateInput {
    pub base_image_digest: Option<String>,
    pub instructions: Option<Vec<String>>,
    pub name: Option<String>,
    pub variables: Option<EnvironmentVariables>,
}

/// `SandboxCreateInput`.
#[derive(InputObject)]
pub struct SandboxCreateInput {
    pub environment_id: String,
    pub idle_timeout_minutes: Option<i32>,
    pub network_isolation: Option<SandboxNetworkIsolation>,
    pub region: Option<String>,
    pub source_sandbox_id: Option<String>,
    pub template: Option<SandboxTemplateInput>,
    pub variables: Option<EnvironmentVariables>,
}

/// `ServiceDomainUpdateInput`.
#[derive(InputObject)]
pub struct ServiceDomainUpdateInput {
    pub domain: String,
    pub environment_id: String,
    pub service_domain_id: String,
    pub service_id: String,
    pub target_port: Option<i32>,
}

/// `ShellTokenInput`.
#[derive(InputObject)]
pub struct ShellTokenInput {
    pub environment_id: String,
    pub instance_id: String,
    pub kind: Option<String>,
    pub port: Option<i32>,
    pub scope: String,
    pub service_id: Option<String>,
}

/// `SshPublicKeyCreateInput`.
#[derive(InputObject)]
pub struct SshPublicKeyCreateInput {
    pub name: String,
    pub public_key: String,
    pub workspace_id: Option<String>,
}

/// `TemplateDeleteInput`.
#[derive(InputObject)]
pub struct TemplateDeleteInput {
    pub workspace_id: Option<String>,
}

/// `TemplateDeployV2Input`.
#[derive(InputObject)]
#[graphql(name = "TemplateDeployV2Input")]
pub struct TemplateDeployV2Input {
    pub environment_id: Option<String>,
    pub existing_root_service_id: Option<String>,
    pub project_id: Option<String>,
    pub serialized_config: SerializedTemplateConfig,
    pub stage_only: Option<bool>,
    pub template_id: String,
    pub workspace_id: Option<String>,
}

/// `TemplateGenerateInput`.
#[derive(InputObject)]
pub struct TemplateGenerateInput {
    pub environment_id: Option<String>,
    pub project_id: String,
}

/// `TemplatePublishInput`.
#[derive(InputObject)]
pub struct TemplatePublishInput {
    pub category: String,
    pub demo_project_id: Option<String>,
    pub description: String,
    pub image: Option<String>,
    pub readme: String,
    pub workspace_id: Option<String>,
}

/// `TemplateRevertInput`.
#[derive(InputObject)]
pub struct TemplateRevertInput {
    pub environment_id: String,
    pub group_id: Option<String>,
    pub project_id: String,
    pub root_service_id: String,
    pub stage_only: Option<bool>,
    pub template_code: String,
}

/// `TwoFactorInfoValidateInput`.
#[derive(InputObject)]
pub struct TwoFactorInfoValidateInput {
    pub token: String,
    pub two_factor_linking_key: Option<String>,
}

/// `VolumeInstanceUpdateInput`: `serviceId` absent or `null` detaches, as
/// the schema says ("If not provided, the volume will be disconnected").
#[derive(InputObject)]
pub struct VolumeInstanceUpdateInput {
    pub mount_path: Option<String>,
    pub service_id: Option<String>,
    pub state: Option<VolumeState>,
}

/// `VolumeUpdateInput`.
#[derive(InputObject)]
pub struct VolumeUpdateInput {
    pub name: Option<String>,
}
