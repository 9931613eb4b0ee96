//! Root fields beyond the core model, merged into `Query`, `Mutation` and
//! `Subscription` (see `crate::emulator::extras` for what they do).

use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::{Context, ID, Object, Subscription};
use serde_json::{Value, json};

use super::deployment::Deployment;
use super::extra_inputs::*;
use super::extra_types::*;
use super::guard::*;
use super::mutation::instance_access;
use super::query::{deployment_access, environment_access, service_access};
use super::scalars::{DateTime, Json};
use crate::emulator::clock::rfc3339;
use crate::emulator::extras::{self, instance_key};
use crate::emulator::ops::{self, ApiError};
use crate::emulator::state::{State, derived_id};

/// Regions the emulator offers (`regions`); the same list as
/// `crate::resolve::regions`, with where each is.
const REGIONS: &[(&str, &str, &str, Option<&str>)] = &[
    ("us-west2", "US West", "California, USA", None),
    ("us-east4-eqdc4a", "US East", "Virginia, USA", None),
    (
        "europe-west4-drams3a",
        "EU West",
        "Amsterdam, Netherlands",
        None,
    ),
    (
        "asia-southeast1-eqsg3a",
        "Southeast Asia",
        "Singapore",
        None,
    ),
    (
        "us-west1",
        "US West (legacy)",
        "Oregon, USA",
        Some("us-west2"),
    ),
    (
        "us-east4",
        "US East (legacy)",
        "Virginia, USA",
        Some("us-east4-eqdc4a"),
    ),
    (
        "europe-west4",
        "EU West (legacy)",
        "Netherlands",
        Some("europe-west4-drams3a"),
    ),
    (
        "asia-southeast1",
        "Southeast Asia (legacy)",
        "Singapore",
        Some("asia-southeast1-eqsg3a"),
    ),
];

fn country_of(location: &str) -> &str {
    location.rsplit(", ").next().unwrap_or(location)
}

fn bad(msg: impl Into<String>) -> async_graphql::Error {
    api_error(ApiError::BadInput(msg.into()))
}

fn not_found(what: &str) -> async_graphql::Error {
    api_error(ApiError::NotFound(format!("{what} not found")))
}

/// Checks access to a bucket and returns its project ID.
fn bucket_access(ctx: &Context<'_>, bucket_id: &str) -> GqlResult<String> {
    require_any(ctx)?;
    let project_id = lookup(
        ctx,
        "Bucket",
        |st| {
            st.extras
                .buckets
                .get(bucket_id)
                .map(|b| b.project_id.clone())
        },
        |p| p,
    )?;
    require_project(ctx, &project_id)?;
    Ok(project_id)
}

/// Checks access to a volume instance; returns (environment, volume).
fn volume_instance_access(ctx: &Context<'_>, id: &str) -> GqlResult<(String, String)> {
    require_any(ctx)?;
    let found = gql(core(ctx).read(|st| extras::volume_instance(st, id)))?;
    environment_access(ctx, &found.0)?;
    Ok(found)
}

fn now_ms(ctx: &Context<'_>) -> i64 {
    core(ctx).clock.now_ms()
}

pub fn edge_config(ctx: &Context<'_>, env: &str, service: &str) -> EdgeConfig {
    let now = now_ms(ctx) / 1000;
    let rec = core(ctx).read(|st| st.extras.edge.get(&instance_key(env, service)).cloned());
    let rec = rec.unwrap_or_else(|| {
        let mut st = State::default();
        extras::edge_mut(&mut st, env, service).clone()
    });
    EdgeConfig::of(&rec, now)
}

fn backup_view(b: &extras::BackupRec) -> VolumeInstanceBackup {
    VolumeInstanceBackup {
        created_at: DateTime(b.created_at),
        creator_id: Some(super::account::LOCAL_USER_ID.to_string()),
        expires_at: b.expires_at.map(DateTime),
        external_id: derived_id(&["backupExternal", &b.id]),
        id: b.id.clone(),
        name: b.name.clone(),
        referenced_mb: Some(0),
        schedule_id: b.schedule_id.clone(),
        used_mb: Some(0),
        volume_instance_size_mb: Some(b.size_mb),
    }
}

fn ha_members(st: &State, env_id: &str, root: &str) -> Vec<(String, String)> {
    let env = st.environments.get(env_id);
    env.map(|e| st.environment_service_ids(e))
        .unwrap_or_default()
        .into_iter()
        .filter(|sid| sid == root)
        .filter_map(|sid| st.services.get(&sid).map(|s| (sid.clone(), s.name.clone())))
        .collect()
}

fn fingerprint(key: &str) -> String {
    let body = key.split_whitespace().nth(1).unwrap_or(key);
    let a = crate::emulator::clock::fnv1a(body.as_bytes());
    let b = crate::emulator::clock::fnv1a(format!("{body}#").as_bytes());
    format!("SHA256:{a:016x}{b:016x}")
}

fn synthetic_samples(start: i64, end: i64, step_secs: i64) -> Vec<i64> {
    let step = step_secs.clamp(1, 86_400) * 1000;
    let mut out = vec![];
    let mut t = start - start.rem_euclid(step);
    while t <= end && out.len() < 1000 {
        out.push(t);
        t += step;
    }
    out
}

/// Whether a service instance had a running deployment at `at`.
fn running_at(st: &State, env: Option<&str>, service: &str, at: i64, now: i64) -> bool {
    st.deployments.values().any(|d| {
        d.service_id == service
            && env.is_none_or(|e| d.environment_id == e)
            && d.outcome == crate::emulator::state::Outcome::Success
            && crate::emulator::deploy::timeline(d).is_some_and(|t| t.up <= at)
            && crate::emulator::deploy::status(st, d, now).0
                != crate::emulator::deploy::Status::Removed
    })
}

/// Extra `Query` fields.
pub struct ExtraQuery;

#[Object]
impl ExtraQuery {
    /// Regions a service can run in.
    async fn regions(
        &self,
        ctx: &Context<'_>,
        project_id: Option<String>,
    ) -> GqlResult<Vec<Region>> {
        require_any(ctx)?;
        if let Some(p) = &project_id {
            require_project(ctx, p)?;
            gql(core(ctx).read(|st| ops::project(st, p).map(|_| ())))?;
        }
        Ok(REGIONS
            .iter()
            .map(|(id, name, location, replacement)| Region {
                country: country_of(location).to_string(),
                deployment_constraints: Some(RegionDeploymentConstraints {
                    deprecation_info: replacement.map(|r| RegionDeprecationInfo {
                        is_deprecated: true,
                        replacement_region: r.to_string(),
                    }),
                }),
                location: location.to_string(),
                name: id.to_string(),
                region: Some(name.to_string()),
                workspace_id: None,
            })
            .collect())
    }

    /// Workspaces the user reaches only through a project it was invited
    /// to: the local account owns its one workspace, so none.
    async fn external_workspaces(
        &self,
        ctx: &Context<'_>,
        project_id: Option<String>,
    ) -> GqlResult<Vec<ExternalWorkspace>> {
        require_account(ctx)?;
        let _ = project_id;
        Ok(vec![])
    }

    async fn bucket_instance_details(
        &self,
        ctx: &Context<'_>,
        bucket_id: String,
        environment_id: String,
    ) -> GqlResult<Option<BucketInstanceDetails>> {
        bucket_access(ctx, &bucket_id)?;
        environment_access(ctx, &environment_id)?;
        let region =
            core(ctx).read(|st| extras::bucket_instance_region(st, &environment_id, &bucket_id));
        Ok(region.map(|_| BucketInstanceDetails {
            object_count: BigInt(0),
            size_bytes: BigInt(0),
        }))
    }

    async fn bucket_s3_credentials(
        &self,
        ctx: &Context<'_>,
        bucket_id: String,
        environment_id: String,
        project_id: String,
    ) -> GqlResult<Vec<BucketS3CompatibleCredentials>> {
        if bucket_access(ctx, &bucket_id)? != project_id {
            return Err(not_found("Bucket"));
        }
        environment_access(ctx, &environment_id)?;
        let creds =
            gql(core(ctx).read(|st| extras::bucket_credentials(st, &environment_id, &bucket_id)))?;
        Ok(vec![creds.into()])
    }

    async fn cloud_agent(
        &self,
        ctx: &Context<'_>,
        environment_id: ID,
        id: ID,
    ) -> GqlResult<Option<CloudAgent>> {
        environment_access(ctx, &environment_id)?;
        Ok(core(ctx).read(|st| {
            st.extras
                .cloud_agents
                .get(id.as_str())
                .filter(|a| a.environment_id == environment_id.as_str())
                .map(CloudAgent::from)
        }))
    }

    async fn cloud_agents(
        &self,
        ctx: &Context<'_>,
        environment_id: ID,
        mine: Option<bool>,
    ) -> GqlResult<Vec<CloudAgent>> {
        environment_access(ctx, &environment_id)?;
        let _ = mine;
        Ok(core(ctx).read(|st| {
            st.extras
                .cloud_agents
                .values()
                .filter(|a| a.environment_id == environment_id.as_str())
                .map(CloudAgent::from)
                .collect()
        }))
    }

    /// Every cloud agent of the local account.
    async fn my_cloud_agents(&self, ctx: &Context<'_>) -> GqlResult<Vec<CloudAgent>> {
        require_account(ctx)?;
        Ok(core(ctx).read(|st| {
            st.extras
                .cloud_agents
                .values()
                .map(CloudAgent::from)
                .collect()
        }))
    }

    /// A cloud agent's console sessions: its one shell.
    #[allow(clippy::too_many_arguments)]
    async fn cloud_agent_console_sessions(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        cloud_agent_id: ID,
        first: Option<i32>,
        last: Option<i32>,
    ) -> GqlResult<Option<QueryCloudAgentConsoleSessionsConnection>> {
        require_any(ctx)?;
        let agent =
            core(ctx).read(|st| st.extras.cloud_agents.get(cloud_agent_id.as_str()).cloned());
        let Some(agent) = agent else {
            return Ok(None);
        };
        environment_access(ctx, &agent.environment_id)?;
        let session = SandboxSession {
            attached: false,
            command: "/bin/sh".to_string(),
            created_at: Some(DateTime(agent.created_at)),
            kind: SandboxSessionKind::Shell,
            name: "main".to_string(),
            run_state: SandboxSessionRunState {
                exit_code: 0,
                running: !agent.sleeping,
            },
        };
        let items = vec![("main".to_string(), session)];
        QueryCloudAgentConsoleSessionsConnection::build(
            items,
            super::connection::PageArgs::new(after, before, first, last),
        )
        .map(Some)
    }

