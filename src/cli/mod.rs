//! Command-line interface: argument parsing, output formats, exit codes.
//!
//! Each command lives in its own file with a `#[derive(clap::Args)] pub
//! struct Args` and a `pub fn run(Args) -> ExitCode`; this file only wires
//! them together. Exit codes are the same for every command: 0 when all is
//! well, 1 when the input has errors (or `fmt --check` finds work to do), 2
//! for usage errors (clap's own, and paths that do not exist).

pub mod apply;
pub mod audit;
pub mod check;
pub mod clone;
pub mod comment;
pub mod completions;
pub mod config;
pub mod context;
pub mod destroy;
pub mod discover;
pub mod emulator;
pub mod explain;
pub mod export;
pub mod fmt;
pub mod generate;
pub mod graph;
pub mod import;
pub mod init;
pub mod login;
pub mod logs;
pub mod migrate;
pub mod plan;
pub mod preview;
pub mod progress;
pub mod projects;
pub mod report;
pub mod secret;
pub mod select;
pub mod serve;
pub mod serve_config;
pub mod state;
pub mod status;
mod watch;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit code for success.
pub const EXIT_OK: u8 = 0;
/// Exit code when the input has errors or a check failed.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for usage errors (bad flags, missing paths), as clap uses.
pub const EXIT_USAGE: u8 = 2;

const AFTER_HELP: &str = "\
Examples:
  mirage check                        check the project in the current directory
  mirage check infra --format github  annotate a pull request from GitHub Actions
  mirage check --watch                re-check on every save
  mirage fmt --check                  list files that are not formatted (CI)
  mirage config --env production --service api --explain

Exit codes: 0 success, 1 errors found, 2 usage error. A closed pipe
(`mirage … | head`) is not an error: output stops, the command finishes.
Colour follows --color, then NO_COLOR, then whether the output is a terminal.";

/// The version `--version` prints: the crate's, with the commit it was
/// built from when the build could ask git (see `build.rs`).
pub const VERSION: &str = env!("MIRAGE_VERSION");

/// Mirage: infrastructure as code for Railway.
#[derive(Debug, Parser)]
#[command(name = "mirage", version = VERSION, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// When to use colours in output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Every `mirage` command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and resolve a project and report every problem.
    #[command(after_help = check::AFTER_HELP)]
    Check(check::Args),
    /// Format `.mirage` files in place (or list unformatted ones with `--check`).
    #[command(after_help = fmt::AFTER_HELP)]
    Fmt(fmt::Args),
    /// Show the effective configuration of a service in an environment.
    Config(config::Args),
    /// Show the dependency graph of a project's services.
    Graph(graph::Args),
    /// Run a local Railway emulator (same GraphQL API) until Ctrl-C.
    Emulator(emulator::Args),
    /// Show what would change on Railway (one read, no writes).
    Plan(plan::Args),
    /// Apply the plan to Railway (or a saved plan file).
    Apply(apply::Args),
    /// Remove what Mirage owns in an environment (nothing else).
    Destroy(destroy::Args),
    /// Show what runs in each environment, failures explained; `--watch`,
    /// `--until-healthy`.
    Status(status::Args),
    /// Show what Mirage owns on Railway, its locks; break a stale lock.
    State(state::Args),
    /// Pull-request previews: `up`, `down`, `list`, `gc`.
    #[command(after_help = preview::AFTER_HELP)]
    Preview(preview::Args),
    /// Receive GitHub and Railway webhooks and run preview jobs (a service).
    #[command(after_help = serve::AFTER_HELP)]
    // Boxed: its flags (sign-in, metrics) make it the largest variant.
    Serve(Box<serve::Args>),
    /// Logs of an environment's services merged in time order; `--follow`.
    #[command(after_help = logs::AFTER_HELP)]
    Logs(logs::Args),
    /// Read `mirage serve`'s audit log from the state database.
    #[command(after_help = audit::AFTER_HELP)]
    Audit(audit::Args),
    /// Record what already exists on Railway and the files declare as
    /// Mirage's, so the next plan manages it.
    Import(import::Args),
    /// Convert `railway.json` / `railway.toml` files into `.mirage` service
    /// blocks, with a report of what cannot be said.
    Migrate(migrate::Args),
    /// Copy an environment (services, settings, variables) into the files
    /// as a new environment.
    #[command(after_help = clone::AFTER_HELP)]
    Clone(clone::Args),
    /// Write an environment as a reusable template for previews and the
    /// dashboard's wizard.
    #[command(after_help = export::AFTER_HELP)]
    Export(export::Args),
    /// Keep secrets in Mirage's encrypted store (`store:NAME` references).
    Secret(secret::Args),
    /// Sign in to Railway: keep a token in the OS keyring.
    Login(login::LoginArgs),
    /// Forget the Railway token `mirage login` kept.
    Logout(login::LogoutArgs),
    /// Show which Railway account or token Mirage acts as, and why.
    Whoami(login::WhoamiArgs),
    /// List the deployable services of a repository (workspaces, Dockerfiles).
    #[command(after_help = discover::AFTER_HELP)]
    Discover(discover::Args),
    /// Write the first `.mirage` files from what `discover` finds.
    #[command(after_help = init::AFTER_HELP)]
    Init(init::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = completions::COMPLETIONS_HELP)]
    Completions(completions::Args),
    /// Print the manual page (roff), or write one per command with `--out-dir`.
    #[command(after_help = completions::MAN_HELP)]
    Man(completions::ManArgs),
    /// Explain a diagnostic code (`mirage explain state::locked`).
    Explain(explain::Args),
    /// Create or edit the one comment of a pull request for a key, from CI
    /// (`mirage plan --format markdown | mirage comment --key plan`).
    #[command(after_help = comment::AFTER_HELP)]
    Comment(comment::Args),
    /// List the projects the token can see, with their environments and
    /// services (read-only).
    #[command(after_help = projects::PROJECTS_HELP)]
    Projects(projects::ProjectsArgs),
    /// Show one project's environments and services with their status
    /// (read-only; without PROJECT, the projects).
    #[command(after_help = projects::LS_HELP)]
    Ls(projects::LsArgs),
}

