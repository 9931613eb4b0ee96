//! `mirage migrate` (being written this session; see `src/adopt/migrate.rs`).

use std::process::ExitCode;

/// Arguments of `mirage migrate`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {}

/// Run `mirage migrate`.
pub fn run(_args: Args) -> ExitCode {
    eprintln!("error: `mirage migrate` is not written yet");
    ExitCode::from(super::EXIT_USAGE)
}
