//! The served projects: the list the caller can read, a project's
//! overview (cached, with `ETag`), its templates, plan and apply of the
//! whole project (admin), and its statistics (admin).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Digest as _;

use super::{ApiError, Caller, blocking, engine_for, engine_or_error, failure_error, json_body};
use crate::auth::Action;
use crate::serve::audit::Outcome;
use crate::serve::catalog::{self, Overview};
use crate::serve::environments::{self, ApplyPayload};
use crate::serve::server::App;
use crate::state::{HistoryFilter, Timestamp};

/// How many days of applies the statistics count.
pub const STATS_DAYS: i64 = 30;

pub(super) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/projects", get(list))
        .route("/api/projects/{project}", get(overview))
        .route("/api/projects/{project}/templates", get(templates))
        .route("/api/projects/{project}/plan", post(plan))
        .route("/api/projects/{project}/apply", post(apply))
        .route("/api/projects/{project}/stats", get(stats))
}

/// The overview of `project` through the cache.
pub(in crate::serve) async fn cached_overview(
    app: &App,
    project: &str,
) -> Result<Arc<Overview>, ApiError> {
    let (context, dir) = super::railway_engine(app, project).await?;
    app.catalog
        .overview(
            project,
            || async move { catalog::read(&context, &dir).await },
        )
        .await
        .map_err(|f| failure_error(&f))
}

/// A brief problem (what the projects list says of a project it could
/// not read).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProblemBrief {
    /// Its stable code.
    pub code: String,
    /// What went wrong.
    pub message: String,
}

/// One project of the list the caller can read.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProjectSummary {
    /// The project.
    pub name: String,
    /// The caller's role in it (`viewer`, `member`, `admin`).
    pub role: String,
    /// Its counts, when its overview could be read.
    pub counts: Option<catalog::Counts>,
    /// Why its overview could not be read, if it could not.
    pub error: Option<ProblemBrief>,
    /// Whether this service has the project's files (it can plan, create
    /// and read it; otherwise another replica serves it).
    pub managed: bool,
    /// The latest of its applies, jobs and audit entries, if any.
    pub last_activity: Option<Timestamp>,
}

/// The projects `caller` can read, in the order this service serves
/// them. A project whose files or Railway cannot be read is still
/// listed, without counts, and says why. Each costs its cached overview
/// (no Railway request while fresh) and three one-row queries.
pub(in crate::serve) async fn summaries(app: &App, caller: &Caller) -> Vec<ProjectSummary> {
    let mut projects = Vec::new();
    for project in super::served(app) {
        let Some(role) = caller.role_in(&project) else {
            continue;
        };
        let managed = engine_for(app, &project).is_some();
        let (counts, error) = if managed {
            match cached_overview(app, &project).await {
                Ok(overview) => (Some(overview.counts.clone()), None),
                Err(error) => (
                    None,
                    Some(ProblemBrief {
                        code: error.code.to_owned(),
                        message: error.message,
                    }),
                ),
            }
        } else {
            (None, None)
        };
        let (store, name) = (caller.store().clone(), project.clone());
        // The list never fails for want of a date: `None` on error.
        let last_activity = blocking(move || Ok(last_activity(&store, &name)))
            .await
            .ok()
            .flatten();
        projects.push(ProjectSummary {
            name: project,
            role: role.as_str().to_owned(),
            counts,
            error,
            managed,
            last_activity,
        });
    }
    projects
}

/// The latest of `project`'s applies, jobs and audit entries (blocking;
/// `None` when it has none or the database cannot say).
fn last_activity(store: &crate::state::Store, project: &str) -> Option<Timestamp> {
    // Not `history`: each apply it reads carries its whole plan.
    let apply = store.last_apply_at(project).ok().flatten();
    let job = store
        .last_job_activity(project)
        .ok()
        .flatten()
        .map(Timestamp);
    let audit = store
        .audit(&crate::state::AuditFilter {
            projects: Some(vec![project.to_owned()]),
            limit: 1,
            ..crate::state::AuditFilter::default()
        })
        .ok()
        .and_then(|a| a.first().map(|r| r.at));
    [apply, job, audit].into_iter().flatten().max()
}

async fn list(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "projects": summaries(&app, &caller).await })))
}

