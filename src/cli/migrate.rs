//! `mirage migrate`: convert `railway.json` / `railway.toml` files into
//! `.mirage` service blocks (see `src/adopt/migrate.rs`).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::adopt::migrate::{self, Converted, MAX_FILE_BYTES, Note};
use crate::adopt::write::{self, Mode};
use crate::cli::report;
use crate::diagnostic::{Diagnostic, SourceFile, SourceFiles, Span};

/// Arguments of `mirage migrate`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Config files to convert; by default every `railway.json` and
    /// `railway.toml` under the current directory (skipping `.git`,
    /// `node_modules` and what git ignores).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The project directory `--write` writes into.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// The service's name (one config file only); by default the config
    /// file's directory name.
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// Write the result into DIR's `services.mirage` (created, or appended
    /// to); a service or environment DIR's files already declare is refused.
    #[arg(long)]
    pub write: bool,
    /// Compare the config files with DIR's `.mirage` files and with
    /// Railway (one read): per environment, service and setting, which
    /// differ; exit 0 when they agree, 1 when not.
    #[arg(long, conflicts_with = "write")]
    pub check: bool,
    /// Where Railway is (for `--check`): `--local` or `--endpoint`.
    #[command(flatten)]
    pub reach: super::context::Reach,
    /// Print one JSON document (the services, their text and the report).
    #[arg(long)]
    pub json: bool,
}

