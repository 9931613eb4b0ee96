//! Railway's enums, value for value as the schema spells them.

use async_graphql::Enum;

use crate::emulator::deploy::Status;

/// `DeploymentStatus`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DeploymentStatus {
    Building,
    Crashed,
    Deploying,
    Failed,
    Initializing,
    NeedsApproval,
    Queued,
    Removed,
    Removing,
    Skipped,
    Sleeping,
    Success,
    Waiting,
}

impl From<Status> for DeploymentStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::NeedsApproval => DeploymentStatus::NeedsApproval,
            Status::Sleeping => DeploymentStatus::Sleeping,
            Status::Initializing => DeploymentStatus::Initializing,
            Status::Building => DeploymentStatus::Building,
            Status::Deploying => DeploymentStatus::Deploying,
            Status::Success => DeploymentStatus::Success,
            Status::Failed => DeploymentStatus::Failed,
            Status::Crashed => DeploymentStatus::Crashed,
            Status::Removing => DeploymentStatus::Removing,
            Status::Removed => DeploymentStatus::Removed,
        }
    }
}

/// `DeploymentInstanceStatus`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DeploymentInstanceStatus {
    Crashed,
    Created,
    Exited,
    Initializing,
    Removed,
    Removing,
    Restarting,
    Running,
    Skipped,
    Stopped,
}

/// `Builder` (the GraphQL enum has no `DOCKERFILE`).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Builder {
    Heroku,
    Nixpacks,
    Paketo,
    Railpack,
}

/// `RestartPolicyType`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum RestartPolicyType {
    Always,
    Never,
    OnFailure,
}

/// `EnvironmentPatchStatus`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum EnvironmentPatchStatus {
    Applying,
    Committed,
    Staged,
}

/// Railway has one sync-status enum per networking type, all with the same
/// values; this declares one of them.
macro_rules! sync_status {
    ($name:ident, $graphql:literal) => {
        #[doc = concat!("`", $graphql, "`.")]
        #[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
        #[graphql(name = $graphql)]
        pub enum $name {
            Active,
            Creating,
            Deleted,
            Deleting,
            Unspecified,
            Updating,
        }
    };
}

sync_status!(ServiceDomainSyncStatus, "ServiceDomainSyncStatus");
sync_status!(CustomDomainSyncStatus, "CustomDomainSyncStatus");
sync_status!(TcpProxySyncStatus, "TCPProxySyncStatus");

/// `VolumeState`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum VolumeState {
    Deleted,
    Deleting,
    Error,
    Migrating,
    MigrationPending,
    Ready,
    Restoring,
    Updating,
}

/// `SortOrder` (lowercase values in Railway's schema).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SortOrder {
    #[graphql(name = "asc")]
    Asc,
    #[graphql(name = "desc")]
    Desc,
}

/// `ProjectsOrderBy`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ProjectsOrderBy {
    CreatedAtDesc,
    NameAsc,
    UpdatedAtDesc,
}

/// `PublicRuntime`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum PublicRuntime {
    Legacy,
    Unspecified,
    V2,
}

/// `CertificateStatus`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CertificateStatus {
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_ISSUE_FAILED")]
    IssueFailed,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_ISSUING")]
    Issuing,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_UNSPECIFIED")]
    Unspecified,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_VALID")]
    Valid,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_VALIDATING_OWNERSHIP")]
    ValidatingOwnership,
    #[graphql(name = "UNRECOGNIZED")]
    Unrecognized,
}

/// `DNSRecordType`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "DNSRecordType")]
pub enum DnsRecordType {
    #[graphql(name = "DNS_RECORD_TYPE_A")]
    A,
    #[graphql(name = "DNS_RECORD_TYPE_CNAME")]
    Cname,
    #[graphql(name = "DNS_RECORD_TYPE_NS")]
    Ns,
    #[graphql(name = "DNS_RECORD_TYPE_TXT")]
    Txt,
    #[graphql(name = "DNS_RECORD_TYPE_UNSPECIFIED")]
    Unspecified,
    #[graphql(name = "UNRECOGNIZED")]
    Unrecognized,
}