impl Command {
    /// `--max-errors` and `--message-format` of the commands that print
    /// diagnostics.
    fn limits(&self) -> Option<report::Limits> {
        let limits = match self {
            Command::Check(args) => args.limits,
            Command::Fmt(args) => args.limits,
            Command::Config(args) => args.limits,
            Command::Graph(args) => args.limits,
            Command::Plan(args) => args.limits,
            Command::Apply(args) => args.limits,
            Command::Destroy(args) => args.limits,
            Command::Import(args) => args.limits,
            Command::Preview(args) => args.command.limits(),
            _ => return None,
        };
        Some(limits)
    }
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    /// Colour when standard error is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    /// Always colour, even into a pipe or file.
    Always,
    /// Never colour.
    Never,
}

/// Run the CLI with the process arguments; returns the exit code.
pub fn main() -> ExitCode {
    // A panic's message is redacted of every secret read so far.
    crate::secrets::redact::install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help/version to stdout with exit 0, and usage
            // errors to stderr with exit 2.
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_OK
            });
        }
    };
    report::set_color(cli.color);
    if let Some(limits) = cli.command.limits() {
        report::set_max_errors(limits.max_errors);
        if let Some(format) = limits.message_format {
            report::set_message_format(format);
        }
    }
    run(cli.command)
}

/// Run one parsed command.
pub fn run(command: Command) -> ExitCode {
    match command {
        Command::Check(args) => check::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Config(args) => config::run(args),
        Command::Graph(args) => graph::run(args),
        Command::Emulator(args) => emulator::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Apply(args) => apply::run(args),
        Command::Destroy(args) => destroy::run(args),
        Command::Status(args) => status::run(args),
        Command::State(args) => state::run(args),
        Command::Serve(args) => serve::run(*args),
        Command::Audit(args) => audit::run(args),
        Command::Logs(args) => logs::run(args),
        Command::Import(args) => import::run(args),
        Command::Migrate(args) => migrate::run(args),
        Command::Clone(args) => clone::run(args),
        Command::Export(args) => export::run(args),
        Command::Secret(args) => secret::run(args),
        Command::Login(args) => login::login(args),
        Command::Logout(args) => login::logout(args),
        Command::Whoami(args) => login::whoami(args),
        Command::Preview(args) => preview::run(args),
        Command::Discover(args) => discover::run(args),
        Command::Init(args) => init::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => completions::man(args),
        Command::Explain(args) => explain::run(args),
        Command::Comment(args) => comment::run(args),
        Command::Projects(args) => projects::projects(args),
        Command::Ls(args) => projects::ls(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
