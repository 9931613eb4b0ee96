//! Accepting a GitHub delivery: the one function a webhook handler calls
//! before acting on anything it received.

use axum::http::HeaderMap;

use super::error::WebhookError;
use super::event::GithubEvent;
use super::replay::ReplayGuard;
use super::signature::{SIGNATURE_HEADER, WebhookSecret, verify_signature};

/// The header naming the event.
pub const EVENT_HEADER: &str = "x-github-event";
/// The header carrying the delivery's unique id (a GUID).
pub const DELIVERY_HEADER: &str = "x-github-delivery";

/// A verified, first-seen delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// `X-GitHub-Delivery`.
    pub id: String,
    /// The event, parsed.
    pub event: GithubEvent,
}

/// Checks a delivery in the order that keeps forgeries cheap to refuse:
/// the signature over the raw `body` first (nothing unsigned is parsed or
/// remembered), then the event and delivery headers, the payload, and last
/// the replay guard (so only deliveries that will be acted on use up their
/// id). When acting on the returned delivery then fails, the caller calls
/// [`ReplayGuard::forget`] so GitHub's redelivery gets in.
pub fn accept_github_delivery(
    headers: &HeaderMap,
    body: &[u8],
    secret: &WebhookSecret,
    guard: &dyn ReplayGuard,
) -> Result<Delivery, WebhookError> {
    let header = |name: &'static str| -> Result<Option<&str>, WebhookError> {
        match headers.get(name) {
            None => Ok(None),
            Some(value) => value
                .to_str()
                .map(Some)
                .map_err(|_| WebhookError::BadHeader {
                    header: name,
                    problem: "not ASCII text",
                }),
        }
    };
    let signature = header(SIGNATURE_HEADER).map_err(|_| WebhookError::SignatureMalformed)?;
    verify_signature(secret, signature, body)?;
    let event = header(EVENT_HEADER)?
        .map(str::trim)
        .filter(|event| !event.is_empty())
        .ok_or(WebhookError::BadHeader {
            header: "X-GitHub-Event",
            problem: "missing",
        })?;
    let id = header(DELIVERY_HEADER)?
        .map(str::trim)
        .ok_or(WebhookError::BadHeader {
            header: "X-GitHub-Delivery",
            problem: "missing",
        })?;
    if id.is_empty() || id.len() > 100 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(WebhookError::BadHeader {
            header: "X-GitHub-Delivery",
            problem: "not a delivery id (letters, digits and `-`, at most 100)",
        });
    }
    let event = GithubEvent::parse(event, body)?;
    if !guard.first_seen(id)? {
        return Err(WebhookError::Replayed { id: id.to_owned() });
    }
    Ok(Delivery {
        id: id.to_owned(),
        event,
    })
}
