//! An environment's logs for the dashboard (issue #19): the lines of the
//! chosen services (all by default) merged in time order, each with its
//! service, read through the observe engine (`crate::observe::logs`:
//! `target_of`, `history`, `follow`) — serve keeps no query code of its
//! own. A service's logs (`…/services/{s}/logs`) are the special case of
//! one service.
//!
//! * `GET /api/projects/{p}/environments/{e}/logs` — JSON (`lines`),
//!   NDJSON or text (a download).
//! * `GET /api/projects/{p}/environments/{e}/logs/follow` — server-sent
//!   events fed by the engine's ONE `environmentLogs` subscription: a
//!   `line` event per line (its id the line's timestamp, so a browser's
//!   reconnect sends it back as `Last-Event-ID` and continues after it
//!   without gaps or repeats), `notice` when Railway's stream was
//!   interrupted and resumed, `failed` when it cannot go on. It ends when
//!   the service stops or the reader goes away.
//!
//! Read permission; every message and attribute goes through the
//! project's secrets' redactor and the service's own.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::mpsc;

use super::{ApiError, Caller};
use crate::auth::Action;
use crate::engine::Failure;
use crate::observe::logs::{self as engine, Kind, Notice, Request, Target, Window, time};
use crate::serve::server::App;

/// The most lines one logs request answers (a larger `limit` is capped).
pub const MAX_LOG_LINES: u32 = 1000;

/// Lines answered when no `limit` is given.
pub const DEFAULT_LOG_LINES: u32 = 200;

/// When a browser should reconnect after a follow stream ended (ms).
pub const RETRY_MS: u64 = 3_000;

/// Lines a follow stream holds for a slow reader; past that the stream
/// ends and the reader reconnects where it was (`Last-Event-ID`).
const FOLLOW_BUFFER: usize = 4096;

pub(super) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/api/projects/{project}/environments/{environment}/logs",
            get(logs),
        )
        .route(
            "/api/projects/{project}/environments/{environment}/logs/follow",
            get(follow),
        )
}

/// Which logs of an environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogQuery {
    /// Only these services (names); `None`: all of the environment's.
    pub services: Option<Vec<String>>,
    /// Build logs instead of what the deployments print.
    pub build: bool,
    /// Railway's log filter, as written (`@level:error`, words, …).
    pub filter: Option<String>,
    /// This level and the more severe ones (`debug`, `info`, `warn`,
    /// `error`).
    pub level: Option<String>,
    /// At most this many lines (0: [`DEFAULT_LOG_LINES`]; capped at
    /// [`MAX_LOG_LINES`]): the newest, or in a window the oldest.
    pub limit: u32,
    /// The window: newest lines (`None`), before a time, or a range.
    pub window: Option<Window>,
    /// Only each service's latest deployment's lines.
    pub latest_only: bool,
}

/// One log line, without any secret the files know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// RFC 3339, as Railway gave it.
    pub timestamp: String,
    /// The service's name.
    pub service: String,
    /// `build` or `deploy`.
    pub kind: &'static str,
    /// `info`, `error`, … as Railway says.
    pub severity: Option<String>,
    /// The text.
    pub message: String,
    /// Structured attributes.
    pub attributes: BTreeMap<String, String>,
}

fn bad_query(message: String) -> ApiError {
    ApiError::bad_request(
        message,
        "use `service=a,b`, `build=true`, `since=1h` or `from=`/`to=` (RFC 3339), `before=RFC3339`, `filter=…`, `level=debug|info|warn|error`, `limit=N`, `format=json|ndjson|text`",
    )
}

/// The engine's failure as the API's error: a refused filter is `400`,
/// the rest `502`.
fn engine_error(failure: &Failure) -> ApiError {
    let Some(first) = failure.diagnostics.first() else {
        return ApiError::internal();
    };
    if first.code == "mirage::observe::bad_filter" {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "mirage::serve::bad_log_query",
            first.message.clone(),
            "check `filter` (Railway's log filter syntax), `level` and the window (RFC 3339)",
        );
    }
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "mirage::railway::read_failed",
        first.message.clone(),
        "retry later; the service's log says more",
    )
}

/// What a request needs to read: the engine's target and request, the
/// client, and the redactor.
struct Reading {
    connection: crate::engine::Connection,
    target: Target,
    request: Request,
    redact: Box<dyn Fn(&str) -> String + Send + Sync>,
}

