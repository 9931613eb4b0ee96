//! Deadlines of ephemeral environments (pull-request previews): when they
//! should be destroyed.

use super::error::StateError;
use super::store::Store;
use super::time::Timestamp;

/// The deadline of one environment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TtlEntry {
    /// The project name.
    pub project: String,
    /// The environment name.
    pub environment: String,
    /// When it expires.
    pub expires_at: Timestamp,
    /// Who set the deadline, as `user@host`.
    pub set_by: String,
}

impl Store {
    /// Set (or move) the deadline of an environment.
    pub fn set_ttl(
        &self,
        project: &str,
        environment: &str,
        expires_at: Timestamp,
        set_by: &str,
    ) -> Result<(), StateError> {
        todo!()
    }

    /// Remove the deadline of an environment (made permanent, or
    /// destroyed). Returns whether there was one.
    pub fn clear_ttl(&self, project: &str, environment: &str) -> Result<bool, StateError> {
        todo!()
    }

    /// The deadline of an environment, if any.
    pub fn ttl(&self, project: &str, environment: &str) -> Result<Option<TtlEntry>, StateError> {
        todo!()
    }

    /// Every deadline, soonest first.
    pub fn ttls(&self) -> Result<Vec<TtlEntry>, StateError> {
        todo!()
    }

    /// Environments whose deadline is at or before `now`, soonest first.
    pub fn expired(&self, now: Timestamp) -> Result<Vec<TtlEntry>, StateError> {
        todo!()
    }
}
