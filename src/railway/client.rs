//! The HTTP transport: one POST per GraphQL document, with auth, the rate
//! limiter, retries and error classification.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::auth::{Credentials, endpoint_from_env, identified_url};
use super::error::{GraphQlErrorBody, RailwayError};
use super::limiter::RateLimiter;
use super::retry::{RetryPolicy, parse_retry_after};

/// How a [`Client`] is set up.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// GraphQL endpoint (`?source=mirage` is added).
    pub endpoint: String,
    /// Credentials; `None` sends unauthenticated requests (the emulator and
    /// introspection accept them, Railway mostly does not).
    pub credentials: Option<Credentials>,
    /// Retry bounds.
    pub retry: RetryPolicy,
    /// Client-side limit in requests per second (0 = unlimited).
    pub requests_per_second: f64,
    /// Timeout of one HTTP request. Railway's long mutations (environment
    /// duplication) can run past 30 s; the CLI uses 90 s.
    pub timeout: Duration,
    /// How many aliased mutations go in one batched request.
    pub batch_size: usize,
    /// Page size of connections read by [`Client::read_project`].
    pub page_size: i32,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            endpoint: super::auth::DEFAULT_ENDPOINT.to_owned(),
            credentials: None,
            retry: RetryPolicy::default(),
            requests_per_second: 10.0,
            timeout: Duration::from_secs(90),
            batch_size: 25,
            page_size: 500,
        }
    }
}

impl ClientOptions {
    /// Options from the environment: `MIRAGE_RAILWAY_URL`, and the token
    /// by the one precedence of every command ([`super::auth::discover`]:
    /// `RAILWAY_TOKEN`, `RAILWAY_API_TOKEN`, then `mirage login`'s).
    pub fn from_env() -> Self {
        Self::from_discovery(super::auth::discover(false)).0
    }

    /// Options with the token of `discovery`, and why the stored token
    /// could not be read (for a warning), if it could not.
    pub fn from_discovery(
        discovery: super::auth::Discovery,
    ) -> (Self, Option<super::stored::StoredError>) {
        let problem = discovery.problem;
        let credentials = discovery
            .found
            .into_iter()
            .next()
            .map(|(credentials, _): (Credentials, _)| credentials);
        let options = ClientOptions {
            endpoint: endpoint_from_env(),
            credentials,
            ..ClientOptions::default()
        };
        (options, problem)
    }

    /// These options pointed at `endpoint`.
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = endpoint.into();
        self
    }
}

/// Whether Railway may have acted on a request: decides what is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// A query: always safe to repeat.
    Read,
    /// A mutation: repeated only when Railway cannot have seen it.
    Write,
}

/// The `{data, errors}` envelope of a response that came back.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Envelope {
    /// The data, possibly partial.
    #[serde(default)]
    pub data: Option<serde_json::Value>,
    /// Errors, possibly alongside data.
    #[serde(default)]
    pub errors: Option<Vec<GraphQlErrorBody>>,
}

/// A Railway GraphQL client. Cheap to clone; clones share the limiter and
/// the request counter.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) url: reqwest::Url,
    pub(crate) options: ClientOptions,
    pub(crate) limiter: RateLimiter,
    pub(crate) sent: AtomicU64,
    /// A project token's scope, once asked ([`Client::token_scope`]).
    pub(crate) scope: std::sync::OnceLock<super::scope::TokenScope>,
}

#[derive(Serialize)]
struct Request<'a, V> {
    query: &'a str,
    variables: &'a V,
    #[serde(rename = "operationName", skip_serializing_if = "Option::is_none")]
    operation_name: Option<&'a str>,
}