impl Reading {
    fn line(&self, line: &engine::LogLine) -> LogLine {
        LogLine {
            timestamp: line.timestamp.clone(),
            service: line.service.clone(),
            kind: match line.kind {
                Kind::Build => "build",
                Kind::Deploy => "deploy",
            },
            severity: line.severity.clone(),
            message: (self.redact)(&line.message),
            attributes: line
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), (self.redact)(v)))
                .collect(),
        }
    }
}

/// Authorizes, finds the environment and its services on Railway (the
/// overview, cached, then one read), and builds the engine's request.
async fn prepare(
    app: &App,
    caller: &Caller,
    project: &str,
    environment: &str,
    query: &LogQuery,
    tail: usize,
) -> Result<Reading, ApiError> {
    super::allow(caller, Action::Read, project).await?;
    let overview = super::projects::cached_overview(app, project).await?;
    let Some(found) = overview.environments.iter().find(|e| e.name == environment) else {
        return Err(ApiError::not_found("environment"));
    };
    let Some(environment_id) = found.id.clone() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "mirage::serve::not_on_railway",
            format!("environment `{environment}` is not on Railway yet"),
            "follow its job's events until it is created, then ask again",
        ));
    };
    let (context, dir) = super::railway_engine(app, project).await?;
    let connection = crate::engine::connect(&context, &dir)
        .await
        .map_err(|f| super::failure_error(&f))?;
    let target = engine::target_of(&connection.client, &environment_id, environment)
        .await
        .map_err(|f| engine_error(&f))?;
    let services = match &query.services {
        None => None,
        Some(names) => {
            let mut ids = Vec::new();
            for name in names {
                let Some(service) = target.services.values().find(|s| &s.name == name) else {
                    return Err(ApiError::not_found("service"));
                };
                ids.push(service.id.clone());
            }
            Some(ids)
        }
    };
    let request = Request {
        filter: query.filter.clone().filter(|f| !f.trim().is_empty()),
        level: query.level.clone(),
        services,
        window: query.window.unwrap_or(Window::Tail(tail)),
        build: query.build,
        latest_only: query.latest_only,
    };
    let secrets = super::services::redactor_of(app, &context, project).await?;
    let app_redactor = app.config.redactor.clone();
    Ok(Reading {
        connection,
        target,
        request,
        redact: Box::new(move |text: &str| secrets.redact(&app_redactor.redact(text))),
    })
}

/// The lines of `environment`'s services (those of `query.services`, all
/// by default) merged in time order, oldest first, at most `query.limit`
/// (capped at [`MAX_LOG_LINES`]). Read permission. Costs the overview
/// (cached) and two Railway requests (more for a long window).
pub(in crate::serve) async fn environment_logs(
    app: &App,
    caller: &Caller,
    project: &str,
    environment: &str,
    query: LogQuery,
) -> Result<Vec<LogLine>, ApiError> {
    let limit = match query.limit {
        0 => DEFAULT_LOG_LINES,
        n => n.min(MAX_LOG_LINES),
    } as usize;
    let reading = prepare(app, caller, project, environment, &query, limit).await?;
    let mut lines = Vec::new();
    let mut sink = |line: &engine::LogLine| {
        if lines.len() >= limit {
            return Err(std::io::Error::other("enough lines"));
        }
        lines.push(reading.line(line));
        Ok(())
    };
    // A sink error is only "enough lines".
    let _enough = engine::history(
        &reading.connection.client,
        &reading.target,
        &reading.request,
        &mut sink,
    )
    .await
    .map_err(|f| engine_error(&f))?;
    Ok(lines)
}

