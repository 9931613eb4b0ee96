//! Domains, TCP proxies and volumes.

use async_graphql::{Context, ID, Object, SimpleObject};

use super::enums::*;
use super::guard::{GqlResult, core, lookup};
use super::project::{Project, load_project};
use super::scalars::DateTime;
use crate::emulator::state::VolumeRec;
use crate::emulator::views::{
    CustomDomainRow, SERVICE_DOMAIN_SUFFIX, ServiceDomainRow, TCP_PROXY_DOMAIN, TcpProxyRow,
    VolumeInstanceRow,
};

/// A `*.up.railway.app` domain of a service instance.
pub struct ServiceDomain(pub ServiceDomainRow);

#[Object]
impl ServiceDomain {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn domain(&self) -> &str {
        &self.0.domain
    }
    async fn suffix(&self) -> Option<&str> {
        Some(SERVICE_DOMAIN_SUFFIX)
    }
    async fn target_port(&self) -> Option<i32> {
        self.0.target_port
    }
    async fn sync_status(&self) -> ServiceDomainSyncStatus {
        ServiceDomainSyncStatus::Active
    }
    async fn service_id(&self) -> &str {
        &self.0.service_id
    }
    async fn environment_id(&self) -> &str {
        &self.0.environment_id
    }
    async fn project_id(&self) -> Option<&str> {
        Some(&self.0.project_id)
    }
    async fn created_at(&self) -> Option<DateTime> {
        None
    }
    async fn updated_at(&self) -> Option<DateTime> {
        None
    }
    async fn deleted_at(&self) -> Option<DateTime> {
        None
    }
}

/// A DNS record a custom domain needs (`DNSRecords`).
#[derive(SimpleObject)]
#[graphql(name = "DNSRecords")]
pub struct DnsRecords {
    pub current_value: String,
    pub fqdn: String,
    pub hostlabel: String,
    pub purpose: DnsRecordPurpose,
    pub record_type: DnsRecordType,
    pub required_value: String,
    pub status: DnsRecordStatus,
    pub zone: String,
}

/// A certificate's public details (`CertificatePublicData`).
#[derive(SimpleObject)]
pub struct CertificatePublicData {
    pub domain_names: Vec<String>,
    pub expires_at: Option<DateTime>,
    pub fingerprint_sha256: String,
    pub issued_at: Option<DateTime>,
    pub key_type: KeyType,
}

/// Verification and certificate state of a custom domain.
#[derive(SimpleObject)]
pub struct CustomDomainStatus {
    #[graphql(name = "cdnProvider")]
    pub cdn_provider: Option<CdnProvider>,
    pub certificate_error_message: Option<String>,
    pub certificate_error_type: Option<CertificateErrorType>,
    pub certificate_retryable: Option<bool>,
    pub certificate_status: CertificateStatus,
    pub certificate_status_detailed: Option<CertificateStatusDetailed>,
    pub certificates: Option<Vec<CertificatePublicData>>,
    pub dns_records: Vec<DnsRecords>,
    pub verification_dns_host: Option<String>,
    pub verification_token: Option<String>,
    pub verified: bool,
}

/// A custom domain of a service instance.
pub struct CustomDomain(pub CustomDomainRow);

