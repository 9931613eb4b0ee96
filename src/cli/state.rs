//! `mirage state`: what Mirage owns on Railway (with the Railway IDs), the
//! locks held, and breaking a stale lock.
//!
//! Exit codes: 0 success, 1 when the database cannot be read or a lock
//! cannot be broken safely, 2 for usage errors (nothing matches `show`).

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `mirage state`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The state database (default: `.mirage/state.db` in `--dir`).
    #[arg(long, global = true, env = "MIRAGE_STATE", value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// The project directory whose `.mirage/state.db` to use.
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: StateCommand,
}

/// The subcommands of `mirage state`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum StateCommand {
    /// List every resource Mirage owns, with its Railway ID, and the locks
    /// held.
    List,
    /// Show one environment (`ENV`), one service (`ENV/SERVICE`) or one
    /// resource by Railway ID.
    Show {
        /// `ENV`, `ENV/SERVICE` or a Railway ID.
        #[arg(value_name = "TARGET")]
        target: String,
    },
    /// Release the lock of an environment whose holder is gone.
    Unlock {
        /// The environment name.
        #[arg(value_name = "ENV")]
        env: String,
        /// The project, when the database knows several.
        #[arg(long, value_name = "PROJECT")]
        project: Option<String>,
        /// Break the lock even if its holder may still be running.
        #[arg(long)]
        force: bool,
    },
}

/// Run `mirage state`.
pub fn run(args: Args) -> ExitCode {
    todo!()
}
