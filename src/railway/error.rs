//! Railway failures, classified so callers know whether to retry, ask for a
//! new token or fix their input. Classification follows Railway's real
//! error shapes (`../shared/railway/API-NOTES.md` §6).

use std::time::Duration;

/// What kind of failure a [`RailwayError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The token is missing, invalid or lacks access. Never retried.
    Unauthorized,
    /// The object does not exist.
    NotFound,
    /// The request is malformed (parse or validation error, bad input).
    Invalid,
    /// A rate limit was hit; retried after `Retry-After` (a rate-limited
    /// request was not carried out, so writes are retried too).
    RateLimited,
    /// The network, a timeout, a 5xx or an edge proxy failed: reads are
    /// retried; a write is retried only if it never left (see
    /// [`RailwayError::may_have_happened`]).
    Transient,
    /// The object changed or already exists.
    Conflict,
    /// Railway failed to process the request (opaque server error).
    Server,
}

/// A failed Railway request.
///
/// Messages say what to do; they never contain tokens or variable values
/// (Railway's own messages are passed through as they stand).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RailwayError {
    /// No usable credentials were configured.
    #[error(
        "no Railway token is set: run `mirage login`, set `RAILWAY_API_TOKEN` to an account or workspace token, or `RAILWAY_TOKEN` to a project token"
    )]
    MissingToken,
    /// The configured endpoint is not a usable URL.
    #[error("the Railway endpoint `{endpoint}` is not a valid http(s) URL: {reason}")]
    BadEndpoint {
        /// The endpoint as configured.
        endpoint: String,
        /// Why it was rejected.
        reason: String,
    },
    /// Railway rejected the token ("Not Authorized", "Project Token not found").
    #[error(
        "the Railway token was rejected ({message}){}: set `RAILWAY_API_TOKEN` to an account token (or `RAILWAY_TOKEN` to a project token for this project) and check it can access the project",
        trace_suffix(.trace_id)
    )]
    Unauthorized {
        /// Railway's message.
        message: String,
        /// Railway's trace id, for support requests.
        trace_id: Option<String>,
    },
    /// The object does not exist (or the endpoint path is wrong).
    #[error("not found on Railway: {message}")]
    NotFound {
        /// Railway's message.
        message: String,
    },
    /// The request was rejected as malformed.
    #[error("Railway rejected the request as invalid{}: {message}", code_suffix(.code))]
    Invalid {
        /// Railway's message.
        message: String,
        /// `extensions.code`, e.g. `GRAPHQL_VALIDATION_FAILED`.
        code: Option<String>,
    },
    /// A rate limit was hit.
    #[error("Railway's rate limit was reached{}: {message}", retry_suffix(.retry_after))]
    RateLimited {
        /// What answered (HTTP status, edge page or GraphQL message).
        message: String,
        /// How long Railway asked to wait.
        retry_after: Option<Duration>,
    },
    /// The network, a timeout, a 5xx or an edge proxy failed.
    #[error("Railway could not be reached: {message}; try again later")]
    Transient {
        /// What failed.
        message: String,
        /// HTTP status, when a response came back at all.
        status: Option<u16>,
        /// Whether the request may have reached Railway: false only when
        /// the connection could not even be opened (refused, DNS, TLS), so
        /// nothing was sent. A write that may have reached Railway has an
        /// unknown outcome and is never sent again as it stands.
        sent: bool,
    },
    /// The object changed concurrently or already exists.
    #[error("conflict on Railway: {message}; read the project again and re-plan")]
    Conflict {
        /// Railway's message.
        message: String,
    },
    /// Railway failed to process the request.
    #[error("Railway could not process the request: {message}{}", trace_suffix(.trace_id))]
    Server {
        /// Railway's message (often "Problem processing request").
        message: String,
        /// Railway's trace id, for support requests.
        trace_id: Option<String>,
    },
}

fn trace_suffix(trace_id: &Option<String>) -> String {
    match trace_id {
        Some(id) => format!(" (trace id `{id}`)"),
        None => String::new(),
    }
}

fn code_suffix(code: &Option<String>) -> String {
    match code {
        Some(code) => format!(" (`{code}`)"),
        None => String::new(),
    }
}

fn retry_suffix(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!(" (retry after {} s)", wait.as_secs_f64().ceil()),
        None => String::new(),
    }
}

