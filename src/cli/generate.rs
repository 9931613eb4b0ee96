//! `mirage import --generate [--project NAME|ID] [DIR]`: writes `.mirage`
//! files for a Railway project as it is — every environment at once — then
//! records it as Mirage's, so the next `mirage plan` shows no changes.
//!
//! Railway is read once (the project snapshot: every environment's whole
//! config); the description is [`crate::adopt::generate::generate`], a pure
//! function of it; the files are written through [`crate::adopt::write`];
//! ownership is recorded by the import every `mirage import` runs
//! ([`engine::import`]). A directory that already has `.mirage` files is
//! compared with Railway instead: when they agree but lack services or
//! environments Railway has, their blocks are appended
//! ([`crate::adopt::generate::append`]), every existing byte kept.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::EXIT_OK;
use super::context::fail;
use super::report;
use crate::adopt::generate::{self, Generated, Options};
use crate::adopt::write::{self, Mode};
use crate::diagnostic::Diagnostic;
use crate::engine::{self, Context, Failure, Lock, Secrets, Selection};
use crate::observe::account;
use crate::railway::Snapshot;

/// The file of the project and its environments.
pub const PROJECT_FILE: &str = "project.mirage";
/// The file of the services.
pub const SERVICES_FILE: &str = "services.mirage";

/// Run `mirage import --generate`.
pub fn run(args: super::import::Args) -> ExitCode {
    super::plan::block_on(async {
        let context = args.reach.context();
        if args.prefer == Some(crate::engine::import::Prefer::Files) || !args.services.is_empty() {
            return fail(Failure::usage(
                Diagnostic::general(
                    "mirage::adopt::generate_options",
                    "`--generate` takes `--prefer railway` only (not `--prefer files` nor `--services`)",
                )
                .with_help("run `mirage import --all --prefer files` (or `--services a,b`) without `--generate`"),
            ));
        }
        let prefer_railway = args.prefer == Some(crate::engine::import::Prefer::Railway);
        match generate_into(&context, &args.dir, args.project.as_deref(), prefer_railway).await {
            Ok((code, text)) => {
                report::write_stdout(&text);
                ExitCode::from(code)
            }
            Err(failure) => fail(failure),
        }
    })
}

/// `import --generate` of the project `wanted` (or the only one) into
/// `dir`: the exit code and what to print on stdout.
pub async fn generate_into(
    context: &Context,
    dir: &Path,
    wanted: Option<&str>,
    prefer_railway: bool,
) -> Result<(u8, String), Failure> {
    if dir.exists() {
        engine::select::directory(dir)?;
        let existing = crate::resolve::project_paths(dir).unwrap_or_default();
        if !existing.is_empty() {
            return compare_existing(context, dir, prefer_railway).await;
        }
    }
    let snapshot = read(context, dir, wanted).await?;
    if !snapshot.duplicates.is_empty() {
        let list: Vec<String> = snapshot.duplicates.iter().map(|d| d.describe()).collect();
        return Err(Failure::error(
            "mirage::adopt::duplicates",
            format!(
                "cannot describe project `{}`: {}",
                snapshot.project_name,
                list.join("; ")
            ),
            Some("rename or remove the duplicates on Railway, then run again"),
        ));
    }
    let generated = generate::generate(&snapshot, &Options::default());
    drop(snapshot);
    // Resolved in memory first: a description that does not resolve is a
    // bug here, never a broken file on disk.
    let analysis = crate::resolve::analyze(
        dir,
        vec![
            (dir.join(PROJECT_FILE), generated.project_file.clone()),
            (dir.join(SERVICES_FILE), generated.services_file.clone()),
        ],
    );
    if analysis.has_errors() {
        return Err(Failure::located(
            &analysis.files,
            analysis.diagnostics,
            Some(Diagnostic::general(
                "mirage::adopt::generated_invalid",
                "the description generated from Railway does not resolve; nothing was written (a bug in `mirage import --generate`: please report it)",
            )),
        ));
    }
    let written = write_files(dir, &generated)?;
    // Ownership: the import every `mirage import` runs, on the files just
    // written (Railway is read again, under the lock).
    let imported = record_ownership(context, dir).await?;
    let mut out = summary(&generated, &written);
    let _ = writeln!(
        out,
        "Recorded as Mirage's: {} resource(s) ({} already were).",
        imported.imported.len(),
        imported.already
    );
    let shown = dir.display();
    if generated.secrets.is_empty() {
        let _ = writeln!(out, "Next: `mirage plan {shown}` shows no changes.");
    } else {
        let _ = writeln!(
            out,
            "Next: set the variables above, then `mirage plan {shown}` shows no changes."
        );
    }
    Ok((EXIT_OK, out))
}

