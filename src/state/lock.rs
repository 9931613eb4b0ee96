//! Locks per (project, environment), shared by every process using the same
//! database file.
//!
//! A lock is a row; taking it is an `INSERT` that fails when the row exists,
//! inside an immediate transaction, so two processes cannot both succeed.
//! The guard deletes its own row (matched by a random token) when dropped,
//! so a guard whose lock was broken never removes someone else's. A process
//! that is killed leaves its row: a stale lock. When its holder ran on this
//! host and its process is gone, the next [`Store::acquire`] takes it over
//! (and says so through [`LockGuard::took_over`]); otherwise it must be
//! broken explicitly (`mirage state unlock ENV --force`,
//! [`Store::break_lock`]).

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{OptionalExtension, params};

use super::actor::{Actor, host_name};
use super::error::{LockError, StateError};
use super::store::Store;
use super::time::Timestamp;

/// A lock as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LockInfo {
    /// The project name.
    pub project: String,
    /// The environment name.
    pub environment: String,
    /// Who holds it.
    pub holder: Actor,
    /// When it was taken.
    pub since: Timestamp,
}

impl LockInfo {
    /// Whether the holder is known to be gone: it ran on this host and its
    /// process no longer exists. `false` when that cannot be told (another
    /// host, or a platform without `/proc`).
    pub fn is_stale(&self) -> bool {
        let proc_root = Path::new("/proc");
        if self.holder.host != host_name() || !proc_root.join("self").exists() {
            return false;
        }
        // A recycled pid makes a dead holder look alive: the safe mistake.
        !proc_root.join(self.holder.pid.to_string()).exists()
    }
}

/// A held lock; released when dropped.
#[derive(Debug)]
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard {
    store: Store,
    info: LockInfo,
    token: String,
    released: bool,
    took_over: Option<LockInfo>,
}

impl LockGuard {
    /// What this guard holds.
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// The stale lock this guard replaced: its holder ran on this host and
    /// its process was gone. Callers should say so.
    pub fn took_over(&self) -> Option<&LockInfo> {
        self.took_over.as_ref()
    }

    /// Release the lock now, reporting a database failure (dropping the
    /// guard releases it too, silently).
    pub fn release(mut self) -> Result<(), StateError> {
        self.released = true;
        self.delete()
    }

    fn delete(&self) -> Result<(), StateError> {
        let conn = self.store.conn();
        conn.execute(
            "DELETE FROM locks WHERE project = ?1 AND environment = ?2 AND token = ?3",
            params![self.info.project, self.info.environment, self.token],
        )?;
        Ok(())
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if !self.released {
            // Nothing to report to from a destructor; a row left behind is
            // a stale lock, which `mirage state unlock` handles.
            let _ = self.delete();
        }
    }
}

/// The first pause between two attempts while waiting for a lock; it
/// doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

