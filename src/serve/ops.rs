//! A project's operations besides previews, run as jobs (so one replica
//! runs each):
//!
//! * `pull`: `git fetch` then `git merge --ff-only` of the checkout (no
//!   shell, a timeout, `GIT_TERMINAL_PROMPT=0`), then the files are loaded
//!   again. Jobs of the project wait while it runs (they hold its files'
//!   read lock), so none reads half-updated files. A pull that fails, or
//!   brings files with errors (those are undone with `git reset --keep`,
//!   which never touches local changes), leaves the last good files served
//!   and shows in `/readyz`.
//! * `drift`: the declared environments are planned (read only; templates
//!   and previews are not); drift is a plan that is not empty. The state
//!   database keeps the last drift of each project, so "appeared" and
//!   "cleared" are told once across replicas, to the project's
//!   Slack-compatible webhook.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::engine::{self, Context, Selection};
use crate::plan::{Action, Plan};
use crate::state::{DriftTransition, Store};

use super::log;
use super::previews::PreviewError;
use super::projects::{PullStatus, ServedProject};

/// What a project's operations need.
#[derive(Clone)]
pub struct Ops {
    /// Railway, the state database, who acts (drift plans).
    pub context: Context,
    /// The checkout.
    pub dir: PathBuf,
    /// The project's own Railway token, when one is stored (drift plans
    /// read Railway with it).
    pub credentials: Option<super::credentials::ProjectCredentials>,
}

/// How long one git command may take.
pub const GIT_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `git -C dir ARGS…` (no shell, no prompt, a timeout); its standard
/// output, or why it failed.
pub async fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let mut command = tokio::process::Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "")
        .env("LC_ALL", "C")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let output = match tokio::time::timeout(GIT_TIMEOUT, command.output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(error)) => return Err(format!("cannot run `git`: {error}")),
        Err(_) => {
            return Err(format!(
                "`git {}` took longer than {}s",
                args.first().copied().unwrap_or_default(),
                GIT_TIMEOUT.as_secs()
            ));
        }
    };
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty())
            .unwrap_or("no message");
        Err(format!(
            "`git {}` failed: {last}",
            args.first().copied().unwrap_or_default()
        ))
    }
}

/// The branch checked out in `dir`, if any.
pub async fn branch(dir: &Path) -> Option<String> {
    git(dir, &["symbolic-ref", "--quiet", "--short", "HEAD"])
        .await
        .ok()
        .filter(|b| !b.is_empty())
}

fn now() -> i64 {
    crate::state::Timestamp::now().0
}

/// Pulls `project`'s checkout; `Ok` when it is up to date with its
/// upstream and its files load.
pub async fn pull(project: &ServedProject, ops: &Ops) -> Result<(), PreviewError> {
    let dir = &ops.dir;
    let before = git(dir, &["rev-parse", "HEAD"]).await.ok();
    let result = pull_inner(project, dir, before.as_deref()).await;
    let commit = git(dir, &["rev-parse", "HEAD"]).await.ok();
    match &result {
        Ok(()) => {
            log::info(
                "pull.done",
                &[
                    ("project", &project.name()),
                    ("from", &before.clone().unwrap_or_default()),
                    ("to", &commit.clone().unwrap_or_default()),
                ],
            );
            project.set_pull_status(PullStatus {
                commit,
                error: None,
                at: Some(now()),
            });
        }
        Err(message) => {
            log::warn(
                "pull.failed",
                &[("project", &project.name()), ("error", message)],
            );
            project.set_pull_status(PullStatus {
                commit,
                error: Some(message.clone()),
                at: Some(now()),
            });
        }
    }
    // A failed pull is not retried through the queue, nor kept as a
    // failed job (one per period while git is unreachable): it is logged
    // and shown in `/readyz`, the next period (or push) tries again, and
    // meanwhile the last good files are served.
    drop(result);
    Ok(())
}

