//! `mirage check [DIR]`: parse and resolve a project, report every problem.

use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use super::report::{self, Format, Summary};
use super::{EXIT_FAILURE, EXIT_OK, select, watch};
use crate::diagnostic::{Diagnostic, SourceFile, SourceFiles};
use crate::discover::image_check;
use crate::discover::registry::{Credentials, Registry};
use crate::resolve;

/// Examples shown by `mirage check --help`.
pub const AFTER_HELP: &str = "\
Examples:
  mirage check                         the project in the current directory
  mirage check examples/saas           another directory
  mirage check --format json | jq .    machine-readable (see docs/cli.md)
  mirage check --format github         annotations in GitHub Actions
  mirage check --watch                 re-check whenever a .mirage file is saved
  mirage check --registry              also ask registries whether each image exists

Only regular files inside DIR (links resolved), at most 8 MiB each, are read;
imports must stay inside DIR and name .mirage files (docs/language.md).

Besides the language, `check` applies Railway's own rules (mirage::rules::*:
a custom domain attached once, one replica with a volume, volume sizes of the
project's `plan`, cron at most every 5 minutes, …; docs/language.md).

Exit codes: 0 no errors (warnings allowed), 1 errors, 2 usage error.
With --registry, a missing image is an error; a registry that refuses access,
cannot be reached or answers oddly is a warning (the image was not checked).";

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

    /// Online: ask each image's registry whether it exists (OCI
    /// distribution API; credentials from `MIRAGE_REGISTRY_USERNAME` and
    /// `MIRAGE_REGISTRY_PASSWORD`).
    #[arg(long)]
    pub registry: bool,

    /// How problems are printed: `--max-errors`, `--message-format`.
    #[command(flatten)]
    pub limits: report::Limits,
}

/// Run `mirage check`.
pub fn run(args: Args) -> ExitCode {
    if let Err(code) = select::directory(&args.dir) {
        return code;
    }
    if args.watch {
        return watch::watch(&args.dir, || {
            let checked = check_with(&args.dir, args.format, args.registry);
            let status = match checked.summary.line() {
                Some(line) => line,
                None => checked.clean_line(),
            };
            report::write_stderr(&format!(
                "[watch] {status}; watching `{}` for changes (ctrl-c to stop)\n",
                args.dir.display()
            ));
        });
    }
    let checked = check_with(&args.dir, args.format, args.registry);
    let summary = checked.summary;
    if args.format == Format::Human && summary.line().is_none() {
        // Silence on success reads as "did it run?": say what was checked.
        report::write_stderr(&format!("{}\n", checked.clean_line()));
    }
    ExitCode::from(if summary.errors > 0 {
        EXIT_FAILURE
    } else {
        EXIT_OK
    })
}

/// What one check found: the counts of problems, and of what was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// Errors and warnings.
    pub summary: Summary,
    /// Files read (the standard library's included, as in the JSON summary).
    pub files: usize,
    /// Services declared.
    pub services: usize,
    /// Environments declared.
    pub environments: usize,
}

impl Checked {
    /// `no problems: 2 files, 3 services, 1 environment`.
    pub fn clean_line(&self) -> String {
        let count = |n: usize, word: &str| {
            let s = if n == 1 { "" } else { "s" };
            format!("{} {word}{s}", report::thousands(n))
        };
        format!(
            "no problems: {}, {}, {}",
            count(self.files, "file"),
            count(self.services, "service"),
            count(self.environments, "environment")
        )
    }
}

/// Check the project once, print its diagnostics, and count them.
pub fn check_once(dir: &Path, format: Format) -> Checked {
    check_with(dir, format, false)
}

/// [`check_once`], and with `registry` also ask each image's registry
/// whether the image exists.
pub fn check_with(dir: &Path, format: Format, registry: bool) -> Checked {
    let mut analysis = resolve::load_dir(dir);
    let counted = |analysis: &resolve::Analysis, summary| Checked {
        summary,
        files: analysis.files.len(),
        services: analysis.project.services.len(),
        environments: analysis.project.environments.len(),
    };
    if registry {
        match registry_diagnostics(&analysis) {
            Ok(found) => {
                analysis.diagnostics.extend(found);
                analysis
                    .diagnostics
                    .sort_by_key(|d| (d.file(), d.span().start));
            }
            Err(message) => {
                report::print_error(&message);
                let summary = Summary {
                    errors: 1,
                    ..Summary::of(&analysis.diagnostics)
                };
                return counted(&analysis, summary);
            }
        }
    }
    let files = display_paths(&analysis.files);
    report::emit(format, &files, &analysis.diagnostics);
    counted(&analysis, Summary::of(&analysis.diagnostics))
}

/// The registry check of every image the project uses.
fn registry_diagnostics(analysis: &resolve::Analysis) -> Result<Vec<Diagnostic>, String> {
    let uses = image_check::collect_images(&analysis.project, &analysis.files);
    if uses.is_empty() {
        return Ok(Vec::new());
    }
    let client = Registry::new(Credentials::from_env())
        .map_err(|e| format!("cannot set up the registry client: {e}"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    Ok(runtime.block_on(image_check::check_images(&client, &uses)))
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