/// Reads the project to describe: `--project` by name or id, else the
/// only project the token sees.
async fn read(context: &Context, dir: &Path, wanted: Option<&str>) -> Result<Snapshot, Failure> {
    // The built-in emulator keeps its data under DIR: make sure it exists.
    if matches!(context.railway, engine::context::Railway::Local) {
        std::fs::create_dir_all(dir).map_err(|error| {
            Failure::error(
                "mirage::adopt::write_failed",
                format!("cannot create `{}`: {error}", dir.display()),
                None,
            )
        })?;
    }
    let connection = engine::connect(context, dir).await?;
    let client = &connection.client;
    if let Some(scope) = &connection.scope {
        if wanted.is_some_and(|w| w != scope.project_name && w != scope.project_id) {
            return Err(Failure::usage(
                Diagnostic::general(
                    "mirage::adopt::which_project",
                    format!(
                        "the project token (`RAILWAY_TOKEN`) is for project `{}`",
                        scope.project_name
                    ),
                )
                .with_help("use an account token (`RAILWAY_API_TOKEN`) to read another project"),
            ));
        }
        return client.read_scoped_project(scope).await.map_err(read_failed);
    }
    let (rows, _) = account::list(client, None).await?;
    let row = match wanted {
        Some(wanted) => account::find(&rows, wanted)?,
        None => match rows.as_slice() {
            [one] => one,
            _ => {
                let names: Vec<String> = rows.iter().map(|r| format!("`{}`", r.name)).collect();
                let message = if names.is_empty() {
                    "the token sees no project to generate files for".to_owned()
                } else {
                    format!(
                        "the token sees {} projects: {}; which one?",
                        names.len(),
                        names.join(", ")
                    )
                };
                return Err(Failure::usage(
                    Diagnostic::general("mirage::adopt::which_project", message)
                        .with_help("name it with `--project NAME|ID`"),
                ));
            }
        },
    };
    client.read_project(&row.id).await.map_err(read_failed)
}

fn read_failed(error: impl std::fmt::Display) -> Failure {
    Failure::error(
        "mirage::railway::read_failed",
        format!("cannot read the project: {error}"),
        Some("check the token (`RAILWAY_API_TOKEN`) and the network, then try again"),
    )
}

/// Writes both files, or neither: both paths are checked first.
fn write_files(dir: &Path, generated: &Generated) -> Result<Vec<PathBuf>, Failure> {
    let files = [
        (dir.join(PROJECT_FILE), &generated.project_file),
        (dir.join(SERVICES_FILE), &generated.services_file),
    ];
    let refused = |error: write::WriteError| {
        Failure::error(
            "mirage::adopt::write_failed",
            error.to_string(),
            Some(
                "the path must be a regular file or not exist; move what is there aside and run again",
            ),
        )
    };
    for (path, text) in &files {
        if std::fs::symlink_metadata(path).is_ok() {
            let error = match std::fs::symlink_metadata(path) {
                Ok(meta) if !meta.file_type().is_file() => {
                    write::WriteError::NotRegular(path.display().to_string())
                }
                _ => write::WriteError::Exists(path.display().to_string()),
            };
            return Err(refused(error));
        }
        write::formatted(path, text).map_err(refused)?;
    }
    let mut written = Vec::new();
    for (path, text) in &files {
        write::write_file(path, text, Mode::New).map_err(refused)?;
        written.push(path.clone());
    }
    Ok(written)
}

/// What was written, what to provide, what was left out.
fn summary(generated: &Generated, written: &[PathBuf]) -> String {
    let mut out = String::new();
    let files: Vec<String> = written
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect();
    let _ = writeln!(
        out,
        "Wrote {} for project `{}`: {} environment(s), {} service(s).",
        files.join(" and "),
        generated.project,
        generated.environments.len(),
        generated.services.len()
    );
    if !generated.left_out.is_empty() {
        let _ = writeln!(out, "\nLeft out:");
        for line in &generated.left_out {
            let _ = writeln!(out, "  {line}");
        }
    }
    if !generated.not_written.is_empty() {
        let _ = writeln!(out, "\nNot written:");
        for line in &generated.not_written {
            let _ = writeln!(out, "  {line}");
        }
    }
    secrets_to_provide(&mut out, &generated.secrets);
    out.push('\n');
    out
}

