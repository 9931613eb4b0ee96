//! `mirage import [DIR] (--all | --env E… | --target ENV/SERVICE… |
//! --services a,b) [--prefer railway|files]`: records the resources that
//! already exist on Railway and that the `.mirage` files declare (the
//! project, its environments, service instances and their volumes, matched
//! by name; and the variables and custom domains the files declare) as
//! Mirage's in the state database, so that the next plan manages them
//! fully, destruction included. Nothing is written to Railway.
//!
//! Adopting grants Mirage the right to destroy, so it is deliberate: a
//! bare `mirage import` lists what it would adopt and asks on a terminal,
//! and refuses off one (exit 2). An instance whose values disagree with
//! the files (a conflict) is adopted only with `--prefer`; without it the
//! conflicts are listed, the rest is adopted and the exit code is 1.

use std::path::PathBuf;
use std::process::ExitCode;

use std::io::IsTerminal;

use super::context::{Reach, fail};
use super::plan::Selection;
use super::report;
use super::{EXIT_FAILURE, EXIT_OK};
use crate::diagnostic::Diagnostic;
use crate::engine::import::{Imported, Options, Prefer};
use crate::engine::{self, Failure, Lock, Secrets};
use crate::state::{Resource, ResourceKind};

/// Arguments of `mirage import`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The project directory.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// What to act on: environments and targets.
    #[command(flatten)]
    pub selection: Selection,

    /// Where Railway is: `--local` or `--endpoint`.
    #[command(flatten)]
    pub reach: Reach,

    /// How problems are printed: `--max-errors`, `--message-format`.
    #[command(flatten)]
    pub limits: report::Limits,

    /// Adopt everything the files declare (what a bare `mirage import`
    /// lists).
    #[arg(long, conflicts_with_all = ["generate"])]
    pub all: bool,

    /// Only these services (comma-separated), in every selected
    /// environment.
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub services: Vec<String>,

    /// Which side wins where the files and Railway disagree on a value:
    /// `files` adopts anyway (the next apply makes Railway match the
    /// files); `railway` edits the files to say Railway's value, then
    /// adopts.
    #[arg(long, value_name = "railway|files")]
    pub prefer: Option<Prefer>,

    /// Write `.mirage` files for the whole project as Railway has it
    /// (every environment), then record it as Mirage's.
    #[arg(long)]
    pub generate: bool,

    /// With `--generate`: the Railway project (name or id) to read.
    #[arg(long, value_name = "NAME|ID", requires = "generate")]
    pub project: Option<String>,
}

