//! Locks per (project, environment), shared by every process using the same
//! database — one file, or one PostgreSQL database for a whole team.
//!
//! A lock is a row; taking it is an `INSERT … ON CONFLICT DO NOTHING` on
//! its primary key, so of two processes (on any machines) exactly one
//! succeeds. The guard deletes its own row (matched by a random token) when
//! dropped, so a guard whose lock was broken never removes someone else's.
//!
//! A lock is a **lease**: the row says until when (`lease_until`, by the
//! database's clock, which every machine sharing it agrees on), and the
//! guard renews it from a heartbeat thread every third of the lease
//! ([`Store::with_lease`]). A holder that stops renewing — killed, its
//! machine gone, cut off from the database — loses the lock one lease after
//! its last renewal, and the next [`Store::acquire`] takes it over (and
//! says so through [`LockGuard::took_over`]); so does a holder on this host
//! whose process is gone, at once. A guard that finds its lease lost says
//! so through [`LockGuard::check`], and its owner stops writing.
//!
//! Breaking a lock by hand ([`Store::break_lock`], `mirage state unlock`)
//! is recorded with who did it, when and why ([`Store::lock_breaks`]).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::actor::{Actor, host_name};
use super::db::{Conn, Row, values};
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
    /// Whether its lease ran out when it was read: its holder stopped
    /// renewing it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expired: bool,
}

impl LockInfo {
    /// Whether the holder is known to be gone: its lease ran out, or it
    /// ran on this host and its process no longer exists. `false` when
    /// that cannot be told (another host within its lease, or a platform
    /// without `/proc`).
    pub fn is_stale(&self) -> bool {
        self.expired || self.process_is_gone()
    }

