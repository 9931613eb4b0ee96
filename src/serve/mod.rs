//! `mirage serve`: the service — webhooks in, durable jobs out, previews driven through [`Previews`].
//!
//! * [`http`]: the routes — `POST /webhooks/github` (signature and replay
//!   checks of [`crate::auth`], then a job, `202`), `POST
//!   /webhooks/railway/{secret}`, `GET /healthz`, `GET /readyz`; the API
//!   of issue #17 will sit behind its sign-in layer beside them.
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
//!
//! Serve is stateless apart from the state database (decision 9):
//! replicas share its jobs and its replay guard. `docs/serve.md` is the
//! user's guide.

pub mod config_file;
pub mod http;
pub mod jobs;
pub mod lifecycle;
pub mod log;
pub mod names;
pub mod ops;
pub mod previews;
pub mod projects;
pub mod server;
pub mod worker;

pub use lifecycle::Lifecycle;
pub use names::PreviewNames;
pub use ops::Ops;
pub use previews::{Cancel, PreviewError, PreviewFuture, PreviewTarget, Previews, Unwired};
pub use projects::{ProjectConfig, PullStatus, ServedProject};
pub use server::{Config, ProjectRuntime, Running, ServeError, UrlSecret, start, start_each};
