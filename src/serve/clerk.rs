//! `POST /webhooks/clerk`: Clerk's user events (through Svix), outside the
//! API's sign-in: the Svix signature and timestamp (±5 minutes), the
//! state database's replay guard on `svix-id`, then `user.created` /
//! `user.updated` create or update the user (Clerk's user id is the OIDC
//! `sub` when Clerk is the issuer) and `user.deleted` disables them (their
//! JWTs and API tokens stop working at once).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use crate::auth::{ClerkEvent, ReplayGuard, StoreReplayGuard, WebhookError, verify_svix};
use crate::state::{Timestamp, UserProfile};

use super::api::{ApiError, blocking};
use super::audit::{self, Entry, Outcome};
use super::log;
use super::server::App;

pub(super) fn routes() -> Router<Arc<App>> {
    Router::new().route(
        "/webhooks/clerk",
        post(clerk).layer(DefaultBodyLimit::max(1024 * 1024)),
    )
}

fn refusal(error: &WebhookError) -> ApiError {
    let status = match error {
        WebhookError::BadHeader { .. } | WebhookError::BadPayload { .. } => StatusCode::BAD_REQUEST,
        WebhookError::ReplayStore { .. } => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNAUTHORIZED,
    };
    let message = match error {
        WebhookError::ReplayStore { .. } => "the state database is unavailable".to_owned(),
        other => other.to_string(),
    };
    let help = miette::Diagnostic::help(error)
        .map(|h| h.to_string())
        .unwrap_or_default();
    let code = match error {
        WebhookError::Stale { .. } => "mirage::auth::stale_delivery",
        WebhookError::BadHeader { .. } => "mirage::auth::bad_header",
        WebhookError::BadPayload { .. } => "mirage::auth::bad_payload",
        WebhookError::ReplayStore { .. } => "mirage::serve::state_unavailable",
        WebhookError::SvixSignatureMissing => "mirage::auth::svix_signature_missing",
        WebhookError::SvixSignatureMalformed => "mirage::auth::svix_signature_malformed",
        _ => "mirage::auth::svix_signature_mismatch",
    };
    ApiError::new(status, code, message, help)
}

async fn clerk(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = app.config.clerk_secret.clone() else {
        return ApiError::not_found("route").into_response();
    };
    let store = app.intake().0.clone();
    let answer = blocking(move || {
        let lookup = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let delivery = verify_svix(lookup, &body, &secret, Timestamp::now()).map_err(|error| {
            log::warn("webhook.clerk_refused", &[("reason", &error)]);
            refusal(&error)
        })?;
        let guard = StoreReplayGuard::new(store.clone(), "clerk");
        if !guard.first_seen(&delivery.id).map_err(|e| refusal(&e))? {
            return Ok(json!({ "status": "duplicate", "delivery": delivery.id }));
        }
        let event = match ClerkEvent::parse(&body) {
            Ok(event) => event,
            Err(error) => {
                let _ = guard.forget(&delivery.id);
                return Err(refusal(&error));
            }
        };
        let record = |action: &str, target: &str, summary: String| {
            audit::record(
                &store,
                Entry {
                    actor: None,
                    actor_role: None,
                    via: Some("webhook:clerk".into()),
                    action: action.to_owned(),
                    project: None,
                    target: Some(target.to_owned()),
                    address: None,
                    outcome: Outcome::Ok,
                    summary,
                    request_id: Some(delivery.id.clone()),
                },
            )
        };
        let done = match event {
            ClerkEvent::UserCreated(user) | ClerkEvent::UserUpdated(user) => {
                let stored = store
                    .upsert_user(
                        &UserProfile {
                            subject: &user.id,
                            email: user.email.as_deref(),
                            name: user.name.as_deref(),
                        },
                        false,
                    )
                    .inspect_err(|_| {
                        let _ = guard.forget(&delivery.id);
                    })?;
                record(
                    "users.upsert",
                    &stored.id,
                    format!("Clerk user {} upserted", user.id),
                );
                json!({ "status": "ok", "user": stored.id })
            }
            ClerkEvent::UserDeleted { id } => {
                let known = store.disable_user(&id).inspect_err(|_| {
                    let _ = guard.forget(&delivery.id);
                })?;
                // Their browser sessions end too (the API would refuse a
                // disabled user anyway; this keeps no live session rows).
                store.revoke_sessions_of(&id).inspect_err(|_| {
                    let _ = guard.forget(&delivery.id);
                })?;
                record(
                    "users.disable",
                    &id,
                    format!("Clerk user {id} deleted: disabled"),
                );
                json!({ "status": if known { "disabled" } else { "unknown user" } })
            }
            ClerkEvent::Other(kind) => {
                json!({ "status": "ignored", "reason": format!("`{kind}` is not a user event") })
            }
        };
        Ok(done)
    })
    .await;
    match answer {
        Ok(body) => (StatusCode::OK, axum::Json(body)).into_response(),
        Err(error) => error.into_response(),
    }
}