    /// Whether the holder ran on this host and its process no longer
    /// exists.
    fn process_is_gone(&self) -> bool {
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
    /// Why the lock was lost, once the heartbeat found it so.
    lost: Arc<Mutex<Option<String>>>,
    /// Dropping it stops the heartbeat.
    _heartbeat: Option<std::sync::mpsc::Sender<()>>,
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

    /// Whether the lock is still this guard's: renews its lease now. An
    /// error says why not — the heartbeat could not renew it in time (the
    /// database was unreachable), someone broke it, or the database cannot
    /// be reached now — and the holder must stop writing: another process
    /// may hold the lock already.
    pub fn check(&self) -> Result<(), StateError> {
        let lost = |reason: String| StateError::LockLost {
            environment: self.info.environment.clone(),
            reason,
        };
        if let Some(reason) = self.lost.lock().ok().and_then(|l| l.clone()) {
            return Err(lost(reason));
        }
        match renew(&self.store, &self.info, &self.token) {
            Ok(true) => Ok(()),
            Ok(false) => Err(lost(LOST_BROKEN.to_owned())),
            Err(error) => Err(lost(format!(
                "the state database cannot be reached: {error}"
            ))),
        }
    }

    /// Why the lock is no longer safely this guard's, when that is known
    /// without a round trip: the heartbeat found it lost, or the
    /// connection to the database is gone. Cheap enough to ask between
    /// every two phases of an apply; [`LockGuard::check`] asks the
    /// database.
    pub fn lost(&self) -> Option<String> {
        if let Some(reason) = self.lost.lock().ok().and_then(|l| l.clone()) {
            return Some(format!(
                "the lock of environment `{}` was lost: {reason}",
                self.info.environment
            ));
        }
        self.store.connection_lost()
    }

    /// Release the lock now, reporting a database failure (dropping the
    /// guard releases it too, silently).
    pub fn release(mut self) -> Result<(), StateError> {
        self.released = true;
        self._heartbeat = None;
        self.delete()
    }

    fn delete(&self) -> Result<(), StateError> {
        self.store.with(|conn| {
            conn.execute(
                "DELETE FROM locks WHERE project = ?1 AND environment = ?2 AND token = ?3",
                values![&self.info.project, &self.info.environment, &self.token],
            )
        })?;
        Ok(())
    }
}

const LOST_BROKEN: &str =
    "it was broken (`mirage state unlock`) or taken over after its lease ran out";

/// Renews the lease of the lock `token` holds: `false` when it is no
/// longer there.
fn renew(store: &Store, info: &LockInfo, token: &str) -> Result<bool, StateError> {
    let lease = lease_ms(store);
    store.with(|conn| {
        let sql = format!(
            "UPDATE locks SET lease_until = {} + ?4 \
             WHERE project = ?1 AND environment = ?2 AND token = ?3",
            conn.dialect().now_ms()
        );
        let renewed = conn.execute(
            &sql,
            values![&info.project, &info.environment, token, lease],
        )?;
        Ok(renewed > 0)
    })
}

fn lease_ms(store: &Store) -> i64 {
    i64::try_from(store.lease.as_millis()).unwrap_or(i64::MAX / 2)
}

/// Renews the lease every third of it until `stop` is dropped or the lock
/// is found lost (then `lost` says why).
fn heartbeat(
    store: Store,
    info: LockInfo,
    token: String,
    lost: Arc<Mutex<Option<String>>>,
) -> Option<std::sync::mpsc::Sender<()>> {
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let every = store.lease / 3;
    let spawned = std::thread::Builder::new()
        .name(format!("mirage-lock-{}", info.environment))
        .spawn(move || {
            let mut last_renewed = Instant::now();
            loop {
                match stopped.recv_timeout(every) {
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    // The guard was dropped or released.
                    _ => return,
                }
                let reason = match renew(&store, &info, &token) {
                    Ok(true) => {
                        last_renewed = Instant::now();
                        continue;
                    }
                    Ok(false) => LOST_BROKEN.to_owned(),
                    // A passing failure is retried while the lease lasts.
                    Err(_) if last_renewed.elapsed() < store.lease => continue,
                    Err(error) => format!(
                        "its lease could not be renewed for {}s: {error}",
                        store.lease.as_secs()
                    ),
                };
                if let Ok(mut lost) = lost.lock() {
                    *lost = Some(reason);
                }
                return;
            }
        });
    spawned.ok().map(|_| stop)
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
                    // Its holder is known to be gone: take it over now
                    // rather than make a person break it by hand.
                    if self.remove_exact(&info)? {
                        let reason = if info.expired {
                            "taken over: its lease ran out"
                        } else {
                            "taken over: its process was gone"
                        };
                        self.audit_break(&info, holder, reason)?;
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
        let lease = lease_ms(self);
        let held = self.with(|conn| {
            // The primary key makes this atomic across connections,
            // processes and machines: of two inserts, one changes a row
            // and one does nothing.
            let sql = format!(
                "INSERT INTO locks (project, environment, holder_user, holder_host, holder_pid, \
                 token, since, lease_until) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, {} + ?8) \
                 ON CONFLICT (project, environment) DO NOTHING",
                conn.dialect().now_ms()
            );
            let inserted = conn.execute(
                &sql,
                values![
                    project,
                    environment,
                    &holder.user,
                    &holder.host,
                    i64::from(holder.pid),
                    token.as_str(),
                    since.0,
                    lease,
                ],
            )?;
            if inserted == 1 {
                return Ok(None);
            }
            // `None`: released between our insert and this read; try again.
            read_lock(conn, project, environment).map(Some)
        })?;
        if let Some(held) = held {
            return Ok(Err(held));
        }
        let info = LockInfo {
            project: project.to_owned(),
            environment: environment.to_owned(),
            holder: holder.clone(),
            since,
            expired: false,
        };
        let lost = Arc::new(Mutex::new(None));
        let heartbeat = heartbeat(self.clone(), info.clone(), token.clone(), lost.clone());
        Ok(Ok(LockGuard {
            store: self.clone(),
            info,
            token,
            released: false,
            took_over: None,
            lost,
            _heartbeat: heartbeat,
        }))
    }

    /// The current lock of an environment, if any.
    pub fn lock_info(
        &self,
        project: &str,
        environment: &str,
    ) -> Result<Option<LockInfo>, StateError> {
        self.with(|conn| read_lock(conn, project, environment))
    }

    /// Every lock held, sorted by project and environment.
    pub fn locks(&self) -> Result<Vec<LockInfo>, StateError> {
        let mut locks = self.with(|conn| {
            let sql = format!("SELECT {} FROM locks", columns(conn));
            conn.query(&sql, &[])?
                .iter()
                .map(read_row)
                .collect::<Result<Vec<_>, _>>()
        })?;
        // Sorted here: the backends' text collations differ.
        locks.sort_by(|a, b| (&a.project, &a.environment).cmp(&(&b.project, &b.environment)));
        Ok(locks)
    }

    /// Removes `lock` only if it is still exactly that lock (same holder,
    /// same time) and, when it is taken for expired, its lease has still
    /// run out: a lock released and taken by someone else meanwhile, or
    /// renewed by a holder that came back, is left alone.
    fn remove_exact(&self, lock: &LockInfo) -> Result<bool, StateError> {
        let by_lease = lock.expired && !lock.process_is_gone();
        let removed = self.with(|conn| {
            let sql = format!(
                "DELETE FROM locks WHERE project = ?1 AND environment = ?2 AND holder_user = ?3 \
                 AND holder_host = ?4 AND holder_pid = ?5 AND since = ?6 \
                 AND (?7 = 0 OR lease_until < {})",
                conn.dialect().now_ms()
            );
            conn.execute(
                &sql,
                values![
                    &lock.project,
                    &lock.environment,
                    &lock.holder.user,
                    &lock.holder.host,
                    i64::from(lock.holder.pid),
                    lock.since.0,
                    i64::from(by_lease),
                ],
            )
        })?;
        Ok(removed > 0)
    }

    /// Removes every lock (of `project`, or of every project) whose holder
    /// is known to be gone (its lease ran out, or this host and its
    /// process no longer running), recording each as broken by `by`.
    /// Returns them.
    pub fn break_stale_locks(
        &self,
        project: Option<&str>,
        by: &Actor,
    ) -> Result<Vec<LockInfo>, StateError> {
        let mut removed = Vec::new();
        for lock in self.locks()? {
            if project.is_none_or(|p| lock.project == p)
                && lock.is_stale()
                && self.remove_exact(&lock)?
            {
                let reason = if lock.expired {
                    "its lease ran out"
                } else {
                    "its process was gone"
                };
                self.audit_break(&lock, by, reason)?;
                removed.push(lock);
            }
        }
        Ok(removed)
    }

    /// Remove the lock of an environment whoever holds it (a holder that is
    /// gone for good), recording who broke it, when and `reason` in
    /// [`Store::lock_breaks`]. Returns the lock that was removed.
    pub fn break_lock(
        &self,
        project: &str,
        environment: &str,
        by: &Actor,
        reason: &str,
    ) -> Result<Option<LockInfo>, StateError> {
        let now = self.now().0;
        self.transaction(|tx| {
            let sql = format!(
                "DELETE FROM locks WHERE project = ?1 AND environment = ?2 RETURNING {}",
                columns(tx)
            );
            let Some(row) = tx.query_opt(&sql, values![project, environment])? else {
                return Ok(None);
            };
            let lock = read_row(&row)?;
            insert_break(tx, &lock, by, reason, now)?;
            Ok(Some(lock))
        })
    }

    /// Every lock broken by hand or taken over from a gone holder, newest
    /// first.
    pub fn lock_breaks(&self) -> Result<Vec<LockBreak>, StateError> {
        let rows = self.with(|conn| {
            conn.query(
                "SELECT project, environment, holder, holder_pid, since, broken_by, broken_at, \
                 reason FROM lock_breaks ORDER BY id DESC",
                &[],
            )
        })?;
        rows.iter()
            .map(|row| {
                Ok(LockBreak {
                    project: row.text(0)?,
                    environment: row.text(1)?,
                    holder: row.text(2)?,
                    holder_pid: u32::try_from(row.int(3)?).unwrap_or(0),
                    since: Timestamp(row.int(4)?),
                    broken_by: row.text(5)?,
                    broken_at: Timestamp(row.int(6)?),
                    reason: row.text(7)?,
                })
            })
            .collect()
    }

    fn audit_break(&self, lock: &LockInfo, by: &Actor, reason: &str) -> Result<(), StateError> {
        let now = self.now().0;
        self.with(|conn| insert_break(conn, lock, by, reason, now))
    }
}

/// A lock that was broken, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LockBreak {
    /// The project name.
    pub project: String,
    /// The environment name.
    pub environment: String,
    /// Who held it, as `user@host`.
    pub holder: String,
    /// The holder's process id.
    pub holder_pid: u32,
    /// When the holder took it.
    pub since: Timestamp,
    /// Who broke it, as `user@host`.
    pub broken_by: String,
    /// When.
    pub broken_at: Timestamp,
    /// Why: `--force`, its lease ran out, its process was gone.
    pub reason: String,
}

