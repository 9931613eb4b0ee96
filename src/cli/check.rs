//! `mirage check [DIR]`: parse and resolve a project, report every problem.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::report::{self, Format, Summary};
use super::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE, watch};
use crate::resolve;

/// Examples shown by `mirage check --help`.
pub const AFTER_HELP: &str = "\
Examples:
  mirage check                         the project in the current directory
  mirage check examples/saas           another directory
  mirage check --format json | jq .    machine-readable (see docs/cli.md)
  mirage check --format github         annotations in GitHub Actions
  mirage check --watch                 re-check whenever a .mirage file is saved

Exit codes: 0 no errors (warnings allowed), 1 errors, 2 usage error.";

/// Arguments of `mirage check`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The project directory: every `*.mirage` file directly inside it.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Keep running and check again whenever a `.mirage` file changes.
    #[arg(long)]
    pub watch: bool,
}

/// Run `mirage check`.
pub fn run(args: Args) -> ExitCode {
    if let Err(message) = validate_dir(&args.dir) {
        report::print_error(&message);
        return ExitCode::from(EXIT_USAGE);
    }
    if args.watch {
        return watch::watch(&args.dir, || {
            let summary = check_once(&args.dir, args.format);
            let status = match summary.line() {
                Some(line) => line,
                None => "no problems found".to_string(),
            };
            report::write_stderr(&format!(
                "[watch] {status}; watching `{}` for changes (ctrl-c to stop)\n",
                args.dir.display()
            ));
        });
    }
    let summary = check_once(&args.dir, args.format);
    ExitCode::from(if summary.errors > 0 {
        EXIT_FAILURE
    } else {
        EXIT_OK
    })
}

/// Check the project once, print its diagnostics, and count them.
pub fn check_once(dir: &Path, format: Format) -> Summary {
    if !has_mirage_files(dir) {
        let message = format!("no `.mirage` files in `{}`", dir.display());
        match format {
            Format::Human => {
                report::print_error(&message);
                report::write_stderr(
                    "  help: create one, e.g. `main.mirage` with a `project \"name\"` node\n",
                );
            }
            Format::Json => report::write_stdout(&format!(
                "{}\n",
                serde_json::json!({
                    "version": report::json::VERSION,
                    "diagnostics": [],
                    "summary": { "errors": 1, "warnings": 0, "files": 0 },
                    "error": message,
                })
            )),
            Format::Github => report::write_stdout(&format!(
                "::error title=mirage%3A%3Acli%3A%3Ano_files::{}\n",
                report::github::escape_data(&message)
            )),
        }
        return Summary {
            errors: 1,
            warnings: 0,
        };
    }
    let analysis = resolve::load_dir(dir);
    report::emit(format, &analysis.files, &analysis.diagnostics);
    Summary::of(&analysis.diagnostics)
}

/// A clear message when DIR cannot be a project.
fn validate_dir(dir: &Path) -> Result<(), String> {
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(format!(
            "`{}` is not a directory\n  help: pass the directory that holds the project's `.mirage` files",
            dir.display()
        )),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Err(format!("directory `{}` does not exist", dir.display()))
        }
        Err(error) => Err(format!("cannot read `{}`: {error}", dir.display())),
    }
}

/// Whether `dir` directly holds at least one `*.mirage` file.
fn has_mirage_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "mirage") && e.path().is_file())
    })
}
