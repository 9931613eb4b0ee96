//! `mirage fmt [PATH…] [--check]`: format `.mirage` files in place.
//!
//! Only files whose text changes are written, atomically (a temporary file
//! beside the original, the original's permissions, then a rename), so an
//! interrupted run never leaves a half-written file and editors see one
//! change. Files with syntax errors are reported and never rewritten.
//! Files are read with the library's bounded reader: a FIFO, a device or a
//! file over the size limit named `*.mirage` is reported, never opened or
//! read whole.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use similar::TextDiff;

use super::report;
use super::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE};
use crate::diagnostic::{Diagnostic, FileId, SourceFile, SourceFiles};
use crate::resolve::{self, Input};
use crate::syntax;

/// Examples shown by `mirage fmt --help`.
pub const AFTER_HELP: &str = "\
Examples:
  mirage fmt                    format every .mirage file under the current directory
  mirage fmt infra/main.mirage  one file
  mirage fmt --check            CI: list files that would change, with a diff

Directories are searched recursively, skipping hidden directories, `target`
and `node_modules`; links are not followed. A FIFO, device or file over 8 MiB
named *.mirage is reported, never read.
Exit codes: 0 formatted (or nothing to do), 1 syntax errors or, with --check,
files that would change, 2 usage error.";

/// Arguments of `mirage fmt`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Files and directories to format.
    #[arg(default_value = ".", value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Write nothing; list the files that would change with a diff, and exit
    /// 1 if there are any.
    #[arg(long)]
    pub check: bool,

    /// How problems are printed: `--max-errors`, `--message-format`.
    #[command(flatten)]
    pub limits: report::Limits,
}

/// What happened to one file.
enum Outcome {
    Unchanged,
    Changed,
    Failed,
}

/// Run `mirage fmt`.
pub fn run(args: Args) -> ExitCode {
    let files = match collect(&args.paths) {
        Ok(files) => files,
        Err(message) => {
            report::print_error(&message);
            return ExitCode::from(EXIT_USAGE);
        }
    };

    let mut sources = SourceFiles::new();
    let mut diagnostics = Vec::new();
    let (mut changed, mut unchanged, mut failed) = (0usize, 0usize, 0usize);
    for path in &files {
        match format_file(path, args.check, &mut sources, &mut diagnostics) {
            Outcome::Unchanged => unchanged += 1,
            Outcome::Changed => changed += 1,
            Outcome::Failed => failed += 1,
        }
    }
    if !diagnostics.is_empty() {
        report::print_diagnostics(&sources, &diagnostics);
    }

    let files_word = |n: usize| if n == 1 { "file" } else { "files" };
    let verb = if args.check {
        "would be reformatted"
    } else {
        "reformatted"
    };
    let mut summary = format!(
        "{changed} {} {verb}, {unchanged} {} already formatted",
        files_word(changed),
        files_word(unchanged)
    );
    if failed > 0 {
        summary.push_str(&format!(", {failed} {} with errors", files_word(failed)));
    }
    report::write_stderr(&format!("{summary}\n"));

    let dirty = args.check && changed > 0;
    ExitCode::from(if failed > 0 || dirty {
        EXIT_FAILURE
    } else {
        EXIT_OK
    })
}

fn format_file(
    path: &Path,
    check: bool,
    sources: &mut SourceFiles,
    diagnostics: &mut Vec<Diagnostic>,
) -> Outcome {
    // Diagnostics point at the id the file gets if it is added; the table
    // only matters when there are errors.
    let id = FileId(sources.len() as u32);
    let input = resolve::read_input(path.to_path_buf());
    if let Some(problem) = input.problem(id) {
        let added = sources.add(SourceFile::new(path, input.shown_text()));
        debug_assert_eq!(added, id);
        diagnostics.push(problem);
        return Outcome::Failed;
    }
    let Input::Text(_, text) = input else {
        return Outcome::Failed;
    };
    match syntax::format_file(id, &text) {
        Ok(formatted) if formatted == text => Outcome::Unchanged,
        Ok(formatted) => {
            if check {
                let name = path.display().to_string();
                let diff = TextDiff::from_lines(text.as_str(), formatted.as_str())
                    .unified_diff()
                    .context_radius(3)
                    .header(&name, &name)
                    .to_string();
                report::write_stdout(&format!("would reformat `{name}`\n{diff}"));
                Outcome::Changed
            } else {
                match write_atomically(path, &formatted) {
                    Ok(()) => Outcome::Changed,
                    Err(error) => {
                        report::print_error(&format!("cannot write `{}`: {error}", path.display()));
                        Outcome::Failed
                    }
                }
            }
        }
        Err(errors) => {
            let added = sources.add(SourceFile::new(path, text));
            debug_assert_eq!(added, id);
            diagnostics.extend(errors);
            Outcome::Failed
        }
    }
}

/// Replace `path` with `text` through a temporary file in the same
/// directory (a rename is atomic only within one filesystem), keeping the
/// original's permissions.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let permissions = fs::metadata(path)?.permissions();
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.fmt-tmp", std::process::id()));
    let result = fs::write(&temp, text)
        .and_then(|()| fs::set_permissions(&temp, permissions))
        .and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Every file to format, sorted and without duplicates.
fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        let meta = fs::metadata(path).map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => format!("`{}` does not exist", path.display()),
            _ => format!("cannot read `{}`: {error}", path.display()),
        })?;
        if meta.is_dir() {
            walk(path, &mut files).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            if !(name.starts_with('.') || name == "target" || name == "node_modules") {
                walk(&path, files)?;
            }
        } else if !kind.is_symlink() && path.extension().is_some_and(|x| x == "mirage") {
            // Links are not followed (a formatted file is written in place);
            // a FIFO or device is listed so that reading it reports it.
            files.push(
                path.strip_prefix("./")
                    .map(Path::to_path_buf)
                    .unwrap_or(path),
            );
        }
    }
    Ok(())
}
