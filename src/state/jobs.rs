//! Durable jobs: what `mirage serve` has to do, kept in the state database
//! so that a restart, a crash or another replica picks it up (decision 9:
//! the service is stateless apart from this database).
//!
//! * Jobs live in **queues** (one per pull request, one for a project's
//!   GC). A job is claimable only when no job of its queue with a smaller
//!   id is `queued` or `running`: the jobs of one queue run one at a time,
//!   in order; different queues run in parallel.
//! * Enqueueing locks the queue's row in `job_queues` first, so two
//!   replicas queueing into one queue take turns and ids follow commit
//!   order. The row's `watermark` is the newest event time acted on: an
//!   older event (delivered late, out of order) is dropped.
//! * A claim is a **lease** (`lease_until` by the database's clock, a
//!   random token): its worker renews it while it runs ([`Store::renew_job`]);
//!   a worker that stops (killed, cut off) loses the job one lease after
//!   its last renewal, and the next claim takes it again. Every write of a
//!   claimed job names its token, so a worker whose lease was taken over
//!   changes nothing.
//! * Claiming is one write transaction: SQLite's `BEGIN IMMEDIATE`
//!   serialises it; on PostgreSQL the candidate row is selected
//!   `FOR UPDATE SKIP LOCKED`, so replicas claiming at once take different
//!   jobs without waiting for each other.
//!
//! The state room knows nothing of pull requests: kinds and payloads are
//! the service's strings (never secrets), and the rules of coalescing and
//! superseding are options of [`NewJob`].

use std::time::Duration;

use super::db::{Conn, Dialect, Row, values};
use super::error::StateError;
use super::store::Store;

/// A job's number, unique in the database.
pub type JobId = i64;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting to be claimed (perhaps not before `run_after`).
    Queued,
    /// Claimed by a worker whose lease runs.
    Running,
    /// Finished.
    Done,
    /// Gave up: its last error is kept.
    Failed,
    /// Made pointless by a later job of its queue (a close after an open
    /// that had not run yet, a newer push), or cancelled by one.
    Superseded,
}

impl JobState {
    fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Superseded => "superseded",
        }
    }

    fn parse(text: &str) -> Result<JobState, StateError> {
        Ok(match text {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            "superseded" => JobState::Superseded,
            other => {
                return Err(StateError::Invalid(format!("unknown job state `{other}`")));
            }
        })
    }
}

/// A job as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Job {
    /// Its number.
    pub id: JobId,
    /// The project it belongs to.
    pub project: String,
    /// Its queue.
    pub queue: String,
    /// What it does (the service's word).
    pub kind: String,
    /// Its arguments (the service's JSON).
    pub payload: String,
    /// Where it is.
    pub state: JobState,
    /// Claims so far (a retry and a crash each count).
    pub attempts: u32,
    /// Claims allowed before it fails for good.
    pub max_attempts: u32,
    /// Not claimed before this (milliseconds, database clock).
    pub run_after: i64,
    /// Who holds or last held it.
    pub worker: Option<String>,
    /// Why its worker was asked to stop at a safe point.
    pub cancel: Option<String>,
    /// The last failure.
    pub last_error: Option<String>,
    /// The delivery that queued it (or last coalesced into it).
    pub delivery: Option<String>,
    /// When it was queued (milliseconds, database clock).
    pub created_at: i64,
    /// When it ended.
    pub finished_at: Option<i64>,
}

/// A job to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// The project.
    pub project: String,
    /// The queue: jobs of one queue run one at a time, in order.
    pub queue: String,
    /// What it does.
    pub kind: String,
    /// Its arguments (JSON, no secrets).
    pub payload: String,
    /// The delivery that asks for it.
    pub delivery: Option<String>,
    /// Claims allowed before it fails for good (at least 1).
    pub max_attempts: u32,
    /// The time of the event asking for it (any monotonic unit, e.g. the
    /// pull request's `updated_at` in milliseconds): when the queue has
    /// already acted on a later event, the job is not queued
    /// ([`Enqueued::Stale`]). `None`: no ordering by event time.
    pub event_time: Option<i64>,
    /// When the queue's last unfinished job is a `queued` job of the same
    /// kind (not yet running), take its place: its payload becomes this
    /// one's (several pushes queued → the newest).
    pub coalesce: bool,
    /// Kinds this job makes pointless: their `queued` jobs in the queue
    /// are superseded, and their `running` ones asked to stop at a safe
    /// point (with this reason).
    pub supersedes: Vec<String>,
    /// Why a running job of a superseded kind should stop.
    pub cancel_reason: String,
}

