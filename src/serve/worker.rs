//! The worker pool of one replica: claims due jobs of its project from
//! the state database (up to `max_parallel` at once), renews their leases
//! while they run, and records how each ended — done, retried later with
//! exponential backoff and jitter, failed for good with its (redacted)
//! error, or superseded when its pull request closed while it ran.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

use crate::state::{Claim, JobId, JobState, Renewal, StateError, Store};

use super::jobs;
use super::log;
use super::previews::{Cancel, PreviewError};
use super::projects::ServedProject;
use super::server::Config;

/// Why running jobs are asked to stop when the service shuts down.
pub const SHUTTING_DOWN: &str = "the service is shutting down: the job goes back to the queue";

/// Why a job whose lease was lost is asked to stop.
const LEASE_LOST: &str = "its lease was lost: another worker may have claimed it";

/// The pool's shared parts.
pub(super) struct Pool {
    store: Store,
    projects: Vec<Arc<ServedProject>>,
    /// The project whose jobs are looked for first next time (turns).
    turn: std::sync::atomic::AtomicUsize,
    config: Arc<Config>,
    wake: Arc<Notify>,
    running: Mutex<HashMap<JobId, (Claim, Cancel)>>,
    /// Set once running jobs were given back: their workers write nothing.
    released: AtomicBool,
    /// The projects' cached overviews: a job that ended changed its
    /// project (an environment made or gone, a preview), so its entry is
    /// dropped and the next page or API read sees the change.
    catalog: Arc<super::catalog::Catalog>,
}

impl Pool {
    pub(super) fn new(
        store: Store,
        projects: Vec<Arc<ServedProject>>,
        config: Arc<Config>,
        wake: Arc<Notify>,
        catalog: Arc<super::catalog::Catalog>,
    ) -> Pool {
        Pool {
            store,
            projects,
            turn: std::sync::atomic::AtomicUsize::new(0),
            config,
            wake,
            running: Mutex::new(HashMap::new()),
            released: AtomicBool::new(false),
            catalog,
        }
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<JobId, (Claim, Cancel)>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn blocking<R: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> Result<R, StateError> + Send + 'static,
    ) -> Result<R, StateError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || work(&store))
            .await
            .unwrap_or_else(|_| Err(StateError::Invalid("a state call panicked".into())))
    }
}

/// The delay before attempt `attempts + 1`: `base · 2^(attempts-1)`, at
/// most `max`, of which a random half (jitter, so that jobs failing
/// together do not retry together).
pub fn backoff(attempts: u32, base: Duration, max: Duration) -> Duration {
    let exponent = attempts.saturating_sub(1).min(20);
    let full = base.saturating_mul(1 << exponent).min(max);
    full / 2 + full.mul_f64(fastrand::f64() / 2.0)
}

