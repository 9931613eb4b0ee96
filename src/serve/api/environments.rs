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
pub use crate::serve::environments::Extended;
use crate::serve::environments::{self as envs, CreateRequest, Override};
use crate::serve::server::App;
use crate::state::JobId;

/// The largest body of these routes.
const BODY_LIMIT: usize = 64 * 1024;

pub(super) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/projects/{project}/environments", post(create))
        // Room `api` (issue #18): the dashboard's checks as you type.
        .route(
            "/api/projects/{project}/environments/validate",
            post(validate),
        )
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

/// What a creator asks for (`POST /api/projects/{p}/environments` and
/// `…/environments/validate` take it as their body).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreateInput {
    /// The template.
    #[serde(default)]
    pub template: String,
    /// The new environment's name.
    #[serde(default)]
    pub name: String,
    /// Overrides of the template's variables.
    #[serde(default)]
    pub variables: BTreeMap<String, Override>,
    /// Seconds or a duration (`72h`); none: the template's.
    #[serde(default)]
    pub ttl: Option<Value>,
    /// Only these services of the template (none: all of them).
    #[serde(default)]
    pub services: Option<Vec<String>>,
    /// Sizes of the services, by service name (each at most the
    /// template's).
    #[serde(default)]
    pub resources: Option<BTreeMap<String, envs::ResourceOverride>>,
}

/// A create accepted: the job making the environment (`202`; the JSON
/// answer adds `links`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Accepted {
    /// The environment.
    pub environment: String,
    /// Its template.
    pub template: String,
    /// Its owner (the caller's user id).
    pub owner: String,
    /// When it expires (Unix seconds), if it does.
    pub expires_at: Option<i64>,
    /// The job creating it.
    pub job: JobId,
}

/// A TTL as asked: `Ok(None)` none, or why it is not one.
fn input_ttl(input: &CreateInput) -> Result<Option<std::time::Duration>, String> {
    match input.ttl.as_ref().map(ttl_of) {
        None => Ok(None),
        Some(Ok(ttl)) => Ok(Some(ttl)),
        Some(Err(message)) => Err(message),
    }
}

/// The domain's request of `input` by `caller` (an unreadable TTL is
/// checked as 0 seconds: reported with every other problem).
fn request_of(
    caller: &Caller,
    project: &str,
    input: CreateInput,
    ttl: &Result<Option<std::time::Duration>, String>,
) -> CreateRequest {
    CreateRequest {
        project: project.to_owned(),
        template: input.template,
        name: input.name,
        variables: input.variables,
        ttl: ttl.as_ref().map_or(Some(std::time::Duration::ZERO), |t| *t),
        owner: caller.user.id.clone(),
        services: input.services,
        resources: input.resources.unwrap_or_default(),
    }
}