async fn pull_inner(
    project: &ServedProject,
    dir: &Path,
    before: Option<&str>,
) -> Result<(), String> {
    git(dir, &["fetch", "--quiet", "--no-tags"]).await?;
    // Jobs of the project wait from here until the files are known good.
    let _files = project.files.write().await;
    git(dir, &["merge", "--ff-only", "--quiet", "@{upstream}"]).await?;
    let dir_owned = dir.to_path_buf();
    let analysis = tokio::task::spawn_blocking(move || crate::resolve::load_dir(&dir_owned))
        .await
        .map_err(|_| "loading the files panicked".to_owned())?;
    if analysis.has_errors() {
        let count = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
        let undone = match before {
            Some(before) => git(dir, &["reset", "--keep", "--quiet", before]).await,
            None => Err("no commit to go back to".to_owned()),
        };
        return Err(match undone {
            Ok(_) => format!(
                "the pulled files have {count} error(s) (`mirage check`): the last good commit is served"
            ),
            Err(error) => format!(
                "the pulled files have {count} error(s) (`mirage check`) and could not be undone: {error}"
            ),
        });
    }
    // Railway events are matched against the names of the files served.
    project.set_names(super::names::PreviewNames::of(&analysis.project));
    Ok(())
}

/// What drifted, for people: one line per environment with the names of
/// what changes and how — never a value.
pub fn drift_summary(plan: &Plan) -> Vec<String> {
    let mut lines = Vec::new();
    for environment in &plan.environments {
        let mut parts = Vec::new();
        if environment.action != Action::None {
            parts.push(format!("environment {}", kind(environment.action)));
        }
        if !environment.shared.is_empty() {
            let names: Vec<String> = environment
                .shared
                .iter()
                .map(|c| c.path.join("."))
                .collect();
            parts.push(format!("shared variables changed: {}", names.join(", ")));
        }
        for service in &environment.services {
            if service.action == Action::None && service.changes.is_empty() {
                continue;
            }
            let mut paths: Vec<String> = service.changes.iter().map(|c| c.path.join(".")).collect();
            paths.dedup();
            let action = if service.action == Action::None {
                "update"
            } else {
                kind(service.action)
            };
            if paths.is_empty() {
                parts.push(format!("service `{}` {action}", service.name));
            } else {
                parts.push(format!(
                    "service `{}` {action} ({})",
                    service.name,
                    paths.join(", ")
                ));
            }
        }
        if !parts.is_empty() {
            lines.push(format!("`{}`: {}", environment.name, parts.join("; ")));
        }
    }
    if plan.create_project {
        lines.insert(0, "the project does not exist on Railway".to_owned());
    }
    lines
}

fn kind(action: Action) -> &'static str {
    match action {
        Action::None => "unchanged",
        Action::Create => "create",
        Action::Update => "update",
        Action::Destroy => "destroy",
        Action::Replace => "replace",
    }
}

