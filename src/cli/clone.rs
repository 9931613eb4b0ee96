//! `mirage clone --from ENV --to NEW [DIR]`: a deep copy of an environment,
//! written into the files first (`src/adopt/clone.rs` makes the block),
//! then applied with `--apply` (the plan and apply of `NEW` alone).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::EXIT_OK;
use super::context::{Reach, fail};
use super::report;
use crate::adopt::clone::{self as copy, Options};
use crate::adopt::write::{self, Mode};
use crate::diagnostic::Diagnostic;
use crate::engine::{self, Failure, Lock, Secrets};
use crate::resolve;

/// Examples shown by `mirage clone --help`.
pub const AFTER_HELP: &str = "\
Examples:
  mirage clone --from staging --to qa                 write `environment \"qa\"` into the files
  mirage clone --from staging --to qa --apply         …and create it on Railway
  mirage clone --from staging --to qa --with-variables --local
                                                      also copy variables set by hand on Railway
  mirage clone --from staging --to qa --services api,web
                                                      copy only those services' overrides
  mirage clone --from staging --to qa --project acme-qa --into ../acme-qa
                                                      a new project's files, from staging's services

The new block is written after the source's, in the same file, formatted as
`mirage fmt` would; every other byte of the file is kept. Custom domains with
a fixed host are renamed (a label equal to the source's name) or left out
with a note; volumes get their configuration, never their data. Secret-looking
values read from Railway become `(secret)\"env:NAME\"` references, listed at
the end: they are never written in clear (docs/adopt.md).";

/// Arguments of `mirage clone`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The project directory.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// The environment to copy.
    #[arg(long, value_name = "ENV")]
    pub from: String,

    /// The new environment's name.
    #[arg(long, value_name = "NEW")]
    pub to: String,

    /// Also copy the variables the source has on Railway that the files do
    /// not declare (set by hand); secret-looking ones become secret
    /// references. Reads Railway.
    #[arg(long)]
    pub with_variables: bool,

    /// Copy only these services' overrides (and variables): every service
    /// still exists in the new environment (comma-separated).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub services: Vec<String>,

    /// Into another project: write its files into `--into` (a new
    /// `project "OTHER"` with the services as the source environment has
    /// them, and one environment NEW).
    #[arg(long, value_name = "OTHER", requires = "into")]
    pub project: Option<String>,

    /// The directory of the other project's files (with `--project`).
    #[arg(long, value_name = "DIR2", requires = "project")]
    pub into: Option<PathBuf>,

    /// Also apply the new environment (the plan and apply of NEW alone).
    #[arg(long)]
    pub apply: bool,

    /// Where Railway is: `--local` or `--endpoint`.
    #[command(flatten)]
    pub reach: Reach,
}

/// Run `mirage clone`.
pub fn run(args: Args) -> ExitCode {
    let mut written = false;
    let code = super::plan::block_on(write_copy(&args, &mut written));
    if !(written && args.apply) {
        return code;
    }
    // The apply runs its own runtime: after the copy's.
    super::apply::run(super::apply::Args {
        path: args.into.clone().unwrap_or_else(|| args.dir.clone()),
        selection: super::plan::Selection {
            envs: vec![args.to.clone()],
            targets: Vec::new(),
        },
        reach: args.reach.clone(),
        limits: report::Limits {
            max_errors: report::DEFAULT_MAX_ERRORS,
            message_format: None,
        },
        auto_approve: true,
        allow_destroy: false,
        lock_timeout: None,
        wait: None,
    })
}

