//! `mirage login`, `mirage logout` and `mirage whoami`: the Railway token
//! kept in the OS keyring. (Issue #21: being written.)

use std::process::ExitCode;

/// Arguments of `mirage login`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoginArgs {}

/// Arguments of `mirage logout`.
#[derive(Debug, Clone, clap::Args)]
pub struct LogoutArgs {}

/// Arguments of `mirage whoami`.
#[derive(Debug, Clone, clap::Args)]
pub struct WhoamiArgs {}

/// Runs `mirage login`.
pub fn login(_args: LoginArgs) -> ExitCode {
    eprintln!("error: `mirage login` is not available yet");
    ExitCode::from(super::EXIT_USAGE)
}

/// Runs `mirage logout`.
pub fn logout(_args: LogoutArgs) -> ExitCode {
    eprintln!("error: `mirage logout` is not available yet");
    ExitCode::from(super::EXIT_USAGE)
}

/// Runs `mirage whoami`.
pub fn whoami(_args: WhoamiArgs) -> ExitCode {
    eprintln!("error: `mirage whoami` is not available yet");
    ExitCode::from(super::EXIT_USAGE)
}
