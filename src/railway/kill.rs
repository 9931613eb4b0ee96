//! Test-only fault hook: `MIRAGE_TEST_KILL_AFTER_REQUESTS=N` aborts the
//! process (`std::process::abort`, as abrupt as `SIGKILL`: no destructor,
//! no flush, no lock release) as soon as the response to the `N`th HTTP
//! request has been received, before the caller sees it. Railway has then
//! done the work and Mirage has not recorded it: the worst moment to die.
//!
//! Only the kill-point tests (`tests/integration/apply_kill.rs`) set it; it exists so
//! they can prove that `mirage apply` run again after a crash converges
//! with no duplicate and no orphan. Unset (always, in real use) it costs
//! one atomic load per request.

use std::io::Write;
use std::sync::OnceLock;

/// The environment variable read once per process.
pub const KILL_AFTER_REQUESTS: &str = "MIRAGE_TEST_KILL_AFTER_REQUESTS";

fn kill_point() -> Option<u64> {
    static POINT: OnceLock<Option<u64>> = OnceLock::new();
    *POINT.get_or_init(|| {
        std::env::var(KILL_AFTER_REQUESTS)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .filter(|n| *n > 0)
    })
}

/// Called with the number (from 1) of the request whose response just
/// arrived; aborts when it is the configured kill point.
pub(crate) fn after_response(number: u64) {
    if kill_point() == Some(number) {
        let _ = writeln!(
            std::io::stderr(),
            "{KILL_AFTER_REQUESTS}: killed after request {number}"
        );
        std::process::abort();
    }
}
