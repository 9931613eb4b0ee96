//! The status of environments and their services, explained, and waiting
//! until healthy.
//!
//! * [`read`]: ONE request for every asked environment (the project's
//!   environments with their service instances, latest deployments and
//!   their instances, domains), plus at most ONE more, aliased, for the
//!   details of the deployments that failed (their last build and deploy
//!   log lines, their events). [`Report`] is the model (serialised as
//!   `mirage status --json`; field names are stable, see
//!   `docs/observe.md`).
//! * [`guidance`]: what a deployment status means and what to do — the
//!   one copy, used by the CLI and serve's environment page.
//! * [`wait::until_healthy`]: read again until every deployment is final,
//!   reporting typed [`wait::WaitEvent`]s (the CLI's `--watch` and
//!   `--until-healthy`, `mirage apply --wait`).
//!
//! Nothing here prints; nothing here writes to Railway.

mod read;
pub mod wait;

use serde::Serialize;

pub use read::{Request, STATUS_QUERY, Scope, read, read_project, scope_of};
pub use wait::{WaitEvent, WaitOptions, WaitOutcome, until_healthy, wait_with};

/// Everything `mirage status` reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The project's name (from the files).
    pub project: String,
    /// Railway's id of the project (`None`: not on Railway).
    pub project_id: Option<String>,
    /// When Railway was read (seconds since 1970).
    pub read_at: i64,
    /// The environments asked for, in the files' order, then those Railway
    /// has that the files do not declare (when all were asked for).
    pub environments: Vec<EnvironmentReport>,
    /// Whether nothing failed and nothing is still deploying.
    pub healthy: bool,
    /// Railway requests this read took.
    pub requests: u64,
}

/// One environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnvironmentReport {
    /// Its name.
    pub name: String,
    /// Railway's id (`None`: declared, not on Railway yet).
    pub id: Option<String>,
    /// Whether the files declare it.
    pub declared: bool,
    /// Its service instances: declared ones and those Railway has, by name.
    pub services: Vec<ServiceReport>,
}

/// Who manages a service instance: the plan's one rule.
pub use crate::plan::Management;

/// How a service instance is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Health {
    /// Its latest deployment runs (or sleeps, serverless).
    Healthy,
    /// Its latest deployment is on its way (queued, building, deploying).
    Deploying,
    /// Its latest deployment waits for someone to approve it.
    NeedsApproval,
    /// Its latest deployment failed, crashed, was removed or skipped.
    Failed,
    /// Nothing deploys: no source (a volume holder), or no deployment yet
    /// of a service that has none to make.
    NoSource,
    /// Declared in the files, not on Railway yet (not applied).
    Missing,
}

impl Health {
    /// The word shown for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Deploying => "deploying",
            Health::NeedsApproval => "needs approval",
            Health::Failed => "failed",
            Health::NoSource => "no source",
            Health::Missing => "not on Railway",
        }
    }

    /// Whether it will not change on its own any more.
    pub fn is_final(self) -> bool {
        !matches!(self, Health::Deploying | Health::NeedsApproval)
    }

    /// Whether it counts against the environment's health.
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            Health::Failed | Health::NeedsApproval | Health::Missing
        )
    }
}

/// The health of a deployment by Railway's status.
pub fn health_of(status: &str) -> Health {
    match status {
        "SUCCESS" | "SLEEPING" => Health::Healthy,
        "FAILED" | "CRASHED" | "REMOVED" | "REMOVING" | "SKIPPED" => Health::Failed,
        "NEEDS_APPROVAL" => Health::NeedsApproval,
        _ => Health::Deploying,
    }
}

/// Where a service instance's code comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceReport {
    /// `repo:owner/name` or `image:ref`.
    pub source: String,
    /// The commit its latest deployment built, when Railway says.
    pub commit: Option<String>,
}

/// Replicas running and wanted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Replicas {
    /// Instances of the latest deployment Railway reports `RUNNING`.
    pub running: u32,
    /// Instances wanted (Railway's `numReplicas`; 1 when it does not say).
    pub wanted: u32,
    /// Replicas wanted per region, as the files' configuration says
    /// (`regions { … }`); Railway's API does not tell where each instance
    /// runs (see `docs/railway-assumptions.md`).
    pub regions: Vec<RegionReplicas>,
    /// The region Railway reports for the instance (its first).
    pub region: Option<String>,
}

/// Replicas wanted in one region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegionReplicas {
    /// The region.
    pub region: String,
    /// Replicas wanted there.
    pub wanted: u32,
}

/// A service's latest deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeploymentReport {
    /// Railway's id.
    pub id: String,
    /// Railway's status, as Railway spells it.
    pub status: String,
    /// When it was made (seconds since 1970), when Railway says.
    pub created_at: Option<i64>,
    /// Its age in seconds at `read_at`.
    pub age_seconds: Option<u64>,
}

/// The healthcheck Railway runs before it routes to a deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Healthcheck {
    /// The path (`/health`).
    pub path: String,
    /// The timeout in seconds, when set.
    pub timeout_seconds: Option<u64>,
}

