//! `mirage projects` and `mirage ls`: browse the account read-only
//! ([`crate::observe::account`]), for people who have not written any
//! `.mirage` file yet.

use std::path::PathBuf;
use std::process::ExitCode;

use super::context::{Reach, fail};
use super::{EXIT_OK, report};
use crate::observe::account::{self, Projects};
use crate::observe::status::{Management, Report};

/// Examples under `mirage projects --help`.
pub const PROJECTS_HELP: &str = "\
Examples:
  mirage projects                 the projects RAILWAY_API_TOKEN can see
  mirage projects --json          the same as JSON (ids, environment and service names)
  mirage projects --local         those of the built-in emulator (data under ./.mirage/)

Then `mirage ls PROJECT` shows one project's environments and services.";

/// Examples under `mirage ls --help`.
pub const LS_HELP: &str = "\
Examples:
  mirage ls                       the projects (as `mirage projects`)
  mirage ls shop                  project `shop`: its environments and services with their status
  mirage ls 1c631fed-…            a project by its id (names are not unique on Railway)
  mirage ls shop --json           the same as JSON (the fields of `mirage status --json`)

Two requests: one lists the projects, one reads the project. `mirage status`
explains failures, from a directory of .mirage files.";

/// Arguments of `mirage ls`.
#[derive(Debug, Clone, clap::Args)]
pub struct LsArgs {
    /// A project's name or id; without it, the projects.
    #[arg(value_name = "PROJECT")]
    pub project: Option<String>,

    /// `--json`, `-C DIR`, `--local`, `--endpoint`: as `mirage projects`.
    #[command(flatten)]
    pub listing: ProjectsArgs,
}

/// Run `mirage ls`.
pub fn ls(args: LsArgs) -> ExitCode {
    let Some(wanted) = args.project else {
        return projects(args.listing);
    };
    show(&args.listing, project_text, |context, dir| async move {
        let mut report = account::project(&context, &dir, &wanted).await?;
        let marked_from = mark_owned(&mut report, &dir);
        Ok(Listed {
            report,
            marked_from,
        })
    })
}

/// One project as `mirage ls` shows it.
#[derive(serde::Serialize)]
struct Listed {
    /// What `mirage status --json` gives (each service's `management`
    /// from the state database when one is at hand).
    #[serde(flatten)]
    report: Report,
    /// The state database the services are marked from, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    marked_from: Option<String>,
}

/// Marks each service of `report` managed by Mirage or not, from the
/// state database at hand (`MIRAGE_STATE`, or `DIR/.mirage/state.db` when
/// it exists; none is created): owned is managed, the rest unmanaged
/// ([`Management::of`], as everywhere). Without a database nothing is
/// marked.
fn mark_owned(report: &mut Report, dir: &std::path::Path) -> Option<String> {
    let location = super::context::state_location(None).or_else(|| {
        let path = dir.join(crate::state::DEFAULT_RELATIVE_PATH);
        path.exists().then_some(crate::state::Location::File(path))
    });
    let location = location?;
    let owned = crate::state::Store::connect(&location).and_then(|store| {
        store.list_owned(&crate::state::OwnedFilter {
            project: Some(report.project.clone()),
            kind: Some(crate::state::ResourceKind::Service),
            ..Default::default()
        })
    });
    let Ok(owned) = owned else {
        report::write_stderr(&format!(
            "note: the state database `{location}` cannot be read: services are not marked managed or not\n"
        ));
        return None;
    };
    for environment in &mut report.environments {
        environment.declared = true;
        for service in &mut environment.services {
            let mine = owned.iter().any(|r| {
                r.key.environment.as_deref() == Some(environment.name.as_str())
                    && r.key.name == service.name
            });
            service.management = Management::of(mine, mine);
        }
    }
    Some(location.to_string())
}

