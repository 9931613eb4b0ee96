//! The API of `mirage serve` under `/api/…` (issue #17): every route sits
//! behind [`authenticate`], which turns a request into a [`Caller`] or
//! answers `401`; handlers then ask [`Caller::authorize`] (which calls
//! `auth::authorize`, the only place rules live, and records refusals in
//! the audit log) and answer with JSON or an [`ApiError`].
//!
//! Handlers do their database work in one `spawn_blocking` closure
//! ([`blocking`]): the state API is synchronous.
//!
//! * [`identity`]: `/api/me`, members and roles, API tokens.
//! * [`audit_log`]: `/api/audit` (JSON pages, NDJSON and CSV exports).
//! * [`railway_token`]: each project's sealed Railway token.
//! * [`projects`]: the served projects, a project's overview, templates,
//!   plan, apply and statistics.
//! * [`environments`]: creating, destroying and extending environments,
//!   and the jobs doing it (status and server-sent events).
//! * [`openapi`]: `/api/openapi.json`, the document of every route.

pub mod audit_log;
pub mod environments;
pub mod error;
pub mod identity;
pub mod live;
/// Room `api` (issue #19): an environment's logs, merged and followed.
pub mod logs;
pub mod openapi;
pub mod projects;
pub mod railway_token;
/// Room `api` (issue #18): a service's logs and redeploy.
pub mod services;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use sha2::Digest as _;

pub use error::ApiError;

use crate::auth::{Action, Decision, OidcVerifier, Principal, Role, Target, authorize};
use crate::secrets::Keyring;
use crate::state::{Store, Timestamp, UserProfile, UserRecord};

use super::audit::{self, Entry, Outcome};
use super::log;
use super::server::App;

/// What the API needs beside the service's configuration.
#[derive(Debug, Default)]
pub struct Identity {
    /// Verifies bearer JWTs (`None`: no OIDC issuer configured, only API
    /// tokens are accepted).
    pub verifier: Option<Arc<OidcVerifier>>,
    /// Seals project credentials (`None`: no master key; they cannot be
    /// set).
    pub keyring: Option<Arc<Keyring>>,
}

/// How the caller proved who they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// A bearer JWT of the OIDC provider.
    Jwt,
    /// A Mirage API token (its id).
    ApiToken(String),
    /// A browser session cookie (built by sign-in).
    Session,
}

impl Via {
    /// `jwt`, `token:tok_…`, `session`: as the audit log says it.
    pub fn label(&self) -> String {
        match self {
            Via::Jwt => "jwt".to_owned(),
            Via::ApiToken(id) => format!("token:{id}"),
            Via::Session => "session".to_owned(),
        }
    }
}

/// An authenticated request's caller.
#[derive(Clone, Debug)]
pub struct Caller {
    /// Who, with their roles (and a token's scope).
    pub principal: Principal,
    /// How they came.
    pub via: Via,
    /// The client's address.
    pub address: Option<SocketAddr>,
    /// The user as stored.
    pub user: UserRecord,
    /// This request's id (in the audit log and serve's log).
    pub request_id: String,
    /// `METHOD /path`, for the audit log.
    pub route: String,
    /// The session's CSRF token, when the caller came with a session
    /// cookie (the dashboard's pages put it where their script finds it).
    pub csrf: Option<String>,
    /// The projects this service serves.
    served: Arc<Vec<String>>,
    store: Store,
}

impl Caller {
    /// The state database (a connection of the intake).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether `project` is served here.
    pub fn serves(&self, project: &str) -> bool {
        self.served.iter().any(|p| p == project)
    }

    /// The caller's role in `project` (capped by a token's scope).
    pub fn role_in(&self, project: &str) -> Option<Role> {
        self.serves(project)
            .then(|| self.principal.role_in(project))
            .flatten()
    }

