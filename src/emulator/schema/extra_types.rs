//! Object types and enums of the features in `crate::emulator::extras`,
//! field for field as Railway's schema has them (only the fields the
//! emulator serves).

use async_graphql::{
    Enum, ID, InputValueError, InputValueResult, Scalar, ScalarType, SimpleObject,
};
use serde_json::Value as Json;

use super::connection::connection;
use super::project::Project;
use super::scalars::{DateTime, Json as JsonScalar};

/// `BigInt`: a whole number, sent as a JSON number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BigInt(pub i64);

#[Scalar(name = "BigInt")]
impl ScalarType for BigInt {
    fn parse(value: async_graphql::Value) -> InputValueResult<Self> {
        match &value {
            async_graphql::Value::Number(n) => n
                .as_i64()
                .map(BigInt)
                .ok_or_else(|| InputValueError::custom("not a whole number")),
            async_graphql::Value::String(s) => s
                .parse()
                .map(BigInt)
                .map_err(|_| InputValueError::custom("not a whole number")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }
    fn to_value(&self) -> async_graphql::Value {
        async_graphql::Value::Number(self.0.into())
    }
}

/// `SerializedTemplateConfig`: a template's services as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct SerializedTemplateConfig(pub Json);

#[Scalar(name = "SerializedTemplateConfig")]
impl ScalarType for SerializedTemplateConfig {
    fn parse(value: async_graphql::Value) -> InputValueResult<Self> {
        value
            .into_json()
            .map(SerializedTemplateConfig)
            .map_err(|e| InputValueError::custom(e.to_string()))
    }
    fn to_value(&self) -> async_graphql::Value {
        async_graphql::Value::from_json(self.0.clone()).unwrap_or(async_graphql::Value::Null)
    }
}

/// `Bucket`.
#[derive(SimpleObject, Clone)]
pub struct Bucket {
    pub group_id: Option<String>,
    pub id: ID,
    pub name: String,
    pub project_id: String,
}

impl From<&crate::emulator::extras::BucketRec> for Bucket {
    fn from(b: &crate::emulator::extras::BucketRec) -> Self {
        Bucket {
            group_id: None,
            id: ID(b.id.clone()),
            name: b.name.clone(),
            project_id: b.project_id.clone(),
        }
    }
}

connection!(
    ProjectBucketsConnection,
    ProjectBucketsConnectionEdge,
    Bucket
);

/// `BucketInstanceDetails`.
#[derive(SimpleObject)]
pub struct BucketInstanceDetails {
    pub object_count: BigInt,
    pub size_bytes: BigInt,
}

/// `BucketS3CompatibleCredentials`.
#[derive(SimpleObject)]
pub struct BucketS3CompatibleCredentials {
    pub access_key_id: String,
    pub bucket_name: String,
    pub endpoint: String,
    pub region: String,
    pub secret_access_key: String,
    pub url_style: String,
}

impl From<[String; 6]> for BucketS3CompatibleCredentials {
    fn from(
        [
            access_key_id,
            secret_access_key,
            endpoint,
            bucket_name,
            region,
            url_style,
        ]: [String; 6],
    ) -> Self {
        BucketS3CompatibleCredentials {
            access_key_id,
            bucket_name,
            endpoint,
            region,
            secret_access_key,
            url_style,
        }
    }
}

/// `ChangeOperationResult`.
#[derive(SimpleObject)]
pub struct ChangeOperationResult {
    pub kind: String,
    pub outputs: Option<JsonScalar>,
    pub path: Option<String>,
    pub status: String,
    pub summary: Option<String>,
}

/// `ChangeSetApplyResult`.
#[derive(SimpleObject)]
pub struct ChangeSetApplyResult {
    pub changes: Vec<ChangeOperationResult>,
    pub deployment_id: Option<String>,
    pub diagnostics: JsonScalar,
    pub id: String,
    pub staged_patch_id: Option<String>,
    pub status: String,
}

/// `ChangeSetPreview`.
#[derive(SimpleObject)]
pub struct ChangeSetPreview {
    pub change_set: JsonScalar,
    pub diagnostics: JsonScalar,
    pub effects: JsonScalar,
}

/// `CloudAgentStatus`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CloudAgentStatus {
    Crashed,
    Deleting,
    Failed,
    Running,
    Sleeping,
    Starting,
}

/// `CloudAgent`.
#[derive(SimpleObject)]
pub struct CloudAgent {
    pub created_at: DateTime,
    pub environment_id: String,
    pub id: ID,
    pub name: String,
    pub project_id: String,
    pub status: CloudAgentStatus,
}

impl From<&crate::emulator::extras::CloudAgentRec> for CloudAgent {
    fn from(a: &crate::emulator::extras::CloudAgentRec) -> Self {
        CloudAgent {
            created_at: DateTime(a.created_at),
            environment_id: a.environment_id.clone(),
            id: ID(a.id.clone()),
            name: a.name.clone(),
            project_id: a.project_id.clone(),
            status: if a.sleeping {
                CloudAgentStatus::Sleeping
            } else {
                CloudAgentStatus::Running
            },
        }
    }
}

/// `SandboxSessionKind`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SandboxSessionKind {
    Exec,
    Shell,
}

