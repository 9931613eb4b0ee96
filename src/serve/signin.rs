//! The browser's sign-in: OpenID Connect authorization code flow with
//! PKCE (S256) against any provider (Clerk, Auth0, Okta, Keycloak,
//! Google…), a session cookie, and CSRF protection for cookie-authenticated
//! state-changing requests.
//!
//! * `GET /auth/login?return_to=/path` stores a pending login (keyed by
//!   the SHA-256 of a random `state`) in the state database — the callback
//!   may land on another replica — sets a short-lived `__Host-mirage_login`
//!   cookie binding the login to this browser, and redirects to the
//!   provider. The PKCE verifier is derived from that cookie and the
//!   `state`, so it is never stored: a database reader learns nothing
//!   usable, and a stolen `code` + `state` (from a log, a `Referer`) cannot
//!   be redeemed without the browser's cookie.
//! * `GET /auth/callback?code&state` takes the pending login out (used
//!   once), checks the browser's binding and the expiry, redeems the code
//!   with the verifier, verifies the ID token ([`OidcVerifier`], audience =
//!   the client id) and its `nonce`, and creates a session: a 256-bit
//!   random id in `__Host-mirage_session` (`HttpOnly; Secure;
//!   SameSite=Lax; Path=/`), stored only as its SHA-256, with an idle and
//!   an absolute expiry. Then `303` to `return_to`, a same-origin relative
//!   path only.
//! * `GET /auth/session`: the user and the session's CSRF token, or 401.
//! * `POST /auth/logout` (CSRF-checked): the session is deleted and the
//!   cookie cleared.
//!
//! The CSRF token is derived from the session id (so it is never stored)
//! and sent back in `X-CSRF-Token`; [`check_csrf`] compares it in constant
//! time and checks `Origin` / `Sec-Fetch-Site` against the public URL.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Deserialize;
use serde_json::json;
use sha2::Digest as _;

use crate::auth::{OidcConfig, OidcVerifier};
use crate::secrets::SecretString;
use crate::state::{PendingLogin, SessionRecord, StateError, Store, Timestamp};

use super::log;
use super::server::App;

/// The session cookie's name (`__Host-`: Secure, no Domain, Path=/).
pub const SESSION_COOKIE: &str = "__Host-mirage_session";
/// The cookie binding a login in flight to the browser that began it.
pub const LOGIN_COOKIE: &str = "__Host-mirage_login";
/// The header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Scopes asked of the provider.
pub const SCOPES: &str = "openid email profile";
/// How often a session's last use is written (at most).
const TOUCH_EVERY: i64 = 60;

/// How sign-in is configured.
#[derive(Clone, Debug)]
pub struct SigninConfig {
    /// The provider's issuer URL, as its `iss` claim spells it.
    pub issuer: String,
    /// This service's client id at the provider.
    pub client_id: String,
    /// The client secret of a confidential client (`None`: a public
    /// client, PKCE alone).
    pub client_secret: Option<SecretString>,
    /// The service's public origin (`https://mirage.example.com`), with no
    /// trailing slash: the redirect URI is `{public_url}/auth/callback`.
    pub public_url: String,
    /// How long a login may take at the provider.
    pub login_ttl: Duration,
    /// How long a session lasts unused.
    pub session_idle: Duration,
    /// How long a session lasts at most.
    pub session_lifetime: Duration,
}

impl SigninConfig {
    /// The defaults: 10 minutes to log in, sessions of 12 hours idle and
    /// 7 days at most. `public_url` must be an `http(s)` origin.
    pub fn new(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        public_url: &str,
    ) -> Result<SigninConfig, String> {
        Ok(SigninConfig {
            issuer: issuer.into(),
            client_id: client_id.into(),
            client_secret: None,
            public_url: public_origin(public_url)?,
            login_ttl: Duration::from_secs(600),
            session_idle: Duration::from_secs(12 * 3600),
            session_lifetime: Duration::from_secs(7 * 24 * 3600),
        })
    }

    /// `{public_url}/auth/callback`.
    pub fn redirect_uri(&self) -> String {
        format!("{}/auth/callback", self.public_url)
    }
}

/// `url` as an origin (`scheme://host[:port]`), or why not.
pub fn public_origin(url: &str) -> Result<String, String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| format!("the public URL `{url}` is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(format!(
            "the public URL `{url}` must be `https://host` (or `http://` for local tests)"
        ));
    }
    if parsed.path() != "/" || parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!(
            "the public URL `{url}` must be an origin, without a path (serve answers at the root)"
        ));
    }
    Ok(parsed.origin().ascii_serialization())
}