    /// DNS queries of an environment's services: no traffic is simulated.
    #[allow(clippy::too_many_arguments)]
    async fn dns_query_logs(
        &self,
        ctx: &Context<'_>,
        after_date: Option<String>,
        after_limit: Option<i32>,
        anchor_date: Option<String>,
        before_date: Option<String>,
        before_limit: Option<i32>,
        deployment_instance_id: Option<String>,
        environment_id: String,
        filter: Option<String>,
        service_id: Option<String>,
    ) -> GqlResult<Vec<DnsQueryLog>> {
        environment_access(ctx, &environment_id)?;
        for d in [&after_date, &anchor_date, &before_date] {
            super::query::parse_date(d)?;
        }
        let _ = (
            after_limit,
            before_limit,
            deployment_instance_id,
            filter,
            service_id,
        );
        Ok(vec![])
    }

    /// Network flows of an environment's services: no traffic is simulated.
    #[allow(clippy::too_many_arguments)]
    async fn network_flow_logs(
        &self,
        ctx: &Context<'_>,
        after_date: Option<String>,
        after_limit: Option<i32>,
        anchor_date: Option<String>,
        before_date: Option<String>,
        before_limit: Option<i32>,
        deployment_instance_id: Option<String>,
        environment_id: String,
        filter: Option<String>,
        service_id: Option<String>,
    ) -> GqlResult<Vec<NetworkFlowLog>> {
        environment_access(ctx, &environment_id)?;
        for d in [&after_date, &anchor_date, &before_date] {
            super::query::parse_date(d)?;
        }
        let _ = (
            after_limit,
            before_limit,
            deployment_instance_id,
            filter,
            service_id,
        );
        Ok(vec![])
    }

    /// HTTP requests of a deployment: no traffic is simulated.
    #[allow(clippy::too_many_arguments)]
    async fn http_logs(
        &self,
        ctx: &Context<'_>,
        after_date: Option<String>,
        after_limit: Option<i32>,
        anchor_date: Option<String>,
        before_date: Option<String>,
        before_limit: Option<i32>,
        deployment_id: String,
        filter: Option<String>,
        limit: Option<i32>,
    ) -> GqlResult<Vec<HttpLog>> {
        deployment_access(ctx, &deployment_id)?;
        for d in [&after_date, &anchor_date, &before_date] {
            super::query::parse_date(d)?;
        }
        let _ = (after_limit, before_limit, filter, limit);
        Ok(vec![])
    }

    /// Request durations: no traffic is simulated, so no samples.
    #[allow(clippy::too_many_arguments)]
    async fn http_duration_metrics(
        &self,
        ctx: &Context<'_>,
        end_date: DateTime,
        environment_id: String,
        method: Option<String>,
        path: Option<String>,
        service_id: String,
        start_date: DateTime,
        status_code: Option<i32>,
        step_seconds: Option<i32>,
    ) -> GqlResult<HttpDurationMetricsResult> {
        instance_access(ctx, &environment_id, &service_id)?;
        if end_date.0 < start_date.0 {
            return Err(bad("`endDate` is before `startDate`"));
        }
        let _ = (method, path, status_code, step_seconds);
        Ok(HttpDurationMetricsResult { samples: vec![] })
    }

    /// Requests by status: no traffic is simulated, so no series.
    #[allow(clippy::too_many_arguments)]
    async fn http_metrics_grouped_by_status(
        &self,
        ctx: &Context<'_>,
        end_date: DateTime,
        environment_id: String,
        method: Option<String>,
        path: Option<String>,
        service_id: String,
        start_date: DateTime,
        step_seconds: Option<i32>,
    ) -> GqlResult<Vec<HttpMetricsByStatusResult>> {
        instance_access(ctx, &environment_id, &service_id)?;
        if end_date.0 < start_date.0 {
            return Err(bad("`endDate` is before `startDate`"));
        }
        let _ = (method, path, step_seconds);
        Ok(vec![])
    }

    /// CPU, memory, disk and network samples: while a service has a
    /// running deployment it reads a small steady load, otherwise zero.
    #[allow(clippy::too_many_arguments)]
    async fn metrics(
        &self,
        ctx: &Context<'_>,
        averaging_window_seconds: Option<i32>,
        end_date: Option<DateTime>,
        environment_id: Option<String>,
        group_by: Option<Vec<MetricTag>>,
        include_deleted: Option<bool>,
        measurements: Vec<MetricMeasurement>,
        project_id: Option<String>,
        sample_rate_seconds: Option<i32>,
        service_id: Option<String>,
        start_date: DateTime,
        volume_id: Option<String>,
        volume_instance_external_id: Option<String>,
        workspace_id: Option<String>,
    ) -> GqlResult<Vec<MetricsResult>> {
        require_any(ctx)?;
        let _ = (averaging_window_seconds, include_deleted, volume_id);
        let _ = (volume_instance_external_id, workspace_id);
        if let Some(e) = &environment_id {
            environment_access(ctx, e)?;
        }
        if let Some(s) = &service_id {
            service_access(ctx, s)?;
        }
        if let Some(p) = &project_id {
            require_project(ctx, p)?;
        }
        let now = now_ms(ctx);
        let end = end_date.map_or(now, |d| d.0);
        if end < start_date.0 {
            return Err(bad("`endDate` is before `startDate`"));
        }
        let ts = synthetic_samples(start_date.0, end, sample_rate_seconds.unwrap_or(60).into());
        let by_service = group_by
            .as_ref()
            .is_some_and(|g| g.contains(&MetricTag::ServiceId));
        let services: Vec<Option<String>> = if by_service {
            core(ctx).read(|st| {
                let mut ids: Vec<String> = st
                    .services
                    .values()
                    .filter(|s| project_id.as_ref().is_none_or(|p| &s.project_id == p))
                    .filter(|s| service_id.as_ref().is_none_or(|x| &s.id == x))
                    .map(|s| s.id.clone())
                    .collect();
                ids.sort();
                ids.into_iter().map(Some).collect()
            })
        } else {
            vec![service_id.clone()]
        };
        let mut out = vec![];
        for svc in services {
            for m in &measurements {
                let load = match m {
                    MetricMeasurement::CpuUsage | MetricMeasurement::CpuUsage2 => 0.02,
                    MetricMeasurement::MemoryUsageGb => 0.12,
                    MetricMeasurement::CpuLimit => 8.0,
                    MetricMeasurement::MemoryLimitGb => 8.0,
                    MetricMeasurement::NetworkRxGb | MetricMeasurement::NetworkTxGb => 0.0001,
                    _ => 0.0,
                };
                let values = core(ctx).read(|st| {
                    ts.iter()
                        .map(|t| {
                            let running = svc.as_deref().is_none_or(|s| {
                                running_at(st, environment_id.as_deref(), s, *t, now)
                            });
                            Metric {
                                ts: (t / 1000) as i32,
                                value: if running { load } else { 0.0 },
                            }
                        })
                        .collect()
                });
                out.push(MetricsResult {
                    measurement: *m,
                    tags: MetricTags {
                        service_id: svc.clone(),
                    },
                    values,
                });
            }
        }
        Ok(out)
    }

    async fn egress_gateways(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        service_id: String,
    ) -> GqlResult<Vec<EgressGateway>> {
        instance_access(ctx, &environment_id, &service_id)?;
        let regions = core(ctx).read(|st| {
            st.extras
                .egress
                .get(&instance_key(&environment_id, &service_id))
                .cloned()
                .unwrap_or_default()
        });
        Ok(egress_views(&environment_id, &service_id, &regions))
    }

    /// The runtime Railway functions run on.
    async fn function_runtime(
        &self,
        ctx: &Context<'_>,
        name: FunctionRuntimeName,
    ) -> GqlResult<FunctionRuntime> {
        require_any(ctx)?;
        let FunctionRuntimeName::Bun = name;
        Ok(FunctionRuntime {
            latest_version: FunctionRuntimeVersion {
                image: "ghcr.io/railwayapp/function-bun".to_string(),
                tag: "1.2".to_string(),
            },
        })
    }

    /// SSH keys of the linked GitHub account: the local account has none.
    async fn git_hub_ssh_keys(&self, ctx: &Context<'_>) -> GqlResult<Vec<GitHubSshKey>> {
        require_account(ctx)?;
        Ok(vec![])
    }

    /// Repositories of the linked GitHub account: the local account has
    /// none linked.
    async fn github_repos(&self, ctx: &Context<'_>) -> GqlResult<Vec<GitHubRepo>> {
        require_account(ctx)?;
        Ok(vec![])
    }

    async fn pitr_ha_cluster_replication_health(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        root_service_id: String,
    ) -> GqlResult<Option<PitrHaClusterReplicationHealth>> {
        instance_access(ctx, &environment_id, &root_service_id)?;
        let now = now_ms(ctx);
        Ok(core(ctx).read(|st| {
            let cluster = st
                .extras
                .ha_clusters
                .get(&instance_key(&environment_id, &root_service_id))?;
            if !cluster.enabled {
                return None;
            }
            let members = ha_members(st, &environment_id, &root_service_id)
                .into_iter()
                .map(|(id, name)| PitrHaMemberReplicationHealth {
                    healthy: true,
                    is_leader: id == root_service_id,
                    lag_mb: Some(0),
                    patroni_name: Some(crate::emulator::state::slug(&name)),
                    service_id: id,
                    service_name: name,
                    state: Some("running".to_string()),
                })
                .collect();
            Some(PitrHaClusterReplicationHealth {
                all_healthy: true,
                checked_at: rfc3339(now),
                environment_id: environment_id.clone(),
                members,
                reachable: true,
                root_service_id: root_service_id.clone(),
            })
        }))
    }

