//! `mirage apply [DIR | PLANFILE]`: show the plan, confirm, apply it in
//! batches, and report what was and was not done.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use super::plan::{Selection, prepare_with};
use super::report;
use super::{EXIT_FAILURE, EXIT_OK};
use crate::apply::{self, Progress};
use crate::plan::{self, Action, Plan};
use crate::state;

/// Arguments of `mirage apply`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The project directory, or a plan saved with `mirage plan --out FILE`.
    #[arg(default_value = ".", value_name = "DIR|PLANFILE")]
    pub path: PathBuf,

    #[command(flatten)]
    pub selection: Selection,

    /// The Railway GraphQL endpoint; wins over `MIRAGE_RAILWAY_URL`. Point
    /// it at `mirage emulator` to use one.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

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
        report::print_error(&format!(
            "`{}` does not exist\n  help: pass the project's directory, or a plan saved with `mirage plan --out FILE`",
            args.path.display()
        ));
        return ExitCode::from(super::EXIT_USAGE);
    }
    let saved = if args.path.is_file() {
        match plan::saved::SavedPlan::read(&args.path) {
            Ok(saved) => Some(saved),
            Err(error) => {
                report::print_error(&error.to_string());
                return ExitCode::from(EXIT_FAILURE);
            }
        }
    } else {
        None
    };
    let dir = saved
        .as_ref()
        .map_or_else(|| args.path.clone(), |s| s.dir.clone());
    let prepared = match prepare_with(&dir, &args.selection, Some(args.lock_timeout), true).await {
        Ok(prepared) => prepared,
        Err(code) => return code,
    };
    let plan = prepared.plan;
    let connection = prepared.connection;
    let store = prepared.store;
    let locks = prepared.locks;
    let secrets = prepared.secrets;
    if let Some(saved) = &saved
        && let Err(message) = check_saved(saved, &plan)
    {
        report::print_error(&message);
        return ExitCode::from(EXIT_FAILURE);
    }
    super::plan::print_text(&plan::render::text(&plan));
    if let Err(error) = apply::record::record_known_ids(&store, &plan) {
        report::print_error(&format!("cannot record ownership: {error}"));
    }
    if !plan.has_changes() {
        // Nothing to write: what the files declare is on Railway, and is
        // Mirage's to manage from now on.
        if let Err(error) = apply::record::record_managed(&store, &plan, &state::Actor::current()) {
            report::print_error(&format!("cannot record ownership: {error}"));
        }
        return ExitCode::from(EXIT_OK);
    }
    if let Err(message) = check_destroy(&plan, &args) {
        report::print_error(&message);
        return ExitCode::from(EXIT_FAILURE);
    }
    // Time passes while a person reads the plan: then the environments are
    // re-read just before writing. Otherwise the plan's read is the check.
    let confirmed_at_prompt = !args.auto_approve && saved.is_none();
    if confirmed_at_prompt {
        if !std::io::stdin().is_terminal() {
            report::print_error(
                "not applying without confirmation\n  help: standard input is not a terminal; pass `--auto-approve` (or apply a saved plan)",
            );
            return ExitCode::from(EXIT_FAILURE);
        }
        if !confirm("Apply these changes? Only `yes` is accepted: ") {
            report::write_stderr("Apply cancelled.\n");
            return ExitCode::from(EXIT_FAILURE);
        }
    }
    let code = execute(
        &connection.client,
        &store,
        &plan,
        &secrets,
        confirmed_at_prompt,
        "Apply",
    )
    .await;
    for guard in locks {
        let _ = guard.release();
    }
    code
}

