//! The only room that speaks GraphQL: the Railway client.
//!
//! * [`schema`]: the cynic schema for `schemas/railway.graphql` and scalars.
//! * [`ops`]: typed operations (cynic `QueryFragment`s, checked at compile time).
//! * [`Client`]: transport with auth, rate limiting, retries and error
//!   classification; [`Client::read_project`] reads a whole project in one
//!   request into a [`Snapshot`].

pub mod ops;
pub mod schema;
