//! `mirage projects` / `mirage ls`: the account browsed read-only, in one or
//! two requests, for people who have not written any `.mirage` file yet.
//!
//! [`projects`] lists what the token can see (one request per 500
//! projects: Railway's `projects` connection carries each project's
//! environment and service names); [`find`] picks one of them by name or
//! id, with a "did you mean" when none matches; [`project`] reads one
//! project's environments and services with their status through the
//! status read ([`crate::observe::status::read`]) — two requests in all.

use std::path::Path;

use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::engine::{self, Context, Failure};
use crate::observe::status::{self, Report, Request};
use crate::railway::ops::project::ProjectSummary;
use crate::railway::{Client, TokenScope};
use crate::resolve::suggest::did_you_mean;

/// One project of the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProjectRow {
    /// Railway's id.
    pub id: String,
    /// Its name (not unique on Railway).
    pub name: String,
    /// Its description, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its environments' names, sorted.
    pub environments: Vec<String>,
    /// Its services' names, sorted.
    pub services: Vec<String>,
}

/// What the token can see.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Projects {
    /// The projects, by name (then id).
    pub projects: Vec<ProjectRow>,
    /// With a project token: the one environment it reaches (the token
    /// cannot list projects).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// Railway requests the listing took.
    pub requests: u64,
}

/// What a project token is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Scope {
    /// The project's name.
    pub project: String,
    /// The environment's name.
    pub environment: String,
}

impl From<ProjectSummary> for ProjectRow {
    fn from(p: ProjectSummary) -> ProjectRow {
        let mut environments: Vec<String> = p
            .environments
            .edges
            .into_iter()
            .map(|e| e.node.name)
            .collect();
        environments.sort();
        let mut services: Vec<String> = p.services.edges.into_iter().map(|e| e.node.name).collect();
        services.sort();
        ProjectRow {
            id: p.id.into_inner(),
            name: p.name,
            description: p.description.filter(|d| !d.trim().is_empty()),
            environments,
            services,
        }
    }
}

fn read_failed(error: impl std::fmt::Display) -> Failure {
    Failure::error(
        "mirage::observe::read_failed",
        format!("cannot list the projects: {error}"),
        Some("check the token (`RAILWAY_API_TOKEN`) and the network, then try again"),
    )
}

/// The projects the token can see. `dir` matters only for the built-in
/// emulator (`--local`), which keeps its data under `dir/.mirage/`.
pub async fn projects(context: &Context, dir: &Path) -> Result<Projects, Failure> {
    let connection = engine::connect(context, dir).await?;
    let client = &connection.client;
    let (projects, scope) = list(client, connection.scope.as_ref()).await?;
    Ok(Projects {
        projects,
        scope: scope.map(|s| Scope {
            project: s.project_name.clone(),
            environment: s.environment_name.clone(),
        }),
        requests: client.requests_sent(),
    })
}

/// The projects a token sees, sorted by name then id (a project token: its
/// own), and the token's scope when it is a project token.
pub(crate) async fn list<'s>(
    client: &Client,
    scope: Option<&'s TokenScope>,
) -> Result<(Vec<ProjectRow>, Option<&'s TokenScope>), Failure> {
    if let Some(scope) = scope {
        // A project token cannot list projects: it knows its own.
        let row = ProjectRow {
            id: scope.project_id.clone(),
            name: scope.project_name.clone(),
            description: None,
            environments: vec![scope.environment_name.clone()],
            services: Vec::new(),
        };
        return Ok((vec![row], Some(scope)));
    }
    let mut rows: Vec<ProjectRow> = client
        .list_projects(None)
        .await
        .map_err(read_failed)?
        .into_iter()
        .map(ProjectRow::from)
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    Ok((rows, None))
}

/// One project of the account, called (or with the id) `wanted`: its
/// environments and their services with source, deployment status,
/// replicas, URLs and age — one request to list the projects, one to read
/// it. `dir` matters only for `--local` (see [`projects`]). No files are
/// involved, so nothing is marked managed or not.
pub async fn project(context: &Context, dir: &Path, wanted: &str) -> Result<Report, Failure> {
    let connection = engine::connect(context, dir).await?;
    let client = &connection.client;
    let (rows, _) = list(client, connection.scope.as_ref()).await?;
    let row = find(&rows, wanted)?;
    let scope = status::Scope {
        project: row.name.clone(),
        project_id: Some(row.id.clone()),
        ..status::Scope::default()
    };
    let request = Request {
        details: false,
        ..Request::default()
    };
    let mut report = status::read(client, &scope, &request, context.clock.now().0).await?;
    report.requests = client.requests_sent();
    Ok(report)
}

/// The project called (or with the id) `wanted` among `projects`: an
/// id wins over a name; a name two projects share is refused with both
/// ids; no match is a usage error with the closest name.
pub fn find<'p>(projects: &'p [ProjectRow], wanted: &str) -> Result<&'p ProjectRow, Failure> {
    if let Some(p) = projects.iter().find(|p| p.id == wanted) {
        return Ok(p);
    }
    let named: Vec<&ProjectRow> = projects.iter().filter(|p| p.name == wanted).collect();
    match named.as_slice() {
        [one] => Ok(one),
        [] => {
            let names = || projects.iter().map(|p| p.name.as_str());
            let help = did_you_mean(wanted, names(), || {
                if projects.is_empty() {
                    "the token sees no project; `mirage projects` lists what it sees".into()
                } else {
                    "`mirage projects` lists the projects the token sees".into()
                }
            });
            Err(Failure::usage(
                Diagnostic::general(
                    "mirage::observe::unknown_project",
                    format!("no project called `{wanted}`"),
                )
                .with_help(help),
            ))
        }
        several => {
            let ids: Vec<String> = several.iter().map(|p| format!("`{}`", p.id)).collect();
            Err(Failure::usage(
                Diagnostic::general(
                    "mirage::observe::ambiguous_project",
                    format!(
                        "{} projects are called `{wanted}`: {}",
                        several.len(),
                        ids.join(", ")
                    ),
                )
                .with_help("name the project by its id, e.g. `mirage ls <id>`"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, name: &str) -> ProjectRow {
        ProjectRow {
            id: id.into(),
            name: name.into(),
            description: None,
            environments: vec![],
            services: vec![],
        }
    }

    #[test]
    fn finds_by_id_then_name_and_refuses_ambiguity() {
        let rows = vec![row("1", "shop"), row("2", "blog"), row("3", "blog")];
        assert_eq!(find(&rows, "shop").map(|p| p.id.as_str()).ok(), Some("1"));
        assert_eq!(find(&rows, "3").map(|p| p.id.as_str()).ok(), Some("3"));
        let ambiguous = find(&rows, "blog").unwrap_err();
        assert_eq!(ambiguous.exit, engine::Exit::Usage);
        assert!(format!("{ambiguous:?}").contains("`2`, `3`"));
        let unknown = find(&rows, "shopp").unwrap_err();
        assert!(format!("{unknown:?}").contains("did you mean `shop`?"));
    }
}