/// Run `mirage migrate`.
pub fn run(args: Args) -> ExitCode {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let paths = if args.paths.is_empty() {
        match find(&cwd) {
            Ok(found) => found,
            Err(error) => {
                report::write_stderr(&format!(
                    "error: cannot read `{}`: {error}\n",
                    cwd.display()
                ));
                return ExitCode::from(super::EXIT_FAILURE);
            }
        }
    } else {
        args.paths.clone()
    };
    if paths.is_empty() {
        report::write_stderr(
            "error: no `railway.json` or `railway.toml` found under the current directory\n",
        );
        return ExitCode::from(super::EXIT_FAILURE);
    }
    if args.service.is_some() && paths.len() > 1 {
        report::write_stderr("error: `--service` names one service: give one config file\n");
        return ExitCode::from(super::EXIT_USAGE);
    }
    let mut files = SourceFiles::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut converted: Vec<Converted> = Vec::new();
    for path in &paths {
        let shown = path.display().to_string();
        let text = match read_bounded(path) {
            Ok(text) => text,
            Err(why) => {
                diagnostics.push(
                    Diagnostic::general(
                        "mirage::adopt::unreadable_config",
                        format!("cannot read `{shown}`: {why}"),
                    )
                    .with_help("give a regular `railway.json` or `railway.toml` file"),
                );
                continue;
            }
        };
        let id = files.add(SourceFile::new(shown.clone(), text));
        let (root, dir_name) = location(path, &cwd);
        let service = match args.service.clone().or(dir_name) {
            Some(name) if migrate::valid_service_name(&name) => name,
            other => {
                diagnostics.push(
                    Diagnostic::error(
                        "mirage::adopt::invalid_service_name",
                        id,
                        Span::at(0),
                        match other {
                            Some(name) => format!("`{name}` cannot be a Mirage service name"),
                            None => format!("no service name for `{shown}`"),
                        },
                    )
                    .with_help("name it with `--service NAME` (letters, digits, `-` and `_`)"),
                );
                continue;
            }
        };
        if let Some(first) = converted.iter().find(|c| c.service == service) {
            diagnostics.push(
                Diagnostic::error(
                    "mirage::adopt::duplicate_service",
                    id,
                    Span::at(0),
                    format!(
                        "`{shown}` and `{}` both give service `{service}`",
                        first.file
                    ),
                )
                .with_help("convert one of them with `--service NAME`"),
            );
            continue;
        }
        match migrate::convert(&files, id, &service, root.as_deref()) {
            Ok(c) => converted.push(c),
            Err(errors) => diagnostics.extend(errors),
        }
    }
    let text: String = converted
        .iter()
        .map(|c| c.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let text = if text.is_empty() {
        String::new()
    } else {
        match write::formatted(Path::new("services.mirage"), &text) {
            Ok(t) => t,
            Err(error) => {
                report::write_stderr(&format!("error: {error}\n"));
                return ExitCode::from(super::EXIT_FAILURE);
            }
        }
    };
    let notes: Vec<&Note> = converted.iter().flat_map(|c| &c.notes).collect();
    if args.check {
        if !diagnostics.is_empty() {
            report::print_diagnostics(&files, &diagnostics);
        }
        let agree = super::plan::block_on(check(&args, &converted));
        return if diagnostics.iter().any(Diagnostic::is_error) {
            ExitCode::from(super::EXIT_FAILURE)
        } else {
            agree
        };
    }
    let mut failed = diagnostics.iter().any(Diagnostic::is_error);
    if args.write && !converted.is_empty() {
        match write_into(&args.dir, &converted, &text) {
            Ok(message) => report::write_stderr(&message),
            Err(message) => {
                report::write_stderr(&format!("error: {message}\n"));
                failed = true;
            }
        }
    }
    if args.json {
        let doc = serde_json::json!({
            "version": 1,
            "services": converted.iter().map(|c| serde_json::json!({
                "service": c.service,
                "file": c.file,
                "config": c.base,
                "environments": c.environments,
            })).collect::<Vec<_>>(),
            "text": text,
            "unmapped": notes,
            "diagnostics": serde_json::from_str::<serde_json::Value>(&report::json::render(&files, &diagnostics)).unwrap_or_default(),
        });
        report::write_stdout_exact(&format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        ));
    } else {
        if !args.write {
            report::write_stdout(&text);
        }
        for note in &notes {
            report::write_stderr(&format!(
                "note: {}:{}:{}: `{}` is not migrated: {}\n",
                note.file, note.line, note.column, note.key, note.why
            ));
        }
        if !diagnostics.is_empty() {
            report::print_diagnostics(&files, &diagnostics);
        }
    }
    if failed {
        ExitCode::from(super::EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}

/// Every `railway.json` / `railway.toml` under `root`, sorted.
fn find(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::read_dir(root)?;
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| {
            e.depth() == 0
                || !e.file_type().is_some_and(|t| t.is_dir())
                || !matches!(
                    e.file_name().to_str(),
                    Some(
                        ".git"
                            | "node_modules"
                            | ".hg"
                            | ".svn"
                            | ".yarn"
                            | ".pnpm-store"
                            | ".turbo"
                            | ".nx"
                    )
                )
        })
        .build();
    let mut out: Vec<PathBuf> = walker
        .flatten()
        .filter(|e| {
            matches!(
                e.file_name().to_str(),
                Some("railway.json" | "railway.toml")
            )
        })
        .map(|e| {
            e.path()
                .strip_prefix(root)
                .map_or_else(|_| e.path().to_path_buf(), Path::to_path_buf)
        })
        .collect();
    out.sort();
    Ok(out)
}

/// The file's text, if it is a regular file of at most [`MAX_FILE_BYTES`]
/// in UTF-8.
fn read_bounded(path: &Path) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".to_owned());
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("larger than {} KiB", MAX_FILE_BYTES / 1024));
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8".to_owned())
}

/// The file's directory relative to its repository root (the nearest
/// ancestor holding `.git`, else the current directory), and that
/// directory's name (the repository's name for a file at its root).
fn location(path: &Path, cwd: &Path) -> (Option<String>, Option<String>) {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let dir = absolute
        .parent()
        .map(|d| d.canonicalize().unwrap_or_else(|_| d.to_path_buf()))
        .unwrap_or_default();
    let repo = dir
        .ancestors()
        .find(|a| a.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf()));
    let root = dir.strip_prefix(&repo).ok().map(|r| {
        r.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    });
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    (root.filter(|r| !r.is_empty()), name)
}