/// `SandboxSessionRunState`.
#[derive(SimpleObject)]
pub struct SandboxSessionRunState {
    pub exit_code: i32,
    pub running: bool,
}

/// `SandboxSession`.
#[derive(SimpleObject)]
pub struct SandboxSession {
    pub attached: bool,
    pub command: String,
    pub created_at: Option<DateTime>,
    pub kind: SandboxSessionKind,
    pub name: String,
    pub run_state: SandboxSessionRunState,
}

connection!(
    QueryCloudAgentConsoleSessionsConnection,
    QueryCloudAgentConsoleSessionsConnectionEdge,
    SandboxSession
);

/// `DnsQueryZone` (lowercase values in Railway's schema).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DnsQueryZone {
    #[graphql(name = "external")]
    External,
    #[graphql(name = "internal")]
    Internal,
}

/// `DnsQueryLog`.
#[derive(SimpleObject, Clone)]
pub struct DnsQueryLog {
    pub answers: Vec<String>,
    pub cname_chain: Vec<String>,
    pub deployment_id: String,
    pub deployment_instance_id: String,
    pub qname: String,
    pub qtype: String,
    pub queried_at: String,
    pub query_zone: DnsQueryZone,
    pub rcode: String,
    pub service_id: String,
}

/// `PurgeOnDeploy`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum PurgeOnDeploy {
    All,
    Html,
    Off,
}

/// `PurgeCacheScope`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum PurgeCacheScope {
    All,
    Html,
}

/// `StaleWhileRevalidateConfig`.
#[derive(SimpleObject)]
pub struct StaleWhileRevalidateConfig {
    pub enabled: bool,
}

/// `EdgeCachingConfig`.
#[derive(SimpleObject)]
pub struct EdgeCachingConfig {
    pub default_ttl_seconds: i32,
    pub html_caching: String,
    pub mode: String,
    pub purge_on_deploy: PurgeOnDeploy,
    pub stale_while_revalidate: StaleWhileRevalidateConfig,
}

/// `EdgeConfig`.
#[derive(SimpleObject)]
pub struct EdgeConfig {
    pub caching: Option<EdgeCachingConfig>,
    pub enabled: bool,
    pub id: String,
    pub purge_epoch: i32,
    pub purge_epoch_by_kind: JsonScalar,
    pub under_attack_mode_until: Option<i32>,
}

