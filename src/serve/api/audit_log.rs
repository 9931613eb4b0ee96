//! `GET /api/audit`: the audit log of the projects the caller is admin
//! of, as JSON pages (`?before=ID`), or exported whole as NDJSON or CSV
//! (`?format=ndjson|csv`), streamed page by page.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Extension, Query};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::{ApiError, Caller, blocking};
use crate::auth::{Action, Target};
use crate::serve::server::App;
use crate::state::{AuditFilter, AuditOutcome, AuditRecord, Timestamp};

/// The most entries an export holds.
const MAX_EXPORT: usize = 100_000;
/// A page of the JSON answer, by default.
const DEFAULT_PAGE: usize = 100;

pub(super) fn routes() -> Router<Arc<App>> {
    Router::new().route("/api/audit", get(audit))
}

/// An entry as JSON (also one NDJSON line).
pub fn entry_json(record: &AuditRecord) -> Value {
    let e = &record.entry;
    json!({
        "id": record.id,
        "at": record.at.0,
        "actor": e.actor,
        "actor_role": e.actor_role,
        "via": e.via,
        "action": e.action,
        "project": e.project,
        "target": e.target,
        "address": e.address,
        "outcome": e.outcome.as_str(),
        "summary": e.summary,
        "request_id": e.request_id,
    })
}

/// The CSV header of an export.
pub const CSV_HEADER: &str =
    "id,at,actor,actor_role,via,action,project,target,address,outcome,summary,request_id\n";

fn csv_field(text: &str) -> String {
    // A leading `=`, `+`, `-`, `@` would be a formula in a spreadsheet.
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// An entry as one CSV line.
pub fn entry_csv(record: &AuditRecord) -> String {
    let e = &record.entry;
    let opt = |v: &Option<String>| csv_field(v.as_deref().unwrap_or(""));
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{}\n",
        record.id,
        record.at.0,
        opt(&e.actor),
        opt(&e.actor_role),
        opt(&e.via),
        csv_field(&e.action),
        opt(&e.project),
        opt(&e.target),
        opt(&e.address),
        e.outcome.as_str(),
        csv_field(&e.summary),
        opt(&e.request_id),
    )
}

/// `24h` (that long ago) or Unix seconds.
pub fn parse_time(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(Timestamp(seconds));
    }
    let ago = crate::resolve::value::parse_duration(text)?;
    Ok(Timestamp(
        now.0.saturating_sub(i64::try_from(ago).unwrap_or(i64::MAX)),
    ))
}

fn bad(message: String) -> ApiError {
    ApiError::bad_request(
        message,
        "filters: `project`, `actor`, `action`, `outcome` (ok|refused|failed), `since`/`until` (`24h` ago or Unix seconds), `before` (an id), `limit` (1–1000), `format` (json|ndjson|csv)",
    )
}

/// The filter of an audit query (`project`, `actor`, `action`,
/// `outcome`, `since`, `until`, `before`, `limit`): the projects the
/// caller may read the audit of (`project` authorized with
/// `Action::ReadAudit`, a refusal recorded). Blocking.
pub(in crate::serve) fn audit_filter(
    caller: &Caller,
    query: &HashMap<String, String>,
) -> Result<AuditFilter, ApiError> {
    let now = caller.store().now();
    let projects = match query.get("project") {
        Some(project) => {
            caller.authorize(
                Action::ReadAudit,
                &Target {
                    project: Some(project),
                    owner: None,
                },
            )?;
            vec![project.clone()]
        }
        None => caller
            .principal
            .roles
            .keys()
            .filter(|p| {
                crate::auth::authorize(
                    &caller.principal,
                    Action::ReadAudit,
                    &Target {
                        project: Some(p),
                        owner: None,
                    },
                ) == crate::auth::Decision::Allow
            })
            .cloned()
            .collect(),
    };
    let time = |key: &str| {
        query
            .get(key)
            .map(|t| parse_time(t, now).map_err(|e| bad(format!("`{key}`: {e}"))))
            .transpose()
    };
    let number = |key: &str| {
        query
            .get(key)
            .map(|t| {
                t.parse::<i64>()
                    .map_err(|_| bad(format!("`{key}` must be a number")))
            })
            .transpose()
    };
    Ok(AuditFilter {
        projects: Some(projects),
        actor: query.get("actor").cloned(),
        action: query.get("action").cloned(),
        outcome: query
            .get("outcome")
            .map(|o| AuditOutcome::parse(o).ok_or_else(|| bad(format!("`{o}` is not an outcome"))))
            .transpose()?,
        since: time("since")?,
        until: time("until")?,
        before: number("before")?,
        limit: number("limit")?.map_or(DEFAULT_PAGE, |n| n.clamp(1, 1000) as usize),
    })
}

