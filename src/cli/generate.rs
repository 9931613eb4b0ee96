//! `mirage import --generate` (being written this session; see
//! `src/adopt/generate.rs`).

use std::process::ExitCode;

/// Run `mirage import --generate`.
pub fn run(_args: super::import::Args) -> ExitCode {
    eprintln!("error: `mirage import --generate` is not written yet");
    ExitCode::from(super::EXIT_USAGE)
}