/// `DNSRecordStatus`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "DNSRecordStatus")]
pub enum DnsRecordStatus {
    #[graphql(name = "DNS_RECORD_STATUS_PROPAGATED")]
    Propagated,
    #[graphql(name = "DNS_RECORD_STATUS_REQUIRES_UPDATE")]
    RequiresUpdate,
    #[graphql(name = "DNS_RECORD_STATUS_UNSPECIFIED")]
    Unspecified,
    #[graphql(name = "UNRECOGNIZED")]
    Unrecognized,
}

/// `DNSRecordPurpose`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "DNSRecordPurpose")]
pub enum DnsRecordPurpose {
    #[graphql(name = "DNS_RECORD_PURPOSE_ACME_DNS01_CHALLENGE")]
    AcmeDns01Challenge,
    #[graphql(name = "DNS_RECORD_PURPOSE_TRAFFIC_ROUTE")]
    TrafficRoute,
    #[graphql(name = "DNS_RECORD_PURPOSE_UNSPECIFIED")]
    Unspecified,
    #[graphql(name = "UNRECOGNIZED")]
    Unrecognized,
}

/// `CDNProvider`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "CDNProvider")]
pub enum CdnProvider {
    #[graphql(name = "DETECTED_CDN_PROVIDER_CLOUDFLARE")]
    Cloudflare,
    #[graphql(name = "DETECTED_CDN_PROVIDER_UNSPECIFIED")]
    Unspecified,
    #[graphql(name = "UNRECOGNIZED")]
    Unrecognized,
}

/// `CertificateStatusDetailed`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CertificateStatusDetailed {
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_CLEANING_UP")]
    CleaningUp,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_COMPLETE")]
    Complete,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_CREATING_ORDER")]
    CreatingOrder,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_DOWNLOADING_CERTIFICATE")]
    DownloadingCertificate,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_FAILED")]
    Failed,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_FETCHING_AUTHORIZATIONS")]
    FetchingAuthorizations,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_FINALIZING_ORDER")]
    FinalizingOrder,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_GENERATING_KEYS")]
    GeneratingKeys,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_INITIATING_CHALLENGES")]
    InitiatingChallenges,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_POLLING_AUTHORIZATIONS")]
    PollingAuthorizations,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_PRESENTING_CHALLENGES")]
    PresentingChallenges,
    #[graphql(name = "CERTIFICATE_STATUS_TYPE_DETAILED_UNSPECIFIED")]
    Unspecified,
    #[graphql(name = "UNRECOGNIZED")]
    Unrecognized,
}

/// `CertificateErrorType`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CertificateErrorType {
    #[graphql(name = "CERTIFICATE_ERROR_TYPE_AUTHORIZATION_FAILED")]
    AuthorizationFailed,
    #[graphql(name = "CERTIFICATE_ERROR_TYPE_DNS_VALIDATION")]
    DnsValidation,
    #[graphql(name = "CERTIFICATE_ERROR_TYPE_INTERNAL")]
    Internal,
    #[graphql(name = "CERTIFICATE_ERROR_TYPE_KEY_GENERATION")]
    KeyGeneration,
    #[graphql(name = "CERTIFICATE_ERROR_TYPE_ORDER_CREATION")]
    OrderCreation,
    #[graphql(name = "CERTIFICATE_ERROR_TYPE_RATE_LIMIT")]
    RateLimit,
    #[graphql(name = "CERTIFICATE_ERROR_TYPE_UNSPECIFIED")]
    Unspecified,
    #[graphql(name = "UNRECOGNIZED")]
    Unrecognized,
}

/// `KeyType`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum KeyType {
    #[graphql(name = "KEY_TYPE_ECDSA")]
    Ecdsa,
    #[graphql(name = "KEY_TYPE_RSA_2048")]
    Rsa2048,
    #[graphql(name = "KEY_TYPE_RSA_4096")]
    Rsa4096,
    #[graphql(name = "KEY_TYPE_UNSPECIFIED")]
    Unspecified,
    #[graphql(name = "UNRECOGNIZED")]
    Unrecognized,
}
