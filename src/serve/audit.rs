//! Recording in the audit log: the one function other rooms of serve
//! (environments, drift) call, [`record`]. A failure to record is logged,
//! never turned into the request's failure (the change is already made).

use crate::state::Store;
pub use crate::state::{AuditEntry as Entry, AuditOutcome as Outcome};

use super::log;

/// Appends `entry` to the audit log of `store` (blocking: call it from
/// `spawn_blocking` or a blocking handler).
pub fn record(store: &Store, entry: Entry) {
    if let Err(error) = store.record_audit(&entry) {
        log::error(
            "audit.record_failed",
            &[
                ("action", &entry.action),
                ("outcome", &entry.outcome.as_str()),
                ("error", &error),
            ],
        );
    }
}
