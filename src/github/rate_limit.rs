//! GitHub's rate limits, read from a response: which one answered and how
//! long it asks to wait.
//!
//! GitHub's rules ("Rate limits for the REST API", "Exceeding the rate
//! limit"): a primary limit answers `403` or `429` with
//! `x-ratelimit-remaining: 0`, and no request should be sent before
//! `x-ratelimit-reset` (Unix seconds). A secondary limit answers `403` or
//! `429` with a message that says so: wait `retry-after` seconds when
//! present; else until `x-ratelimit-reset` when the remaining count is 0;
//! else at least one minute, growing exponentially while it keeps
//! answering.

use std::time::Duration;

use super::error::RateLimitKind;
use crate::state::Timestamp;

/// The wait when a secondary limit gives no header ("wait for at least one
/// minute before retrying").
pub const SECONDARY_DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// The rate-limit headers of one response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateHeaders {
    /// `x-ratelimit-remaining`.
    pub remaining: Option<u64>,
    /// `x-ratelimit-reset`, Unix seconds.
    pub reset: Option<Timestamp>,
    /// `retry-after`, seconds.
    pub retry_after: Option<Duration>,
}

impl RateHeaders {
    /// Reads the headers of `response`.
    pub fn read(headers: &reqwest::header::HeaderMap) -> RateHeaders {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::trim)
        };
        RateHeaders {
            remaining: text("x-ratelimit-remaining").and_then(|v| v.parse().ok()),
            reset: text("x-ratelimit-reset")
                .and_then(|v| v.parse::<i64>().ok())
                .map(Timestamp),
            // GitHub sends whole seconds; an HTTP date is not used by it.
            retry_after: text("retry-after")
                .and_then(|v| v.parse::<u64>().ok())
                .map(Duration::from_secs),
        }
    }

    /// When the primary budget is spent: the time it comes back.
    pub fn exhausted_until(&self) -> Option<Timestamp> {
        (self.remaining == Some(0)).then_some(self.reset).flatten()
    }
}

/// How long to wait until `reset`, seen at `now`: one second more than the
/// difference, because both are whole seconds and GitHub says "after".
pub fn wait_until(reset: Timestamp, now: Timestamp) -> Duration {
    let seconds = reset.unix_seconds().saturating_sub(now.unix_seconds());
    Duration::from_secs(u64::try_from(seconds).unwrap_or(0).saturating_add(1))
}

/// Whether a response is a rate limit, and which; `None` for anything else
/// (a `403` without these signs is a missing permission, never retried).
/// `repeat` counts the secondary limits met in a row before this one.
pub fn classify(
    status: u16,
    headers: &RateHeaders,
    message: &str,
    now: Timestamp,
    repeat: u32,
) -> Option<(RateLimitKind, Duration)> {
    if status != 403 && status != 429 {
        return None;
    }
    let lower = message.to_ascii_lowercase();
    let says_secondary = lower.contains("secondary rate limit") || lower.contains("abuse");
    if let Some(wait) = headers.retry_after {
        return Some((RateLimitKind::Secondary, wait));
    }
    if let Some(reset) = headers.exhausted_until() {
        let kind = if says_secondary {
            RateLimitKind::Secondary
        } else {
            RateLimitKind::Primary
        };
        return Some((kind, wait_until(reset, now)));
    }
    if says_secondary || status == 429 || lower.contains("rate limit") {
        let wait = SECONDARY_DEFAULT_WAIT.saturating_mul(2u32.saturating_pow(repeat.min(10)));
        return Some((RateLimitKind::Secondary, wait));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(remaining: Option<u64>, reset: Option<i64>, retry: Option<u64>) -> RateHeaders {
        RateHeaders {
            remaining,
            reset: reset.map(Timestamp),
            retry_after: retry.map(Duration::from_secs),
        }
    }

    #[test]
    fn primary_waits_until_the_reset() {
        let now = Timestamp(1000);
        assert_eq!(
            classify(
                403,
                &headers(Some(0), Some(1010), None),
                "API rate limit exceeded for installation ID 1.",
                now,
                0
            ),
            Some((RateLimitKind::Primary, Duration::from_secs(11)))
        );
        // A reset already past still waits a second.
        assert_eq!(
            classify(429, &headers(Some(0), Some(900), None), "", now, 0),
            Some((RateLimitKind::Primary, Duration::from_secs(1)))
        );
    }

    #[test]
    fn secondary_uses_retry_after_then_a_growing_minute() {
        let now = Timestamp(1000);
        let message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
        assert_eq!(
            classify(403, &headers(Some(10), None, Some(3)), message, now, 0),
            Some((RateLimitKind::Secondary, Duration::from_secs(3)))
        );
        assert_eq!(
            classify(403, &headers(Some(10), None, None), message, now, 0),
            Some((RateLimitKind::Secondary, Duration::from_secs(60)))
        );
        assert_eq!(
            classify(403, &headers(Some(10), None, None), message, now, 2),
            Some((RateLimitKind::Secondary, Duration::from_secs(240)))
        );
    }

    #[test]
    fn a_plain_403_is_a_permission_problem() {
        assert_eq!(
            classify(
                403,
                &headers(Some(4999), Some(2000), None),
                "Resource not accessible by integration",
                Timestamp(1000),
                0
            ),
            None
        );
        assert_eq!(
            classify(
                500,
                &headers(Some(0), Some(2000), None),
                "",
                Timestamp(1000),
                0
            ),
            None
        );
    }
}