/// What [`Store::enqueue_job`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new job.
    Queued(JobId),
    /// A queued job of the same kind took the new payload.
    Coalesced(JobId),
    /// The queue has acted on a later event: nothing queued.
    Stale,
}

impl Enqueued {
    /// The job now carrying the request, if any.
    pub fn job(self) -> Option<JobId> {
        match self {
            Enqueued::Queued(id) | Enqueued::Coalesced(id) => Some(id),
            Enqueued::Stale => None,
        }
    }
}

/// A job claimed by a worker: what it needs to renew and finish it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The job as claimed (attempts already counted).
    pub job: Job,
    /// The lease's token: every later write names it.
    pub token: String,
    /// Whether it was taken from a worker whose lease ran out.
    pub resumed: bool,
}

/// What renewing a lease found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Renewal {
    /// Still this worker's; `Some` asks it to stop at a safe point.
    Held {
        /// Why it should stop.
        cancel: Option<String>,
    },
    /// The job is no longer this worker's (its lease ran out and another
    /// claimed it, or it was finished): stop without writing anything.
    Lost,
}

/// Claims that find a job out of attempts and fail it, at most, before a
/// claim gives up for this round.
const MAX_SKIPS: usize = 16;

const COLUMNS: &str = "id, project, queue, kind, payload, state, attempts, max_attempts, \
    run_after, worker, cancel, last_error, delivery, created_at, finished_at";

fn read_job(row: &Row) -> Result<Job, StateError> {
    let count = |index: usize| -> Result<u32, StateError> {
        u32::try_from(row.int(index)?.max(0))
            .map_err(|_| StateError::Invalid(format!("column {index} is out of range")))
    };
    Ok(Job {
        id: row.int(0)?,
        project: row.text(1)?,
        queue: row.text(2)?,
        kind: row.text(3)?,
        payload: row.text(4)?,
        state: JobState::parse(&row.text(5)?)?,
        attempts: count(6)?,
        max_attempts: count(7)?,
        run_after: row.int(8)?,
        worker: row.opt_text(9)?,
        cancel: row.opt_text(10)?,
        last_error: row.opt_text(11)?,
        delivery: row.opt_text(12)?,
        created_at: row.int(13)?,
        finished_at: row.opt_int(14)?,
    })
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 4)
}

/// Locks the queue's row until the transaction ends (creating it), and
/// returns its watermark.
fn lock_queue(conn: &mut dyn Conn, queue: &str, project: &str) -> Result<i64, StateError> {
    // A no-op update of an existing row still takes its row lock on
    // PostgreSQL; SQLite's write transaction holds the whole file already.
    conn.query_one(
        "INSERT INTO job_queues (queue, project, watermark) VALUES (?1, ?2, ?3) \
         ON CONFLICT (queue) DO UPDATE SET watermark = job_queues.watermark \
         RETURNING watermark",
        values![queue, project, i64::MIN],
    )?
    .int(0)
}