    /// May the caller do `action` on `target`? A project this service
    /// does not serve is unknown. A refusal is recorded in the audit log
    /// and answered `404` (unknown or invisible) or `403`.
    pub fn authorize(&self, action: Action, target: &Target<'_>) -> Result<(), ApiError> {
        let project = target.project.filter(|p| self.serves(p));
        let decision = authorize(
            &self.principal,
            action,
            &Target {
                project,
                owner: target.owner,
            },
        );
        let error = match decision {
            Decision::Allow => return Ok(()),
            Decision::Forbidden => ApiError::forbidden(),
            Decision::NotFound => ApiError::not_found("project"),
        };
        self.record(
            &format!("authorize.{}", action_name(action)),
            target.project,
            None,
            Outcome::Refused,
            format!("{} refused ({})", self.route, error.status.as_u16()),
        );
        Err(error)
    }

    /// Whether the caller may do `action` on `target`: the same rule as
    /// [`Caller::authorize`], without recording anything. For deciding
    /// what a page shows (a button the caller may not use is not drawn);
    /// the action itself is authorized again when it is asked for.
    pub fn may(&self, action: Action, target: &Target<'_>) -> bool {
        let project = target.project.filter(|p| self.serves(p));
        authorize(
            &self.principal,
            action,
            &Target {
                project,
                owner: target.owner,
            },
        ) == Decision::Allow
    }

    /// Records an entry of this caller (blocking).
    pub fn record(
        &self,
        action: &str,
        project: Option<&str>,
        target: Option<&str>,
        outcome: Outcome,
        summary: impl Into<String>,
    ) {
        audit::record(
            &self.store,
            Entry {
                actor: Some(self.user.id.clone()),
                actor_role: project
                    .and_then(|p| self.principal.role_in(p))
                    .map(|r| r.as_str().to_owned()),
                via: Some(self.via.label()),
                action: action.to_owned(),
                project: project.map(str::to_owned),
                target: target.map(str::to_owned),
                address: self.address.map(|a| a.ip().to_string()),
                outcome,
                summary: summary.into(),
                request_id: Some(self.request_id.clone()),
            },
        );
    }
}

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Read => "read",
        Action::CreateEnvironment => "create_environment",
        Action::ChangeEnvironment => "change_environment",
        Action::DestroyEnvironment => "destroy_environment",
        Action::ApplyProject => "apply_project",
        Action::ReadAudit => "read_audit",
        Action::Administer => "administer",
    }
}

/// [`Caller::authorize`] of `action` on `project` (no owner), on a
/// blocking thread (a refusal is written to the audit log).
pub async fn allow(caller: &Caller, action: Action, project: &str) -> Result<(), ApiError> {
    let (caller, project) = (caller.clone(), project.to_owned());
    blocking(move || {
        caller.authorize(
            action,
            &Target {
                project: Some(&project),
                owner: None,
            },
        )
    })
    .await
}

/// Runs `work` on a blocking thread.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|_| Err(ApiError::internal()))
}

/// The body, or the API's own error when it is over the route's limit or
/// cannot be read.
pub fn read_body(
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<axum::body::Bytes, ApiError> {
    body.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            "mirage::serve::bad_request",
            format!("the request body cannot be read: {}", rejection.body_text()),
            "send a small JSON body (see docs/serve.md for each endpoint's limit)",
        )
    })
}

/// Reads a JSON body into `T` (the API's own error on a bad one).
pub fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|error| {
        ApiError::bad_request(
            format!("the request body is not the JSON this endpoint takes: {error}"),
            "see docs/serve.md for the endpoint's body",
        )
    })
}

/// The projects this service serves: every served project (`--project`,
/// the configuration file's blocks), then `api_projects`.
pub(in crate::serve) fn served(app: &App) -> Vec<String> {
    let mut projects: Vec<String> = app.project_names().into_iter().map(str::to_owned).collect();
    if projects.is_empty() {
        projects.push(app.config.project.clone());
    }
    for project in &app.config.api_projects {
        if !projects.contains(project) {
            projects.push(project.clone());
        }
    }
    projects
}

