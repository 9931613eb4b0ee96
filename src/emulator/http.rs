//! The HTTP face: `POST /graphql/v2` with Railway's status codes and error
//! shapes, `GET /graphql/v2` for `graphql-transport-ws` subscriptions, the
//! admin API under `/_emulator/`, and Railway's 404 for anything else.

use std::sync::Arc;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::clock::SplitMix;
use super::core::Core;
use super::knobs::{FaultKind, FaultRule, RateLimit};
use super::schema::EmulatorSchema;
use super::schema::guard::Caller;

/// Marks a response whose connection must be closed without answering.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// Everything a handler needs.
#[derive(Clone)]
pub struct App {
    /// The shared core.
    pub core: Arc<Core>,
    /// The schema over that core.
    pub schema: EmulatorSchema,
}

/// The router of one emulator.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/graphql/v2", post(graphql).get(subscribe))
        .route("/_emulator/stats", get(stats))
        .route("/_emulator/reset", post(reset))
        .route(
            "/_emulator/faults",
            get(get_faults).post(set_faults).delete(clear_faults),
        )
        .route("/_emulator/latency", post(set_latency))
        .route("/_emulator/rate-limit", post(set_rate_limit))
        .route("/_emulator/clock", post(set_clock))
        .route("/_emulator/sdl", get(sdl))
        .route("/_emulator/push", post(push))
        .route("/_emulator/limits", get(get_limits).post(set_limits))
        .route("/_emulator/outcomes", get(get_outcomes).post(set_outcomes))
        .route("/_emulator/logs", get(get_logs).post(set_logs))
        .route("/_emulator/subscriptions/drop", post(drop_subscriptions))
        .fallback(not_found)
        .with_state(app)
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

async fn not_found() -> Response {
    let id = SplitMix::from_entropy().uuid();
    json_response(
        StatusCode::NOT_FOUND,
        &json!({"message": "Not Found", "requestId": id}),
    )
}

/// Who is calling, from the headers (the project token wins, as in the CLI).
pub fn caller_of(core: &Core, headers: &HeaderMap) -> Caller {
    if let Some(token) = headers
        .get("project-access-token")
        .and_then(|v| v.to_str().ok())
    {
        let token = token.trim();
        return core
            .read(|st| st.project_tokens.get(token).cloned())
            .map(|t| Caller::Project {
                project_id: t.project_id,
                environment_id: t.environment_id,
            })
            .unwrap_or(Caller::UnknownProjectToken);
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    match bearer {
        Some(t) if core.workspace_tokens.iter().any(|w| w == t) => Caller::Workspace,
        Some(t) if core.account_tokens.is_empty() || core.account_tokens.iter().any(|a| a == t) => {
            Caller::Account
        }
        _ => Caller::Anonymous,
    }
}

/// A Railway-like trace ID: a snowflake of 18–19 digits, as a string.
fn trace_id() -> String {
    let n =
        SplitMix::from_entropy().next_u64() % 9_000_000_000_000_000_000 + 100_000_000_000_000_000;
    n.to_string()
}

/// The name stats count an operation under: its name, else its root fields.
fn operation_name(doc: &ExecutableDocument, requested: Option<&str>) -> String {
    if let Some(name) = requested {
        return name.to_string();
    }
    let op = match &doc.operations {
        DocumentOperations::Single(op) => op,
        DocumentOperations::Multiple(map) => match map.iter().next() {
            Some((name, _)) => return name.to_string(),
            None => return "anonymous".to_string(),
        },
    };
    let fields: Vec<String> = op
        .node
        .selection_set
        .node
        .items
        .iter()
        .filter_map(|s| match &s.node {
            Selection::Field(f) => Some(f.node.name.node.to_string()),
            _ => None,
        })
        .collect();
    if fields.is_empty() {
        "anonymous".to_string()
    } else {
        fields.join(",")
    }
}

fn add_rate_headers(resp: &mut Response, verdict: Option<super::knobs::RateVerdict>) {
    let Some(v) = verdict else { return };
    let h = resp.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(v.limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(v.remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(v.reset_secs));
    // Advertised on every response since Railway's docs PR #1320 (API-NOTES §5).
    let policy = format!("{};w={}", v.limit, v.window_secs);
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        h.insert("ratelimit-policy", policy);
    }
    if let Some(secs) = v.retry_after {
        h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
}

const CLOUDFLARE_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Access denied | backboard.railway.com used Cloudflare to restrict access</title></head>\n<body><div id=\"cf-wrapper\"><h1>Access denied</h1><p>Error 1015: You are being rate limited.</p><p>Cloudflare Ray ID: 0000000000000000 (mirage emulator)</p></div></body></html>\n";

fn fault_response(kind: FaultKind) -> Response {
    match kind {
        FaultKind::Drop => {
            let mut resp = Response::new(Body::empty());
            resp.extensions_mut().insert(DropConnection);
            resp
        }
        FaultKind::Cloudflare => {
            let mut resp = Response::new(Body::from(CLOUDFLARE_PAGE));
            *resp.status_mut() = StatusCode::FORBIDDEN;
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=UTF-8"),
            );
            resp.headers_mut()
                .insert("server", HeaderValue::from_static("cloudflare"));
            resp
        }
        FaultKind::Status {
            status,
            body,
            retry_after,
        } => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut resp = if body {
                let msg = code.canonical_reason().unwrap_or("Server Error");
                json_response(
                    code,
                    &json!({"errors": [{"message": msg, "extensions": {"code": "INTERNAL_SERVER_ERROR"}, "traceId": trace_id()}]}),
                )
            } else {
                let mut resp = Response::new(Body::empty());
                *resp.status_mut() = code;
                resp
            };
            if let Some(secs) = retry_after {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            resp
        }
    }
}

fn error_400(message: String, code: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({"errors": [{"message": message, "extensions": {"code": code}, "traceId": trace_id()}]}),
    )
}

