//! Who a token belongs to and what kind it is, asked of Railway: `me`
//! answers only for an account token, `apiToken` for account and workspace
//! tokens, `projectToken` only for a project token (API-NOTES §1). Used by
//! `mirage login` (to check a token before keeping it) and `mirage whoami`.

use cynic::QueryBuilder;

use super::auth::{Credentials, Token};
use super::client::{Client, ClientOptions};
use super::error::RailwayError;
use super::ops::whoami::{ApiTokenQuery, MeQuery};
use super::scope::TokenScope;

/// A workspace, by id and name.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Workspace {
    /// Railway's id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// What a token is, and whose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    /// An account (personal) token: a user.
    Account {
        /// The user's name, when set.
        name: Option<String>,
        /// The user's email.
        email: String,
        /// The workspaces the user belongs to.
        workspaces: Vec<Workspace>,
    },
    /// A workspace (team) token: no user, one workspace's projects.
    Workspace {
        /// The workspaces it reaches.
        workspaces: Vec<Workspace>,
    },
    /// A project token: one environment of one project.
    Project(TokenScope),
}

impl Identity {
    /// `account`, `workspace` or `project`.
    pub fn kind(&self) -> &'static str {
        match self {
            Identity::Account { .. } => "account",
            Identity::Workspace { .. } => "workspace",
            Identity::Project(_) => "project",
        }
    }
}

impl Client {
    /// Who this client's token belongs to. A bearer token is asked `me`
    /// (an account token), then `apiToken` (a workspace token, which `me`
    /// refuses); a project token is asked `projectToken`.
    pub async fn identify(&self) -> Result<Identity, RailwayError> {
        match self.options().credentials {
            Some(Credentials::Project(_)) => {
                let scope = self.token_scope().await?;
                scope
                    .map(Identity::Project)
                    .ok_or(RailwayError::MissingToken)
            }
            Some(Credentials::Account(_)) => match self.query(MeQuery::build(())).await {
                Ok(answer) => Ok(Identity::Account {
                    name: answer.me.name,
                    email: answer.me.email,
                    workspaces: answer
                        .me
                        .workspaces
                        .into_iter()
                        .map(|w| Workspace {
                            id: w.id.into_inner(),
                            name: w.name,
                        })
                        .collect(),
                }),
                Err(RailwayError::Unauthorized { .. }) => {
                    let answer = self.query(ApiTokenQuery::build(())).await?;
                    Ok(Identity::Workspace {
                        workspaces: answer
                            .api_token
                            .workspaces
                            .into_iter()
                            .map(|w| Workspace {
                                id: w.id,
                                name: w.name,
                            })
                            .collect(),
                    })
                }
                Err(error) => Err(error),
            },
            None => Err(RailwayError::MissingToken),
        }
    }
}

/// A token of unknown kind (typed or pasted into `mirage login`), checked
/// against Railway at `endpoint`: first as an account or workspace token
/// (`Authorization: Bearer`), then, if Railway refuses that, as a project
/// token (`project-access-token`). The credentials that worked, and whose
/// they are; Railway's refusal of the last try otherwise.
pub async fn identify_token(
    endpoint: &str,
    token: &Token,
) -> Result<(Credentials, Identity), RailwayError> {
    let client_for = |credentials: Credentials| {
        Client::new(ClientOptions {
            endpoint: endpoint.to_owned(),
            credentials: Some(credentials),
            ..ClientOptions::default()
        })
    };
    let bearer = Credentials::Account(token.clone());
    match client_for(bearer.clone())?.identify().await {
        Ok(identity) => return Ok((bearer, identity)),
        Err(RailwayError::Unauthorized { .. }) => {}
        Err(error) => return Err(error),
    }
    let project = Credentials::Project(token.clone());
    let identity = client_for(project.clone())?.identify().await?;
    Ok((project, identity))
}