/// Creates environment `input.name` of `project` from a template, as a
/// durable job: every problem at once (`422`), else recorded, audited
/// and queued. Authorized as `create_environment`.
pub(in crate::serve) async fn create_environment(
    app: &App,
    caller: &Caller,
    project: &str,
    input: CreateInput,
) -> Result<Accepted, ApiError> {
    super::allow(caller, Action::CreateEnvironment, project).await?;
    let (_, dir) = engine_or_error(app, project)?;
    let ttl = input_ttl(&input);
    let max_attempts = app.config.max_attempts;
    let (store, name) = (caller.store().clone(), project.to_owned());
    let accepted = {
        let caller = caller.clone();
        blocking(move || {
            let loaded = crate::engine::load(&dir).map_err(|f| failure_error(&f))?;
            let create = request_of(&caller, &name, input, &ttl);
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
            let subset = create
                .services
                .as_ref()
                .map(|s| format!(", services {}", s.join(", ")))
                .unwrap_or_default();
            let sized = if create.resources.is_empty() {
                String::new()
            } else {
                let names: Vec<&str> = create.resources.keys().map(String::as_str).collect();
                format!(", resources of {}", names.join(", "))
            };
            let subset = format!("{subset}{sized}");
            caller.record(
                "environment.create",
                Some(&name),
                Some(&accepted.environment),
                Outcome::Ok,
                format!(
                    "environment `{}` from template `{}` queued (job {}), {} override(s){subset}",
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
    app.catalog.invalidate(project);
    Ok(Accepted {
        environment: accepted.environment,
        template: accepted.template,
        owner: caller.user.id.clone(),
        expires_at: accepted.expires_at.map(|t| t.0),
        job: accepted.job,
    })
}

async fn create(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    // Refused before the body is read, as every route here.
    super::allow(&caller, Action::CreateEnvironment, &project).await?;
    let body = super::read_body(body)?;
    let input: CreateInput = json_body(&body)?;
    let accepted = create_environment(&app, &caller, &project, input).await?;
    let body = serde_json::to_value(&accepted).map_err(|_| ApiError::internal())?;
    Ok(accepted_job(accepted.job, body))
}

/// What a create would meet: every problem (`ok` when none) and what it
/// would create.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Validation {
    /// Whether a create of this input would be accepted now.
    pub ok: bool,
    /// Every problem: `code`, `message`, `help`, `field`.
    pub problems: Vec<Value>,
    /// What it would create (`None`: the template does not exist).
    pub preview: Option<envs::CreatePreview>,
}

/// Checks `input` as [`create_environment`] does — name, reserved names,
/// an existing environment, template, variables, secrets in clear, TTL
/// bounds, services — WITHOUT recording, auditing or queueing anything.
/// The files and the state database answer first: when they find a
/// problem, Railway is not asked. Otherwise ONE Railway request (the
/// project's environment names, with its sealed token) finds an
/// environment of that name made by hand, which the create's job would
/// refuse; it is skipped when the state does not know the project's id
/// or the read fails (the job still checks). Authorized as
/// `create_environment`.
pub(in crate::serve) async fn validate_environment(
    app: &App,
    caller: &Caller,
    project: &str,
    input: CreateInput,
) -> Result<Validation, ApiError> {
    super::allow(caller, Action::CreateEnvironment, project).await?;
    let (_, dir) = engine_or_error(app, project)?;
    let ttl = input_ttl(&input);
    let name = input.name.clone();
    let (checker, project_name) = (caller.clone(), project.to_owned());
    let (mut validation, project_id) = blocking(move || {
        let caller = checker;
        let loaded = crate::engine::load(&dir).map_err(|f| failure_error(&f))?;
        let request = request_of(&caller, &project_name, input, &ttl);
        let store = caller.store();
        let checked = envs::validate(&loaded, store, &request, store.now());
        let problems = match (checked, &ttl) {
            (Ok(_), Ok(_)) => Vec::new(),
            (Ok(_), Err(message)) => {
                let mut error = ApiError::internal();
                ttl_problem(&mut error, message);
                error.problems
            }
            (Err(failure), ttl) => {
                if failure.exit != crate::engine::Exit::Usage {
                    // The database or the files failed: not a problem of
                    // the input.
                    return Err(failure_error(&failure));
                }
                let mut error = failure_error(&failure);
                if let Err(message) = ttl {
                    ttl_problem(&mut error, message);
                }
                error.problems
            }
        };
        let project_id = if problems.is_empty() {
            envs::project_id(store, &loaded.name).map_err(|f| failure_error(&f))?
        } else {
            None
        };
        let mut request = request;
        if ttl.is_err() {
            request.ttl = None;
        }
        Ok((
            Validation {
                ok: problems.is_empty(),
                problems,
                preview: envs::preview(&loaded, &request),
            },
            project_id,
        ))
    })
    .await?;
    if let Some(id) = project_id
        && on_railway(app, project, &id, &name).await
    {
        validation.ok = false;
        validation.problems.push(json!({
            "code": "mirage::serve::environment_exists",
            "message": format!("environment `{name}` exists on Railway and is not Mirage's"),
            "help": "choose another name: serve never takes over an environment it did not make",
            "field": "name",
        }));
    }
    Ok(validation)
}

/// Whether project `id` has an environment called `name` on Railway (one
/// request; `false` when it cannot be read: the create's job checks
/// again).
async fn on_railway(app: &App, project: &str, id: &str, name: &str) -> bool {
    const NAMES: &str = "query Names($id: String!) { project(id: $id) { \
        environments { edges { node { name } } } } }";
    let Ok((context, dir)) = super::railway_engine(app, project).await else {
        return false;
    };
    let Ok(connection) = crate::engine::connect(&context, &dir).await else {
        return false;
    };
    let answer = connection
        .client
        .execute(
            NAMES,
            &json!({ "id": id }),
            Some("Names"),
            crate::railway::Effect::Read,
        )
        .await;
    match answer {
        Ok(envelope) => envelope
            .data
            .as_ref()
            .and_then(|d| d.pointer("/project/environments/edges"))
            .and_then(Value::as_array)
            .is_some_and(|edges| edges.iter().any(|e| e["node"]["name"] == name)),
        Err(error) => {
            crate::serve::log::warn(
                "api.validate_unread",
                &[("project", &project), ("error", &error)],
            );
            false
        }
    }
}

async fn validate(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Validation>, ApiError> {
    super::allow(&caller, Action::CreateEnvironment, &project).await?;
    let body = super::read_body(body)?;
    let input: CreateInput = json_body(&body)?;
    Ok(Json(
        validate_environment(&app, &caller, &project, input).await?,
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
pub(super) async fn authorize_owned(
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

/// Queues the destruction of serve-created `environment` of `project`
/// (its owner, or an admin). The job's id.
pub(in crate::serve) async fn destroy_environment(
    app: &App,
    caller: &Caller,
    project: &str,
    environment: &str,
) -> Result<JobId, ApiError> {
    authorize_owned(caller, Action::DestroyEnvironment, project, environment).await?;
    let (_, dir) = engine_or_error(app, project)?;
    let max_attempts = app.config.max_attempts;
    let job = {
        let (caller, project, environment) =
            (caller.clone(), project.to_owned(), environment.to_owned());
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
    app.catalog.invalidate(project);
    Ok(job)
}

async fn destroy(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((project, environment)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let job = destroy_environment(&app, &caller, &project, &environment).await?;
    Ok(accepted_job(job, json!({ "environment": environment })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtendBody {
    ttl: Value,
}

/// A TTL that is not one, as the API's error.
fn bad_ttl(message: String) -> ApiError {
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
}

/// Sets the deadline of serve-created `environment` to now + `ttl`
/// (seconds or a duration; bounded by its template). Its owner, or an
/// admin.
pub(in crate::serve) async fn extend_environment(
    app: &App,
    caller: &Caller,
    project: &str,
    environment: &str,
    ttl: Option<Value>,
) -> Result<Extended, ApiError> {
    authorize_owned(caller, Action::ChangeEnvironment, project, environment).await?;
    let ttl = ttl
        .as_ref()
        .ok_or_else(|| "`ttl` is missing".to_owned())
        .and_then(ttl_of)
        .map_err(bad_ttl)?;
    let (_, dir) = engine_or_error(app, project)?;
    let extended = {
        let (caller, project, environment) =
            (caller.clone(), project.to_owned(), environment.to_owned());
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
    app.catalog.invalidate(project);
    Ok(extended)
}

async fn extend(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((project, environment)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Extended>, ApiError> {
    authorize_owned(&caller, Action::ChangeEnvironment, &project, &environment).await?;
    let body = super::read_body(body)?;
    let request: ExtendBody = json_body(&body)?;
    Ok(Json(
        extend_environment(&app, &caller, &project, &environment, Some(request.ttl)).await?,
    ))
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

/// What `GET /api/jobs/{id}` answers: the job's progress, whether it
/// has finished, and where its events stream.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct JobView {
    /// The job, its state, events and result.
    #[serde(flatten)]
    pub progress: envs::Progress,
    /// Whether it has ended.
    pub finished: bool,
    /// `{events}`: its server-sent events.
    pub links: JobLinks,
}

/// Links of a [`JobView`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct JobLinks {
    /// `/api/jobs/{id}/events`.
    pub events: String,
}

/// Job `id` (a number as text) when the caller may read its project
/// (`404` otherwise, recorded: ids cannot be probed).
pub(in crate::serve) async fn job_status(
    _app: &App,
    caller: &Caller,
    id: &str,
) -> Result<JobView, ApiError> {
    let (id, project) = readable_job(caller, id).await?;
    let store = caller.store().clone();
    let progress =
        blocking(move || envs::progress(&store, &project, id, 0).map_err(|f| failure_error(&f)))
            .await?;
    Ok(JobView {
        finished: progress.finished(),
        links: JobLinks {
            events: format!("/api/jobs/{id}/events"),
        },
        progress,
    })
}

async fn job(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    Ok(Json(job_status(&app, &caller, &id).await?))
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
    let events = envs::sse_events(caller.store().clone(), project, id, after, app.config.poll);
    // Ends when the service stops; the browser resumes with `Last-Event-ID`.
    Ok(
        axum::response::sse::Sse::new(futures_util::StreamExt::take_until(events, app.stopped()))
            .keep_alive(axum::response::sse::KeepAlive::default())
            .into_response(),
    )
}
