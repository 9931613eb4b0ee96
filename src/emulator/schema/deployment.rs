//! `Deployment` and `Log`.

use async_graphql::{Context, ID, Object, SimpleObject};

use super::enums::{DeploymentInstanceStatus, DeploymentStatus};
use super::guard::{GqlResult, api_error, core};
use super::project::{Environment, Service};
use super::scalars::{DateTime, DeploymentMeta};
use crate::emulator::deploy::{LogLine, Status, status, timeline};
use crate::emulator::ops::ApiError;
use crate::emulator::state::{DeploymentRec, Outcome, State, derived_id};
use crate::emulator::views::service_domains;

/// A deployment of a service instance.
#[derive(Clone)]
pub struct Deployment(pub DeploymentRec);

/// One running instance of a deployment (`DeploymentDeploymentInstance`).
#[derive(SimpleObject)]
pub struct DeploymentDeploymentInstance {
    pub id: String,
    pub status: DeploymentInstanceStatus,
}

impl Deployment {
    fn status_at(&self, ctx: &Context<'_>) -> (Status, i64) {
        let core = core(ctx);
        let now = core.clock.now_ms();
        core.read(|st| status(st, &self.0, now))
    }
}

#[Object]
impl Deployment {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn status(&self, ctx: &Context<'_>) -> DeploymentStatus {
        self.status_at(ctx).0.into()
    }
    async fn status_updated_at(&self, ctx: &Context<'_>) -> Option<DateTime> {
        Some(DateTime(self.status_at(ctx).1))
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn updated_at(&self, ctx: &Context<'_>) -> DateTime {
        DateTime(self.status_at(ctx).1)
    }
    async fn can_redeploy(&self) -> bool {
        true
    }
    async fn can_rollback(&self) -> bool {
        false
    }
    async fn deployment_stopped(&self) -> bool {
        self.0.removed_at.is_some()
    }
    async fn suggest_add_service_domain(&self) -> bool {
        false
    }
    async fn meta(&self) -> Option<DeploymentMeta> {
        Some(DeploymentMeta(self.0.meta.clone()))
    }
    async fn project_id(&self) -> &str {
        &self.0.project_id
    }
    async fn environment_id(&self) -> &str {
        &self.0.environment_id
    }
    async fn service_id(&self) -> Option<&str> {
        Some(&self.0.service_id)
    }
    async fn snapshot_id(&self) -> Option<&str> {
        Some(&self.0.snapshot_id)
    }
    /// The first service domain of the instance, as an https URL.
    async fn url(&self, ctx: &Context<'_>) -> Option<String> {
        self.static_domain(ctx).map(|d| format!("https://{d}"))
    }
    async fn static_url(&self, ctx: &Context<'_>) -> Option<String> {
        self.static_domain(ctx)
    }
    /// One instance per replica (`numReplicas`, or the total of
    /// `multiRegionConfig`, when the deployment was made), none before the
    /// containers start.
    async fn instances(&self, ctx: &Context<'_>) -> Vec<DeploymentDeploymentInstance> {
        let now = core(ctx).clock.now_ms();
        let crash_loop =
            self.0.outcome == Outcome::Crashed && timeline(&self.0).is_some_and(|t| now >= t.up);
        let status = match self.status_at(ctx).0 {
            Status::NeedsApproval | Status::Initializing | Status::Building => return vec![],
            // A crashing container is restarted while retries remain.
            Status::Deploying if crash_loop => DeploymentInstanceStatus::Restarting,
            Status::Deploying => DeploymentInstanceStatus::Initializing,
            Status::Success => DeploymentInstanceStatus::Running,
            Status::Sleeping => DeploymentInstanceStatus::Stopped,
            Status::Crashed => DeploymentInstanceStatus::Crashed,
            Status::Failed if self.0.outcome == Outcome::BuildFailed => return vec![],
            // The healthcheck never passed: the containers were stopped.
            Status::Failed => DeploymentInstanceStatus::Exited,
            Status::Removing => DeploymentInstanceStatus::Removing,
            Status::Removed => DeploymentInstanceStatus::Removed,
        };
        (0..self.0.replicas.max(1))
            .map(|i| DeploymentDeploymentInstance {
                id: instance_id(&self.0, i),
                status,
            })
            .collect()
    }
    async fn service(&self, ctx: &Context<'_>) -> GqlResult<Service> {
        core(ctx)
            .read(|st| st.services.get(&self.0.service_id).cloned())
            .map(Service)
            .ok_or_else(|| api_error(ApiError::NotFound("Service not found".into())))
    }
    async fn environment(&self, ctx: &Context<'_>) -> GqlResult<Environment> {
        core(ctx)
            .read(|st| st.environments.get(&self.0.environment_id).cloned())
            .map(Environment)
            .ok_or_else(|| api_error(ApiError::NotFound("Environment not found".into())))
    }
}

impl Deployment {
    fn static_domain(&self, ctx: &Context<'_>) -> Option<String> {
        core(ctx).read(|st| {
            let env = st.environments.get(&self.0.environment_id)?;
            service_domains(env, &self.0.service_id)
                .first()
                .map(|d| d.domain.clone())
        })
    }
}

/// The ID of a deployment's `replica`th instance (the first keeps the ID
/// it had when deployments had one instance).
pub fn instance_id(d: &DeploymentRec, replica: u32) -> String {
    if replica == 0 {
        derived_id(&["deploymentInstance", &d.id])
    } else {
        derived_id(&["deploymentInstance", &d.id, &replica.to_string()])
    }
}

/// A deployment by ID, or Railway's not-found error.
pub fn deployment_or_error(st: &State, id: &str) -> GqlResult<DeploymentRec> {
    st.deployments
        .get(id)
        .cloned()
        .ok_or_else(|| api_error(ApiError::NotFound("Deployment not found".into())))
}

/// A key/value attribute of a log line.
#[derive(SimpleObject, Clone)]
pub struct LogAttribute {
    pub key: String,
    pub value: String,
}

/// Where a log line comes from.
#[derive(SimpleObject, Clone, Default)]
pub struct LogTags {
    pub deployment_id: Option<String>,
    pub deployment_instance_id: Option<String>,
    pub environment_id: Option<String>,
    pub project_id: Option<String>,
    pub service_id: Option<String>,
    pub snapshot_id: Option<String>,
}

/// A log line.
#[derive(SimpleObject, Clone)]
pub struct Log {
    pub attributes: Vec<LogAttribute>,
    pub message: String,
    pub severity: Option<String>,
    pub tags: Option<LogTags>,
    pub timestamp: String,
}

impl Log {
    /// A log line of a deployment: `level` and the line's own attributes,
    /// tagged with the replica that wrote it.
    pub fn of(d: &DeploymentRec, line: &LogLine) -> Log {
        let mut attributes = vec![LogAttribute {
            key: "level".into(),
            value: line.severity.into(),
        }];
        attributes.extend(line.attributes.iter().map(|(k, v)| LogAttribute {
            key: k.clone(),
            value: v.clone(),
        }));
        Log {
            attributes,
            message: line.message.clone(),
            severity: Some(line.severity.to_string()),
            tags: Some(LogTags {
                deployment_id: Some(d.id.clone()),
                deployment_instance_id: Some(instance_id(d, line.replica)),
                environment_id: Some(d.environment_id.clone()),
                project_id: Some(d.project_id.clone()),
                service_id: Some(d.service_id.clone()),
                snapshot_id: Some(d.snapshot_id.clone()),
            }),
            timestamp: line.timestamp(),
        }
    }

    /// Whether the line passes a parsed filter.
    pub fn passes(&self, filter: &crate::emulator::logfilter::Filter) -> bool {
        if matches!(filter, crate::emulator::logfilter::Filter::All) {
            return true;
        }
        let attributes: Vec<(String, String)> = self
            .attributes
            .iter()
            .map(|a| (a.key.clone(), a.value.clone()))
            .collect();
        let tags = self.tags.as_ref();
        filter.matches(&crate::emulator::logfilter::Line {
            message: &self.message,
            attributes: &attributes,
            service_id: tags.and_then(|t| t.service_id.as_deref()),
            replica_id: tags.and_then(|t| t.deployment_instance_id.as_deref()),
        })
    }
}
