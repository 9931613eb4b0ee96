//! Typed Railway operations: cynic fragments checked at compile time against
//! `schemas/railway.graphql`, one file per resource.
//!
//! Each root fragment (`graphql_type = "Query"`, `"Mutation"` or
//! `"Subscription"`) is run with [`crate::railway::Client::query`],
//! [`crate::railway::Client::mutate`] or
//! [`crate::railway::Client::subscribe`]; mutations of one kind can also go
//! out aliased in one request through [`crate::railway::batch`].

pub mod common;
pub mod deployment;
pub mod domain;
pub mod environment;
pub mod logs;
pub mod project;
pub mod service;
pub mod snapshot;
pub mod variable;
pub mod volume;
