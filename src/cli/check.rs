//! `mirage check [DIR]`: parse and resolve a project, report every problem.

use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use super::report::{self, Format, Summary};
use super::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE, watch};
use crate::diagnostic::{SourceFile, SourceFiles};
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
    let analysis = resolve::load_dir(dir);
    let files = display_paths(&analysis.files);
    report::emit(format, &files, &analysis.diagnostics);
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

/// The same table with paths as a person would type them: `./main.mirage`
/// (how `load_dir(".")` names files) becomes `main.mirage`, which is also
/// the form GitHub expects in annotations. Ids are kept.
fn display_paths(files: &SourceFiles) -> SourceFiles {
    let mut out = SourceFiles::new();
    for (_, file) in files.iter() {
        let mut components = file.path.components().peekable();
        while components
            .next_if(|c| matches!(c, Component::CurDir))
            .is_some()
        {}
        let path: PathBuf = components.collect();
        let path = if path.as_os_str().is_empty() {
            file.path.clone()
        } else {
            path
        };
        out.add(SourceFile::new(path, file.text.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths_drop_a_leading_dot_and_keep_ids() {
        let mut files = SourceFiles::new();
        files.add(SourceFile::new("./main.mirage", "a"));
        files.add(SourceFile::new("infra/./x.mirage", "b"));
        files.add(SourceFile::new(".", ""));
        files.add(SourceFile::new("std/postgres.mirage", "c"));
        let shown = display_paths(&files);
        let paths: Vec<_> = shown.iter().map(|(_, f)| f.path.clone()).collect();
        assert_eq!(
            paths,
            ["main.mirage", "infra/x.mirage", ".", "std/postgres.mirage"].map(PathBuf::from)
        );
        assert_eq!(&*shown.get(crate::diagnostic::FileId(1)).text, "b");
    }
}
