//! `mirage preview up|down|list|gc`: pull-request previews from CI, with
//! no server. Parse, call the preview room ([`crate::preview`]), render.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::context::{Reach, fail, fail_as};
use super::report::{self, Format};
use super::{EXIT_FAILURE, EXIT_OK};
use crate::diagnostic::Diagnostic;
use crate::engine::Failure;
use crate::model::PullRequest;
use crate::preview::{self, UpRequest, render};

/// Examples shown after `mirage preview --help`.
pub const AFTER_HELP: &str = "\
Examples:
  mirage preview up --pr 123 --branch feat/x --sha 4f9a2c1 --format markdown
  mirage preview down --pr 123
  mirage preview list --json
  mirage preview gc --dry-run

A preview is the environment a template (an environment with
`ephemeral=#true`) makes for one pull request: `pr-123` by default. `up`
creates or updates it, extends its TTL and waits for its deployments;
`down` destroys it and nothing else; `gc` destroys expired previews and
the oldest beyond the template's `max_live`.";

/// Arguments of `mirage preview`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: PreviewCommand,
}

/// The `preview` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum PreviewCommand {
    /// Create or update a pull request's preview, wait for it, print its URLs.
    Up(UpArgs),
    /// Destroy a pull request's preview (nothing else).
    Down(DownArgs),
    /// List the previews: PR, branch, age, TTL left, status, URLs.
    List(ListArgs),
    /// Destroy expired previews and evict the oldest beyond `max_live`.
    Gc(GcArgs),
}

impl PreviewCommand {
    /// `--max-errors` and `--message-format`.
    pub fn limits(&self) -> report::Limits {
        match self {
            PreviewCommand::Up(args) => args.common.limits,
            PreviewCommand::Down(args) => args.common.limits,
            PreviewCommand::List(args) => args.common.limits,
            PreviewCommand::Gc(args) => args.common.limits,
        }
    }
}

/// What every `preview` subcommand takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// The project directory.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// Where Railway is: `--local` or `--endpoint`.
    #[command(flatten)]
    pub reach: Reach,

    /// How problems are printed: `--max-errors`, `--message-format`.
    #[command(flatten)]
    pub limits: report::Limits,
}

/// Output of `preview up`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum UpFormat {
    /// For people.
    #[default]
    Text,
    /// One JSON document.
    Json,
    /// The body of the pull request's comment.
    Markdown,
}

/// Arguments of `mirage preview up`.
#[derive(Debug, Clone, clap::Args)]
pub struct UpArgs {
    /// The pull request's number.
    #[arg(long, value_name = "NUMBER")]
    pub pr: String,

    /// Its head branch: what the preview's repo services deploy.
    #[arg(long, value_name = "BRANCH")]
    pub branch: String,

    /// Its head commit (7 to 40 hex digits): deployed, and shown as the
    /// last commit deployed.
    #[arg(long, value_name = "SHA")]
    pub sha: Option<String>,

    /// The pull request's repository (`owner/name`): only services built
    /// from it follow its branch. Without it, every repo service does.
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,

    /// The template to use, when the project has several.
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,

    /// How long to wait for the deployments to be healthy (`10m`, `90s`).
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub wait: String,

    /// Do not wait for the deployments.
    #[arg(long, conflicts_with = "wait")]
    pub no_wait: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = UpFormat::Text)]
    pub format: UpFormat,

    /// Wait up to this many seconds for another run's lock on the preview.
    #[arg(long, value_name = "SECONDS")]
    pub lock_timeout: Option<u64>,

    /// The project, Railway and the state.
    #[command(flatten)]
    pub common: Common,
}

/// Arguments of `mirage preview down`.
#[derive(Debug, Clone, clap::Args)]
pub struct DownArgs {
    /// The pull request's number.
    #[arg(long, value_name = "NUMBER")]
    pub pr: String,

    /// Only the preview of this template.
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,

    /// Print what was done as JSON.
    #[arg(long)]
    pub json: bool,

    /// Wait up to this many seconds for another run's lock on the preview.
    #[arg(long, value_name = "SECONDS")]
    pub lock_timeout: Option<u64>,

    /// The project, Railway and the state.
    #[command(flatten)]
    pub common: Common,
}

/// Arguments of `mirage preview list`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Print the previews as JSON.
    #[arg(long)]
    pub json: bool,

    /// The project, Railway and the state.
    #[command(flatten)]
    pub common: Common,
}

/// Arguments of `mirage preview gc`.
#[derive(Debug, Clone, clap::Args)]
pub struct GcArgs {
    /// Only say what would be destroyed.
    #[arg(long)]
    pub dry_run: bool,

    /// Print what was done as JSON.
    #[arg(long)]
    pub json: bool,

    /// Wait up to this many seconds for another run's lock on a preview.
    #[arg(long, value_name = "SECONDS")]
    pub lock_timeout: Option<u64>,

    /// The project, Railway and the state.
    #[command(flatten)]
    pub common: Common,
}

/// Run `mirage preview`.
pub fn run(args: Args) -> ExitCode {
    super::plan::block_on(async move {
        match args.command {
            PreviewCommand::Up(args) => up(args).await,
            PreviewCommand::Down(args) => down(args).await,
            PreviewCommand::List(args) => list(args).await,
            PreviewCommand::Gc(args) => gc(args).await,
        }
    })
}

