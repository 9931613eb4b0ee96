//! The audit log of `mirage serve`: who (user id and role at the time),
//! did what, to what, from where, how it ended. Never a secret value: the
//! summary is written by serve from names and ids only.
//!
//! Read newest first by `id` with keyset pagination (`before`): a page is
//! one indexed range scan however long the log grows.

use super::db::{Conn, Value, values};
use super::error::StateError;
use super::store::Store;
use super::time::Timestamp;

/// The largest page [`Store::audit`] returns.
pub const MAX_AUDIT_PAGE: usize = 1000;

/// How an audited request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditOutcome {
    /// Done.
    Ok,
    /// Refused (unauthenticated, forbidden, not found for this caller).
    Refused,
    /// Allowed, but it failed.
    Failed,
}

impl AuditOutcome {
    /// `ok`, `refused` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Refused => "refused",
            AuditOutcome::Failed => "failed",
        }
    }

    /// The outcome called `name`.
    pub fn parse(name: &str) -> Option<AuditOutcome> {
        match name {
            "ok" => Some(AuditOutcome::Ok),
            "refused" => Some(AuditOutcome::Refused),
            "failed" => Some(AuditOutcome::Failed),
            _ => None,
        }
    }
}

/// A new entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// The user's id (`None`: not authenticated).
    pub actor: Option<String>,
    /// Their role in the project at the time.
    pub actor_role: Option<String>,
    /// How they came (`jwt`, `token:tok_…`, `session`, `webhook`).
    pub via: Option<String>,
    /// What was asked (`members.set`, `tokens.create`…).
    pub action: String,
    /// The project.
    pub project: Option<String>,
    /// The object (a user id, a token id…).
    pub target: Option<String>,
    /// The client's address.
    pub address: Option<String>,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// What happened, in words (never a secret).
    pub summary: String,
    /// The request's id (also in serve's log).
    pub request_id: Option<String>,
}

/// An entry as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// Its id (increasing).
    pub id: i64,
    /// When.
    pub at: Timestamp,
    /// The entry.
    pub entry: AuditEntry,
}

/// Which entries to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only these projects (`None`: all; an empty list: none).
    pub projects: Option<Vec<String>>,
    /// Only this actor.
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this outcome.
    pub outcome: Option<AuditOutcome>,
    /// At or after.
    pub since: Option<Timestamp>,
    /// Before.
    pub until: Option<Timestamp>,
    /// Only ids below this one (the previous page's last id).
    pub before: Option<i64>,
    /// At most this many (capped at [`MAX_AUDIT_PAGE`]).
    pub limit: usize,
}

impl Store {
    /// Appends `entry`; its id.
    pub fn record_audit(&self, entry: &AuditEntry) -> Result<i64, StateError> {
        let now = self.now();
        self.with(|conn| insert(conn, now, entry))
    }