/// Mounts the API's routes behind [`authenticate`] (the `protect` hook of
/// `http::router_with`).
pub(in crate::serve) fn mount(routes: Router<Arc<App>>, app: Arc<App>) -> Router<Arc<App>> {
    let app_for_pages = app.clone();
    let api = Router::new()
        .merge(identity::routes())
        .merge(audit_log::routes())
        .merge(railway_token::routes())
        // Projects, environments, jobs.
        .merge(projects::routes())
        .merge(environments::routes())
        // Live status of an environment's deployments (the dashboard).
        .merge(live::routes())
        // A service's logs and redeploy (the dashboard).
        .merge(services::routes())
        .merge(logs::routes())
        .route_layer(middleware::from_fn_with_state(app, authenticate));
    // The OpenAPI document is served without authentication; the
    // dashboard's pages have their own gate (a sign-in redirect, not 401).
    routes
        .merge(api)
        .merge(openapi::routes())
        .merge(super::web::routes(app_for_pages))
}

/// The engine (context and project directory) serving `project`, or
/// `None` when this service has no files for it. The ONE place the API
/// maps a served project's name to the context and files its jobs run
/// with.
pub(in crate::serve) fn engine_for(
    app: &App,
    project: &str,
) -> Option<(crate::engine::Context, std::path::PathBuf)> {
    app.project(project)?
        .previews
        .engine()
        .map(|(context, dir)| (context.clone(), dir.to_path_buf()))
}

/// The engine serving `project`, or the API's error saying there is none
/// (a project the caller may read, whose files this service lacks).
pub(in crate::serve) fn engine_or_error(
    app: &App,
    project: &str,
) -> Result<(crate::engine::Context, std::path::PathBuf), ApiError> {
    engine_for(app, project).ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "mirage::serve::no_project_files",
            format!("this service has no files for project `{project}`"),
            "run `mirage serve` with the project's directory (`--project DIR`), or ask the replica that serves it",
        )
    })
}

/// [`engine_or_error`] with the context that reads Railway: the
/// project's own sealed token when an admin stored one, as its jobs use.
pub(in crate::serve) async fn railway_engine(
    app: &App,
    project: &str,
) -> Result<(crate::engine::Context, std::path::PathBuf), ApiError> {
    let (base, dir) = engine_or_error(app, project)?;
    let credentials =
        app.config
            .keyring
            .clone()
            .map(|keyring| super::credentials::ProjectCredentials {
                keyring,
                project: project.to_owned(),
            });
    let context = super::credentials::job_context(&base, &dir, credentials.as_ref())
        .await
        .map_err(|f| failure_error(&f))?;
    Ok((context, dir))
}

/// A server-sent event stream of what a task sends on `receiver`, with
/// keep-alives; it ends when the task drops its sender, or when the
/// service stops (a browser reconnects, to another replica if need be).
pub(in crate::serve) fn event_stream(
    app: &App,
    receiver: tokio::sync::mpsc::Receiver<axum::response::sse::Event>,
) -> Response {
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|event| (Ok::<_, std::convert::Infallible>(event), receiver))
    });
    let stream = futures_util::StreamExt::take_until(stream, app.stopped());
    axum::response::sse::Sse::new(stream)
        .keep_alive(axum::response::sse::KeepAlive::default())
        .into_response()
}

