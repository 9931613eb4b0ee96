//! Reading again until every deployment is final (`--until-healthy`,
//! `apply --wait`, the previews' wait) or until stopped (`--watch`),
//! reporting what changed as typed events.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::read::{Request, Scope, read};

use super::{Health, Report};
use crate::engine::Failure;
use crate::railway::Client;

/// How long and how often.
#[derive(Clone, Debug)]
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
    /// Deployments a change is replacing, by `(environment, service)`:
    /// while a service's latest deployment is still this one, the wait
    /// waits for its new deployment (Railway may list it a moment after
    /// the write that triggers it), for at most `supersede_grace`; then
    /// the old one counts (the change did not deploy after all).
    pub superseded: BTreeMap<(String, String), String>,
    /// How long to wait for a new deployment to appear (see `superseded`).
    pub supersede_grace: Duration,
}

impl WaitOptions {
    /// Wait until final or `timeout`, reading every `poll` when no
    /// subscription wakes the wait earlier, and anyway every 15 s.
    pub fn until_final(timeout: Option<Duration>, poll: Duration) -> WaitOptions {
        WaitOptions {
            timeout,
            poll,
            until_final: true,
            refresh: Duration::from_secs(15),
            superseded: BTreeMap::new(),
            supersede_grace: Duration::from_secs(30),
        }
    }
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
        let mut pending = report.pending();
        // Waiting for a deployment Railway has not listed yet: no
        // subscription can announce it, so read again soon.
        let mut unlisted = false;
        if started.elapsed() < options.supersede_grace {
            for (environment, service) in report.services() {
                let key = (environment.name.clone(), service.name.clone());
                let old = options.superseded.get(&key);
                let current = service.deployment.as_ref().map(|d| &d.id);
                if old.is_some() && old == current {
                    unlisted = true;
                    let name = format!("{}/{}", key.0, key.1);
                    if !pending.contains(&name) {
                        pending.push(name);
                    }
                }
            }
        }
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
                if unlisted {
                    options.poll
                } else {
                    options.refresh
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::status::{DeploymentReport, EnvironmentReport, Management, ServiceReport};

    /// A report of one service `api` in `production` whose latest
    /// deployment is `id` with `status`.
    fn report(id: &str, status: &str) -> Report {
        let service = ServiceReport {
            name: "api".into(),
            service_id: Some("s".into()),
            management: Management::Managed,
            health: super::super::health_of(status),
            source: None,
            deployment: Some(DeploymentReport {
                id: id.into(),
                status: status.into(),
                created_at: None,
                age_seconds: None,
            }),
            replicas: None,
            healthcheck: None,
            urls: vec![],
            problem: None,
        };
        Report {
            project: "p".into(),
            project_id: Some("p".into()),
            read_at: 0,
            environments: vec![EnvironmentReport {
                name: "production".into(),
                id: Some("e".into()),
                declared: true,
                services: vec![service],
            }],
            healthy: true,
            requests: 1,
        }
    }

    /// Reads `reads` in turn (the last one again when they run out) and
    /// counts them.
    async fn wait_over(reads: Vec<Report>, options: WaitOptions) -> (WaitOutcome, usize) {
        let reads = std::sync::Mutex::new((reads, 0usize));
        let outcome = wait_with(
            None,
            || {
                let mut guard = reads.lock().expect("lock");
                let (list, n) = &mut *guard;
                let report = list[(*n).min(list.len() - 1)].clone();
                *n += 1;
                async move { Ok(report) }
            },
            None,
            options,
            |_| {},
        )
        .await
        .expect("the wait");
        let n = reads.lock().expect("lock").1;
        (outcome, n)
    }

    #[tokio::test]
    async fn waits_for_the_new_deployment_not_the_one_it_replaces() {
        // Right after the write Railway still lists the old deployment
        // (final): the wait must not take it for the apply's.
        let reads = vec![
            report("old", "SUCCESS"),
            report("new", "BUILDING"),
            report("new", "FAILED"),
        ];
        let mut options =
            WaitOptions::until_final(Some(Duration::from_secs(5)), Duration::from_millis(10));
        options
            .superseded
            .insert(("production".into(), "api".into()), "old".into());
        let (outcome, n) = wait_over(reads.clone(), options.clone()).await;
        assert!(matches!(outcome, WaitOutcome::Failed(_)), "{outcome:?}");
        assert_eq!(n, 3);

        // Without knowing what it replaces, the old one would have ended it.
        options.superseded.clear();
        let (outcome, n) = wait_over(reads, options.clone()).await;
        assert!(matches!(outcome, WaitOutcome::Healthy(_)), "{outcome:?}");
        assert_eq!(n, 1);
    }

    #[tokio::test]
    async fn a_change_that_deploys_nothing_is_waited_for_only_a_while() {
        let mut options =
            WaitOptions::until_final(Some(Duration::from_secs(5)), Duration::from_millis(10));
        options.supersede_grace = Duration::from_millis(50);
        options
            .superseded
            .insert(("production".into(), "api".into()), "old".into());
        let (outcome, n) = wait_over(vec![report("old", "SUCCESS")], options).await;
        assert!(matches!(outcome, WaitOutcome::Healthy(_)), "{outcome:?}");
        assert!(n >= 2, "read again while waiting for a new deployment: {n}");
    }
}
