//! The HTTP transport: GitHub's headers, credentials (installation tokens
//! cached), rate limits honoured within a bound, transient failures retried
//! where that is safe, and classified errors.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;

use super::app::{InstallationToken, parse_token_response, sign_app_jwt};
use super::credentials::{App, Auth};
use super::error::{GithubError, RateLimitKind};
use super::link::next_link;
use super::rate_limit::{RateHeaders, classify, wait_until};
use crate::state::{Clock, SystemClock, Timestamp};

/// GitHub.com's REST API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// The REST API version asked for (`X-GitHub-Api-Version`).
pub const API_VERSION: &str = "2022-11-28";
/// The media type asked for (`Accept`).
pub const MEDIA_TYPE: &str = "application/vnd.github+json";
/// Rate-limited requests are sent again at most this many times in a row.
pub const MAX_RATE_LIMIT_RETRIES: u32 = 3;
/// Pages followed at most by one listing (10,000 items at 100 a page).
pub const MAX_PAGES: usize = 100;

/// How a [`Client`] is set up.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// The REST API root: `https://api.github.com`, or
    /// `https://HOST/api/v3` for GitHub Enterprise Server.
    pub api_url: String,
    /// Credentials.
    pub auth: Auth,
    /// `User-Agent` (GitHub refuses requests without one).
    pub user_agent: String,
    /// Attempts in total for a transient failure (1 = never retry).
    pub max_attempts: u32,
    /// Backoff ceiling of the first retry; doubles each attempt (full
    /// jitter).
    pub base_delay: Duration,
    /// The longest rate-limit wait honoured; a longer one is an error
    /// ([`GithubError::RateLimited`]) at once, without waiting.
    pub max_rate_limit_wait: Duration,
    /// Timeout of one HTTP request.
    pub timeout: Duration,
    /// Where "now" comes from: JWT claims, token expiry, rate-limit resets.
    pub clock: Arc<dyn Clock>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            api_url: DEFAULT_API_URL.to_owned(),
            auth: Auth::Anonymous,
            user_agent: concat!("mirage/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_rate_limit_wait: Duration::from_secs(120),
            timeout: Duration::from_secs(30),
            clock: Arc::new(SystemClock),
        }
    }
}

/// Whether GitHub may act twice on a request sent twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Reads, edits (`PATCH` of the same body) and token exchanges: safe to
    /// send again after a transient failure.
    Idempotent,
    /// Creations (`POST` of a comment): sent again only when GitHub
    /// provably did not act (a rate limit, a connection never opened). An
    /// unknown outcome is returned to the caller, who reads back first.
    Create,
}

/// A successful answer.
#[derive(Clone, Debug)]
pub struct Response {
    /// HTTP status (2xx).
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Vec<u8>,
}

impl Response {
    /// The body as `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, GithubError> {
        serde_json::from_slice(&self.body).map_err(|error| GithubError::Unexpected {
            message: format!("the response does not have the documented shape ({error})"),
        })
    }
}

/// A GitHub REST client. Cheap to clone; clones share the token cache and
/// the rate-limit state.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base: Url,
    options: ClientOptions,
    /// The installation token; the async lock makes concurrent requests
    /// wait for one exchange instead of each starting its own.
    installation: tokio::sync::Mutex<Option<InstallationToken>>,
    /// The primary budget is spent until then: nothing is sent before.
    blocked_until: Mutex<Option<Timestamp>>,
    sent: AtomicU64,
}

