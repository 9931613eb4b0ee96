//! The GraphQL schema: a subset of Railway's public API, with the same
//! type, field, argument and enum names, types and nullability.

pub mod account;
pub mod connection;
pub mod deployment;
pub mod enums;
pub mod extra_inputs;
pub mod extra_roots;
pub mod extra_types;
pub mod guard;
pub mod inputs;
pub mod instance;
pub mod logwindow;
pub mod mutation;
pub mod network;
pub mod project;
pub mod query;
pub mod scalars;
pub mod subscription;

use std::sync::Arc;

use async_graphql::{MergedObject, MergedSubscription, Schema};

use super::core::Core;

/// The `Query` root: the core model and the rest.
#[derive(MergedObject)]
#[graphql(name = "Query")]
pub struct QueryRoot(query::Query, extra_roots::ExtraQuery);

/// The `Mutation` root.
#[derive(MergedObject)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(mutation::Mutation, extra_roots::ExtraMutation);

/// The `Subscription` root.
#[derive(MergedSubscription)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(subscription::Subscription, extra_roots::ExtraSubscription);

/// The emulator's schema type.
pub type EmulatorSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Builds the schema over a core.
pub fn build(core: Option<Arc<Core>>) -> EmulatorSchema {
    let builder = Schema::build(
        QueryRoot(query::Query, extra_roots::ExtraQuery),
        MutationRoot(mutation::Mutation, extra_roots::ExtraMutation),
        SubscriptionRoot(subscription::Subscription, extra_roots::ExtraSubscription),
    );
    match core {
        Some(core) => builder.data(core).finish(),
        None => builder.finish(),
    }
}
