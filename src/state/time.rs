//! Timestamps: whole seconds since the Unix epoch, in UTC.
//!
//! Stored as an integer column (portable to PostgreSQL as `BIGINT`) and shown
//! as `2026-11-27 16:40:02 UTC`.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point in time, in whole seconds since 1970-01-01 00:00:00 UTC.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        todo!()
    }

    /// Seconds since the Unix epoch.
    pub const fn unix_seconds(self) -> i64 {
        self.0
    }

    /// This time plus `duration` (saturating).
    pub fn add(self, duration: Duration) -> Self {
        todo!()
    }
}

impl fmt::Display for Timestamp {
    /// `2026-11-27 16:40:02 UTC`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!()
    }
}
