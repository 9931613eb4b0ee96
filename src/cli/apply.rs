//! `mirage apply [DIR | PLANFILE]`: show the plan, confirm, apply it in
//! batches, and report what was and was not done. The work is the
//! engine's; this file parses, asks and prints.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use super::context::{Reach, fail};
use super::plan::Selection;
use super::report;
use super::{EXIT_FAILURE, EXIT_OK};
use crate::diagnostic::Diagnostic;
use crate::engine::{self, ApplyOptions, Failure, Lock, Secrets};
use crate::plan;

/// Arguments of `mirage apply`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The project directory, or a plan saved with `mirage plan --out FILE`.
    #[arg(default_value = ".", value_name = "DIR|PLANFILE")]
    pub path: PathBuf,

    /// What to act on: environments and targets.
    #[command(flatten)]
    pub selection: Selection,

    /// Where Railway is: `--local` or `--endpoint`.
    #[command(flatten)]
    pub reach: Reach,

    /// How problems are printed: `--max-errors`, `--message-format`.
    #[command(flatten)]
    pub limits: report::Limits,

    /// Apply without asking (required when not on a terminal).
    #[arg(long)]
    pub auto_approve: bool,

    /// Allow destroying resources Mirage owns when not asked interactively.
    #[arg(long)]
    pub allow_destroy: bool,

    /// Wait up to this many seconds for another apply's lock on an
    /// environment, instead of failing at once.
    #[arg(long, value_name = "SECONDS")]
    pub lock_timeout: Option<u64>,
}

/// Run `mirage apply`.
pub fn run(args: Args) -> ExitCode {
    super::plan::block_on(run_async(args))
}

async fn run_async(args: Args) -> ExitCode {
    if !args.path.exists() {
        return fail(Failure::usage(
            Diagnostic::general(
                "mirage::cli::no_such_directory",
                format!("`{}` does not exist", args.path.display()),
            )
            .with_help(
                "pass the project's directory, or a plan saved with `mirage plan --out FILE`",
            ),
        ));
    }
    let saved = if args.path.is_file() {
        match plan::saved::SavedPlan::read(&args.path) {
            Ok(saved) => Some(saved),
            Err(error) => {
                return fail(Failure::error(
                    "mirage::apply::saved_plan_unreadable",
                    error.to_string(),
                    None,
                ));
            }
        }
    } else {
        None
    };
    let dir = saved
        .as_ref()
        .map_or_else(|| args.path.clone(), |s| s.dir.clone());
    let context = args.reach.context();
    let lock = Lock::Take {
        wait: args.lock_timeout.map(std::time::Duration::from_secs),
    };
    let session = match engine::prepare(
        &context,
        &dir,
        &args.selection.engine(),
        lock,
        Secrets::Read,
    )
    .await
    {
        Ok(session) => session,
        Err(failure) => return fail(failure),
    };
    if let Some(saved) = &saved
        && let Err(failure) = engine::check_saved(saved, &session.plan)
    {
        return fail(failure);
    }
    super::plan::print_text(&plan::render::text(&session.plan));
    engine::settle(&context, &session);
    if !session.plan.has_changes() {
        return ExitCode::from(EXIT_OK);
    }
    let on_terminal = std::io::stdin().is_terminal();
    if let Err(failure) = engine::check_destroy(&session.plan, args.allow_destroy || on_terminal) {
        return fail(failure);
    }
    // Time passes while a person reads the plan: then the environments are
    // re-read just before writing. Otherwise the plan's read is the check.
    let confirmed_at_prompt = !args.auto_approve && saved.is_none();
    if confirmed_at_prompt {
        if !on_terminal {
            return fail(Failure::error(
                "mirage::apply::not_confirmed",
                "not applying without confirmation",
                Some(
                    "standard input is not a terminal; pass `--auto-approve` (or apply a saved plan)",
                ),
            ));
        }
        if !confirm("Apply these changes? Only `yes` is accepted: ") {
            report::write_stderr("Apply cancelled.\n");
            return ExitCode::from(EXIT_FAILURE);
        }
    }
    let plan = session.plan.clone();
    let options = ApplyOptions {
        recheck: confirmed_at_prompt,
    };
    finish(&context, session, &plan, options, "Apply").await
}

/// Applies `plan` through the engine, prints the summary (`{verb}
/// complete: …`, in the plan's units) and releases the session's locks.
/// Shared with `destroy`.
pub async fn finish(
    context: &engine::Context,
    mut session: engine::Session,
    plan: &plan::Plan,
    options: ApplyOptions,
    verb: &str,
) -> ExitCode {
    let applied = engine::apply(context, &session, plan, options).await;
    if let Err(failure) = session.release() {
        // A lock that cannot be released is reported; the apply's own
        // outcome decides the exit code.
        let _ = fail(failure);
    }
    let applied = match applied {
        Ok(applied) => applied,
        Err(failure) => return fail(failure),
    };
    let state = if applied.succeeded {
        "complete"
    } else {
        "incomplete"
    };
    report::write_stdout(&format!("{verb} {state}: {}.\n", applied.summary));
    if applied.succeeded {
        return ExitCode::from(EXIT_OK);
    }
    let help =
        "fix the failures above and run `mirage apply` again; it picks up where this one stopped";
    match report::message_format() {
        // The failed steps are above, the summary on standard output.
        report::Format::Human => {
            report::write_stderr(&format!("  help: {help}\n"));
            ExitCode::from(EXIT_FAILURE)
        }
        _ => fail(Failure::error(
            "mirage::apply::incomplete",
            format!("{verb} incomplete: {}", applied.summary),
            Some(help),
        )),
    }
}

/// Asks `prompt` on standard error; only `yes` confirms.
pub(super) fn confirm(prompt: &str) -> bool {
    report::write_stderr(prompt);
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}