    /// Entries matching `filter`, newest first.
    pub fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StateError> {
        let mut clauses = Vec::new();
        let mut params: Vec<Value> = Vec::new();
        let param = |value: Value, params: &mut Vec<Value>| {
            params.push(value);
            format!("?{}", params.len())
        };
        if let Some(projects) = &filter.projects {
            if projects.is_empty() {
                return Ok(Vec::new());
            }
            let list: Vec<String> = projects
                .iter()
                .map(|p| param(p.into(), &mut params))
                .collect();
            clauses.push(format!("project IN ({})", list.join(", ")));
        }
        if let Some(actor) = &filter.actor {
            clauses.push(format!("actor = {}", param(actor.into(), &mut params)));
        }
        if let Some(action) = &filter.action {
            clauses.push(format!("action = {}", param(action.into(), &mut params)));
        }
        if let Some(outcome) = filter.outcome {
            clauses.push(format!(
                "outcome = {}",
                param(outcome.as_str().into(), &mut params)
            ));
        }
        if let Some(since) = filter.since {
            clauses.push(format!("at >= {}", param(since.0.into(), &mut params)));
        }
        if let Some(until) = filter.until {
            clauses.push(format!("at < {}", param(until.0.into(), &mut params)));
        }
        if let Some(before) = filter.before {
            clauses.push(format!("id < {}", param(before.into(), &mut params)));
        }
        let limit = filter.limit.clamp(1, MAX_AUDIT_PAGE) as i64;
        let limit = param(limit.into(), &mut params);
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        let sql = format!(
            "SELECT id, at, actor, actor_role, via, action, project, target, address, outcome, \
             summary, request_id FROM audit_log {filter} ORDER BY id DESC LIMIT {limit}"
        );
        self.with(|conn| {
            conn.query(&sql, &params)?
                .iter()
                .map(|row| {
                    let outcome = row.text(9)?;
                    Ok(AuditRecord {
                        id: row.int(0)?,
                        at: Timestamp(row.int(1)?),
                        entry: AuditEntry {
                            actor: row.opt_text(2)?,
                            actor_role: row.opt_text(3)?,
                            via: row.opt_text(4)?,
                            action: row.text(5)?,
                            project: row.opt_text(6)?,
                            target: row.opt_text(7)?,
                            address: row.opt_text(8)?,
                            outcome: AuditOutcome::parse(&outcome).ok_or_else(|| {
                                StateError::Invalid(format!("unknown audit outcome `{outcome}`"))
                            })?,
                            summary: row.text(10)?,
                            request_id: row.opt_text(11)?,
                        },
                    })
                })
                .collect()
        })
    }
}

/// Appends `entry` at `at` on `conn` (inside a transaction of whatever
/// it records, so that the change and its entry are written together);
/// its id.
pub(super) fn insert(
    conn: &mut dyn Conn,
    at: Timestamp,
    entry: &AuditEntry,
) -> Result<i64, StateError> {
    conn.query_one(
        "INSERT INTO audit_log (at, actor, actor_role, via, action, project, target, \
         address, outcome, summary, request_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
        values![
            at.0,
            entry.actor.as_deref(),
            entry.actor_role.as_deref(),
            entry.via.as_deref(),
            entry.action.as_str(),
            entry.project.as_deref(),
            entry.target.as_deref(),
            entry.address.as_deref(),
            entry.outcome.as_str(),
            entry.summary.as_str(),
            entry.request_id.as_deref()
        ],
    )?
    .int(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(project: &str, outcome: AuditOutcome) -> AuditEntry {
        AuditEntry {
            actor: Some("usr_1".into()),
            actor_role: Some("admin".into()),
            via: Some("jwt".into()),
            action: "members.set".into(),
            project: Some(project.into()),
            target: None,
            address: None,
            outcome,
            summary: "x".into(),
            request_id: None,
        }
    }

    #[test]
    fn pages_newest_first_with_filters() {
        let store = Store::open_in_memory().unwrap();
        for i in 0..5 {
            let project = if i % 2 == 0 { "a" } else { "b" };
            store
                .record_audit(&entry(project, AuditOutcome::Ok))
                .unwrap();
        }
        store
            .record_audit(&entry("a", AuditOutcome::Refused))
            .unwrap();
        let page = store
            .audit(&AuditFilter {
                projects: Some(vec!["a".into()]),
                limit: 2,
                ..AuditFilter::default()
            })
            .unwrap();
        assert_eq!(page.iter().map(|r| r.id).collect::<Vec<_>>(), vec![6, 5]);
        let next = store
            .audit(&AuditFilter {
                projects: Some(vec!["a".into()]),
                before: Some(5),
                limit: 10,
                ..AuditFilter::default()
            })
            .unwrap();
        assert_eq!(next.iter().map(|r| r.id).collect::<Vec<_>>(), vec![3, 1]);
        let refused = store
            .audit(&AuditFilter {
                outcome: Some(AuditOutcome::Refused),
                limit: 10,
                ..AuditFilter::default()
            })
            .unwrap();
        assert_eq!(refused.len(), 1);
        assert!(
            store
                .audit(&AuditFilter {
                    projects: Some(vec![]),
                    limit: 10,
                    ..AuditFilter::default()
                })
                .unwrap()
                .is_empty()
        );
    }
}