async fn graphql(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    app.core.knobs.count_request();
    let latency = app.core.knobs.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let verdict = app.core.knobs.take_rate(app.core.clock.now_ms());
    if let Some(v) = verdict
        && let Some(secs) = v.retry_after
    {
        let mut resp = json_response(
            StatusCode::TOO_MANY_REQUESTS,
            &json!({"errors": [{"message": format!("Rate limit exceeded. Retry after {secs} seconds."), "extensions": {"code": "RATE_LIMITED"}, "traceId": trace_id()}]}),
        );
        add_rate_headers(&mut resp, verdict);
        return resp;
    }
    let parsed = parse(&body);
    let names = parsed.as_ref().map(|p| p.names.clone()).unwrap_or_default();
    let mut resp = match app.core.knobs.draw_fault(&names) {
        // The work is done and committed; the answer is lost.
        Some(drawn) if drawn.after => {
            if let Ok(parsed) = parsed {
                let _ = execute(&app, &headers, parsed).await;
            }
            fault_response(drawn.kind)
        }
        Some(drawn) => fault_response(drawn.kind),
        None => match parsed {
            Ok(parsed) => execute(&app, &headers, parsed).await,
            Err(resp) => *resp,
        },
    };
    add_rate_headers(&mut resp, verdict);
    resp
}

/// A request parsed once, before faults are drawn and before execution.
struct Parsed {
    request: async_graphql::Request,
    /// The name stats count it under.
    name: String,
    /// What fault rules match on: the name, then every root field.
    names: Vec<String>,
}

fn parse(body: &[u8]) -> Result<Parsed, Box<Response>> {
    let mut request: async_graphql::Request = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) => {
            return Err(Box::new(error_400(
                format!("invalid GraphQL request body: {e}"),
                "BAD_REQUEST",
            )));
        }
    };
    let requested = request.operation_name.clone();
    // Parsed once here and kept in the request for execution.
    let (name, roots) = match request.parsed_query() {
        Ok(doc) => (operation_name(doc, requested.as_deref()), root_fields(doc)),
        Err(e) => {
            return Err(Box::new(error_400(
                format!("Syntax Error: {}", e.message),
                "GRAPHQL_PARSE_FAILED",
            )));
        }
    };
    let mut names = vec![name.clone()];
    names.extend(roots);
    Ok(Parsed {
        request,
        name,
        names,
    })
}

/// The root field names of every operation of a document.
fn root_fields(doc: &ExecutableDocument) -> Vec<String> {
    doc.operations
        .iter()
        .flat_map(|(_, op)| op.node.selection_set.node.items.iter())
        .filter_map(|s| match &s.node {
            Selection::Field(f) => Some(f.node.name.node.to_string()),
            _ => None,
        })
        .collect()
}

