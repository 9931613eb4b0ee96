//! `/api/me`, `/api/me/preferences`, a project's members and roles, and
//! its API tokens.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Extension, Path};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, put};
use axum::{Json, Router};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, Caller, TOKEN_PREFIX, blocking, json_body, token_hash};
use crate::auth::{Action, Role, Target};
use crate::serve::audit::Outcome;
use crate::serve::server::App;
use crate::state::{ApiTokenRecord, MemberChange, NewApiToken, Timestamp, UserRecord};

/// The largest preferences object, in bytes.
pub const MAX_PREFERENCES: usize = 4 * 1024;
/// The longest an API token may live.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);

pub(super) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/me", get(me))
        .route(
            "/api/me/preferences",
            patch(preferences).layer(DefaultBodyLimit::max(MAX_PREFERENCES)),
        )
        .route("/api/projects/{project}/members", get(members))
        .route(
            "/api/projects/{project}/members/{user}",
            put(set_member).delete(remove_member),
        )
        .route(
            "/api/projects/{project}/tokens",
            get(tokens).post(create_token),
        )
        .route("/api/projects/{project}/tokens/{id}", delete(revoke_token))
        .layer(DefaultBodyLimit::max(64 * 1024))
}

/// How each of `ids` (user ids, e.g. environments' owners) is shown:
/// their name, else their email, else the id. Only the users the caller
/// may see in `project` (its members) are named; others stay ids.
pub(in crate::serve) async fn people(
    caller: &Caller,
    project: &str,
    ids: Vec<String>,
) -> Result<std::collections::BTreeMap<String, String>, ApiError> {
    if caller.role_in(project).is_none() || ids.is_empty() {
        return Ok(Default::default());
    }
    let (store, project) = (caller.store().clone(), project.to_owned());
    blocking(move || {
        let members = store.members(&project)?;
        let mut names = std::collections::BTreeMap::new();
        for id in ids {
            if let Some(user) = members.iter().map(|m| &m.user).find(|u| u.id == id) {
                let shown = user.name.clone().or_else(|| user.email.clone());
                names.insert(id, shown.unwrap_or_else(|| user.id.clone()));
            }
        }
        Ok(names)
    })
    .await
}

fn at(t: Timestamp) -> i64 {
    t.0
}

fn user_json(user: &UserRecord) -> Value {
    json!({
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "disabled": user.disabled_at.is_some(),
    })
}

fn token_json(token: &ApiTokenRecord) -> Value {
    json!({
        "id": token.id,
        "name": token.name,
        "project": token.project,
        "role": token.role,
        "created_by": token.user_id,
        "created_at": at(token.created_at),
        "expires_at": at(token.expires_at),
        "last_used_at": token.last_used_at.map(at),
        "revoked_at": token.revoked_at.map(at),
    })
}

async fn me(Extension(caller): Extension<Caller>) -> Result<Json<Value>, ApiError> {
    let roles: serde_json::Map<String, Value> = caller
        .principal
        .roles
        .keys()
        .filter_map(|p| caller.role_in(p).map(|r| (p.clone(), json!(r.as_str()))))
        .collect();
    let preferences: Value =
        serde_json::from_str(&caller.user.preferences).unwrap_or_else(|_| json!({}));
    Ok(Json(json!({
        "user": user_json(&caller.user),
        "via": caller.via.label(),
        "roles": roles,
        "preferences": preferences,
    })))
}

/// Checks a preferences patch and applies it to `current`: `theme`
/// (`light`, `dark`, `system`) and `default_project` (a name), each
/// `null` to unset; nothing else.
pub fn merge_preferences(current: &str, patch: &Value) -> Result<Value, ApiError> {
    let bad = |message: String| {
        ApiError::bad_request(
            message,
            "send a JSON object with `theme` (`light`, `dark` or `system`) and/or `default_project` (a project name); `null` unsets",
        )
    };
    let Value::Object(patch) = patch else {
        return Err(bad("the preferences must be a JSON object".into()));
    };
    let mut merged = match serde_json::from_str::<Value>(current) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    for (key, value) in patch {
        match (key.as_str(), value) {
            (_, Value::Null) => {
                merged.remove(key);
            }
            ("theme", Value::String(theme))
                if ["light", "dark", "system"].contains(&theme.as_str()) =>
            {
                merged.insert(key.clone(), value.clone());
            }
            ("default_project", Value::String(name))
                if !name.is_empty() && name.len() <= 200 && !name.chars().any(char::is_control) =>
            {
                merged.insert(key.clone(), value.clone());
            }
            ("theme" | "default_project", _) => {
                return Err(bad(format!("`{key}` has a value it cannot take")));
            }
            _ => return Err(bad(format!("`{key}` is not a preference"))),
        }
    }
    Ok(Value::Object(merged))
}