impl RailwayError {
    /// The class of this failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::MissingToken | Self::Unauthorized { .. } => ErrorKind::Unauthorized,
            Self::BadEndpoint { .. } | Self::Invalid { .. } => ErrorKind::Invalid,
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::RateLimited { .. } => ErrorKind::RateLimited,
            Self::Transient { .. } => ErrorKind::Transient,
            Self::Conflict { .. } => ErrorKind::Conflict,
            Self::Server { .. } => ErrorKind::Server,
        }
    }

    /// How long Railway asked to wait before the next request, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether a read may be sent again after this failure.
    pub fn is_retryable_read(&self) -> bool {
        matches!(self.kind(), ErrorKind::RateLimited | ErrorKind::Transient)
    }

    /// Whether a write may be sent again as it stands: only when Railway
    /// provably did not carry it out — the connection could not be opened
    /// (nothing was sent), or HTTP 429 (a rate-limited request is refused,
    /// not run). A reset, a timeout or a lost response after sending, and
    /// any 5xx, leave the outcome unknown: see [`Self::may_have_happened`].
    pub fn is_retryable_write(&self) -> bool {
        match self {
            Self::RateLimited { .. } => true,
            Self::Transient { sent, .. } => !sent,
            _ => false,
        }
    }

    /// Whether a write that failed this way may nevertheless have been
    /// carried out: the request (possibly) reached Railway and no answer
    /// that says otherwise came back — a reset or timeout after sending, a
    /// response cut off, a 5xx, an HTML page from a proxy. Resending could
    /// do it twice; the caller reads back instead (names are identity).
    pub fn may_have_happened(&self) -> bool {
        matches!(self, Self::Transient { sent: true, .. })
    }
}

/// One GraphQL error object as Railway sends it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct GraphQlErrorBody {
    /// The message.
    #[serde(default)]
    pub message: String,
    /// Response path of the failing field (`["a3", "id"]`).
    #[serde(default)]
    pub path: Option<Vec<serde_json::Value>>,
    /// `code`, sometimes `traceId` and other details.
    #[serde(default)]
    pub extensions: Option<serde_json::Map<String, serde_json::Value>>,
    /// Railway sometimes puts the trace id at the top level.
    #[serde(default, rename = "traceId")]
    pub trace_id: Option<serde_json::Value>,
}

impl GraphQlErrorBody {
    /// `extensions.code`, if present.
    pub fn code(&self) -> Option<&str> {
        self.extensions.as_ref()?.get("code")?.as_str()
    }

    /// The trace id, from the top level or from `extensions`.
    pub fn trace_id(&self) -> Option<String> {
        let value = self
            .trace_id
            .as_ref()
            .or_else(|| self.extensions.as_ref()?.get("traceId"))?;
        match value {
            serde_json::Value::String(id) => Some(id.clone()),
            serde_json::Value::Number(id) => Some(id.to_string()),
            _ => None,
        }
    }

    /// Classifies this error by its message and code.
    pub fn classify(&self) -> RailwayError {
        classify_graphql_error(self)
    }
}

/// Classifies one GraphQL error by message first (Railway tags "Not
/// Authorized" as `INTERNAL_SERVER_ERROR`, so the code alone misleads), then
/// by `extensions.code`.
pub fn classify_graphql_error(error: &GraphQlErrorBody) -> RailwayError {
    let message = error.message.clone();
    let lower = message.to_ascii_lowercase();
    let code = error.code().map(str::to_owned);
    if lower.contains("not authorized")
        || lower.contains("project token not found")
        || lower.contains("unauthorized")
        || lower.contains("two factor authentication required")
    {
        return RailwayError::Unauthorized {
            message,
            trace_id: error.trace_id(),
        };
    }
    if lower.contains("rate limit")
        || lower.contains("too quickly")
        || lower.contains("too many requests")
    {
        return RailwayError::RateLimited {
            message,
            retry_after: None,
        };
    }
    if lower.contains("not found") {
        return RailwayError::NotFound { message };
    }
    if lower.contains("already exists") || lower.contains("etag") || lower.contains("conflict") {
        return RailwayError::Conflict { message };
    }
    match code.as_deref() {
        Some("GRAPHQL_PARSE_FAILED" | "GRAPHQL_VALIDATION_FAILED" | "BAD_USER_INPUT") => {
            RailwayError::Invalid { message, code }
        }
        _ => RailwayError::Server {
            message,
            trace_id: error.trace_id(),
        },
    }
}