/// Claims and runs jobs until `stop`; then lets running ones finish for
/// the grace period, and gives back those still running.
pub(super) async fn run(pool: Arc<Pool>, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(pool.config.max_parallel.max(1)));
    let mut tasks = JoinSet::new();
    loop {
        while tasks.try_join_next().is_some() {}
        if *stop.borrow() {
            break;
        }
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit,
            _ = stop.changed() => continue,
        };
        let Ok(permit) = permit else { break };
        // Each project in turn first, so that a busy one does not starve
        // the others.
        let first = pool.turn.fetch_add(1, Ordering::Relaxed);
        let names: Vec<String> = (0..pool.projects.len())
            .map(|i| {
                pool.projects[(first + i) % pool.projects.len()]
                    .name()
                    .to_owned()
            })
            .collect();
        let (worker, lease) = (pool.config.worker.clone(), pool.config.lease);
        let claimed = pool
            .blocking(move |store| {
                for project in &names {
                    if let Some(claim) = store.claim_job(project, &worker, lease)? {
                        return Ok(Some(claim));
                    }
                }
                Ok(None)
            })
            .await;
        match claimed {
            Ok(Some(claim)) => {
                let pool = pool.clone();
                tasks.spawn(async move {
                    run_job(&pool, claim).await;
                    drop(permit);
                });
                continue;
            }
            Ok(None) => {}
            Err(error) => log::warn("job.claim_failed", &[("error", &error)]),
        }
        drop(permit);
        tokio::select! {
            _ = tokio::time::sleep(pool.config.poll) => {}
            _ = pool.wake.notified() => {}
            _ = stop.changed() => {}
        }
    }
    // Shutting down: no more claims. Running jobs may finish...
    let grace = tokio::time::sleep(pool.config.shutdown_grace);
    tokio::pin!(grace);
    loop {
        tokio::select! {
            next = tasks.join_next() => if next.is_none() { return },
            _ = &mut grace => break,
        }
    }
    // ...then are asked to stop at a safe point and given back to the
    // queue, for this replica's next start or another replica.
    let running: Vec<(Claim, Cancel)> = pool.running().values().cloned().collect();
    for (_, cancel) in &running {
        cancel.cancel(SHUTTING_DOWN);
    }
    let settle = tokio::time::sleep(Duration::from_secs(2));
    tokio::pin!(settle);
    loop {
        tokio::select! {
            next = tasks.join_next() => if next.is_none() { return },
            _ = &mut settle => break,
        }
    }
    pool.released.store(true, Ordering::SeqCst);
    let left: Vec<Claim> = pool
        .running()
        .values()
        .map(|(claim, _)| claim.clone())
        .collect();
    for claim in left {
        let id = claim.job.id;
        match pool.blocking(move |store| store.release_job(&claim)).await {
            Ok(_) => log::info("job.released", &[("job", &id)]),
            Err(error) => log::warn("job.release_failed", &[("job", &id), ("error", &error)]),
        }
    }
    tasks.abort_all();
}

/// Runs one claimed job to its end, renewing its lease meanwhile.
async fn run_job(pool: &Arc<Pool>, claim: Claim) {
    let job = claim.job.clone();
    let cancel = Cancel::new();
    if let Some(reason) = &job.cancel {
        // Asked to stop before its worker died: the close follows.
        cancel.cancel(reason.clone());
    }
    pool.running()
        .insert(job.id, (claim.clone(), cancel.clone()));
    let lost = Arc::new(AtomicBool::new(false));
    let heartbeat = tokio::spawn(heartbeat(
        pool.clone(),
        claim.clone(),
        cancel.clone(),
        lost.clone(),
    ));
    log::info(
        "job.started",
        &[
            ("job", &job.id),
            ("kind", &job.kind),
            ("queue", &job.queue),
            ("attempt", &job.attempts),
            ("resumed", &claim.resumed),
        ],
    );
    let started = Instant::now();
    let project = pool
        .projects
        .iter()
        .find(|p| p.name() == job.project)
        .cloned();
    let (run_job, run_cancel, run_pool) = (job.clone(), cancel.clone(), pool.clone());
    // Its own task: a panic in a job is a failed attempt, not a dead pool.
    let result = tokio::spawn(async move {
        let Some(project) = project else {
            return Err(PreviewError::permanent(format!(
                "project `{}` is not served here",
                run_job.project
            )));
        };
        match (jobs::Kind::parse(&run_job.kind), &project.ops) {
            (Some(jobs::Kind::Pull), Some(ops)) => super::ops::pull(&project, ops).await,
            (Some(jobs::Kind::Drift), Some(ops)) => {
                // Planned from the files as the last pull left them.
                let _files = project.files.read().await;
                super::ops::drift(&project, ops, &run_pool.store, &run_pool.config.redactor).await
            }
            _ => {
                // The newest loaded files: a pull waits for this job, and
                // this job for a pull.
                let _files = project.files.read().await;
                jobs::run(&*project.previews, &run_job, &run_cancel).await
            }
        }
    })
    .await
    .unwrap_or_else(|_| Err(PreviewError::transient("the job panicked")));
    heartbeat.abort();
    pool.running().remove(&job.id);
    let elapsed_ms = started.elapsed().as_millis();
    if lost.load(Ordering::SeqCst) || pool.released.load(Ordering::SeqCst) {
        pool.config.metrics.job(&job.kind, "abandoned");
        log::warn(
            "job.abandoned",
            &[
                ("job", &job.id),
                ("reason", &cancel.reason().unwrap_or_default()),
            ],
        );
        return;
    }
    let redact = |error: &PreviewError| pool.config.redactor.redact(&error.message);
    let recorded = match result {
        Ok(()) => {
            pool.config.metrics.job(&job.kind, "done");
            log::info("job.done", &[("job", &job.id), ("ms", &elapsed_ms)]);
            let claim = claim.clone();
            pool.blocking(move |store| store.finish_job(&claim, JobState::Done, None))
                .await
        }
        Err(error) => {
            let message = redact(&error);
            match cancel.reason() {
                Some(reason) if reason == SHUTTING_DOWN => {
                    let claim = claim.clone();
                    pool.config.metrics.job(&job.kind, "released");
                    log::info("job.released", &[("job", &job.id)]);
                    pool.blocking(move |store| store.release_job(&claim)).await
                }
                Some(reason) => {
                    pool.config.metrics.job(&job.kind, "superseded");
                    log::info(
                        "job.superseded",
                        &[("job", &job.id), ("reason", &reason), ("error", &message)],
                    );
                    let claim = claim.clone();
                    pool.blocking(move |store| {
                        store.finish_job(&claim, JobState::Superseded, Some(&message))
                    })
                    .await
                }
                None if error.retry && job.attempts < job.max_attempts => {
                    let delay =
                        backoff(job.attempts, pool.config.retry_base, pool.config.retry_max);
                    pool.config.metrics.job(&job.kind, "retry");
                    log::warn(
                        "job.retry",
                        &[
                            ("job", &job.id),
                            ("attempt", &job.attempts),
                            ("in_ms", &delay.as_millis()),
                            ("error", &message),
                        ],
                    );
                    let claim = claim.clone();
                    pool.blocking(move |store| store.retry_job(&claim, delay, &message))
                        .await
                }
                None => {
                    pool.config.metrics.job(&job.kind, "failed");
                    log::error(
                        "job.failed",
                        &[
                            ("job", &job.id),
                            ("attempts", &job.attempts),
                            ("error", &message),
                        ],
                    );
                    let claim = claim.clone();
                    pool.blocking(move |store| {
                        store.finish_job(&claim, JobState::Failed, Some(&message))
                    })
                    .await
                }
            }
        }
    };
    // Whatever the outcome, the job may have changed the project.
    pool.catalog.invalidate(&job.project);
    match recorded {
        Ok(true) => pool.wake.notify_one(),
        Ok(false) => log::warn("job.lease_lost", &[("job", &job.id)]),
        Err(error) => log::error("job.record_failed", &[("job", &job.id), ("error", &error)]),
    }
}