/// Why a sign-in request was refused. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum SigninError {
    /// Sign-in is not configured.
    #[error("browser sign-in is not configured on this service")]
    #[diagnostic(
        code(mirage::auth::signin_disabled),
        help("start `mirage serve` with `--oidc-issuer`, `--oidc-client-id` and `--public-url`")
    )]
    Disabled,
    /// No pending login has this `state` (forged, or already used).
    #[error("this sign-in is unknown or was already used")]
    #[diagnostic(
        code(mirage::auth::login_unknown),
        help("start again from `/auth/login`; each sign-in link works once")
    )]
    UnknownLogin,
    /// The pending login is too old.
    #[error("this sign-in took too long and expired")]
    #[diagnostic(
        code(mirage::auth::login_expired),
        help("start again from `/auth/login` and finish within 10 minutes")
    )]
    ExpiredLogin,
    /// The login was begun by another browser (its binding cookie is
    /// missing or different).
    #[error("this sign-in was begun in another browser")]
    #[diagnostic(
        code(mirage::auth::login_browser),
        help(
            "start again from `/auth/login` in this browser (cookies must be enabled for this site)"
        )
    )]
    OtherBrowser,
    /// The provider refused or failed the login.
    #[error("the identity provider refused the sign-in: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    #[diagnostic(
        code(mirage::auth::provider_refused),
        help(
            "`access_denied` means you (or a policy) declined; otherwise check the client's set-up at the provider (redirect URI, scopes, allowed users)"
        )
    )]
    Provider {
        /// The provider's `error` code.
        error: String,
        /// Its `error_description`, shortened.
        description: Option<String>,
    },
    /// The request to the callback lacks a parameter.
    #[error("the sign-in callback is missing `{0}`")]
    #[diagnostic(
        code(mirage::auth::bad_callback),
        help(
            "the provider redirects here with `code` and `state`; start again from `/auth/login`"
        )
    )]
    BadCallback(&'static str),
    /// The provider could not be reached or answered nonsense.
    #[error("the identity provider could not be reached: {0}")]
    #[diagnostic(
        code(mirage::auth::provider_unavailable),
        help("check `--oidc-issuer` and the network; try signing in again")
    )]
    Unavailable(String),
    /// The token endpoint refused the code.
    #[error("the identity provider refused the authorization code: {0}")]
    #[diagnostic(
        code(mirage::auth::code_refused),
        help(
            "codes work once and briefly: start again from `/auth/login`; if it persists, check the client id and secret"
        )
    )]
    CodeRefused(String),
    /// The ID token is not acceptable.
    #[error("the identity provider's ID token was refused: {0}")]
    #[diagnostic(
        code(mirage::auth::id_token_refused),
        help(
            "check `--oidc-issuer` and `--oidc-client-id` (the token's audience) and this machine's clock"
        )
    )]
    IdToken(String),
    /// No valid session.
    #[error("not signed in")]
    #[diagnostic(code(mirage::auth::not_signed_in), help("sign in at `/auth/login`"))]
    NotSignedIn,
    /// The CSRF check failed.
    #[error("the request failed its CSRF check: {0}")]
    #[diagnostic(
        code(mirage::auth::csrf),
        help(
            "send the session's token (from `GET /auth/session`) in `X-CSRF-Token`, from a page of this service's own origin"
        )
    )]
    Csrf(&'static str),
    /// The state database failed.
    #[error("the session store failed")]
    #[diagnostic(
        code(mirage::auth::session_store),
        help("check the state database; nothing was signed in or out")
    )]
    Store,
}