#[derive(Deserialize)]
struct LogParams {
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    build: Option<bool>,
    #[serde(default)]
    filter: Option<String>,
    #[serde(default)]
    level: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    since: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    before: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

/// A point in time of the query string.
fn point(name: &str, text: &str, now: i64) -> Result<i64, ApiError> {
    time::parse_point(text, now).map_err(|e| bad_query(format!("`{name}` is not valid: {e}")))
}

fn query_of(params: LogParams) -> Result<LogQuery, ApiError> {
    let now = time::now();
    let level = match params.level.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(level) => {
            let lower = level.to_ascii_lowercase();
            if !engine::LEVELS.contains(&lower.as_str()) {
                return Err(bad_query(format!(
                    "`level` must be one of {}",
                    engine::LEVELS.join(", ")
                )));
            }
            Some(lower)
        }
    };
    let services = params.service.as_deref().and_then(|s| {
        let names: Vec<String> = s
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect();
        (!names.is_empty()).then_some(names)
    });
    let limit = params.limit.unwrap_or(0);
    let count = match limit {
        0 => DEFAULT_LOG_LINES,
        n => n.min(MAX_LOG_LINES),
    } as usize;
    let since = params.since.as_deref().filter(|s| !s.trim().is_empty());
    let from = params.from.as_deref().filter(|s| !s.trim().is_empty());
    let to = params.to.as_deref().filter(|s| !s.trim().is_empty());
    let before = params.before.as_deref().filter(|s| !s.trim().is_empty());
    let window = match (since, from, to, before) {
        (Some(_), Some(_), _, _) => {
            return Err(bad_query("give `since` or `from`, not both".into()));
        }
        (None, None, None, Some(before)) => Some(Window::Before {
            count,
            to: point("before", before, now)?,
        }),
        (Some(since), None, to, None) => {
            let ago = time::parse_duration(since)
                .map_err(|e| bad_query(format!("`since` is not valid: {e}")))?;
            Some(Window::Range {
                from: now - ago,
                to: to.map(|t| point("to", t, now)).transpose()?,
            })
        }
        (None, Some(from), to, None) => Some(Window::Range {
            from: point("from", from, now)?,
            to: to.map(|t| point("to", t, now)).transpose()?,
        }),
        (None, None, Some(to), None) => Some(Window::Range {
            from: point("to", to, now)? - 3_600_000,
            to: Some(point("to", to, now)?),
        }),
        (None, None, None, None) => None,
        (_, _, _, Some(_)) => {
            return Err(bad_query(
                "`before` pages a tail: give it without `since`, `from` or `to`".into(),
            ));
        }
    };
    if let Some(Window::Range { from, to: Some(to) }) = window
        && to < from
    {
        return Err(bad_query("`to` is before the window's start".into()));
    }
    Ok(LogQuery {
        services,
        build: params.build.unwrap_or(false),
        filter: params.filter,
        level,
        limit,
        window,
        latest_only: false,
    })
}

fn params_of(
    params: Result<Query<LogParams>, axum::extract::rejection::QueryRejection>,
) -> Result<LogParams, ApiError> {
    params.map(|Query(p)| p).map_err(|rejection| {
        bad_query(format!(
            "the query string is not valid: {}",
            rejection.body_text()
        ))
    })
}

/// The lines as JSON (`{"lines": […]}`), NDJSON or text, the last two as
/// a download named `file`.
pub(super) fn answer(lines: &[LogLine], format: &str, file: &str) -> Response {
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
    match format {
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
                        "{} {} {} {}\n",
                        l.timestamp,
                        l.service,
                        l.severity.as_deref().unwrap_or("-"),
                        l.message
                    )
                })
                .collect(),
        ),
        _ => Json(json!({ "lines": lines })).into_response(),
    }
}

/// `format`, checked.
pub(super) fn format_of(format: Option<&str>) -> Result<String, ApiError> {
    let format = format.unwrap_or("json");
    if !["json", "ndjson", "text"].contains(&format) {
        return Err(ApiError::bad_request(
            "`format` must be `json`, `ndjson` or `text`",
            "leave it out for JSON",
        ));
    }
    Ok(format.to_owned())
}

async fn logs(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((project, environment)): Path<(String, String)>,
    params: Result<Query<LogParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    super::allow(&caller, Action::Read, &project).await?;
    let params = params_of(params)?;
    let format = format_of(params.format.as_deref())?;
    let query = query_of(params)?;
    let file = match &query.services {
        Some(names) if names.len() == 1 => format!("{project}-{environment}-{}.log", names[0]),
        _ => format!("{project}-{environment}.log"),
    };
    let lines = environment_logs(&app, &caller, &project, &environment, query).await?;
    Ok(answer(&lines, &format, &file))
}

/// Where a reconnecting reader was: the timestamp of the last line it
/// got, and how many lines at that timestamp it got (the id is
/// `TIMESTAMP` for the first, `TIMESTAMP#N` for the N-th).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Position {
    at: i64,
    timestamp: String,
    count: u32,
}

impl Position {
    fn parse(id: &str) -> Option<Position> {
        let (timestamp, count) = match id.rsplit_once('#') {
            Some((t, n)) => (t, n.parse().ok().filter(|n| *n >= 1)?),
            None => (id, 1),
        };
        Some(Position {
            at: time::parse_rfc3339(timestamp)?,
            timestamp: timestamp.to_owned(),
            count,
        })
    }

