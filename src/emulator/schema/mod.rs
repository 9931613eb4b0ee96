//! The GraphQL schema: a subset of Railway's public API, with the same
//! type, field, argument and enum names, types and nullability.

pub mod account;
pub mod connection;
pub mod deployment;
pub mod enums;
pub mod guard;
pub mod inputs;
pub mod instance;
pub mod mutation;
pub mod network;
pub mod project;
pub mod query;
pub mod scalars;
pub mod subscription;

use std::sync::Arc;

use async_graphql::Schema;

use super::core::Core;

/// The emulator's schema type.
pub type EmulatorSchema = Schema<query::Query, mutation::Mutation, subscription::Subscription>;

/// Builds the schema over a core.
pub fn build(core: Option<Arc<Core>>) -> EmulatorSchema {
    let builder = Schema::build(query::Query, mutation::Mutation, subscription::Subscription);
    match core {
        Some(core) => builder.data(core).finish(),
        None => builder.finish(),
    }
}