async fn write_copy(args: &Args, written: &mut bool) -> ExitCode {
    if let (Some(other), Some(into)) = (&args.project, &args.into) {
        return match into_project(args, other, into).await {
            Ok(()) => {
                *written = true;
                ExitCode::from(EXIT_OK)
            }
            Err(failure) => fail(failure),
        };
    }
    let planned = match prepare_copy(args).await {
        Ok(planned) => planned,
        Err(failure) => return fail(failure),
    };
    if let Err(failure) = planned.write() {
        return fail(failure);
    }
    *written = true;
    planned.report(&format!(
        "Wrote environment `{}` (a copy of `{}`) into `{}`.\n",
        args.to,
        args.from,
        planned.path.display()
    ));
    if !args.apply {
        report::write_stderr(&format!(
            "Next: `mirage plan --env {0}`, then `mirage apply --env {0}` (or run again with `--apply`).\n",
            args.to
        ));
    }
    ExitCode::from(EXIT_OK)
}

/// A file about to be rewritten with a new environment in it.
pub struct Planned {
    /// The file.
    pub path: PathBuf,
    /// Its new text (formatted).
    pub text: String,
    /// Whether its old text was not formatted (formatting changes more).
    pub reformatted: bool,
    /// What was left out or changed.
    pub notes: Vec<String>,
    /// Secret references to provide: `(reference, what it replaces)`.
    pub secrets: Vec<(String, String)>,
}

impl Planned {
    /// Writes the file.
    pub fn write(&self) -> Result<(), Failure> {
        write::write_file(&self.path, &self.text, Mode::Replace).map_err(|error| {
            Failure::error("mirage::adopt::clone_write_failed", error.to_string(), None)
        })
    }

    /// Prints `done` (stdout), the notes (stderr) and the secrets to
    /// provide (stdout).
    pub fn report(&self, done: &str) {
        if self.reformatted {
            report::write_stderr(&format!(
                "note: `{}` was not formatted; it is now, as `mirage fmt` would (comments kept)\n",
                self.path.display()
            ));
        }
        for note in &self.notes {
            report::write_stderr(&format!("note: {note}\n"));
        }
        let mut out = done.to_owned();
        if !self.secrets.is_empty() {
            out.push_str("Secrets to provide before applying (values were not copied):\n");
            for (reference, what) in &self.secrets {
                out.push_str(&format!("  {reference}  ({what})\n"));
            }
        }
        report::write_stdout(&out);
    }
}

/// A usage refusal.
fn refuse(code: &'static str, message: String, help: String) -> Failure {
    Failure::usage(Diagnostic::general(code, message).with_help(help))
}

/// The project in `dir`, refused when it has errors.
pub fn load(dir: &Path) -> Result<engine::Loaded, Failure> {
    engine::load(dir)
}

