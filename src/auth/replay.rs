//! Dropping replayed deliveries: each `X-GitHub-Delivery` id is acted on
//! once. GitHub redelivers with the same id (a manual or automatic
//! redelivery after a timeout), and an attacker who captured a signed
//! delivery could send it again: the signature alone cannot tell.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use super::error::WebhookError;

/// Remembers delivery ids. The in-memory [`MemoryReplayGuard`] serves one
/// process; [`StoreReplayGuard`], on the state database, serves replicas
/// and survives restarts.
pub trait ReplayGuard: Send + Sync {
    /// Records `id` and says whether it is new. Atomic: of two calls with
    /// the same id, at most one sees `true`.
    fn first_seen(&self, id: &str) -> Result<bool, WebhookError>;

    /// Forgets `id`: the delivery was accepted but then could not be acted
    /// on (queueing its job failed), so GitHub's redelivery must get in.
    fn forget(&self, id: &str) -> Result<(), WebhookError>;
}

/// A bounded in-memory guard: the last `capacity` ids, the oldest
/// forgotten first (a replay older than that gets through; the durable
/// guard closes that gap).
#[derive(Debug)]
pub struct MemoryReplayGuard {
    capacity: usize,
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

impl MemoryReplayGuard {
    /// The default capacity: a day of a busy repository's deliveries.
    pub const DEFAULT_CAPACITY: usize = 10_000;

    /// A guard remembering up to `capacity` ids (at least one).
    pub fn new(capacity: usize) -> MemoryReplayGuard {
        MemoryReplayGuard {
            capacity: capacity.max(1),
            seen: Mutex::new(Seen::default()),
        }
    }

    /// How many ids it holds.
    pub fn len(&self) -> usize {
        self.lock().ids.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        // A panic elsewhere while holding the lock leaves a consistent set.
        match self.seen.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

impl Default for MemoryReplayGuard {
    fn default() -> Self {
        MemoryReplayGuard::new(Self::DEFAULT_CAPACITY)
    }
}

impl ReplayGuard for MemoryReplayGuard {
    fn first_seen(&self, id: &str) -> Result<bool, WebhookError> {
        let mut seen = self.lock();
        if seen.ids.contains(id) {
            return Ok(false);
        }
        while seen.order.len() >= self.capacity {
            if let Some(oldest) = seen.order.pop_front() {
                seen.ids.remove(&oldest);
            }
        }
        seen.ids.insert(id.to_owned());
        seen.order.push_back(id.to_owned());
        Ok(true)
    }

    fn forget(&self, id: &str) -> Result<(), WebhookError> {
        let mut seen = self.lock();
        if seen.ids.remove(id) {
            seen.order.retain(|kept| kept != id);
        }
        Ok(())
    }
}

/// A guard on the state database (SQLite or PostgreSQL): every replica of
/// `mirage serve` sharing the database shares it, and it survives a
/// restart. Ids are pruned by [`crate::state::Store::prune_deliveries`].
#[derive(Debug, Clone)]
pub struct StoreReplayGuard {
    store: crate::state::Store,
    source: &'static str,
}

impl StoreReplayGuard {
    /// The guard of deliveries from `source` (`github`) in `store`.
    pub fn new(store: crate::state::Store, source: &'static str) -> StoreReplayGuard {
        StoreReplayGuard { store, source }
    }
}

impl ReplayGuard for StoreReplayGuard {
    fn first_seen(&self, id: &str) -> Result<bool, WebhookError> {
        self.store
            .record_delivery(self.source, id)
            .map_err(|error| WebhookError::ReplayStore {
                reason: error.to_string(),
            })
    }

    fn forget(&self, id: &str) -> Result<(), WebhookError> {
        self.store
            .forget_delivery(self.source, id)
            .map(|_| ())
            .map_err(|error| WebhookError::ReplayStore {
                reason: error.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_up_to_its_capacity() {
        let guard = MemoryReplayGuard::new(2);
        assert_eq!(guard.first_seen("a"), Ok(true));
        assert_eq!(guard.first_seen("a"), Ok(false));
        assert_eq!(guard.first_seen("b"), Ok(true));
        assert_eq!(guard.first_seen("c"), Ok(true));
        assert_eq!(guard.len(), 2);
        // `a` was the oldest: forgotten to make room.
        assert_eq!(guard.first_seen("a"), Ok(true));
        assert_eq!(guard.first_seen("c"), Ok(false));
    }

    #[test]
    fn a_forgotten_id_is_accepted_again() {
        let guard = MemoryReplayGuard::default();
        assert_eq!(guard.first_seen("x"), Ok(true));
        guard.forget("x").unwrap();
        assert!(guard.is_empty());
        assert_eq!(guard.first_seen("x"), Ok(true));
    }
}
