//! The dashboard (issue #18): server-rendered pages over the API layer.
//!
//! Every page is rendered on the server from maud templates (checked at
//! compile time, escaped by default) with the data of the API layer's
//! functions (`super::api::…`), called with the page's [`Caller`] — the
//! same authentication ([`super::api::identify`]) and authorization
//! ([`Caller::authorize`]) as the JSON API, so a page never shows what
//! its reader's role may not read. Pages never change anything: the
//! buttons of `assets/app.js` call the JSON API with the session's CSRF
//! token, so there is one write path to review and test.
//!
//! * [`projects`]: `/` (the projects) and `/projects/{p}` (environments).
//! * [`environment`]: `/projects/{p}/environments/{e}` (services, logs).
//! * [`wizard`]: `/new`, `/projects/{p}/new`: create an environment in
//!   three steps.
//! * [`admin`]: `/admin…`: users and roles, API tokens, the audit log,
//!   statistics, settings.
//! * [`assets`]: the embedded CSS, script and icon under hashed names.
//! * [`layout`]: the frame and the components.
//!
//! A request without a session is sent to sign-in (`303` to
//! `/auth/login?return_to=…`) when sign-in is configured; otherwise a
//! page says how to configure it.

pub mod admin;
pub mod assets;
pub mod environment;
pub mod layout;
pub mod projects;
pub mod wizard;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};

use super::api::{ApiError, Caller};
use super::server::App;
use layout::Section;

/// The pages' routes, behind [`gate`], and the assets (public).
pub(in crate::serve) fn routes(app: Arc<App>) -> Router<Arc<App>> {
    let pages = Router::new()
        .route("/", get(projects::list))
        .route("/projects/{project}", get(projects::project))
        .route(
            "/projects/{project}/environments/{environment}",
            get(environment::page),
        )
        // Administration (users, roles, tokens, audit, statistics,
        // settings) and the new-environment wizard: their own files.
        .merge(admin::routes())
        .merge(wizard::routes())
        .route_layer(middleware::from_fn_with_state(app, gate));
    Router::new()
        .merge(pages)
        .route("/assets/{name}", get(assets::serve))
        .layer(middleware::map_response(security_headers))
}

/// A page's answer: the page, or an error page with the API's status.
pub type PageResult = Result<Markup, PageError>;

/// An error shown as a page (with the frame when the caller is known).
pub struct PageError {
    error: ApiError,
    caller: Option<Caller>,
}

impl PageError {
    /// `error`, shown to `caller`.
    pub fn new(error: ApiError, caller: &Caller) -> PageError {
        PageError {
            error,
            caller: Some(caller.clone()),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError { error, caller } = self;
        let title = match error.status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::UNAUTHORIZED => "Sign in",
            s if s.is_server_error() => "Something went wrong",
            _ => "Cannot show this page",
        };
        let body = layout::page(
            title,
            caller.as_ref(),
            Section::Other,
            &[],
            html! {
                div.page-head { div { h1 { (title) } } }
                div.notice.bad role="alert" {
                    p { (error.message) }
                    p.muted { (error.help) }
                    p.error-code { code { (error.code) } }
                }
                p { a href="/" { "Back to the projects" } }
            },
        );
        (error.status, body).into_response()
    }
}

/// The overview of `project` for `caller`'s page: read permission (the
/// API's refusal as a page), then the cached overview.
pub(in crate::serve) async fn readable_overview(
    app: &App,
    caller: &Caller,
    project: &str,
) -> Result<Arc<super::catalog::Overview>, PageError> {
    super::api::allow(caller, crate::auth::Action::Read, project)
        .await
        .map_err(|e| PageError::new(e, caller))?;
    super::api::projects::cached_overview(app, project)
        .await
        .map_err(|e| PageError::new(e, caller))
}

/// Builds the [`Caller`] of a page request from its session cookie (or
/// bearer credentials); without one, sends the browser to sign in.
async fn gate(State(app): State<Arc<App>>, mut request: Request, next: Next) -> Response {
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let arrival = super::api::Arrival::of(&request);
    match arrival.identify(&app).await {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            let mut response = next.run(request).await;
            // Pages show a person's data: never stored by shared caches.
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            response
        }
        Err(error) if error.status == StatusCode::UNAUTHORIZED && app.signin.is_some() => {
            sign_in_redirect(&path)
        }
        Err(error) if error.status == StatusCode::UNAUTHORIZED => {
            let mut error = error;
            error.message = "sign-in is not configured on this service".to_owned();
            error.help = "start `mirage serve` with `--oidc-issuer`, `--oidc-client-id` and \
                          `--public-url` (see docs/serve.md, \"Sign-in\"); the JSON API \
                          takes API tokens meanwhile"
                .to_owned();
            PageError {
                error,
                caller: None,
            }
            .into_response()
        }
        Err(error) => PageError {
            error,
            caller: None,
        }
        .into_response(),
    }
}

/// `303` to `/auth/login?return_to=PATH`.
fn sign_in_redirect(path: &str) -> Response {
    let mut url =
        reqwest::Url::parse("http://mirage.invalid/auth/login").expect("a constant URL parses");
    url.query_pairs_mut().append_pair("return_to", path);
    let location = format!("{}?{}", url.path(), url.query().unwrap_or_default());
    Redirect::to(&location).into_response()
}

/// Headers of every page and asset: a strict content security policy (no
/// inline script or style, nothing from elsewhere, no framing), no MIME
/// sniffing, no referrer to other sites.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
             object-src 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// The URL of a project's page.
pub fn project_url(project: &str) -> String {
    format!("/projects/{}", segment(project))
}

/// The URL of an environment's page.
pub fn environment_url(project: &str, environment: &str) -> String {
    format!(
        "/projects/{}/environments/{}",
        segment(project),
        segment(environment)
    )
}

/// The API's URL of an environment (`DELETE` destroys it).
pub fn environment_api_url(project: &str, environment: &str) -> String {
    format!(
        "/api/projects/{}/environments/{}",
        segment(project),
        segment(environment)
    )
}

/// `text` as one path segment, percent-encoded as the URL standard says
/// (`/`, spaces, `?`, `#`, `%` and the like escaped).
pub fn segment(text: &str) -> String {
    let mut url = reqwest::Url::parse("http://mirage.invalid/").expect("a constant URL parses");
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.push(text);
    }
    url.path().trim_start_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(segment("pr-12_a.b~"), "pr-12_a.b~");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
        assert_eq!(project_url("infra/shop"), "/projects/infra%2Fshop");
    }

    #[test]
    fn sign_in_keeps_the_page_asked_for() {
        let response = sign_in_redirect("/projects/shop?x=1&y=2");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            response.headers()[header::LOCATION],
            "/auth/login?return_to=%2Fprojects%2Fshop%3Fx%3D1%26y%3D2"
        );
    }
}