/// Checks the names shared by clone and export: `new` is a valid name not
/// declared; `from` is a declared environment (not a template).
pub fn check_names(
    project: &crate::model::Project,
    from: &str,
    new: &str,
    codes: [&'static str; 3],
) -> Result<(), Failure> {
    let [invalid, exists, unknown] = codes;
    if let Err(why) = resolve::value::check_name(new, false) {
        return Err(refuse(
            invalid,
            format!("`{new}` is not a valid environment name: {why}"),
            "an environment name holds letters, digits, `-` and `_`".to_owned(),
        ));
    }
    if project.environment(new).is_some() {
        return Err(refuse(
            exists,
            format!("environment `{new}` is already declared in the files"),
            "pick another name, or remove the existing block first".to_owned(),
        ));
    }
    let names = project.environments.iter().map(|e| e.name.as_str());
    let Some(source) = project.environment(from) else {
        return Err(refuse(
            unknown,
            format!("the project declares no environment `{from}`"),
            resolve::suggest::did_you_mean(from, names, || {
                let all: Vec<String> = project
                    .environments
                    .iter()
                    .map(|e| format!("`{}`", e.name))
                    .collect();
                if all.is_empty() {
                    "the project declares no environment".to_owned()
                } else {
                    format!("the project declares {}", all.join(", "))
                }
            }),
        ));
    };
    if source.ephemeral.as_ref().is_some_and(|e| e.value) {
        return Err(refuse(
            "mirage::adopt::clone_from_template",
            format!("`{from}` is a template (`ephemeral=#true`), not an environment"),
            format!("make environments from it with `mirage preview up --template {from}`"),
        ));
    }
    Ok(())
}

/// The file declaring environment `from` (its path and text), and the block
/// copied as `options` says, inserted after it; the project with the new
/// text is resolved again and refused when it has errors.
pub fn plan_file(dir: &Path, from: &str, options: &Options) -> Result<Planned, Failure> {
    let paths = resolve::project_paths(dir).map_err(|error| {
        Failure::error(
            "mirage::adopt::clone_write_failed",
            format!("cannot read `{}`: {error}", dir.display()),
            None,
        )
    })?;
    let mut texts = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|error| {
            Failure::error(
                "mirage::adopt::clone_write_failed",
                format!("cannot read `{}`: {error}", path.display()),
                None,
            )
        })?;
        texts.push((path, text));
    }
    let mut found = None;
    for (index, (_, text)) in texts.iter().enumerate() {
        let (document, _) = crate::syntax::parse_tree(text);
        if let Some(node) = copy::find_environment(&document, from) {
            found = Some((
                index,
                node.span.end,
                copy::environment_block(text, node, from, options),
            ));
            break;
        }
    }
    let Some((index, end, block)) = found else {
        return Err(Failure::error(
            "mirage::adopt::clone_unknown_source",
            format!("no file of the project declares `environment \"{from}\"` at its top level"),
            Some("an environment declared through an import cannot be copied; copy it by hand"),
        ));
    };
    let (path, old) = &texts[index];
    let comment = match &options.template {
        Some(_) => format!(
            "`{}`: a template made from `{from}` by `mirage export`.",
            options.new
        ),
        None => format!(
            "`{}`: a copy of `{from}` made by `mirage clone`.",
            options.new
        ),
    };
    let inserted = copy::insert_after(old, end, &comment, &block.text);
    let text = write::formatted(path, &inserted).map_err(|error| {
        Failure::error("mirage::adopt::clone_write_failed", error.to_string(), None)
    })?;
    let reformatted = write::formatted(path, old).map_or(true, |f| f != *old);
    let mut files = texts.clone();
    files[index].1 = text.clone();
    resolves_or_refuse(
        resolve::analyze(dir, files),
        format!(
            "the files with `{}` added would have errors; nothing was written",
            options.new
        ),
        "fix what the source inherits (its layer, its services), or edit the copy by hand",
    )?;
    Ok(Planned {
        path: path.clone(),
        text,
        reformatted,
        notes: block.notes,
        secrets: Vec::new(),
    })
}

/// `--services`: each must be a declared service.
fn services_filter(
    project: &crate::model::Project,
    services: &[String],
) -> Result<Option<BTreeSet<String>>, Failure> {
    if services.is_empty() {
        return Ok(None);
    }
    for service in services {
        if !project.services.iter().any(|s| s == service) {
            return Err(refuse(
                "mirage::adopt::clone_unknown_service",
                format!("`--services` names `{service}`, which the project does not declare"),
                resolve::suggest::did_you_mean(
                    service,
                    project.services.iter().map(String::as_str),
                    || format!("the project declares {}", project.services.join(", ")),
                ),
            ));
        }
    }
    Ok(Some(services.iter().cloned().collect()))
}

