//! Fragments shared by several operations.

use crate::railway::schema::schema;

/// Relay page information: whether another page follows, and its cursor.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
pub struct PageInfo {
    /// True when a request with `after: end_cursor` returns more rows.
    pub has_next_page: bool,
    /// Cursor of the last row on this page.
    pub end_cursor: Option<String>,
}

/// A service by id and name.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Service")]
pub struct ServiceRef {
    /// Railway's id of the service.
    pub id: cynic::Id,
    /// The service name, unique within a project.
    pub name: String,
}

/// An environment by id and name.
#[derive(cynic::QueryFragment, Debug, Clone, PartialEq)]
#[cynic(graphql_type = "Environment")]
pub struct EnvironmentRef {
    /// Railway's id of the environment.
    pub id: cynic::Id,
    /// The environment name, unique within a project.
    pub name: String,
}

/// Variables of operations that take a single `id: String!`.
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct IdVariables {
    /// The id of the object the operation is about.
    pub id: String,
}

/// Variables of operations that take `environmentId` and `serviceId`.
#[derive(cynic::QueryVariables, Debug, Clone)]
pub struct InstanceVariables {
    /// The environment.
    pub environment_id: String,
    /// The service.
    pub service_id: String,
}