impl Client {
    /// A client with `options`.
    pub fn new(options: ClientOptions) -> Result<Client, GithubError> {
        let bad = |reason: &str| GithubError::BadUrl {
            url: options.api_url.clone(),
            reason: reason.to_owned(),
        };
        let mut base =
            Url::parse(options.api_url.trim()).map_err(|error| bad(&error.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad("the scheme must be `http` or `https`"));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(bad("it must not have a query or a fragment"));
        }
        if base.cannot_be_a_base() || base.host_str().is_none() {
            return Err(bad("it has no host"));
        }
        let trimmed = base.path().trim_end_matches('/').to_owned();
        base.set_path(&trimmed);
        let http = reqwest::Client::builder()
            .user_agent(options.user_agent.clone())
            .timeout(options.timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|error| bad(&format!("cannot set up HTTP: {error}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                options,
                installation: tokio::sync::Mutex::new(None),
                blocked_until: Mutex::new(None),
                sent: AtomicU64::new(0),
            }),
        })
    }

    /// The options this client was made with.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// HTTP requests sent so far, retries and token exchanges included.
    pub fn requests_sent(&self) -> u64 {
        self.inner.sent.load(Ordering::Relaxed)
    }

    /// The URL of the API path made of `segments` (each percent-encoded).
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// Sends one request with credentials, honouring rate limits and
    /// retrying transient failures as `effect` allows.
    pub async fn request(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        effect: Effect,
    ) -> Result<Response, GithubError> {
        let mut renewed = false;
        loop {
            let authorization = self.authorization().await?;
            let result = self
                .send_with_retries(method.clone(), url.clone(), body, effect, authorization)
                .await;
            match result {
                // An installation token can be revoked before it expires
                // (the App uninstalled and installed again): renew once.
                Err(GithubError::Unauthorized { .. })
                    if !renewed && matches!(self.inner.options.auth, Auth::App(_)) =>
                {
                    renewed = true;
                    *self.inner.installation.lock().await = None;
                }
                other => return other,
            }
        }
    }

    /// GETs every page of a listing, following `Link: rel="next"` (only to
    /// the API's own origin: credentials never go elsewhere).
    pub async fn get_all_pages<T: DeserializeOwned>(
        &self,
        first: Url,
    ) -> Result<Vec<T>, GithubError> {
        let mut items = Vec::new();
        let mut url = first;
        for _ in 0..MAX_PAGES {
            let response = self
                .request(Method::GET, url.clone(), None, Effect::Idempotent)
                .await?;
            let page: Vec<T> = response.json()?;
            items.extend(page);
            let next = response
                .headers
                .get("link")
                .and_then(|value| value.to_str().ok())
                .and_then(next_link);
            let Some(next) = next else {
                return Ok(items);
            };
            let next = url.join(next).map_err(|error| GithubError::Unexpected {
                message: format!("the `Link` header's next page `{next}` is not a URL ({error})"),
            })?;
            if next.origin() != self.inner.base.origin() {
                return Err(GithubError::Unexpected {
                    message: format!(
                        "the next page is on another origin (`{}`); credentials are not sent there",
                        next.origin().ascii_serialization()
                    ),
                });
            }
            url = next;
        }
        Err(GithubError::Unexpected {
            message: format!("the listing has more than {MAX_PAGES} pages"),
        })
    }

    /// The `Authorization` header for the configured credentials; for an
    /// App, the cached installation token or a new one.
    async fn authorization(&self) -> Result<Option<HeaderValue>, GithubError> {
        let app = match &self.inner.options.auth {
            Auth::Anonymous => return Ok(None),
            Auth::Token(token) => return bearer(token.expose()).map(Some),
            Auth::App(app) => app,
        };
        let mut cached = self.inner.installation.lock().await;
        let now = self.inner.options.clock.now();
        if let Some(token) = cached.as_ref().filter(|token| token.is_fresh(now)) {
            return bearer(token.token.expose()).map(Some);
        }
        let token = self.exchange(app, now).await?;
        let header = bearer(token.token.expose())?;
        *cached = Some(token);
        Ok(Some(header))
    }

    /// Trades the App's JWT for an installation token. Sending it twice
    /// only makes a second token, so it is retried like a read.
    async fn exchange(&self, app: &App, now: Timestamp) -> Result<InstallationToken, GithubError> {
        let jwt = sign_app_jwt(app, now)?;
        let installation = app.installation_id.to_string();
        let url = self.url(&["app", "installations", &installation, "access_tokens"]);
        let response = self
            .send_with_retries(
                Method::POST,
                url,
                None,
                Effect::Idempotent,
                Some(bearer(&jwt)?),
            )
            .await?;
        parse_token_response(&response.body)
    }

    async fn send_with_retries(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        effect: Effect,
        authorization: Option<HeaderValue>,
    ) -> Result<Response, GithubError> {
        let options = &self.inner.options;
        let mut failures: u32 = 0;
        let mut limited: u32 = 0;
        loop {
            self.wait_for_primary_reset().await?;
            let outcome = self
                .send_once(
                    method.clone(),
                    url.clone(),
                    body,
                    authorization.clone(),
                    limited,
                )
                .await;
            let error = match outcome {
                Ok(response) => return Ok(response),
                Err(Failure::Limited {
                    kind,
                    wait,
                    message,
                }) => {
                    if wait > options.max_rate_limit_wait || limited >= MAX_RATE_LIMIT_RETRIES {
                        return Err(GithubError::RateLimited {
                            kind,
                            wait: Some(wait),
                            message,
                        });
                    }
                    limited += 1;
                    // A rate-limited request was refused, not carried out:
                    // even a creation is sent again.
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Err(Failure::Error(error)) => error,
            };
            let retryable = match &error {
                GithubError::Transient { sent, .. } => effect == Effect::Idempotent || !sent,
                _ => false,
            };
            failures += 1;
            if !retryable || failures >= options.max_attempts.max(1) {
                return Err(error);
            }
            tokio::time::sleep(self.backoff(failures - 1)).await;
        }
    }

    /// Full jitter: uniform in `[0, base · 2^retry]`, at most 30 s.
    fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .inner
            .options
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(16)))
            .min(Duration::from_secs(30));
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }

    /// Waits while an earlier answer said the primary budget is spent; a
    /// wait beyond the bound is an error without sending anything.
    async fn wait_for_primary_reset(&self) -> Result<(), GithubError> {
        let until = match self.inner.blocked_until.lock() {
            Ok(guard) => *guard,
            Err(poisoned) => *poisoned.into_inner(),
        };
        let Some(until) = until else {
            return Ok(());
        };
        let now = self.inner.options.clock.now();
        if now >= until {
            return Ok(());
        }
        let wait = wait_until(until, now);
        if wait > self.inner.options.max_rate_limit_wait {
            return Err(GithubError::RateLimited {
                kind: RateLimitKind::Primary,
                wait: Some(wait),
                message: "the hourly request budget is spent (`x-ratelimit-remaining: 0`)"
                    .to_owned(),
            });
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }

    fn note_rate_headers(&self, headers: &RateHeaders) {
        let mut guard = match self.inner.blocked_until.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = headers.exhausted_until();
    }

    async fn send_once(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
        authorization: Option<HeaderValue>,
        limited_before: u32,
    ) -> Result<Response, Failure> {
        let mut request = self
            .inner
            .http
            .request(method, url.clone())
            .header("accept", MEDIA_TYPE)
            .header("x-github-api-version", API_VERSION);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        self.inner.sent.fetch_add(1, Ordering::Relaxed);
        let response = request.send().await.map_err(network_error)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(|error| {
            Failure::Error(GithubError::Transient {
                message: format!("the response was cut off ({})", reason(&error)),
                status: Some(status),
                sent: true,
            })
        })?;
        let rate = RateHeaders::read(&headers);
        self.note_rate_headers(&rate);
        if (200..300).contains(&status) {
            return Ok(Response {
                status,
                headers,
                body: bytes.to_vec(),
            });
        }
        let message = error_message(&bytes);
        let now = self.inner.options.clock.now();
        if let Some((kind, wait)) = classify(status, &rate, &message, now, limited_before) {
            return Err(Failure::Limited {
                kind,
                wait,
                message,
            });
        }
        Err(Failure::Error(match status {
            401 => GithubError::Unauthorized { message },
            403 => GithubError::Forbidden { message },
            404 | 410 => GithubError::NotFound {
                path: url.path().to_owned(),
                message,
            },
            400 | 422 => GithubError::Invalid { status, message },
            500..=599 => GithubError::Transient {
                message: format!("HTTP {status}: {message}"),
                status: Some(status),
                sent: true,
            },
            _ => GithubError::Unexpected {
                message: format!("HTTP {status}: {message}"),
            },
        }))
    }
}

