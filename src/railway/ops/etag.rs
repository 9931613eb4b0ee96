//! `environment(id) { configEtag }`: the cheap read `mirage apply` makes
//! just before it writes, to refuse when someone changed an environment
//! since the plan read it.

use super::common::IdVariablesFields;
use crate::railway::schema::schema;

/// `environment(id)` with only its etag.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query", variables = "IdVariables")]
pub struct EnvironmentEtagQuery {
    /// The environment.
    #[arguments(id: $id)]
    pub environment: EnvironmentEtag,
}

/// An environment's id and `configEtag`.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Environment")]
pub struct EnvironmentEtag {
    /// Railway's id.
    pub id: cynic::Id,
    /// Version of the environment's config.
    pub config_etag: String,
}
