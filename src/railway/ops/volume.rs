//! Volumes and their per-environment instances.

use super::common::PageInfo;
use crate::railway::schema::{DateTime, schema};

/// A volume (project level).
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct Volume {
    /// Railway's id.
    pub id: cynic::Id,
    /// Name.
    pub name: String,
}

/// Variables of [`VolumeInstancesQuery`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct VolumeInstancesVariables {
    /// The environment.
    pub environment_id: String,
    /// Page size.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub first: Option<i32>,
    /// Cursor to continue from.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// `environment(id) { volumeInstances }`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "VolumeInstancesVariables")]
pub struct VolumeInstancesQuery {
    /// The environment.
    #[arguments(id: $environment_id)]
    pub environment: EnvironmentVolumeInstances,
}

/// The volume instances of one environment.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Environment", variables = "VolumeInstancesVariables")]
pub struct EnvironmentVolumeInstances {
    /// The page.
    #[arguments(first: $first, after: $after)]
    pub volume_instances: VolumeInstancesConnection,
}

/// A page of volume instances.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "EnvironmentVolumeInstancesConnection")]
pub struct VolumeInstancesConnection {
    /// The rows.
    pub edges: Vec<VolumeInstanceEdge>,
    /// Whether more pages follow.
    pub page_info: PageInfo,
}

/// One row of [`VolumeInstancesConnection`].
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "EnvironmentVolumeInstancesConnectionEdge")]
pub struct VolumeInstanceEdge {
    /// The instance.
    pub node: VolumeInstance,
}

/// A volume in one environment.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct VolumeInstance {
    /// Railway's id of the instance.
    pub id: cynic::Id,
    /// The volume.
    pub volume_id: String,
    /// The service it is mounted on.
    pub service_id: Option<String>,
    /// The environment.
    pub environment_id: String,
    /// Mount path inside the service.
    pub mount_path: String,
    /// Provisioned size.
    #[cynic(rename = "sizeMB")]
    pub size_mb: i32,
    /// Region.
    pub region: Option<String>,
    /// Lifecycle state.
    pub state: Option<VolumeState>,
    /// Set once deleted.
    pub deleted_at: Option<DateTime>,
}

/// Lifecycle of a volume instance.
#[derive(cynic::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeState {
    /// Deleted.
    Deleted,
    /// Being deleted.
    Deleting,
    /// Failed.
    Error,
    /// Moving between regions.
    Migrating,
    /// Waiting to move.
    MigrationPending,
    /// Usable.
    Ready,
    /// Restoring a backup.
    Restoring,
    /// Being changed.
    Updating,
}

/// Input of `volumeCreate`.
#[derive(cynic::InputObject, Debug, Clone, Default)]
pub struct VolumeCreateInput {
    /// The project.
    pub project_id: String,
    /// Mount path inside the service.
    pub mount_path: String,
    /// The service to mount it on.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// The environment; absent means every environment.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    /// Region.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// Variables of [`VolumeCreate`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct VolumeCreateVariables {
    /// The new volume.
    pub input: VolumeCreateInput,
}

/// `volumeCreate`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "VolumeCreateVariables")]
pub struct VolumeCreate {
    /// The created volume.
    #[arguments(input: $input)]
    pub volume_create: Volume,
}

/// Variables of [`VolumeDelete`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct VolumeDeleteVariables {
    /// The volume.
    pub volume_id: String,
}

/// `volumeDelete`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "VolumeDeleteVariables")]
pub struct VolumeDelete {
    /// Always true on success.
    #[arguments(volumeId: $volume_id)]
    pub volume_delete: bool,
}
