//! The HTTP surface: webhooks (authenticated by their signature or URL
//! secret, never by sign-in), health and readiness, sign-in and
//! `/metrics`, and the API behind its authentication layer
//! ([`super::api::mount`]).
//!
//! A webhook handler does nothing slow: it verifies, records the delivery
//! id and queues a job (a few statements on the state database) and
//! answers `202` — GitHub gives up after 10 seconds.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::auth::{GithubEvent, PushEvent, ReplayGuard, WebhookError, accept_github_delivery};
use crate::railway::webhook::RailwayEvent;
use crate::state::{Enqueued, SCHEMA_VERSION};

use super::jobs::{self, Decision};
use super::log;
use super::previews::PreviewTarget;
use super::server::App;

/// The largest GitHub delivery (GitHub caps payloads at 25 MB).
const GITHUB_BODY_LIMIT: usize = 25 * 1024 * 1024;
/// The largest Railway webhook accepted.
const RAILWAY_BODY_LIMIT: usize = 1024 * 1024;

/// The service's routes. `protect` adds the routes that need a signed-in
/// caller (the API, behind its authentication layer); webhooks, health
/// checks, sign-in and `/metrics` stay outside it.
pub(super) fn router_with(
    app: Arc<App>,
    protect: impl FnOnce(Router<Arc<App>>) -> Router<Arc<App>>,
) -> Router {
    let webhooks = Router::new()
        .route(
            "/webhooks/github",
            post(github).layer(DefaultBodyLimit::max(GITHUB_BODY_LIMIT)),
        )
        .route(
            "/webhooks/railway/{secret}",
            post(railway).layer(DefaultBodyLimit::max(RAILWAY_BODY_LIMIT)),
        );
    let health = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    let protected = protect(Router::new());
    Router::new()
        .merge(webhooks)
        // Clerk's user webhooks (signed, outside the API's auth).
        .merge(super::clerk::routes())
        .merge(health)
        .merge(protected)
        // The browser's sign-in and `/metrics`, every route counted.
        .merge(super::signin::routes())
        .merge(super::observe::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            super::observe::count,
        ))
        .with_state(app)
}

/// A JSON answer.
struct Reply(StatusCode, serde_json::Value);

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        (self.0, axum::Json(self.1)).into_response()
    }
}

fn refused(status: StatusCode, code: &str, message: &str) -> Reply {
    Reply(
        status,
        json!({ "error": { "code": code, "message": message } }),
    )
}

fn ignored(reason: impl Into<String>) -> Reply {
    Reply(
        StatusCode::OK,
        json!({ "status": "ignored", "reason": reason.into() }),
    )
}

async fn not_found() -> Reply {
    refused(
        StatusCode::NOT_FOUND,
        "mirage::serve::not_found",
        "no such route",
    )
}

async fn healthz() -> Reply {
    Reply(StatusCode::OK, json!({ "status": "ok" }))
}

async fn readyz(State(app): State<Arc<App>>) -> Reply {
    let store = app.intake().0.clone();
    let version = tokio::task::spawn_blocking(move || store.schema_version()).await;
    match version {
        Ok(Ok(version)) if version == SCHEMA_VERSION => {
            // A failed pull leaves the service ready (the last good
            // files are served) and is shown here.
            let pulls: serde_json::Map<String, serde_json::Value> = app
                .projects
                .iter()
                .filter(|p| p.config.pull_every.is_some())
                .map(|p| (p.name().to_owned(), json!(p.pull_status())))
                .collect();
            if pulls.is_empty() {
                Reply(StatusCode::OK, json!({ "status": "ready" }))
            } else {
                Reply(
                    StatusCode::OK,
                    json!({ "status": "ready", "details": { "pulls": pulls } }),
                )
            }
        }
        Ok(Ok(version)) => refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "mirage::serve::not_ready",
            &format!(
                "the state database has schema version {version}, this service needs {SCHEMA_VERSION}"
            ),
        ),
        Ok(Err(error)) => {
            log::warn("readyz.failed", &[("error", &error)]);
            refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "mirage::serve::not_ready",
                "the state database cannot be reached",
            )
        }
        Err(_) => refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "mirage::serve::not_ready",
            "the readiness check failed",
        ),
    }
}

async fn github(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Reply {
    let started = std::time::Instant::now();
    let reply = tokio::task::spawn_blocking(move || intake_github(&app, &headers, &body))
        .await
        .unwrap_or_else(|_| {
            refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                "mirage::serve::internal",
                "the delivery could not be handled",
            )
        });
    let micros = started.elapsed().as_micros();
    log::info(
        "webhook.github",
        &[("status", &reply.0.as_u16()), ("us", &micros)],
    );
    reply
}