    fn id(&self) -> String {
        if self.count == 1 {
            self.timestamp.clone()
        } else {
            format!("{}#{}", self.timestamp, self.count)
        }
    }
}

async fn follow(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((project, environment)): Path<(String, String)>,
    headers: HeaderMap,
    params: Result<Query<LogParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    super::allow(&caller, Action::Read, &project).await?;
    let params = params_of(params)?;
    let mut query = query_of(params)?;
    if query.build {
        return Err(bad_query(
            "build logs cannot be followed: read them with `…/logs?build=true`".into(),
        ));
    }
    if matches!(
        query.window,
        Some(Window::Before { .. } | Window::Range { to: Some(_), .. })
    ) {
        return Err(bad_query(
            "a followed stream has no end: leave out `to` and `before` (or read the window with `…/logs`)".into(),
        ));
    }
    let resumed = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            Position::parse(v.trim()).ok_or_else(|| {
                bad_query("`Last-Event-ID` is not the id of a line this service sent".into())
            })
        })
        .transpose()?;
    if let Some(position) = &resumed {
        // After the last line the reader got: the lines at its timestamp
        // it already has are skipped below.
        query.window = Some(Window::Range {
            from: position.at,
            to: None,
        });
    }
    let tail = match query.limit {
        0 => DEFAULT_LOG_LINES,
        n => n.min(MAX_LOG_LINES),
    } as usize;
    let reading = prepare(&app, &caller, &project, &environment, &query, tail).await?;
    let (sender, receiver) = mpsc::channel::<Event>(FOLLOW_BUFFER);
    let _ = sender.try_send(
        Event::default()
            .event("open")
            .retry(Duration::from_millis(RETRY_MS))
            .data("{}"),
    );
    tokio::spawn(async move {
        let out = sender.clone();
        let lines = out.clone();
        // Lines at the resumed timestamp the reader already has.
        let mut skip = resumed.as_ref().map(|p| (p.at, p.count)).unwrap_or((0, 0));
        let mut last = resumed;
        let mut on_line = |line: &engine::LogLine| {
            if line.at == skip.0 && skip.1 > 0 {
                skip.1 -= 1;
                return Ok(());
            }
            let position = match last.take() {
                Some(p) if p.at == line.at => Position {
                    count: p.count + 1,
                    ..p
                },
                _ => Position {
                    at: line.at,
                    timestamp: line.timestamp.clone(),
                    count: 1,
                },
            };
            let data = serde_json::to_string(&reading.line(line)).unwrap_or_default();
            let event = Event::default().event("line").id(position.id()).data(data);
            last = Some(position);
            // A reader this far behind (or gone) ends the stream: it
            // reconnects from its last line.
            lines
                .try_send(event)
                .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
        };
        let notices = out.clone();
        let mut on_notice = |notice: Notice| {
            let message = match notice {
                Notice::Interrupted { reason, wait } => format!(
                    "Railway's log stream was interrupted ({reason}); reconnecting in {} ms",
                    wait.as_millis()
                ),
                Notice::Resumed { .. } => "Railway's log stream resumed".to_owned(),
            };
            let _ = notices.try_send(
                Event::default()
                    .event("notice")
                    .data(json!({ "message": message }).to_string()),
            );
        };
        let followed = engine::follow(
            &reading.connection.client,
            &reading.target,
            &reading.request,
            &mut on_line,
            &mut on_notice,
        );
        let ended = tokio::select! {
            ended = followed => ended,
            () = out.closed() => return,
        };
        if let Err(failure) = ended {
            let error = engine_error(&failure);
            let _ = out
                .send(
                    Event::default()
                        .event("failed")
                        .data(json!({ "code": error.code, "message": error.message }).to_string()),
                )
                .await;
        }
    });
    Ok(super::event_stream(&app, receiver))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_round_trip() {
        let first = Position::parse("2026-12-07T10:00:00.123Z").unwrap();
        assert_eq!(first.count, 1);
        assert_eq!(first.id(), "2026-12-07T10:00:00.123Z");
        let third = Position::parse("2026-12-07T10:00:00.123Z#3").unwrap();
        assert_eq!((third.at, third.count), (first.at, 3));
        assert_eq!(third.id(), "2026-12-07T10:00:00.123Z#3");
        assert!(Position::parse("nope").is_none());
        assert!(Position::parse("2026-12-07T10:00:00.123Z#0").is_none());
    }
}