/// Everything before writing: names checked, Railway read when needed,
/// the file planned.
async fn prepare_copy(args: &Args) -> Result<Planned, Failure> {
    let loaded = load(&args.dir)?;
    let project = &loaded.project;
    check_names(
        project,
        &args.from,
        &args.to,
        [
            "mirage::adopt::clone_invalid_name",
            "mirage::adopt::clone_target_exists",
            "mirage::adopt::clone_unknown_source",
        ],
    )?;
    let services = services_filter(project, &args.services)?;
    let mut options = Options {
        new: args.to.clone(),
        services: services.clone(),
        ..Options::default()
    };
    let mut secrets = Vec::new();
    if args.with_variables || args.apply {
        let session = read_source(&args.reach, &args.dir, &args.from).await?;
        if let Some(snapshot) = &session.snapshot {
            if snapshot.environment(&args.to).is_some() {
                return Err(refuse(
                    "mirage::adopt::clone_target_exists",
                    format!("environment `{}` already exists on Railway", args.to),
                    format!(
                        "pick another name, or import it (`mirage import --env {}`)",
                        args.to
                    ),
                ));
            }
            if args.with_variables {
                secrets = railway_variables(
                    project,
                    snapshot,
                    &args.from,
                    services.as_ref(),
                    &mut options,
                );
            }
        } else if args.with_variables {
            report::write_stderr(&format!(
                "note: the project is not on Railway yet: no variables to copy from `{}`\n",
                args.from
            ));
        }
    }
    let mut planned = plan_file(&args.dir, &args.from, &options)?;
    planned.secrets = secrets;
    Ok(planned)
}

/// `--project OTHER --into DIR2`: the other project's files written.
async fn into_project(args: &Args, other: &str, into: &Path) -> Result<(), Failure> {
    if into.exists() && !into.is_dir() {
        return Err(refuse(
            "mirage::adopt::clone_into_not_directory",
            format!("`--into {}` is not a directory", into.display()),
            "pass a new or existing directory for the other project's files".to_owned(),
        ));
    }
    if into.is_dir() {
        let existing = resolve::project_paths(into).unwrap_or_default();
        if !existing.is_empty() {
            let analysis = resolve::load_dir(into);
            let name = analysis
                .project
                .name
                .as_ref()
                .map(|n| n.value.clone())
                .unwrap_or_default();
            let why = if name == other {
                format!("it already holds the files of project `{other}`")
            } else {
                format!("it holds the `.mirage` files of project `{name}`")
            };
            return Err(refuse(
                "mirage::adopt::clone_into_other_project",
                format!("cannot write project `{other}` into `{}`: {why}", into.display()),
                "pick an empty directory; to add an environment to that project, run `mirage clone` there".to_owned(),
            ));
        }
    }
    let loaded = load(&args.dir)?;
    let project = &loaded.project;
    if let Err(why) = resolve::value::check_name(other, false) {
        return Err(refuse(
            "mirage::adopt::clone_invalid_name",
            format!("`{other}` is not a valid project name: {why}"),
            "a project name holds letters, digits, `-` and `_`".to_owned(),
        ));
    }
    // In a new project nothing is declared yet: only the names are checked.
    let empty = crate::model::Project {
        environments: project.environments.clone(),
        ..crate::model::Project::default()
    };
    check_names(
        &empty,
        &args.from,
        &args.to,
        [
            "mirage::adopt::clone_invalid_name",
            "mirage::adopt::clone_target_exists",
            "mirage::adopt::clone_unknown_source",
        ],
    )
    .or_else(|failure| {
        // `--to` may be a name the source project uses: another project.
        if project.environment(&args.to).is_some() && project.environment(&args.from).is_some() {
            Ok(())
        } else {
            Err(failure)
        }
    })?;
    let services = services_filter(project, &args.services)?;
    let mut options = Options::default();
    let mut secrets = Vec::new();
    if args.with_variables {
        let session = read_source(&args.reach, &args.dir, &args.from).await?;
        if let Some(snapshot) = &session.snapshot {
            secrets = railway_variables(
                project,
                snapshot,
                &args.from,
                services.as_ref(),
                &mut options,
            );
        }
    }
    let block = copy::project_text(
        project,
        &args.from,
        &args.to,
        other,
        services.as_ref(),
        &options.vars,
    );
    let path = into.join("project.mirage");
    let text = write::formatted(&path, &block.text).map_err(|error| {
        Failure::error("mirage::adopt::clone_write_failed", error.to_string(), None)
    })?;
    resolves_or_refuse(
        resolve::analyze(into, vec![(path.clone(), text.clone())]),
        format!("the files of project `{other}` would have errors; nothing was written"),
        "copy every service the others depend on (`--services`), or write the files by hand",
    )?;
    write::write_file(&path, &text, Mode::New).map_err(|error| {
        Failure::error("mirage::adopt::clone_write_failed", error.to_string(), None)
    })?;
    let planned = Planned {
        path,
        text,
        reformatted: false,
        notes: block.notes,
        secrets,
    };
    planned.report(&format!(
        "Wrote project `{other}` with environment `{}` (a copy of `{}`) into `{}`.\n",
        args.to,
        args.from,
        planned.path.display()
    ));
    Ok(())
}

