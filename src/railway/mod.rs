//! The only room that speaks GraphQL: the Railway client.
//!
//! * [`schema`]: the cynic schema for `schemas/railway.graphql` and scalars.
//! * [`ops`]: typed operations (cynic `QueryFragment`s, checked at compile time).
//! * [`Client`]: transport with auth ([`Credentials`]), a rate limiter,
//!   retries ([`RetryPolicy`]) and error classification ([`RailwayError`]).

pub mod auth;
pub mod batch;
pub mod client;
pub mod error;
pub mod limiter;
pub mod ops;
pub mod patch;
pub mod projects;
pub mod retry;
pub mod schema;
pub mod schema_check;
pub mod snapshot;
pub mod subscription;

pub use auth::{Credentials, DEFAULT_ENDPOINT, Token};
pub use client::{Client, ClientOptions, Effect};
pub use error::{ErrorKind, RailwayError};
pub use retry::RetryPolicy;
pub use snapshot::{EnvironmentState, Snapshot};
