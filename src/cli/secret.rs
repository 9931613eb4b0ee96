//! `mirage secret set|get|list|rotate|history|rm|rekey`: Mirage's own
//! encrypted store of secrets in the state database. (Issue #21: being
//! written.)

use std::process::ExitCode;

/// Arguments of `mirage secret`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {}

/// Runs `mirage secret`.
pub fn run(_args: Args) -> ExitCode {
    eprintln!("error: `mirage secret` is not available yet");
    ExitCode::from(super::EXIT_USAGE)
}