impl EdgeConfig {
    /// The settings as served, "under attack" mode read at `now_secs`.
    pub fn of(rec: &crate::emulator::extras::EdgeRec, now_secs: i64) -> EdgeConfig {
        let c = &rec.caching;
        let s = |k: &str, d: &str| c.get(k).and_then(Json::as_str).unwrap_or(d).to_string();
        let purge = match c.get("purgeOnDeploy").and_then(Json::as_str) {
            Some("ALL") => PurgeOnDeploy::All,
            Some("OFF") => PurgeOnDeploy::Off,
            _ => PurgeOnDeploy::Html,
        };
        EdgeConfig {
            caching: rec.enabled.then(|| EdgeCachingConfig {
                default_ttl_seconds: c
                    .get("defaultTtlSeconds")
                    .and_then(Json::as_i64)
                    .unwrap_or(3600) as i32,
                html_caching: s("htmlCaching", "OFF"),
                mode: s("mode", "STANDARD"),
                purge_on_deploy: purge,
                stale_while_revalidate: StaleWhileRevalidateConfig {
                    enabled: c
                        .get("staleWhileRevalidate")
                        .and_then(|v| v.get("enabled"))
                        .and_then(Json::as_bool)
                        .unwrap_or(false),
                },
            }),
            enabled: rec.enabled,
            id: rec.id.clone(),
            purge_epoch: rec.purge_epoch,
            purge_epoch_by_kind: JsonScalar(
                serde_json::to_value(&rec.purge_epoch_by_kind).unwrap_or_default(),
            ),
            under_attack_mode_until: rec
                .under_attack_until
                .filter(|u| *u > now_secs)
                .map(|u| u as i32),
        }
    }
}

/// `EgressGateway`.
#[derive(SimpleObject)]
pub struct EgressGateway {
    pub ipv4: String,
    pub region: String,
    pub zone: Option<String>,
}

/// `ActiveFeatureFlag` (the local account has none of them).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ActiveFeatureFlag {
    AccessGroups,
    AgentByok,
    AgentContextSources,
    ChatSandbox,
    CloudAgents,
    DebugSmartDiagnosis,
    FixedDomainRadarRules,
    HaForAllTemplates,
    InDashboardSupport,
    MagicConfig,
    NewPeoplePage,
    PostgresMajorUpgrade,
    PostgresVulnAutoUpdate,
    PriorityBoarding,
    ProjectSandboxes,
    TemplateChangeSets,
}

/// `Team`.
#[derive(SimpleObject)]
pub struct Team {
    pub id: ID,
}

/// `ExternalWorkspace`: a workspace the user reaches through a project it
/// was invited to.
#[derive(SimpleObject)]
pub struct ExternalWorkspace {
    pub id: String,
    pub name: String,
    pub projects: Vec<Project>,
    pub team_id: Option<String>,
}

/// `FunctionRuntimeName`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum FunctionRuntimeName {
    #[graphql(name = "bun")]
    Bun,
}

/// `FunctionRuntimeVersion`.
#[derive(SimpleObject)]
pub struct FunctionRuntimeVersion {
    pub image: String,
    pub tag: String,
}

/// `FunctionRuntime`.
#[derive(SimpleObject)]
pub struct FunctionRuntime {
    pub latest_version: FunctionRuntimeVersion,
}

/// `GitHubRepo`.
#[derive(SimpleObject)]
#[graphql(name = "GitHubRepo")]
pub struct GitHubRepo {
    pub default_branch: String,
    pub full_name: String,
}

/// `GitHubSshKey`.
#[derive(SimpleObject)]
#[graphql(name = "GitHubSshKey")]
pub struct GitHubSshKey {
    pub id: i32,
    pub key: String,
    pub title: String,
}

/// `HttpDurationMetricsSample`.
#[derive(SimpleObject)]
pub struct HttpDurationMetricsSample {
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub ts: i32,
}

/// `HttpDurationMetricsResult`.
#[derive(SimpleObject)]
pub struct HttpDurationMetricsResult {
    pub samples: Vec<HttpDurationMetricsSample>,
}

/// `HttpMetricsSample`.
#[derive(SimpleObject)]
pub struct HttpMetricsSample {
    pub ts: i32,
    pub value: f64,
}

/// `HttpMetricsByStatusResult`.
#[derive(SimpleObject)]
pub struct HttpMetricsByStatusResult {
    pub samples: Vec<HttpMetricsSample>,
    pub status_code: i32,
}