impl SigninError {
    /// The HTTP status it answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            SigninError::Disabled => StatusCode::NOT_FOUND,
            SigninError::UnknownLogin
            | SigninError::ExpiredLogin
            | SigninError::OtherBrowser
            | SigninError::Provider { .. }
            | SigninError::BadCallback(_)
            | SigninError::CodeRefused(_)
            | SigninError::IdToken(_) => StatusCode::BAD_REQUEST,
            SigninError::Unavailable(_) => StatusCode::BAD_GATEWAY,
            SigninError::NotSignedIn => StatusCode::UNAUTHORIZED,
            SigninError::Csrf(_) => StatusCode::FORBIDDEN,
            SigninError::Store => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl From<StateError> for SigninError {
    fn from(error: StateError) -> SigninError {
        log::error("signin.store_failed", &[("error", &error)]);
        SigninError::Store
    }
}

impl IntoResponse for SigninError {
    fn into_response(self) -> Response {
        let code = miette::Diagnostic::code(&self)
            .map(|c| c.to_string())
            .unwrap_or_default();
        let help = miette::Diagnostic::help(&self)
            .map(|h| h.to_string())
            .unwrap_or_default();
        let body = json!({ "error": { "code": code, "message": self.to_string(), "help": help } });
        let mut response = (self.status(), Json(body)).into_response();
        no_store(&mut response);
        response
    }
}

fn no_store(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A signed-in browser's session.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 (hex) of the session id: what the database knows it by.
    pub id_hash: String,
    /// The provider's subject.
    pub sub: String,
    /// The user's email, if the provider said it.
    pub email: Option<String>,
    /// The user's name, if the provider said it.
    pub name: Option<String>,
    /// The session's CSRF token (derived from its id).
    pub csrf_token: String,
    /// When it began.
    pub created: Timestamp,
    /// When it ends at the latest.
    pub expires: Timestamp,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("sub", &self.sub)
            .field("email", &self.email)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn derive(label: &str, parts: &[&[u8]]) -> String {
    let mut hasher = sha2::Sha256::new();
    hasher.update(label.as_bytes());
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    B64.encode(hasher.finalize())
}

/// 32 random bytes from the system's generator, base64url.
fn random_token() -> Result<String, SigninError> {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| {
        log::error("signin.random_failed", &[]);
        SigninError::Store
    })?;
    Ok(B64.encode(bytes))
}

/// The 32 bytes of a token of [`random_token`], or `None`.
fn token_bytes(token: &str) -> Option<Vec<u8>> {
    if token.len() != 43 {
        return None;
    }
    B64.decode(token).ok().filter(|b| b.len() == 32)
}

fn csrf_token(session_id: &[u8]) -> String {
    derive("mirage-csrf", &[session_id])
}

fn verifier(binding: &[u8], state: &str) -> String {
    derive("mirage-pkce", &[binding, state.as_bytes()])
}

/// Equal, in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (sha2::Sha256::digest(a), sha2::Sha256::digest(b));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
}

/// The session the request's cookie names, if valid (unknown, tampered,
/// expired → `None`; an expired one is deleted). Extends its idle expiry
/// (written at most once a minute). Synchronous: call it through
/// `spawn_blocking`.
pub fn session_from_request(
    store: &Store,
    headers: &HeaderMap,
) -> Result<Option<Session>, SigninError> {
    let Some(id) = cookie(headers, SESSION_COOKIE).and_then(token_bytes) else {
        return Ok(None);
    };
    let id_hash = sha256_hex(&id);
    let Some(record) = store.session(&id_hash)? else {
        return Ok(None);
    };
    let now = store.now();
    if !record.is_valid_at(now) {
        store.delete_session(&id_hash)?;
        return Ok(None);
    }
    if now.0 - record.seen_at.0 >= TOUCH_EVERY
        && !store.touch_session(
            &id_hash,
            now,
            Timestamp(now.0.saturating_add(record.idle_secs)),
        )?
    {
        return Ok(None);
    }
    Ok(Some(Session {
        csrf_token: csrf_token(&id),
        id_hash,
        sub: record.sub,
        email: record.email,
        name: record.name,
        created: record.created_at,
        expires: record.expires_at,
    }))
}

/// Whether a cookie-authenticated request may change state: safe methods
/// (`GET`, `HEAD`, `OPTIONS`) always; others need `X-CSRF-Token` equal to
/// the session's (compared in constant time), an `Origin` equal to
/// `public_origin` when sent, `Sec-Fetch-Site: same-origin` when sent,
/// and at least one of those two (every current browser sends them).
pub fn check_csrf(
    session: &Session,
    method: &Method,
    headers: &HeaderMap,
    public_origin: &str,
) -> Result<(), SigninError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let origin = headers
        .get(header::ORIGIN)
        .map(|v| v.to_str().unwrap_or(""));
    let site = headers
        .get("sec-fetch-site")
        .map(|v| v.to_str().unwrap_or(""));
    if origin.is_none() && site.is_none() {
        return Err(SigninError::Csrf(
            "neither `Origin` nor `Sec-Fetch-Site` was sent",
        ));
    }
    if let Some(origin) = origin
        && origin != public_origin
    {
        return Err(SigninError::Csrf("the request came from another origin"));
    }
    if let Some(site) = site
        && site != "same-origin"
    {
        return Err(SigninError::Csrf("the request came from another site"));
    }
    let Some(token) = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) else {
        return Err(SigninError::Csrf("no `X-CSRF-Token` header"));
    };
    if !same(token, &session.csrf_token) {
        return Err(SigninError::Csrf(
            "the `X-CSRF-Token` is not this session's",
        ));
    }
    Ok(())
}