/// The directory already has `.mirage` files: compare them with Railway;
/// refuse when values differ, append the blocks of what they lack.
async fn compare_existing(
    context: &Context,
    dir: &Path,
    prefer_railway: bool,
) -> Result<(u8, String), Failure> {
    let mut out = String::new();
    let mut session = engine::prepare(
        context,
        dir,
        &Selection::default(),
        Lock::None,
        Secrets::Skip,
    )
    .await?;
    let shown = dir.display();
    let Some(snapshot) = &session.snapshot else {
        return Err(Failure::error(
            "mirage::import::no_project",
            format!(
                "the files in `{shown}` declare project `{}`, which Railway does not have",
                session.plan.project
            ),
            Some("`mirage apply` creates it; or generate the files into an empty directory"),
        ));
    };
    if prefer_railway && session.plan.has_changes() {
        // `--prefer railway`: the values that differ take Railway's, in
        // the files (as `mirage import --all --prefer railway` does), then
        // the files are compared again.
        let listed = engine::import(
            context,
            &session,
            &engine::import::Options {
                dry_run: true,
                ..engine::import::Options::default()
            },
        )?;
        if !listed.conflicts.is_empty() {
            let edited = crate::adopt::conflicts::prefer_railway(
                &listed.conflicts,
                &session.model,
                snapshot,
            )
            .map_err(|error| {
                Failure::error(
                    "mirage::adopt::prefer_refused",
                    error.to_string(),
                    Some(
                        "nothing was written; resolve that value by hand, or run `mirage import --all --prefer files`",
                    ),
                )
            })?;
            for file in &edited {
                for change in &file.changes {
                    let _ = writeln!(
                        out,
                        "edited {}: {change} now says Railway's value",
                        file.path.display()
                    );
                }
            }
            drop(session);
            session = engine::prepare(
                context,
                dir,
                &Selection::default(),
                Lock::None,
                Secrets::Skip,
            )
            .await?;
        }
    }
    let Some(snapshot) = &session.snapshot else {
        return Err(Failure::error(
            "mirage::import::no_project",
            format!("Railway no longer has project `{}`", session.plan.project),
            None,
        ));
    };
    if session.plan.has_changes() {
        let mut message =
            format!("the files in `{shown}` differ from Railway; nothing was written:\n");
        message.push_str(&crate::plan::render::text(&session.plan));
        return Err(Failure::error(
            "mirage::adopt::files_differ",
            message.trim_end().to_owned(),
            Some(
                "`mirage import --all --prefer railway` takes Railway's values into the files, `--all --prefer files` keeps the files' (applied by the next `mirage apply`); then run this again",
            ),
        ));
    }
    let missing = missing(&session.model, snapshot);
    if missing.is_empty() {
        let _ = writeln!(
            out,
            "The files in `{shown}` already describe project `{}` as Railway has it: nothing to write.",
            session.plan.project
        );
        return Ok((EXIT_OK, out));
    }
    // Append the blocks of what the files lack, generated as into an empty
    // directory; the result resolved and planned in memory first.
    let (services, environments) = missing_names(&session.model, snapshot);
    let generated = generate::generate(snapshot, &Options::default());
    // What the generator leaves out (names Mirage cannot say, services not
    // in every environment) is said, not appended.
    let services: Vec<String> = services
        .into_iter()
        .filter(|s| generated.services.contains(s))
        .collect();
    let environments: Vec<String> = environments
        .into_iter()
        .filter(|e| generated.environments.contains(e))
        .collect();
    if services.is_empty() && environments.is_empty() {
        let _ = writeln!(
            out,
            "The files in `{shown}` already describe project `{}` as far as it can be said: nothing to write.",
            session.plan.project
        );
        for line in &generated.left_out {
            let _ = writeln!(out, "  left out: {line}");
        }
        return Ok((EXIT_OK, out));
    }
    let mut files = Vec::new();
    for path in crate::resolve::project_paths(dir).unwrap_or_default() {
        let text = std::fs::read_to_string(&path).map_err(|error| {
            Failure::error(
                "mirage::adopt::write_failed",
                format!("cannot read `{}`: {error}", path.display()),
                None,
            )
        })?;
        files.push((path, text));
    }
    let appended = match generate::append::append(
        dir,
        &files,
        snapshot,
        &generated,
        &services,
        &environments,
    ) {
        Ok(appended) => appended,
        Err(why) => {
            return Err(Failure::error(
                "mirage::adopt::files_incomplete",
                format!(
                    "the files in `{shown}` agree with Railway, but do not declare {}, and their blocks cannot be appended: {why}; nothing was written",
                    missing.join(", ")
                ),
                Some(
                    "add their blocks to the files by hand, or generate into an empty directory and copy the blocks over",
                ),
            ));
        }
    };
    drop(session);
    let refused = |error: write::WriteError| {
        Failure::error(
            "mirage::adopt::write_failed",
            error.to_string(),
            Some("the path must be a regular file; move what is there aside and run again"),
        )
    };
    // Every changed file formatted first, then written: all or none fails
    // on formatting.
    let mut writes = Vec::new();
    for (path, text) in &appended.files {
        if appended.changed.contains(path) {
            write::formatted(path, text).map_err(refused)?;
            writes.push((path, text));
        }
    }
    for (path, text) in writes {
        write::write_file(path, text, Mode::Replace).map_err(refused)?;
    }
    // Ownership: everything the files declare (they now describe Railway
    // without a change, and a new environment holds instances of the
    // services the files already had); what was Mirage's stays so.
    let imported = record_ownership(context, dir).await?;
    let _ = writeln!(
        out,
        "Appended to the files in `{shown}` what Railway has and they lacked ({}):",
        missing.join(", ")
    );
    for note in &appended.notes {
        let _ = writeln!(out, "  {note}");
    }
    secrets_to_provide(&mut out, &appended.secrets);
    let _ = writeln!(
        out,
        "\nRecorded as Mirage's: {} resource(s) ({} already were).",
        imported.imported.len(),
        imported.already
    );
    if appended.secrets.is_empty() {
        let _ = writeln!(out, "Next: `mirage plan {shown}` shows no changes.");
    } else {
        let _ = writeln!(
            out,
            "Next: set the variables above, then `mirage plan {shown}` shows no changes."
        );
    }
    Ok((EXIT_OK, out))
}