/// Why a deployment is not healthy, and what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Railway's status.
    pub status: String,
    /// What it means (`the build failed`).
    pub title: String,
    /// What to do.
    pub help: String,
    /// The builder (failed builds).
    pub builder: Option<String>,
    /// The restart policy (`ON_FAILURE, 10 retries`; crashes).
    pub restart_policy: Option<String>,
    /// The healthcheck (a deployment that did not pass it).
    pub healthcheck: Option<Healthcheck>,
    /// The failing step and its error, from the deployment's events.
    pub reason: Option<String>,
    /// The last build log lines (failed builds).
    pub build_log: Vec<String>,
    /// The last deploy log lines (crashes, failed healthchecks).
    pub deploy_log: Vec<String>,
}

/// One service instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceReport {
    /// The service.
    pub name: String,
    /// Railway's id of the service (`None`: not on Railway).
    pub service_id: Option<String>,
    /// Who manages it.
    pub management: Management,
    /// How it is doing.
    pub health: Health,
    /// Its source.
    pub source: Option<SourceReport>,
    /// Its latest deployment.
    pub deployment: Option<DeploymentReport>,
    /// Its replicas.
    pub replicas: Option<Replicas>,
    /// Its healthcheck, when it has one.
    pub healthcheck: Option<Healthcheck>,
    /// Its `https://` URLs: service domains, then custom domains.
    pub urls: Vec<String>,
    /// Why it is not healthy (failed, waiting for approval, sleeping…).
    pub problem: Option<Problem>,
}

impl Report {
    /// The report of one environment's service instances as
    /// [`crate::engine::preview::status`] reads them (a preview's): health,
    /// deployment and URLs; no replicas, ages or details.
    pub fn of_instances(
        project: &str,
        environment: &crate::engine::preview::EnvironmentStatus,
    ) -> Report {
        let services = environment
            .services
            .iter()
            .map(|i| ServiceReport {
                name: i.name.clone(),
                service_id: Some(i.service_id.clone()),
                management: Management::Managed,
                health: match (&i.deployment, i.deployable) {
                    (Some(d), _) => health_of(&d.status),
                    (None, false) => Health::NoSource,
                    (None, true) => Health::Deploying,
                },
                source: None,
                deployment: i.deployment.as_ref().map(|d| DeploymentReport {
                    id: d.id.clone(),
                    status: d.status.clone(),
                    created_at: None,
                    age_seconds: None,
                }),
                replicas: None,
                healthcheck: None,
                urls: i.urls.clone(),
                problem: None,
            })
            .collect();
        let mut report = Report {
            project: project.to_owned(),
            project_id: None,
            read_at: 0,
            environments: vec![EnvironmentReport {
                name: environment.name.clone(),
                id: Some(environment.id.clone()),
                declared: true,
                services,
            }],
            healthy: false,
            requests: 0,
        };
        report.settle();
        report
    }

    /// The services whose health is not final yet, as `environment/service`.
    pub fn pending(&self) -> Vec<String> {
        self.services()
            .filter(|(_, s)| !s.health.is_final())
            .map(|(e, s)| format!("{}/{}", e.name, s.name))
            .collect()
    }

    /// The services with a problem, as `environment/service`.
    pub fn failed(&self) -> Vec<String> {
        self.services()
            .filter(|(_, s)| s.health.is_problem())
            .map(|(e, s)| format!("{}/{}", e.name, s.name))
            .collect()
    }

    /// Every `(environment, service)`.
    pub fn services(&self) -> impl Iterator<Item = (&EnvironmentReport, &ServiceReport)> {
        self.environments
            .iter()
            .flat_map(|e| e.services.iter().map(move |s| (e, s)))
    }

    fn settle(&mut self) {
        let healthy = self
            .services()
            .all(|(_, s)| s.health.is_final() && !s.health.is_problem());
        self.healthy = healthy;
    }
}

/// What a deployment status means and what to do about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Guidance {
    /// What it means.
    pub title: &'static str,
    /// What to do.
    pub help: &'static str,
    /// Whether it is a problem (a sleeping service is not).
    pub problem: bool,
}

/// A deployment status's meaning and what to do, for those that need it:
/// the one copy, used by `mirage status` and serve's environment page.
pub fn guidance(status: &str) -> Option<Guidance> {
    let (title, help, problem) = match status {
        "FAILED" => (
            "the build or deployment failed",
            "Read its build logs for the failing step, fix it in the code or the .mirage files, then redeploy.",
            true,
        ),
        "CRASHED" => (
            "the service crashed after it started",
            "Railway restarts it as its restart policy says. Read its deploy logs for the exit reason, fix it, then redeploy.",
            true,
        ),
        "REMOVED" | "REMOVING" => (
            "its deployment was removed",
            "Nothing runs. Redeploy it, or apply the files again.",
            true,
        ),
        "SKIPPED" => (
            "its deployment was skipped",
            "Railway skipped the build (for example, no change under its watch paths). Redeploy to build anyway.",
            true,
        ),
        "NEEDS_APPROVAL" => (
            "its deployment waits for approval",
            "Someone with access to the Railway project must approve it in Railway's dashboard.",
            true,
        ),
        "SLEEPING" => (
            "it sleeps (serverless)",
            "Railway stopped it for lack of traffic; the next request wakes it. Turn `sleep-application` off to keep it running.",
            false,
        ),
        _ => return None,
    };
    Some(Guidance {
        title,
        help,
        problem,
    })
}