/// Reads with `read` (given the context and `-C DIR`) and prints the
/// result as JSON or as `text`.
fn show<T, F, Fut>(args: &ProjectsArgs, text: fn(&T) -> String, read: F) -> ExitCode
where
    T: serde::Serialize,
    F: FnOnce(crate::engine::Context, PathBuf) -> Fut,
    Fut: std::future::Future<Output = Result<T, crate::engine::Failure>>,
{
    if args.reach.local
        && let Err(code) = super::select::directory(&args.dir)
    {
        return code;
    }
    super::plan::block_on(async {
        match read(args.reach.context(), args.dir.clone()).await {
            Ok(found) if args.json => {
                let json = serde_json::to_string_pretty(&found).unwrap_or_default();
                report::write_stdout_exact(&format!("{json}\n"));
                ExitCode::from(EXIT_OK)
            }
            Ok(found) => {
                report::write_stdout(&text(&found));
                ExitCode::from(EXIT_OK)
            }
            Err(failure) => fail(failure),
        }
    })
}

/// A project's header, then its environments as `mirage status` shows them.
fn project_text(listed: &Listed) -> String {
    let report = &listed.report;
    let services: std::collections::BTreeSet<&str> = report
        .environments
        .iter()
        .flat_map(|e| e.services.iter().map(|s| s.name.as_str()))
        .collect();
    let n = report.environments.len();
    let mut out = format!(
        "Project `{}` ({}): {n} environment{}, {} service{}\n\n",
        report.project,
        report.project_id.as_deref().unwrap_or("not on Railway"),
        if n == 1 { "" } else { "s" },
        services.len(),
        if services.len() == 1 { "" } else { "s" },
    );
    if let Some(state) = &listed.marked_from {
        out.push_str(&format!(
            "Marked from the state database `{state}`: a service it does not own says so.\n\n"
        ));
    }
    out.push_str(&super::status::text_with(
        report,
        listed.marked_from.is_some(),
    ));
    out.push_str(&format!(
        "({} request{})\n",
        report.requests,
        if report.requests == 1 { "" } else { "s" }
    ));
    out
}

/// Arguments of `mirage projects`.
#[derive(Debug, Clone, clap::Args)]
pub struct ProjectsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,

    /// Where the built-in emulator keeps its data (with `--local`).
    #[arg(short = 'C', long = "dir", default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// Where Railway is: `--local` or `--endpoint`.
    #[command(flatten)]
    pub reach: Reach,
}

/// Run `mirage projects`.
pub fn projects(args: ProjectsArgs) -> ExitCode {
    show(&args, projects_table, |context, dir| async move {
        account::projects(&context, &dir).await
    })
}

/// `NAME  ENVIRONMENTS  SERVICES  ID`, one row per project, then a count.
pub fn projects_table(listed: &Projects) -> String {
    let mut out = String::new();
    if let Some(scope) = &listed.scope {
        out.push_str(&format!(
            "A project token (`RAILWAY_TOKEN`) sees environment `{}` of project `{}` only; an account token (`RAILWAY_API_TOKEN`) lists every project.\n",
            scope.environment, scope.project
        ));
    }
    if listed.projects.is_empty() {
        out.push_str("No projects: the token sees none. `mirage init` writes the files of a first one, `mirage apply` creates it.\n");
        return out;
    }
    let headers = ["NAME", "ENVIRONMENTS", "SERVICES", "ID"];
    let rows: Vec<[String; 4]> = listed
        .projects
        .iter()
        .map(|p| {
            [
                p.name.clone(),
                p.environments.len().to_string(),
                if listed.scope.is_some() {
                    "-".to_owned()
                } else {
                    p.services.len().to_string()
                },
                p.id.clone(),
            ]
        })
        .collect();
    out.push_str(&table(&headers, &rows));
    let n = listed.projects.len();
    out.push_str(&format!(
        "\n{n} project{} ({} request{}). `mirage ls NAME` shows one.\n",
        if n == 1 { "" } else { "s" },
        listed.requests,
        if listed.requests == 1 { "" } else { "s" },
    ));
    out
}

/// Left-aligned columns two spaces apart; the last column is not padded.
fn table<const N: usize>(headers: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = headers.map(|h| h.chars().count());
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}