/// Deletes every session of `sub` (a disabled or removed user): their
/// next request is signed out. How many.
pub fn revoke_sessions_of(store: &Store, sub: &str) -> Result<u64, StateError> {
    store.revoke_sessions_of(sub)
}

/// `return_to` if it is a same-origin relative path, else `/`.
pub fn safe_return_to(return_to: Option<&str>) -> String {
    let Some(path) = return_to else {
        return "/".to_owned();
    };
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && path.len() <= 2048
        && !path
            .chars()
            .any(|c| c.is_control() || c == '\\' || c.is_whitespace());
    if ok { path.to_owned() } else { "/".to_owned() }
}

#[derive(Deserialize)]
struct ProviderDocument {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
}

/// What discovery said, and the ID token verifier.
struct Provider {
    authorization_endpoint: String,
    token_endpoint: String,
    verifier: OidcVerifier,
}

/// Sign-in's configuration and its provider (discovered on first use,
/// and again after a failure).
pub(super) struct Signin {
    pub(super) config: SigninConfig,
    http: reqwest::Client,
    provider: tokio::sync::OnceCell<Provider>,
}

impl Signin {
    pub(super) fn new(config: SigninConfig) -> Signin {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Signin {
            config,
            http,
            provider: tokio::sync::OnceCell::new(),
        }
    }

    async fn provider(&self) -> Result<&Provider, SigninError> {
        self.provider
            .get_or_try_init(|| async {
                let issuer = &self.config.issuer;
                let url = format!(
                    "{}/.well-known/openid-configuration",
                    issuer.trim_end_matches('/')
                );
                let response = self
                    .http
                    .get(&url)
                    .send()
                    .await
                    .map_err(|e| SigninError::Unavailable(format!("GET {url}: {e}")))?;
                if !response.status().is_success() {
                    return Err(SigninError::Unavailable(format!(
                        "GET {url} answered {}",
                        response.status()
                    )));
                }
                let document: ProviderDocument = response
                    .json()
                    .await
                    .map_err(|e| SigninError::Unavailable(format!("GET {url}: {e}")))?;
                if &document.issuer != issuer {
                    return Err(SigninError::Unavailable(format!(
                        "its discovery document names issuer `{}`",
                        document.issuer
                    )));
                }
                let verifier =
                    OidcVerifier::discover(OidcConfig::new(issuer, &self.config.client_id))
                        .await
                        .map_err(|e| SigninError::Unavailable(e.to_string()))?;
                Ok(Provider {
                    authorization_endpoint: document.authorization_endpoint,
                    token_endpoint: document.token_endpoint,
                    verifier,
                })
            })
            .await
    }
}

/// The sign-in routes.
pub(super) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/auth/login", get(login))
        .route("/auth/callback", get(callback))
        .route("/auth/session", get(current))
        .route("/auth/logout", post(logout))
}

fn set_cookie(response: &mut Response, name: &str, value: &str, max_age: Option<u64>) {
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    let cookie = format!("{name}={value}; HttpOnly; Secure; SameSite=Lax; Path=/{age}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = status.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    no_store(&mut response);
    response
}

async fn blocking<R: Send + 'static>(
    work: impl FnOnce() -> Result<R, SigninError> + Send + 'static,
) -> Result<R, SigninError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or(Err(SigninError::Store))
}

#[derive(Deserialize)]
struct LoginQuery {
    return_to: Option<String>,
}