/// An engine failure as the API's error: an unknown job or an
/// environment serve did not create is `404`; a request with problems is
/// `422` with every problem (`problems`: code, message, help, field); a
/// state database failure `503`; anything else (Railway, the files)
/// `502`.
pub(in crate::serve) fn failure_error(failure: &crate::engine::Failure) -> ApiError {
    use axum::http::StatusCode;
    let Some(first) = failure.diagnostics.first() else {
        return ApiError::internal();
    };
    let help = |d: &crate::diagnostic::Diagnostic| {
        d.help
            .clone()
            .unwrap_or_else(|| "see docs/serve.md".to_owned())
    };
    if matches!(
        first.code,
        "mirage::serve::unknown_job" | "mirage::serve::not_serve_environment"
    ) {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            first.code,
            first.message.clone(),
            help(first),
        );
    }
    if failure.exit == crate::engine::Exit::Usage {
        let problems: Vec<serde_json::Value> = failure
            .diagnostics
            .iter()
            .map(|d| {
                serde_json::json!({
                    "code": d.code,
                    "message": d.message,
                    "help": help(d),
                    "field": field_of(d.code),
                })
            })
            .collect();
        let mut error = if problems.len() == 1 {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                first.code,
                first.message.clone(),
                help(first),
            )
        } else {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "mirage::serve::invalid_request",
                format!("the request has {} problems", problems.len()),
                "fix each of `problems` and send it again",
            )
        };
        error.problems = problems;
        return error;
    }
    if first.code.starts_with("mirage::state::") {
        log::error(
            "api.state_failed",
            &[("code", &first.code), ("message", &first.message)],
        );
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "mirage::serve::state_unavailable",
            "the state database is unavailable",
            "retry later; the service's log says why",
        );
    }
    log::warn(
        "api.engine_failed",
        &[("code", &first.code), ("message", &first.message)],
    );
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        first.code,
        first.message.clone(),
        help(first),
    )
}

/// The request field a problem's code is about.
fn field_of(code: &str) -> Option<&'static str> {
    Some(match code {
        "mirage::serve::bad_environment_name"
        | "mirage::serve::reserved_environment_name"
        | "mirage::serve::environment_exists" => "name",
        "mirage::serve::no_such_template" => "template",
        "mirage::serve::bad_ttl" | "mirage::serve::ttl_too_long" => "ttl",
        "mirage::serve::unknown_variable"
        | "mirage::serve::secret_in_clear"
        | "mirage::serve::bad_secret_reference"
        | "mirage::serve::bad_override" => "variables",
        "mirage::serve::unknown_project" => "project",
        "mirage::serve::unknown_service" | "mirage::serve::dependency_not_selected" => "services",
        "mirage::serve::no_owner" => "owner",
        // Room `resources` (issue #18): sizes within the template's.
        "mirage::serve::resource_too_large" | "mirage::serve::bad_resource" => "resources",
        _ => return None,
    })
}

/// A TTL as the API takes it: seconds, or a duration (`72h`, `30m`,
/// `7d`).
pub(in crate::serve) fn ttl_of(value: &serde_json::Value) -> Result<std::time::Duration, String> {
    match value {
        serde_json::Value::Number(n) => n
            .as_u64()
            .map(std::time::Duration::from_secs)
            .ok_or_else(|| "`ttl` must be a positive whole number of seconds".to_owned()),
        serde_json::Value::String(text) => crate::resolve::value::parse_duration(text)
            .map(std::time::Duration::from_secs)
            .map_err(|e| format!("`ttl`: {e}")),
        _ => Err("`ttl` must be seconds or a duration such as `72h`".to_owned()),
    }
}

/// The prefix of Mirage API tokens.
pub const TOKEN_PREFIX: &str = "mrg_";