impl Client {
    /// A client with `options`.
    pub fn new(options: ClientOptions) -> Result<Client, RailwayError> {
        let url = identified_url(&options.endpoint)?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("mirage/", env!("CARGO_PKG_VERSION")))
            .timeout(options.timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|error| RailwayError::BadEndpoint {
                endpoint: options.endpoint.clone(),
                reason: format!("cannot set up HTTP: {error}"),
            })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                url,
                limiter: RateLimiter::new(options.requests_per_second),
                options,
                sent: AtomicU64::new(0),
                scope: std::sync::OnceLock::new(),
            }),
        })
    }

    /// A client configured from the environment, which must hold a token.
    pub fn from_env() -> Result<Client, RailwayError> {
        let options = ClientOptions::from_env();
        if options.credentials.is_none() {
            return Err(RailwayError::MissingToken);
        }
        Client::new(options)
    }

    /// The HTTP requests sent so far, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.inner.sent.load(Ordering::Relaxed)
    }

    /// The options this client was made with.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// The endpoint URL requests go to (with `?source=mirage`).
    pub fn url(&self) -> &reqwest::Url {
        &self.inner.url
    }

    /// Runs a typed query, retrying as the policy allows.
    pub async fn query<F, V>(&self, operation: cynic::Operation<F, V>) -> Result<F, RailwayError>
    where
        F: DeserializeOwned,
        V: Serialize,
    {
        self.run(operation, Effect::Read).await
    }

    /// Runs a typed mutation; retried only where it is safe.
    pub async fn mutate<F, V>(&self, operation: cynic::Operation<F, V>) -> Result<F, RailwayError>
    where
        F: DeserializeOwned,
        V: Serialize,
    {
        self.run(operation, Effect::Write).await
    }

    async fn run<F, V>(
        &self,
        operation: cynic::Operation<F, V>,
        effect: Effect,
    ) -> Result<F, RailwayError>
    where
        F: DeserializeOwned,
        V: Serialize,
    {
        let envelope = self
            .execute(
                &operation.query,
                &operation.variables,
                operation.operation_name.as_deref(),
                effect,
            )
            .await?;
        if let Some(error) = envelope.errors.as_ref().and_then(|errors| errors.first()) {
            return Err(error.classify());
        }
        decode_data(envelope.data)
    }

    /// Sends a document with retries and returns the envelope of the
    /// response, GraphQL errors included (HTTP-level failures are `Err`).
    pub async fn execute<V: Serialize>(
        &self,
        query: &str,
        variables: &V,
        operation_name: Option<&str>,
        effect: Effect,
    ) -> Result<Envelope, RailwayError> {
        let body = serde_json::to_vec(&Request {
            query,
            variables,
            operation_name,
        })
        .map_err(|error| RailwayError::Invalid {
            message: format!("cannot serialise the request variables: {error}"),
            code: None,
        })?;
        let policy = &self.inner.options.retry;
        let started = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            self.inner.limiter.acquire().await;
            let result = self.send_once(body.clone()).await;
            let error = match result {
                // Reads whose data is null because of a transient or rate
                // limit error ("… too quickly") are worth another attempt.
                Ok(envelope) => match envelope_failure(&envelope) {
                    Some(error) if effect == Effect::Read && error.is_retryable_read() => error,
                    _ => return Ok(envelope),
                },
                Err(error) => error,
            };
            attempt += 1;
            let retryable = match effect {
                Effect::Read => error.is_retryable_read(),
                Effect::Write => error.is_retryable_write(),
            };
            if !retryable || attempt >= policy.max_attempts.max(1) {
                return Err(error);
            }
            let wait = policy.backoff(attempt - 1, error.retry_after());
            if started.elapsed() + wait > policy.deadline {
                return Err(error);
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// One HTTP exchange, classified.
    async fn send_once(&self, body: Vec<u8>) -> Result<Envelope, RailwayError> {
        let mut request = self
            .inner
            .http
            .post(self.inner.url.clone())
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(body);
        if let Some(credentials) = &self.inner.options.credentials {
            let (name, value) = credentials.header();
            let mut value = reqwest::header::HeaderValue::from_str(&value).map_err(|_| {
                RailwayError::Unauthorized {
                    message: "the token contains characters that cannot go in an HTTP header"
                        .to_owned(),
                    trace_id: None,
                }
            })?;
            value.set_sensitive(true);
            request = request.header(name, value);
        }
        let number = self.inner.sent.fetch_add(1, Ordering::Relaxed) + 1;
        crate::telemetry::railway_request();
        let response = request.send().await.map_err(network_error)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        self.inner
            .limiter
            .observe(header("x-ratelimit-remaining"), header("x-ratelimit-reset"));
        if let Some(remaining) =
            header("x-ratelimit-remaining").and_then(|value| value.trim().parse::<u64>().ok())
        {
            crate::telemetry::railway_remaining(remaining);
        }
        let retry_after = header("retry-after").and_then(parse_retry_after);
        let bytes = response
            .bytes()
            .await
            .map_err(|error| RailwayError::Transient {
                message: format!("the response was cut off ({})", reqwest_reason(&error)),
                status: Some(status),
                sent: true,
            })?;
        super::kill::after_response(number);
        classify_response(status, retry_after, &bytes)
    }
}

/// The failure of a response whose `data` is null and that has errors.
fn envelope_failure(envelope: &Envelope) -> Option<RailwayError> {
    if envelope.data.as_ref().is_some_and(|data| !data.is_null()) {
        return None;
    }
    envelope
        .errors
        .as_ref()?
        .first()
        .map(GraphQlErrorBody::classify)
}

/// Turns the `data` of a successful response into the typed fragment.
pub(crate) fn decode_data<F: DeserializeOwned>(
    data: Option<serde_json::Value>,
) -> Result<F, RailwayError> {
    let data = data.ok_or_else(|| RailwayError::Server {
        message: "the response has neither data nor errors".to_owned(),
        trace_id: None,
    })?;
    serde_json::from_value(data).map_err(|error| RailwayError::Server {
        message: format!("the response does not match the expected shape: {error}"),
        trace_id: None,
    })
}

fn reqwest_reason(error: &reqwest::Error) -> String {
    // reqwest's Display includes the URL, which is ours and safe; the source
    // chain says what actually happened.
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    reason
}

fn network_error(error: reqwest::Error) -> RailwayError {
    // A connect error (refused, DNS, TLS, connect timeout) happens before
    // any byte of the request leaves: Railway cannot have seen it. Anything
    // later (a reset, a timeout waiting for the answer) may follow a write
    // Railway carried out.
    let sent = !error.is_connect();
    let what = if error.is_connect() {
        "cannot connect"
    } else if error.is_timeout() {
        "the request timed out"
    } else {
        "the connection failed"
    };
    RailwayError::Transient {
        message: format!("{what} ({})", reqwest_reason(&error)),
        status: None,
        sent,
    }
}

/// Classifies an HTTP response by status and body.
pub fn classify_response(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<Envelope, RailwayError> {
    let envelope = serde_json::from_slice::<Envelope>(body).ok();
    let first_error = envelope
        .as_ref()
        .and_then(|envelope| envelope.errors.as_ref())
        .and_then(|errors| errors.first());
    let looks_html = {
        let start = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
        start.contains("<html") || start.contains("<!doctype")
    };
    match status {
        200..=299 => {
            let Some(envelope) = envelope else {
                return Err(if looks_html {
                    RailwayError::Transient {
                        message: format!("HTTP {status} with an HTML page instead of JSON (an edge proxy answered)"),
                        status: Some(status),
                        sent: true,
                    }
                } else {
                    RailwayError::Server {
                        message: format!("HTTP {status} with a body that is not GraphQL JSON"),
                        trace_id: None,
                    }
                });
            };
            // GraphQL errors are the caller's to read: a batch splits them
            // by alias, a typed operation turns the first into an `Err`.
            Ok(envelope)
        }
        429 => Err(RailwayError::RateLimited {
            message: if looks_html {
                "HTTP 429 from the edge proxy".to_owned()
            } else {
                first_error.map_or_else(|| "HTTP 429".to_owned(), |error| error.message.clone())
            },
            retry_after,
        }),
        400 | 422 => Err(first_error.map_or_else(
            || RailwayError::Invalid {
                message: format!("HTTP {status}"),
                code: None,
            },
            |error| match error.classify() {
                // A 400 is always about the request, whatever the message.
                RailwayError::Server { message, .. } => RailwayError::Invalid {
                    message,
                    code: error.code().map(str::to_owned),
                },
                other => other,
            },
        )),
        401 | 403 if !looks_html => Err(first_error.map_or_else(
            || RailwayError::Unauthorized {
                message: format!("HTTP {status}"),
                trace_id: None,
            },
            |error| RailwayError::Unauthorized {
                message: error.message.clone(),
                trace_id: error.trace_id(),
            },
        )),
        403 => Err(RailwayError::Transient {
            message: "HTTP 403 with an HTML \"access denied\" page from the edge proxy (too many requests without a query string?)".to_owned(),
            status: Some(status),
            sent: true,
        }),
        404 => Err(RailwayError::NotFound {
            message: "HTTP 404: the endpoint path is wrong; check `MIRAGE_RAILWAY_URL`".to_owned(),
        }),
        409 => Err(RailwayError::Conflict {
            message: first_error.map_or_else(|| "HTTP 409".to_owned(), |error| error.message.clone()),
        }),
        500..=599 => Err(RailwayError::Transient {
            message: if looks_html {
                format!("HTTP {status} with an HTML error page")
            } else {
                first_error.map_or_else(|| format!("HTTP {status}"), |error| format!("HTTP {status}: {}", error.message))
            },
            status: Some(status),
            sent: true,
        }),
        _ => Err(RailwayError::Server {
            message: format!("unexpected HTTP {status}"),
            trace_id: first_error.and_then(GraphQlErrorBody::trace_id),
        }),
    }
}
