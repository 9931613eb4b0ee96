//! `mirage export` (being written this session; see `src/adopt/export.rs`).

use std::process::ExitCode;

/// Arguments of `mirage export`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {}

/// Run `mirage export`.
pub fn run(_args: Args) -> ExitCode {
    eprintln!("error: `mirage export` is not written yet");
    ExitCode::from(super::EXIT_USAGE)
}
