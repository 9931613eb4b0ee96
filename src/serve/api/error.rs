//! The API's one error shape: `{"error": {"code", "message", "help"}}`
//! with a stable code; `401` also says `WWW-Authenticate: Bearer`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::serve::log;
use crate::state::StateError;

/// A refused or failed API request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable code (`mirage::serve::…`).
    pub code: &'static str,
    /// What went wrong (never a secret).
    pub message: String,
    /// What to do.
    pub help: String,
    /// Every problem of a refused request (`422`), each `{code,
    /// message, help, field}`; empty otherwise (and then not shown).
    pub problems: Vec<serde_json::Value>,
}

impl ApiError {
    /// Any error.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            help: help.into(),
            problems: Vec::new(),
        }
    }

    /// `401`: no credentials, or credentials that do not hold.
    pub fn unauthenticated(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "mirage::serve::unauthenticated",
            message,
            "send `Authorization: Bearer <token>` with a JWT of the configured OpenID provider or a Mirage API token (`mrg_…`)",
        )
    }

    /// `404`: no such object — or one the caller may not know of (the
    /// same answer, so ids cannot be probed).
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "mirage::serve::not_found",
            format!("no such {what}"),
            "check the name or id; objects of projects you have no role in are not shown",
        )
    }

    /// `403`: the caller sees the project but may not do this.
    pub fn forbidden() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "mirage::serve::forbidden",
            "your role in this project does not allow this",
            "ask an admin of the project for a higher role (`PUT /api/projects/{project}/members/{user}`)",
        )
    }

    /// `400`: the request is not what the endpoint takes.
    pub fn bad_request(message: impl Into<String>, help: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "mirage::serve::bad_request",
            message,
            help,
        )
    }

    /// `503`: the state database failed (logged; its message may name
    /// the database, so it is not shown).
    pub fn state(error: &StateError) -> ApiError {
        log::error("api.state_failed", &[("error", error)]);
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "mirage::serve::state_unavailable",
            "the state database is unavailable",
            "retry later; the service's log says why",
        )
    }

    /// `500`.
    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "mirage::serve::internal",
            "the request could not be handled",
            "retry; the service's log says why",
        )
    }
}

impl From<StateError> for ApiError {
    fn from(error: StateError) -> ApiError {
        ApiError::state(&error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": {
            "code": self.code,
            "message": self.message,
            "help": self.help,
        }});
        if !self.problems.is_empty() {
            body["error"]["problems"] = serde_json::Value::Array(self.problems);
        }
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