#[Object]
impl CustomDomain {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn domain(&self) -> &str {
        &self.0.domain
    }
    async fn target_port(&self) -> Option<i32> {
        self.0.target_port
    }
    async fn sync_status(&self) -> CustomDomainSyncStatus {
        CustomDomainSyncStatus::Active
    }
    async fn service_id(&self) -> &str {
        &self.0.service_id
    }
    async fn environment_id(&self) -> &str {
        &self.0.environment_id
    }
    async fn project_id(&self) -> Option<&str> {
        Some(&self.0.project_id)
    }
    async fn is_railway_domain(&self) -> bool {
        false
    }
    async fn created_at(&self) -> Option<DateTime> {
        None
    }
    async fn updated_at(&self) -> Option<DateTime> {
        None
    }
    async fn deleted_at(&self) -> Option<DateTime> {
        None
    }
    /// A CNAME to a generated target; the emulator reports it propagated
    /// and the certificate valid.
    async fn status(&self, ctx: &Context<'_>) -> CustomDomainStatus {
        let domain = &self.0.domain;
        let (host, zone) = match domain.split_once('.') {
            Some((h, z)) if z.contains('.') => (h.to_string(), z.to_string()),
            _ => ("@".to_string(), domain.clone()),
        };
        let target = format!("{}.up.railway.app", &self.0.id[..8]);
        let issued = core(ctx).read(|st| {
            st.environments
                .get(&self.0.environment_id)
                .map(|e| e.updated_at)
                .unwrap_or(0)
        });
        let fingerprint = format!(
            "{:064x}",
            u128::from(crate::emulator::clock::fnv1a(domain.as_bytes()))
        );
        CustomDomainStatus {
            cdn_provider: None,
            certificate_error_message: None,
            certificate_error_type: None,
            certificate_retryable: Some(false),
            certificate_status_detailed: Some(CertificateStatusDetailed::Complete),
            certificates: Some(vec![CertificatePublicData {
                domain_names: vec![domain.clone()],
                expires_at: Some(DateTime(issued + 90 * 86_400_000)),
                fingerprint_sha256: fingerprint,
                issued_at: Some(DateTime(issued)),
                key_type: KeyType::Ecdsa,
            }]),
            certificate_status: CertificateStatus::Valid,
            dns_records: vec![DnsRecords {
                current_value: target.clone(),
                fqdn: domain.clone(),
                hostlabel: host,
                purpose: DnsRecordPurpose::TrafficRoute,
                record_type: DnsRecordType::Cname,
                required_value: target,
                status: DnsRecordStatus::Propagated,
                zone,
            }],
            verification_dns_host: Some(format!("_railway-verify.{domain}")),
            verification_token: Some(format!("railway-verify={}", self.0.id.replace('-', ""))),
            verified: true,
        }
    }
}

/// A TCP proxy of a service instance.
pub struct TcpProxy(pub TcpProxyRow);

#[Object(name = "TCPProxy")]
impl TcpProxy {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn application_port(&self) -> i32 {
        self.0.application_port
    }
    async fn proxy_port(&self) -> i32 {
        self.0.proxy_port
    }
    async fn domain(&self) -> &str {
        TCP_PROXY_DOMAIN
    }
    async fn environment_id(&self) -> &str {
        &self.0.environment_id
    }
    async fn service_id(&self) -> &str {
        &self.0.service_id
    }
    async fn sync_status(&self) -> TcpProxySyncStatus {
        TcpProxySyncStatus::Active
    }
    async fn created_at(&self) -> Option<DateTime> {
        None
    }
    async fn updated_at(&self) -> Option<DateTime> {
        None
    }
    async fn deleted_at(&self) -> Option<DateTime> {
        None
    }
}

/// A volume of a project.
pub struct Volume(pub VolumeRec);

#[Object]
impl Volume {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn project_id(&self) -> &str {
        &self.0.project_id
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn project(&self, ctx: &Context<'_>) -> GqlResult<Project> {
        load_project(ctx, &self.0.project_id)
    }
}

/// A volume's instance in one environment.
pub struct VolumeInstance(pub VolumeInstanceRow);

#[Object]
impl VolumeInstance {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn volume_id(&self) -> &str {
        &self.0.volume_id
    }
    async fn environment_id(&self) -> &str {
        &self.0.environment_id
    }
    async fn service_id(&self) -> Option<&str> {
        self.0.service_id.as_deref()
    }
    async fn mount_path(&self) -> &str {
        &self.0.mount_path
    }
    #[graphql(name = "sizeMB")]
    async fn size_mb(&self) -> i32 {
        self.0.size_mb
    }
    /// The emulator stores nothing, so volumes read as empty.
    #[graphql(name = "currentSizeMB")]
    async fn current_size_mb(&self) -> f64 {
        0.0
    }
    async fn region(&self) -> Option<&str> {
        self.0.region.as_deref()
    }
    async fn state(&self) -> Option<VolumeState> {
        Some(VolumeState::Ready)
    }
    async fn is_pending_deletion(&self) -> bool {
        false
    }
    async fn external_id(&self) -> Option<&str> {
        None
    }
    async fn created_at(&self, ctx: &Context<'_>) -> DateTime {
        DateTime(core(ctx).read(|st| {
            st.volumes
                .get(&self.0.volume_id)
                .map(|v| v.created_at)
                .unwrap_or(0)
        }))
    }
    async fn deleted_at(&self) -> Option<DateTime> {
        None
    }
    async fn volume(&self, ctx: &Context<'_>) -> GqlResult<Volume> {
        lookup(
            ctx,
            "Volume",
            |st| st.volumes.get(&self.0.volume_id).cloned(),
            Volume,
        )
    }
}
