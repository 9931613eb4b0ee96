//! A service of an environment, for the dashboard (room `api`, issue
//! #18): its latest deployment's logs (deploy or build), and a redeploy.
//!
//! Both find the service through the project's overview (cached: no
//! Railway request while fresh) for the environment's id, then one read
//! of the environment's instances for the service's id and its latest
//! deployment; then one request more (the logs, or the redeploy). They
//! reach Railway with the project's sealed token ([`super::railway_engine`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cynic::{MutationBuilder, QueryBuilder};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ApiError, Caller, blocking};
use crate::auth::Action;
use crate::model::{SecretRef, VarValue};
use crate::railway::ops::common::InstanceVariables;
use crate::railway::ops::deployment::ServiceInstanceRedeploy;
use crate::railway::ops::logs::{BuildLogsQuery, DeploymentLogsQuery, DeploymentLogsVariables};
use crate::railway::schema::DateTime;
use crate::railway::{Effect, RailwayError};
use crate::serve::audit::Outcome;
use crate::serve::log::Redactor;
use crate::serve::server::App;

/// The most lines one logs request answers (a larger `limit` is capped).
pub const MAX_LOG_LINES: u32 = 1000;

/// Lines answered when no `limit` is given.
pub const DEFAULT_LOG_LINES: u32 = 200;

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

/// Which logs, and how many.
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

/// One line of a service's logs, without any secret the files know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// RFC 3339.
    pub timestamp: String,
    /// `info`, `error`, … as Railway says.
    pub severity: Option<String>,
    /// The text.
    pub message: String,
    /// Structured attributes.
    pub attributes: BTreeMap<String, String>,
}

/// A service instance of an environment on Railway.
struct Instance {
    environment_id: String,
    service_id: String,
    deployment_id: Option<String>,
}

const INSTANCES_QUERY: &str = "query Instances($id: String!) { environment(id: $id) { \
    serviceInstances { edges { node { serviceId serviceName latestDeployment { id } } } } } }";

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
    let deployment_id = node
        .pointer("/latestDeployment/id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok((
        Instance {
            environment_id,
            service_id,
            deployment_id,
        },
        connection,
        context,
    ))
}

/// Every secret value the project's files reference (read as its jobs
/// read them; an unreadable one is skipped), plus the service's own
/// secrets: what log lines must never show.
fn redactor_of(
    app: &App,
    context: &crate::engine::Context,
    project: &str,
) -> Result<Redactor, ApiError> {
    let (_, dir) = super::engine_or_error(app, project)?;
    let loaded = crate::engine::load(&dir).map_err(|f| super::failure_error(&f))?;
    let mut refs: Vec<SecretRef> = Vec::new();
    let mut add = |value: &VarValue| {
        if let VarValue::Secret(secret) = value
            && !refs.contains(secret)
        {
            refs.push(secret.clone());
        }
    };
    for environment in &loaded.project.environments {
        for value in environment.shared_variables.values() {
            add(&value.value);
        }
        for service in &environment.services {
            for value in service.variables.values() {
                add(&value.value);
            }
        }
    }
    Ok(Redactor::new(
        refs.iter().filter_map(|r| (context.secrets)(r).ok()),
    ))
}

/// The latest deployment's deploy (or build) logs of `service` in
/// `environment` of `project`, oldest first, at most `query.limit` lines
/// (capped at [`MAX_LOG_LINES`]); no deployment yet: none. Read
/// permission. Costs the overview (cached) and two Railway requests.
pub(in crate::serve) async fn service_logs(
    app: &App,
    caller: &Caller,
    project: &str,
    environment: &str,
    service: &str,
    query: LogQuery,
) -> Result<Vec<LogLine>, ApiError> {
    super::allow(caller, Action::Read, project).await?;
    let (instance, connection, context) = locate(app, project, environment, service).await?;
    let Some(deployment_id) = instance.deployment_id else {
        return Ok(Vec::new());
    };
    let limit = match query.limit {
        0 => DEFAULT_LOG_LINES,
        n => n.min(MAX_LOG_LINES),
    };
    let variables = DeploymentLogsVariables {
        deployment_id,
        limit: i32::try_from(limit).ok(),
        filter: query.filter.clone().filter(|f| !f.trim().is_empty()),
        start_date: None,
        end_date: query.before.clone().map(DateTime),
    };
    let client = &connection.client;
    let lines = if query.build {
        client
            .query(BuildLogsQuery::build(variables))
            .await
            .map(|q| q.build_logs)
    } else {
        client
            .query(DeploymentLogsQuery::build(variables))
            .await
            .map(|q| q.deployment_logs)
    };
    let lines = lines.map_err(|error| match error {
        RailwayError::Invalid { message, .. } => ApiError::new(
            StatusCode::BAD_REQUEST,
            "mirage::serve::bad_log_query",
            format!("Railway refused the log query: {message}"),
            "check `filter` (Railway's log filter syntax) and `before` (RFC 3339)",
        ),
        other => railway_error("cannot read the logs", &other),
    })?;
    let redactor = {
        let (app_redactor, project) = (app.config.redactor.clone(), project.to_owned());
        let secrets = redactor_of(app, &context, &project)?;
        move |text: &str| secrets.redact(&app_redactor.redact(text))
    };
    Ok(lines
        .into_iter()
        .map(|line| LogLine {
            timestamp: line.timestamp,
            severity: line.severity,
            message: redactor(&line.message),
            attributes: line
                .attributes
                .into_iter()
                .map(|a| (a.key, redactor(&a.value)))
                .collect(),
        })
        .collect())
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
    let format = params.format.clone().unwrap_or_else(|| "json".to_owned());
    if !["json", "ndjson", "text"].contains(&format.as_str()) {
        return Err(ApiError::bad_request(
            "`format` must be `json`, `ndjson` or `text`",
            "leave it out for JSON",
        ));
    }
    let query = LogQuery {
        build: params.build.unwrap_or(false),
        filter: params.filter,
        limit: params.limit.unwrap_or(0),
        before: params.before,
    };
    let lines = service_logs(&app, &caller, &project, &environment, &service, query).await?;
    let file = format!("{project}-{environment}-{service}.log");
    let download = |media: &'static str, body: String| {
        let mut response = (
            StatusCode::OK,
            [(header::CONTENT_TYPE, HeaderValue::from_static(media))],
            body,
        )
            .into_response();
        if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, value);
        }
        response
    };
    Ok(match format.as_str() {
        "ndjson" => download(
            "application/x-ndjson",
            lines
                .iter()
                .filter_map(|l| serde_json::to_string(l).ok())
                .map(|l| l + "\n")
                .collect(),
        ),
        "text" => download(
            "text/plain; charset=utf-8",
            lines
                .iter()
                .map(|l| {
                    format!(
                        "{} {} {}\n",
                        l.timestamp,
                        l.severity.as_deref().unwrap_or("-"),
                        l.message
                    )
                })
                .collect(),
        ),
        _ => Json(json!({ "lines": lines })).into_response(),
    })
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
