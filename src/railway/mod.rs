//! The only room that speaks GraphQL: the Railway client.
//!
//! * [`schema`]: the cynic schema for `schemas/railway.graphql` (registered
//!   in `build.rs`) and the Rust types of its scalars; secrets never `Debug`.
//! * [`ops`]: typed operations (cynic `QueryFragment`s, checked at compile
//!   time), one file per resource.
//! * [`Client`] ([`client`]): one POST per document with auth
//!   ([`auth`]: the CLI's token rules, `?source=mirage`), a token-bucket
//!   [`limiter`], retries ([`retry`]) and classified errors ([`error`]).
//! * [`snapshot`]: [`Client::read_project`] reads a whole project in one
//!   request into a [`Snapshot`], the actual state the planner diffs.
//! * [`batch`]: independent operations of one kind aliased in one request.
//! * [`patch`]: config patches, staged or committed as the CLI decides.
//! * [`projects`]: project listing across pages.
//! * [`scope`]: the one environment a project token reaches; a client
//!   with one reads only that.
//! * [`subscription`]: `graphql-transport-ws` subscriptions (logs, status).
//! * [`schema_check`]: subset and document validation against SDL.
//! * [`webhook`]: Railway's project webhooks (both shapes), typed.

pub mod auth;
pub mod batch;
pub mod client;
pub mod error;
pub mod identity;
pub mod kill;
pub mod limiter;
pub mod ops;
pub mod patch;
pub mod projects;
pub mod retry;
pub mod schema;
pub mod schema_check;
pub mod scope;
pub mod snapshot;
pub mod stored;
pub mod subscription;
pub mod webhook;

pub use auth::{Credentials, DEFAULT_ENDPOINT, ENDPOINT_ENV_VAR, Token};
pub use client::{Client, ClientOptions, Effect};
pub use error::{ErrorKind, RailwayError};
pub use retry::RetryPolicy;
pub use scope::TokenScope;
pub use snapshot::{Duplicate, DuplicateKind, EnvironmentState, Snapshot};