/// The SHA-256 of an API token, hex: what the database keeps.
///
/// A plain hash, not a slow password hash: tokens are 256 random bits,
/// so there is nothing to guess a dictionary from, and a lookup by hash
/// on every request must stay cheap.
pub fn token_hash(token: &str) -> String {
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where a request came from, as the audit log and serve's log say it,
/// and the credentials it carries.
pub(in crate::serve) struct Arrival {
    /// The client's address.
    pub address: Option<SocketAddr>,
    /// `METHOD /path`.
    pub route: String,
    /// A fresh id for this request.
    pub request_id: String,
    headers: HeaderMap,
    method: Method,
}

impl Arrival {
    /// `request`'s arrival.
    pub(in crate::serve) fn of(request: &Request) -> Arrival {
        Arrival {
            address: request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
            route: format!("{} {}", request.method(), request.uri().path()),
            request_id: format!("{:016x}", fastrand::u64(..)),
            headers: request.headers().clone(),
            method: request.method().clone(),
        }
    }

    /// Its caller ([`identify`]).
    pub(in crate::serve) async fn identify(&self, app: &Arc<App>) -> Result<Caller, ApiError> {
        identify(
            app,
            &self.headers,
            &self.method,
            self.address,
            &self.route,
            &self.request_id,
        )
        .await
    }
}

/// The authentication layer: `Authorization: Bearer <JWT | mrg_…>` (or,
/// once sign-in lands, a session cookie) → a [`Caller`] in the request's
/// extensions; otherwise `401`, recorded in the audit log.
pub(in crate::serve) async fn authenticate(
    State(app): State<Arc<App>>,
    mut request: Request,
    next: Next,
) -> Response {
    let arrival = Arrival::of(&request);
    let identified = arrival.identify(&app).await;
    let Arrival {
        address,
        route,
        request_id,
        ..
    } = arrival;
    match identified {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(error) => {
            let store = app.intake().0.clone();
            let summary = format!("{route} refused: {}", error.message);
            let id = request_id.clone();
            let _ = tokio::task::spawn_blocking(move || {
                audit::record(
                    &store,
                    Entry {
                        actor: None,
                        actor_role: None,
                        via: None,
                        action: "authenticate".to_owned(),
                        project: None,
                        target: None,
                        address: address.map(|a| a.ip().to_string()),
                        outcome: Outcome::Refused,
                        summary,
                        request_id: Some(id),
                    },
                )
            })
            .await;
            log::warn(
                "api.unauthenticated",
                &[("route", &route), ("request", &request_id)],
            );
            error.into_response()
        }
    }
}

/// The caller a request's credentials name (bearer JWT, API token or
/// session cookie, CSRF-checked), or why not. The API's layer and the
/// dashboard's pages both use it.
pub(in crate::serve) async fn identify(
    app: &Arc<App>,
    headers: &HeaderMap,
    method: &Method,
    address: Option<SocketAddr>,
    route: &str,
    request_id: &str,
) -> Result<Caller, ApiError> {
    let bearer = match headers.get(header::AUTHORIZATION) {
        Some(value) => {
            let value = value
                .to_str()
                .map_err(|_| ApiError::unauthenticated("the `Authorization` header is not text"))?;
            let token = value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    ApiError::unauthenticated("the `Authorization` header is not `Bearer <token>`")
                })?;
            Some(token.to_owned())
        }
        None => None,
    };
    let store = app.intake().0.clone();
    let served = Arc::new(served(app));
    let mut csrf = None;
    let (user, via, scope) = match bearer {
        Some(token) if token.starts_with(TOKEN_PREFIX) => {
            let store = store.clone();
            blocking(move || api_token(&store, &token)).await?
        }
        Some(token) => {
            let Some(verifier) = &app.identity.verifier else {
                return Err(ApiError::unauthenticated(
                    "this service accepts no JWTs (no OpenID issuer is configured)",
                ));
            };
            let claims = verifier
                .verify(&token, Timestamp::now())
                .await
                .map_err(|error| ApiError::unauthenticated(error.to_string()))?;
            let store = store.clone();
            let user = blocking(move || {
                Ok(store.upsert_user(
                    &UserProfile {
                        subject: &claims.sub,
                        email: claims.email.as_deref(),
                        name: claims.name.as_deref(),
                    },
                    true,
                )?)
            })
            .await?;
            (user, Via::Jwt, None)
        }
        None => {
            // A browser's session cookie. A request it authenticates that
            // changes something must also pass the CSRF check; bearer
            // requests need none (a browser never sends an
            // `Authorization` header on its own).
            let Some(signin) = &app.signin else {
                return Err(ApiError::unauthenticated("no credentials were sent"));
            };
            let public_origin = signin.config.public_url.clone();
            let (store, headers, method) = (store.clone(), headers.clone(), method.clone());
            let (user, via, scope, token) = blocking(move || {
                let session = super::signin::session_from_request(&store, &headers)
                    .map_err(|error| signin_refusal(&error))?
                    .ok_or_else(|| ApiError::unauthenticated("no credentials were sent"))?;
                super::signin::check_csrf(&session, &method, &headers, &public_origin)
                    .map_err(|error| signin_refusal(&error))?;
                // The session's user, as sign-in recorded them; made
                // here if sign-in came before the user table knew them.
                let user = match store.user_by_subject(&session.sub)? {
                    Some(user) => user,
                    None => store.upsert_user(
                        &UserProfile {
                            subject: &session.sub,
                            email: session.email.as_deref(),
                            name: session.name.as_deref(),
                        },
                        true,
                    )?,
                };
                Ok((user, Via::Session, None, session.csrf_token))
            })
            .await?;
            csrf = Some(token);
            (user, via, scope)
        }
    };
    if user.disabled_at.is_some() {
        return Err(ApiError::unauthenticated("this user is disabled"));
    }
    let roles = {
        let (store, user_id) = (store.clone(), user.id.clone());
        blocking(move || Ok(store.roles_of(&user_id)?)).await?
    };
    let admin = app.config.admins.iter().any(|a| {
        *a == user.subject
            || user
                .email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(a))
    });
    let mut by_project = BTreeMap::new();
    for (project, role) in roles {
        if let Some(role) = Role::parse(&role)
            && served.contains(&project)
        {
            by_project.insert(project, role);
        }
    }
    if admin {
        for project in served.iter() {
            by_project.insert(project.clone(), Role::Admin);
        }
    }
    Ok(Caller {
        principal: Principal {
            user: user.id.clone(),
            roles: by_project,
            token_scope: scope,
        },
        via,
        address,
        user,
        request_id: request_id.to_owned(),
        route: route.to_owned(),
        csrf,
        served,
        store,
    })
}

