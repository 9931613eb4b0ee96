//! The GitHub REST client previews use: credentials (token or App →
//! installation token), rate limits, comments and the sticky comment.
//!
//! It knows nothing about Railway, and verifies no webhook signature (that
//! is [`crate::auth`]).
//!
//! * [`credentials`]: [`Auth`] — a [`Token`] or an [`App`] with its
//!   [`AppKey`]; none of them prints.
//! * [`app`]: the App's RS256 JWT and the installation token it buys.
//! * [`client`]: the transport — GitHub's headers, the token cache, rate
//!   limits ([`rate_limit`]), retries that never repeat a creation whose
//!   outcome is unknown, pagination ([`link`]), typed errors ([`error`]).
//! * [`comments`]: issue comment endpoints.
//! * [`sticky`]: one comment per pull request, found by a hidden marker.
//! * [`body`]: a comment body bounded to GitHub's limit, with a note.
//! * [`actions`]: what a GitHub Actions job's environment says (token or
//!   App, repository, API root, the pull request of the event).
//!
//! `docs/github.md` describes the behaviour for users.

pub mod actions;
pub mod app;
pub mod body;
pub mod client;
pub mod comments;
pub mod credentials;
pub mod error;
pub mod link;
pub mod rate_limit;
pub mod sticky;

pub use client::{API_VERSION, Client, ClientOptions, DEFAULT_API_URL, Effect, Response};
pub use comments::{IssueComment, Repo, User};
pub use credentials::{App, AppKey, Auth, Token};
pub use error::{GithubError, RateLimitKind};
pub use sticky::{
    Deleted, Marker, Sticky, StickyAction, delete_sticky_comment, upsert_sticky_comment,
};
