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
    /// While Railway's `deployment(id)` subscriptions report the changes,
    /// how often to read anyway (to notice new deployments — a redeploy —
    /// which no subscription announces).
    pub refresh: Duration,
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
    /// A subscription failed or was dropped: from now on the status is
    /// read every `poll` (why).
    Fallback(String),
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
    wait_with(None, read, Some(client), options, on_event).await
}

/// The `deployment(id)` subscriptions of the deployments on their way: each
/// change wakes the wait (which then reads the status again); a
/// subscription that fails, or ends before its deployment is final, turns
/// the wait to polling.
struct Follow {
    client: Client,
    followed: std::collections::BTreeSet<String>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    wake: tokio::sync::mpsc::Sender<Result<(), String>>,
    woken: tokio::sync::mpsc::Receiver<Result<(), String>>,
}

impl Follow {
    fn new(client: &Client) -> Follow {
        let (wake, woken) = tokio::sync::mpsc::channel(64);
        Follow {
            client: client.clone(),
            followed: Default::default(),
            tasks: Vec::new(),
            wake,
            woken,
        }
    }

    /// Subscribes to each deployment of `report` not final and not
    /// followed yet.
    fn follow(&mut self, report: &Report) {
        use crate::railway::ops::common::IdVariables;
        use crate::railway::ops::deployment::DeploymentSubscription;
        use cynic::SubscriptionBuilder as _;
        for (_, service) in report.services() {
            let Some(deployment) = service.deployment.as_ref() else {
                continue;
            };
            if service.health.is_final() || !self.followed.insert(deployment.id.clone()) {
                continue;
            }
            let (client, id, wake) = (
                self.client.clone(),
                deployment.id.clone(),
                self.wake.clone(),
            );
            self.tasks.push(tokio::spawn(async move {
                let operation = DeploymentSubscription::build(IdVariables { id: id.clone() });
                let mut subscription = match client.subscribe(operation).await {
                    Ok(subscription) => subscription,
                    Err(error) => {
                        let _ = wake.send(Err(error.to_string())).await;
                        return;
                    }
                };
                loop {
                    match subscription.next().await {
                        Some(Ok(found)) => {
                            let final_ = found.deployment.status.is_final();
                            if wake.send(Ok(())).await.is_err() || final_ {
                                return;
                            }
                        }
                        Some(Err(error)) => {
                            let _ = wake.send(Err(error.to_string())).await;
                            return;
                        }
                        None => {
                            let _ = wake
                                .send(Err(format!("the subscription to deployment `{id}` ended")))
                                .await;
                            return;
                        }
                    }
                }
            }));
        }
    }
}

impl Drop for Follow {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// [`until_healthy`] with another way to read (`read`, called for every
/// read), starting from `first` when the caller has just read it (no
/// request then for the first round): the previews' wait reads one
/// environment by its id.
pub async fn wait_with<F, Fut>(
    first: Option<Report>,
    mut read: F,
    subscribe: Option<&Client>,
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
    let mut follow = subscribe.map(Follow::new);
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
        let wait = match follow.as_mut() {
            Some(follow) => {
                follow.follow(&report);
                options.refresh
            }
            None => options.poll,
        };
        let wait = match options.timeout {
            Some(timeout) => {
                let elapsed = started.elapsed();
                if elapsed >= timeout {
                    return Ok(WaitOutcome::TimedOut {
                        report,
                        waiting: pending,
                    });
                }
                wait.min(timeout - elapsed)
            }
            None => wait,
        };
        let woken = match follow.as_mut() {
            Some(follow) => {
                let mut woken = tokio::select! {
                    woken = follow.woken.recv() => woken,
                    () = tokio::time::sleep(wait) => None,
                };
                // Several changes at once make one read.
                while let Ok(more) = follow.woken.try_recv() {
                    if more.is_err() {
                        woken = Some(more);
                    }
                }
                woken
            }
            None => {
                tokio::time::sleep(wait).await;
                None
            }
        };
        if let Some(Err(why)) = woken {
            on_event(WaitEvent::Fallback(format!(
                "following by reading the status every {}s: {why}",
                options.poll.as_secs()
            )));
            follow = None;
        }
    }
}