/// Renews the lease while the job runs (every third of it, at least every
/// second so a close is noticed soon); passes on a request to stop; marks
/// the job lost when the lease could not be kept.
async fn heartbeat(pool: Arc<Pool>, claim: Claim, cancel: Cancel, lost: Arc<AtomicBool>) {
    let lease = pool.config.lease;
    let every = (lease / 3).min(Duration::from_secs(1));
    let mut renewed = Instant::now();
    loop {
        tokio::time::sleep(every).await;
        let claim = claim.clone();
        match pool
            .blocking(move |store| store.renew_job(&claim, lease))
            .await
        {
            Ok(Renewal::Held { cancel: reason }) => {
                renewed = Instant::now();
                if let Some(reason) = reason {
                    cancel.cancel(reason);
                }
            }
            Ok(Renewal::Lost) => {
                lost.store(true, Ordering::SeqCst);
                cancel.cancel(LEASE_LOST);
                return;
            }
            // A passing failure is retried while the lease lasts.
            Err(_) if renewed.elapsed() < lease => {}
            Err(_) => {
                lost.store(true, Ordering::SeqCst);
                cancel.cancel(LEASE_LOST);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_with_jitter() {
        let base = Duration::from_secs(2);
        let max = Duration::from_secs(60);
        for _ in 0..100 {
            let first = backoff(1, base, max);
            assert!(
                first >= Duration::from_secs(1) && first <= base,
                "{first:?}"
            );
            let third = backoff(3, base, max);
            assert!(third >= Duration::from_secs(4) && third <= Duration::from_secs(8));
            let late = backoff(30, base, max);
            assert!(late >= max / 2 && late <= max, "{late:?}");
        }
    }
}
