//! `mirage plan [DIR]`: read the project from Railway in one request, diff
//! it against the `.mirage` files and print what would change.

use std::path::PathBuf;
use std::process::ExitCode;

use super::context::{Reach, fail_as};
use super::report;
use super::{EXIT_FAILURE, EXIT_OK};
use crate::engine;
use crate::plan;

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

/// What to plan (shared by `plan`, `apply`, `import`). A name that the
/// project does not declare is a usage error (exit 2) with a suggestion.
#[derive(Debug, Clone, clap::Args)]
pub struct Selection {
    /// Only these environments (repeatable).
    #[arg(long = "env", short = 'e', value_name = "ENV")]
    pub envs: Vec<String>,

    /// Only these service instances, as `env/service` (repeatable).
    #[arg(long = "target", value_name = "ENV/SERVICE")]
    pub targets: Vec<String>,
}

impl Selection {
    /// The engine's selection.
    pub fn engine(&self) -> engine::Selection {
        engine::Selection {
            environments: self.envs.clone(),
            targets: self.targets.clone(),
        }
    }
}

/// Arguments of `mirage plan`.
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
        let format = if args.json {
            PlanFormat::Json
        } else {
            args.format
        };
        let context = args.reach.context();
        let selection = args.selection.engine();
        let prepared = engine::prepare(
            &context,
            &args.dir,
            &selection,
            engine::Lock::None,
            engine::Secrets::Read,
        )
        .await;
        let (plan, unowned) = match prepared {
            Ok(session) => {
                let unowned = engine::owns_nothing(&session, &selection.environments);
                (session.plan, unowned)
            }
            // A tool reading a JSON plan on standard output reads a JSON
            // failure there too.
            Err(failure) => {
                let messages = match (report::message_format_given(), format) {
                    (Some(given), _) => given,
                    (None, PlanFormat::Json) => report::Format::Json,
                    (None, _) => report::Format::Human,
                };
                return fail_as(messages, failure);
            }
        };
        let mut text = match format {
            PlanFormat::Text => plan::render::text(&plan),
            PlanFormat::Json => plan::render::json(&plan) + "\n",
            PlanFormat::Markdown => plan::render::markdown(&plan),
        };
        // Owning nothing where the project exists is not "Railway matches
        // the configuration": it is a state that does not know the
        // project (a fresh checkout, a CI runner without the shared state).
        if let Some(note) = &unowned {
            match format {
                PlanFormat::Text => {
                    text = text.replace(
                        "No changes. Railway matches the configuration.\n",
                        "No changes to make from this state.\n",
                    );
                    text.push_str(&format!("{note}\n"));
                }
                PlanFormat::Markdown => {
                    text = text.replace(
                        "**No changes.** Railway matches the configuration.\n\n",
                        "**No changes** to make from this state.\n\n",
                    );
                    text.push_str(&format!("\n> {note}\n"));
                }
                PlanFormat::Json => report::write_stderr(&format!("note: {note}\n")),
            }
        }
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
