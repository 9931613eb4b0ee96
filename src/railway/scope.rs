//! What a project token can reach. Railway scopes a project token
//! (`RAILWAY_TOKEN`, sent as `project-access-token`) to one environment of
//! one project: `query { projectToken { projectId environmentId } }` says
//! which (API-NOTES §1). Reads of another environment's config answer
//! `Not Authorized`, and `projects` (which needs an account) too, so a
//! client with a project token reads only its scope.

use cynic::QueryBuilder;

use super::auth::Credentials;
use super::client::Client;
use super::error::RailwayError;
use super::ops::project::{ProjectSummary, ProjectTokenQuery};

/// The one environment of one project a project token reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenScope {
    /// The project's id.
    pub project_id: String,
    /// The project's name.
    pub project_name: String,
    /// The environment's id.
    pub environment_id: String,
    /// The environment's name.
    pub environment_name: String,
}

impl TokenScope {
    /// "environment `staging` of project `shop`", for messages.
    pub fn describe(&self) -> String {
        format!(
            "environment `{}` of project `{}`",
            self.environment_name, self.project_name
        )
    }
}

impl Client {
    /// With a project token, what it is scoped to (asked once, then
    /// remembered by this client and its clones); `None` with an account
    /// token or none.
    pub async fn token_scope(&self) -> Result<Option<TokenScope>, RailwayError> {
        if !matches!(self.options().credentials, Some(Credentials::Project(_))) {
            return Ok(None);
        }
        if let Some(scope) = self.inner.scope.get() {
            return Ok(Some(scope.clone()));
        }
        let token = self
            .query(ProjectTokenQuery::build(()))
            .await?
            .project_token;
        let scope = TokenScope {
            project_id: token.project_id,
            project_name: token.project.name,
            environment_id: token.environment_id,
            environment_name: token.environment.name,
        };
        Ok(Some(self.inner.scope.get_or_init(|| scope).clone()))
    }

    /// [`Client::find_projects_by_name`] for a project token: its project
    /// when it has that name (the environment and service lists left
    /// empty), else none.
    pub(crate) fn scoped_project_named(scope: &TokenScope, name: &str) -> Vec<ProjectSummary> {
        use super::ops::project::{ProjectEnvironmentNames, ProjectServiceNames};
        if scope.project_name != name {
            return Vec::new();
        }
        vec![ProjectSummary {
            id: cynic::Id::new(scope.project_id.clone()),
            name: scope.project_name.clone(),
            description: None,
            deleted_at: None,
            environments: ProjectEnvironmentNames { edges: Vec::new() },
            services: ProjectServiceNames { edges: Vec::new() },
        }]
    }
}
