//! When and how long to wait before sending a request again.

use std::time::Duration;

/// Bounds on retries. Reads are retried on rate limits and transient
/// failures; writes only where Railway cannot have acted on them — a 429,
/// or a connection that never opened (see
/// [`super::RailwayError::is_retryable_write`]).
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Backoff ceiling of the first retry; doubles each attempt.
    pub base_delay: Duration,
    /// Upper bound of one backoff.
    pub max_delay: Duration,
    /// No retry starts when it would end after this much time overall.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
            deadline: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (0-based): "full jitter",
    /// uniform in `[0, min(max_delay, base_delay · 2^retry)]`, so clients
    /// that failed together do not come back together. A `Retry-After` from
    /// Railway replaces the jitter: it says when the window reopens.
    pub fn backoff(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait;
        }
        let ceiling = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(20)))
            .min(self.max_delay);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// Parses a `Retry-After` header: integer seconds (what Railway sends) or
/// fractional seconds. HTTP dates are not used by Railway and are ignored.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(3600.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_jitter_stays_under_the_doubling_ceiling() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            ..RetryPolicy::default()
        };
        for _ in 0..200 {
            assert!(policy.backoff(0, None) <= Duration::from_millis(100));
            assert!(policy.backoff(1, None) <= Duration::from_millis(200));
            assert!(policy.backoff(5, None) <= Duration::from_millis(350));
            assert!(policy.backoff(u32::MAX, None) <= Duration::from_millis(350));
        }
        // Jitter really spreads: 200 draws are not all equal.
        let draws: std::collections::BTreeSet<Duration> =
            (0..200).map(|_| policy.backoff(3, None)).collect();
        assert!(draws.len() > 10);
    }

    #[test]
    fn retry_after_replaces_the_jitter() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.backoff(0, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
    }

    #[test]
    fn retry_after_header_values() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("99999"), Some(Duration::from_secs(3600)));
    }
}
