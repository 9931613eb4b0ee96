//! `mirage apply [DIR | PLANFILE]`: show the plan, confirm, apply it in
//! batches, and report what was and was not done. The work is the
//! engine's; this file parses, asks and prints.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use super::context::{Reach, fail};
use super::plan::Selection;
use super::report;
use super::{EXIT_FAILURE, EXIT_OK};
use crate::diagnostic::Diagnostic;
use crate::engine::{self, ApplyOptions, Failure, Lock, Secrets};
use crate::observe::status;
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

    /// After applying, wait (up to DURATION, `10m` by default) for the
    /// deployments of the services the plan changed, and report their
    /// outcome: exit 1 when one fails or the time passes.
    #[arg(long, value_name = "DURATION", num_args = 0..=1, require_equals = true,
          default_missing_value = "10m", value_parser = super::status::duration)]
    pub wait: Option<std::time::Duration>,
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
    finish_waiting(&context, session, &plan, options, "Apply", args.wait).await
}

/// Applies `plan` through the engine, prints the summary (`{verb}
/// complete: …`, in the plan's units) and releases the session's locks.
/// Shared with `destroy`.
pub async fn finish(
    context: &engine::Context,
    session: engine::Session,
    plan: &plan::Plan,
    options: ApplyOptions,
    verb: &str,
) -> ExitCode {
    finish_waiting(context, session, plan, options, verb, None).await
}

/// [`finish`], then — with `wait` — a wait for the deployments of the
/// services `plan` created, changed or replaced (`apply --wait`).
async fn finish_waiting(
    context: &engine::Context,
    mut session: engine::Session,
    plan: &plan::Plan,
    options: ApplyOptions,
    verb: &str,
    wait: Option<std::time::Duration>,
) -> ExitCode {
    // The deployments the apply will replace, read before it writes, so
    // the wait tells the new ones from the old (one request).
    let superseded = match wait {
        Some(_) => current_deployments(&session, plan).await,
        None => BTreeMap::new(),
    };
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
        return match wait {
            Some(timeout) => wait_for_deployments(&session, plan, timeout, superseded).await,
            None => ExitCode::from(EXIT_OK),
        };
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

/// The services `plan` creates, changes or replaces, as `(environment,
/// service)`: those the apply deployed.
pub fn changed_services(plan: &plan::Plan) -> BTreeSet<(String, String)> {
    plan.environments
        .iter()
        .flat_map(|e| e.services.iter().map(move |s| (e, s)))
        .filter(|(_, s)| !matches!(s.action, plan::Action::None | plan::Action::Destroy))
        .map(|(e, s)| (e.name.clone(), s.name.clone()))
        .collect()
}

/// The latest deployment of each service `plan` changes, before the
/// apply (empty when it cannot be read: the wait then takes what it
/// finds, as it would without).
async fn current_deployments(
    session: &engine::Session,
    plan: &plan::Plan,
) -> BTreeMap<(String, String), String> {
    let changed = changed_services(plan);
    let Ok(scope) = status::scope_of(&session.model, &plan.project, &session.store) else {
        return BTreeMap::new();
    };
    if changed.is_empty() || scope.project_id.is_none() {
        return BTreeMap::new();
    }
    let request = status::Request {
        environments: Vec::new(),
        only: Some(changed),
        details: false,
    };
    let now = crate::state::Timestamp::now().0;
    let Ok(report) = status::read(&session.connection.client, &scope, &request, now).await else {
        return BTreeMap::new();
    };
    report
        .services()
        .filter_map(|(e, s)| {
            let id = s.deployment.as_ref()?.id.clone();
            Some(((e.name.clone(), s.name.clone()), id))
        })
        .collect()
}

/// `apply --wait`: waits until the deployments of the services `plan`
/// changed are final, printing each change on standard error and their
/// status on standard output; exit 1 when one failed or `timeout` passed.
async fn wait_for_deployments(
    session: &engine::Session,
    plan: &plan::Plan,
    timeout: std::time::Duration,
    superseded: BTreeMap<(String, String), String>,
) -> ExitCode {
    let changed = changed_services(plan);
    if changed.is_empty() {
        return ExitCode::from(EXIT_OK);
    }
    let scope = match status::scope_of(&session.model, &plan.project, &session.store) {
        Ok(scope) => scope,
        Err(failure) => return fail(failure),
    };
    let request = status::Request {
        environments: Vec::new(),
        only: Some(changed),
        details: true,
    };
    let options = status::WaitOptions {
        superseded,
        ..status::WaitOptions::until_final(Some(timeout), std::time::Duration::from_secs(2))
    };
    report::write_stderr(&format!(
        "Waiting up to {} for the deployments of {}.\n",
        crate::preview::render::duration(timeout.as_secs()),
        request
            .only
            .iter()
            .flatten()
            .map(|(e, s)| format!("`{e}/{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let outcome = status::until_healthy(
        &session.connection.client,
        &scope,
        &request,
        options,
        |event| {
            if let status::WaitEvent::Changed {
                environment,
                service,
                from: Some(from),
                to,
                ..
            } = event
            {
                report::write_stderr(&format!("{environment}/{service}: {from} → {to}\n"));
            }
        },
    )
    .await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(failure) => return fail(failure),
    };
    super::status::print_report(outcome.report(), false);
    match outcome {
        status::WaitOutcome::Healthy(_) => ExitCode::from(EXIT_OK),
        status::WaitOutcome::Failed(report) => fail(Failure::error(
            "mirage::observe::deploy_failed",
            format!(
                "the apply's deployments are not healthy: {}",
                report.failed().join(", ")
            ),
            Some(
                "read what failed above (`mirage status` shows it again), fix it, then apply again",
            ),
        )),
        status::WaitOutcome::TimedOut { waiting, .. } => fail(Failure::error(
            "mirage::observe::wait_timeout",
            format!(
                "the apply's deployments were not final after {}: still waiting for {}",
                crate::preview::render::duration(timeout.as_secs()),
                waiting.join(", ")
            ),
            Some(
                "the deployments go on: follow them with `mirage status --watch`, or wait longer with `--wait=20m`",
            ),
        )),
    }
}

/// Asks `prompt` on standard error; only `yes` confirms.
pub(super) fn confirm(prompt: &str) -> bool {
    report::write_stderr(prompt);
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}
