//! A small GitHub REST API on loopback, implementing the endpoints Mirage
//! uses as GitHub documents them: issue comments (list with `Link`
//! pagination, get, create `201`, edit, `404` for a deleted comment), the
//! App token exchange (`201 {token, expires_at}`, the JWT verified with the
//! App's public key), rate-limit headers and answers (`403`/`429` with
//! `retry-after` or `x-ratelimit-remaining: 0`). It records every request
//! and can be told to fail the next matching ones.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use mirage::github::app::AppClaims;
use mirage::state::Clock;
use serde_json::{Value, json};

/// The path prefix of GitHub Enterprise Server, so every test also checks
/// that the client keeps the base URL's path.
pub const PREFIX: &str = "/api/v3";

/// One request as the fake saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: Method,
    /// The path without [`PREFIX`].
    pub path: String,
    pub query: Option<String>,
    pub authorization: Option<String>,
    pub accept: Option<String>,
    pub api_version: Option<String>,
    pub user_agent: Option<String>,
    pub body: Option<Value>,
}

/// How the next matching requests fail.
#[derive(Clone, Debug)]
pub enum FaultKind {
    /// `403` with GitHub's secondary-limit message and `retry-after`
    /// when given.
    Secondary { retry_after: Option<u64> },
    /// `403` with `x-ratelimit-remaining: 0` and a reset this far ahead.
    Primary { reset_in: i64 },
    /// This status, without doing anything.
    Status(u16),
    /// Do the work, then answer this status (the outcome the client cannot
    /// know).
    ActThenStatus(u16),
    /// Delete the comment, then answer `404` (someone deleted it between
    /// the client's listing and its edit).
    DeleteThen404,
    /// Answer normally but put this URL as the next page.
    NextLink(String),
}

#[derive(Clone, Debug)]
struct Fault {
    method: Method,
    path_suffix: String,
    kind: FaultKind,
    times: usize,
}

#[derive(Clone, Debug)]
struct Comment {
    issue: (String, String, u64),
    body: String,
    user: String,
}

/// The App the fake knows: its issuer, installation and public key.
#[derive(Clone, Debug)]
pub struct AppConfig {
    pub issuer: String,
    pub installation_id: u64,
    pub public_pem: Vec<u8>,
}

#[derive(Debug)]
struct State {
    comments: BTreeMap<u64, Comment>,
    next_id: u64,
    max_per_page: usize,
    tokens: BTreeMap<String, Option<i64>>,
    issued: u64,
    faults: Vec<Fault>,
    requests: Vec<Recorded>,
    app: Option<AppConfig>,
    claims: Vec<AppClaims>,
}

struct Shared {
    state: Mutex<State>,
    base: String,
    clock: Arc<dyn Clock>,
}

/// A running fake.
pub struct FakeGithub {
    shared: Arc<Shared>,
    /// The API root to give the client (`http://127.0.0.1:PORT/api/v3`).
    pub api_url: String,
}

