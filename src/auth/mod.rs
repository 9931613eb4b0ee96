//! Who may do what: for now, what webhooks need — GitHub's delivery
//! signatures, the events previews act on, and replayed deliveries.
//! (Sessions, API tokens, OIDC and the role policy join this room with
//! `mirage serve`'s authentication.)
//!
//! * [`signature`]: `X-Hub-Signature-256`, HMAC-SHA256 compared in
//!   constant time; [`WebhookSecret`] never prints.
//! * [`event`]: the typed events (`pull_request`, `ping`, `push`,
//!   `installation`).
//! * [`replay`]: the [`ReplayGuard`] interface, its in-memory form and
//!   [`StoreReplayGuard`] on the state database.
//! * [`webhook`]: [`accept_github_delivery`], the one check every handler
//!   calls.
//! * [`error`]: why a delivery was refused.

pub mod error;
pub mod event;
pub mod replay;
pub mod signature;
pub mod webhook;

pub use error::WebhookError;
pub use event::{
    GithubEvent, InstallationEvent, PingEvent, PullRequestAction, PullRequestEvent, PushEvent,
    Repository,
};
pub use replay::{MemoryReplayGuard, ReplayGuard, StoreReplayGuard};
pub use signature::{WebhookSecret, sign_body, verify_signature};
pub use webhook::{Delivery, accept_github_delivery};