/// One attempt's failure: a rate limit (the caller decides whether to
/// wait) or an error.
enum Failure {
    Limited {
        kind: RateLimitKind,
        wait: Duration,
        message: String,
    },
    Error(GithubError),
}

impl From<GithubError> for Failure {
    fn from(error: GithubError) -> Self {
        Failure::Error(error)
    }
}

fn bearer(secret: &str) -> Result<HeaderValue, GithubError> {
    let mut value = HeaderValue::from_str(&format!("Bearer {secret}")).map_err(|_| {
        GithubError::Unauthorized {
            message: "the token contains characters that cannot go in an HTTP header".to_owned(),
        }
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// GitHub's error body `{message, errors: [{message | code, field}]}` as
/// one line; a body that is not JSON is summarised, not echoed.
fn error_message(body: &[u8]) -> String {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return if body.is_empty() {
            "no message".to_owned()
        } else {
            format!("a {}-byte answer that is not JSON", body.len())
        };
    };
    let mut message = value
        .get("message")
        .and_then(|m| m.as_str())
        .unwrap_or("no message")
        .to_owned();
    if let Some(errors) = value.get("errors").and_then(|e| e.as_array()) {
        let details: Vec<String> = errors
            .iter()
            .filter_map(|error| {
                error
                    .get("message")
                    .or_else(|| error.get("code"))
                    .and_then(|m| m.as_str())
                    .map(str::to_owned)
            })
            .collect();
        if !details.is_empty() {
            message = format!("{message}: {}", details.join("; "));
        }
    }
    message
}

fn reason(error: &reqwest::Error) -> String {
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    reason
}

fn network_error(error: reqwest::Error) -> Failure {
    // A connect error happens before any byte of the request leaves.
    let sent = !error.is_connect();
    let what = if error.is_connect() {
        "cannot connect"
    } else if error.is_timeout() {
        "the request timed out"
    } else {
        "the connection failed"
    };
    Failure::Error(GithubError::Transient {
        message: format!("{what} ({})", reason(&error)),
        status: None,
        sent,
    })
}