/// Put `text` into `dir/services.mirage`: a new file, or appended to the
/// one there. Refused when DIR's files already declare one of the services
/// or environments.
fn write_into(dir: &Path, converted: &[Converted], text: &str) -> Result<String, String> {
    let declared = declared(dir)?;
    let mut clashes = Vec::new();
    for c in converted {
        if declared.contains(&("service".to_owned(), c.service.clone())) {
            clashes.push(format!("service `{}`", c.service));
        }
        for env in c.environments.keys() {
            if declared.contains(&("environment".to_owned(), env.clone())) {
                clashes.push(format!("environment `{env}`"));
            }
        }
    }
    if !clashes.is_empty() {
        clashes.sort();
        clashes.dedup();
        return Err(format!(
            "`{}` already declares {}: nothing written (run without `--write` and merge the blocks by hand)",
            dir.display(),
            clashes.join(", ")
        ));
    }
    let target = dir.join("services.mirage");
    let existing = match std::fs::symlink_metadata(&target) {
        Ok(meta) if !meta.is_file() => {
            return Err(format!(
                "`{}` exists and is not a regular file",
                target.display()
            ));
        }
        Ok(_) => Some(read_bounded(&target)?),
        Err(_) => None,
    };
    let (full, mode, verb) = match &existing {
        Some(old) => (format!("{old}\n{text}"), Mode::Replace, "appended to"),
        None => (text.to_owned(), Mode::New, "wrote"),
    };
    write::write_file(&target, &full, mode).map_err(|e| e.to_string())?;
    Ok(format!(
        "{verb} `{}`: {}\n",
        target.display(),
        converted
            .iter()
            .map(|c| format!("service `{}`", c.service))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// (`service`|`environment`, name) of every top-level declaration in DIR's
/// `.mirage` files.
fn declared(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(format!("cannot read `{}`: {e}", dir.display())),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("mirage") {
            continue;
        }
        let Ok(text) = read_bounded(&path) else {
            continue;
        };
        let (doc, _) = crate::syntax::parse_tree(&text);
        for node in &doc.nodes {
            let kind = node.name.value.as_str();
            if (kind == "service" || kind == "environment")
                && let Some(name) = node.first_arg().and_then(|e| e.value.as_str())
            {
                out.push((kind.to_owned(), name.to_owned()));
            }
        }
    }
    Ok(out)
}

/// `--check`: the converted config files against DIR's `.mirage` files and
/// Railway, per environment the files declare (templates left out: they
/// are not on Railway).
async fn check(args: &Args, converted: &[Converted]) -> ExitCode {
    let context = args.reach.context();
    let session = match crate::engine::prepare(
        &context,
        &args.dir,
        &crate::engine::Selection::default(),
        crate::engine::Lock::None,
        crate::engine::Secrets::Skip,
    )
    .await
    {
        Ok(session) => session,
        Err(failure) => return super::context::fail(failure),
    };
    let mut differences = Vec::new();
    let mut compared = 0;
    for env in &session.model.environments {
        let ephemeral = env.ephemeral.as_ref().is_some_and(|e| e.value);
        if ephemeral {
            continue;
        }
        let state = session
            .snapshot
            .as_ref()
            .and_then(|s| s.environment(&env.name));
        for c in converted {
            let expected = migrate::resolved(c, &env.name, false);
            let files = env.service(&c.service).map(migrate::files_config);
            let railway = session.snapshot.as_ref().and_then(|s| {
                let id = s.service_id(&c.service)?;
                state?.config.get("services")?.get(id).cloned()
            });
            compared += 1;
            differences.extend(migrate::compare(
                &env.name,
                &c.service,
                &expected,
                files.as_ref(),
                railway.as_ref(),
            ));
        }
    }
    if compared == 0 {
        report::write_stderr(&format!(
            "error: `{}` declares no environment (other than preview templates) to compare\n",
            args.dir.display()
        ));
        return ExitCode::from(super::EXIT_FAILURE);
    }
    if args.json {
        let doc = serde_json::json!({
            "version": 1,
            "agree": differences.is_empty(),
            "differences": differences,
        });
        report::write_stdout_exact(&format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        ));
    } else if differences.is_empty() {
        report::write_stdout(&format!(
            "the config files, the `.mirage` files and Railway agree ({compared} service instance(s) compared)\n"
        ));
    } else {
        let shown = |v: &serde_json::Value| {
            if v.is_null() {
                "nothing".to_owned()
            } else {
                v.to_string()
            }
        };
        for d in &differences {
            report::write_stdout(&format!(
                "{}/{} `{}`: config file {}, files {}, Railway {}\n",
                d.environment,
                d.service,
                d.key,
                shown(&d.config_file),
                shown(&d.files),
                shown(&d.railway)
            ));
        }
        report::write_stdout(&format!("{} setting(s) differ\n", differences.len()));
    }
    if differences.is_empty() && compared > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_FAILURE)
    }
}
