//! Who a token belongs to, for `mirage login` and `mirage whoami`: `me`
//! answers only for an account token, `apiToken` for account and
//! workspace tokens, `projectToken` (in [`super::project`]) only for a
//! project token (API-NOTES §1).

use crate::railway::schema::schema;

/// `me`: the account of an account token.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query")]
pub struct MeQuery {
    /// The user.
    pub me: Me,
}

/// The account's name, email and workspaces.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "User")]
pub struct Me {
    /// Display name, when set.
    pub name: Option<String>,
    /// Email address.
    pub email: String,
    /// The workspaces the user belongs to.
    pub workspaces: Vec<WorkspaceName>,
}

/// A workspace by id and name.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Workspace")]
pub struct WorkspaceName {
    /// Railway's id.
    pub id: cynic::Id,
    /// Display name.
    pub name: String,
}

/// `apiToken`: the workspaces an account or workspace token reaches.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "Query")]
pub struct ApiTokenQuery {
    /// What the token reaches.
    pub api_token: ApiTokenContext,
}

/// The workspaces of a token.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "ApiTokenContext")]
pub struct ApiTokenContext {
    /// Workspaces it can act on.
    pub workspaces: Vec<ApiTokenWorkspace>,
}

/// A workspace an API token reaches.
#[derive(cynic::QueryFragment, Debug, Clone)]
#[cynic(graphql_type = "ApiTokenWorkspace")]
pub struct ApiTokenWorkspace {
    /// Railway's id.
    pub id: String,
    /// Display name.
    pub name: String,
}
