//! Timestamps: whole seconds since the Unix epoch, in UTC.
//!
//! Stored as an integer column (portable to PostgreSQL as `BIGINT`) and shown
//! as `2026-11-27 16:40:02 UTC`.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where the state database's timestamps come from: the system clock in
/// use, a fixed or stepped one in tests (history, lock ages and TTLs then
/// read the same on every run).
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that stands still until moved (tests).
#[derive(Debug, Default)]
pub struct FixedClock(std::sync::atomic::AtomicI64);

impl FixedClock {
    /// A clock showing `at`.
    pub fn at(at: Timestamp) -> FixedClock {
        FixedClock(std::sync::atomic::AtomicI64::new(at.0))
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let seconds = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.0
            .fetch_add(seconds, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// A point in time, in whole seconds since 1970-01-01 00:00:00 UTC.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        let seconds = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            // A clock before 1970: count backwards rather than fail.
            Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
        };
        Timestamp(seconds)
    }

    /// Seconds since the Unix epoch.
    pub const fn unix_seconds(self) -> i64 {
        self.0
    }

    /// This time plus `duration` (saturating). Also available as `+`.
    // Kept as a method: it is part of the API the planner was given.
    #[allow(clippy::should_implement_trait)]
    pub fn add(self, duration: Duration) -> Self {
        let seconds = i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
        Timestamp(self.0.saturating_add(seconds))
    }
}

impl std::ops::Add<Duration> for Timestamp {
    type Output = Timestamp;

    /// This time plus `duration` (saturating).
    fn add(self, duration: Duration) -> Timestamp {
        Timestamp::add(self, duration)
    }
}

impl fmt::Display for Timestamp {
    /// `2026-11-27 16:40:02 UTC`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400);
        let second_of_day = self.0.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        )
    }
}

/// The proleptic Gregorian date of a day count since 1970-01-01, after
/// Howard Hinnant's `civil_from_days` (public domain), which is exact for
/// every `i64` day a timestamp can reach.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_dates() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01 00:00:00 UTC");
        // 2026-11-27 16:40:02 UTC, checked with `date -u -d @1795797602`.
        assert_eq!(
            Timestamp(1_795_797_602).to_string(),
            "2026-11-27 16:40:02 UTC"
        );
        // A leap day.
        assert_eq!(
            Timestamp(951_782_400).to_string(),
            "2000-02-29 00:00:00 UTC"
        );
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31 23:59:59 UTC");
    }

    #[test]
    fn add_saturates() {
        assert_eq!(Timestamp(10).add(Duration::from_secs(5)), Timestamp(15));
        assert_eq!(Timestamp(10) + Duration::from_secs(5), Timestamp(15));
        assert_eq!(
            Timestamp(i64::MAX - 1).add(Duration::from_secs(5)),
            Timestamp(i64::MAX)
        );
    }
}
