//! Webhook deliveries already accepted, by their id (`X-GitHub-Delivery`):
//! the replay guard of `mirage serve`, shared by its replicas and kept
//! across restarts ([`crate::auth::StoreReplayGuard`] is its face).
//!
//! Recording is one `INSERT … ON CONFLICT DO NOTHING` on the primary key:
//! of two replicas receiving the same delivery at once, exactly one sees
//! it as new. Ids are pruned after a while (GitHub redelivers for a few
//! days at most).

use std::time::Duration;

use super::db::values;
use super::error::StateError;
use super::store::Store;

impl Store {
    /// Records delivery `id` from `source` (`github`); `true` when it had
    /// not been recorded before.
    pub fn record_delivery(&self, source: &str, id: &str) -> Result<bool, StateError> {
        let inserted = self.with(|conn| {
            let sql = format!(
                "INSERT INTO webhook_deliveries (source, id, received_at) VALUES (?1, ?2, {}) \
                 ON CONFLICT (source, id) DO NOTHING",
                conn.dialect().now_ms()
            );
            conn.execute(&sql, values![source, id])
        })?;
        Ok(inserted == 1)
    }

    /// Forgets delivery `id` (it was accepted but could not be acted on,
    /// so its redelivery must get in); whether it was recorded.
    pub fn forget_delivery(&self, source: &str, id: &str) -> Result<bool, StateError> {
        let removed = self.with(|conn| {
            conn.execute(
                "DELETE FROM webhook_deliveries WHERE source = ?1 AND id = ?2",
                values![source, id],
            )
        })?;
        Ok(removed == 1)
    }

    /// Forgets deliveries received more than `age` ago; how many.
    pub fn prune_deliveries(&self, age: Duration) -> Result<u64, StateError> {
        let age = i64::try_from(age.as_millis()).unwrap_or(i64::MAX / 4);
        self.with(|conn| {
            let sql = format!(
                "DELETE FROM webhook_deliveries WHERE received_at < {} - ?1",
                conn.dialect().now_ms()
            );
            conn.execute(&sql, values![age])
        })
    }

    /// How many delivery ids are remembered.
    pub fn deliveries(&self) -> Result<u64, StateError> {
        let row =
            self.with(|conn| conn.query_one("SELECT COUNT(*) FROM webhook_deliveries", &[]))?;
        Ok(u64::try_from(row.int(0)?).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_is_new_once_until_forgotten_or_pruned() {
        let store = Store::open_in_memory().unwrap();
        assert!(store.record_delivery("github", "a").unwrap());
        assert!(!store.record_delivery("github", "a").unwrap());
        assert!(store.record_delivery("other", "a").unwrap());
        assert!(store.forget_delivery("github", "a").unwrap());
        assert!(store.record_delivery("github", "a").unwrap());
        assert_eq!(store.prune_deliveries(Duration::from_secs(60)).unwrap(), 0);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(store.prune_deliveries(Duration::ZERO).unwrap(), 2);
        assert_eq!(store.deliveries().unwrap(), 0);
    }
}