async fn login(
    State(app): State<Arc<App>>,
    Query(query): Query<LoginQuery>,
) -> Result<Response, SigninError> {
    let signin = app.signin.as_ref().ok_or(SigninError::Disabled)?;
    let provider = signin.provider().await?;
    let state = random_token()?;
    let binding = random_token()?;
    let nonce = random_token()?;
    let binding_bytes = token_bytes(&binding).unwrap_or_default();
    let challenge = B64.encode(sha2::Sha256::digest(verifier(&binding_bytes, &state)));
    let store = app.intake().0.clone();
    let now = store.now();
    let ttl = i64::try_from(signin.config.login_ttl.as_secs()).unwrap_or(600);
    let pending = PendingLogin {
        state_hash: sha256_hex(state.as_bytes()),
        binding_hash: sha256_hex(&binding_bytes),
        nonce: nonce.clone(),
        return_to: safe_return_to(query.return_to.as_deref()),
        created_at: now,
        expires_at: Timestamp(now.0.saturating_add(ttl)),
    };
    blocking(move || Ok(store.begin_login(&pending)?)).await?;
    let mut url = reqwest::Url::parse(&provider.authorization_endpoint).map_err(|_| {
        SigninError::Unavailable("its authorization endpoint is not a URL".to_owned())
    })?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &signin.config.client_id)
        .append_pair("redirect_uri", &signin.config.redirect_uri())
        .append_pair("scope", SCOPES)
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let mut response = redirect(StatusCode::FOUND, url.as_str());
    set_cookie(
        &mut response,
        LOGIN_COOKIE,
        &binding,
        Some(signin.config.login_ttl.as_secs()),
    );
    Ok(response)
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
}

#[derive(Deserialize)]
struct NonceClaim {
    nonce: Option<String>,
}

/// `application/x-www-form-urlencoded` (the URL parser's serializer:
/// reqwest's `form` feature is not built).
fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://form.invalid/").unwrap_or_else(|_| unreachable!());
    url.query_pairs_mut().extend_pairs(pairs);
    url.query().unwrap_or_default().to_owned()
}

/// The provider's words, bounded and printable.
fn shorten(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}

async fn callback(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let metrics = app.config.metrics.clone();
    match finish_login(&app, &headers, query).await {
        Ok(response) => {
            metrics.signin("succeeded");
            response
        }
        Err(error) => {
            metrics.signin(match &error {
                SigninError::Provider { .. } => "provider_error",
                SigninError::UnknownLogin
                | SigninError::ExpiredLogin
                | SigninError::OtherBrowser
                | SigninError::BadCallback(_) => "bad_state",
                _ => "refused",
            });
            let code = miette::Diagnostic::code(&error)
                .map(|c| c.to_string())
                .unwrap_or_default();
            log::warn("signin.refused", &[("code", &code)]);
            let mut response = error.into_response();
            // The binding is spent either way.
            set_cookie(&mut response, LOGIN_COOKIE, "", Some(0));
            response
        }
    }
}

