//! `mirage destroy --env E` / `mirage destroy --all`: removes what Mirage
//! owns in environment E — and E itself when Mirage created it and owns
//! everything in it — or the whole project when Mirage created it and owns
//! all of it. Nothing Mirage does not own is touched; protected
//! environments and services are refused. The plan is made by
//! [`crate::plan::teardown`].

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use super::context::{Reach, fail};
use super::report;
use super::{EXIT_FAILURE, EXIT_OK};
use crate::engine::{self, ApplyOptions, Failure, Lock, Secrets, destroy::Target};

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

    /// Where Railway is: `--local` or `--endpoint`.
    #[command(flatten)]
    pub reach: Reach,

    /// How problems are printed: `--max-errors`, `--message-format`.
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
        let context = args.reach.context();
        let selection = engine::Selection {
            environments: args.env.iter().cloned().collect(),
            targets: Vec::new(),
        };
        let lock = Lock::Take {
            wait: args.lock_timeout.map(std::time::Duration::from_secs),
        };
        // Removals need no secret.
        let session =
            match engine::prepare(&context, &args.dir, &selection, lock, Secrets::Skip).await {
                Ok(session) => session,
                Err(failure) => return fail(failure),
            };
        let target = match &args.env {
            Some(env) => Target::Environment(env.clone()),
            None => Target::Project,
        };
        let teardown = match engine::destroy::plan(&session, &target) {
            Ok(teardown) => teardown,
            Err(failure) => return fail(failure),
        };
        let plan = teardown.plan;
        if !plan.has_changes() {
            // Not "no changes": the files may well differ from Railway;
            // what is true is that there is nothing of Mirage's here —
            // in this state database, which may not be the one the
            // project was applied with.
            let environments: Vec<String> = args.env.iter().cloned().collect();
            let line = match engine::owns_nothing(&session, &environments) {
                Some(note) => format!("Nothing to destroy: {note}\n"),
                None => {
                    let place = match &args.env {
                        Some(env) => format!("`{env}`"),
                        None => format!("project `{}`", plan.project),
                    };
                    format!(
                        "Nothing to destroy: Mirage owns nothing in {place} in this state (`{}`).\n",
                        session.store.location()
                    )
                }
            };
            report::write_stdout(&line);
            return ExitCode::from(EXIT_OK);
        }
        super::plan::print_text(&crate::plan::render::text(&plan));
        for line in &teardown.kept {
            report::write_stdout(&format!("{line}\n"));
        }
        if let Err(failure) = engine::check_protected(&plan) {
            return fail(failure);
        }
        if !args.auto_approve {
            if !std::io::stdin().is_terminal() {
                return fail(Failure::error(
                    "mirage::apply::not_confirmed",
                    "not destroying without confirmation",
                    Some("standard input is not a terminal; pass `--auto-approve`"),
                ));
            }
            if !super::apply::confirm("Destroy these? Only `yes` is accepted: ") {
                report::write_stderr("Destroy cancelled.\n");
                return ExitCode::from(EXIT_FAILURE);
            }
        }
        // A person who read the plan at the prompt gets the re-check.
        let options = ApplyOptions {
            recheck: !args.auto_approve,
        };
        super::apply::finish(&context, session, &plan, options, "Destroy").await
    })
}
