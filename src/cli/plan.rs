//! `mirage plan [DIR]`: read the project from Railway in one request, diff
//! it against the `.mirage` files and print what would change.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::local::{self, Connection};
use super::{EXIT_FAILURE, EXIT_OK};
use super::{report, select};
use crate::apply;
use crate::plan::{self, Filter, Owned, Plan};
use crate::railway::Snapshot;
use crate::resolve;
use crate::state;

/// Exit code of `--detailed-exitcode` when the plan has changes.
pub const EXIT_CHANGES: u8 = 2;

/// Output formats of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum PlanFormat {
    /// For people.
    #[default]
    Text,
    /// The documented, versioned JSON format (`docs/plan-format.md`).
    Json,
    /// A pull-request comment: summary first, details folded.
    Markdown,
}

/// Where to read from and what to plan (shared by `plan`, `apply`,
/// `import`; `destroy` builds one). A name that the project does not
/// declare is a usage error (exit 2) with a suggestion.
#[derive(Debug, Clone, clap::Args)]
pub struct Selection {
    /// Only these environments (repeatable).
    #[arg(long = "env", short = 'e', value_name = "ENV")]
    pub envs: Vec<String>,

    /// Only these service instances, as `env/service` (repeatable).
    #[arg(long = "target", value_name = "ENV/SERVICE")]
    pub targets: Vec<String>,

    /// Use the built-in emulator (state under `DIR/.mirage/`) instead of
    /// Railway: no account needed.
    #[arg(long, conflicts_with = "endpoint")]
    pub local: bool,
}

/// Arguments of `mirage plan`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The project directory.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    #[command(flatten)]
    pub selection: Selection,

    /// The Railway GraphQL endpoint; wins over `MIRAGE_RAILWAY_URL`. Point
    /// it at `mirage emulator` to use one.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    #[command(flatten)]
    pub limits: report::Limits,

    /// Print the plan as JSON (same as `--format json`).
    #[arg(long)]
    pub json: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,

    /// Save the plan (with each environment's `configEtag`) for `mirage apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Exit 0 when there are no changes, 1 on error, 2 when there are changes.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