    async fn pitr_ha_workflow_progress(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        root_service_id: String,
    ) -> GqlResult<Option<PitrHaWorkflowProgress>> {
        instance_access(ctx, &environment_id, &root_service_id)?;
        let now = now_ms(ctx);
        Ok(core(ctx).read(|st| {
            let c = st
                .extras
                .ha_clusters
                .get(&instance_key(&environment_id, &root_service_id))?;
            let (status, _) = extras::workflow_status(st, &c.workflow_id, now);
            let done = status == "Complete";
            let phase = match (c.cancelled, done) {
                (true, _) => PitrHaWorkflowPhase::Failed,
                (false, true) => PitrHaWorkflowPhase::Done,
                (false, false) => PitrHaWorkflowPhase::Planning,
            };
            let members = ha_members(st, &environment_id, &root_service_id)
                .into_iter()
                .map(|(id, name)| PitrHaWorkflowMemberProgress {
                    is_leader: id == root_service_id,
                    service_id: id,
                    service_name: name,
                    status: if done {
                        PitrHaWorkflowMemberStatus::Healthy
                    } else {
                        PitrHaWorkflowMemberStatus::Pending
                    },
                })
                .collect();
            Some(PitrHaWorkflowProgress {
                cluster_mutated: done,
                completed_at: done.then(|| rfc3339(now)),
                current_member_service_id: None,
                direction: if c.enabled {
                    PitrHaWorkflowDirection::Enable
                } else {
                    PitrHaWorkflowDirection::Disable
                },
                error_message: c.cancelled.then(|| "cancelled".to_string()),
                failed_at_phase: c.cancelled.then_some(PitrHaWorkflowPhase::Planning),
                members,
                new_leader_service_id: None,
                phase,
                started_at: rfc3339(c.started_at),
                updated_at: rfc3339(now),
                workflow_id: c.workflow_id.clone(),
            })
        }))
    }

    /// An environment's private network (one per environment).
    async fn private_networks(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
    ) -> GqlResult<Vec<PrivateNetwork>> {
        let project_id = environment_access(ctx, &environment_id)?;
        let env = gql(core(ctx).read(|st| ops::environment(st, &environment_id).cloned()))?;
        Ok(vec![PrivateNetwork {
            created_at: Some(DateTime(env.created_at)),
            deleted_at: None,
            dns_name: "railway.internal".to_string(),
            environment_id: environment_id.clone(),
            name: format!("{}-{}", &project_id[..8.min(project_id.len())], env.name),
            network_id: BigInt(
                (crate::emulator::clock::fnv1a(environment_id.as_bytes()) >> 20) as i64,
            ),
            project_id,
            public_id: private_network_id(&environment_id),
            tags: vec![],
        }])
    }

    /// A service's endpoint on the private network.
    async fn private_network_endpoint(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        private_network_id: String,
        service_id: String,
    ) -> GqlResult<Option<PrivateNetworkEndpoint>> {
        instance_access(ctx, &environment_id, &service_id)?;
        if private_network_id != private_network_id_of(&environment_id) {
            return Err(not_found("PrivateNetwork"));
        }
        Ok(core(ctx).read(|st| {
            let dns = extras::private_dns_name(st, &environment_id, &service_id)?;
            let created = st.environments.get(&environment_id).map(|e| e.created_at);
            Some(PrivateNetworkEndpoint {
                created_at: created.map(DateTime),
                deleted_at: None,
                dns_name: dns,
                new_dns_name: None,
                private_ips: vec![private_ip(&environment_id, &service_id)],
                public_id: derived_id(&["privateEndpoint", &environment_id, &service_id]),
                service_instance_id: derived_id(&["serviceInstance", &environment_id, &service_id]),
                sync_status: PrivateNetworkEndpointSyncStatus::Active,
                tags: vec![],
            })
        }))
    }

    /// Whether no service of the environment uses `prefix` as its private
    /// DNS name (and it is a valid label).
    async fn private_network_endpoint_name_available(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        prefix: String,
        private_network_id: String,
    ) -> GqlResult<bool> {
        environment_access(ctx, &environment_id)?;
        if private_network_id != private_network_id_of(&environment_id) {
            return Err(not_found("PrivateNetwork"));
        }
        Ok(extras::valid_dns_label(&prefix)
            && core(ctx).read(|st| {
                let Some(env) = st.environments.get(&environment_id) else {
                    return false;
                };
                st.environment_service_ids(env).iter().all(|sid| {
                    extras::private_dns_name(st, &environment_id, sid).as_deref()
                        != Some(prefix.as_str())
                })
            }))
    }

    async fn sandbox(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        id: String,
    ) -> GqlResult<Option<Sandbox>> {
        environment_access(ctx, &environment_id)?;
        Ok(core(ctx).read(|st| {
            st.extras
                .sandboxes
                .get(&id)
                .filter(|s| s.environment_id == environment_id)
                .map(Sandbox::from)
        }))
    }

    /// An environment's sandboxes, oldest first, destroyed ones left out.
    async fn sandboxes(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        environment_id: String,
        first: Option<i32>,
        last: Option<i32>,
    ) -> GqlResult<QuerySandboxesConnection> {
        environment_access(ctx, &environment_id)?;
        let items = core(ctx).read(|st| {
            let mut v: Vec<_> = st
                .extras
                .sandboxes
                .values()
                .filter(|s| s.environment_id == environment_id && s.destroyed_at.is_none())
                .collect();
            v.sort_by_key(|s| s.seq);
            v.into_iter()
                .map(|s| (s.id.clone(), Sandbox::from(s)))
                .collect()
        });
        QuerySandboxesConnection::build(
            items,
            super::connection::PageArgs::new(after, before, first, last),
        )
    }

    async fn sandbox_checkpoints(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
    ) -> GqlResult<Vec<SandboxCheckpoint>> {
        environment_access(ctx, &environment_id)?;
        Ok(core(ctx).read(|st| {
            let mut v: Vec<_> = st
                .extras
                .checkpoints
                .values()
                .filter(|c| c.environment_id == environment_id)
                .collect();
            v.sort_by_key(|c| c.created_at);
            v.into_iter().map(SandboxCheckpoint::from).collect()
        }))
    }

    async fn sandbox_template_build(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        id: ID,
    ) -> GqlResult<SandboxTemplateBuild> {
        environment_access(ctx, &environment_id)?;
        let now = now_ms(ctx);
        core(ctx)
            .read(|st| {
                st.extras
                    .template_builds
                    .get(id.as_str())
                    .filter(|b| b.environment_id == environment_id)
                    .map(|b| template_build_view(b, now))
            })
            .ok_or_else(|| not_found("SandboxTemplateBuild"))
    }

    /// The local account's SSH keys.
    async fn ssh_public_keys(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        workspace_id: Option<String>,
    ) -> GqlResult<QuerySshPublicKeysConnection> {
        require_account(ctx)?;
        let items = core(ctx).read(|st| {
            let mut v: Vec<_> = st
                .extras
                .ssh_keys
                .values()
                .filter(|k| workspace_id.is_none() || k.workspace_id == workspace_id)
                .collect();
            v.sort_by_key(|k| k.seq);
            v.into_iter()
                .map(|k| (k.id.clone(), SshPublicKey::from(k)))
                .collect()
        });
        QuerySshPublicKeysConnection::build(
            items,
            super::connection::PageArgs::new(after, before, first, last),
        )
    }

    /// A template by ID or code (no token needed, as on Railway).
    async fn template(
        &self,
        ctx: &Context<'_>,
        code: Option<String>,
        id: Option<String>,
        owner: Option<String>,
        repo: Option<String>,
    ) -> GqlResult<Template> {
        let _ = (owner, repo);
        core(ctx)
            .read(|st| extras::find_template(st, id.as_deref(), code.as_deref()))
            .map(|t| Template::from(&t))
            .ok_or_else(|| not_found("Template"))
    }

    /// Published templates whose name, code or description contains the
    /// query (case-insensitive).
    #[allow(clippy::too_many_arguments)]
    async fn template_search(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        category: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        query: String,
        verified: Option<bool>,
    ) -> GqlResult<QueryTemplateSearchConnection> {
        let q = query.to_lowercase();
        let items = core(ctx).read(|st| {
            extras::builtin_templates()
                .into_iter()
                .chain(st.extras.templates.values().cloned())
                .filter(|t| t.status == "PUBLISHED")
                .filter(|t| {
                    t.name.to_lowercase().contains(&q)
                        || t.code.to_lowercase().contains(&q)
                        || t.description
                            .as_deref()
                            .unwrap_or("")
                            .to_lowercase()
                            .contains(&q)
                })
                .filter(|t| {
                    category
                        .as_ref()
                        .is_none_or(|c| t.category.as_ref() == Some(c))
                })
                .filter(|t| verified != Some(true) || t.workspace_id.is_none())
                .map(|t| {
                    (
                        t.id.clone(),
                        TemplateSearchResult {
                            code: t.code.clone(),
                            creator_name: Some("Railway".to_string()),
                            deployment_count: 0,
                            description: t.description.clone(),
                            health_score: Some(100.0),
                            id: t.id.clone(),
                            image: t.image.clone(),
                            is_verified: t.workspace_id.is_none(),
                            name: t.name.clone(),
                        },
                    )
                })
                .collect()
        });
        QueryTemplateSearchConnection::build(
            items,
            super::connection::PageArgs::new(after, before, first, last),
        )
    }

    /// Templates made in a workspace.
    async fn workspace_templates(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        workspace_id: String,
    ) -> GqlResult<QueryWorkspaceTemplatesConnection> {
        require_account(ctx)?;
        let items = core(ctx).read(|st| {
            let mut v: Vec<_> = st
                .extras
                .templates
                .values()
                .filter(|t| t.workspace_id.as_deref() == Some(workspace_id.as_str()))
                .collect();
            v.sort_by_key(|t| t.seq);
            v.into_iter()
                .map(|t| (t.id.clone(), Template::from(t)))
                .collect()
        });
        QueryWorkspaceTemplatesConnection::build(
            items,
            super::connection::PageArgs::new(after, before, first, last),
        )
    }

    /// Two-factor authentication of the local account: never set up.
    async fn two_factor_info(&self, ctx: &Context<'_>) -> GqlResult<TwoFactorInfo> {
        require_account(ctx)?;
        Ok(TwoFactorInfo {
            has_recovery_codes: false,
            is_verified: false,
        })
    }

    async fn volume_instance_backup_list(
        &self,
        ctx: &Context<'_>,
        volume_instance_id: String,
    ) -> GqlResult<Vec<VolumeInstanceBackup>> {
        volume_instance_access(ctx, &volume_instance_id)?;
        Ok(core(ctx).read(|st| {
            let mut v: Vec<_> = st
                .extras
                .backups
                .values()
                .filter(|b| b.volume_instance_id == volume_instance_id)
                .collect();
            v.sort_by_key(|b| std::cmp::Reverse(b.seq));
            v.into_iter().map(backup_view).collect()
        }))
    }

