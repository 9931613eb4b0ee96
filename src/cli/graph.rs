//! `mirage graph`: placeholder until the language room's command lands
//! (the lead takes that room's file at merge).

use std::process::ExitCode;

/// Arguments of `mirage graph` (placeholder).
#[derive(Debug, Clone, clap::Args)]
pub struct Args {}

/// Run `mirage graph` (placeholder).
pub fn run(args: Args) -> ExitCode {
    let _ = args;
    super::report::print_error("`mirage graph` is not available yet");
    ExitCode::from(super::EXIT_FAILURE)
}