impl Store {
    /// Queues `job` (or coalesces it, or drops it as stale: see
    /// [`NewJob`]), in one transaction.
    pub fn enqueue_job(&self, job: &NewJob) -> Result<Enqueued, StateError> {
        self.transaction(|conn| {
            let now = conn.dialect().now_ms();
            let watermark = lock_queue(conn, &job.queue, &job.project)?;
            if let Some(time) = job.event_time {
                if time < watermark {
                    return Ok(Enqueued::Stale);
                }
                if time > watermark {
                    conn.execute(
                        "UPDATE job_queues SET watermark = ?2 WHERE queue = ?1",
                        values![&job.queue, time],
                    )?;
                }
            }
            for kind in &job.supersedes {
                conn.execute(
                    &format!(
                        "UPDATE jobs SET state = 'superseded', cancel = ?3, finished_at = {now}, \
                         updated_at = {now} WHERE queue = ?1 AND kind = ?2 AND state = 'queued'"
                    ),
                    values![&job.queue, kind, &job.cancel_reason],
                )?;
                conn.execute(
                    &format!(
                        "UPDATE jobs SET cancel = ?3, updated_at = {now} \
                         WHERE queue = ?1 AND kind = ?2 AND state = 'running'"
                    ),
                    values![&job.queue, kind, &job.cancel_reason],
                )?;
            }
            if job.coalesce {
                let last = conn.query_opt(
                    "SELECT id, kind, state FROM jobs WHERE queue = ?1 \
                     AND state IN ('queued', 'running') ORDER BY id DESC LIMIT 1",
                    values![&job.queue],
                )?;
                if let Some(last) = last
                    && last.text(1)? == job.kind
                    && last.text(2)? == "queued"
                {
                    let id = last.int(0)?;
                    // `state = 'queued'` again: a claim that got there
                    // first (PostgreSQL) leaves it running, and this job
                    // is then queued after it.
                    let changed = conn.execute(
                        &format!(
                            "UPDATE jobs SET payload = ?2, delivery = ?3, updated_at = {now} \
                             WHERE id = ?1 AND state = 'queued'"
                        ),
                        values![id, &job.payload, job.delivery.as_deref()],
                    )?;
                    if changed == 1 {
                        return Ok(Enqueued::Coalesced(id));
                    }
                }
            }
            let row = conn.query_one(
                &format!(
                    "INSERT INTO jobs (project, queue, kind, payload, state, attempts, \
                     max_attempts, run_after, delivery, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, 'queued', 0, ?5, {now}, ?6, {now}, {now}) \
                     RETURNING id"
                ),
                values![
                    &job.project,
                    &job.queue,
                    &job.kind,
                    &job.payload,
                    i64::from(job.max_attempts.max(1)),
                    job.delivery.as_deref(),
                ],
            )?;
            Ok(Enqueued::Queued(row.int(0)?))
        })
    }

    /// Queues a job of `kind` in `queue` unless one is unfinished there or
    /// one was queued less than `every` ago: a periodic job (GC) that
    /// replicas all try to schedule runs once per period. Returns the new
    /// job.
    pub fn schedule_job(
        &self,
        project: &str,
        queue: &str,
        kind: &str,
        every: Duration,
        max_attempts: u32,
    ) -> Result<Option<JobId>, StateError> {
        self.transaction(|conn| {
            let now = conn.dialect().now_ms();
            lock_queue(conn, queue, project)?;
            let recent = conn.query_opt(
                &format!(
                    "SELECT id FROM jobs WHERE queue = ?1 AND kind = ?2 \
                     AND (state IN ('queued', 'running') OR created_at > {now} - ?3) LIMIT 1"
                ),
                values![queue, kind, millis(every)],
            )?;
            if recent.is_some() {
                return Ok(None);
            }
            let row = conn.query_one(
                &format!(
                    "INSERT INTO jobs (project, queue, kind, payload, state, attempts, \
                     max_attempts, run_after, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, '{{}}', 'queued', 0, ?4, {now}, {now}, {now}) \
                     RETURNING id"
                ),
                values![project, queue, kind, i64::from(max_attempts.max(1))],
            )?;
            Ok(Some(row.int(0)?))
        })
    }

    /// Claims the next job of `project` that may run now, for `worker`,
    /// with a lease of `lease`: the oldest queued job whose queue has
    /// nothing unfinished before it, or a running one whose lease ran out
    /// (resumed). A job out of attempts found that way fails instead.
    pub fn claim_job(
        &self,
        project: &str,
        worker: &str,
        lease: Duration,
    ) -> Result<Option<Claim>, StateError> {
        for _ in 0..MAX_SKIPS {
            let claimed = self.transaction(|conn| claim_once(conn, project, worker, lease))?;
            match claimed {
                Claimed::Job(claim) => return Ok(Some(*claim)),
                Claimed::Nothing => return Ok(None),
                Claimed::Exhausted => continue,
            }
        }
        Ok(None)
    }

