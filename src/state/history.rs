//! Apply history: who applied what, when, and how it ended. The start of
//! the audit log.

use std::fmt;
use std::str::FromStr;

use super::actor::Actor;
use super::error::StateError;
use super::store::Store;
use super::time::Timestamp;

/// The number of an apply in the history.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct ApplyId(pub i64);

impl fmt::Display for ApplyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How an apply ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApplyResult {
    /// Every change was made.
    Succeeded,
    /// Some changes were made, some were not (see the summary).
    Partial,
    /// Nothing was changed.
    Failed,
}

impl ApplyResult {
    /// The stable name stored and printed.
    pub const fn as_str(self) -> &'static str {
        match self {
            ApplyResult::Succeeded => "succeeded",
            ApplyResult::Partial => "partial",
            ApplyResult::Failed => "failed",
        }
    }
}

impl fmt::Display for ApplyResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApplyResult {
    type Err = StateError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "succeeded" => Ok(ApplyResult::Succeeded),
            "partial" => Ok(ApplyResult::Partial),
            "failed" => Ok(ApplyResult::Failed),
            other => Err(StateError::Invalid(format!(
                "unknown apply result `{other}`"
            ))),
        }
    }
}

/// The start of an apply, as the caller describes it.
///
/// `plan` must already be redacted: sensitive values replaced by
/// `(sensitive)` or a marker. It is stored as given.
#[derive(Debug, Clone)]
pub struct NewApply<'a> {
    /// The project name.
    pub project: &'a str,
    /// The environments the apply touches (names).
    pub environments: &'a [String],
    /// Who runs it.
    pub actor: &'a Actor,
    /// The redacted plan (the versioned plan JSON).
    pub plan: &'a serde_json::Value,
}

/// One apply in the history.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ApplyRecord {
    /// Its number.
    pub id: ApplyId,
    /// The project name.
    pub project: String,
    /// The environments it touched.
    pub environments: Vec<String>,
    /// Who ran it, as `user@host`.
    pub actor: String,
    /// The process that ran it.
    pub pid: u32,
    /// When it started.
    pub started_at: Timestamp,
    /// When it finished (`None` while running, or if the process died).
    pub finished_at: Option<Timestamp>,
    /// How it ended (`None` while running, or if the process died).
    pub result: Option<ApplyResult>,
    /// The caller's summary of what was and was not done.
    pub summary: Option<String>,
    /// The redacted plan.
    pub plan: serde_json::Value,
}

/// Which applies to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// Only this project.
    pub project: Option<String>,
    /// Only applies that touched this environment.
    pub environment: Option<String>,
    /// At most this many, newest first (`None`: all).
    pub limit: Option<usize>,
}

impl Store {
    /// Record the start of an apply; returns its number for
    /// [`Store::finish_apply`].
    pub fn begin_apply(&self, apply: &NewApply<'_>) -> Result<ApplyId, StateError> {
        todo!()
    }

    /// Record how apply `id` ended, with a summary of what was and was not
    /// done.
    pub fn finish_apply(
        &self,
        id: ApplyId,
        result: ApplyResult,
        summary: &str,
    ) -> Result<(), StateError> {
        todo!()
    }

    /// Applies matching `filter`, newest first.
    pub fn history(&self, filter: &HistoryFilter) -> Result<Vec<ApplyRecord>, StateError> {
        todo!()
    }

    /// One apply by number.
    pub fn apply(&self, id: ApplyId) -> Result<Option<ApplyRecord>, StateError> {
        todo!()
    }
}