    async fn volume_instance_backup_schedule_list(
        &self,
        ctx: &Context<'_>,
        volume_instance_id: String,
    ) -> GqlResult<Vec<VolumeInstanceBackupSchedule>> {
        volume_instance_access(ctx, &volume_instance_id)?;
        let created = now_ms(ctx);
        Ok(core(ctx).read(|st| {
            st.extras
                .backup_schedules
                .get(&volume_instance_id)
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|kind| {
                    let (name, cron, retention) = extras::schedule_kind(kind);
                    VolumeInstanceBackupSchedule {
                        created_at: DateTime(created),
                        cron: cron.to_string(),
                        id: ID(derived_id(&["backupSchedule", &volume_instance_id, kind])),
                        kind: match kind.as_str() {
                            "DAILY" => VolumeInstanceBackupScheduleKind::Daily,
                            "WEEKLY" => VolumeInstanceBackupScheduleKind::Weekly,
                            _ => VolumeInstanceBackupScheduleKind::Monthly,
                        },
                        name: name.to_string(),
                        retention_seconds: Some(retention),
                    }
                })
                .collect()
        }))
    }

    async fn workflow_status(
        &self,
        ctx: &Context<'_>,
        workflow_id: String,
    ) -> GqlResult<WorkflowResult> {
        require_any(ctx)?;
        let now = now_ms(ctx);
        let (status, error) = core(ctx).read(|st| extras::workflow_status(st, &workflow_id, now));
        Ok(WorkflowResult {
            error,
            status: match status {
                "Complete" => WorkflowStatus::Complete,
                "Running" => WorkflowStatus::Running,
                "Error" => WorkflowStatus::Error,
                _ => WorkflowStatus::NotFound,
            },
        })
    }

    /// How an `environmentApplyChangeSet` went (`applying` until it is done).
    async fn environment_change_set_apply(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        id: String,
    ) -> GqlResult<ChangeSetApplyResult> {
        environment_access(ctx, &environment_id)?;
        let now = now_ms(ctx);
        core(ctx)
            .read(|st| {
                st.extras
                    .change_sets
                    .get(&id)
                    .filter(|c| c.environment_id == environment_id)
                    .map(|c| change_set_view(c, now))
            })
            .ok_or_else(|| not_found("ChangeSetApply"))
    }

    /// A deployment's events, oldest first (`deploymentEvents`).
    async fn deployment_events(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        id: String,
        last: Option<i32>,
    ) -> GqlResult<QueryDeploymentEventsConnection> {
        let d = deployment_access(ctx, &id)?;
        let now = now_ms(ctx);
        let items = deployment_events(&d, now)
            .into_iter()
            .map(|e| (e.id.0.clone(), e))
            .collect();
        QueryDeploymentEventsConnection::build(
            items,
            super::connection::PageArgs::new(after, before, first, last),
        )
    }
}

super::connection::connection!(
    QueryDeploymentEventsConnection,
    QueryDeploymentEventsConnectionEdge,
    DeploymentEvent
);

/// The steps a deployment has gone through by `now`: snapshot and build
/// during `BUILDING`, container, healthcheck and network during
/// `DEPLOYING`; a failed build, crashed container or failing healthcheck
/// carries the error (the healthcheck also its attempts). None while it
/// waits for approval.
pub fn deployment_events(
    d: &crate::emulator::state::DeploymentRec,
    now: i64,
) -> Vec<DeploymentEvent> {
    use crate::emulator::state::Outcome;
    let Some(t) = crate::emulator::deploy::timeline(d) else {
        return vec![];
    };
    let (build, deploy, up, end) = (t.building, t.deploying, t.up, t.end);
    let none = DeploymentEventPayload::default;
    let mut steps = vec![
        (DeploymentEventStep::SnapshotCode, build, build, none()),
        (
            DeploymentEventStep::BuildImage,
            build,
            deploy,
            DeploymentEventPayload {
                error: (d.outcome == Outcome::BuildFailed)
                    .then(|| "process exited with code 1".to_string()),
                ..none()
            },
        ),
    ];
    if d.outcome != Outcome::BuildFailed {
        steps.push((DeploymentEventStep::PublishImage, deploy, deploy, none()));
        steps.push((DeploymentEventStep::CreateContainer, deploy, up, none()));
        let healthcheck = match d.outcome {
            Outcome::Crashed => DeploymentEventPayload {
                error: Some("container exited with code 1".to_string()),
                attempt: Some(d.restarts as i32 + 1),
                max_attempts: Some(d.restarts as i32 + 1),
                ..none()
            },
            Outcome::HealthcheckFailed => {
                let n = crate::emulator::deploy::healthcheck_attempts(d).len() as i32;
                DeploymentEventPayload {
                    error: Some(format!(
                        "Healthcheck failed: {} never answered 200",
                        d.healthcheck_path.as_deref().unwrap_or("/")
                    )),
                    attempt: Some(n),
                    max_attempts: Some(n),
                    ..none()
                }
            }
            _ => none(),
        };
        steps.push((DeploymentEventStep::Healthcheck, deploy, end, healthcheck));
        if d.outcome == Outcome::Success {
            steps.push((DeploymentEventStep::ConfigureNetwork, end, end, none()));
        }
    }
    steps
        .into_iter()
        .filter(|(_, start, _, _)| *start <= now)
        .map(|(step_kind, start, done, payload)| DeploymentEvent {
            completed_at: (done <= now).then_some(DateTime(done)),
            created_at: DateTime(start),
            id: ID(derived_id(&[
                "deploymentEvent",
                &d.id,
                &format!("{step_kind:?}"),
            ])),
            payload: Some(DeploymentEventPayload {
                duration_ms: (done <= now).then(|| (done - start) as i32),
                // The error is known once the step is done.
                error: payload.error.filter(|_| done <= now),
                ..payload
            }),
            step: step_kind,
        })
        .collect()
}

fn template_build_view(b: &extras::TemplateBuildRec, now: i64) -> SandboxTemplateBuild {
    SandboxTemplateBuild {
        environment_id: b.environment_id.clone(),
        id: ID(b.id.clone()),
        status: if now < b.created_at + b.step_ms as i64 {
            SandboxTemplateBuildStatus::Building
        } else {
            SandboxTemplateBuildStatus::Ready
        },
    }
}

/// The public ID of an environment's private network.
pub fn private_network_id_of(environment_id: &str) -> String {
    derived_id(&["privateNetwork", environment_id])
}

fn private_network_id(environment_id: &str) -> String {
    private_network_id_of(environment_id)
}

fn private_ip(environment_id: &str, service_id: &str) -> String {
    let h = crate::emulator::clock::fnv1a(format!("{environment_id}/{service_id}").as_bytes());
    format!(
        "fd12:{:x}:{:x}::{:x}",
        (h >> 48) & 0xffff,
        (h >> 32) & 0xffff,
        h & 0xffff
    )
}

fn egress_views(env: &str, service: &str, regions: &[String]) -> Vec<EgressGateway> {
    regions
        .iter()
        .map(|r| {
            let h = crate::emulator::clock::fnv1a(format!("{env}/{service}/{r}").as_bytes());
            EgressGateway {
                ipv4: format!("162.220.{}.{}", (h >> 8) & 0xff, (h & 0xfe) + 1),
                region: r.clone(),
                zone: Some(format!("{r}-a")),
            }
        })
        .collect()
}

/// The result of a change-set apply as the API serves it at `now`.
pub fn change_set_view(c: &extras::ChangeSetApplyRec, now: i64) -> ChangeSetApplyResult {
    let applying = now < c.done_at;
    ChangeSetApplyResult {
        changes: c
            .changes
            .iter()
            .map(|r| ChangeOperationResult {
                kind: r.kind.clone(),
                outputs: r.outputs.clone().map(Json),
                path: r.path.clone(),
                status: if applying && r.status == "applied" {
                    "applying".to_string()
                } else {
                    r.status.clone()
                },
                summary: r.summary.clone(),
            })
            .collect(),
        deployment_id: c.deployment_id.clone(),
        diagnostics: Json(c.diagnostics.clone()),
        id: c.id.clone(),
        staged_patch_id: c.staged_patch_id.clone(),
        status: if applying {
            "applying".to_string()
        } else {
            c.status.clone()
        },
    }
}

/// Extra `Mutation` fields.
pub struct ExtraMutation;

#[Object]
impl ExtraMutation {
    /// CLI telemetry: accepted and thrown away.
    async fn cli_event_track(
        &self,
        ctx: &Context<'_>,
        input: CliEventTrackInput,
    ) -> GqlResult<bool> {
        require_any(ctx)?;
        let _ = input;
        Ok(true)
    }

    async fn bucket_create(
        &self,
        ctx: &Context<'_>,
        input: BucketCreateInput,
    ) -> GqlResult<Bucket> {
        require_project(ctx, &input.project_id)?;
        let env = absent_or_null(input.environment_id);
        if let Some(Some(e)) = &env {
            environment_access(ctx, e)?;
        }
        let env = env.as_ref().map(|e| e.as_deref());
        write(ctx, |st, t| {
            extras::create_bucket(st, t, &input.project_id, input.name.clone(), env)
        })
        .map(|b| Bucket::from(&b))
    }

    async fn bucket_update(
        &self,
        ctx: &Context<'_>,
        id: String,
        input: BucketUpdateInput,
    ) -> GqlResult<Bucket> {
        bucket_access(ctx, &id)?;
        write(ctx, |st, _| {
            extras::rename_bucket(st, &id, input.name.trim())
        })
        .map(|b| Bucket::from(&b))
    }

    /// New S3 credentials for a bucket instance; the old ones stop working.
    async fn bucket_credentials_reset(
        &self,
        ctx: &Context<'_>,
        bucket_id: String,
        environment_id: String,
        project_id: String,
        redeploy_dependents: Option<bool>,
    ) -> GqlResult<BucketS3CompatibleCredentials> {
        if bucket_access(ctx, &bucket_id)? != project_id {
            return Err(not_found("Bucket"));
        }
        environment_access(ctx, &environment_id)?;
        let _ = redeploy_dependents;
        write(ctx, |st, _| {
            extras::bucket_credentials(st, &environment_id, &bucket_id)?;
            *st.extras
                .bucket_credential_resets
                .entry(instance_key(&environment_id, &bucket_id))
                .or_insert(0) += 1;
            extras::bucket_credentials(st, &environment_id, &bucket_id)
        })
        .map(Into::into)
    }