/// A pull-request number from the command line.
fn number(text: &str) -> Result<u64, Failure> {
    let bad = |why: &str| {
        let shown: String = text.chars().flat_map(char::escape_debug).collect();
        Failure::usage(
            Diagnostic::general(
                "mirage::preview::bad_number",
                format!("`--pr {shown}` {why}"),
            )
            .with_help(
                "pass the pull request's number, e.g. `--pr 123` (`github.event.pull_request.number`)",
            ),
        )
    };
    match text.trim().parse::<u64>() {
        Ok(0) => Err(bad("is not a pull request: numbers start at 1")),
        Ok(number) if i64::try_from(number).is_ok() => Ok(number),
        Ok(_) => Err(bad("is too large")),
        Err(_) => Err(bad("is not a pull request number")),
    }
}

fn lock_wait(seconds: Option<u64>) -> Option<Duration> {
    seconds.map(Duration::from_secs)
}

fn print_json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => report::write_stdout(&format!("{text}\n")),
        Err(error) => report::write_stderr(&format!("error: cannot write JSON: {error}\n")),
    }
}

async fn up(args: UpArgs) -> ExitCode {
    let format = args.format;
    // Markdown is a comment's body: a failure is one too, on stdout, with
    // the diagnostics on stderr for the log.
    let failed = |number: u64, failure: Failure| -> ExitCode {
        match format {
            UpFormat::Markdown => {
                report::write_stdout(&render::markdown_failure(number, &failure));
                fail(failure)
            }
            UpFormat::Json => fail_as(Format::Json, failure),
            UpFormat::Text => fail(failure),
        }
    };
    let pr_number = match number(&args.pr) {
        Ok(number) => number,
        Err(failure) => return failed(0, failure),
    };
    let wait = if args.no_wait {
        None
    } else {
        match crate::resolve::value::parse_duration(args.wait.trim()) {
            Ok(seconds) => Some(Duration::from_secs(seconds)),
            Err(why) => {
                return failed(
                    pr_number,
                    Failure::usage(
                        Diagnostic::general(
                            "mirage::preview::bad_wait",
                            format!("`--wait`: {why}"),
                        )
                        .with_help("e.g. `--wait 10m`, or `--no-wait`"),
                    ),
                );
            }
        }
    };
    let request = UpRequest {
        pr: PullRequest {
            number: pr_number,
            branch: args.branch.clone(),
            sha: args.sha.clone(),
            repo: args.repo.clone(),
        },
        template: args.template.clone(),
        wait,
        poll: Duration::from_secs(2),
        lock_wait: lock_wait(args.lock_timeout),
    };
    let context = args.common.reach.context();
    let outcome = match preview::up(&context, &args.common.dir, &request).await {
        Ok(outcome) => outcome,
        Err(failure) => return failed(pr_number, failure),
    };
    let now = context.clock.now();
    match format {
        UpFormat::Text => report::write_stdout(&render::text_up(&outcome, now)),
        UpFormat::Json => print_json(&outcome),
        UpFormat::Markdown => report::write_stdout(&render::markdown(
            &outcome.preview,
            outcome.problem.as_ref(),
            now,
        )),
    }
    match &outcome.problem {
        None => ExitCode::from(EXIT_OK),
        Some(problem) => match format {
            UpFormat::Json => fail_as(Format::Json, problem.failure()),
            _ => fail(problem.failure()),
        },
    }
}

async fn down(args: DownArgs) -> ExitCode {
    let pr_number = match number(&args.pr) {
        Ok(number) => number,
        Err(failure) => return fail(failure),
    };
    let context = args.common.reach.context();
    let outcome = match preview::down(
        &context,
        &args.common.dir,
        pr_number,
        args.template.as_deref(),
        lock_wait(args.lock_timeout),
    )
    .await
    {
        Ok(outcome) => outcome,
        Err(failure) => return fail(failure),
    };
    if args.json {
        print_json(&outcome);
    } else {
        report::write_stdout(&render::text_down(&outcome));
    }
    if outcome.previews.iter().all(|h| h.fate.is_success()) {
        ExitCode::from(EXIT_OK)
    } else {
        ExitCode::from(EXIT_FAILURE)
    }
}

async fn list(args: ListArgs) -> ExitCode {
    let context = args.common.reach.context();
    match preview::list(&context, &args.common.dir).await {
        Ok(previews) => {
            if args.json {
                print_json(&previews);
            } else {
                report::write_stdout(&render::text_list(&previews, context.clock.now()));
            }
            ExitCode::from(EXIT_OK)
        }
        Err(failure) => fail(failure),
    }
}

async fn gc(args: GcArgs) -> ExitCode {
    let context = args.common.reach.context();
    match preview::gc(
        &context,
        &args.common.dir,
        args.dry_run,
        lock_wait(args.lock_timeout),
    )
    .await
    {
        Ok(outcome) => {
            if args.json {
                print_json(&outcome);
            } else {
                report::write_stdout(&render::text_gc(&outcome));
            }
            if outcome.collected.iter().all(|h| h.fate.is_success()) {
                ExitCode::from(EXIT_OK)
            } else {
                ExitCode::from(EXIT_FAILURE)
            }
        }
        Err(failure) => fail(failure),
    }
}