impl Store {
    /// Take the lock of environment `environment` of `project` for
    /// `holder`. With `wait` `None` it fails at once when someone holds it;
    /// otherwise it polls (with backoff) until the lock is free or `wait`
    /// has passed. The error says who holds it and since when.
    pub fn acquire(
        &self,
        project: &str,
        environment: &str,
        holder: &Actor,
        wait: Option<Duration>,
    ) -> Result<LockGuard, LockError> {
        let deadline = wait.map(|wait| Instant::now() + wait);
        let mut backoff = FIRST_BACKOFF;
        let mut took_over = None;
        loop {
            let held = match self.try_acquire(project, environment, holder)? {
                Ok(mut guard) => {
                    guard.took_over = took_over;
                    return Ok(guard);
                }
                Err(Some(info)) if info.is_stale() => {
                    // Its holder is known to be dead: take it over now
                    // rather than make a person break it by hand.
                    if self.remove_exact(&info)? {
                        took_over = Some(info);
                    }
                    continue;
                }
                Err(Some(info)) => held_error(info),
                Err(None) => continue,
            };
            let now = Instant::now();
            let Some(deadline) = deadline.filter(|deadline| *deadline > now) else {
                return Err(held);
            };
            // Jitter spreads waiters out so they do not retry in step.
            let pause = backoff.mul_f64(0.5 + fastrand::f64() / 2.0);
            std::thread::sleep(pause.min(deadline - now));
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// One attempt: the guard, or the `Held` error naming the holder.
    fn try_acquire(
        &self,
        project: &str,
        environment: &str,
        holder: &Actor,
    ) -> Result<Result<LockGuard, Option<LockInfo>>, StateError> {
        let token = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        let since = self.now();
        let conn = self.conn();
        // The primary key makes this atomic across connections and
        // processes: of two inserts, one changes a row and one does nothing.
        let inserted = conn.execute(
            "INSERT INTO locks (project, environment, holder_user, holder_host, holder_pid, \
             token, since) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
             ON CONFLICT (project, environment) DO NOTHING",
            params![
                project,
                environment,
                holder.user,
                holder.host,
                i64::from(holder.pid),
                token,
                since.0
            ],
        )?;
        if inserted == 1 {
            drop(conn);
            return Ok(Ok(LockGuard {
                store: self.clone(),
                info: LockInfo {
                    project: project.to_owned(),
                    environment: environment.to_owned(),
                    holder: holder.clone(),
                    since,
                },
                token,
                released: false,
                took_over: None,
            }));
        }
        // `None`: released between our insert and this read; try again.
        Ok(Err(read_lock(&conn, project, environment)?))
    }

    /// The current lock of an environment, if any.
    pub fn lock_info(
        &self,
        project: &str,
        environment: &str,
    ) -> Result<Option<LockInfo>, StateError> {
        Ok(read_lock(&self.conn(), project, environment)?)
    }

    /// Every lock held, sorted by project and environment.
    pub fn locks(&self) -> Result<Vec<LockInfo>, StateError> {
        let conn = self.conn();
        let mut statement = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM locks ORDER BY project, environment"
        ))?;
        let locks = statement
            .query_map([], read_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(locks)
    }

    /// Removes `lock` only if it is still exactly that lock (same holder,
    /// same time): a lock released and taken by someone else meanwhile is
    /// left alone.
    fn remove_exact(&self, lock: &LockInfo) -> Result<bool, StateError> {
        let removed = self.conn().execute(
            "DELETE FROM locks WHERE project = ?1 AND environment = ?2 AND holder_user = ?3 \
             AND holder_host = ?4 AND holder_pid = ?5 AND since = ?6",
            params![
                lock.project,
                lock.environment,
                lock.holder.user,
                lock.holder.host,
                i64::from(lock.holder.pid),
                lock.since.0
            ],
        )?;
        Ok(removed > 0)
    }

    /// Removes every lock (of `project`, or of every project) whose holder
    /// is known to be gone (this host, its process no longer running).
    /// Returns them.
    pub fn break_stale_locks(&self, project: Option<&str>) -> Result<Vec<LockInfo>, StateError> {
        let mut removed = Vec::new();
        for lock in self.locks()? {
            if project.is_none_or(|p| lock.project == p)
                && lock.is_stale()
                && self.remove_exact(&lock)?
            {
                removed.push(lock);
            }
        }
        Ok(removed)
    }

    /// Remove the lock of an environment whoever holds it (a stale lock
    /// from a killed process). Returns the lock that was removed.
    pub fn break_lock(
        &self,
        project: &str,
        environment: &str,
    ) -> Result<Option<LockInfo>, StateError> {
        let conn = self.conn();
        let removed = conn
            .query_row(
                &format!(
                    "DELETE FROM locks WHERE project = ?1 AND environment = ?2 \
                     RETURNING {COLUMNS}"
                ),
                params![project, environment],
                read_row,
            )
            .optional()?;
        Ok(removed)
    }
}

const COLUMNS: &str = "project, environment, holder_user, holder_host, holder_pid, since";

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<LockInfo> {
    let pid: i64 = row.get(4)?;
    Ok(LockInfo {
        project: row.get(0)?,
        environment: row.get(1)?,
        holder: Actor {
            user: row.get(2)?,
            host: row.get(3)?,
            pid: u32::try_from(pid).unwrap_or(0),
        },
        since: Timestamp(row.get(5)?),
    })
}

fn read_lock(
    conn: &rusqlite::Connection,
    project: &str,
    environment: &str,
) -> rusqlite::Result<Option<LockInfo>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM locks WHERE project = ?1 AND environment = ?2"),
        params![project, environment],
        read_row,
    )
    .optional()
}

fn held_error(info: LockInfo) -> LockError {
    let advice = if info.holder.host == host_name() {
        format!(
            "it is still running on this machine (pid {}): wait for it, or pass `--lock-timeout SECONDS`",
            info.holder.pid
        )
    } else {
        format!(
            "it runs on another machine: wait for it (`--lock-timeout SECONDS`), or if that apply is gone for good, `mirage state unlock {} --force`",
            info.environment
        )
    };
    LockError::Held {
        advice,
        holder: info.holder.to_string(),
        since: info.since,
        pid: info.holder.pid,
        project: info.project,
        environment: info.environment,
    }
}
