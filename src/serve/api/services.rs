//! A service of an environment, for the dashboard (room `api`, issue
//! #18): its logs (the one-service case of [`super::logs`]), and a
//! redeploy.
//!
//! Both find the service through the project's overview (cached: no
//! Railway request while fresh) for the environment's id, then one read
//! of the environment's instances for the service's id and its latest
//! deployment; then one request more (the logs, or the redeploy). They
//! reach Railway with the project's sealed token ([`super::railway_engine`]).

use std::sync::Arc;

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cynic::MutationBuilder;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, Caller, blocking};
use crate::auth::Action;
use crate::railway::ops::common::InstanceVariables;
use crate::railway::ops::deployment::ServiceInstanceRedeploy;
use crate::railway::{Effect, RailwayError};
use crate::serve::audit::Outcome;
use crate::serve::log::Redactor;
use crate::serve::server::App;

pub use super::logs::{DEFAULT_LOG_LINES, LogLine, MAX_LOG_LINES};

pub(super) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/api/projects/{project}/environments/{environment}/services/{service}/logs",
            get(logs),
        )
        .route(
            "/api/projects/{project}/environments/{environment}/services/{service}/redeploy",
            post(redeploy),
        )
}

/// Which logs of one service, and how many.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct LogQuery {
    /// Build logs instead of deploy (runtime) logs.
    #[serde(default)]
    pub build: bool,
    /// Railway's log filter, passed through as written (`@level:error`,
    /// words, …).
    #[serde(default)]
    pub filter: Option<String>,
    /// At most this many lines, the newest (0: [`DEFAULT_LOG_LINES`];
    /// capped at [`MAX_LOG_LINES`]).
    #[serde(default)]
    pub limit: u32,
    /// Only lines before this time (RFC 3339): the previous page.
    #[serde(default)]
    pub before: Option<String>,
}

/// A service instance of an environment on Railway.
struct Instance {
    environment_id: String,
    service_id: String,
}

const INSTANCES_QUERY: &str = "query Instances($id: String!) { environment(id: $id) { \
    serviceInstances { edges { node { serviceId serviceName } } } } }";

fn railway_error(what: &str, error: &RailwayError) -> ApiError {
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "mirage::railway::read_failed",
        format!("{what}: {error}"),
        "retry later; the service's log says more",
    )
}

/// The environment's and service's ids and the latest deployment, with
/// the client to go on with.
async fn locate(
    app: &App,
    project: &str,
    environment: &str,
    service: &str,
) -> Result<(Instance, crate::engine::Connection, crate::engine::Context), ApiError> {
    let overview = super::projects::cached_overview(app, project).await?;
    let Some(environment_id) = overview
        .environments
        .iter()
        .find(|e| e.name == environment)
        .and_then(|e| e.id.clone())
    else {
        return Err(ApiError::not_found("environment"));
    };
    let (context, dir) = super::railway_engine(app, project).await?;
    let connection = crate::engine::connect(&context, &dir)
        .await
        .map_err(|f| super::failure_error(&f))?;
    let envelope = connection
        .client
        .execute(
            INSTANCES_QUERY,
            &json!({ "id": environment_id }),
            Some("Instances"),
            Effect::Read,
        )
        .await
        .map_err(|e| railway_error(&format!("cannot read environment `{environment}`"), &e))?;
    if let Some(error) = envelope.errors.as_ref().and_then(|e| e.first()) {
        return Err(railway_error(
            &format!("cannot read environment `{environment}`"),
            &error.classify(),
        ));
    }
    let node = envelope
        .data
        .as_ref()
        .and_then(|d| d.pointer("/environment/serviceInstances/edges"))
        .and_then(Value::as_array)
        .and_then(|edges| {
            edges
                .iter()
                .map(|e| &e["node"])
                .find(|n| n["serviceName"] == service)
        })
        .ok_or_else(|| ApiError::not_found("service"))?;
    let service_id = node["serviceId"]
        .as_str()
        .ok_or_else(|| ApiError::not_found("service"))?
        .to_owned();
    Ok((
        Instance {
            environment_id,
            service_id,
        },
        connection,
        context,
    ))
}

/// Every secret value the project's files reference (read as its jobs
/// read them; an unreadable one is skipped), plus the service's own
/// secrets: what log lines must never show.
pub(super) async fn redactor_of(
    app: &App,
    context: &crate::engine::Context,
    project: &str,
) -> Result<Redactor, ApiError> {
    let (_, dir) = super::engine_or_error(app, project)?;
    let loaded = crate::engine::load(&dir).map_err(|f| super::failure_error(&f))?;
    let place = crate::secrets::Place {
        dir: dir.clone(),
        project: project.to_owned(),
        settings: loaded.project.secrets.clone(),
        store: Some(app.intake().0.clone()),
    };
    let read =
        crate::plan::secrets::read_every(&loaded.project, context.secrets.as_ref(), &place).await;
    Ok(Redactor::new(crate::plan::secrets::values(&read)))
}

