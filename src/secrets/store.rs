//! `store:NAME`: a secret kept in Mirage's own encrypted store in the state
//! database. (Issue #21: being written.)

use super::providers::Providers;
use super::source::{Place, Read, Unreadable};
use crate::model::SecretRef;

/// Reads each `store:` reference.
pub fn read(_providers: &Providers, _place: &Place, refs: &[SecretRef]) -> Vec<Read> {
    refs.iter()
        .map(|_| {
            Err(Unreadable::new(
                "store secrets are not read yet",
                "use `env:`, `file:` or `cmd:` for now",
            ))
        })
        .collect()
}