fn webhook_refusal(error: &WebhookError) -> Reply {
    let status = match error {
        WebhookError::EmptySecret
        | WebhookError::SignatureMissing
        | WebhookError::SignatureMalformed
        | WebhookError::SignatureMismatch
        | WebhookError::BadSecret
        | WebhookError::SvixSignatureMissing
        | WebhookError::SvixSignatureMalformed
        | WebhookError::SvixSignatureMismatch
        | WebhookError::Stale { .. } => StatusCode::UNAUTHORIZED,
        WebhookError::BadHeader { .. } | WebhookError::BadPayload { .. } => StatusCode::BAD_REQUEST,
        WebhookError::Replayed { .. } => StatusCode::OK,
        WebhookError::ReplayStore { .. } => StatusCode::SERVICE_UNAVAILABLE,
    };
    let code = miette::Diagnostic::code(error)
        .map(|code| code.to_string())
        .unwrap_or_default();
    let message = match error {
        // The store's message may name the database: not for strangers.
        WebhookError::ReplayStore { .. } => "the state database is unavailable".to_owned(),
        other => other.to_string(),
    };
    refused(status, &code, &message)
}

fn intake_github(app: &App, headers: &HeaderMap, body: &[u8]) -> Reply {
    let (store, guard) = app.intake();
    let delivery = match accept_github_delivery(headers, body, &app.config.github_secret, guard) {
        Ok(delivery) => delivery,
        Err(WebhookError::Replayed { id }) => {
            log::info("webhook.replayed", &[("delivery", &id)]);
            return Reply(
                StatusCode::OK,
                json!({ "status": "duplicate", "delivery": id }),
            );
        }
        Err(error) => {
            log::warn(
                "webhook.refused",
                &[
                    ("reason", &error),
                    (
                        "code",
                        &miette::Diagnostic::code(&error)
                            .map(|c| c.to_string())
                            .unwrap_or_default(),
                    ),
                ],
            );
            return webhook_refusal(&error);
        }
    };
    let id = delivery.id.clone();
    let pr = match delivery.event {
        GithubEvent::Ping(ping) => {
            log::info(
                "webhook.ping",
                &[
                    ("delivery", &id),
                    (
                        "hook",
                        &ping.hook_id.map(|h| h.to_string()).unwrap_or_default(),
                    ),
                ],
            );
            return Reply(StatusCode::OK, json!({ "status": "pong", "delivery": id }));
        }
        GithubEvent::PullRequest(pr) => pr,
        GithubEvent::Push(push) => return intake_push(app, store, &push, &id),
        GithubEvent::Installation(_) => {
            log::info(
                "webhook.ignored",
                &[("delivery", &id), ("event", &"installation")],
            );
            return ignored("`installation` needs no preview job");
        }
        GithubEvent::Other { event } => {
            log::info("webhook.ignored", &[("delivery", &id), ("event", &event)]);
            return ignored(format!("`{event}` events need no preview job"));
        }
    };
    // The delivery goes to every project that takes its repository.
    let mut queued = Vec::new();
    let mut reasons = Vec::new();
    for project in &app.projects {
        if !project.config.takes_repo(&pr.repository.full_name) {
            continue;
        }
        let job = match jobs::for_pull_request(&project.policy, &pr, jobs::updated_at(body), &id) {
            Decision::Queue(job) => job,
            Decision::Ignore(reason) => {
                log::info(
                    "webhook.ignored",
                    &[("delivery", &id), ("pr", &pr.number), ("reason", &reason)],
                );
                reasons.push(reason);
                continue;
            }
        };
        match store.enqueue_job(&job) {
            Ok(Enqueued::Stale) => {
                log::info(
                    "webhook.stale",
                    &[("delivery", &id), ("pr", &pr.number), ("kind", &job.kind)],
                );
                reasons.push(format!(
                    "a later event of pull request #{} was already acted on",
                    pr.number
                ));
            }
            Ok(enqueued) => {
                let coalesced = matches!(enqueued, Enqueued::Coalesced(_));
                let job_id = enqueued.job().unwrap_or_default();
                log::info(
                    "job.queued",
                    &[
                        ("delivery", &id),
                        ("project", &project.name()),
                        ("pr", &pr.number),
                        ("kind", &job.kind),
                        ("job", &job_id),
                        ("coalesced", &coalesced),
                    ],
                );
                queued.push(json!({
                    "project": project.name(), "job": job_id, "kind": job.kind, "coalesced": coalesced
                }));
            }
            Err(error) => {
                log::error("job.queue_failed", &[("delivery", &id), ("error", &error)]);
                // GitHub's redelivery of this id must get in (a redelivery
                // coalesces with the jobs already queued).
                if let Err(error) = guard.forget(&id) {
                    log::error(
                        "webhook.forget_failed",
                        &[("delivery", &id), ("error", &error)],
                    );
                }
                return refused(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "mirage::serve::queue_failed",
                    "the job could not be queued; redeliver later",
                );
            }
        }
    }
    if queued.is_empty() {
        return ignored(reasons.into_iter().next().unwrap_or_else(|| {
            format!(
                "no project served here takes repository `{}`",
                pr.repository.full_name
            )
        }));
    }
    app.wake.notify_one();
    let mut reply = queued[0].clone();
    reply["status"] = json!("queued");
    if queued.len() > 1 {
        reply["jobs"] = json!(queued);
    }
    Reply(StatusCode::ACCEPTED, reply)
}

