//! Knobs for realism and for testing clients: added latency, a rate limit
//! with Railway's headers, injected faults, and request counters.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::clock::SplitMix;

/// What an injected fault does to a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this HTTP status, with a JSON error body or none.
    Status {
        /// The status code, e.g. 502.
        status: u16,
        /// Whether to send a JSON body (`false`: empty body).
        #[serde(default)]
        body: bool,
        /// A `Retry-After` header, in seconds (Railway sends one on every
        /// 429).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    /// Answer 403 with an HTML "Access denied" page, as Cloudflare's edge does.
    Cloudflare,
    /// Close the connection without answering.
    #[default]
    Drop,
}

/// When a fault applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FaultRule {
    /// What happens.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Carry the request out first, then answer with the fault: the
    /// request's effect is committed and the client never learns it (a
    /// proxy that resets the connection, or a gateway's 502, after Railway
    /// did the work). `false`: the fault replaces the request, which is
    /// never executed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after: bool,
    /// Only requests naming this operation: their `operationName`, or one
    /// of their root fields (`volumeCreate` matches an aliased batch of
    /// them). Other requests neither fire the rule nor count for `nth` or
    /// the `rate` draws.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Apply to exactly the Nth GraphQL request after the rule is set (1 = the next one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<u64>,
    /// Apply to each request with this probability (0.0–1.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// The seed of the random draws for `rate` (same seed, same requests hit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Stop after injecting this many times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
}

/// The fault one request gets.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    /// What happens.
    pub kind: FaultKind,
    /// Whether the request is carried out first (see [`FaultRule::after`]).
    pub after: bool,
}

#[derive(Debug)]
struct ActiveFault {
    rule: FaultRule,
    seen: u64,
    injected: u64,
    rng: SplitMix,
}

/// A fixed-window rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: u64,
    /// The window length in seconds.
    pub window_secs: u64,
}

#[derive(Debug)]
struct Window {
    limit: RateLimit,
    start_ms: i64,
    used: u64,
}

/// The outcome of the rate limiter for one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateVerdict {
    /// `X-RateLimit-Limit`.
    pub limit: u64,
    /// `X-RateLimit-Remaining`.
    pub remaining: u64,
    /// `X-RateLimit-Reset`: Unix seconds when the window resets.
    pub reset_secs: i64,
    /// `Some(seconds)` when the request is refused (`Retry-After`).
    pub retry_after: Option<u64>,
    /// The window length, for `RateLimit-Policy` (`<limit>;w=<seconds>`).
    pub window_secs: u64,
}

/// All knobs of one emulator.
#[derive(Debug, Default)]
pub struct Knobs {
    requests: AtomicU64,
    faults_injected: AtomicU64,
    rate_limited: AtomicU64,
    latency_ms: AtomicU64,
    by_operation: Mutex<BTreeMap<String, u64>>,
    faults: Mutex<Vec<ActiveFault>>,
    window: Mutex<Option<Window>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Knobs {
    /// Knobs with the given settings.
    pub fn new(latency: Duration, rate_limit: Option<RateLimit>, faults: Vec<FaultRule>) -> Knobs {
        let knobs = Knobs::default();
        knobs.set_latency(latency);
        knobs.set_rate_limit(rate_limit, 0);
        knobs.set_faults(faults);
        knobs
    }

    /// Counts a GraphQL request; returns its number (1-based).
    pub fn count_request(&self) -> u64 {
        self.requests.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Counts an executed operation by name.
    pub fn count_operation(&self, name: &str) {
        *lock(&self.by_operation)
            .entry(name.to_string())
            .or_default() += 1;
    }

    /// The added latency.
    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms.load(Ordering::Relaxed))
    }

    /// Sets the added latency.
    pub fn set_latency(&self, latency: Duration) {
        self.latency_ms
            .store(latency.as_millis() as u64, Ordering::Relaxed);
    }