    /// Renews the lease of `claim` for `lease` more; says whether the job
    /// is still this worker's and whether it was asked to stop.
    pub fn renew_job(&self, claim: &Claim, lease: Duration) -> Result<Renewal, StateError> {
        self.with(|conn| {
            let now = conn.dialect().now_ms();
            let row = conn.query_opt(
                &format!(
                    "UPDATE jobs SET lease_until = {now} + ?3, updated_at = {now} \
                     WHERE id = ?1 AND lease_token = ?2 AND state = 'running' RETURNING cancel"
                ),
                values![claim.job.id, &claim.token, millis(lease)],
            )?;
            match row {
                Some(row) => Ok(Renewal::Held {
                    cancel: row.opt_text(0)?,
                }),
                None => Ok(Renewal::Lost),
            }
        })
    }

    /// Marks the claimed job `state` (done, superseded or failed for good)
    /// with `error` kept; `false` when it was no longer this worker's.
    pub fn finish_job(
        &self,
        claim: &Claim,
        state: JobState,
        error: Option<&str>,
    ) -> Result<bool, StateError> {
        let changed = self.with(|conn| {
            let now = conn.dialect().now_ms();
            conn.execute(
                &format!(
                    "UPDATE jobs SET state = ?3, last_error = COALESCE(?4, last_error), \
                     lease_until = NULL, lease_token = NULL, finished_at = {now}, \
                     updated_at = {now} WHERE id = ?1 AND lease_token = ?2"
                ),
                values![claim.job.id, &claim.token, state.as_str(), error],
            )
        })?;
        Ok(changed == 1)
    }

    /// Puts the claimed job back in its queue to be tried again after
    /// `delay`, keeping `error`; `false` when it was no longer this
    /// worker's.
    pub fn retry_job(
        &self,
        claim: &Claim,
        delay: Duration,
        error: &str,
    ) -> Result<bool, StateError> {
        let changed = self.with(|conn| {
            let now = conn.dialect().now_ms();
            conn.execute(
                &format!(
                    "UPDATE jobs SET state = 'queued', run_after = {now} + ?3, last_error = ?4, \
                     lease_until = NULL, lease_token = NULL, updated_at = {now} \
                     WHERE id = ?1 AND lease_token = ?2 AND state = 'running'"
                ),
                values![claim.job.id, &claim.token, millis(delay), error],
            )
        })?;
        Ok(changed == 1)
    }

    /// Gives the claimed job back unfinished, at once and without using up
    /// an attempt (a worker shutting down): another worker takes it.
    pub fn release_job(&self, claim: &Claim) -> Result<bool, StateError> {
        let changed = self.with(|conn| {
            let now = conn.dialect().now_ms();
            conn.execute(
                &format!(
                    "UPDATE jobs SET state = 'queued', run_after = {now}, \
                     attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, \
                     lease_until = NULL, lease_token = NULL, updated_at = {now} \
                     WHERE id = ?1 AND lease_token = ?2 AND state = 'running'"
                ),
                values![claim.job.id, &claim.token],
            )
        })?;
        Ok(changed == 1)
    }

    /// One job.
    pub fn job(&self, id: JobId) -> Result<Option<Job>, StateError> {
        let row = self.with(|conn| {
            conn.query_opt(
                &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
                values![id],
            )
        })?;
        row.map(|row| read_job(&row)).transpose()
    }

    /// Every job of `project`, oldest first.
    pub fn jobs(&self, project: &str) -> Result<Vec<Job>, StateError> {
        let rows = self.with(|conn| {
            conn.query(
                &format!("SELECT {COLUMNS} FROM jobs WHERE project = ?1 ORDER BY id"),
                values![project],
            )
        })?;
        rows.iter().map(read_job).collect()
    }

    /// When a job of `project` last changed (queued, ran, ended), in
    /// seconds; `None` when it has none. One aggregate query (room
    /// `api`, issue #18: the dashboard's "last activity").
    pub fn last_job_activity(&self, project: &str) -> Result<Option<i64>, StateError> {
        let row = self.with(|conn| {
            conn.query_one(
                "SELECT MAX(updated_at) / 1000 FROM jobs WHERE project = ?1",
                values![project],
            )
        })?;
        row.opt_int(0)
    }