/// `HttpLog`.
#[derive(SimpleObject, Clone)]
pub struct HttpLog {
    pub client_ua: String,
    pub deployment_id: String,
    pub deployment_instance_id: String,
    pub downstream_proto: String,
    pub edge_region: String,
    pub host: String,
    pub http_status: i32,
    pub method: String,
    pub path: String,
    pub request_id: String,
    pub response_details: String,
    pub rx_bytes: i32,
    pub src_ip: String,
    pub timestamp: String,
    pub total_duration: i32,
    pub tx_bytes: i32,
    pub upstream_address: String,
    pub upstream_errors: String,
    pub upstream_proto: String,
    pub upstream_rq_duration: i32,
}

/// `MetricMeasurement`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MetricMeasurement {
    BackupUsageGb,
    CpuLimit,
    CpuUsage,
    #[graphql(name = "CPU_USAGE_2")]
    CpuUsage2,
    DiskUsageGb,
    EphemeralDiskUsageGb,
    MeasurementUnspecified,
    MemoryLimitGb,
    MemoryUsageGb,
    NetworkRxGb,
    NetworkTxGb,
    Unrecognized,
}

/// `MetricTag`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MetricTag {
    DeploymentId,
    DeploymentInstanceId,
    EnvironmentId,
    HostType,
    KeyUnspecified,
    PluginId,
    ProjectId,
    Region,
    ServiceId,
    Unrecognized,
    VolumeId,
    VolumeInstanceId,
}

/// `Metric`.
#[derive(SimpleObject)]
pub struct Metric {
    pub ts: i32,
    pub value: f64,
}

/// `MetricTags`.
#[derive(SimpleObject)]
pub struct MetricTags {
    pub service_id: Option<String>,
}

/// `MetricsResult`.
#[derive(SimpleObject)]
pub struct MetricsResult {
    pub measurement: MetricMeasurement,
    pub tags: MetricTags,
    pub values: Vec<Metric>,
}

/// `NetworkFlowDirection`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum NetworkFlowDirection {
    #[graphql(name = "egress")]
    Egress,
    #[graphql(name = "ingress")]
    Ingress,
}

/// `NetworkFlowL4Protocol`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum NetworkFlowL4Protocol {
    #[graphql(name = "icmp")]
    Icmp,
    #[graphql(name = "icmpv6")]
    Icmpv6,
    #[graphql(name = "tcp")]
    Tcp,
    #[graphql(name = "udp")]
    Udp,
    #[graphql(name = "unknown")]
    Unknown,
}

/// `NetworkFlowPeerKind`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum NetworkFlowPeerKind {
    #[graphql(name = "edge_proxy")]
    EdgeProxy,
    #[graphql(name = "internet")]
    Internet,
    #[graphql(name = "local_dns")]
    LocalDns,
    #[graphql(name = "service")]
    Service,
    #[graphql(name = "unknown")]
    Unknown,
}

/// `NetworkFlowState`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum NetworkFlowState {
    #[graphql(name = "complete")]
    Complete,
    #[graphql(name = "partial")]
    Partial,
}

/// `NetworkFlowLog`.
#[derive(SimpleObject, Clone)]
pub struct NetworkFlowLog {
    pub byte_count: i32,
    pub capture_end: String,
    pub capture_start: String,
    pub deployment_id: String,
    pub deployment_instance_id: String,
    pub direction: NetworkFlowDirection,
    pub drop_cause: Option<String>,
    pub dst_addr: String,
    pub dst_port: i32,
    pub flow_id: String,
    pub flow_state: NetworkFlowState,
    #[graphql(name = "l4LatencyMs")]
    pub l4_latency_ms: f64,
    #[graphql(name = "l4Protocol")]
    pub l4_protocol: NetworkFlowL4Protocol,
    pub packet_count: i32,
    pub peer_kind: NetworkFlowPeerKind,
    pub peer_service_id: Option<String>,
    pub service_id: String,
    pub src_addr: String,
    pub src_port: i32,
}

