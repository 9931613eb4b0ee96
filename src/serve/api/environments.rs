//! Environments made through serve, over HTTP: create one from a
//! template (a durable job), destroy it, extend its TTL, and the jobs
//! doing it (status, and progress as server-sent events resumable with
//! `Last-Event-ID`).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, Caller, blocking, engine_or_error, failure_error, json_body, ttl_of};
use crate::auth::{Action, Target};
use crate::serve::audit::Outcome;
use crate::serve::environments::{self as envs, CreateRequest, Override};
use crate::serve::server::App;
use crate::state::JobId;

/// The largest body of these routes.
const BODY_LIMIT: usize = 64 * 1024;

pub(super) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/projects/{project}/environments", post(create))
        .route(
            "/api/projects/{project}/environments/{environment}",
            delete(destroy),
        )
        .route(
            "/api/projects/{project}/environments/{environment}/extend",
            post(extend),
        )
        .route("/api/jobs/{id}", get(job))
        .route("/api/jobs/{id}/events", get(events))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
}

/// `202 {job, …, links}` with `Location: /api/jobs/{job}`.
pub(super) fn accepted_job(job: JobId, mut body: Value) -> Response {
    let location = format!("/api/jobs/{job}");
    body["job"] = json!(job);
    body["links"] = json!({
        "job": location,
        "events": format!("{location}/events"),
    });
    let mut response = (StatusCode::ACCEPTED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    #[serde(default)]
    template: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    variables: BTreeMap<String, Override>,
    /// Seconds or a duration (`72h`); none: the template's.
    #[serde(default)]
    ttl: Option<Value>,
}

async fn create(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    super::allow(&caller, Action::CreateEnvironment, &project).await?;
    let body = super::read_body(body)?;
    let request: CreateBody = json_body(&body)?;
    let (_, dir) = engine_or_error(&app, &project)?;
    let ttl = match request.ttl.as_ref().map(ttl_of) {
        None => Ok(None),
        Some(Ok(ttl)) => Ok(Some(ttl)),
        Some(Err(message)) => Err(message),
    };
    let max_attempts = app.config.max_attempts;
    let (store, name) = (caller.store().clone(), project.clone());
    let accepted = {
        let caller = caller.clone();
        blocking(move || {
            let loaded = crate::engine::load(&dir).map_err(|f| failure_error(&f))?;
            let create = CreateRequest {
                project: name.clone(),
                template: request.template,
                name: request.name,
                variables: request.variables,
                // A TTL that is not one is reported with every other
                // problem (validated as 0 seconds: `bad_ttl`).
                ttl: ttl.as_ref().map_or(Some(std::time::Duration::ZERO), |t| *t),
                owner: caller.user.id.clone(),
            };
            let result = envs::create(&loaded, &store, &create, max_attempts);
            let accepted = match (result, &ttl) {
                (Ok(accepted), Ok(_)) => accepted,
                (Err(failure), ttl) => {
                    let mut error = failure_error(&failure);
                    if let Err(message) = ttl {
                        ttl_problem(&mut error, message);
                    }
                    return Err(error);
                }
                (Ok(_), Err(_)) => return Err(ApiError::internal()),
            };
            caller.record(
                "environment.create",
                Some(&name),
                Some(&accepted.environment),
                Outcome::Ok,
                format!(
                    "environment `{}` from template `{}` queued (job {}), {} override(s)",
                    accepted.environment,
                    accepted.template,
                    accepted.job,
                    create.variables.len()
                ),
            );
            Ok(accepted)
        })
        .await?
    };
    app.wake.notify_one();
    app.catalog.invalidate(&project);
    Ok(accepted_job(
        accepted.job,
        json!({
            "environment": accepted.environment,
            "template": accepted.template,
            "owner": caller.user.id,
            "expires_at": accepted.expires_at.map(|t| t.0),
        }),
    ))
}

/// Puts an unreadable TTL among `error`'s problems (in place of the
/// domain's own TTL problem, which saw it as 0 seconds).
fn ttl_problem(error: &mut ApiError, message: &str) {
    let help = "give `ttl` as seconds or a duration such as `72h`";
    error.problems.retain(|p| p["field"] != "ttl");
    error.problems.push(json!({
        "code": "mirage::serve::bad_ttl",
        "message": message,
        "help": help,
        "field": "ttl",
    }));
    if error.problems.len() == 1 {
        *error = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "mirage::serve::bad_ttl",
            message,
            help,
        );
        error.problems = vec![json!({
            "code": "mirage::serve::bad_ttl",
            "message": message,
            "help": help,
            "field": "ttl",
        })];
    } else {
        error.status = StatusCode::UNPROCESSABLE_ENTITY;
        error.code = "mirage::serve::invalid_request";
        error.message = format!("the request has {} problems", error.problems.len());
        error.help = "fix each of `problems` and send it again".to_owned();
    }
}