async fn finish_login(
    app: &Arc<App>,
    headers: &HeaderMap,
    query: CallbackQuery,
) -> Result<Response, SigninError> {
    let signin = app.signin.as_ref().ok_or(SigninError::Disabled)?;
    let state = query.state.ok_or(SigninError::BadCallback("state"))?;
    let store = app.intake().0.clone();
    let state_hash = sha256_hex(state.as_bytes());
    let taken = store.clone();
    let pending = blocking(move || Ok(taken.take_login(&state_hash)?))
        .await?
        .ok_or(SigninError::UnknownLogin)?;
    if let Some(error) = query.error {
        return Err(SigninError::Provider {
            error: shorten(&error),
            description: query.error_description.as_deref().map(shorten),
        });
    }
    if store.now() >= pending.expires_at {
        return Err(SigninError::ExpiredLogin);
    }
    let binding = cookie(headers, LOGIN_COOKIE)
        .and_then(token_bytes)
        .filter(|b| same(&sha256_hex(b), &pending.binding_hash))
        .ok_or(SigninError::OtherBrowser)?;
    let code = query.code.ok_or(SigninError::BadCallback("code"))?;
    let provider = signin.provider().await?;
    let redirect_uri = signin.config.redirect_uri();
    let code_verifier = verifier(&binding, &state);
    let mut form: Vec<(&str, &str)> = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("code_verifier", code_verifier.as_str()),
        ("client_id", signin.config.client_id.as_str()),
    ];
    if let Some(secret) = &signin.config.client_secret {
        // `client_secret_post`: every provider named in docs/serve.md
        // accepts it, and it needs no extra encoding (Basic auth's
        // form-encoding of the id and secret is read differently by
        // different providers).
        form.push(("client_secret", secret.expose()));
    }
    let request = signin.http.post(&provider.token_endpoint);
    let response = request
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form_encode(&form))
        .send()
        .await
        .map_err(|e| SigninError::Unavailable(format!("the token endpoint: {e}")))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| SigninError::Unavailable(format!("the token endpoint: {e}")))?;
    if !status.is_success() {
        let why = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["error"].as_str().map(shorten))
            .unwrap_or_else(|| format!("status {status}"));
        return Err(if status.is_client_error() {
            SigninError::CodeRefused(why)
        } else {
            SigninError::Unavailable(format!("the token endpoint answered {why}"))
        });
    }
    let tokens: TokenResponse = serde_json::from_slice(&body).map_err(|_| {
        SigninError::Unavailable("the token endpoint did not answer JSON".to_owned())
    })?;
    let id_token = tokens
        .id_token
        .ok_or_else(|| SigninError::IdToken("the provider sent no ID token".to_owned()))?;
    let now = store.now();
    let claims = provider
        .verifier
        .verify(&id_token, now)
        .await
        .map_err(|e| SigninError::IdToken(e.to_string()))?;
    // The signature held: its payload is the provider's.
    let nonce = id_token
        .split('.')
        .nth(1)
        .and_then(|p| B64.decode(p).ok())
        .and_then(|p| serde_json::from_slice::<NonceClaim>(&p).ok())
        .and_then(|c| c.nonce);
    if !nonce.is_some_and(|n| same(&n, &pending.nonce)) {
        return Err(SigninError::IdToken(
            "its `nonce` is not this sign-in's".to_owned(),
        ));
    }
    let id = random_token()?;
    let id_bytes = token_bytes(&id).unwrap_or_default();
    let idle = i64::try_from(signin.config.session_idle.as_secs()).unwrap_or(i64::MAX / 4);
    let lifetime = i64::try_from(signin.config.session_lifetime.as_secs()).unwrap_or(i64::MAX / 4);
    let expires_at = Timestamp(now.0.saturating_add(lifetime));
    let record = SessionRecord {
        id_hash: sha256_hex(&id_bytes),
        sub: claims.sub.clone(),
        email: claims.email.clone(),
        name: claims.name.clone(),
        created_at: now,
        seen_at: now,
        idle_secs: idle,
        idle_until: Timestamp(now.0.saturating_add(idle).min(expires_at.0)),
        expires_at,
    };
    blocking(move || Ok(store.create_session(&record)?)).await?;
    log::info("signin.succeeded", &[("sub", &claims.sub)]);
    let mut response = redirect(StatusCode::SEE_OTHER, &pending.return_to);
    set_cookie(&mut response, LOGIN_COOKIE, "", Some(0));
    set_cookie(
        &mut response,
        SESSION_COOKIE,
        &id,
        Some(signin.config.session_lifetime.as_secs()),
    );
    Ok(response)
}

async fn signed_in(app: &Arc<App>, headers: &HeaderMap) -> Result<Session, SigninError> {
    let store = app.intake().0.clone();
    let headers = headers.clone();
    blocking(move || session_from_request(&store, &headers))
        .await?
        .ok_or(SigninError::NotSignedIn)
}

async fn current(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, SigninError> {
    app.signin.as_ref().ok_or(SigninError::Disabled)?;
    let session = signed_in(&app, &headers).await?;
    let mut response = Json(json!({
        "user": { "sub": session.sub, "email": session.email, "name": session.name },
        "csrf_token": session.csrf_token,
        "expires_at": session.expires.0,
    }))
    .into_response();
    no_store(&mut response);
    Ok(response)
}

async fn logout(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, SigninError> {
    let signin = app.signin.as_ref().ok_or(SigninError::Disabled)?;
    let session = signed_in(&app, &headers).await?;
    check_csrf(&session, &method, &headers, &signin.config.public_url)?;
    let store = app.intake().0.clone();
    let id_hash = session.id_hash.clone();
    blocking(move || Ok(store.delete_session(&id_hash)?)).await?;
    log::info("signin.logout", &[("sub", &session.sub)]);
    let mut response = StatusCode::NO_CONTENT.into_response();
    no_store(&mut response);
    set_cookie(&mut response, SESSION_COOKIE, "", Some(0));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_origin_relative_paths_are_returned_to() {
        for good in ["/", "/projects/a?x=1", "/a/b#c"] {
            assert_eq!(safe_return_to(Some(good)), good);
        }
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "\\\\evil",
            "evil",
            "/a\nb",
            "/a\\b",
            "",
        ] {
            assert_eq!(safe_return_to(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_return_to(None), "/");
    }

    #[test]
    fn public_urls_are_origins() {
        assert_eq!(
            public_origin("https://mirage.example.com/").unwrap(),
            "https://mirage.example.com"
        );
        assert!(public_origin("https://mirage.example.com/app").is_err());
        assert!(public_origin("ftp://x").is_err());
    }
}
