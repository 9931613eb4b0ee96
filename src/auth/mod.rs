//! Who may do what: for now, what webhooks need — GitHub's delivery
//! signatures, the events previews act on, and replayed deliveries.
//! (Sessions, API tokens, OIDC and the role policy join this room with
//! `mirage serve`'s authentication.)
//!
//! * [`signature`]: `X-Hub-Signature-256`, HMAC-SHA256 compared in
//!   constant time; [`WebhookSecret`] never prints.
//! * [`event`]: the typed events (`pull_request`, `ping`, `push`,
//!   `installation`).
//! * [`svix`]: Clerk's (Svix's) `svix-signature`, with its timestamp
//!   window; [`SvixSecret`] never prints.
//! * [`replay`]: the [`ReplayGuard`] interface and its in-memory form.
//! * [`webhook`]: [`accept_github_delivery`], the one check every handler
//!   calls.
//! * [`clerk`]: Clerk's user webhooks, typed.
//! * [`error`]: why a delivery was refused.

pub mod clerk;
pub mod error;
pub mod event;
pub mod replay;
pub mod signature;
pub mod svix;
pub mod webhook;

pub use clerk::{ClerkEvent, ClerkUser};
pub use error::WebhookError;
pub use event::{
    GithubEvent, InstallationEvent, PingEvent, PullRequestAction, PullRequestEvent, PushEvent,
    Repository,
};
pub use replay::{MemoryReplayGuard, ReplayGuard};
pub use signature::{WebhookSecret, sign_body, verify_signature};
pub use svix::{SvixDelivery, SvixSecret, verify_svix};
pub use webhook::{Delivery, accept_github_delivery};
