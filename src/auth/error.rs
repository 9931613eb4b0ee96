//! Why a webhook delivery was refused. Messages never contain the secret,
//! the expected signature or the body.

/// A refused webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum WebhookError {
    /// The configured secret is empty: every signature would be made with
    /// an empty key, and GitHub sends none when the hook has no secret.
    #[error("the webhook secret is empty")]
    #[diagnostic(
        code(mirage::auth::empty_secret),
        help("set the same non-empty secret on the GitHub webhook (or App) and in Mirage")
    )]
    EmptySecret,
    /// No `X-Hub-Signature-256` header.
    #[error("the delivery has no `X-Hub-Signature-256` header")]
    #[diagnostic(
        code(mirage::auth::signature_missing),
        help("set a secret on the GitHub webhook (or App): GitHub signs deliveries only then")
    )]
    SignatureMissing,
    /// The header is not `sha256=` and 64 hex digits.
    #[error("the `X-Hub-Signature-256` header is not `sha256=` followed by 64 hex digits")]
    #[diagnostic(
        code(mirage::auth::signature_malformed),
        help("the delivery did not come from GitHub as sent, or a proxy altered the header")
    )]
    SignatureMalformed,
    /// The signature does not match the body and the secret.
    #[error("the `X-Hub-Signature-256` signature does not match the body")]
    #[diagnostic(
        code(mirage::auth::signature_mismatch),
        help(
            "check that the secret configured in Mirage is the webhook's, and that nothing re-encodes the body before Mirage reads it"
        )
    )]
    SignatureMismatch,
    /// The Svix signing secret is not `whsec_` followed by base64.
    #[error("the Svix signing secret is not `whsec_` followed by base64")]
    #[diagnostic(
        code(mirage::auth::bad_secret),
        help(
            "copy the signing secret from the webhook endpoint's page in Clerk's dashboard, `whsec_` included"
        )
    )]
    BadSecret,
    /// No `svix-signature` header.
    #[error("the delivery has no `svix-signature` header")]
    #[diagnostic(
        code(mirage::auth::svix_signature_missing),
        help("Clerk (Svix) signs every delivery; this one did not come from it")
    )]
    SvixSignatureMissing,
    /// No `v1,<base64 of 32 bytes>` entry in `svix-signature`.
    #[error("the `svix-signature` header has no `v1,` signature of 32 bytes in base64")]
    #[diagnostic(
        code(mirage::auth::svix_signature_malformed),
        help("the delivery did not come from Clerk (Svix) as sent, or a proxy altered the header")
    )]
    SvixSignatureMalformed,
    /// No `v1` signature matches the body, id, timestamp and secret.
    #[error("no `svix-signature` signature matches the delivery")]
    #[diagnostic(
        code(mirage::auth::svix_signature_mismatch),
        help(
            "check that the signing secret configured in Mirage is this endpoint's, and that nothing re-encodes the body before Mirage reads it"
        )
    )]
    SvixSignatureMismatch,
    /// The signed timestamp is too far from now.
    #[error("the delivery was signed {seconds} s from now, beyond the {tolerance} s allowed")]
    #[diagnostic(
        code(mirage::auth::stale_delivery),
        help(
            "a delivery captured earlier cannot be replayed; if deliveries are fresh, check this machine's clock"
        )
    )]
    Stale {
        /// Now minus the signed timestamp, in seconds.
        seconds: i64,
        /// The allowed distance, in seconds.
        tolerance: i64,
    },
    /// A header GitHub always sends is absent or unusable.
    #[error("the delivery's `{header}` header is {problem}")]
    #[diagnostic(
        code(mirage::auth::bad_header),
        help("GitHub sends `X-GitHub-Event` and `X-GitHub-Delivery` (a GUID) with every delivery")
    )]
    BadHeader {
        /// The header.
        header: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// This delivery id was accepted before.
    #[error("delivery `{id}` was already received")]
    #[diagnostic(
        code(mirage::auth::replayed_delivery),
        help("GitHub redelivers with the same id; the first delivery is the one acted on")
    )]
    Replayed {
        /// The `X-GitHub-Delivery` id.
        id: String,
    },
    /// The signed body is not the JSON GitHub documents for the event.
    #[error("the `{event}` payload cannot be read: {reason}")]
    #[diagnostic(
        code(mirage::auth::bad_payload),
        help("GitHub sends `application/json` payloads; set the webhook's content type to JSON")
    )]
    BadPayload {
        /// The `X-GitHub-Event` name.
        event: String,
        /// Why (serde's message: a field and a position, no values).
        reason: String,
    },
    /// The replay store could not be consulted.
    #[error("the replay guard failed: {reason}")]
    #[diagnostic(
        code(mirage::auth::replay_store),
        help(
            "check the state database; the delivery was not accepted and GitHub may redeliver it"
        )
    )]
    ReplayStore {
        /// What failed.
        reason: String,
    },
}