/// The variables environment `from` has on Railway that the files do not
/// declare, put into `options` (per service and shared); the secret
/// references made for secret-looking ones.
fn railway_variables(
    project: &crate::model::Project,
    snapshot: &crate::railway::Snapshot,
    from: &str,
    services: Option<&BTreeSet<String>>,
    options: &mut Options,
) -> Vec<(String, String)> {
    let mut secrets = Vec::new();
    let mut used: BTreeMap<String, String> = BTreeMap::new();
    let (Some(model), Some(state)) = (project.environment(from), snapshot.environment(from)) else {
        return secrets;
    };
    let mut value_text = |owner: &str, name: &str, value: &str| -> String {
        if !crate::adopt::generate::secrets::looks_secret(name, value) {
            return crate::adopt::nodes::string(value);
        }
        // One environment variable per distinct secret: a second service's
        // `NAME` with another value reads `SERVICE_NAME`.
        let mut env_name = name.to_ascii_uppercase();
        if used.get(&env_name).is_some_and(|v| v != value) {
            env_name = format!(
                "{}_{env_name}",
                owner.to_ascii_uppercase().replace('-', "_")
            );
        }
        used.insert(env_name.clone(), value.to_owned());
        let reference = format!("env:{env_name}");
        secrets.push((reference.clone(), format!("`{owner}`: `{name}`")));
        format!("(secret){}", crate::adopt::nodes::string(&reference))
    };
    for instance in &model.services {
        if services.is_some_and(|keep| !keep.contains(&instance.name)) {
            continue;
        }
        let Some(id) = snapshot.service_id(&instance.name) else {
            continue;
        };
        let mut extra = BTreeMap::new();
        for (name, value) in state.service_variables(id) {
            let Some(value) = value else { continue };
            if name.starts_with("RAILWAY_") || instance.variables.contains_key(name) {
                continue;
            }
            extra.insert(name.to_owned(), value_text(&instance.name, name, value));
        }
        if !extra.is_empty() {
            options.vars.insert(instance.name.clone(), extra);
        }
    }
    for (name, value) in state.shared_variables() {
        let Some(value) = value else { continue };
        if name.starts_with("RAILWAY_") || model.shared_variables.contains_key(name) {
            continue;
        }
        let text = value_text("shared", name, value);
        options.shared.insert(name.to_owned(), text);
    }
    secrets
}

/// The files as they would be written resolve, or the copy is refused with
/// their errors and nothing is written.
fn resolves_or_refuse(
    analysis: resolve::Analysis,
    message: String,
    help: &str,
) -> Result<(), Failure> {
    if !analysis.has_errors() {
        return Ok(());
    }
    let errors: Vec<Diagnostic> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    Err(Failure::located(
        &analysis.files,
        errors,
        Some(Diagnostic::general("mirage::adopt::clone_invalid_result", message).with_help(help)),
    ))
}

/// Railway's side of the source environment (one read, no lock: nothing
/// is written to Railway here).
async fn read_source(reach: &Reach, dir: &Path, from: &str) -> Result<engine::Session, Failure> {
    let selection = engine::Selection {
        environments: vec![from.to_owned()],
        targets: Vec::new(),
    };
    engine::prepare(&reach.context(), dir, &selection, Lock::None, Secrets::Skip).await
}