/// The fingerprint of a drift: its summary's SHA-256 (empty: no drift).
pub fn fingerprint(lines: &[String]) -> String {
    use sha2::Digest as _;
    if lines.is_empty() {
        return String::new();
    }
    let digest = sha2::Sha256::digest(lines.join("\n").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Plans `project`'s declared environments and records what drifted;
/// tells a transition to its webhook.
pub async fn drift(
    project: &ServedProject,
    ops: &Ops,
    store: &Store,
    redactor: &super::log::Redactor,
) -> Result<(), PreviewError> {
    let started = std::time::Instant::now();
    // Declared environments only: the plan lists templates and previews
    // but never changes them.
    let context = super::credentials::job_context(&ops.context, &ops.dir, ops.credentials.as_ref())
        .await
        .map_err(|failure| PreviewError::of(&failure))?;
    let plan = engine::plan(&context, &ops.dir, &Selection::default())
        .await
        .map_err(|failure| {
            let message = redactor.redact(&failure.messages());
            log::warn(
                "drift.failed",
                &[("project", &project.name()), ("error", &message)],
            );
            PreviewError::transient(message)
        })?;
    let lines = if plan.has_changes() {
        drift_summary(&plan)
    } else {
        Vec::new()
    };
    let fingerprint = fingerprint(&lines);
    let summary = lines.join("\n");
    let audit_store = store.clone();
    let (store, name) = (store.clone(), project.name().to_owned());
    let (fp, text) = (fingerprint.clone(), summary.clone());
    let transition = tokio::task::spawn_blocking(move || store.record_drift(&name, &fp, &text))
        .await
        .unwrap_or_else(|_| {
            Err(crate::state::StateError::Invalid(
                "a state call panicked".into(),
            ))
        })
        .map_err(|error| PreviewError::transient(format!("recording the drift: {error}")))?;
    let environments: Vec<&str> = plan
        .environments
        .iter()
        .filter(|e| {
            lines
                .iter()
                .any(|l| l.starts_with(&format!("`{}`", e.name)))
        })
        .map(|e| e.name.as_str())
        .collect();
    log::info(
        "drift.checked",
        &[
            ("project", &project.name()),
            ("drift", &!lines.is_empty()),
            ("environments", &environments.join(",")),
            ("transition", &format!("{transition:?}").to_lowercase()),
            ("ms", &started.elapsed().as_millis()),
        ],
    );
    let text = match transition {
        DriftTransition::Unchanged => return Ok(()),
        DriftTransition::Appeared | DriftTransition::Changed => format!(
            "Mirage: drift {} in project `{}` (environments: {}). Railway differs from the files:\n{}",
            if transition == DriftTransition::Appeared {
                "appeared"
            } else {
                "changed"
            },
            project.name(),
            environments.join(", "),
            lines
                .iter()
                .map(|l| format!("• {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        DriftTransition::Cleared => format!(
            "Mirage: drift cleared in project `{}`: Railway matches the files again.",
            project.name()
        ),
    };
    // The transition in the audit log: names and kinds of change, never
    // values (the summary is the message's).
    let action = match transition {
        DriftTransition::Appeared => "drift.appeared",
        DriftTransition::Changed => "drift.changed",
        _ => "drift.cleared",
    };
    let entry = super::audit::Entry {
        actor: None,
        actor_role: None,
        via: Some("drift".to_owned()),
        action: action.to_owned(),
        project: Some(project.name().to_owned()),
        target: (!environments.is_empty()).then(|| environments.join(",")),
        address: None,
        outcome: super::audit::Outcome::Ok,
        summary: if summary.is_empty() {
            "Railway matches the files again".to_owned()
        } else {
            summary
        },
        request_id: None,
    };
    let _ = tokio::task::spawn_blocking(move || super::audit::record(&audit_store, entry)).await;
    if let Some(url) = &project.config.drift_webhook {
        notify(url, &text, project.name()).await;
    }
    Ok(())
}

/// Posts `{"text": …}` to a Slack-compatible incoming webhook, retrying
/// with backoff (1 s, 2 s, 4 s); a failure is logged, never fatal. The
/// URL (a secret) is never logged.
pub async fn notify(url: &str, text: &str, project: &str) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            log::warn(
                "drift.notify_failed",
                &[("project", &project), ("error", &error.without_url())],
            );
            return;
        }
    };
    let body = serde_json::json!({ "text": text });
    let mut delay = Duration::from_secs(1);
    for attempt in 1..=4u32 {
        let result = client.post(url).json(&body).send().await;
        let failure = match result {
            Ok(response) if response.status().is_success() => {
                log::info(
                    "drift.notified",
                    &[("project", &project), ("attempt", &attempt)],
                );
                return;
            }
            Ok(response) => format!("the webhook answered {}", response.status().as_u16()),
            Err(error) => error.without_url().to_string(),
        };
        log::warn(
            "drift.notify_failed",
            &[
                ("project", &project),
                ("attempt", &attempt),
                ("error", &failure),
            ],
        );
        if attempt < 4 {
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
    }
}
