//! The `Subscription` root: logs and deployment status, polled from the
//! clock-driven state and pushed when something new appears.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::{Context, Result, Subscription};

use super::deployment::{Deployment, Log};
use super::enums::DeploymentStatus;
use super::logwindow::{self, Source, Window};
use super::query::{deployment_access, environment_access, parse_date, parse_filter};
use crate::emulator::core::Core;
use crate::emulator::deploy::status;
use crate::emulator::logfilter::Filter;

/// How often subscriptions look for news.
const POLL: Duration = Duration::from_millis(50);

/// The `Subscription` root.
pub struct Subscription;

/// Where a log stream starts.
enum Start {
    /// First the lines of a window (as the query answers it), then the
    /// lines written after it.
    Window(Window),
    /// Every line after this moment (exclusive), in batches of at most
    /// this many lines, then the lines written after them.
    After(i64, usize),
}

/// A stream of log lines as they are written, each poll's new lines as one
/// batch (empty polls send nothing).
///
/// Cursor-based: lines are pure functions of the clock (and the rate
/// history), so a poll sends exactly the lines with `cursor < at <=
/// horizon` and moves the cursor to `horizon`; the cost of a poll is the
/// lines in that window. `horizon` is one millisecond before `now`, read
/// under the state lock: a deployment created later is created at or after
/// `now`, and writes nothing at or before it, so no line can appear behind
/// the cursor.
fn log_stream(
    core: Arc<Core>,
    source: Source,
    filter: Filter,
    start: Start,
) -> BoxStream<'static, Vec<Log>> {
    let (window, cursor, batch) = match start {
        Start::Window(w) => (Some(w), None, logwindow::DEFAULT_LIMIT),
        Start::After(at, n) => (None, Some(at), n.max(1)),
    };
    let source = Arc::new(source);
    let filter = Arc::new(filter);
    // The added latency (`/_emulator/latency`) delays the first message as
    // it delays an HTTP answer: the round trip of `subscribe`.
    let latency = core.knobs.latency();
    let delay = stream::once(async move {
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
    })
    .filter_map(|()| async { None::<Vec<Log>> });
    let lines = stream::unfold((window, cursor), move |(mut window, mut cursor)| {
        let core = core.clone();
        let source = source.clone();
        let filter = filter.clone();
        async move {
            loop {
                let (lines, caught_up) = core.read(|st| {
                    let horizon = core.clock.now_ms() - 1;
                    let rates = core.log_rate.segments();
                    if let Some(w) = window.take() {
                        cursor = Some(horizon);
                        return (source.window(st, &rates, &filter, &w, horizon), false);
                    }
                    let from = cursor.unwrap_or(horizon);
                    if from >= horizon {
                        return (vec![], true);
                    }
                    let mut lines = source.first_n(st, &rates, &filter, from, horizon, batch + 1);
                    if lines.len() <= batch {
                        cursor = Some(horizon);
                        return (lines, true);
                    }
                    // Full: end the batch on a millisecond boundary, so the
                    // cursor never splits the lines of one millisecond.
                    lines.truncate(batch);
                    let last = lines.last().map(|(at, _)| *at).unwrap_or(horizon);
                    let whole = lines.iter().any(|(at, _)| *at < last);
                    if whole {
                        lines.retain(|(at, _)| *at < last);
                        cursor = Some(last - 1);
                    } else {
                        lines = source.between(st, &rates, &filter, last - 1, last);
                        cursor = Some(last);
                    }
                    (lines, false)
                });
                if !lines.is_empty() {
                    let batch = lines.into_iter().map(|(_, l)| l).collect();
                    return Some((batch, (window, cursor)));
                }
                if caught_up {
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    });
    delay.chain(lines).boxed()
}

/// A deployment's build (or deploy) log lines as they are written: the
/// last `limit` first, then new ones.
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
    let source = Source::Deployment { id: d.id, build };
    let window = Window {
        before_limit: limit,
        ..Window::default()
    };
    Ok(log_stream(core, source, filter, Start::Window(window)))
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
        let window = Window {
            after: parse_date(&after_date)?,
            before: parse_date(&before_date)?,
            anchor: parse_date(&anchor_date)?,
            after_limit,
            before_limit,
        };
        // `afterDate` alone resumes: every line at or after it, then new
        // ones. Any other window is answered as the query does, then new
        // lines follow.
        let start = match (&window.after, &window.anchor, &window.before) {
            (Some(after), None, None) => Start::After(after - 1, logwindow::limit(after_limit)),
            _ => Start::Window(window),
        };
        let core = ctx.data_unchecked::<Arc<Core>>().clone();
        let source = Source::Environment { id: environment_id };
        Ok(log_stream(core, source, filter, start))
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
