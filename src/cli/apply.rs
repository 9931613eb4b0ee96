//! `mirage apply [DIR | PLANFILE]`: show the plan, confirm, apply it in
//! batches, and report what was and was not done.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use super::plan::{Selection, prepare};
use super::report;
use super::{EXIT_FAILURE, EXIT_OK};
use crate::apply::{self, Progress};
use crate::plan::{self, Action, Plan};

/// Arguments of `mirage apply`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The project directory, or a plan saved with `mirage plan --out FILE`.
    #[arg(default_value = ".", value_name = "DIR|PLANFILE")]
    pub path: PathBuf,

    #[command(flatten)]
    pub selection: Selection,

    /// Apply without asking (required when not on a terminal).
    #[arg(long)]
    pub auto_approve: bool,

    /// Allow destroying resources Mirage owns when not asked interactively.
    #[arg(long)]
    pub allow_destroy: bool,
}

/// Run `mirage apply`.
pub fn run(args: Args) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            report::print_error(&format!("cannot start the async runtime: {error}"));
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    runtime.block_on(run_async(args))
}

async fn run_async(args: Args) -> ExitCode {
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
    let dir = saved.as_ref().map_or_else(|| args.path.clone(), |s| s.dir.clone());
    let Some((connection, plan)) = prepare(&dir, &args.selection).await else {
        return ExitCode::from(EXIT_FAILURE);
    };
    if let Some(saved) = &saved {
        if let Err(message) = check_saved(saved, &plan) {
            report::print_error(&message);
            return ExitCode::from(EXIT_FAILURE);
        }
    }
    report::write_stdout(&plan::render::text(&plan));
    if !plan.has_changes() {
        return ExitCode::from(EXIT_OK);
    }
    if let Err(message) = check_destroy(&plan, &args) {
        report::print_error(&message);
        return ExitCode::from(EXIT_FAILURE);
    }
    if !args.auto_approve && saved.is_none() {
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
    let progress = Progress::for_terminal();
    let result = apply::apply(&connection.client, &plan, &plan::env_secrets, &progress).await;
    progress.finish();
    let line = format!(
        "Apply {}: {}.\n",
        if result.succeeded() { "complete" } else { "incomplete" },
        result.summary()
    );
    report::write_stdout(&line);
    if result.succeeded() {
        ExitCode::from(EXIT_OK)
    } else {
        report::write_stderr("  help: fix the failures above and run `mirage apply` again; it picks up where this one stopped\n");
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

/// Protected resources are never destroyed; other destruction needs
/// `--allow-destroy` unless a person confirms on a terminal.
fn check_destroy(plan: &Plan, args: &Args) -> Result<(), String> {
    for environment in &plan.environments {
        let destroyed: Vec<&str> = environment
            .services
            .iter()
            .filter(|s| s.action == Action::Destroy)
            .map(|s| s.name.as_str())
            .collect();
        if environment.protected && !destroyed.is_empty() {
            return Err(format!(
                "environment `{}` is protected: refusing to destroy {}\n  help: remove `protect` from the environment first if this is intended",
                environment.name,
                destroyed.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    if plan.destroys() && !args.allow_destroy && !std::io::stdin().is_terminal() {
        return Err("the plan destroys resources\n  help: pass `--allow-destroy` to allow it when not on a terminal".into());
    }
    Ok(())
}

fn confirm(prompt: &str) -> bool {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim() == "yes"
}
