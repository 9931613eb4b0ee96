//! The effective settings of one service in one environment, grouped as
//! Railway's `EnvironmentConfig` groups them (`source`, `build`, `deploy`,
//! `networking`, `variables`, volumes).

use std::collections::BTreeMap;

use super::{Origin, Valued, VarValue};

/// One service as configured in one environment.
#[derive(Debug, Clone, Default)]
pub struct ServiceInstance {
    /// The service name (Railway identity).
    pub name: String,
    /// Where `service "…"` is declared.
    pub declared: Option<Origin>,
    /// The template chain (`from=` and its `extends`), root first.
    /// Mirage-only concept.
    pub templates: Vec<String>,
    /// `source.image` or `source.repo`.
    pub source: Option<Valued<Source>>,
    /// `source.branch` (repo services only).
    pub branch: Option<Valued<String>>,
    /// `source.rootDirectory` (repo services only).
    pub root_directory: Option<Valued<String>>,
    /// `source.commitSha`: deploy this commit instead of the branch head.
    pub commit_sha: Option<Valued<String>>,
    /// `source.checkSuites`: wait for GitHub checks before deploying.
    pub check_suites: Option<Valued<bool>>,
    /// `source.upstreamUrl`: the repository a template service tracks.
    pub upstream_url: Option<Valued<String>>,
    /// `configFile`: path of a Railway config file in the repository.
    pub config_file: Option<Valued<String>>,
    /// `build.*`.
    pub build: Build,
    /// `deploy.*`.
    pub deploy: Deploy,
    /// `networking.*`.
    pub networking: Networking,
    /// `variables`: name → value; removed keys (`#null`) are absent.
    pub variables: BTreeMap<String, Valued<VarValue>>,
    /// The names of `variables` declared `sealed=#true`: Railway is given
    /// them with `isSealed` and never returns their value (see
    /// [`crate::model::variable`]).
    pub sealed: std::collections::BTreeSet<String>,
    /// The volume mounted into this service (`volumes` + `volumeMounts`).
    pub volume: Option<Volume>,
    /// The port the service listens on: default target port of domains and
    /// the `PORT` variable. Mirage convenience.
    pub port: Option<Valued<u16>>,
    /// Whether destroying this service here is forbidden. Mirage-only.
    pub protect: Option<Valued<bool>>,
    /// Explicit `depends-on` names (a list: replaced, not merged).
    pub depends_on: Option<Valued<Vec<String>>>,
    /// Every dependency: `depends-on` plus every `${{svc.VAR}}` reference.
    pub dependencies: Vec<Dependency>,
}

impl ServiceInstance {
    /// Whether destroying this instance is forbidden.
    pub fn is_protected(&self) -> bool {
        self.protect.as_ref().is_some_and(|p| p.value)
    }
}

/// Where the code of a service comes from: exactly one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A container image (`source.image`), `name[:tag][@digest]`.
    Image(String),
    /// A GitHub repository `owner/name` (`source.repo`).
    Repo(String),
}

/// `build` settings.
#[derive(Debug, Clone, Default)]
pub struct Build {
    /// `build.builder`: `RAILPACK`, `DOCKERFILE` or `NIXPACKS`.
    pub builder: Option<Valued<String>>,
    /// `build.buildCommand`.
    pub build_command: Option<Valued<String>>,
    /// `build.dockerfilePath`.
    pub dockerfile_path: Option<Valued<String>>,
    /// `build.watchPatterns`.
    pub watch_patterns: Option<Valued<Vec<String>>>,
    /// `build.nixpacksConfigPath`.
    pub nixpacks_config_path: Option<Valued<String>>,
    /// `build.nixpacksPlan` (JSON text).
    pub nixpacks_plan: Option<Valued<String>>,
    /// `build.railpackVersion`.
    pub railpack_version: Option<Valued<String>>,
    /// `build.buildEnvironment`.
    pub build_environment: Option<Valued<String>>,
}