    async fn cloud_agent_create(
        &self,
        ctx: &Context<'_>,
        input: CloudAgentCreateInput,
    ) -> GqlResult<CloudAgent> {
        let project_id = environment_access(ctx, &input.environment_id)?;
        if let Some(v) = &input.variables
            && !v.0.is_object()
        {
            return Err(bad("`variables` must be an object of name to value"));
        }
        write(ctx, |st, t| {
            let name = match &input.name {
                Some(n) => {
                    extras::check_resource_name("cloud agent", n)?;
                    n.clone()
                }
                None => format!("agent-{}", t.rng.alnum(5)),
            };
            let rec = extras::CloudAgentRec {
                id: t.rng.uuid(),
                name,
                project_id: project_id.clone(),
                environment_id: input.environment_id.clone(),
                sleeping: false,
                created_at: t.now,
            };
            st.extras.cloud_agents.insert(rec.id.clone(), rec.clone());
            Ok(CloudAgent::from(&rec))
        })
    }

    async fn cloud_agent_delete(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        cloud_agent_access(ctx, &id)?;
        write(ctx, |st, _| {
            st.extras.cloud_agents.remove(id.as_str());
            Ok(true)
        })
    }

    async fn cloud_agent_sleep(&self, ctx: &Context<'_>, id: ID) -> GqlResult<CloudAgent> {
        cloud_agent_access(ctx, &id)?;
        set_agent_sleep(ctx, &id, true)
    }

    async fn cloud_agent_wake(&self, ctx: &Context<'_>, id: ID) -> GqlResult<CloudAgent> {
        cloud_agent_access(ctx, &id)?;
        set_agent_sleep(ctx, &id, false)
    }