/// `PitrHaMemberReplicationHealth`.
#[derive(SimpleObject)]
pub struct PitrHaMemberReplicationHealth {
    pub healthy: bool,
    pub is_leader: bool,
    pub lag_mb: Option<i32>,
    pub patroni_name: Option<String>,
    pub service_id: String,
    pub service_name: String,
    pub state: Option<String>,
}

/// `PitrHaClusterReplicationHealth`.
#[derive(SimpleObject)]
pub struct PitrHaClusterReplicationHealth {
    pub all_healthy: bool,
    pub checked_at: String,
    pub environment_id: String,
    pub members: Vec<PitrHaMemberReplicationHealth>,
    pub reachable: bool,
    pub root_service_id: String,
}

/// `PitrHaWorkflowDirection`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum PitrHaWorkflowDirection {
    Disable,
    Enable,
}

/// `PitrHaWorkflowMemberStatus`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum PitrHaWorkflowMemberStatus {
    Healthy,
    Pending,
    Restarting,
    Skipped,
}

/// `PitrHaWorkflowPhase`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum PitrHaWorkflowPhase {
    CreatingBucket,
    Done,
    Failed,
    PatchingDcs,
    Planning,
    RemovingVariables,
    RollingExLeader,
    RollingReplicas,
    SwitchingOver,
    Verifying,
    WritingVariables,
}

/// `PitrHaWorkflowMemberProgress`.
#[derive(SimpleObject)]
pub struct PitrHaWorkflowMemberProgress {
    pub is_leader: bool,
    pub service_id: String,
    pub service_name: String,
    pub status: PitrHaWorkflowMemberStatus,
}

/// `PitrHaWorkflowProgress`.
#[derive(SimpleObject)]
pub struct PitrHaWorkflowProgress {
    pub cluster_mutated: bool,
    pub completed_at: Option<String>,
    pub current_member_service_id: Option<String>,
    pub direction: PitrHaWorkflowDirection,
    pub error_message: Option<String>,
    pub failed_at_phase: Option<PitrHaWorkflowPhase>,
    pub members: Vec<PitrHaWorkflowMemberProgress>,
    pub new_leader_service_id: Option<String>,
    pub phase: PitrHaWorkflowPhase,
    pub started_at: String,
    pub updated_at: String,
    pub workflow_id: String,
}

/// `PrivateNetwork`.
#[derive(SimpleObject)]
pub struct PrivateNetwork {
    pub created_at: Option<DateTime>,
    pub deleted_at: Option<DateTime>,
    pub dns_name: String,
    pub environment_id: String,
    pub name: String,
    pub network_id: BigInt,
    pub project_id: String,
    pub public_id: String,
    pub tags: Vec<String>,
}

/// `PrivateNetworkEndpointSyncStatus`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum PrivateNetworkEndpointSyncStatus {
    Active,
    Creating,
    Deleted,
    Deleting,
    Unspecified,
    Updating,
}

/// `PrivateNetworkEndpoint`.
#[derive(SimpleObject)]
pub struct PrivateNetworkEndpoint {
    pub created_at: Option<DateTime>,
    pub deleted_at: Option<DateTime>,
    pub dns_name: String,
    pub new_dns_name: Option<String>,
    pub private_ips: Vec<String>,
    pub public_id: String,
    pub service_instance_id: String,
    pub sync_status: PrivateNetworkEndpointSyncStatus,
    pub tags: Vec<String>,
}

/// `RegionDeprecationInfo`.
#[derive(SimpleObject)]
pub struct RegionDeprecationInfo {
    pub is_deprecated: bool,
    pub replacement_region: String,
}

/// `RegionDeploymentConstraints`.
#[derive(SimpleObject)]
pub struct RegionDeploymentConstraints {
    pub deprecation_info: Option<RegionDeprecationInfo>,
}

/// `Region`.
#[derive(SimpleObject)]
pub struct Region {
    pub country: String,
    pub deployment_constraints: Option<RegionDeploymentConstraints>,
    pub location: String,
    pub name: String,
    pub region: Option<String>,
    pub workspace_id: Option<String>,
}

/// `SandboxStatus`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SandboxStatus {
    Creating,
    Destroyed,
    Destroying,
    Failed,
    Running,
}

