//! Apply history: who applied what, when, and how it ended. The start of
//! the audit log.

use std::fmt;
use std::str::FromStr;

use super::db::{Conn, Row, values};

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
        let plan = serde_json::to_string(apply.plan)
            .map_err(|e| StateError::Invalid(format!("the plan cannot be stored: {e}")))?;
        let now = self.now().0;
        let id = self.transaction(|tx| {
            let id = tx
                .query_one(
                    "INSERT INTO applies (project, actor, pid, started_at, plan) \
                     VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                    values![
                        apply.project,
                        apply.actor.to_string(),
                        i64::from(apply.actor.pid),
                        now,
                        plan.as_str(),
                    ],
                )?
                .int(0)?;
            for environment in apply.environments {
                tx.execute(
                    "INSERT INTO apply_environments (apply_id, environment) VALUES (?1, ?2) \
                     ON CONFLICT (apply_id, environment) DO NOTHING",
                    values![id, environment],
                )?;
            }
            Ok(id)
        })?;
        Ok(ApplyId(id))
    }

    /// Record how apply `id` ended, with a summary of what was and was not
    /// done.
    pub fn finish_apply(
        &self,
        id: ApplyId,
        result: ApplyResult,
        summary: &str,
    ) -> Result<(), StateError> {
        let now = self.now().0;
        let updated = self.with(|conn| {
            conn.execute(
                "UPDATE applies SET finished_at = ?2, result = ?3, summary = ?4 WHERE id = ?1",
                values![id.0, now, result.as_str(), summary],
            )
        })?;
        if updated == 0 {
            return Err(StateError::Invalid(format!(
                "there is no apply number {id}"
            )));
        }
        Ok(())
    }

    /// When `project` was last applied (the latest apply's end, or its
    /// start while it runs), without reading any apply's plan.
    pub fn last_apply_at(&self, project: &str) -> Result<Option<Timestamp>, StateError> {
        let row = self.with(|conn| {
            conn.query_one(
                "SELECT MAX(COALESCE(finished_at, started_at)) FROM applies WHERE project = ?1",
                values![project],
            )
        })?;
        Ok(row.opt_int(0)?.map(Timestamp))
    }

    /// Applies matching `filter`, newest first.
    pub fn history(&self, filter: &HistoryFilter) -> Result<Vec<ApplyRecord>, StateError> {
        let limit = filter
            .limit
            .map_or(i64::MAX, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let sql = format!(
            "SELECT {COLUMNS} FROM applies a \
             WHERE (CAST(?1 AS TEXT) IS NULL OR a.project = ?1) \
               AND (CAST(?2 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM apply_environments e \
                    WHERE e.apply_id = a.id AND e.environment = ?2)) \
             ORDER BY a.id DESC LIMIT ?3"
        );
        self.with(|conn| {
            let rows = conn.query(
                &sql,
                values![
                    filter.project.as_deref(),
                    filter.environment.as_deref(),
                    limit
                ],
            )?;
            rows.iter()
                .map(|row| read_row(row)?.into_record(conn))
                .collect()
        })
    }

    /// One apply by number.
    pub fn apply(&self, id: ApplyId) -> Result<Option<ApplyRecord>, StateError> {
        let sql = format!("SELECT {COLUMNS} FROM applies a WHERE a.id = ?1");
        self.with(|conn| {
            let row = conn.query_opt(&sql, values![id.0])?;
            row.map(|row| read_row(&row)?.into_record(conn)).transpose()
        })
    }
}

const COLUMNS: &str =
    "a.id, a.project, a.actor, a.pid, a.started_at, a.finished_at, a.result, a.summary, a.plan";

struct RawApply {
    id: i64,
    project: String,
    actor: String,
    pid: i64,
    started_at: i64,
    finished_at: Option<i64>,
    result: Option<String>,
    summary: Option<String>,
    plan: String,
}

fn read_row(row: &Row) -> Result<RawApply, StateError> {
    Ok(RawApply {
        id: row.int(0)?,
        project: row.text(1)?,
        actor: row.text(2)?,
        pid: row.int(3)?,
        started_at: row.int(4)?,
        finished_at: row.opt_int(5)?,
        result: row.opt_text(6)?,
        summary: row.opt_text(7)?,
        plan: row.text(8)?,
    })
}

impl RawApply {
    fn into_record(self, conn: &mut dyn Conn) -> Result<ApplyRecord, StateError> {
        let mut environments = conn
            .query(
                "SELECT environment FROM apply_environments WHERE apply_id = ?1",
                values![self.id],
            )?
            .iter()
            .map(|row| row.text(0))
            .collect::<Result<Vec<String>, _>>()?;
        environments.sort();
        let plan = serde_json::from_str(&self.plan).map_err(|e| {
            StateError::Invalid(format!("the plan of apply {} is not JSON: {e}", self.id))
        })?;
        Ok(ApplyRecord {
            id: ApplyId(self.id),
            project: self.project,
            environments,
            actor: self.actor,
            pid: u32::try_from(self.pid).unwrap_or(0),
            started_at: Timestamp(self.started_at),
            finished_at: self.finished_at.map(Timestamp),
            result: self.result.as_deref().map(str::parse).transpose()?,
            summary: self.summary,
            plan,
        })
    }
}