/// Authorizes `action` on `environment` of `project` for its owner: a
/// member asking about someone else's (or one serve did not make) is
/// told it does not exist.
async fn authorize_owned(
    caller: &Caller,
    action: Action,
    project: &str,
    environment: &str,
) -> Result<(), ApiError> {
    // Not served: refused before the database is asked.
    if !caller.serves(project) {
        return super::allow(caller, action, project).await;
    }
    let (store, p, e) = (
        caller.store().clone(),
        project.to_owned(),
        environment.to_owned(),
    );
    let owner =
        blocking(move || envs::owner_of(&store, &p, &e).map_err(|f| failure_error(&f))).await?;
    let caller = caller.clone();
    let project = project.to_owned();
    blocking(move || {
        caller.authorize(
            action,
            &Target {
                project: Some(&project),
                owner: owner.as_deref(),
            },
        )
    })
    .await
}

async fn destroy(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((project, environment)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    authorize_owned(&caller, Action::DestroyEnvironment, &project, &environment).await?;
    let (_, dir) = engine_or_error(&app, &project)?;
    let max_attempts = app.config.max_attempts;
    let job = {
        let (caller, project, environment) = (caller.clone(), project.clone(), environment.clone());
        blocking(move || {
            let loaded = crate::engine::load(&dir).map_err(|f| failure_error(&f))?;
            let job = envs::destroy(&loaded, caller.store(), &environment, max_attempts)
                .map_err(|f| failure_error(&f))?;
            caller.record(
                "environment.destroy",
                Some(&project),
                Some(&environment),
                Outcome::Ok,
                format!("environment `{environment}` to be destroyed (job {job})"),
            );
            Ok(job)
        })
        .await?
    };
    app.wake.notify_one();
    app.catalog.invalidate(&project);
    Ok(accepted_job(job, json!({ "environment": environment })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtendBody {
    ttl: Value,
}

async fn extend(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((project, environment)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    authorize_owned(&caller, Action::ChangeEnvironment, &project, &environment).await?;
    let body = super::read_body(body)?;
    let request: ExtendBody = json_body(&body)?;
    let ttl = ttl_of(&request.ttl).map_err(|message| {
        let mut error = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "mirage::serve::bad_ttl",
            message.clone(),
            "give `ttl` as seconds or a duration such as `72h`",
        );
        error.problems = vec![json!({
            "code": "mirage::serve::bad_ttl",
            "message": message,
            "help": "give `ttl` as seconds or a duration such as `72h`",
            "field": "ttl",
        })];
        error
    })?;
    let (_, dir) = engine_or_error(&app, &project)?;
    let extended = {
        let (caller, project, environment) = (caller.clone(), project.clone(), environment.clone());
        blocking(move || {
            let loaded = crate::engine::load(&dir).map_err(|f| failure_error(&f))?;
            let extended =
                envs::extend(&loaded, caller.store(), &environment, ttl, &caller.user.id)
                    .map_err(|f| failure_error(&f))?;
            caller.record(
                "environment.extend",
                Some(&project),
                Some(&environment),
                Outcome::Ok,
                format!(
                    "environment `{environment}` extended by {}s to {}",
                    ttl.as_secs(),
                    extended.expires_at.0
                ),
            );
            Ok(extended)
        })
        .await?
    };
    app.catalog.invalidate(&project);
    Ok(Json(json!({
        "environment": extended.environment,
        "expires_at": extended.expires_at.0,
    })))
}

/// Job `id` and its project, when the caller may read that project
/// (`404` otherwise, recorded: ids cannot be probed).
async fn readable_job(caller: &Caller, id: &str) -> Result<(JobId, String), ApiError> {
    let Ok(id) = id.parse::<JobId>() else {
        return Err(ApiError::not_found("job"));
    };
    let store = caller.store().clone();
    let found = blocking(move || Ok(store.job(id)?)).await?;
    let project = found.map(|j| j.project);
    let caller = caller.clone();
    let checked = project.clone();
    blocking(move || {
        caller
            .authorize(
                Action::Read,
                &Target {
                    project: checked.as_deref(),
                    owner: None,
                },
            )
            .map_err(|error| {
                if error.status == StatusCode::NOT_FOUND {
                    ApiError::not_found("job")
                } else {
                    error
                }
            })
    })
    .await?;
    Ok((id, project.unwrap_or_default()))
}

async fn job(
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (id, project) = readable_job(&caller, &id).await?;
    let store = caller.store().clone();
    let progress =
        blocking(move || envs::progress(&store, &project, id, 0).map_err(|f| failure_error(&f)))
            .await?;
    let mut body = serde_json::to_value(&progress).map_err(|_| ApiError::internal())?;
    body["finished"] = json!(progress.finished());
    body["links"] = json!({ "events": format!("/api/jobs/{id}/events") });
    Ok(Json(body))
}

async fn events(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (id, project) = readable_job(&caller, &id).await?;
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(0)
        .max(0);
    Ok(envs::sse(caller.store().clone(), project, id, after, app.config.poll).into_response())
}