fn insert_break(
    conn: &mut dyn Conn,
    lock: &LockInfo,
    by: &Actor,
    reason: &str,
    now: i64,
) -> Result<(), StateError> {
    conn.execute(
        "INSERT INTO lock_breaks (project, environment, holder, holder_pid, since, broken_by, \
         broken_at, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        values![
            &lock.project,
            &lock.environment,
            lock.holder.to_string(),
            i64::from(lock.holder.pid),
            lock.since.0,
            by.to_string(),
            now,
            reason,
        ],
    )?;
    Ok(())
}

/// The columns [`read_row`] reads: the last says whether the lease ran
/// out, by the database's clock.
fn columns(conn: &dyn Conn) -> String {
    format!(
        "project, environment, holder_user, holder_host, holder_pid, since, \
         CASE WHEN lease_until < {} THEN 1 ELSE 0 END",
        conn.dialect().now_ms()
    )
}

fn read_row(row: &Row) -> Result<LockInfo, StateError> {
    let pid = row.int(4)?;
    Ok(LockInfo {
        project: row.text(0)?,
        environment: row.text(1)?,
        holder: Actor {
            user: row.text(2)?,
            host: row.text(3)?,
            pid: u32::try_from(pid).unwrap_or(0),
        },
        since: Timestamp(row.int(5)?),
        expired: row.int(6)? != 0,
    })
}

fn read_lock(
    conn: &mut dyn Conn,
    project: &str,
    environment: &str,
) -> Result<Option<LockInfo>, StateError> {
    let sql = format!(
        "SELECT {} FROM locks WHERE project = ?1 AND environment = ?2",
        columns(conn)
    );
    conn.query_opt(&sql, values![project, environment])?
        .map(|row| read_row(&row))
        .transpose()
}

fn held_error(info: LockInfo) -> LockError {
    let advice = if info.holder.host == host_name() {
        format!(
            "it is still running on this machine (pid {}): wait for it, or pass `--lock-timeout SECONDS`",
            info.holder.pid
        )
    } else {
        format!(
            "it runs on another machine: wait for it (`--lock-timeout SECONDS`); if that run is gone, its lock expires once its lease runs out, or break it now with `mirage state unlock {} --force`",
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