/// Runs a command's async body on a fresh runtime (shared by the commands
/// that talk to Railway).
pub fn block_on(body: impl std::future::Future<Output = ExitCode>) -> ExitCode {
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(body),
        Err(error) => {
            report::print_error(&format!("cannot start the async runtime: {error}"));
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// Run `mirage plan`.
pub fn run(args: Args) -> ExitCode {
    block_on(async {
        let plan = match prepare_with(&args.dir, &args.selection, None, true).await {
            Ok(prepared) => prepared.plan,
            Err(code) => return code,
        };
        let format = if args.json {
            PlanFormat::Json
        } else {
            args.format
        };
        let text = match format {
            PlanFormat::Text => plan::render::text(&plan),
            PlanFormat::Json => plan::render::json(&plan) + "\n",
            PlanFormat::Markdown => plan::render::markdown(&plan),
        };
        match format {
            PlanFormat::Json => report::write_stdout_exact(&text),
            PlanFormat::Text => print_text(&text),
            // Values and names come from the files and from Railway.
            PlanFormat::Markdown => report::write_stdout(&text),
        }
        if let Some(out) = &args.out {
            let saved = plan::saved::SavedPlan::new(&plan, &args.dir);
            if let Err(error) = saved.write(out) {
                report::print_error(&format!("cannot write `{}`: {error}", out.display()));
                return ExitCode::from(EXIT_FAILURE);
            }
            if format == PlanFormat::Text {
                report::write_stdout(&format!(
                    "Saved the plan to `{}`; apply it with `mirage apply {}`.\n",
                    out.display(),
                    out.display()
                ));
            }
        }
        if args.detailed_exitcode && plan.has_changes() {
            ExitCode::from(EXIT_CHANGES)
        } else {
            ExitCode::from(EXIT_OK)
        }
    })
}

/// Prints a plan rendered as text on standard output: escaped (names and
/// values come from the files and from Railway), then its markers coloured
/// when standard output takes colour (`--color`, `NO_COLOR`, a terminal).
pub fn print_text(text: &str) {
    let escaped = crate::terminal::escape(text);
    if report::use_color_on_stdout() {
        report::write_stdout_exact(&plan::render::paint(&escaped));
    } else {
        report::write_stdout_exact(&escaped);
    }
}

/// Resolves the project, reads Railway and diffs. Problems are printed;
/// `None` means the command failed.
pub async fn prepare(dir: &Path, selection: &Selection) -> Option<(Connection, Plan)> {
    prepare_with(dir, selection, None, true)
        .await
        .ok()
        .map(|p| (p.connection, p.plan))
}

/// Everything `apply` and `destroy` need after planning.
pub struct Prepared {
    /// The client (and local emulator).
    pub connection: Connection,
    /// The plan.
    pub plan: Plan,
    /// The state database.
    pub store: state::Store,
    /// The resolved model.
    pub model: crate::model::Project,
    /// Railway's state (`None`: the project does not exist).
    pub snapshot: Option<Snapshot>,
    /// Locks held on the planned environments (for `apply`), taken before
    /// Railway was read so the plan cannot go stale under another apply.
    pub locks: Vec<state::LockGuard>,
    /// Every secret the plan uses, read before Railway was (empty when the
    /// caller did not ask for them).
    pub secrets: plan::secrets::Resolved,
}

/// Opens the state database of the project in `dir`.
pub fn open_store(dir: &Path) -> Option<state::Store> {
    let path = state::resolve_path(dir);
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    match state::Store::open(&path) {
        Ok(store) => Some(store),
        Err(error) => {
            report::print_error(&format!(
                "cannot open the state database `{}`: {error}",
                path.display()
            ));
            None
        }
    }
}

/// The services Mirage owns in `project`, by environment, and the volumes
/// an unfinished apply created (owned, still without a Railway id).
pub fn owned_services(store: &state::Store, project: &str) -> Option<Owned> {
    let filter = state::OwnedFilter {
        project: Some(project.to_owned()),
        ..state::OwnedFilter::default()
    };
    match store.list_owned(&filter) {
        Ok(resources) => {
            let mut owned = Owned::default();
            for r in resources {
                match (r.key.kind, r.key.environment) {
                    (state::ResourceKind::Service, Some(env)) => {
                        owned.services.insert((env, r.key.name));
                    }
                    (state::ResourceKind::Volume, Some(env)) if r.railway_id.is_none() => {
                        owned.unsized_volumes.insert((env, r.key.name));
                    }
                    (state::ResourceKind::Environment, None)
                        if r.origin == state::Origin::Created =>
                    {
                        owned.created_environments.insert(r.key.name);
                    }
                    (state::ResourceKind::Project, None) if r.origin == state::Origin::Created => {
                        owned.created_project = true;
                    }
                    (state::ResourceKind::Variable, Some(env)) => {
                        owned.variables.insert((env, r.key.service, r.key.name));
                    }
                    (state::ResourceKind::Domain, Some(env)) => {
                        if let Some(service) = r.key.service {
                            owned.domains.insert((env, service, r.key.name));
                        }
                    }
                    _ => {}
                }
            }
            Some(owned)
        }
        Err(error) => {
            report::print_error(&format!("cannot read the state database: {error}"));
            None
        }
    }
}

/// [`prepare`], keeping the state database, model and snapshot. `Err` is
/// the exit code, once the problem is printed: 2 for a `DIR`, `--env` or
/// `--target` that names nothing, 1 for everything else.
///
/// With `lock` (`Some(wait in seconds)`), every selected environment is
/// locked in the state database before Railway is read. With `secrets`,
/// every secret the plan uses is read first, and one that cannot be read
/// stops everything with a diagnostic at its reference (commands that
/// write nothing but removals, or nothing at all, do not need them).
pub async fn prepare_with(
    dir: &Path,
    selection: &Selection,
    lock: Option<Option<u64>>,
    secrets: bool,
) -> Result<Prepared, ExitCode> {
    let failed = || ExitCode::from(EXIT_FAILURE);
    select::directory(dir)?;
    let analysis = resolve::load_dir(dir);
    if analysis.has_errors() {
        report::print_diagnostics(&analysis.files, &analysis.diagnostics);
        report::print_error("the project has errors; fix them before planning");
        return Err(failed());
    }
    let Some(name) = analysis.project.name.as_ref().map(|n| n.value.clone()) else {
        report::print_error(
            "the project has no name\n  help: add `project \"name\"` to a `.mirage` file",
        );
        return Err(failed());
    };
    select::environments(&analysis.project, &selection.envs)?;
    let store = open_store(dir).ok_or_else(failed)?;
    // A target may name a service the files no longer declare but Mirage
    // still owns: removing it alone is what `--target` is for.
    let recorded = owned_services(&store, &name).ok_or_else(failed)?;
    let filter = Filter {
        environments: selection.envs.clone(),
        targets: select::targets(&analysis.project, &selection.targets, &recorded.services)?,
    };
    let secrets = if secrets {
        match plan::secrets::resolve(&analysis.project, &filter, &plan::secrets::from_environment) {
            Ok(resolved) => resolved,
            Err(diagnostics) => {
                report::print_diagnostics(&analysis.files, &diagnostics);
                report::print_error(
                    "cannot plan without every secret it uses; nothing was read from Railway or written",
                );
                return Err(failed());
            }
        }
    } else {
        plan::secrets::Resolved::default()
    };
    let mut locks = Vec::new();
    if let Some(wait) = lock {
        let actor = state::Actor::current();
        let mut names: Vec<&str> = analysis
            .project
            .environments
            .iter()
            .map(|e| e.name.as_str())
            .filter(|e| {
                (filter.environments.is_empty() || filter.environments.iter().any(|f| f == e))
                    && (filter.targets.is_empty() || filter.targets.iter().any(|(t, _)| t == e))
            })
            .collect();
        // One order for every process, so two applies cannot deadlock.
        names.sort_unstable();
        for environment in names {
            match store.acquire(
                &name,
                environment,
                &actor,
                wait.map(std::time::Duration::from_secs),
            ) {
                Ok(guard) => {
                    if let Some(stale) = guard.took_over() {
                        report::write_stderr(&format!(
                            "warning: took over the lock of environment `{}` from {} (pid {}), which is no longer running\n",
                            stale.environment, stale.holder, stale.holder.pid
                        ));
                    }
                    locks.push(guard);
                }
                Err(error) => {
                    report::print_error(&error.to_string());
                    if let Some(help) = miette::Diagnostic::help(&error) {
                        report::write_stderr(&format!("  help: {help}\n"));
                    }
                    return Err(failed());
                }
            }
        }
    }
    let connection = match local::connect(selection.local, dir).await {
        Ok(connection) => connection,
        Err(message) => {
            report::print_error(&message);
            return Err(failed());
        }
    };
    let known_id = known_project_id(&store, &name);
    let snapshot = match read(&connection, &name, known_id.as_deref()).await {
        Ok(snapshot) => snapshot,
        Err(ReadError::Failed(message)) => {
            report::print_error(&message);
            return Err(failed());
        }
        Err(ReadError::DuplicateProjects(ids)) => {
            let conflict = plan::conflicts::duplicate_projects(&analysis.project, &name, ids);
            report_conflicts(&analysis.files, &[conflict]);
            return Err(failed());
        }
    };
    // Several resources of one name on Railway: refuse rather than pick.
    if let Some(snapshot) = &snapshot {
        let conflicts = plan::conflicts::conflicts(&analysis.project, snapshot, &filter);
        if !conflicts.is_empty() {
            report_conflicts(&analysis.files, &conflicts);
            return Err(failed());
        }
        let blocked = plan::conflicts::blocked_moves(&analysis.project, snapshot);
        if !blocked.is_empty() {
            report::print_diagnostics(&analysis.files, &blocked);
            return Err(failed());
        }
    }
    // Records of what Railway no longer has: forgotten by the commands
    // that write (they hold the locks), ignored by a plan.
    let gone = match &snapshot {
        Some(snapshot) => apply::gone::find(&store, &name, snapshot).unwrap_or_else(|error| {
            report::print_error(&format!("cannot read the state database: {error}"));
            Vec::new()
        }),
        None => Vec::new(),
    };
    if lock.is_some() && !gone.is_empty() {
        match apply::gone::forget(&store, &name, &gone) {
            Ok(()) => {
                for item in &gone {
                    report::write_stderr(&format!(
                        "note: forgot {item}: Railway no longer has it (removed by hand, or by a run that was stopped)\n"
                    ));
                }
            }
            Err(error) => {
                report::print_error(&format!("cannot update the state database: {error}"))
            }
        }
    }
    let mut owned = owned_services(&store, &name).ok_or_else(failed)?;
    apply::gone::exclude(&mut owned, &gone);
    let plan = plan::diff(
        &analysis.project,
        snapshot.as_ref(),
        &owned,
        &filter,
        &|secret| secrets.get(secret),
    );
    Ok(Prepared {
        connection,
        plan,
        store,
        model: analysis.project,
        snapshot,
        locks,
        secrets,
    })
}

/// The Railway id of the project recorded when Mirage created it: lets a
/// plan cost one request instead of listing projects first.
fn known_project_id(store: &state::Store, project: &str) -> Option<String> {
    let key = state::ResourceKey {
        project: project.to_owned(),
        environment: None,
        kind: state::ResourceKind::Project,
        service: None,
        name: project.to_owned(),
    };
    store.owned(&key).ok().flatten().and_then(|r| r.railway_id)
}

/// Prints duplicates found on Railway: located at their declaration when
/// the files declare the name, as plain errors otherwise.
fn report_conflicts(
    files: &crate::diagnostic::SourceFiles,
    conflicts: &[plan::conflicts::Conflict],
) {
    let located: Vec<_> = conflicts
        .iter()
        .filter_map(plan::conflicts::Conflict::diagnostic)
        .collect();
    if !located.is_empty() {
        report::print_diagnostics(files, &located);
    }
    for conflict in conflicts.iter().filter(|c| c.declared.is_none()) {
        report::print_error(&conflict.message());
    }
}

/// Why the project could not be read.
enum ReadError {
    /// Railway could not be read.
    Failed(String),
    /// Several live projects carry the name: their ids.
    DuplicateProjects(Vec<String>),
}

/// Finds the project by name (names are identity) and reads it whole: one
/// request when its id is known and it still carries that name, otherwise
/// the project list first.
async fn read(
    connection: &Connection,
    name: &str,
    known_id: Option<&str>,
) -> Result<Option<Snapshot>, ReadError> {
    let client = &connection.client;
    if let Some(id) = known_id
        && let Ok(snapshot) = client.read_project(id).await
        && snapshot.project_name == name
    {
        return Ok(Some(snapshot));
    }
    let found = client
        .find_projects_by_name(name, None)
        .await
        .map_err(|e| ReadError::Failed(format!("cannot list projects: {e}")))?;
    match found.as_slice() {
        [] => Ok(None),
        [project] => client
            .read_project(project.id.inner())
            .await
            .map(Some)
            .map_err(|e| ReadError::Failed(format!("cannot read project `{name}`: {e}"))),
        _ => {
            let mut ids: Vec<String> = found.iter().map(|p| p.id.inner().to_owned()).collect();
            ids.sort();
            Err(ReadError::DuplicateProjects(ids))
        }
    }
}