async fn execute(app: &App, headers: &HeaderMap, parsed: Parsed) -> Response {
    let Parsed { request, name, .. } = parsed;
    let caller = caller_of(&app.core, headers);
    let response = app.schema.execute(request.data(caller)).await;
    app.core.knobs.count_operation(&name);
    if response.errors.is_empty() {
        // The common case: write the data straight out, without building an
        // intermediate JSON tree.
        let body = match serde_json::to_string(&response.data) {
            Ok(data) => format!("{{\"data\":{data}}}"),
            Err(e) => {
                return error_400(
                    format!("cannot encode the response: {e}"),
                    "INTERNAL_SERVER_ERROR",
                );
            }
        };
        let mut resp = Response::new(Body::from(body));
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return resp;
    }
    let data = serde_json::to_value(&response.data).unwrap_or(Value::Null);
    let mut errors = Vec::with_capacity(response.errors.len());
    let mut validation = data.is_null();
    for e in &response.errors {
        let mut v = serde_json::to_value(e).unwrap_or_else(|_| json!({"message": e.message}));
        let has_code = v.pointer("/extensions/code").is_some();
        if has_code || !e.path.is_empty() {
            validation = false;
        }
        if let Some(obj) = v.as_object_mut() {
            if !has_code {
                let ext = obj.entry("extensions").or_insert_with(|| json!({}));
                ext["code"] = json!("INTERNAL_SERVER_ERROR");
            }
            obj.insert("traceId".into(), json!(trace_id()));
        }
        errors.push(v);
    }
    if validation {
        for e in &mut errors {
            e["extensions"]["code"] = json!("GRAPHQL_VALIDATION_FAILED");
        }
        return json_response(StatusCode::BAD_REQUEST, &json!({"errors": errors}));
    }
    json_response(StatusCode::OK, &json!({"errors": errors, "data": data}))
}

async fn subscribe(
    State(app): State<App>,
    headers: HeaderMap,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let caller = caller_of(&app.core, &headers);
    let schema = app.schema.clone();
    let mut dropped = app.core.drops.subscribe();
    upgrade
        .protocols(["graphql-transport-ws", "graphql-ws"])
        .on_upgrade(move |socket| async move {
            let mut data = async_graphql::Data::default();
            data.insert(caller);
            let serve = GraphQLWebSocket::new(socket, schema, protocol)
                .with_data(data)
                .serve();
            // The drop knob: the socket goes away mid-stream, without a
            // `complete` or a close frame, as a network drop would.
            tokio::select! {
                _ = serve => {}
                _ = dropped.changed() => {}
            }
        })
        .into_response()
}

async fn stats(State(app): State<App>) -> Response {
    json_response(StatusCode::OK, &app.core.knobs.stats())
}

async fn reset(State(app): State<App>) -> Response {
    app.core.reset();
    app.core.knobs.reset();
    json_response(StatusCode::OK, &json!({"ok": true}))
}

async fn get_faults(State(app): State<App>) -> Response {
    json_response(StatusCode::OK, &json!({"faults": app.core.knobs.faults()}))
}

fn bad_admin(e: impl std::fmt::Display) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({"message": e.to_string()}))
}

async fn set_faults(State(app): State<App>, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct Body {
        faults: Vec<FaultRule>,
    }
    match serde_json::from_slice::<Body>(&body) {
        Ok(b) => {
            app.core.knobs.set_faults(b.faults);
            get_faults(State(app)).await
        }
        Err(e) => bad_admin(e),
    }
}

async fn clear_faults(State(app): State<App>) -> Response {
    app.core.knobs.set_faults(vec![]);
    get_faults(State(app)).await
}

async fn set_latency(State(app): State<App>, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct Body {
        ms: u64,
    }
    match serde_json::from_slice::<Body>(&body) {
        Ok(b) => {
            app.core
                .knobs
                .set_latency(std::time::Duration::from_millis(b.ms));
            json_response(StatusCode::OK, &json!({"ms": b.ms}))
        }
        Err(e) => bad_admin(e),
    }
}

async fn set_rate_limit(State(app): State<App>, body: Bytes) -> Response {
    match serde_json::from_slice::<Option<RateLimit>>(&body) {
        Ok(limit) => {
            app.core
                .knobs
                .set_rate_limit(limit, app.core.clock.now_ms());
            json_response(StatusCode::OK, &json!({"rate_limit": limit}))
        }
        Err(e) => bad_admin(e),
    }
}