async fn overview(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    super::allow(&caller, Action::Read, &project).await?;
    let overview = cached_overview(&app, &project).await?;
    let body = serde_json::to_vec(&*overview).map_err(|_| ApiError::internal())?;
    let digest = sha2::Sha256::digest(&body);
    let etag = format!(
        "\"{}\"",
        digest[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let max_age = app.config.overview_ttl.as_secs();
    let cache = format!("private, max-age={max_age}");
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if let Ok(value) = HeaderValue::from_str(&cache) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    Ok(response)
}

async fn templates(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
) -> Result<Json<Value>, ApiError> {
    super::allow(&caller, Action::Read, &project).await?;
    let (_, dir) = engine_or_error(&app, &project)?;
    let templates = blocking(move || {
        let loaded = crate::engine::load(&dir).map_err(|f| failure_error(&f))?;
        Ok(environments::templates(&loaded))
    })
    .await?;
    Ok(Json(json!({ "project": project, "templates": templates })))
}

async fn plan(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
) -> Result<Json<Value>, ApiError> {
    super::allow(&caller, Action::ApplyProject, &project).await?;
    let (context, dir) = super::railway_engine(&app, &project).await?;
    let plan = environments::plan(&context, &dir)
        .await
        .map_err(|f| failure_error(&f))?;
    Ok(Json(plan))
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplyBody {
    /// Whether the apply may destroy (never what is protected).
    #[serde(default)]
    allow_destroy: bool,
}

/// The counts of a plan's JSON, for the audit log (never a value).
fn plan_summary(plan: &Value) -> String {
    let summary = &plan["summary"];
    match summary.as_object() {
        Some(counts) => counts
            .iter()
            .filter_map(|(k, v)| v.as_u64().map(|n| format!("{n} {k}")))
            .collect::<Vec<_>>()
            .join(", "),
        None => "no summary".to_owned(),
    }
}

async fn apply(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    super::allow(&caller, Action::ApplyProject, &project).await?;
    let body = super::read_body(body)?;
    let request: ApplyBody = if body.iter().all(u8::is_ascii_whitespace) {
        ApplyBody::default()
    } else {
        json_body(&body)?
    };
    let (context, dir) = super::railway_engine(&app, &project).await?;
    // The plan as it stands now: its counts go into the audit log.
    let plan = environments::plan(&context, &dir)
        .await
        .map_err(|f| failure_error(&f))?;
    let summary = plan_summary(&plan);
    let max_attempts = app.config.max_attempts;
    let (store, by, project_name) = (
        caller.store().clone(),
        caller.user.id.clone(),
        project.clone(),
    );
    let job = {
        let caller = caller.clone();
        blocking(move || {
            let job = environments::request_apply(
                &store,
                &project_name,
                &ApplyPayload {
                    allow_destroy: request.allow_destroy,
                    by,
                },
                max_attempts,
            )
            .map_err(|f| failure_error(&f))?;
            caller.record(
                "project.apply",
                Some(&project_name),
                Some(&format!("job:{job}")),
                Outcome::Ok,
                format!(
                    "apply queued (job {job}, allow_destroy={}): plan {summary}",
                    request.allow_destroy
                ),
            );
            Ok(job)
        })
        .await?
    };
    app.wake.notify_one();
    app.catalog.invalidate(&project);
    Ok(super::environments::accepted_job(job, json!({})))
}

async fn stats(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
) -> Result<Json<Value>, ApiError> {
    statistics(&app, &caller, &project).await.map(Json)
}

/// The statistics of `project` (admin), as `GET …/stats` answers them:
/// also what the dashboard's statistics page draws.
pub(in crate::serve) async fn statistics(
    app: &App,
    caller: &Caller,
    project: &str,
) -> Result<Value, ApiError> {
    let project = project.to_owned();
    super::allow(caller, Action::Administer, &project).await?;
    let overview = cached_overview(app, &project).await?;
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for environment in &overview.environments {
        let kind = serde_json::to_value(environment.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        *by_kind.entry(kind).or_default() += 1;
    }
    let (store, name) = (caller.store().clone(), project.clone());
    let (applies, jobs) = blocking(move || {
        let now = store.now().0;
        let since = now - STATS_DAYS * 86_400;
        let history = store.history(&HistoryFilter {
            project: Some(name.clone()),
            ..HistoryFilter::default()
        })?;
        let mut days: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for apply in history.iter().filter(|a| a.started_at.0 >= since) {
            let outcome = apply.result.map_or("unfinished", |r| r.as_str()).to_owned();
            *days
                .entry(day(apply.started_at.0))
                .or_default()
                .entry(outcome)
                .or_default() += 1;
        }
        let mut jobs: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for job in store
            .jobs(&name)?
            .iter()
            .filter(|j| j.created_at >= since && environments::is_environment_kind(&j.kind))
        {
            let state = serde_json::to_value(job.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            *jobs
                .entry(job.kind.clone())
                .or_default()
                .entry(state)
                .or_default() += 1;
        }
        let applies: Vec<Value> = days
            .into_iter()
            .map(|(day, outcomes)| json!({ "day": day, "outcomes": outcomes }))
            .collect();
        Ok((applies, jobs))
    })
    .await?;
    Ok(json!({
        "project": project,
        "environments_by_type": by_kind,
        "previews_alive": overview.counts.previews,
        "applies_per_day": applies,
        "jobs": jobs,
        "days": STATS_DAYS,
        "railway": {
            // This process's counters (`src/telemetry.rs`, also on
            // `/metrics`): other replicas count their own.
            "requests": crate::telemetry::railway_requests(),
            "rate_limit_remaining": crate::telemetry::railway_budget(),
        },
    }))
}

/// `YYYY-MM-DD` (UTC) of a Unix time in seconds.
fn day(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds).map_or_else(
        |_| "unknown".to_owned(),
        |t| format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc_dates() {
        assert_eq!(day(0), "1970-01-01");
        assert_eq!(day(1_900_000_000), "2030-03-17");
    }

    #[test]
    fn a_plan_summary_is_counts_only() {
        let plan = json!({ "summary": { "create": 2, "update": 1 }, "secret": "x" });
        assert_eq!(plan_summary(&plan), "2 create, 1 update");
        assert_eq!(plan_summary(&json!({})), "no summary");
    }
}