    /// Replaces the fault rules.
    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        *lock(&self.faults) = rules
            .into_iter()
            .map(|rule| {
                let rng = SplitMix::new(rule.seed.unwrap_or(0));
                ActiveFault {
                    rule,
                    seen: 0,
                    injected: 0,
                    rng,
                }
            })
            .collect();
    }

    /// The fault rules in force.
    pub fn faults(&self) -> Vec<FaultRule> {
        lock(&self.faults).iter().map(|f| f.rule.clone()).collect()
    }

    /// Decides whether this request gets a fault (the first rule that
    /// fires). `operations` names the request: its operation name and its
    /// root fields (empty when it could not be parsed).
    pub fn draw_fault(&self, operations: &[String]) -> Option<Drawn> {
        let mut faults = lock(&self.faults);
        let mut hit = None;
        for f in faults.iter_mut() {
            if let Some(wanted) = &f.rule.operation
                && !operations.iter().any(|name| name == wanted)
            {
                continue;
            }
            f.seen += 1;
            let exhausted = f.rule.times.is_some_and(|t| f.injected >= t);
            // Draw for every request so a seed always gives the same sequence.
            let drawn = f.rule.rate.is_some_and(|r| f.rng.next_f64() < r);
            let fires = !exhausted && (f.rule.nth == Some(f.seen) || drawn);
            if fires && hit.is_none() {
                f.injected += 1;
                hit = Some(Drawn {
                    kind: f.rule.kind.clone(),
                    after: f.rule.after,
                });
            }
        }
        if hit.is_some() {
            self.faults_injected.fetch_add(1, Ordering::Relaxed);
        }
        hit
    }

    /// Sets (or with `None` removes) the rate limit; the window starts now.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>, now_ms: i64) {
        *lock(&self.window) = limit.map(|limit| Window {
            limit,
            start_ms: now_ms,
            used: 0,
        });
    }

    /// Takes one request from the budget.
    pub fn take_rate(&self, now_ms: i64) -> Option<RateVerdict> {
        let mut guard = lock(&self.window);
        let w = guard.as_mut()?;
        let window_ms = (w.limit.window_secs.max(1) * 1000) as i64;
        if now_ms >= w.start_ms + window_ms || w.start_ms == 0 {
            w.start_ms = now_ms;
            w.used = 0;
        }
        let end = w.start_ms + window_ms;
        let reset_secs = (end + 999) / 1000;
        if w.used >= w.limit.limit {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
            let wait = ((end - now_ms).max(0) as u64).div_ceil(1000).max(1);
            return Some(RateVerdict {
                limit: w.limit.limit,
                remaining: 0,
                reset_secs,
                retry_after: Some(wait),
                window_secs: w.limit.window_secs,
            });
        }
        w.used += 1;
        Some(RateVerdict {
            limit: w.limit.limit,
            remaining: w.limit.limit - w.used,
            reset_secs,
            retry_after: None,
            window_secs: w.limit.window_secs,
        })
    }

    /// Requests left in the current window and when it resets (epoch ms).
    pub fn budget(&self) -> Option<(u64, i64)> {
        let guard = lock(&self.window);
        let w = guard.as_ref()?;
        Some((
            w.limit.limit.saturating_sub(w.used),
            w.start_ms + (w.limit.window_secs * 1000) as i64,
        ))
    }

    /// The rate limit in force.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        lock(&self.window).as_ref().map(|w| w.limit)
    }

    /// Counters as JSON for `GET /_emulator/stats`.
    pub fn stats(&self) -> serde_json::Value {
        serde_json::json!({
            "requests": self.requests.load(Ordering::Relaxed),
            "by_operation": *lock(&self.by_operation),
            "faults_injected": self.faults_injected.load(Ordering::Relaxed),
            "rate_limited": self.rate_limited.load(Ordering::Relaxed),
        })
    }

    /// Zeroes the counters and removes faults.
    pub fn reset(&self) {
        self.requests.store(0, Ordering::Relaxed);
        self.faults_injected.store(0, Ordering::Relaxed);
        self.rate_limited.store(0, Ordering::Relaxed);
        lock(&self.by_operation).clear();
        lock(&self.faults).clear();
        if let Some(w) = lock(&self.window).as_mut() {
            w.used = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nth_fires_once() {
        let k = Knobs::new(
            Duration::ZERO,
            None,
            vec![FaultRule {
                kind: FaultKind::Drop,
                nth: Some(2),
                ..FaultRule::default()
            }],
        );
        let kinds = || k.draw_fault(&[]).map(|d| d.kind);
        assert_eq!(
            [kinds(), kinds(), kinds()],
            [None, Some(FaultKind::Drop), None]
        );
    }

    #[test]
    fn seeded_rate_repeats() {
        let rule = FaultRule {
            kind: FaultKind::Cloudflare,
            rate: Some(0.5),
            seed: Some(9),
            ..FaultRule::default()
        };
        let a = Knobs::new(Duration::ZERO, None, vec![rule.clone()]);
        let b = Knobs::new(Duration::ZERO, None, vec![rule]);
        let run = |k: &Knobs| {
            (0..64)
                .map(|_| k.draw_fault(&[]).is_some())
                .collect::<Vec<_>>()
        };
        let (ra, rb) = (run(&a), run(&b));
        assert_eq!(ra, rb);
        let hits = ra.iter().filter(|h| **h).count();
        assert!((16..=48).contains(&hits), "{hits}");
    }

    #[test]
    fn an_operation_rule_sees_only_its_operation() {
        let k = Knobs::new(
            Duration::ZERO,
            None,
            vec![FaultRule {
                kind: FaultKind::Drop,
                after: true,
                operation: Some("volumeCreate".into()),
                nth: Some(2),
                ..FaultRule::default()
            }],
        );
        let batch = ["Batch".to_owned(), "volumeCreate".to_owned()];
        let other = ["Batch".to_owned(), "serviceCreate".to_owned()];
        assert_eq!(k.draw_fault(&batch), None, "first volumeCreate");
        assert_eq!(k.draw_fault(&other), None, "not counted");
        assert_eq!(k.draw_fault(&[]), None, "unparsed: not counted");
        assert_eq!(
            k.draw_fault(&batch),
            Some(Drawn {
                kind: FaultKind::Drop,
                after: true
            }),
            "second volumeCreate"
        );
    }

    #[test]
    fn window_refuses_then_resets() {
        let k = Knobs::new(
            Duration::ZERO,
            Some(RateLimit {
                limit: 2,
                window_secs: 10,
            }),
            vec![],
        );
        let now = 1_000_000;
        assert_eq!(k.take_rate(now).map(|v| v.remaining), Some(1));
        assert_eq!(k.take_rate(now).map(|v| v.remaining), Some(0));
        let refused = k.take_rate(now + 2500).unwrap();
        assert_eq!(refused.retry_after, Some(8));
        assert!(k.take_rate(now + 10_000).unwrap().retry_after.is_none());
    }
}
