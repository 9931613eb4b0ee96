//! `PUT`/`GET`/`DELETE /api/projects/{project}/railway-token`: an admin
//! sets the project's Railway token (sealed at rest, never echoed) or
//! clears it (serve's own token is used again); reading says only whether
//! one is set, when and by whom.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, Caller, blocking, json_body};
use crate::auth::{Action, Target};
use crate::secrets::SecretString;
use crate::serve::audit::Outcome;
use crate::serve::credentials::{self, RAILWAY_TOKEN};
use crate::serve::server::App;

pub(super) fn routes() -> Router<Arc<App>> {
    Router::new().route(
        "/api/projects/{project}/railway-token",
        get(status).put(set).delete(clear),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    token: String,
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Body(<redacted>)")
    }
}

fn target(project: &str) -> Target<'_> {
    Target {
        project: Some(project),
        owner: None,
    }
}

/// Whether `project` has a Railway token: when it was set and by whom
/// (admin; never the token).
#[derive(Clone, Debug)]
pub struct TokenStatus {
    /// When it was set (`None`: no token).
    pub set_at: Option<crate::state::Timestamp>,
    /// Who set it (a user id), if known.
    pub set_by: Option<String>,
}

/// The [`TokenStatus`] of `project` (admin).
pub(in crate::serve) async fn token_status(
    caller: &Caller,
    project: &str,
) -> Result<TokenStatus, ApiError> {
    let (caller, project) = (caller.clone(), project.to_owned());
    blocking(move || {
        caller.authorize(Action::Administer, &target(&project))?;
        let row = caller.store().credential(&project, RAILWAY_TOKEN)?;
        Ok(TokenStatus {
            set_at: row.as_ref().map(|r| r.set_at),
            set_by: row.and_then(|r| r.set_by),
        })
    })
    .await
}

async fn status(
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let status = token_status(&caller, &project).await?;
    Ok(Json(json!({
        "project": project,
        "set": status.set_at.is_some(),
        "set_at": status.set_at.map(|t| t.0),
        "set_by": status.set_by,
    })))
}

async fn set(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = super::read_body(body)?;
    let keyring = app.identity.keyring.clone();
    blocking(move || {
        caller.authorize(Action::Administer, &target(&project))?;
        let Some(keyring) = keyring else {
            caller.record("railway_token.set", Some(&project), None, Outcome::Failed, "no master key configured");
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "mirage::serve::no_master_key",
                "this service has no master key, so it cannot keep a Railway token",
                "start `mirage serve` with `MIRAGE_MASTER_KEY` (`head -c 32 /dev/urandom | base64`) or `--master-key-file`; tokens are never stored in clear",
            ));
        };
        let body: Body = json_body(&body)?;
        let token = SecretString::new(body.token);
        let text = token.expose();
        if text.is_empty() || text.len() > 4096 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ApiError::bad_request(
                "the Railway token must be 1 to 4096 characters without spaces",
                "paste the token Railway showed when it was made (Project Settings → Tokens, or Account → Tokens)",
            ));
        }
        credentials::set_railway_token(caller.store(), &keyring, &project, &token, Some(&caller.user.id))
            .map_err(|error| match error {
                credentials::CredentialError::State(e) => ApiError::state(&e),
                credentials::CredentialError::Envelope(_) => ApiError::internal(),
            })?;
        caller.record(
            "railway_token.set",
            Some(&project),
            None,
            Outcome::Ok,
            format!("set the Railway token of {project} (sealed with key {})", keyring.current().id()),
        );
        Ok(Json(json!({ "project": project, "set": true, "set_by": caller.user.id })))
    })
    .await
}

/// Clears the project's Railway token: its jobs and overview read Railway
/// with serve's own token again. `204` whether or not one was set (the
/// audit log says which).
async fn clear(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
) -> Result<StatusCode, ApiError> {
    let name = project.clone();
    blocking(move || {
        caller.authorize(Action::Administer, &target(&project))?;
        let had = caller.store().delete_credential(&project, RAILWAY_TOKEN)?;
        caller.record(
            "railway_token.clear",
            Some(&project),
            None,
            Outcome::Ok,
            if had {
                format!("cleared the Railway token of {project}")
            } else {
                format!("no Railway token of {project} to clear")
            },
        );
        Ok(())
    })
    .await?;
    // The overview was read with the old token.
    app.catalog.invalidate(&name);
    Ok(StatusCode::NO_CONTENT)
}