/// Applies a plan (its environments already locked), records ownership
/// and history, and prints the summary (`{verb} complete: …`, in the
/// plan's units). Shared with `destroy`. With `recheck`, every
/// environment's `configEtag` is read again first (see
/// [`apply::apply_rechecked`]).
pub async fn execute(
    client: &crate::railway::Client,
    store: &state::Store,
    plan: &Plan,
    secrets: &plan::secrets::Resolved,
    recheck: bool,
    verb: &str,
) -> ExitCode {
    let actor = state::Actor::current();
    let environments: Vec<String> = plan
        .environments
        .iter()
        .filter(|e| {
            e.action != Action::None
                || !e.shared.is_empty()
                || e.services.iter().any(|s| s.action != Action::None)
        })
        .map(|e| e.name.clone())
        .collect();
    // The plan goes into the history as its JSON: sensitive values are
    // only their source there.
    let plan_json = serde_json::to_value(plan).unwrap_or_default();
    let apply_id = store
        .begin_apply(&state::NewApply {
            project: &plan.project,
            environments: &environments,
            actor: &actor,
            plan: &plan_json,
        })
        .map_err(|error| report::print_error(&format!("cannot record the apply: {error}")))
        .ok();
    // Intent first: a process killed after Railway created something but
    // before it heard back must not leave an orphan.
    if let Err(error) = apply::record::record_intent(store, plan, &actor) {
        report::print_error(&format!("cannot record ownership: {error}"));
        return ExitCode::from(EXIT_FAILURE);
    }
    let progress = Progress::for_terminal();
    let requests_before = client.requests_sent();
    let lookup = |secret: &crate::model::SecretRef| secrets.get(secret);
    let result = if recheck {
        apply::apply_rechecked(client, plan, &lookup, &progress).await
    } else {
        apply::apply(client, plan, &lookup, &progress).await
    };
    progress.finish();
    let requests = client.requests_sent().saturating_sub(requests_before);
    // In the plan's units, so that it reads against "Plan: 3 to create…".
    let summary = result.outcome(plan).line(Some(requests));
    if let Err(error) = apply::record::record_outcome(store, plan, &result, &actor) {
        report::print_error(&format!("cannot record ownership: {error}"));
    }
    if let Some(id) = apply_id {
        let outcome = if result.succeeded() {
            state::ApplyResult::Succeeded
        } else if result.steps.iter().any(|(_, s)| *s == apply::Status::Done) {
            state::ApplyResult::Partial
        } else {
            state::ApplyResult::Failed
        };
        if let Err(error) = store.finish_apply(id, outcome, &summary) {
            report::print_error(&format!("cannot record the apply's result: {error}"));
        }
    }

    let line = format!(
        "{verb} {}: {summary}.\n",
        if result.succeeded() {
            "complete"
        } else {
            "incomplete"
        }
    );
    report::write_stdout(&line);
    if result.succeeded() {
        ExitCode::from(EXIT_OK)
    } else {
        report::write_stderr(
            "  help: fix the failures above and run `mirage apply` again; it picks up where this one stopped\n",
        );
        ExitCode::from(EXIT_FAILURE)
    }
}

/// A saved plan applies only if Railway and the files are as they were.
fn check_saved(saved: &plan::saved::SavedPlan, now: &Plan) -> Result<(), String> {
    let stale = saved.stale_environments(now);
    if !stale.is_empty() {
        let names: Vec<String> = stale.iter().map(|(n, _, _)| format!("`{n}`")).collect();
        return Err(format!(
            "the saved plan is stale: environment {} changed on Railway since it was made (its `configEtag` differs)\n  help: run `mirage plan --out FILE` again and review the new plan",
            names.join(", ")
        ));
    }
    if plan::saved::fingerprint(now) != saved.fingerprint {
        return Err("the saved plan no longer matches the `.mirage` files (they changed since it was made)\n  help: run `mirage plan --out FILE` again and review the new plan".into());
    }
    Ok(())
}

/// Protected resources are never destroyed; other destruction (services,
/// volumes, and variables or custom domains Mirage owns) needs
/// `--allow-destroy` unless a person confirms on a terminal.
fn check_destroy(plan: &Plan, args: &Args) -> Result<(), String> {
    let refusals = plan.protection_violations();
    if !refusals.is_empty() {
        return Err(format!(
            "{}\n  help: remove `protect` from the files first if this is intended",
            refusals.join("\n")
        ));
    }
    if plan.destroys() && !args.allow_destroy && !std::io::stdin().is_terminal() {
        return Err("the plan destroys resources (a replacement destroys, then creates; removing a variable or domain Mirage manages destroys it)\n  help: pass `--allow-destroy` to allow it when not on a terminal".into());
    }
    Ok(())
}

fn confirm(prompt: &str) -> bool {
    report::write_stderr(prompt);
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}