    /// Asks for a certificate again; the emulator's are always valid.
    async fn custom_domain_issue_certificate(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> GqlResult<bool> {
        require_any(ctx)?;
        let env = lookup(
            ctx,
            "CustomDomain",
            |st| {
                crate::emulator::views::environment_of_row(
                    st,
                    crate::emulator::views::custom_domains,
                    &id,
                )
            },
            |e| e,
        )?;
        environment_access(ctx, &env)?;
        Ok(true)
    }

    /// Changes a custom domain's target port.
    async fn custom_domain_update(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        id: String,
        target_port: Option<i32>,
    ) -> GqlResult<bool> {
        environment_access(ctx, &environment_id)?;
        write(ctx, |st, t| {
            let row =
                crate::emulator::views::find_row(st, crate::emulator::views::custom_domains, &id)
                    .filter(|r| r.environment_id == environment_id)
                    .ok_or_else(|| ApiError::NotFound("CustomDomain not found".into()))?;
            set_domain_port(st, t, &row, target_port)
        })?;
        Ok(true)
    }

    /// Renames a service domain (still under `up.railway.app`) or changes
    /// its port.
    async fn service_domain_update(
        &self,
        ctx: &Context<'_>,
        input: ServiceDomainUpdateInput,
    ) -> GqlResult<bool> {
        instance_access(ctx, &input.environment_id, &input.service_id)?;
        let domain = input
            .domain
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let Some(label) = domain.strip_suffix(".up.railway.app") else {
            return Err(bad(format!(
                "`{domain}` is not a domain under `up.railway.app`"
            )));
        };
        if !extras::valid_dns_label(label) {
            return Err(bad(format!("`{label}` is not a valid subdomain")));
        }
        write(ctx, |st, t| {
            let row = crate::emulator::views::find_row(
                st,
                crate::emulator::views::service_domains,
                &input.service_domain_id,
            )
            .filter(|r| {
                r.environment_id == input.environment_id && r.service_id == input.service_id
            })
            .ok_or_else(|| ApiError::NotFound("ServiceDomain not found".into()))?;
            let taken = st.environments.values().any(|e| {
                st.environment_service_ids(e).iter().any(|sid| {
                    crate::emulator::views::service_domains(e, sid)
                        .iter()
                        .any(|d| d.domain == domain && d.id != row.id)
                })
            });
            if taken {
                return Err(ApiError::BadInput(format!(
                    "Domain `{domain}` is already in use"
                )));
            }
            let port = input.target_port.or(row.target_port);
            let value = port.map_or(json!({}), |p| json!({"port": p}));
            let mut domains = serde_json::Map::new();
            if row.domain != domain {
                domains.insert(row.domain.clone(), Value::Null);
            }
            domains.insert(domain.clone(), value);
            let patch = crate::emulator::views::networking_patch(
                &input.service_id,
                json!({"serviceDomains": Value::Object(domains)}),
            );
            ops::commit_patch(st, t, &input.environment_id, &patch, None, true)
        })?;
        Ok(true)
    }

    /// A new deployment made from this one's source and settings.
    async fn deployment_redeploy(
        &self,
        ctx: &Context<'_>,
        id: String,
        use_previous_image_tag: Option<bool>,
    ) -> GqlResult<Deployment> {
        let d = deployment_access(ctx, &id)?;
        let _ = use_previous_image_tag;
        let rec = write(ctx, |st, t| {
            let sha = d
                .meta
                .get("commitHash")
                .and_then(Value::as_str)
                .map(str::to_string);
            let new = ops::deploy(st, t, &d.environment_id, &d.service_id, sha)?;
            st.deployments
                .get(&new)
                .cloned()
                .ok_or_else(|| ApiError::NotFound("Deployment not found".into()))
        })?;
        Ok(Deployment(rec))
    }

    /// Restarts a running deployment's containers (no new deployment).
    async fn deployment_restart(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        let d = deployment_access(ctx, &id)?;
        let now = now_ms(ctx);
        let status = core(ctx).read(|st| crate::emulator::deploy::status(st, &d, now).0);
        use crate::emulator::deploy::Status;
        if !matches!(status, Status::Success | Status::Crashed) {
            return Err(bad(format!(
                "Deployment `{id}` is not running and cannot be restarted"
            )));
        }
        Ok(true)
    }

    /// Approves a deployment waiting in `NEEDS_APPROVAL`: its phases start
    /// now. Any other deployment is refused.
    async fn deployment_approve(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        deployment_access(ctx, &id)?;
        write(ctx, |st, t| {
            let d = st
                .deployments
                .get_mut(&id)
                .ok_or_else(|| ApiError::NotFound("Deployment not found".into()))?;
            if !d.needs_approval || d.approved_at.is_some() || d.removed_at.is_some() {
                return Err(ApiError::BadInput(
                    "Deployment does not need approval".into(),
                ));
            }
            d.approved_at = Some(t.now);
            Ok(())
        })?;
        Ok(true)
    }

    /// Stops and removes a deployment (its status becomes `REMOVED`).
    async fn deployment_remove(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        deployment_access(ctx, &id)?;
        write(ctx, |st, t| {
            let d = st
                .deployments
                .get_mut(&id)
                .ok_or_else(|| ApiError::NotFound("Deployment not found".into()))?;
            d.removed_at.get_or_insert(t.now);
            Ok(())
        })?;
        Ok(true)
    }

    async fn enable_pitr_for_ha_cluster(
        &self,
        ctx: &Context<'_>,
        input: EnablePitrForHaClusterInput,
    ) -> GqlResult<TemplateDeployPayload> {
        ha_access(
            ctx,
            &input.project_id,
            &input.environment_id,
            &input.root_service_id,
        )?;
        set_ha(
            ctx,
            &input.project_id,
            &input.environment_id,
            &input.root_service_id,
            true,
        )
    }

    async fn disable_pitr_for_ha_cluster(
        &self,
        ctx: &Context<'_>,
        input: DisablePitrForHaClusterInput,
    ) -> GqlResult<TemplateDeployPayload> {
        ha_access(
            ctx,
            &input.project_id,
            &input.environment_id,
            &input.root_service_id,
        )?;
        set_ha(
            ctx,
            &input.project_id,
            &input.environment_id,
            &input.root_service_id,
            false,
        )
    }

    async fn cancel_pitr_ha_workflow(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        root_service_id: String,
    ) -> GqlResult<bool> {
        instance_access(ctx, &environment_id, &root_service_id)?;
        write(ctx, |st, _| {
            let c = st
                .extras
                .ha_clusters
                .get_mut(&instance_key(&environment_id, &root_service_id))
                .ok_or_else(|| ApiError::NotFound("PitrHaWorkflow not found".into()))?;
            c.cancelled = true;
            Ok(true)
        })
    }

    async fn clear_pitr_ha_workflow_progress(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        root_service_id: String,
    ) -> GqlResult<bool> {
        instance_access(ctx, &environment_id, &root_service_id)?;
        write(ctx, |st, _| {
            if let Some(c) = st
                .extras
                .ha_clusters
                .get_mut(&instance_key(&environment_id, &root_service_id))
            {
                c.cancelled = false;
            }
            Ok(true)
        })
    }

    async fn enable_service_cdn(
        &self,
        ctx: &Context<'_>,
        input: EnableServiceCdnInput,
    ) -> GqlResult<EdgeConfig> {
        let caching = input
            .config
            .as_ref()
            .and_then(|c| c.caching.as_ref())
            .map(EdgeCachingConfigInput::to_json);
        edit_edge(
            ctx,
            &input.environment_id,
            &input.service_id,
            move |e, _| {
                e.enabled = true;
                if let Some(c) = &caching {
                    extras::merge_caching(e, c);
                }
            },
        )
    }

    async fn disable_service_cdn(
        &self,
        ctx: &Context<'_>,
        input: DisableServiceCdnInput,
    ) -> GqlResult<bool> {
        edit_edge(ctx, &input.environment_id, &input.service_id, |e, _| {
            e.enabled = false;
        })?;
        Ok(true)
    }

    async fn update_service_edge_config(
        &self,
        ctx: &Context<'_>,
        input: UpdateServiceEdgeConfigInput,
    ) -> GqlResult<EdgeConfig> {
        let caching = input
            .config
            .caching
            .as_ref()
            .map(EdgeCachingConfigInput::to_json);
        edit_edge(
            ctx,
            &input.environment_id,
            &input.service_id,
            move |e, _| {
                if let Some(c) = &caching {
                    extras::merge_caching(e, c);
                }
            },
        )
    }

    /// Purges the CDN cache: bumps the purge epoch.
    async fn purge_service_cache(
        &self,
        ctx: &Context<'_>,
        input: PurgeServiceCacheInput,
    ) -> GqlResult<bool> {
        let kind = match input.scope {
            PurgeCacheScope::All => "ALL",
            PurgeCacheScope::Html => "HTML",
        };
        let enabled = edit_edge(ctx, &input.environment_id, &input.service_id, |e, _| {
            if e.enabled {
                e.purge_epoch += 1;
                *e.purge_epoch_by_kind.entry(kind.to_string()).or_insert(0) += 1;
            }
        })?
        .enabled;
        if !enabled {
            return Err(bad("the CDN is not enabled for this service"));
        }
        Ok(true)
    }

    async fn set_service_under_attack_mode(
        &self,
        ctx: &Context<'_>,
        input: SetServiceUnderAttackModeInput,
    ) -> GqlResult<EdgeConfig> {
        if input.duration_seconds.is_some_and(|d| d <= 0) {
            return Err(bad("`durationSeconds` must be positive"));
        }
        let duration = input.duration_seconds.unwrap_or(3600) as i64;
        edit_edge(
            ctx,
            &input.environment_id,
            &input.service_id,
            move |e, now| {
                e.under_attack_until = input.enabled.then_some(now / 1000 + duration);
            },
        )
    }

    /// Gives a service instance a static egress IP in a region.
    async fn egress_gateway_association_create(
        &self,
        ctx: &Context<'_>,
        input: EgressGatewayCreateInput,
    ) -> GqlResult<Vec<EgressGateway>> {
        instance_access(ctx, &input.environment_id, &input.service_id)?;
        let region = input
            .region
            .clone()
            .unwrap_or_else(|| "us-west2".to_string());
        if !crate::resolve::regions::is_region(&region) {
            return Err(bad(format!("`{region}` is not a region")));
        }
        let key = instance_key(&input.environment_id, &input.service_id);
        let regions = write(ctx, |st, _| {
            let list = st.extras.egress.entry(key.clone()).or_default();
            if !list.contains(&region) {
                list.push(region.clone());
            }
            Ok(list.clone())
        })?;
        Ok(egress_views(
            &input.environment_id,
            &input.service_id,
            &regions,
        ))
    }

    async fn egress_gateway_associations_clear(
        &self,
        ctx: &Context<'_>,
        input: EgressGatewayServiceTargetInput,
    ) -> GqlResult<bool> {
        instance_access(ctx, &input.environment_id, &input.service_id)?;
        let all = input.all_environments == Some(true);
        write(ctx, |st, _| {
            let suffix = format!("/{}", input.service_id);
            st.extras.egress.retain(|k, _| {
                if all {
                    !k.ends_with(&suffix)
                } else {
                    *k != instance_key(&input.environment_id, &input.service_id)
                }
            });
            Ok(true)
        })
    }

    /// A short-lived token for a shell into a deployment instance.
    async fn generate_shell_token(
        &self,
        ctx: &Context<'_>,
        input: ShellTokenInput,
    ) -> GqlResult<String> {
        environment_access(ctx, &input.environment_id)?;
        if let Some(s) = &input.service_id {
            instance_access(ctx, &input.environment_id, s)?;
        }
        if input.instance_id.trim().is_empty() {
            return Err(bad("`instanceId` cannot be empty"));
        }
        let _ = (input.kind, input.port, input.scope);
        write(ctx, |_, t| {
            Ok(format!("shell_{}", t.rng.uuid().replace('-', "")))
        })
    }

    /// Renames a service's private DNS name (`<name>.railway.internal`).
    async fn private_network_endpoint_rename(
        &self,
        ctx: &Context<'_>,
        dns_name: String,
        id: String,
        private_network_id: String,
    ) -> GqlResult<bool> {
        require_any(ctx)?;
        let found = core(ctx).read(|st| {
            st.environments.values().find_map(|e| {
                st.environment_service_ids(e).into_iter().find_map(|sid| {
                    (derived_id(&["privateEndpoint", &e.id, &sid]) == id)
                        .then(|| (e.id.clone(), sid))
                })
            })
        });
        let (env_id, service_id) = found.ok_or_else(|| not_found("PrivateNetworkEndpoint"))?;
        environment_access(ctx, &env_id)?;
        if private_network_id != private_network_id_of(&env_id) {
            return Err(not_found("PrivateNetwork"));
        }
        if !extras::valid_dns_label(&dns_name) {
            return Err(bad(format!("`{dns_name}` is not a valid DNS name")));
        }
        write(ctx, |st, t| {
            let env = ops::environment(st, &env_id)?;
            let taken = st.environment_service_ids(env).iter().any(|sid| {
                sid != &service_id
                    && extras::private_dns_name(st, &env_id, sid).as_deref()
                        == Some(dns_name.as_str())
            });
            if taken {
                return Err(ApiError::BadInput(format!(
                    "Private DNS name `{dns_name}` is already in use"
                )));
            }
            let patch = crate::emulator::views::networking_patch(
                &service_id,
                json!({"privateNetworkEndpoint": dns_name}),
            );
            ops::commit_patch(st, t, &env_id, &patch, None, true)
        })?;
        Ok(true)
    }

    async fn sandbox_create(
        &self,
        ctx: &Context<'_>,
        input: SandboxCreateInput,
    ) -> GqlResult<Sandbox> {
        environment_access(ctx, &input.environment_id)?;
        let region = input
            .region
            .clone()
            .unwrap_or_else(|| "us-west2".to_string());
        if !crate::resolve::regions::is_region(&region) {
            return Err(bad(format!("`{region}` is not a region")));
        }
        if input.idle_timeout_minutes.is_some_and(|m| m <= 0) {
            return Err(bad("`idleTimeoutMinutes` must be positive"));
        }
        if input.source_sandbox_id.is_some() && input.template.is_some() {
            return Err(bad("`sourceSandboxId` and `template` cannot both be given"));
        }
        let _ = (input.network_isolation, &input.variables);
        write(ctx, |st, t| {
            if let Some(src) = &input.source_sandbox_id
                && !st.extras.sandboxes.get(src).is_some_and(|s| {
                    s.environment_id == input.environment_id && s.destroyed_at.is_none()
                })
            {
                return Err(ApiError::NotFound("Sandbox not found".into()));
            }
            let seq = st.next_seq();
            let rec = extras::SandboxRec {
                id: t.rng.uuid(),
                environment_id: input.environment_id.clone(),
                region: region.clone(),
                idle_timeout_minutes: input.idle_timeout_minutes.or(Some(30)),
                created_at: t.now,
                destroyed_at: None,
                seq,
            };
            st.extras.sandboxes.insert(rec.id.clone(), rec.clone());
            Ok(Sandbox::from(&rec))
        })
    }

    async fn sandbox_destroy(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        id: String,
    ) -> GqlResult<Option<Sandbox>> {
        environment_access(ctx, &environment_id)?;
        write(ctx, |st, t| {
            let s = sandbox_mut(st, &environment_id, &id)?;
            s.destroyed_at.get_or_insert(t.now);
            Ok(Some(Sandbox::from(&*s)))
        })
    }

    /// Keeps a sandbox from idling out.
    async fn sandbox_heartbeat(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        id: String,
    ) -> GqlResult<Option<Sandbox>> {
        environment_access(ctx, &environment_id)?;
        let s = core(ctx).read(|st| {
            st.extras
                .sandboxes
                .get(&id)
                .filter(|s| s.environment_id == environment_id && s.destroyed_at.is_none())
                .map(Sandbox::from)
        });
        s.map(Some).ok_or_else(|| not_found("Sandbox"))
    }

    async fn sandbox_checkpoint_create(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        name: String,
        sandbox_id: String,
    ) -> GqlResult<SandboxCheckpoint> {
        environment_access(ctx, &environment_id)?;
        write(ctx, |st, t| {
            sandbox_mut(st, &environment_id, &sandbox_id)?;
            extras::check_resource_name("checkpoint", &name)?;
            if st
                .extras
                .checkpoints
                .values()
                .any(|c| c.environment_id == environment_id && c.key == name)
            {
                return Err(ApiError::BadInput(format!(
                    "Checkpoint `{name}` already exists"
                )));
            }
            let rec = extras::CheckpointRec {
                id: t.rng.uuid(),
                environment_id: environment_id.clone(),
                sandbox_id: sandbox_id.clone(),
                key: name.clone(),
                created_at: t.now,
            };
            st.extras.checkpoints.insert(rec.id.clone(), rec.clone());
            Ok(SandboxCheckpoint::from(&rec))
        })
    }

    async fn sandbox_checkpoint_rename(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        id: ID,
        name: String,
    ) -> GqlResult<SandboxCheckpoint> {
        environment_access(ctx, &environment_id)?;
        write(ctx, |st, _| {
            extras::check_resource_name("checkpoint", &name)?;
            if st
                .extras
                .checkpoints
                .values()
                .any(|c| c.environment_id == environment_id && c.key == name && c.id != id.as_str())
            {
                return Err(ApiError::BadInput(format!(
                    "Checkpoint `{name}` already exists"
                )));
            }
            let c = st
                .extras
                .checkpoints
                .get_mut(id.as_str())
                .filter(|c| c.environment_id == environment_id)
                .ok_or_else(|| ApiError::NotFound("SandboxCheckpoint not found".into()))?;
            c.key = name.clone();
            Ok(SandboxCheckpoint::from(&*c))
        })
    }

    async fn sandbox_checkpoint_delete(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        id: ID,
    ) -> GqlResult<bool> {
        environment_access(ctx, &environment_id)?;
        write(ctx, |st, _| {
            let found = st
                .extras
                .checkpoints
                .get(id.as_str())
                .is_some_and(|c| c.environment_id == environment_id);
            if !found {
                return Err(ApiError::NotFound("SandboxCheckpoint not found".into()));
            }
            st.extras.checkpoints.remove(id.as_str());
            Ok(true)
        })
    }

    /// Builds a sandbox template; it is `BUILDING` for one deployment step.
    async fn sandbox_template_build(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        input: SandboxTemplateInput,
    ) -> GqlResult<SandboxTemplateBuild> {
        environment_access(ctx, &environment_id)?;
        if input.instructions.is_some() == input.name.is_some() {
            return Err(bad("give either `instructions` or `name`"));
        }
        let _ = (&input.base_image_digest, &input.variables);
        write(ctx, |st, t| {
            if let Some(name) = &input.name
                && !st
                    .extras
                    .checkpoints
                    .values()
                    .any(|c| c.environment_id == environment_id && &c.key == name)
            {
                return Err(ApiError::NotFound("SandboxCheckpoint not found".into()));
            }
            let rec = extras::TemplateBuildRec {
                id: t.rng.uuid(),
                environment_id: environment_id.clone(),
                created_at: t.now,
                step_ms: t.step_ms,
            };
            st.extras
                .template_builds
                .insert(rec.id.clone(), rec.clone());
            Ok(template_build_view(&rec, t.now))
        })
    }

    /// Disconnects a service from its repo or image in every environment.
    async fn service_disconnect(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> GqlResult<super::project::Service> {
        service_access(ctx, &id)?;
        write(ctx, |st, t| {
            let svc = ops::service(st, &id)?.clone();
            let envs: Vec<String> = st
                .project_environments(&svc.project_id)
                .into_iter()
                .filter(|e| crate::emulator::state::service_config(e, &id).is_some())
                .map(|e| e.id.clone())
                .collect();
            for env_id in envs {
                let patch = json!({"services": {&id: {"source": {"image": null, "repo": null, "branch": null}}}});
                ops::commit_patch(st, t, &env_id, &patch, None, true)?;
            }
            Ok(super::project::Service(svc))
        })
    }

    async fn ssh_public_key_create(
        &self,
        ctx: &Context<'_>,
        input: SshPublicKeyCreateInput,
    ) -> GqlResult<SshPublicKey> {
        require_account(ctx)?;
        let key = input.public_key.trim().to_string();
        let kinds = [
            "ssh-ed25519 ",
            "ssh-rsa ",
            "ecdsa-sha2-",
            "sk-ssh-ed25519",
            "sk-ecdsa-",
        ];
        if !kinds.iter().any(|k| key.starts_with(k)) || key.split_whitespace().count() < 2 {
            return Err(bad("`publicKey` is not an OpenSSH public key"));
        }
        write(ctx, |st, t| {
            extras::check_resource_name("SSH key", &input.name)?;
            let fp = fingerprint(&key);
            if st.extras.ssh_keys.values().any(|k| k.fingerprint == fp) {
                return Err(ApiError::BadInput("this SSH key is already added".into()));
            }
            let seq = st.next_seq();
            let rec = extras::SshKeyRec {
                id: t.rng.uuid(),
                name: input.name.clone(),
                public_key: key.clone(),
                fingerprint: fp,
                workspace_id: input.workspace_id.clone(),
                seq,
            };
            st.extras.ssh_keys.insert(rec.id.clone(), rec.clone());
            Ok(SshPublicKey::from(&rec))
        })
    }

    async fn ssh_public_key_delete(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        require_account(ctx)?;
        write(ctx, |st, _| {
            st.extras
                .ssh_keys
                .remove(&id)
                .map(|_| true)
                .ok_or_else(|| ApiError::NotFound("SshPublicKey not found".into()))
        })
    }

    /// Deploys a template's services (into a new project without one).
    async fn template_deploy_v2(
        &self,
        ctx: &Context<'_>,
        input: TemplateDeployV2Input,
    ) -> GqlResult<TemplateDeployPayload> {
        match &input.project_id {
            Some(p) => require_project(ctx, p)?,
            None => require_account(ctx)?,
        }
        if let Some(e) = &input.environment_id {
            environment_access(ctx, e)?;
        }
        let known = core(ctx)
            .read(|st| extras::find_template(st, Some(&input.template_id), None).is_some());
        if !known {
            return Err(not_found("Template"));
        }
        let _ = (
            input.existing_root_service_id,
            input.stage_only,
            input.workspace_id,
        );
        let (project_id, workflow) = write(ctx, |st, t| {
            extras::deploy_template(
                st,
                t,
                input.project_id.clone(),
                input.environment_id.clone(),
                &input.serialized_config.0,
            )
        })?;
        Ok(TemplateDeployPayload {
            project_id,
            workflow_id: Some(workflow),
        })
    }

    async fn template_generate(
        &self,
        ctx: &Context<'_>,
        input: TemplateGenerateInput,
    ) -> GqlResult<Template> {
        require_project(ctx, &input.project_id)?;
        if let Some(e) = &input.environment_id {
            environment_access(ctx, e)?;
        }
        write(ctx, |st, t| {
            extras::generate_template(st, t, &input.project_id, input.environment_id.as_deref())
        })
        .map(|t| Template::from(&t))
    }

    async fn template_publish(
        &self,
        ctx: &Context<'_>,
        id: String,
        input: TemplatePublishInput,
    ) -> GqlResult<Template> {
        require_account(ctx)?;
        write(ctx, |st, _| {
            let t = st
                .extras
                .templates
                .get_mut(&id)
                .ok_or_else(|| ApiError::NotFound("Template not found".into()))?;
            t.status = "PUBLISHED".to_string();
            t.category = Some(input.category.clone());
            t.description = Some(input.description.clone());
            t.readme = Some(input.readme.clone());
            t.image = input.image.clone().or(t.image.clone());
            t.demo_project_id = input.demo_project_id.clone().or(t.demo_project_id.clone());
            if input.workspace_id.is_some() {
                t.workspace_id = input.workspace_id.clone();
            }
            Ok(Template::from(&*t))
        })
    }

    async fn template_unpublish(&self, ctx: &Context<'_>, id: String) -> GqlResult<bool> {
        require_account(ctx)?;
        write(ctx, |st, _| {
            let t = st
                .extras
                .templates
                .get_mut(&id)
                .ok_or_else(|| ApiError::NotFound("Template not found".into()))?;
            t.status = "UNPUBLISHED".to_string();
            Ok(true)
        })
    }

    async fn template_delete(
        &self,
        ctx: &Context<'_>,
        id: String,
        input: TemplateDeleteInput,
    ) -> GqlResult<bool> {
        require_account(ctx)?;
        let _ = input.workspace_id;
        write(ctx, |st, _| {
            st.extras
                .templates
                .remove(&id)
                .map(|_| true)
                .ok_or_else(|| ApiError::NotFound("Template not found".into()))
        })
    }

    /// Undoes an HA conversion of a database.
    async fn template_revert(
        &self,
        ctx: &Context<'_>,
        input: TemplateRevertInput,
    ) -> GqlResult<TemplateDeployPayload> {
        ha_access(
            ctx,
            &input.project_id,
            &input.environment_id,
            &input.root_service_id,
        )?;
        let _ = (input.group_id, input.stage_only, input.template_code);
        set_ha(
            ctx,
            &input.project_id,
            &input.environment_id,
            &input.root_service_id,
            false,
        )
    }

    /// Checks a two-factor code: the local account has no two-factor
    /// authentication, so no code is valid.
    async fn two_factor_info_validate(
        &self,
        ctx: &Context<'_>,
        input: TwoFactorInfoValidateInput,
    ) -> GqlResult<bool> {
        require_account(ctx)?;
        let _ = (input.token, input.two_factor_linking_key);
        Ok(false)
    }

    /// Attaches, detaches or moves a volume in one environment (or every
    /// environment that has it).
    async fn volume_instance_update(
        &self,
        ctx: &Context<'_>,
        environment_id: Option<String>,
        input: VolumeInstanceUpdateInput,
        volume_id: String,
    ) -> GqlResult<bool> {
        require_any(ctx)?;
        let project_id = lookup(
            ctx,
            "Volume",
            |st| st.volumes.get(&volume_id).map(|v| v.project_id.clone()),
            |p| p,
        )?;
        require_project(ctx, &project_id)?;
        if let Some(e) = &environment_id {
            environment_access(ctx, e)?;
        }
        let _ = input.state;
        write(ctx, |st, t| {
            extras::update_volume_instance(
                st,
                t,
                &volume_id,
                environment_id.as_deref(),
                Some(input.service_id.as_deref()),
                input.mount_path.as_deref(),
            )
        })?;
        Ok(true)
    }

    async fn volume_update(
        &self,
        ctx: &Context<'_>,
        input: VolumeUpdateInput,
        volume_id: String,
    ) -> GqlResult<super::network::Volume> {
        require_any(ctx)?;
        let project_id = lookup(
            ctx,
            "Volume",
            |st| st.volumes.get(&volume_id).map(|v| v.project_id.clone()),
            |p| p,
        )?;
        require_project(ctx, &project_id)?;
        write(ctx, |st, _| {
            if let Some(name) = &input.name {
                extras::rename_volume(st, &volume_id, name.trim())?;
            }
            st.volumes
                .get(&volume_id)
                .cloned()
                .ok_or_else(|| ApiError::NotFound("Volume not found".into()))
        })
        .map(super::network::Volume)
    }

    async fn volume_instance_backup_create(
        &self,
        ctx: &Context<'_>,
        name: Option<String>,
        volume_instance_id: String,
    ) -> GqlResult<WorkflowId> {
        volume_instance_access(ctx, &volume_instance_id)?;
        write(ctx, |st, t| {
            extras::create_backup(st, t, &volume_instance_id, name.clone(), None)
        })
        .map(|w| WorkflowId {
            workflow_id: Some(w),
        })
    }

    async fn volume_instance_backup_delete(
        &self,
        ctx: &Context<'_>,
        volume_instance_backup_id: String,
        volume_instance_id: String,
    ) -> GqlResult<WorkflowId> {
        volume_instance_access(ctx, &volume_instance_id)?;
        write(ctx, |st, t| {
            extras::backup(st, &volume_instance_id, &volume_instance_backup_id)?;
            st.extras.backups.remove(&volume_instance_backup_id);
            Ok(extras::start_workflow(st, t))
        })
        .map(|w| WorkflowId {
            workflow_id: Some(w),
        })
    }

    /// Keeps a backup from expiring.
    async fn volume_instance_backup_lock(
        &self,
        ctx: &Context<'_>,
        volume_instance_backup_id: String,
        volume_instance_id: String,
    ) -> GqlResult<bool> {
        volume_instance_access(ctx, &volume_instance_id)?;
        write(ctx, |st, _| {
            extras::backup(st, &volume_instance_id, &volume_instance_backup_id)?;
            if let Some(b) = st.extras.backups.get_mut(&volume_instance_backup_id) {
                b.expires_at = None;
            }
            Ok(true)
        })
    }

    async fn volume_instance_backup_restore(
        &self,
        ctx: &Context<'_>,
        replica_service_ids: Option<Vec<String>>,
        volume_instance_backup_id: String,
        volume_instance_id: String,
        wipe_service_ids: Option<Vec<String>>,
    ) -> GqlResult<WorkflowId> {
        volume_instance_access(ctx, &volume_instance_id)?;
        let _ = (replica_service_ids, wipe_service_ids);
        write(ctx, |st, t| {
            extras::backup(st, &volume_instance_id, &volume_instance_backup_id)?;
            Ok(extras::start_workflow(st, t))
        })
        .map(|w| WorkflowId {
            workflow_id: Some(w),
        })
    }

    async fn volume_instance_backup_schedule_update(
        &self,
        ctx: &Context<'_>,
        kinds: Vec<VolumeInstanceBackupScheduleKind>,
        volume_instance_id: String,
    ) -> GqlResult<bool> {
        volume_instance_access(ctx, &volume_instance_id)?;
        let mut names: Vec<String> = kinds
            .iter()
            .map(|k| match k {
                VolumeInstanceBackupScheduleKind::Daily => "DAILY",
                VolumeInstanceBackupScheduleKind::Weekly => "WEEKLY",
                VolumeInstanceBackupScheduleKind::Monthly => "MONTHLY",
            })
            .map(str::to_string)
            .collect();
        names.sort();
        names.dedup();
        write(ctx, |st, _| {
            if names.is_empty() {
                st.extras.backup_schedules.remove(&volume_instance_id);
            } else {
                st.extras
                    .backup_schedules
                    .insert(volume_instance_id.clone(), names.clone());
            }
            Ok(true)
        })
    }

    /// Restores a volume to a point in time (into a new service when
    /// `newServiceName` is given).
    #[graphql(name = "volumeInstancePITRRestore")]
    async fn volume_instance_pitr_restore(
        &self,
        ctx: &Context<'_>,
        new_service_name: Option<String>,
        source_repo_path: Option<String>,
        target_timestamp: DateTime,
        volume_instance_id: String,
    ) -> GqlResult<WorkflowId> {
        volume_instance_access(ctx, &volume_instance_id)?;
        let _ = source_repo_path;
        if target_timestamp.0 > now_ms(ctx) {
            return Err(bad("`targetTimestamp` is in the future"));
        }
        write(ctx, |st, t| {
            if let Some(name) = &new_service_name {
                extras::check_resource_name("service", name)?;
            }
            Ok(extras::start_workflow(st, t))
        })
        .map(|w| WorkflowId {
            workflow_id: Some(w),
        })
    }

    /// Checks a change set against the environment without applying it.
    async fn environment_preview_change_set(
        &self,
        ctx: &Context<'_>,
        environment_id: String,
        input: Json,
    ) -> GqlResult<ChangeSetPreview> {
        environment_access(ctx, &environment_id)?;
        let preview =
            gql(core(ctx)
                .read(|st| crate::emulator::changeset::preview(st, &environment_id, &input.0)))?;
        Ok(ChangeSetPreview {
            change_set: Json(preview.change_set),
            diagnostics: Json(preview.diagnostics),
            effects: Json(preview.effects),
        })
    }

    /// Applies a change set; refused when `baseConfigEtag` is not the
    /// environment's current `configEtag`.
    async fn environment_apply_change_set(
        &self,
        ctx: &Context<'_>,
        base_config_etag: Option<String>,
        commit_message: Option<String>,
        environment_id: String,
        input: Json,
        wait_for_completion: Option<bool>,
    ) -> GqlResult<ChangeSetApplyResult> {
        environment_access(ctx, &environment_id)?;
        let wait = wait_for_completion != Some(false);
        let rec = write(ctx, |st, t| {
            crate::emulator::changeset::apply(
                st,
                t,
                &environment_id,
                &input.0,
                base_config_etag.as_deref(),
                commit_message.clone(),
                wait,
            )
        })?;
        Ok(change_set_view(&rec, now_ms(ctx)))
    }
}

fn cloud_agent_access(ctx: &Context<'_>, id: &ID) -> GqlResult<()> {
    require_any(ctx)?;
    let env = lookup(
        ctx,
        "CloudAgent",
        |st| {
            st.extras
                .cloud_agents
                .get(id.as_str())
                .map(|a| a.environment_id.clone())
        },
        |e| e,
    )?;
    environment_access(ctx, &env)?;
    Ok(())
}

fn set_agent_sleep(ctx: &Context<'_>, id: &ID, sleeping: bool) -> GqlResult<CloudAgent> {
    write(ctx, |st, _| {
        let a = st
            .extras
            .cloud_agents
            .get_mut(id.as_str())
            .ok_or_else(|| ApiError::NotFound("CloudAgent not found".into()))?;
        a.sleeping = sleeping;
        Ok(CloudAgent::from(&*a))
    })
}

fn set_domain_port(
    st: &mut State,
    t: &mut ops::Tick,
    row: &crate::emulator::views::DomainRow,
    port: Option<i32>,
) -> ops::ApiResult<String> {
    if let Some(p) = port
        && !(1..=65_535).contains(&p)
    {
        return Err(ApiError::BadInput(format!("port {p} is out of range")));
    }
    // A `null` port clears it (the entry stays).
    let value = json!({"port": port});
    let patch = crate::emulator::views::networking_patch(
        &row.service_id,
        json!({row.networking_key: {&row.domain: value}}),
    );
    ops::commit_patch(st, t, &row.environment_id, &patch, None, true)
}

fn sandbox_mut<'a>(
    st: &'a mut State,
    environment_id: &str,
    id: &str,
) -> ops::ApiResult<&'a mut extras::SandboxRec> {
    st.extras
        .sandboxes
        .get_mut(id)
        .filter(|s| s.environment_id == environment_id && s.destroyed_at.is_none())
        .ok_or_else(|| ApiError::NotFound("Sandbox not found".into()))
}

