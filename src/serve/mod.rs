//! `mirage serve`: the service — webhooks in, durable jobs out, previews driven through [`Previews`].
//!
//! * [`http`]: the routes — `POST /webhooks/github` (signature and replay
//!   checks of [`crate::auth`], then a job, `202`), `POST
//!   /webhooks/railway/{secret}`, `POST /webhooks/clerk`, `GET /healthz`,
//!   `GET /readyz`, `/metrics`, `/auth/*`; the API behind its sign-in
//!   layer beside them.
//! * [`jobs`]: which job an event asks for (up, down, refresh, gc) and the
//!   rules of a pull request's queue.
//! * [`worker`]: claiming jobs with leases from the state database,
//!   heartbeats, retries with backoff, graceful shutdown.
//! * [`server`]: configuration, start, the GC schedule, shutdown.
//! * [`previews`]: the [`Previews`] trait the jobs call.
//! * [`lifecycle`]: [`Lifecycle`], the real one — the `preview` room's
//!   up/down/gc and the pull request's sticky comment.
//! * [`names`]: preview environment names back to pull request numbers.
//! * [`log`]: one structured line per event on standard error.
//! * [`projects`], [`config_file`], [`ops`]: several projects per
//!   service, the configuration file, `--pull` and drift detection.
//! * [`environments`], [`catalog`]: environments from templates, destroy,
//!   extend, plan/apply jobs; cached overviews of a project.
//! * [`signin`], [`metrics`]: the browser's sign-in (OIDC code + PKCE,
//!   session cookie, CSRF) and `/metrics`.
//! * [`api`]: the API under `/api/…` — authentication ([`api::Caller`]),
//!   the one error shape, users, roles, API tokens, the audit log,
//!   sealed Railway tokens ([`credentials`]); [`audit::record`];
//!   [`clerk`]'s user webhooks.
//!
//! Serve is stateless apart from the state database (decision 9):
//! replicas share its jobs and its replay guard. `docs/serve.md` is the
//! user's guide.

pub mod api;
pub mod audit;
pub mod catalog;
pub mod clerk;
pub mod config_file;
pub mod credentials;
pub mod environments;
pub mod http;
pub mod jobs;
pub mod lifecycle;
pub mod log;
pub mod metrics;
pub mod names;
mod observe;
pub mod ops;
pub mod previews;
pub mod projects;
pub mod server;
pub mod signin;
pub mod web;
pub mod worker;

pub use lifecycle::Lifecycle;
pub use names::PreviewNames;
pub use ops::Ops;
pub use previews::{Cancel, PreviewError, PreviewFuture, PreviewTarget, Previews, Unwired};
pub use projects::{ProjectConfig, PullStatus, ServedProject};
pub use server::{Config, ProjectRuntime, Running, ServeError, UrlSecret, start, start_each};
pub use signin::{
    Session, SigninConfig, SigninError, check_csrf, revoke_sessions_of, session_from_request,
};
