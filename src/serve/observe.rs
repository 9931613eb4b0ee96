//! `GET /metrics` and the middleware counting every request by its
//! route's template ([`super::metrics`] holds the counters).
//!
//! `/metrics` is open unless `--metrics-token` (`MIRAGE_METRICS_TOKEN`) is
//! set; then it asks for `Authorization: Bearer <token>`, compared in
//! constant time. Nothing it shows is a secret (no paths, no ids), but
//! the counts say how busy the service is: set a token when serve's port
//! is reachable from the internet.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use sha2::Digest as _;

use super::metrics::Gauges;
use super::server::App;

/// The `/metrics` route.
pub(super) fn routes() -> Router<Arc<App>> {
    Router::new().route("/metrics", get(metrics))
}

/// Counts the request under its route's template (`unmatched` for paths
/// no route has: their text is never a label).
pub(super) async fn count(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = match request.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m.to_owned(),
        _ => "other".to_owned(),
    };
    let started = Instant::now();
    let response = next.run(request).await;
    app.metrics().http_request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

fn token_matches(expected: &str, headers: &HeaderMap) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let (a, b) = (
        sha2::Sha256::digest(expected.as_bytes()),
        sha2::Sha256::digest(given.trim().as_bytes()),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

async fn metrics(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Some(token) = &app.config.metrics_token
        && !token_matches(token.expose(), &headers)
    {
        let mut response = (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": {
                "code": "mirage::serve::metrics_token",
                "message": "`/metrics` needs the metrics token",
                "help": "send `Authorization: Bearer <token>` with the value of `--metrics-token` (`MIRAGE_METRICS_TOKEN`)",
            }})),
        )
            .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"mirage-metrics\""),
        );
        return response;
    }
    let store = app.intake().0.clone();
    let projects: Vec<(String, bool)> = app
        .projects
        .iter()
        .map(|p| (p.name().to_owned(), p.config.drift_every.is_some()))
        .collect();
    let (unfinished, drift) = tokio::task::spawn_blocking(move || {
        let mut unfinished = Some(0u64);
        let mut drift = Vec::new();
        for (project, checked) in &projects {
            unfinished = match (unfinished, store.unfinished_jobs(project)) {
                (Some(sum), Ok(n)) => Some(sum + n),
                _ => None,
            };
            if *checked && let Ok(record) = store.drift(project) {
                let drifting = record.is_some_and(|r| !r.fingerprint.is_empty());
                drift.push((project.clone(), drifting));
            }
        }
        (unfinished, drift)
    })
    .await
    .unwrap_or((None, Vec::new()));
    let text = app.metrics().render(Gauges {
        jobs_unfinished: unfinished,
        drift,
    });
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