    /// How many jobs of `project` are queued or running.
    pub fn unfinished_jobs(&self, project: &str) -> Result<u64, StateError> {
        let row = self.with(|conn| {
            conn.query_one(
                "SELECT COUNT(*) FROM jobs WHERE project = ?1 AND state IN ('queued', 'running')",
                values![project],
            )
        })?;
        Ok(u64::try_from(row.int(0)?).unwrap_or(0))
    }

    /// Forgets jobs that ended well (done, superseded) more than `age`
    /// ago; failed jobs are kept for a person to read. Returns how many.
    pub fn prune_jobs(&self, age: Duration) -> Result<u64, StateError> {
        self.transaction(|conn| {
            let now = conn.dialect().now_ms();
            // The progress events of the jobs pruned go too.
            conn.execute(
                &format!(
                    "DELETE FROM job_events WHERE job IN (SELECT id FROM jobs \
                     WHERE state IN ('done', 'superseded') AND finished_at < {now} - ?1)"
                ),
                values![millis(age)],
            )?;
            conn.execute(
                &format!(
                    "DELETE FROM jobs WHERE state IN ('done', 'superseded') \
                     AND finished_at < {now} - ?1"
                ),
                values![millis(age)],
            )
        })
    }
}

enum Claimed {
    Job(Box<Claim>),
    Nothing,
    /// A job out of attempts was failed; look again.
    Exhausted,
}