fn edit_edge(
    ctx: &Context<'_>,
    environment_id: &str,
    service_id: &str,
    f: impl FnOnce(&mut extras::EdgeRec, i64),
) -> GqlResult<EdgeConfig> {
    instance_access(ctx, environment_id, service_id)?;
    let rec = write(ctx, |st, t| {
        let e = extras::edge_mut(st, environment_id, service_id);
        f(e, t.now);
        Ok(e.clone())
    })?;
    Ok(EdgeConfig::of(&rec, now_ms(ctx) / 1000))
}

fn ha_access(
    ctx: &Context<'_>,
    project_id: &str,
    environment_id: &str,
    root: &str,
) -> GqlResult<()> {
    if environment_access(ctx, environment_id)? != project_id {
        return Err(not_found("Environment"));
    }
    instance_access(ctx, environment_id, root)
}

fn set_ha(
    ctx: &Context<'_>,
    project_id: &str,
    environment_id: &str,
    root: &str,
    enabled: bool,
) -> GqlResult<TemplateDeployPayload> {
    let key = instance_key(environment_id, root);
    let workflow = write(ctx, |st, t| {
        if !enabled && !st.extras.ha_clusters.get(&key).is_some_and(|c| c.enabled) {
            return Err(ApiError::BadInput(
                "point-in-time recovery is not enabled for this cluster".into(),
            ));
        }
        let workflow_id = extras::start_workflow(st, t);
        st.extras.ha_clusters.insert(
            key.clone(),
            extras::HaClusterRec {
                workflow_id: workflow_id.clone(),
                enabled,
                started_at: t.now,
                cancelled: false,
            },
        );
        Ok(workflow_id)
    })?;
    Ok(TemplateDeployPayload {
        project_id: project_id.to_string(),
        workflow_id: Some(workflow),
    })
}

