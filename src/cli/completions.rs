//! `mirage completions SHELL` and `mirage man`: shell completion scripts
//! and manual pages, generated from the same clap definitions the parser
//! uses, so they never drift from the real flags.
//!
//! Both are rendered into memory first and written in one go: the
//! generators panic on a failed write, and a closed pipe must not make
//! `mirage man | head` crash.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, EXIT_FAILURE, EXIT_OK, report};

/// Shown by `mirage completions --help`.
pub const COMPLETIONS_HELP: &str = "\
Examples:
  mirage completions bash > ~/.local/share/bash-completion/completions/mirage
  mirage completions zsh > \"${fpath[1]}/_mirage\"
  mirage completions fish > ~/.config/fish/completions/mirage.fish
  mirage completions powershell >> $PROFILE";

/// Shown by `mirage man --help`.
pub const MAN_HELP: &str = "\
Examples:
  mirage man | man -l -                      read it now
  mirage man --out-dir /usr/local/share/man/man1   mirage.1, mirage-check.1, …";

/// Arguments of `mirage completions`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// Arguments of `mirage man`.
#[derive(Debug, Clone, clap::Args)]
pub struct ManArgs {
    /// Write one page per command (`mirage.1`, `mirage-check.1`, …) into
    /// this directory instead of printing `mirage.1`.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// Run `mirage completions`.
pub fn run(args: Args) -> ExitCode {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "mirage", &mut script);
    report::write_stdout_exact(&String::from_utf8_lossy(&script));
    ExitCode::from(EXIT_OK)
}

/// Run `mirage man`.
pub fn man(args: ManArgs) -> ExitCode {
    let command = Cli::command();
    if let Some(dir) = &args.out_dir {
        if let Err(code) = super::select::directory(dir) {
            return code;
        }
        return match clap_mangen::generate_to(command, dir) {
            Ok(()) => {
                report::write_stderr(&format!("wrote the manual pages to `{}`\n", dir.display()));
                ExitCode::from(EXIT_OK)
            }
            Err(error) => {
                report::print_error(&format!("cannot write to `{}`: {error}", dir.display()));
                ExitCode::from(EXIT_FAILURE)
            }
        };
    }
    let mut page = Vec::new();
    match clap_mangen::Man::new(command).render(&mut page) {
        Ok(()) => {
            report::write_stdout_exact(&String::from_utf8_lossy(&page));
            ExitCode::from(EXIT_OK)
        }
        Err(error) => {
            report::print_error(&format!("cannot render the manual page: {error}"));
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
