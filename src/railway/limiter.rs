//! Client-side rate limiting: a token bucket, slowed further when Railway's
//! `X-RateLimit-Remaining` runs low.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A token bucket shared by every request of one client.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    state: Mutex<BucketState>,
}

#[derive(Debug)]
struct BucketState {
    tokens: f64,
    refilled: Instant,
    /// No request before this instant (set from Railway's headers).
    not_before: Option<Instant>,
}

/// Below this many remaining requests the limiter spreads the rest of the
/// window evenly instead of spending it at full speed.
const LOW_REMAINING: u64 = 5;

impl RateLimiter {
    /// A bucket of `per_second` requests per second with a burst of the same
    /// size. A non-positive or non-finite rate disables the bucket.
    pub fn new(per_second: f64) -> Self {
        let rate = if per_second.is_finite() && per_second > 0.0 {
            per_second
        } else {
            f64::INFINITY
        };
        RateLimiter {
            rate,
            state: Mutex::new(BucketState {
                tokens: if rate.is_finite() { rate.max(1.0) } else { 0.0 },
                refilled: Instant::now(),
                not_before: None,
            }),
        }
    }

    /// Waits until a request may be sent, then takes a token.
    pub async fn acquire(&self) {
        loop {
            let wait = self.try_take(Instant::now());
            match wait {
                None => return,
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Takes a token now, or says how long to wait for one.
    fn try_take(&self, now: Instant) -> Option<Duration> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(at) = state.not_before {
            if now < at {
                return Some(at - now);
            }
            state.not_before = None;
        }
        if !self.rate.is_finite() {
            return None;
        }
        let elapsed = now.saturating_duration_since(state.refilled).as_secs_f64();
        state.tokens = (state.tokens + elapsed * self.rate).min(self.rate.max(1.0));
        state.refilled = now;
        if state.tokens >= 1.0 {
            state.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - state.tokens) / self.rate))
        }
    }

    /// Reads `X-RateLimit-Remaining` and `X-RateLimit-Reset` from a response
    /// and, when few requests remain, holds the next ones back so the rest
    /// of the window is spread until the reset.
    pub fn observe(&self, remaining: Option<&str>, reset: Option<&str>) {
        let Some(remaining) = remaining.and_then(|value| value.trim().parse::<u64>().ok()) else {
            return;
        };
        if remaining > LOW_REMAINING {
            return;
        }
        let Some(until_reset) = reset.and_then(parse_reset) else {
            return;
        };
        let spacing = until_reset / u32::try_from(remaining + 1).unwrap_or(u32::MAX);
        // Never stall longer than a minute on a header alone: a wrong clock
        // or unit must not freeze the client; a 429 then takes over.
        let spacing = spacing.min(Duration::from_secs(60));
        let at = Instant::now() + spacing;
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.not_before.is_none_or(|current| current < at) {
            state.not_before = Some(at);
        }
    }
}

/// `X-RateLimit-Reset` as time from now. The unit is undocumented: a large
/// number is a Unix time (seconds, or milliseconds past 10^12), a small one
/// a number of seconds.
fn parse_reset(value: &str) -> Option<Duration> {
    let number: f64 = value.trim().parse().ok()?;
    if !number.is_finite() || number < 0.0 {
        return None;
    }
    if number < 1e9 {
        return Some(Duration::from_secs_f64(number));
    }
    let epoch_seconds = if number >= 1e12 {
        number / 1000.0
    } else {
        number
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    Some(Duration::from_secs_f64((epoch_seconds - now).max(0.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_spaces_requests() {
        let limiter = RateLimiter::new(4.0);
        let now = Instant::now();
        for _ in 0..4 {
            assert_eq!(limiter.try_take(now), None);
        }
        let wait = limiter.try_take(now).expect("the fifth request must wait");
        assert!(wait > Duration::from_millis(200) && wait <= Duration::from_millis(250));
        assert_eq!(limiter.try_take(now + Duration::from_millis(250)), None);
    }

    #[test]
    fn low_remaining_holds_requests_back_until_reset() {
        let limiter = RateLimiter::new(0.0);
        assert_eq!(limiter.try_take(Instant::now()), None);
        limiter.observe(Some("1"), Some("4"));
        let wait = limiter.try_take(Instant::now()).expect("must wait");
        assert!(wait > Duration::from_millis(1500) && wait <= Duration::from_secs(2));
        limiter.observe(Some("500"), Some("4"));
    }

    #[test]
    fn reset_as_unix_time_is_understood() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let wait = parse_reset(&(now + 10).to_string()).unwrap();
        assert!(wait > Duration::from_secs(8) && wait <= Duration::from_secs(10));
        assert_eq!(parse_reset("soon"), None);
    }
}