/// `Sandbox`.
#[derive(SimpleObject)]
pub struct Sandbox {
    pub created_at: DateTime,
    pub environment_id: String,
    pub id: ID,
    pub idle_timeout_minutes: Option<i32>,
    pub region: String,
    pub status: SandboxStatus,
}

impl From<&crate::emulator::extras::SandboxRec> for Sandbox {
    fn from(s: &crate::emulator::extras::SandboxRec) -> Self {
        Sandbox {
            created_at: DateTime(s.created_at),
            environment_id: s.environment_id.clone(),
            id: ID(s.id.clone()),
            idle_timeout_minutes: s.idle_timeout_minutes,
            region: s.region.clone(),
            status: if s.destroyed_at.is_some() {
                SandboxStatus::Destroyed
            } else {
                SandboxStatus::Running
            },
        }
    }
}

connection!(
    QuerySandboxesConnection,
    QuerySandboxesConnectionEdge,
    Sandbox
);

/// `SandboxCheckpoint`.
#[derive(SimpleObject)]
pub struct SandboxCheckpoint {
    pub created_at: DateTime,
    pub environment_id: String,
    pub id: ID,
    pub key: String,
}

impl From<&crate::emulator::extras::CheckpointRec> for SandboxCheckpoint {
    fn from(c: &crate::emulator::extras::CheckpointRec) -> Self {
        SandboxCheckpoint {
            created_at: DateTime(c.created_at),
            environment_id: c.environment_id.clone(),
            id: ID(c.id.clone()),
            key: c.key.clone(),
        }
    }
}

/// `SandboxTemplateBuildStatus`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SandboxTemplateBuildStatus {
    Building,
    Failed,
    Pending,
    Ready,
}

/// `SandboxTemplateBuild`.
#[derive(SimpleObject)]
pub struct SandboxTemplateBuild {
    pub environment_id: String,
    pub id: ID,
    pub status: SandboxTemplateBuildStatus,
}

/// `SshPublicKey`.
#[derive(SimpleObject)]
pub struct SshPublicKey {
    pub fingerprint: String,
    pub id: ID,
    pub name: String,
    pub public_key: String,
    pub user_id: Option<String>,
    pub workspace_id: Option<String>,
}

impl From<&crate::emulator::extras::SshKeyRec> for SshPublicKey {
    fn from(k: &crate::emulator::extras::SshKeyRec) -> Self {
        SshPublicKey {
            fingerprint: k.fingerprint.clone(),
            id: ID(k.id.clone()),
            name: k.name.clone(),
            public_key: k.public_key.clone(),
            user_id: Some(super::account::LOCAL_USER_ID.to_string()),
            workspace_id: k.workspace_id.clone(),
        }
    }
}

connection!(
    QuerySshPublicKeysConnection,
    QuerySshPublicKeysConnectionEdge,
    SshPublicKey
);

/// `TemplateStatus`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum TemplateStatus {
    Hidden,
    Published,
    Unpublished,
}

/// `Template`.
#[derive(SimpleObject, Clone)]
pub struct Template {
    pub category: Option<String>,
    pub code: String,
    pub demo_project_id: Option<String>,
    pub description: Option<String>,
    pub id: ID,
    pub image: Option<String>,
    pub name: String,
    pub readme: Option<String>,
    pub serialized_config: Option<SerializedTemplateConfig>,
    pub status: TemplateStatus,
    pub workspace_id: Option<String>,
}

impl From<&crate::emulator::extras::TemplateRec> for Template {
    fn from(t: &crate::emulator::extras::TemplateRec) -> Self {
        Template {
            category: t.category.clone(),
            code: t.code.clone(),
            demo_project_id: t.demo_project_id.clone(),
            description: t.description.clone(),
            id: ID(t.id.clone()),
            image: t.image.clone(),
            name: t.name.clone(),
            readme: t.readme.clone(),
            serialized_config: Some(SerializedTemplateConfig(t.serialized_config.clone())),
            status: match t.status.as_str() {
                "PUBLISHED" => TemplateStatus::Published,
                "HIDDEN" => TemplateStatus::Hidden,
                _ => TemplateStatus::Unpublished,
            },
            workspace_id: t.workspace_id.clone(),
        }
    }
}