impl FakeGithub {
    /// Starts a fake accepting `tokens` (personal tokens) and, when `app`
    /// is given, installation tokens it issues for that App.
    pub async fn start(
        clock: Arc<dyn Clock>,
        tokens: &[&str],
        app: Option<AppConfig>,
    ) -> FakeGithub {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let address = listener.local_addr().expect("local address");
        let api_url = format!("http://{address}{PREFIX}");
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                comments: BTreeMap::new(),
                next_id: 1000,
                max_per_page: 100,
                tokens: tokens.iter().map(|t| ((*t).to_owned(), None)).collect(),
                issued: 0,
                faults: Vec::new(),
                requests: Vec::new(),
                app,
                claims: Vec::new(),
            }),
            base: api_url.clone(),
            clock,
        });
        let handler_state = shared.clone();
        let router = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let shared = handler_state.clone();
                async move { handle(&shared, method, uri, headers, body) }
            },
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        FakeGithub { shared, api_url }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().expect("fake state")
    }

    /// Caps `per_page` (GitHub's own cap is 100), to make short listings
    /// span pages.
    pub fn set_max_per_page(&self, max: usize) {
        self.state().max_per_page = max.max(1);
    }

    /// The next `times` requests of `method` whose path ends with
    /// `path_suffix` fail as `kind`.
    pub fn fail(&self, method: Method, path_suffix: &str, kind: FaultKind, times: usize) {
        self.state().faults.push(Fault {
            method,
            path_suffix: path_suffix.to_owned(),
            kind,
            times,
        });
    }

    /// Adds a comment as someone else would (not recorded as a request).
    pub fn seed_comment(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        user: &str,
        body: &str,
    ) -> u64 {
        let mut state = self.state();
        state.next_id += 1;
        let id = state.next_id;
        state.comments.insert(
            id,
            Comment {
                issue: (owner.to_owned(), repo.to_owned(), number),
                body: body.to_owned(),
                user: user.to_owned(),
            },
        );
        id
    }

    /// Deletes a comment as a person would in the web interface.
    pub fn delete_comment(&self, id: u64) {
        self.state().comments.remove(&id);
    }

    /// The bodies of the comments on one issue, oldest first.
    pub fn comments_on(&self, owner: &str, repo: &str, number: u64) -> Vec<(u64, String)> {
        self.state()
            .comments
            .iter()
            .filter(|(_, c)| c.issue == (owner.to_owned(), repo.to_owned(), number))
            .map(|(id, c)| (*id, c.body.clone()))
            .collect()
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    /// The requests of `method` whose path ends with `suffix`.
    pub fn count(&self, method: Method, suffix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && r.path.ends_with(suffix))
            .count()
    }

    /// The claims of every App JWT that verified.
    pub fn jwt_claims(&self) -> Vec<AppClaims> {
        self.state().claims.clone()
    }

    /// Installation tokens issued so far.
    pub fn tokens_issued(&self) -> u64 {
        self.state().issued
    }

    /// Revokes every installation token (an App reinstalled).
    pub fn revoke_installation_tokens(&self) {
        self.state()
            .tokens
            .retain(|token, _| !token.starts_with("ghs_"));
    }
}

