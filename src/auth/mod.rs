//! Who may do what: webhooks' signatures (GitHub's, Clerk's through Svix),
//! the events they carry, replayed deliveries, and the role policy every
//! handler of `mirage serve` calls. (Sessions, API tokens and OIDC join
//! this room with serve's sign-in.)
//!
//! * [`signature`]: `X-Hub-Signature-256`, HMAC-SHA256 compared in
//!   constant time; [`WebhookSecret`] never prints.
//! * [`event`]: the typed events (`pull_request`, `ping`, `push`,
//!   `installation`).
//! * [`svix`]: Clerk's (Svix's) `svix-signature`, with its timestamp
//!   window; [`SvixSecret`] never prints.
//! * [`oidc`]: bearer JWTs of any OpenID Connect provider, verified
//!   against its JWKS (RS256, ES256), keys cached with a refresh floor.
//! * [`policy`]: [`authorize`], the one function that says who may do
//!   what (roles per project, ownership, token scopes).
//! * [`replay`]: the [`ReplayGuard`] interface, its in-memory form and
//!   [`StoreReplayGuard`] on the state database.
//! * [`webhook`]: [`accept_github_delivery`], the one check every handler
//!   calls.
//! * [`clerk`]: Clerk's user webhooks, typed.
//! * [`error`]: why a delivery was refused.

pub mod clerk;
pub mod error;
pub mod event;
pub mod oidc;
pub mod policy;
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
pub use oidc::{Claims, OidcConfig, OidcError, OidcVerifier};
pub use policy::{Action, Decision, Principal, Role, Target, authorize};
pub use replay::{MemoryReplayGuard, ReplayGuard, StoreReplayGuard};
pub use signature::{WebhookSecret, sign_body, verify_signature};
pub use svix::{SvixDelivery, SvixSecret, verify_svix};
pub use webhook::{Delivery, accept_github_delivery};
