//! `mirage clone` (being written this session; see `src/adopt/clone.rs`).

use std::process::ExitCode;

/// Arguments of `mirage clone`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {}

/// Run `mirage clone`.
pub fn run(_args: Args) -> ExitCode {
    eprintln!("error: `mirage clone` is not written yet");
    ExitCode::from(super::EXIT_USAGE)
}