/// A `push`: a pull of every project that follows the pushed branch of
/// that repository (`--pull`).
fn intake_push(app: &App, store: &crate::state::Store, push: &PushEvent, id: &str) -> Reply {
    let branch = push.git_ref.strip_prefix("refs/heads/").unwrap_or_default();
    let mut queued = Vec::new();
    for project in &app.projects {
        let follows = project.config.pull_every.is_some()
            && project.config.takes_repo(&push.repository.full_name)
            && project.config.branch.as_deref() == Some(branch)
            && !push.deleted;
        if !follows {
            continue;
        }
        let job = jobs::pull(project.name(), app.config.max_attempts, Some(id));
        match store.enqueue_job(&job) {
            Ok(enqueued) => {
                let job_id = enqueued.job().unwrap_or_default();
                log::info(
                    "job.queued",
                    &[
                        ("delivery", &id),
                        ("project", &project.name()),
                        ("kind", &"pull"),
                        ("job", &job_id),
                    ],
                );
                queued.push(json!({ "project": project.name(), "job": job_id, "kind": "pull" }));
            }
            Err(error) => {
                log::error("job.queue_failed", &[("delivery", &id), ("error", &error)]);
                return refused(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "mirage::serve::queue_failed",
                    "the job could not be queued; redeliver later",
                );
            }
        }
    }
    if queued.is_empty() {
        log::info("webhook.ignored", &[("delivery", &id), ("event", &"push")]);
        return ignored("no project served here follows that branch (`--pull`)");
    }
    app.wake.notify_one();
    let mut reply = queued[0].clone();
    reply["status"] = json!("queued");
    if queued.len() > 1 {
        reply["jobs"] = json!(queued);
    }
    Reply(StatusCode::ACCEPTED, reply)
}

async fn railway(State(app): State<Arc<App>>, Path(secret): Path<String>, body: Bytes) -> Reply {
    // Never log the path: it is the secret.
    let Some(expected) = &app.config.railway_secret else {
        return not_found().await;
    };
    if !expected.matches(&secret) {
        log::warn("webhook.railway_refused", &[("reason", &"wrong secret")]);
        return refused(
            StatusCode::FORBIDDEN,
            "mirage::serve::railway_secret",
            "this is not the Railway webhook's URL",
        );
    }
    let event = match RailwayEvent::parse(&body) {
        Ok(event) => event,
        Err(reason) => {
            return refused(
                StatusCode::BAD_REQUEST,
                "mirage::serve::railway_payload",
                &format!("the Railway webhook cannot be read: {reason}"),
            );
        }
    };
    if !event.is_deployment() {
        return ignored("not a deployment event");
    }
    // By the project's name; an event naming none is the only
    // project's, when one is served.
    let project = match &event.project.name {
        Some(name) => match app.project(name) {
            Some(project) => project,
            None => return ignored(format!("project `{name}` is not this service's")),
        },
        None if app.projects.len() == 1 => &*app.projects[0],
        None => return ignored("the event names no project"),
    };
    let Some(environment) = event.environment.name.clone() else {
        return ignored("the event names no environment");
    };
    let Some(number) = project.names().number_of(&environment) else {
        return ignored(format!("environment `{environment}` is not a preview"));
    };
    let target = PreviewTarget {
        number,
        branch: event.branch.clone().unwrap_or_default(),
        sha: event.commit.clone(),
        repo: event.repo.clone(),
        draft: false,
        merged: None,
        html_url: None,
        installation_id: None,
    };
    let job = jobs::refresh(&project.policy, &target);
    let store = app.intake().0.clone();
    let enqueued = tokio::task::spawn_blocking(move || store.enqueue_job(&job)).await;
    match enqueued {
        Ok(Ok(enqueued)) => {
            let job_id = enqueued.job().unwrap_or_default();
            log::info(
                "job.queued",
                &[("pr", &number), ("kind", &"refresh"), ("job", &job_id)],
            );
            app.wake.notify_one();
            Reply(
                StatusCode::ACCEPTED,
                json!({ "status": "queued", "job": job_id, "kind": "refresh" }),
            )
        }
        Ok(Err(error)) => {
            log::error("job.queue_failed", &[("error", &error)]);
            refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "mirage::serve::queue_failed",
                "the job could not be queued",
            )
        }
        Err(_) => refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            "mirage::serve::internal",
            "the webhook could not be handled",
        ),
    }
}