/// A refusal of sign-in's session or CSRF check, in the API's shape.
fn signin_refusal(error: &super::signin::SigninError) -> ApiError {
    let code = match error {
        super::signin::SigninError::Csrf(_) => "mirage::auth::csrf",
        super::signin::SigninError::Store => "mirage::auth::session_store",
        _ => "mirage::serve::unauthenticated",
    };
    let help = miette::Diagnostic::help(error)
        .map(|h| h.to_string())
        .unwrap_or_else(|| "sign in again at `/auth/login`".to_owned());
    ApiError::new(error.status(), code, error.to_string(), help)
}

/// Who a credential is: the user, how they came, a token's scope.
type Authenticated = (UserRecord, Via, Option<(String, Role)>);

/// An API token: looked up by its hash in the database on every request
/// (no cache), so a revocation holds at once on every replica.
fn api_token(store: &Store, token: &str) -> Result<Authenticated, ApiError> {
    if token.len() > 200 {
        return Err(ApiError::unauthenticated(
            "the API token is not one of Mirage's",
        ));
    }
    let found = store
        .api_token_by_hash(&token_hash(token))?
        .ok_or_else(|| ApiError::unauthenticated("the API token is unknown"))?;
    if found.token.revoked_at.is_some() {
        return Err(ApiError::unauthenticated("the API token was revoked"));
    }
    if store.now() >= found.token.expires_at {
        return Err(ApiError::unauthenticated("the API token has expired"));
    }
    let role = Role::parse(&found.token.role)
        .ok_or_else(|| ApiError::unauthenticated("the API token's role is unknown"))?;
    store.touch_api_token(&found.token.id)?;
    Ok((
        found.user,
        Via::ApiToken(found.token.id),
        Some((found.token.project, role)),
    ))
}