fn handle(shared: &Shared, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let path = uri.path().strip_prefix(PREFIX).unwrap_or("").to_owned();
    let mut state = shared.state.lock().expect("fake state");
    let now = shared.clock.now().unix_seconds();
    state.requests.push(Recorded {
        method: method.clone(),
        path: path.clone(),
        query: uri.query().map(str::to_owned),
        authorization: header("authorization"),
        accept: header("accept"),
        api_version: header("x-github-api-version"),
        user_agent: header("user-agent"),
        body: serde_json::from_slice(&body).ok(),
    });
    if !uri.path().starts_with(PREFIX) {
        return message(StatusCode::NOT_FOUND, "Not Found", now);
    }
    let fault = take_fault(&mut state, &method, &path);
    match &fault {
        Some(FaultKind::Secondary { retry_after }) => {
            let mut response = message(
                StatusCode::FORBIDDEN,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                now,
            );
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert("retry-after", seconds.to_string().parse().expect("header"));
            }
            return response;
        }
        Some(FaultKind::Primary { reset_in }) => {
            let mut response = message(
                StatusCode::FORBIDDEN,
                "API rate limit exceeded for installation ID 1.",
                now,
            );
            let h = response.headers_mut();
            h.insert("x-ratelimit-remaining", "0".parse().expect("header"));
            h.insert(
                "x-ratelimit-reset",
                (now + reset_in).to_string().parse().expect("header"),
            );
            return response;
        }
        Some(FaultKind::Status(code)) => {
            let status = StatusCode::from_u16(*code).expect("status");
            return message(status, "Server Error", now);
        }
        _ => {}
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let response = match (method.clone(), segments.as_slice()) {
        (Method::POST, ["app", "installations", id, "access_tokens"]) => {
            exchange(&mut state, &headers, id, now)
        }
        (_, ["repos", ..]) if !authorized(&state, &headers, now) => {
            message(StatusCode::UNAUTHORIZED, "Bad credentials", now)
        }
        (Method::GET, ["repos", owner, repo, "issues", number, "comments"]) => {
            let Ok(number) = number.parse::<u64>() else {
                return message(StatusCode::NOT_FOUND, "Not Found", now);
            };
            let next = match &fault {
                Some(FaultKind::NextLink(url)) => Some(url.clone()),
                _ => None,
            };
            list(
                &state,
                &shared.base,
                owner,
                repo,
                number,
                uri.query(),
                next,
                now,
            )
        }
        (Method::POST, ["repos", owner, repo, "issues", number, "comments"]) => {
            let Ok(number) = number.parse::<u64>() else {
                return message(StatusCode::NOT_FOUND, "Not Found", now);
            };
            let Some(text) = body_text(&body) else {
                return message(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Invalid request.\n\n\"body\" wasn't supplied.",
                    now,
                );
            };
            if let Some(refused) = too_long(&text, now) {
                return refused;
            }
            state.next_id += 1;
            let id = state.next_id;
            let user = "mirage-app[bot]".to_owned();
            state.comments.insert(
                id,
                Comment {
                    issue: ((*owner).to_owned(), (*repo).to_owned(), number),
                    body: text,
                    user,
                },
            );
            let comment = &state.comments[&id];
            with_rate_headers(
                (
                    StatusCode::CREATED,
                    axum::Json(comment_json(&shared.base, id, comment)),
                )
                    .into_response(),
                now,
            )
        }
        (
            Method::GET | Method::PATCH | Method::DELETE,
            ["repos", _, _, "issues", "comments", id],
        ) => {
            let id = id.parse::<u64>().unwrap_or(0);
            if matches!(fault, Some(FaultKind::DeleteThen404)) {
                state.comments.remove(&id);
            }
            let Some(comment) = state.comments.get_mut(&id) else {
                return message(StatusCode::NOT_FOUND, "Not Found", now);
            };
            if method == Method::DELETE {
                state.comments.remove(&id);
                return with_rate_headers(StatusCode::NO_CONTENT.into_response(), now);
            }
            if method == Method::PATCH {
                let Some(text) = body_text(&body) else {
                    return message(StatusCode::UNPROCESSABLE_ENTITY, "Invalid request.", now);
                };
                if let Some(refused) = too_long(&text, now) {
                    return refused;
                }
                comment.body = text;
            }
            let comment = state.comments[&id].clone();
            with_rate_headers(
                axum::Json(comment_json(&shared.base, id, &comment)).into_response(),
                now,
            )
        }
        _ => message(StatusCode::NOT_FOUND, "Not Found", now),
    };
    match fault {
        Some(FaultKind::ActThenStatus(code)) => message(
            StatusCode::from_u16(code).expect("status"),
            "Server Error",
            now,
        ),
        _ => response,
    }
}

fn take_fault(state: &mut State, method: &Method, path: &str) -> Option<FaultKind> {
    let index = state
        .faults
        .iter()
        .position(|f| f.times > 0 && f.method == *method && path.ends_with(&f.path_suffix))?;
    let fault = &mut state.faults[index];
    fault.times -= 1;
    Some(fault.kind.clone())
}

/// GitHub's answer to a body over 65,536 characters.
fn too_long(text: &str, now: i64) -> Option<Response> {
    (text.chars().count() > 65_536).then(|| {
        message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Validation Failed: body is too long (maximum is 65536 characters)",
            now,
        )
    })
}

fn body_text(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    value.get("body")?.as_str().map(str::to_owned)
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("token "))
        .map(str::to_owned)
}

fn authorized(state: &State, headers: &HeaderMap, now: i64) -> bool {
    let Some(token) = bearer(headers) else {
        return false;
    };
    match state.tokens.get(&token) {
        Some(None) => true,
        Some(Some(expires)) => now < *expires,
        None => false,
    }
}