/// Run `mirage import`.
pub fn run(args: Args) -> ExitCode {
    if args.generate {
        return super::generate::run(args);
    }
    super::plan::block_on(async {
        let context = args.reach.context();
        let selection = args.selection.engine();
        let chosen = args.all
            || !args.selection.envs.is_empty()
            || !args.selection.targets.is_empty()
            || !args.services.is_empty();
        let mut session = match prepare(&context, &args, &selection).await {
            Ok(session) => session,
            Err(failure) => return fail(failure),
        };
        let mut options = Options {
            services: args.services.clone(),
            prefer: args.prefer.filter(|p| *p == Prefer::Files),
            dry_run: false,
        };
        if let Some(unknown) = args
            .services
            .iter()
            .find(|s| !session.model.services.contains(s))
        {
            return fail(Failure::usage(
                Diagnostic::general(
                    "mirage::import::unknown_service",
                    format!("the files declare no service `{unknown}`"),
                )
                .with_help(crate::resolve::suggest::did_you_mean(
                    unknown,
                    session.model.services.iter().map(String::as_str),
                    || "name services the files declare with `--services a,b`".to_owned(),
                )),
            ));
        }
        if !chosen {
            let listed = match engine::import(
                &context,
                &session,
                &Options {
                    dry_run: true,
                    ..options.clone()
                },
            ) {
                Ok(listed) => listed,
                Err(failure) => return fail(failure),
            };
            let mut out = String::from(
                "`mirage import` would adopt (Mirage may then change and destroy them):\n",
            );
            for resource in &listed.imported {
                out.push_str(&format!("  {}\n", describe(resource)));
            }
            if listed.imported.is_empty() {
                out.push_str("  nothing new\n");
            }
            report::write_stderr(&out);
            let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
            if !terminal {
                return fail(Failure::usage(
                    Diagnostic::general(
                        "mirage::adopt::import_unselected",
                        "`mirage import` without a selection adopts nothing off a terminal: adopting lets Mirage destroy what it adopts",
                    )
                    .with_help("pass `--all` to adopt everything listed, or choose with `--env ENV`, `--target ENV/SERVICE` or `--services a,b`"),
                ));
            }
            if !super::apply::confirm("Adopt all of these? Only `yes` is accepted: ") {
                report::write_stderr("Nothing adopted.\n");
                let _ = session.release();
                return ExitCode::from(EXIT_FAILURE);
            }
        }
        if args.prefer == Some(Prefer::Railway) {
            let listed = match engine::import(
                &context,
                &session,
                &Options {
                    dry_run: true,
                    prefer: None,
                    ..options.clone()
                },
            ) {
                Ok(listed) => listed,
                Err(failure) => return fail(failure),
            };
            if !listed.conflicts.is_empty() {
                let Some(snapshot) = &session.snapshot else {
                    return ExitCode::from(EXIT_FAILURE);
                };
                let edited = match crate::adopt::conflicts::prefer_railway(
                    &listed.conflicts,
                    &session.model,
                    snapshot,
                ) {
                    Ok(edited) => edited,
                    Err(error) => {
                        print_conflicts(&listed);
                        return fail(Failure::error(
                            "mirage::adopt::prefer_refused",
                            error.to_string(),
                            Some(
                                "nothing was written; resolve that value by hand, or run `mirage import --prefer files`",
                            ),
                        ));
                    }
                };
                let mut out = String::new();
                for file in &edited {
                    for change in &file.changes {
                        out.push_str(&format!(
                            "edited {}: {change} now says Railway's value\n",
                            file.path.display()
                        ));
                    }
                }
                report::write_stdout(&out);
                // Planned again from the edited files: what they now say
                // is what is adopted.
                if let Err(failure) = session.release() {
                    return fail(failure);
                }
                drop(session);
                session = match prepare(&context, &args, &selection).await {
                    Ok(session) => session,
                    Err(failure) => return fail(failure),
                };
            }
            options.prefer = None;
        }
        let imported = match engine::import(&context, &session, &options) {
            Ok(imported) => imported,
            Err(failure) => return fail(failure),
        };
        let mut out = String::new();
        for resource in &imported.imported {
            out.push_str(&format!(
                "imported {} ({})\n",
                describe(resource),
                resource.railway_id.as_deref().unwrap_or("no id")
            ));
        }
        out.push_str(&format!(
            "Import complete: {} imported, {} already Mirage's.\n",
            imported.imported.len(),
            imported.already
        ));
        if imported.unmanaged > 0 {
            out.push_str(&format!(
                "{} resource(s) on Railway are not declared in the .mirage files and were left alone (see `mirage plan`).\n",
                imported.unmanaged
            ));
        }
        if args.prefer == Some(Prefer::Files) && !imported.conflicts.is_empty() {
            out.push_str(&format!(
                "{} conflict(s) adopted with the files' values: the next `mirage apply` makes Railway match the files (`mirage plan` shows it):\n",
                imported.conflicts.len()
            ));
            for conflict in &imported.conflicts {
                out.push_str(&format!("  {}\n", conflict.line()));
            }
        }
        report::write_stdout(&out);
        if let Err(failure) = session.release() {
            return fail(failure);
        }
        if !imported.held_back.is_empty() {
            print_conflicts(&imported);
            let held: Vec<String> = imported
                .held_back
                .iter()
                .map(|(e, s)| format!("`{e}/{s}`"))
                .collect();
            return fail(Failure::error(
                "mirage::adopt::conflicts",
                format!(
                    "the files and Railway disagree on {} value(s): {} not adopted",
                    imported.conflicts.len(),
                    held.join(", ")
                ),
                Some(
                    "`--prefer files` adopts them and the next `mirage apply` makes Railway match the files; `--prefer railway` writes Railway's values into the files",
                ),
            ));
        }
        ExitCode::from(EXIT_OK)
    })
}

/// Plans the import of `args` (locked like an apply: ownership must not
/// change under one).
async fn prepare(
    context: &engine::Context,
    args: &Args,
    selection: &engine::Selection,
) -> Result<engine::Session, Failure> {
    let lock = Lock::Take { wait: None };
    engine::prepare(context, &args.dir, selection, lock, Secrets::BestEffort).await
}

/// The conflicts of `imported`, one per line: where the files say it,
/// both values (`(sensitive)` for a secret).
fn print_conflicts(imported: &Imported) {
    let mut out = String::from("Conflicts (the files and Railway disagree):\n");
    for conflict in &imported.conflicts {
        out.push_str(&format!("  {}\n", conflict.line()));
    }
    report::write_stdout(&out);
}

fn describe(resource: &Resource) -> String {
    let key = &resource.key;
    match (key.kind, &key.environment, &key.service) {
        (ResourceKind::Project, ..) => format!("project \"{}\"", key.name),
        (ResourceKind::Environment, ..) => format!("environment \"{}\"", key.name),
        (ResourceKind::Volume, Some(env), Some(service)) => {
            format!("volume of \"{service}\" in \"{env}\"")
        }
        (_, Some(env), _) => format!("{} \"{}\" in \"{env}\"", key.kind.as_str(), key.name),
        (_, None, _) => format!("{} \"{}\"", key.kind.as_str(), key.name),
    }
}
