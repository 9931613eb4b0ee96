//! `mirage destroy --env E` / `mirage destroy --all`: removes what Mirage
//! owns in environment E — and E itself when Mirage created it and owns
//! everything in it — or the whole project when Mirage created it and owns
//! all of it. Nothing Mirage does not own is touched; protected
//! environments and services are refused. The plan is made by
//! [`crate::plan::teardown`].

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use super::plan::{Selection, owned_services, prepare_with};
use super::report;
use super::{EXIT_FAILURE, EXIT_OK};
use crate::plan::teardown::{Scope, teardown};

/// Arguments of `mirage destroy`.
#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["env", "all"])))]
pub struct Args {
    /// The project directory.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// The environment to clear of everything Mirage owns (and to delete,
    /// when Mirage created it and nothing else is in it).
    #[arg(long = "env", short = 'e', value_name = "ENV")]
    pub env: Option<String>,

    /// Delete the whole project: only when Mirage created it and owns
    /// everything in it. Railway keeps a deleted project for a grace
    /// period before it is gone.
    #[arg(long, conflicts_with = "env")]
    pub all: bool,

    /// Use the built-in emulator (state under `DIR/.mirage/`).
    #[arg(long, conflicts_with = "endpoint")]
    pub local: bool,

    /// The Railway GraphQL endpoint; wins over `MIRAGE_RAILWAY_URL`.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    #[command(flatten)]
    pub limits: report::Limits,

    /// Destroy without asking (required when not on a terminal).
    #[arg(long)]
    pub auto_approve: bool,

    /// Wait up to this many seconds for another apply's lock.
    #[arg(long, value_name = "SECONDS")]
    pub lock_timeout: Option<u64>,
}

/// Run `mirage destroy`.
pub fn run(args: Args) -> ExitCode {
    super::plan::block_on(async {
        let selection = Selection {
            envs: args.env.iter().cloned().collect(),
            targets: Vec::new(),
            local: args.local,
        };
        let prepared =
            match prepare_with(&args.dir, &selection, Some(args.lock_timeout), false).await {
                Ok(prepared) => prepared,
                Err(code) => return code,
            };
        let Some(owned) = owned_services(&prepared.store, &prepared.plan.project) else {
            return ExitCode::from(EXIT_FAILURE);
        };
        let scope = match &args.env {
            Some(env) => Scope::Environment(env),
            None => Scope::Project,
        };
        let teardown = match teardown(
            &prepared.plan,
            &prepared.model,
            prepared.snapshot.as_ref(),
            &owned,
            scope,
        ) {
            Ok(teardown) => teardown,
            Err(refusal) => {
                report::print_error(&format!(
                    "refusing to delete project `{}`: not everything in it is Mirage's\n{}",
                    prepared.plan.project,
                    refusal
                        .0
                        .iter()
                        .map(|line| format!("  - {line}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                ));
                report::write_stderr(
                    "  help: destroy what Mirage owns environment by environment with `mirage destroy --env ENV`; the rest is yours to remove in Railway\n",
                );
                return ExitCode::from(EXIT_FAILURE);
            }
        };
        let plan = teardown.plan;
        if !plan.has_changes() {
            // Not "no changes": the files may well differ from Railway;
            // what is true is that there is nothing of Mirage's here.
            let place = match &args.env {
                Some(env) => format!("`{env}`"),
                None => format!("project `{}`", plan.project),
            };
            report::write_stdout(&format!(
                "Nothing to destroy: Mirage owns nothing in {place}.\n"
            ));
            return ExitCode::from(EXIT_OK);
        }
        super::plan::print_text(&crate::plan::render::text(&plan));
        for line in &teardown.kept {
            report::write_stdout(&format!("{line}\n"));
        }
        let refusals = plan.protection_violations();
        if !refusals.is_empty() {
            report::print_error(&format!(
                "{}\n  help: remove `protect` from the files first if this is intended",
                refusals.join("\n")
            ));
            return ExitCode::from(EXIT_FAILURE);
        }
        if !args.auto_approve {
            if !std::io::stdin().is_terminal() {
                report::print_error(
                    "not destroying without confirmation\n  help: standard input is not a terminal; pass `--auto-approve`",
                );
                return ExitCode::from(EXIT_FAILURE);
            }
            report::write_stderr("Destroy these? Only `yes` is accepted: ");
            let mut answer = String::new();
            if std::io::stdin().read_line(&mut answer).is_err() || answer.trim() != "yes" {
                report::write_stderr("Destroy cancelled.\n");
                return ExitCode::from(EXIT_FAILURE);
            }
        }
        // A person who read the plan at the prompt gets the re-check.
        let recheck = !args.auto_approve;
        super::apply::execute(
            &prepared.connection.client,
            &prepared.store,
            &plan,
            &prepared.secrets,
            recheck,
            "Destroy",
        )
        .await
    })
}
