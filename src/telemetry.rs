//! Process-wide counters that rooms outside `serve` bump and `mirage
//! serve`'s `/metrics` reads ([`crate::serve::metrics`]): requests sent to
//! Railway, the rate-limit budget Railway last announced, applies by
//! outcome. Plain atomics: counting costs nothing when nobody scrapes.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

static RAILWAY_REQUESTS: AtomicU64 = AtomicU64::new(0);
/// `X-RateLimit-Remaining` of Railway's last answer; -1 when none said it.
static RAILWAY_REMAINING: AtomicI64 = AtomicI64::new(-1);
static APPLIES: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

/// How an apply ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplyOutcome {
    /// Every step done.
    Succeeded,
    /// Some steps done, then a failure.
    Partial,
    /// Nothing done.
    Failed,
}

impl ApplyOutcome {
    /// Every outcome, in the order of [`ApplyOutcome::as_str`].
    pub const ALL: [ApplyOutcome; 3] = [
        ApplyOutcome::Succeeded,
        ApplyOutcome::Partial,
        ApplyOutcome::Failed,
    ];

    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            ApplyOutcome::Succeeded => "succeeded",
            ApplyOutcome::Partial => "partial",
            ApplyOutcome::Failed => "failed",
        }
    }
}

/// One HTTP request sent to Railway (retries included).
pub fn railway_request() {
    RAILWAY_REQUESTS.fetch_add(1, Ordering::Relaxed);
}

/// Railway's `X-RateLimit-Remaining`, when an answer carried it.
pub fn railway_remaining(remaining: u64) {
    RAILWAY_REMAINING.store(
        i64::try_from(remaining).unwrap_or(i64::MAX),
        Ordering::Relaxed,
    );
}

/// An apply finished.
pub fn apply_finished(outcome: ApplyOutcome) {
    APPLIES[outcome as usize].fetch_add(1, Ordering::Relaxed);
}

/// Requests sent to Railway by this process.
pub fn railway_requests() -> u64 {
    RAILWAY_REQUESTS.load(Ordering::Relaxed)
}

/// The rate-limit budget Railway last announced, if any.
pub fn railway_budget() -> Option<u64> {
    u64::try_from(RAILWAY_REMAINING.load(Ordering::Relaxed)).ok()
}

/// Applies by outcome, by this process.
pub fn applies(outcome: ApplyOutcome) -> u64 {
    APPLIES[outcome as usize].load(Ordering::Relaxed)
}