/// `deploy` settings.
#[derive(Debug, Clone, Default)]
pub struct Deploy {
    /// `deploy.startCommand`.
    pub start_command: Option<Valued<String>>,
    /// `deploy.preDeployCommand`.
    pub pre_deploy_command: Option<Valued<Vec<String>>>,
    /// `deploy.healthcheckPath`.
    pub healthcheck_path: Option<Valued<String>>,
    /// `deploy.healthcheckTimeout`, seconds.
    pub healthcheck_timeout: Option<Valued<u64>>,
    /// `deploy.numReplicas`.
    pub num_replicas: Option<Valued<u32>>,
    /// The region of a single-region instance (maps to
    /// `deploy.multiRegionConfig.{region}.numReplicas` when `regions` is not
    /// set); defaults to the project's region.
    pub region: Option<Valued<String>>,
    /// `deploy.multiRegionConfig`: region → replicas.
    pub multi_region_config: BTreeMap<String, Valued<u32>>,
    /// `deploy.cronSchedule`.
    pub cron_schedule: Option<Valued<String>>,
    /// `deploy.restartPolicyType`.
    pub restart_policy_type: Option<Valued<RestartPolicy>>,
    /// `deploy.restartPolicyMaxRetries`.
    pub restart_policy_max_retries: Option<Valued<u32>>,
    /// `deploy.sleepApplication`.
    pub sleep_application: Option<Valued<bool>>,
    /// `deploy.registryCredentials`.
    pub registry_credentials: Option<Valued<RegistryCredentials>>,
    /// `deploy.limitOverride.containers`.
    pub limit_override: Limits,
    /// `deploy.overlapSeconds`.
    pub overlap_seconds: Option<Valued<u64>>,
    /// `deploy.drainingSeconds`.
    pub draining_seconds: Option<Valued<u64>>,
    /// `deploy.ipv6EgressEnabled`.
    pub ipv6_egress_enabled: Option<Valued<bool>>,
    /// `deploy.requiredMountPath`: Railway refuses to deploy unless a volume
    /// is mounted there.
    pub required_mount_path: Option<Valued<String>>,
}

/// `deploy.restartPolicyType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartPolicy {
    /// `ALWAYS`.
    Always,
    /// `NEVER`.
    Never,
    /// `ON_FAILURE`.
    OnFailure,
}

impl RestartPolicy {
    /// Railway's spelling.
    pub fn as_railway(self) -> &'static str {
        match self {
            RestartPolicy::Always => "ALWAYS",
            RestartPolicy::Never => "NEVER",
            RestartPolicy::OnFailure => "ON_FAILURE",
        }
    }
}

/// `deploy.registryCredentials`; the password is always a secret reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryCredentials {
    /// The registry user.
    pub username: String,
    /// Where the password comes from.
    pub password: super::SecretRef,
}

/// `deploy.limitOverride.containers`.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    /// vCPUs.
    pub cpu: Option<Valued<f64>>,
    /// Memory in bytes.
    pub memory_bytes: Option<Valued<u64>>,
    /// Ephemeral disk in bytes.
    pub disk_bytes: Option<Valued<u64>>,
}

/// `networking.*`.
#[derive(Debug, Clone, Default)]
pub struct Networking {
    /// `networking.serviceDomains`: a generated `*.up.railway.app` domain,
    /// with its target port (the service's `port` when not given).
    pub service_domain: Option<Valued<Option<u16>>>,
    /// `networking.customDomains` (a list: replaced, not merged).
    pub custom_domains: Option<Valued<Vec<CustomDomain>>>,
    /// `networking.tcpProxies`: the application port exposed over TCP.
    pub tcp_proxy: Option<Valued<u16>>,
    /// `networking.privateNetworkEndpoint`.
    pub private_network_endpoint: Option<Valued<String>>,
}

/// A custom domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomDomain {
    /// The host name.
    pub domain: String,
    /// Target port; the service's `port` when not given.
    pub port: Option<u16>,
}

/// A volume and where it is mounted.
#[derive(Debug, Clone)]
pub struct Volume {
    /// `volumeMounts.*.mountPath`.
    pub mount_path: Valued<String>,
    /// `volumes.*.sizeMB`, in megabytes.
    pub size_mb: Option<Valued<u64>>,
    /// `volumeMounts.*.backupSchedules`: `DAILY`, `WEEKLY`, `MONTHLY`.
    pub backup_schedules: Option<Valued<Vec<String>>>,
}

/// Why one service depends on another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DependencyReason {
    /// An explicit `depends-on`.
    DependsOn,
    /// A variable of this service references the other (`${{db.URL}}`).
    Reference {
        /// The variable holding the reference.
        variable: String,
        /// The referenced variable of the other service.
        target_variable: String,
    },
}

/// An edge of the dependency graph.
#[derive(Debug, Clone)]
pub struct Dependency {
    /// The service depended on.
    pub target: String,
    /// Why.
    pub reason: DependencyReason,
    /// Where the edge is written.
    pub origin: Origin,
}