/// One page of the audit log for `query` (as [`audit_filter`] reads
/// it): the entries, newest first, and the `before` of the next page
/// when this one is full.
pub(in crate::serve) async fn audit_page(
    caller: &Caller,
    query: HashMap<String, String>,
) -> Result<(Vec<AuditRecord>, Option<i64>), ApiError> {
    let caller = caller.clone();
    blocking(move || {
        let filter = audit_filter(&caller, &query)?;
        Ok(page_of(caller.store(), &filter)?)
    })
    .await
}

fn page_of(
    store: &crate::state::Store,
    filter: &AuditFilter,
) -> Result<(Vec<AuditRecord>, Option<i64>), crate::state::StateError> {
    let limit = filter.limit.clamp(1, crate::state::MAX_AUDIT_PAGE);
    let page = store.audit(filter)?;
    // A full page may have more behind it.
    let next = (page.len() >= limit)
        .then(|| page.last().map(|r| r.id))
        .flatten();
    Ok((page, next))
}

async fn audit(
    Extension(caller): Extension<Caller>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let store = caller.store().clone();
    let format = query
        .get("format")
        .map_or("json", String::as_str)
        .to_owned();
    if !["json", "ndjson", "csv"].contains(&format.as_str()) {
        return Err(bad(format!("`{format}` is not a format")));
    }
    let filter = blocking(move || audit_filter(&caller, &query)).await?;
    let store = store.clone();
    if format == "json" {
        let (page, next) = blocking(move || Ok(page_of(&store, &filter)?)).await?;
        let entries: Vec<Value> = page.iter().map(entry_json).collect();
        return Ok(Json(json!({ "entries": entries, "next_before": next })).into_response());
    }
    // An export: pages read on a blocking thread, sent as they come.
    let (sender, receiver) = tokio::sync::mpsc::channel::<String>(4);
    let csv = format == "csv";
    tokio::task::spawn_blocking(move || {
        let mut filter = AuditFilter {
            limit: 1000,
            ..filter
        };
        if csv && sender.blocking_send(CSV_HEADER.to_owned()).is_err() {
            return;
        }
        let mut sent = 0;
        while sent < MAX_EXPORT {
            let page = match store.audit(&filter) {
                Ok(page) => page,
                Err(error) => {
                    crate::serve::log::error("audit.export_failed", &[("error", &error)]);
                    return;
                }
            };
            let Some(last) = page.last() else { return };
            filter.before = Some(last.id);
            sent += page.len();
            let chunk: String = page
                .iter()
                .map(|r| {
                    if csv {
                        entry_csv(r)
                    } else {
                        format!("{}\n", entry_json(r))
                    }
                })
                .collect();
            if sender.blocking_send(chunk).is_err() {
                return;
            }
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|chunk| (Ok::<_, std::convert::Infallible>(chunk), receiver))
    });
    let content_type = if csv {
        "text/csv; charset=utf-8"
    } else {
        "application/x-ndjson"
    };
    Ok((
        [(header::CONTENT_TYPE, content_type)],
        Body::from_stream(stream),
    )
        .into_response())
}
