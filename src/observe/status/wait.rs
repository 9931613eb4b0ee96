//! Reading again until every deployment is final (`--until-healthy`,
//! `apply --wait`, the previews' wait) or until stopped (`--watch`),
//! reporting what changed as typed events.

use std::time::{Duration, Instant};

use super::read::{Request, Scope, read};

use super::{Health, Report};
use crate::engine::Failure;
use crate::railway::Client;

/// How long and how often.
#[derive(Clone, Copy, Debug)]
pub struct WaitOptions {
    /// Give up after this long (`None`: never; `--watch`).
    pub timeout: Option<Duration>,
    /// How often to read again.
    pub poll: Duration,
    /// Stop once every deployment is final (`false`: go on until the
    /// caller stops it, as `--watch` does).
    pub until_final: bool,
}

/// What happened while waiting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaitEvent {
    /// A read of the status (the first, and every one after it).
    Read(Report),
    /// A service's latest deployment appeared or changed status (a new
    /// deployment — a redeploy — shows with its new id).
    Changed {
        /// The environment.
        environment: String,
        /// The service.
        service: String,
        /// Its deployment's id.
        deployment: String,
        /// The status before (`None`: a deployment not seen before).
        from: Option<String>,
        /// The status now.
        to: String,
    },
}

/// How the wait ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaitOutcome {
    /// Every deployment succeeded (or sleeps).
    Healthy(Report),
    /// Every deployment is final and some failed (or waits for approval).
    Failed(Report),
    /// The timeout passed: these (`environment/service`) were still not
    /// final.
    TimedOut {
        /// The last read.
        report: Report,
        /// What it still waited for.
        waiting: Vec<String>,
    },
}

impl WaitOutcome {
    /// The last read.
    pub fn report(&self) -> &Report {
        match self {
            WaitOutcome::Healthy(r) | WaitOutcome::Failed(r) => r,
            WaitOutcome::TimedOut { report, .. } => report,
        }
    }
}

/// Reads `request` every `options.poll` until every deployment is final
/// (or, with `until_final` off, until the timeout), calling `on_event`
/// with each read and each change. A deployment waiting for approval is
/// not final: someone may approve it while Mirage waits.
pub async fn until_healthy(
    client: &Client,
    scope: &Scope,
    request: &Request,
    options: WaitOptions,
    on_event: impl FnMut(WaitEvent),
) -> Result<WaitOutcome, Failure> {
    let read = || read(client, scope, request, crate::state::Timestamp::now().0);
    wait_with(None, read, options, on_event).await
}

/// [`until_healthy`] with another way to read (`read`, called for every
/// read), starting from `first` when the caller has just read it (no
/// request then for the first round): the previews' wait reads one
/// environment by its id.
pub async fn wait_with<F, Fut>(
    first: Option<Report>,
    mut read: F,
    options: WaitOptions,
    mut on_event: impl FnMut(WaitEvent),
) -> Result<WaitOutcome, Failure>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Report, Failure>>,
{
    let started = Instant::now();
    let mut seen: std::collections::BTreeMap<(String, String), (String, String)> =
        std::collections::BTreeMap::new();
    let mut first = first;
    loop {
        let report = match first.take() {
            Some(report) => report,
            None => read().await?,
        };
        for (environment, service) in report.services() {
            let Some(deployment) = &service.deployment else {
                continue;
            };
            let key = (environment.name.clone(), service.name.clone());
            let now = (deployment.id.clone(), deployment.status.clone());
            let from = match seen.get(&key) {
                Some(before) if *before == now => continue,
                Some((id, status)) if *id == deployment.id => Some(status.clone()),
                _ => None,
            };
            on_event(WaitEvent::Changed {
                environment: environment.name.clone(),
                service: service.name.clone(),
                deployment: deployment.id.clone(),
                from,
                to: deployment.status.clone(),
            });
            seen.insert(key, now);
        }
        on_event(WaitEvent::Read(report.clone()));
        let pending = report.pending();
        if options.until_final && pending.is_empty() {
            let failed = report
                .services()
                .any(|(_, s)| s.health.is_problem() || s.health == Health::NeedsApproval);
            return Ok(if failed {
                WaitOutcome::Failed(report)
            } else {
                WaitOutcome::Healthy(report)
            });
        }
        if let Some(timeout) = options.timeout {
            let elapsed = started.elapsed();
            if elapsed >= timeout {
                return Ok(WaitOutcome::TimedOut {
                    report,
                    waiting: pending,
                });
            }
            tokio::time::sleep(options.poll.min(timeout - elapsed)).await;
        } else {
            tokio::time::sleep(options.poll).await;
        }
    }
}