/// The names of the services and environments Railway has and the files
/// do not declare.
fn missing_names(model: &crate::model::Project, snapshot: &Snapshot) -> (Vec<String>, Vec<String>) {
    let environments = snapshot
        .environments
        .iter()
        .filter(|(name, env)| {
            !env.is_ephemeral && !model.environments.iter().any(|e| &e.name == *name)
        })
        .map(|(name, _)| name.clone())
        .collect();
    let services = snapshot
        .services
        .keys()
        .filter(|name| !model.services.iter().any(|s| s == *name))
        .cloned()
        .collect();
    (services, environments)
}

/// Environments and services Railway has and the files do not declare.
fn missing(model: &crate::model::Project, snapshot: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    for (name, env) in &snapshot.environments {
        if !env.is_ephemeral && !model.environments.iter().any(|e| &e.name == name) {
            out.push(format!("environment `{name}`"));
        }
    }
    for name in snapshot.services.keys() {
        if !model.services.iter().any(|s| s == name) {
            out.push(format!("service `{name}`"));
        }
    }
    out
}

/// The environment variables the user must provide, and where each is used.
fn secrets_to_provide(out: &mut String, secrets: &[crate::adopt::generate::secrets::Secret]) {
    if secrets.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nSecret values are not written; provide these environment variables to plan and apply:"
    );
    for secret in secrets {
        let _ = writeln!(out, "  {}  used by {}", secret.name, secret.uses.join(", "));
    }
}

/// Records everything the files in `dir` declare as Mirage's: the import
/// every `mirage import --all` runs, reading Railway again under the lock.
async fn record_ownership(
    context: &Context,
    dir: &Path,
) -> Result<engine::import::Imported, Failure> {
    let mut session = engine::prepare(
        context,
        dir,
        &Selection::default(),
        Lock::Take { wait: None },
        Secrets::Skip,
    )
    .await?;
    let imported = engine::import(context, &session, &engine::import::Options::default())?;
    session.release()?;
    Ok(imported)
}