fn claim_once(
    conn: &mut dyn Conn,
    project: &str,
    worker: &str,
    lease: Duration,
) -> Result<Claimed, StateError> {
    let now = conn.dialect().now_ms();
    // The oldest job that may run: queued and due, or running with its
    // lease run out; and nothing unfinished before it in its queue.
    let lock = match conn.dialect() {
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        Dialect::Sqlite => "",
    };
    let sql = format!(
        "SELECT j.id, j.state, j.attempts, j.max_attempts FROM jobs j \
         WHERE j.project = ?1 AND j.state IN ('queued', 'running') \
           AND ((j.state = 'queued' AND j.run_after <= {now}) \
             OR (j.state = 'running' AND j.lease_until < {now})) \
           AND NOT EXISTS (SELECT 1 FROM jobs e WHERE e.queue = j.queue AND e.id < j.id \
                           AND e.state IN ('queued', 'running')) \
         ORDER BY j.id LIMIT 1{lock}"
    );
    let Some(row) = conn.query_opt(&sql, values![project])? else {
        return Ok(Claimed::Nothing);
    };
    let id = row.int(0)?;
    let resumed = row.text(1)? == "running";
    let attempts = row.int(2)?;
    let max_attempts = row.int(3)?;
    if attempts >= max_attempts {
        // Only a job whose worker kept dying gets here (a failure that is
        // reported stops retrying on its own).
        conn.execute(
            &format!(
                "UPDATE jobs SET state = 'failed', last_error = ?2, lease_until = NULL, \
                 lease_token = NULL, finished_at = {now}, updated_at = {now} WHERE id = ?1"
            ),
            values![
                id,
                format!("its worker stopped without finishing it {attempts} times (lease ran out)")
            ],
        )?;
        return Ok(Claimed::Exhausted);
    }
    let token = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
    let row = conn.query_one(
        &format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_token = ?2, \
             lease_until = {now} + ?3, worker = ?4, updated_at = {now} WHERE id = ?1 \
             RETURNING {COLUMNS}"
        ),
        values![id, token.as_str(), millis(lease), worker],
    )?;
    Ok(Claimed::Job(Box::new(Claim {
        job: read_job(&row)?,
        token,
        resumed,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_job(queue: &str, kind: &str, payload: &str) -> NewJob {
        NewJob {
            project: "shop".into(),
            queue: queue.into(),
            kind: kind.into(),
            payload: payload.into(),
            delivery: None,
            max_attempts: 3,
            event_time: None,
            coalesce: false,
            supersedes: Vec::new(),
            cancel_reason: String::new(),
        }
    }

    const LEASE: Duration = Duration::from_secs(60);

    #[test]
    fn one_queue_runs_in_order_and_queues_in_parallel() {
        let store = Store::open_in_memory().unwrap();
        let a1 = store.enqueue_job(&new_job("a", "up", "1")).unwrap();
        let a2 = store.enqueue_job(&new_job("a", "down", "2")).unwrap();
        let b1 = store.enqueue_job(&new_job("b", "up", "3")).unwrap();
        let first = store.claim_job("shop", "w", LEASE).unwrap().unwrap();
        assert_eq!(Some(first.job.id), a1.job());
        // `a`'s second job waits for its first; `b` runs beside it.
        let second = store.claim_job("shop", "w", LEASE).unwrap().unwrap();
        assert_eq!(Some(second.job.id), b1.job());
        assert!(store.claim_job("shop", "w", LEASE).unwrap().is_none());
        assert!(store.finish_job(&first, JobState::Done, None).unwrap());
        let third = store.claim_job("shop", "w", LEASE).unwrap().unwrap();
        assert_eq!(Some(third.job.id), a2.job());
        // Another project's worker sees none of these.
        assert!(store.claim_job("other", "w", LEASE).unwrap().is_none());
    }

    #[test]
    fn coalescing_stale_events_and_superseding() {
        let store = Store::open_in_memory().unwrap();
        let mut up = new_job("a", "up", "sha1");
        up.coalesce = true;
        up.event_time = Some(10);
        let first = store.enqueue_job(&up).unwrap();
        up.payload = "sha2".into();
        up.event_time = Some(20);
        assert_eq!(
            store.enqueue_job(&up).unwrap(),
            Enqueued::Coalesced(first.job().unwrap())
        );
        up.payload = "sha0".into();
        up.event_time = Some(5);
        assert_eq!(store.enqueue_job(&up).unwrap(), Enqueued::Stale);
        let jobs = store.jobs("shop").unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].payload, "sha2");

        let mut down = new_job("a", "down", "");
        down.supersedes = vec!["up".into()];
        down.cancel_reason = "closed".into();
        down.event_time = Some(30);
        store.enqueue_job(&down).unwrap();
        let jobs = store.jobs("shop").unwrap();
        assert_eq!(jobs[0].state, JobState::Superseded);
        assert_eq!(jobs[1].state, JobState::Queued);
    }

    #[test]
    fn a_running_job_is_asked_to_stop_and_retries_wait() {
        let store = Store::open_in_memory().unwrap();
        store.enqueue_job(&new_job("a", "up", "")).unwrap();
        let claim = store.claim_job("shop", "w", LEASE).unwrap().unwrap();
        assert_eq!(
            store.renew_job(&claim, LEASE).unwrap(),
            Renewal::Held { cancel: None }
        );
        let mut down = new_job("a", "down", "");
        down.supersedes = vec!["up".into()];
        down.cancel_reason = "closed".into();
        store.enqueue_job(&down).unwrap();
        assert_eq!(
            store.renew_job(&claim, LEASE).unwrap(),
            Renewal::Held {
                cancel: Some("closed".into())
            }
        );
        assert!(
            store
                .retry_job(&claim, Duration::from_secs(3600), "boom")
                .unwrap()
        );
        // Waiting for its retry, it still holds back its queue.
        assert!(store.claim_job("shop", "w", LEASE).unwrap().is_none());
        assert_eq!(store.renew_job(&claim, LEASE).unwrap(), Renewal::Lost);
        assert!(!store.finish_job(&claim, JobState::Done, None).unwrap());
    }

    #[test]
    fn periodic_jobs_are_scheduled_once_per_period() {
        let store = Store::open_in_memory().unwrap();
        let every = Duration::from_secs(600);
        assert!(
            store
                .schedule_job("shop", "shop/gc", "gc", every, 2)
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .schedule_job("shop", "shop/gc", "gc", every, 2)
                .unwrap()
                .is_none()
        );
        let claim = store.claim_job("shop", "w", LEASE).unwrap().unwrap();
        store.finish_job(&claim, JobState::Done, None).unwrap();
        // Finished, but queued less than a period ago.
        assert!(
            store
                .schedule_job("shop", "shop/gc", "gc", every, 2)
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .schedule_job("shop", "shop/gc", "gc", Duration::ZERO, 2)
                .unwrap()
                .is_some()
        );
    }
}