async fn preferences(
    Extension(caller): Extension<Caller>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = super::read_body(body)?;
    let patch: Value = json_body(&body)?;
    blocking(move || {
        let merged = merge_preferences(&caller.user.preferences, &patch)?;
        caller
            .store()
            .set_preferences(&caller.user.id, &merged.to_string())?;
        let keys: Vec<&String> = patch
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        caller.record(
            "preferences.update",
            None,
            Some(&caller.user.id),
            Outcome::Ok,
            format!("changed preferences {keys:?}"),
        );
        Ok(Json(json!({ "preferences": merged })))
    })
    .await
}

fn target(project: &str) -> Target<'_> {
    Target {
        project: Some(project),
        owner: None,
    }
}

async fn members(
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
) -> Result<Json<Value>, ApiError> {
    blocking(move || {
        caller.authorize(Action::Read, &target(&project))?;
        let members = caller.store().members(&project)?;
        let members: Vec<Value> = members
            .iter()
            .map(|m| {
                json!({
                    "user": user_json(&m.user),
                    "role": m.role,
                    "granted_by": m.granted_by,
                    "granted_at": at(m.granted_at),
                })
            })
            .collect();
        Ok(Json(json!({ "project": project, "members": members })))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: String,
}

fn parse_role(name: &str) -> Result<Role, ApiError> {
    Role::parse(name).ok_or_else(|| {
        ApiError::bad_request(
            format!("`{name}` is not a role"),
            "roles are `viewer`, `member` and `admin`",
        )
    })
}

fn last_admin(project: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "mirage::serve::last_admin",
        format!("this would leave project `{project}` without an admin"),
        "make another member admin first, then change or remove this one",
    )
}

async fn set_member(
    Extension(caller): Extension<Caller>,
    Path((project, user)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = super::read_body(body)?;
    blocking(move || {
        caller.authorize(Action::Administer, &target(&project))?;
        let body: RoleBody = json_body(&body)?;
        let role = parse_role(&body.role)?;
        match caller
            .store()
            .set_member(&project, &user, role.as_str(), Some(&caller.user.id))?
        {
            MemberChange::Done { previous } => {
                caller.record(
                    "members.set",
                    Some(&project),
                    Some(&user),
                    Outcome::Ok,
                    format!(
                        "role of {user} in {project}: {} → {}",
                        previous.as_deref().unwrap_or("none"),
                        role.as_str()
                    ),
                );
                Ok(Json(
                    json!({ "project": project, "user": user, "role": role.as_str() }),
                ))
            }
            MemberChange::LastAdmin => {
                caller.record(
                    "members.set",
                    Some(&project),
                    Some(&user),
                    Outcome::Failed,
                    "refused: last admin",
                );
                Err(last_admin(&project))
            }
            MemberChange::NotFound => {
                caller.record(
                    "members.set",
                    Some(&project),
                    Some(&user),
                    Outcome::Refused,
                    "no such user",
                );
                Err(ApiError::not_found("user"))
            }
        }
    })
    .await
}

async fn remove_member(
    Extension(caller): Extension<Caller>,
    Path((project, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    blocking(move || {
        caller.authorize(Action::Administer, &target(&project))?;
        match caller.store().remove_member(&project, &user)? {
            MemberChange::Done { previous } => {
                caller.record(
                    "members.remove",
                    Some(&project),
                    Some(&user),
                    Outcome::Ok,
                    format!(
                        "removed {user} ({}) from {project}",
                        previous.as_deref().unwrap_or("none")
                    ),
                );
                Ok(StatusCode::NO_CONTENT)
            }
            MemberChange::LastAdmin => {
                caller.record(
                    "members.remove",
                    Some(&project),
                    Some(&user),
                    Outcome::Failed,
                    "refused: last admin",
                );
                Err(last_admin(&project))
            }
            MemberChange::NotFound => {
                caller.record(
                    "members.remove",
                    Some(&project),
                    Some(&user),
                    Outcome::Refused,
                    "not a member",
                );
                Err(ApiError::not_found("member"))
            }
        }
    })
    .await
}

async fn tokens(
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
) -> Result<Json<Value>, ApiError> {
    blocking(move || {
        caller.authorize(Action::Administer, &target(&project))?;
        let tokens: Vec<Value> = caller
            .store()
            .api_tokens(&project)?
            .iter()
            .map(token_json)
            .collect();
        Ok(Json(json!({ "project": project, "tokens": tokens })))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
    role: String,
    /// `30d`, `12h`…, or seconds.
    expires_in: Value,
}

fn lifetime(value: &Value) -> Result<Duration, ApiError> {
    let bad = |message: String| {
        ApiError::bad_request(
            message,
            "give `expires_in` as a duration (`30d`, `12h`, `1w`) or seconds, at most 366 days",
        )
    };
    let seconds = match value {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| bad("`expires_in` must be a positive whole number of seconds".into()))?,
        Value::String(text) => crate::resolve::value::parse_duration(text)
            .map_err(|e| bad(format!("`expires_in`: {e}")))?,
        _ => return Err(bad("`expires_in` is required".into())),
    };
    let lifetime = Duration::from_secs(seconds);
    if lifetime.is_zero() || lifetime > MAX_TOKEN_LIFETIME {
        return Err(bad(format!(
            "`expires_in` of {seconds}s is not between 1s and 366 days"
        )));
    }
    Ok(lifetime)
}

/// A new token: `mrg_` and 256 random bits in base64url.
fn new_token() -> Result<String, ApiError> {
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    aws_lc_rs::rand::fill(bytes.as_mut()).map_err(|_| ApiError::internal())?;
    Ok(format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes.as_ref())
    ))
}

async fn create_token(
    Extension(caller): Extension<Caller>,
    Path(project): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = super::read_body(body)?;
    blocking(move || {
        caller.authorize(Action::Administer, &target(&project))?;
        let body: NewToken = json_body(&body)?;
        let name = body.name.trim();
        if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
            return Err(ApiError::bad_request(
                "a token's `name` is 1 to 100 printable characters",
                "name the token after what uses it, e.g. `ci-deploy`",
            ));
        }
        let role = parse_role(&body.role)?;
        let lifetime = lifetime(&body.expires_in)?;
        if caller.role_in(&project).is_none_or(|mine| role > mine) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "mirage::serve::token_role",
                format!("a token cannot have more than your role in `{project}`"),
                "ask for a role no higher than yours",
            ));
        }
        let token = new_token()?;
        let id = crate::state::new_id("tok_");
        let record = caller.store().create_api_token(&NewApiToken {
            id: &id,
            hash: &token_hash(&token),
            name,
            project: &project,
            role: role.as_str(),
            user_id: &caller.user.id,
            expires_at: caller.store().now().add(lifetime),
        })?;
        caller.record(
            "tokens.create",
            Some(&project),
            Some(&id),
            Outcome::Ok,
            format!("token {id} `{name}` ({}) for {project}", role.as_str()),
        );
        let mut answer = token_json(&record);
        answer["token"] = json!(token);
        Ok((StatusCode::CREATED, Json(answer)).into_response())
    })
    .await
}

async fn revoke_token(
    Extension(caller): Extension<Caller>,
    Path((project, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    blocking(move || {
        caller.authorize(Action::Administer, &target(&project))?;
        if !caller.store().revoke_api_token(&project, &id)? {
            caller.record(
                "tokens.revoke",
                Some(&project),
                Some(&id),
                Outcome::Refused,
                "no such token in this project",
            );
            return Err(ApiError::not_found("token"));
        }
        caller.record(
            "tokens.revoke",
            Some(&project),
            Some(&id),
            Outcome::Ok,
            format!("revoked token {id} of {project}"),
        );
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}