connection!(
    QueryWorkspaceTemplatesConnection,
    QueryWorkspaceTemplatesConnectionEdge,
    Template
);

/// `TemplateSearchResult`.
#[derive(SimpleObject)]
pub struct TemplateSearchResult {
    pub code: String,
    pub creator_name: Option<String>,
    pub deployment_count: i32,
    pub description: Option<String>,
    pub health_score: Option<f64>,
    pub id: String,
    pub image: Option<String>,
    pub is_verified: bool,
    pub name: String,
}

connection!(
    QueryTemplateSearchConnection,
    QueryTemplateSearchConnectionEdge,
    TemplateSearchResult
);

/// `TemplateDeployPayload`.
#[derive(SimpleObject)]
pub struct TemplateDeployPayload {
    pub project_id: String,
    pub workflow_id: Option<String>,
}

/// `TwoFactorInfo`.
#[derive(SimpleObject)]
pub struct TwoFactorInfo {
    pub has_recovery_codes: bool,
    pub is_verified: bool,
}

/// `VolumeInstanceBackup`.
#[derive(SimpleObject)]
pub struct VolumeInstanceBackup {
    pub created_at: DateTime,
    pub creator_id: Option<String>,
    pub expires_at: Option<DateTime>,
    pub external_id: String,
    pub id: String,
    pub name: Option<String>,
    #[graphql(name = "referencedMB")]
    pub referenced_mb: Option<i32>,
    pub schedule_id: Option<String>,
    #[graphql(name = "usedMB")]
    pub used_mb: Option<i32>,
    #[graphql(name = "volumeInstanceSizeMB")]
    pub volume_instance_size_mb: Option<i32>,
}

/// `VolumeInstanceBackupScheduleKind`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum VolumeInstanceBackupScheduleKind {
    Daily,
    Monthly,
    Weekly,
}

/// `VolumeInstanceBackupSchedule`.
#[derive(SimpleObject)]
pub struct VolumeInstanceBackupSchedule {
    pub created_at: DateTime,
    pub cron: String,
    pub id: ID,
    pub kind: VolumeInstanceBackupScheduleKind,
    pub name: String,
    pub retention_seconds: Option<i32>,
}

/// `WorkflowId`.
#[derive(SimpleObject)]
pub struct WorkflowId {
    pub workflow_id: Option<String>,
}

/// `WorkflowStatus` (PascalCase values in Railway's schema).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum WorkflowStatus {
    #[graphql(name = "Complete")]
    Complete,
    #[graphql(name = "Error")]
    Error,
    #[graphql(name = "NotFound")]
    NotFound,
    #[graphql(name = "Running")]
    Running,
}

/// `WorkflowResult`.
#[derive(SimpleObject)]
pub struct WorkflowResult {
    pub error: Option<String>,
    pub status: WorkflowStatus,
}

/// `DeploymentEventStep`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DeploymentEventStep {
    BuildImage,
    ConfigureNetwork,
    CreateContainer,
    DrainInstances,
    Healthcheck,
    MigrateVolumes,
    PreDeployCommand,
    PublishImage,
    SnapshotCode,
    WaitForDependencies,
}

/// `DeploymentEventPayload`.
#[derive(SimpleObject, Clone, Default)]
pub struct DeploymentEventPayload {
    pub attempt: Option<i32>,
    pub detail: Option<String>,
    pub duration_ms: Option<i32>,
    pub error: Option<String>,
    pub max_attempts: Option<i32>,
    pub reason: Option<String>,
    pub skipped: Option<bool>,
}

/// `DeploymentEvent`.
#[derive(SimpleObject, Clone)]
pub struct DeploymentEvent {
    pub completed_at: Option<DateTime>,
    pub created_at: DateTime,
    pub id: ID,
    pub payload: Option<DeploymentEventPayload>,
    pub step: DeploymentEventStep,
}