/// Extra `Subscription` fields.
pub struct ExtraSubscription;

/// A stream that sends one (empty) batch and then stays open: no traffic
/// is simulated, so nothing more ever comes.
fn quiet<T: Send + 'static>() -> BoxStream<'static, Vec<T>> {
    stream::once(async { Vec::new() })
        .chain(stream::pending())
        .boxed()
}

#[Subscription]
impl ExtraSubscription {
    #[allow(clippy::too_many_arguments)]
    async fn dns_query_logs(
        &self,
        ctx: &Context<'_>,
        after_date: Option<String>,
        after_limit: Option<i32>,
        anchor_date: Option<String>,
        before_date: Option<String>,
        before_limit: Option<i32>,
        deployment_instance_id: Option<String>,
        environment_id: String,
        filter: Option<String>,
        service_id: Option<String>,
    ) -> async_graphql::Result<BoxStream<'static, Vec<DnsQueryLog>>> {
        environment_access(ctx, &environment_id)?;
        let _ = (
            after_date,
            after_limit,
            anchor_date,
            before_date,
            before_limit,
        );
        let _ = (deployment_instance_id, filter, service_id);
        Ok(quiet())
    }

    #[allow(clippy::too_many_arguments)]
    async fn network_flow_logs(
        &self,
        ctx: &Context<'_>,
        after_date: Option<String>,
        after_limit: Option<i32>,
        anchor_date: Option<String>,
        before_date: Option<String>,
        before_limit: Option<i32>,
        deployment_instance_id: Option<String>,
        environment_id: String,
        filter: Option<String>,
        service_id: Option<String>,
    ) -> async_graphql::Result<BoxStream<'static, Vec<NetworkFlowLog>>> {
        environment_access(ctx, &environment_id)?;
        let _ = (
            after_date,
            after_limit,
            anchor_date,
            before_date,
            before_limit,
        );
        let _ = (deployment_instance_id, filter, service_id);
        Ok(quiet())
    }

    #[allow(clippy::too_many_arguments)]
    async fn http_logs(
        &self,
        ctx: &Context<'_>,
        after_date: Option<String>,
        after_limit: Option<i32>,
        anchor_date: Option<String>,
        before_date: Option<String>,
        before_limit: Option<i32>,
        deployment_id: String,
        filter: Option<String>,
    ) -> async_graphql::Result<BoxStream<'static, Vec<HttpLog>>> {
        deployment_access(ctx, &deployment_id)?;
        let _ = (
            after_date,
            after_limit,
            anchor_date,
            before_date,
            before_limit,
            filter,
        );
        Ok(quiet())
    }

    /// A deployment's events as they happen (each one once, in order).
    async fn deployment_events(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> async_graphql::Result<BoxStream<'static, DeploymentEvent>> {
        let d = deployment_access(ctx, &id)?;
        let core = ctx
            .data_unchecked::<std::sync::Arc<crate::emulator::core::Core>>()
            .clone();
        let stream = stream::unfold(
            (
                std::collections::VecDeque::<DeploymentEvent>::new(),
                Vec::<String>::new(),
            ),
            move |(mut queue, mut sent)| {
                let core = core.clone();
                let d = d.clone();
                async move {
                    loop {
                        if let Some(e) = queue.pop_front() {
                            return Some((e, (queue, sent)));
                        }
                        let now = core.clock.now_ms();
                        for e in deployment_events(&d, now) {
                            let key = format!("{}:{}", e.id.0, e.completed_at.is_some());
                            if !sent.contains(&key) && e.completed_at.is_some() {
                                sent.push(key);
                                queue.push_back(e);
                            }
                        }
                        if queue.is_empty() {
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        }
                    }
                }
            },
        );
        Ok(stream.boxed())
    }
}