async fn set_clock(State(app): State<App>, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(default)]
        advance_ms: Option<i64>,
        #[serde(default)]
        step_ms: Option<u64>,
    }
    match serde_json::from_slice::<Body>(&body) {
        Ok(b) => {
            if let Some(ms) = b.advance_ms {
                app.core.clock.advance(ms);
            }
            if let Some(ms) = b.step_ms {
                app.core.clock.set_step_ms(ms);
            }
            json_response(
                StatusCode::OK,
                &json!({"now": super::clock::rfc3339(app.core.clock.now_ms()), "step_ms": app.core.clock.step_ms()}),
            )
        }
        Err(e) => bad_admin(e),
    }
}

async fn get_limits(State(app): State<App>) -> Response {
    let limits = app.core.read(|st| st.limits);
    json_response(StatusCode::OK, &json!({"limits": limits}))
}

/// Replaces the plan limits (an absent field is unlimited).
async fn set_limits(State(app): State<App>, body: Bytes) -> Response {
    let limits = match serde_json::from_slice::<super::limits::Limits>(&body) {
        Ok(limits) => limits,
        Err(e) => return bad_admin(e),
    };
    let _ = app.core.write(|st, _| {
        st.limits = limits;
        Ok(())
    });
    get_limits(State(app)).await
}

async fn get_outcomes(State(app): State<App>) -> Response {
    let outcomes = app.core.read(|st| st.extras.outcomes.clone());
    json_response(StatusCode::OK, &json!({"outcomes": outcomes}))
}

/// The outcomes the knob can force.
const OUTCOMES: [&str; 6] = [
    "SUCCESS",
    "FAILED",
    "CRASHED",
    "HEALTHCHECK_FAILED",
    "NEEDS_APPROVAL",
    "SLEEPING",
];

/// Replaces the outcomes forced on new deployments: `{"<service name>":
/// "<one of OUTCOMES>"}` (`{}` clears them).
async fn set_outcomes(State(app): State<App>, body: Bytes) -> Response {
    let outcomes = match serde_json::from_slice::<std::collections::BTreeMap<String, String>>(&body)
    {
        Ok(o) => o,
        Err(e) => return bad_admin(e),
    };
    if let Some((name, bad)) = outcomes
        .iter()
        .find(|(_, o)| !OUTCOMES.contains(&o.as_str()))
    {
        return bad_admin(format!(
            "the outcome of `{name}` is `{bad}`; use one of {}",
            OUTCOMES.join(", ")
        ));
    }
    let _ = app.core.write(|st, _| {
        st.extras.outcomes = outcomes;
        Ok(())
    });
    get_outcomes(State(app)).await
}

async fn get_logs(State(app): State<App>) -> Response {
    json_response(
        StatusCode::OK,
        &json!({"ratePerReplica": app.core.log_rate.current()}),
    )
}

/// Sets the runtime log rate from now on: `{"ratePerReplica": N}` lines per
/// second per replica of every running deployment (0 stops them).
async fn set_logs(State(app): State<App>, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Body {
        rate_per_replica: f64,
    }
    let rate = match serde_json::from_slice::<Body>(&body) {
        Ok(b) => b.rate_per_replica,
        Err(e) => return bad_admin(e),
    };
    let max = super::deploy::MAX_LOG_RATE;
    if !(0.0..=max).contains(&rate) {
        return bad_admin(format!(
            "`ratePerReplica` is {rate}; use a number of lines per second from 0 to {max}"
        ));
    }
    app.core.log_rate.set(rate, app.core.clock.now_ms());
    get_logs(State(app)).await
}

/// Closes every open subscription websocket at once, without `complete`.
async fn drop_subscriptions(State(app): State<App>) -> Response {
    let n = app.core.drops.receiver_count();
    app.core.drops.send_modify(|v| *v += 1);
    json_response(StatusCode::OK, &json!({"dropped": n}))
}

/// A simulated push: the deployments it triggered, or 400 for a bad body.
async fn push(State(app): State<App>, body: Bytes) -> Response {
    let pushed = match serde_json::from_slice::<super::push::Push>(&body) {
        Ok(pushed) => pushed,
        Err(e) => return bad_admin(e),
    };
    match app.core.write(|st, t| super::push::push(st, t, pushed)) {
        Ok(triggered) => json_response(StatusCode::OK, &json!({"deployments": triggered})),
        Err(super::ops::ApiError::BadInput(m) | super::ops::ApiError::NotFound(m)) => bad_admin(m),
        Err(super::ops::ApiError::NotAuthorized) => bad_admin("not authorized"),
    }
}

async fn sdl(State(app): State<App>) -> Response {
    let mut resp = Response::new(Body::from(app.schema.sdl()));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}