/// The logs of `service` in `environment` of `project`: the special case
/// of [`super::logs::environment_logs`] with one service, its latest
/// deployment's deploy (or build) logs (no deployment yet: none), oldest
/// first, at most `query.limit` lines (capped at [`MAX_LOG_LINES`]).
/// Read permission; an unknown service is `404`.
pub(in crate::serve) async fn service_logs(
    app: &App,
    caller: &Caller,
    project: &str,
    environment: &str,
    service: &str,
    query: LogQuery,
) -> Result<Vec<LogLine>, ApiError> {
    let window = match query.before.as_deref().filter(|b| !b.trim().is_empty()) {
        None => None,
        Some(before) => Some(crate::observe::logs::Window::Before {
            count: match query.limit {
                0 => DEFAULT_LOG_LINES,
                n => n.min(MAX_LOG_LINES),
            } as usize,
            to: crate::observe::logs::time::parse_rfc3339(before).ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "mirage::serve::bad_log_query",
                    "`before` is not an RFC 3339 date-time",
                    "write it as `2026-12-07T10:00:00Z`",
                )
            })?,
        }),
    };
    super::logs::environment_logs(
        app,
        caller,
        project,
        environment,
        super::logs::LogQuery {
            services: Some(vec![service.to_owned()]),
            build: query.build,
            filter: query.filter,
            level: None,
            limit: query.limit,
            window,
            latest_only: true,
        },
    )
    .await
}

#[derive(Deserialize)]
struct LogParams {
    #[serde(default)]
    build: Option<bool>,
    #[serde(default)]
    filter: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    before: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

async fn logs(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((project, environment, service)): Path<(String, String, String)>,
    params: Result<Query<LogParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    super::allow(&caller, Action::Read, &project).await?;
    let Query(params) = params.map_err(|rejection| {
        ApiError::bad_request(
            format!("the query string is not valid: {}", rejection.body_text()),
            "use `build=true|false`, `filter=…`, `limit=N`, `before=RFC3339`, `format=json|ndjson|text`",
        )
    })?;
    let format = super::logs::format_of(params.format.as_deref())?;
    let query = LogQuery {
        build: params.build.unwrap_or(false),
        filter: params.filter,
        limit: params.limit.unwrap_or(0),
        before: params.before,
    };
    let lines = service_logs(&app, &caller, &project, &environment, &service, query).await?;
    Ok(super::logs::answer(
        &lines,
        &format,
        &format!("{project}-{environment}-{service}.log"),
    ))
}

/// Redeploys `service`'s current commit or image in `environment` of
/// `project` (`serviceInstanceRedeploy`): change-environment permission
/// (an admin; a member for an environment they own), audited, the
/// overview invalidated. Sent once: when the answer is lost the outcome
/// is unknown (`mirage::serve::redeploy_unknown`, `504`) and it is not
/// sent again — check the service's status.
pub(in crate::serve) async fn redeploy_service(
    app: &App,
    caller: &Caller,
    project: &str,
    environment: &str,
    service: &str,
) -> Result<(), ApiError> {
    super::environments::authorize_owned(caller, Action::ChangeEnvironment, project, environment)
        .await?;
    let (instance, connection, _) = locate(app, project, environment, service).await?;
    let sent = connection
        .client
        .mutate(ServiceInstanceRedeploy::build(InstanceVariables {
            environment_id: instance.environment_id,
            service_id: instance.service_id,
        }))
        .await;
    app.catalog.invalidate(project);
    let (outcome, summary, result) = match sent {
        Ok(_) => (
            Outcome::Ok,
            format!("service `{service}` of `{environment}` redeployed"),
            Ok(()),
        ),
        Err(RailwayError::Transient { sent: true, .. }) => (
            Outcome::Failed,
            format!("redeploy of `{service}` in `{environment}`: outcome unknown"),
            Err(ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "mirage::serve::redeploy_unknown",
                format!(
                    "the redeploy of `{service}` may or may not have reached Railway: its outcome is unknown"
                ),
                "check the service's status (its latest deployment) before asking again",
            )),
        ),
        Err(error) => (
            Outcome::Failed,
            format!("redeploy of `{service}` in `{environment}` failed"),
            Err(railway_error("the redeploy failed", &error)),
        ),
    };
    let (caller, project, target) = (
        caller.clone(),
        project.to_owned(),
        format!("{environment}/{service}"),
    );
    blocking(move || {
        caller.record(
            "service.redeploy",
            Some(&project),
            Some(&target),
            outcome,
            summary,
        );
        Ok(())
    })
    .await?;
    result
}

async fn redeploy(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((project, environment, service)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    redeploy_service(&app, &caller, &project, &environment, &service).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "environment": environment, "service": service, "redeployed": true })),
    )
        .into_response())
}
