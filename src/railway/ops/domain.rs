//! Domains (Railway-generated and custom) and TCP proxies.

use super::common::{IdVariablesFields, InstanceVariablesFields};
use crate::railway::schema::{DateTime, schema};

/// Variables of [`DomainsQuery`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct DomainsVariables {
    /// The project.
    pub project_id: String,
    /// The environment.
    pub environment_id: String,
    /// The service.
    pub service_id: String,
}

/// `domains(projectId, environmentId, serviceId)`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "DomainsVariables")]
pub struct DomainsQuery {
    /// Both kinds of domains.
    #[arguments(projectId: $project_id, environmentId: $environment_id, serviceId: $service_id)]
    pub domains: AllDomains,
}

/// A service instance's domains.
#[derive(cynic::QueryFragment, Debug, Clone)]
pub struct AllDomains {
    /// `*.up.railway.app` domains.
    pub service_domains: Vec<ServiceDomain>,
    /// The user's own domains.
    pub custom_domains: Vec<CustomDomain>,
}

/// A Railway-generated domain.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct ServiceDomain {
    /// Railway's id.
    pub id: cynic::Id,
    /// The full host name.
    pub domain: String,
    /// The suffix (`up.railway.app`).
    pub suffix: Option<String>,
    /// Port traffic goes to.
    pub target_port: Option<i32>,
    /// The service.
    pub service_id: String,
    /// The environment.
    pub environment_id: String,
    /// Provisioning state.
    pub sync_status: SyncStatus,
}

/// A custom domain.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct CustomDomain {
    /// Railway's id.
    pub id: cynic::Id,
    /// The host name.
    pub domain: String,
    /// Port traffic goes to.
    pub target_port: Option<i32>,
    /// The service.
    pub service_id: String,
    /// The environment.
    pub environment_id: String,
    /// Provisioning state.
    pub sync_status: CustomSyncStatus,
}

/// Provisioning state of a service domain (`ServiceDomainSyncStatus`).
#[derive(cynic::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[cynic(graphql_type = "ServiceDomainSyncStatus")]
pub enum SyncStatus {
    /// Serving.
    Active,
    /// Being created.
    Creating,
    /// Deleted.
    Deleted,
    /// Being deleted.
    Deleting,
    /// Unknown.
    Unspecified,
    /// Being updated.
    Updating,
}

/// Provisioning state of a custom domain (`CustomDomainSyncStatus`).
#[derive(cynic::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[cynic(graphql_type = "CustomDomainSyncStatus")]
pub enum CustomSyncStatus {
    /// Serving.
    Active,
    /// Being created.
    Creating,
    /// Deleted.
    Deleted,
    /// Being deleted.
    Deleting,
    /// Unknown.
    Unspecified,
    /// Being updated.
    Updating,
}

/// Provisioning state of a TCP proxy (`TCPProxySyncStatus`).
#[derive(cynic::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[cynic(graphql_type = "TCPProxySyncStatus")]
pub enum TcpProxySyncStatus {
    /// Serving.
    Active,
    /// Being created.
    Creating,
    /// Deleted.
    Deleted,
    /// Being deleted.
    Deleting,
    /// Unknown.
    Unspecified,
    /// Being updated.
    Updating,
}

/// Input of `serviceDomainCreate`.
#[derive(cynic::InputObject, Debug, Clone, Default)]
pub struct ServiceDomainCreateInput {
    /// The environment.
    pub environment_id: String,
    /// The service.
    pub service_id: String,
    /// Port traffic goes to.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub target_port: Option<i32>,
}

/// Variables of [`ServiceDomainCreate`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct ServiceDomainCreateVariables {
    /// The new domain.
    pub input: ServiceDomainCreateInput,
}

/// `serviceDomainCreate`: a generated `*.up.railway.app` domain.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "ServiceDomainCreateVariables")]
pub struct ServiceDomainCreate {
    /// The created domain.
    #[arguments(input: $input)]
    pub service_domain_create: ServiceDomain,
}

/// `serviceDomainDelete`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "IdVariables")]
pub struct ServiceDomainDelete {
    /// Always true on success.
    #[arguments(id: $id)]
    pub service_domain_delete: bool,
}

/// Input of `customDomainCreate`.
#[derive(cynic::InputObject, Debug, Clone, Default)]
pub struct CustomDomainCreateInput {
    /// The host name.
    pub domain: String,
    /// The project.
    pub project_id: String,
    /// The environment.
    pub environment_id: String,
    /// The service.
    pub service_id: String,
    /// Port traffic goes to.
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub target_port: Option<i32>,
}

/// Variables of [`CustomDomainCreate`].
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct CustomDomainCreateVariables {
    /// The new domain.
    pub input: CustomDomainCreateInput,
}

/// `customDomainCreate`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "CustomDomainCreateVariables")]
pub struct CustomDomainCreate {
    /// The created domain.
    #[arguments(input: $input)]
    pub custom_domain_create: CustomDomain,
}

/// `customDomainDelete`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Mutation", variables = "IdVariables")]
pub struct CustomDomainDelete {
    /// Always true on success.
    #[arguments(id: $id)]
    pub custom_domain_delete: bool,
}

/// `tcpProxies(environmentId, serviceId)`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "InstanceVariables")]
pub struct TcpProxiesQuery {
    /// The proxies, including ones being deleted (see [`TcpProxy::is_live`]).
    #[arguments(environmentId: $environment_id, serviceId: $service_id)]
    pub tcp_proxies: Vec<TcpProxy>,
}

/// A TCP proxy.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "TCPProxy")]
pub struct TcpProxy {
    /// Railway's id.
    pub id: cynic::Id,
    /// Public host name.
    pub domain: String,
    /// Public port.
    pub proxy_port: i32,
    /// Port inside the service.
    pub application_port: i32,
    /// Provisioning state.
    pub sync_status: TcpProxySyncStatus,
    /// Set once deleted.
    pub deleted_at: Option<DateTime>,
}

impl TcpProxy {
    /// False for proxies that are deleted or being deleted (the CLI's rule).
    pub fn is_live(&self) -> bool {
        self.deleted_at.is_none()
            && !matches!(
                self.sync_status,
                TcpProxySyncStatus::Deleted | TcpProxySyncStatus::Deleting
            )
    }
}
