//! Locks per (project, environment), shared by every process using the same
//! database file.
//!
//! A lock is a row; taking it is an `INSERT` that fails when the row exists,
//! inside an immediate transaction, so two processes cannot both succeed.
//! The guard deletes its own row (matched by a random token) when dropped,
//! so a guard whose lock was broken never removes someone else's. A process
//! that is killed leaves its row: a stale lock that must be broken
//! explicitly (`mirage state unlock ENV --force`, [`Store::break_lock`]).

use std::time::Duration;

use super::actor::Actor;
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
        todo!()
    }
}

/// A held lock; released when dropped.
#[derive(Debug)]
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard {
    store: Store,
    info: LockInfo,
    token: String,
}

impl LockGuard {
    /// What this guard holds.
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// Release the lock now, reporting a database failure (dropping the
    /// guard releases it too, silently).
    pub fn release(self) -> Result<(), StateError> {
        todo!()
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        todo!()
    }
}

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
        todo!()
    }

    /// The current lock of an environment, if any.
    pub fn lock_info(
        &self,
        project: &str,
        environment: &str,
    ) -> Result<Option<LockInfo>, StateError> {
        todo!()
    }

    /// Every lock held, sorted by project and environment.
    pub fn locks(&self) -> Result<Vec<LockInfo>, StateError> {
        todo!()
    }

    /// Remove the lock of an environment whoever holds it (a stale lock
    /// from a killed process). Returns the lock that was removed.
    pub fn break_lock(
        &self,
        project: &str,
        environment: &str,
    ) -> Result<Option<LockInfo>, StateError> {
        todo!()
    }
}
