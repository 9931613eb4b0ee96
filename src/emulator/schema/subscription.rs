//! The `Subscription` root: logs and deployment status, polled from the
//! clock-driven state and pushed when something new appears.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::{Context, Result, Subscription};

use super::deployment::{Deployment, Log};
use super::enums::DeploymentStatus;
use super::query::{
    deployment_access, deployment_log_lines, environment_access, environment_log_lines,
    parse_filter,
};
use crate::emulator::core::Core;
use crate::emulator::deploy::status;

/// How often subscriptions look for news.
const POLL: Duration = Duration::from_millis(50);

/// The `Subscription` root.
pub struct Subscription;

fn log_key(l: &Log) -> String {
    format!("{}\u{1f}{}", l.timestamp, l.message)
}

/// A stream of new log lines: each poll yields the lines not sent yet (as
/// one batch), skipping empty polls.
fn log_stream(
    core: Arc<Core>,
    limit: Option<i32>,
    lines: impl Fn(&Core) -> Vec<Log> + Send + Sync + 'static,
) -> BoxStream<'static, Vec<Log>> {
    let lines = Arc::new(lines);
    let state = (HashSet::<String>::new(), true);
    stream::unfold(state, move |(mut seen, first)| {
        let core = core.clone();
        let lines = lines.clone();
        let batch_of = move |core: &Core, seen: &mut HashSet<String>, first: bool| {
            let all = lines(core);
            let mut fresh: Vec<Log> = all
                .into_iter()
                .filter(|l| !seen.contains(&log_key(l)))
                .collect();
            if first && let Some(limit) = limit {
                let n = limit.max(0) as usize;
                if fresh.len() > n {
                    for l in fresh.drain(..fresh.len() - n) {
                        seen.insert(log_key(&l));
                    }
                }
            }
            for l in &fresh {
                seen.insert(log_key(l));
            }
            fresh
        };
        let batch = batch_of(&core, &mut seen, first);
        async move {
            let mut batch = batch;
            while batch.is_empty() {
                tokio::time::sleep(POLL).await;
                batch = batch_of(&core, &mut seen, false);
            }
            Some((batch, (seen, false)))
        }
    })
    .boxed()
}

/// A deployment's build (or deploy) log lines as they are written.
fn deployment_log_stream(
    ctx: &Context<'_>,
    deployment_id: &str,
    build: bool,
    filter: Option<String>,
    limit: Option<i32>,
) -> Result<BoxStream<'static, Vec<Log>>> {
    let d = deployment_access(ctx, deployment_id)?;
    let filter = parse_filter(&filter)?;
    let core = ctx.data_unchecked::<Arc<Core>>().clone();
    Ok(log_stream(core, limit, move |c| {
        deployment_log_lines(&d, c.clock.now_ms(), build, &filter, None, None)
            .into_iter()
            .map(|(_, l)| l)
            .collect()
    }))
}

#[Subscription(name = "CoreSubscription")]
impl Subscription {
    /// Deploy logs of a deployment as they are written.
    async fn deployment_logs(
        &self,
        ctx: &Context<'_>,
        deployment_id: String,
        filter: Option<String>,
        limit: Option<i32>,
    ) -> Result<BoxStream<'static, Vec<Log>>> {
        deployment_log_stream(ctx, &deployment_id, false, filter, limit)
    }

    /// Build logs of a deployment as they are written.
    async fn build_logs(
        &self,
        ctx: &Context<'_>,
        deployment_id: String,
        filter: Option<String>,
        limit: Option<i32>,
    ) -> Result<BoxStream<'static, Vec<Log>>> {
        deployment_log_stream(ctx, &deployment_id, true, filter, limit)
    }

    /// Logs of every deployment of an environment as they are written.
    #[allow(clippy::too_many_arguments)]
    async fn environment_logs(
        &self,
        ctx: &Context<'_>,
        after_date: Option<String>,
        after_limit: Option<i32>,
        anchor_date: Option<String>,
        before_date: Option<String>,
        before_limit: Option<i32>,
        environment_id: String,
        filter: Option<String>,
    ) -> Result<BoxStream<'static, Vec<Log>>> {
        environment_access(ctx, &environment_id)?;
        let filter = parse_filter(&filter)?;
        let _ = (after_date, after_limit, anchor_date, before_date);
        let core = ctx.data_unchecked::<Arc<Core>>().clone();
        Ok(log_stream(core, before_limit, move |c| {
            let now = c.clock.now_ms();
            c.read(|st| environment_log_lines(st, &environment_id, now, &filter))
                .into_iter()
                .map(|(_, l)| l)
                .collect()
        }))
    }

    /// The deployment, each time its status changes (first as it is now).
    async fn deployment(
        &self,
        ctx: &Context<'_>,
        id: String,
    ) -> Result<BoxStream<'static, Deployment>> {
        let d = deployment_access(ctx, &id)?;
        let core = ctx.data_unchecked::<Arc<Core>>().clone();
        let stream = stream::unfold(None::<DeploymentStatus>, move |last| {
            let core = core.clone();
            let d = d.clone();
            async move {
                loop {
                    let now = core.clock.now_ms();
                    let current = core.read(|st| {
                        let rec = st.deployments.get(&d.id)?;
                        Some((rec.clone(), DeploymentStatus::from(status(st, rec, now).0)))
                    });
                    let (rec, s) = current?;
                    if Some(s) != last {
                        return Some((Deployment(rec), Some(s)));
                    }
                    tokio::time::sleep(POLL).await;
                }
            }
        });
        Ok(stream.boxed())
    }
}
