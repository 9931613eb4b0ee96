//! Listing projects across pages, and finding one by name.

use cynic::QueryBuilder;

use super::client::Client;
use super::error::RailwayError;
use super::ops::project::{ProjectSummary, ProjectsQuery, ProjectsVariables};

impl Client {
    /// Every project the token can see, following pages; projects
    /// scheduled for deletion (`deletedAt` set) are left out, since Railway
    /// still lists them.
    pub async fn list_projects(
        &self,
        workspace_id: Option<&str>,
    ) -> Result<Vec<ProjectSummary>, RailwayError> {
        let mut projects = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .query(ProjectsQuery::build(ProjectsVariables {
                    first: Some(self.options().page_size.max(1)),
                    after: after.take(),
                    workspace_id: workspace_id.map(str::to_owned),
                }))
                .await?
                .projects;
            projects.extend(
                page.edges
                    .into_iter()
                    .map(|edge| edge.node)
                    .filter(|project| project.deleted_at.is_none()),
            );
            match (page.page_info.has_next_page, page.page_info.end_cursor) {
                (true, Some(cursor)) => after = Some(cursor),
                _ => return Ok(projects),
            }
        }
    }

    /// The live projects called `name` (names are not unique on Railway).
    /// A project token sees its own project only (listing projects needs
    /// an account).
    pub async fn find_projects_by_name(
        &self,
        name: &str,
        workspace_id: Option<&str>,
    ) -> Result<Vec<ProjectSummary>, RailwayError> {
        if let Some(scope) = self.token_scope().await? {
            return Ok(Client::scoped_project_named(&scope, name));
        }
        let mut projects = self.list_projects(workspace_id).await?;
        projects.retain(|project| project.name == name);
        Ok(projects)
    }
}