fn exchange(state: &mut State, headers: &HeaderMap, id: &str, now: i64) -> Response {
    let Some(app) = state.app.clone() else {
        return message(StatusCode::NOT_FOUND, "Not Found", now);
    };
    if id != app.installation_id.to_string() {
        return message(StatusCode::NOT_FOUND, "Not Found", now);
    }
    let Some(jwt) = bearer(headers) else {
        return message(
            StatusCode::UNAUTHORIZED,
            "A JSON web token could not be decoded",
            now,
        );
    };
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(&app.public_pem).expect("public key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    // Times are checked against the fake's clock below.
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["exp", "iat", "iss"]);
    validation.set_issuer(&[app.issuer.as_str()]);
    let Ok(data) = jsonwebtoken::decode::<AppClaims>(&jwt, &key, &validation) else {
        return message(
            StatusCode::UNAUTHORIZED,
            "A JSON web token could not be decoded",
            now,
        );
    };
    let claims = data.claims;
    if claims.iat > now || claims.exp <= now || claims.exp - claims.iat > 600 {
        return message(
            StatusCode::UNAUTHORIZED,
            "'Expiration time' claim ('exp') is too far in the future",
            now,
        );
    }
    state.claims.push(claims);
    state.issued += 1;
    let token = format!("ghs_fake{}", state.issued);
    let expires = now + 3600;
    state.tokens.insert(token.clone(), Some(expires));
    let expires_at = time::OffsetDateTime::from_unix_timestamp(expires)
        .expect("time")
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    with_rate_headers(
        (
            StatusCode::CREATED,
            axum::Json(json!({
                "token": token,
                "expires_at": expires_at,
                "permissions": {"issues": "write", "pull_requests": "write"},
                "repository_selection": "selected",
            })),
        )
            .into_response(),
        now,
    )
}

#[allow(clippy::too_many_arguments)]
fn list(
    state: &State,
    base: &str,
    owner: &str,
    repo: &str,
    number: u64,
    query: Option<&str>,
    next_override: Option<String>,
    now: i64,
) -> Response {
    let param = |name: &str| {
        query?.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.parse::<usize>().ok()).flatten()
        })
    };
    let per_page = param("per_page").unwrap_or(30).clamp(1, state.max_per_page);
    let page = param("page").unwrap_or(1).max(1);
    let all: Vec<(u64, &Comment)> = state
        .comments
        .iter()
        .filter(|(_, c)| c.issue == (owner.to_owned(), repo.to_owned(), number))
        .map(|(id, c)| (*id, c))
        .collect();
    let pages = all.len().div_ceil(per_page).max(1);
    let items: Vec<Value> = all
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|(id, c)| comment_json(base, *id, c))
        .collect();
    let mut response = with_rate_headers(axum::Json(items).into_response(), now);
    let link_to = |n: usize| {
        format!("{base}/repos/{owner}/{repo}/issues/{number}/comments?per_page={per_page}&page={n}")
    };
    let mut links = Vec::new();
    if let Some(url) = next_override {
        links.push(format!("<{url}>; rel=\"next\""));
    } else if page < pages {
        links.push(format!("<{}>; rel=\"next\"", link_to(page + 1)));
        links.push(format!("<{}>; rel=\"last\"", link_to(pages)));
    }
    if page > 1 {
        links.push(format!("<{}>; rel=\"first\"", link_to(1)));
        links.push(format!("<{}>; rel=\"prev\"", link_to(page - 1)));
    }
    if !links.is_empty() {
        response
            .headers_mut()
            .insert("link", links.join(", ").parse().expect("link header"));
    }
    response
}

fn comment_json(base: &str, id: u64, comment: &Comment) -> Value {
    let (owner, repo, number) = &comment.issue;
    json!({
        "id": id,
        "node_id": format!("IC_{id}"),
        "url": format!("{base}/repos/{owner}/{repo}/issues/comments/{id}"),
        "html_url": format!("https://github.com/{owner}/{repo}/pull/{number}#issuecomment-{id}"),
        "body": comment.body,
        "user": {"login": comment.user, "id": 1, "type": "Bot"},
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "author_association": "NONE",
    })
}

fn with_rate_headers(mut response: Response, now: i64) -> Response {
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", "5000".parse().expect("header"));
    headers.insert("x-ratelimit-remaining", "4999".parse().expect("header"));
    headers.insert(
        "x-ratelimit-reset",
        (now + 3600).to_string().parse().expect("header"),
    );
    headers.insert("x-ratelimit-resource", "core".parse().expect("header"));
    response
}

fn message(status: StatusCode, text: &str, now: i64) -> Response {
    with_rate_headers(
        (
            status,
            axum::Json(json!({
                "message": text,
                "documentation_url": "https://docs.github.com/rest",
                "status": status.as_u16().to_string(),
            })),
        )
            .into_response(),
        now,
    )
}
