//! The preview lifecycle (up, down, GC, TTL, eviction): pull-request environments made from a template, on Railway and in the state database.
//!
//! A template is an ephemeral environment of the files
//! ([`crate::model::PreviewSettings`]); the preview of pull request 123 is
//! the environment `pr-123` the template's name pattern makes, planned and
//! applied as [`crate::model::Project::preview`] describes it — alone, so
//! only its environment is locked and previews of different pull requests
//! are brought up in parallel. Every operation goes through the engine
//! ([`crate::engine::prepare_loaded`], [`crate::engine::apply()`],
//! [`crate::engine::destroy::plan`], [`crate::engine::preview`]); this room
//! decides what to do, records previews in the state database and says
//! what became of them ([`render`], shared by the CLI and `mirage serve`).
//! It never speaks to GitHub.
//!
//! ```text
//!  cli preview / serve ──▶ preview ──▶ engine ──▶ railway, state
//!                             └──▶ render (text, JSON, the PR comment's markdown)
//! ```

pub mod down;
pub mod render;
pub mod up;

use std::path::Path;
use std::time::Duration;

use crate::diagnostic::Diagnostic;
use crate::engine::preview::{EnvironmentStatus, InstanceStatus};
use crate::engine::{self, Context, Failure, Loaded};
use crate::model::{PreviewSettings, Project, PullRequest};
use crate::state::{PreviewRecord, Timestamp};

pub use down::{DownOutcome, Fate, GcOutcome, GcReason, Handled, down, gc, gc_loaded};
pub use up::{UpOutcome, UpRequest, up, up_loaded};

/// How a preview is doing, from its deployments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Health {
    /// Every service that deploys has a successful latest deployment.
    Ready,
    /// Some deployment is still on its way.
    Deploying,
    /// Some latest deployment failed or crashed.
    Failed,
    /// Railway no longer has the environment.
    Gone,
    /// Not known (Railway was not asked, or the environment is not
    /// created yet).
    Unknown,
}

impl Health {
    /// The word shown for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Ready => "ready",
            Health::Deploying => "deploying",
            Health::Failed => "failed",
            Health::Gone => "gone",
            Health::Unknown => "unknown",
        }
    }
}

/// How one service instance is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceHealth {
    /// Its latest deployment succeeded (or sleeps, serverless).
    Ready,
    /// Its latest deployment is on its way, or none was made yet.
    Deploying,
    /// Its latest deployment failed, crashed or was removed.
    Failed,
    /// It has no source, so nothing deploys (a volume holder, a stub).
    NoSource,
}

/// The health of one service instance by its latest deployment.
pub fn service_health(instance: &InstanceStatus) -> ServiceHealth {
    if !instance.deployable {
        return ServiceHealth::NoSource;
    }
    match instance.deployment.as_ref().map(|d| d.status.as_str()) {
        Some("SUCCESS" | "SLEEPING") => ServiceHealth::Ready,
        Some("FAILED" | "CRASHED" | "REMOVED" | "SKIPPED") => ServiceHealth::Failed,
        _ => ServiceHealth::Deploying,
    }
}

/// The health of a preview from its environment's status.
pub fn health(status: Option<&EnvironmentStatus>) -> Health {
    let Some(status) = status else {
        return Health::Gone;
    };
    let services: Vec<ServiceHealth> = status.services.iter().map(service_health).collect();
    if services.contains(&ServiceHealth::Failed) {
        Health::Failed
    } else if services.contains(&ServiceHealth::Deploying) {
        Health::Deploying
    } else {
        Health::Ready
    }
}

/// A preview: what the state database records and what Railway says.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Preview {
    /// The record (pull request, branch, commit, times, deadline).
    #[serde(flatten)]
    pub record: PreviewRecord,
    /// How it is doing.
    pub health: Health,
    /// Its service instances (empty when not read).
    pub services: Vec<InstanceStatus>,
}

impl Preview {
    /// A preview with what Railway said of it (`None`: the environment is
    /// gone).
    pub fn new(record: PreviewRecord, status: Option<EnvironmentStatus>) -> Preview {
        Preview {
            health: health(status.as_ref()),
            services: status.map(|s| s.services).unwrap_or_default(),
            record,
        }
    }

    /// A preview Railway was not asked about.
    pub fn unread(record: PreviewRecord) -> Preview {
        Preview {
            record,
            health: Health::Unknown,
            services: Vec::new(),
        }
    }

    /// Every URL of every service, in service order.
    pub fn urls(&self) -> Vec<String> {
        self.services
            .iter()
            .flat_map(|s| s.urls.iter().cloned())
            .collect()
    }
}

/// A problem that a preview operation ran into after the preview was
/// there to show (a deployment failed, the wait timed out): shown with
/// the preview's status, and guidance.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// Its stable code.
    pub code: &'static str,
    /// What went wrong.
    pub message: String,
    /// What to try.
    pub help: String,
}

impl Problem {
    /// As an engine failure (for exit codes and the CLI's renderers).
    pub fn failure(&self) -> Failure {
        Failure::failed(
            Diagnostic::general(self.code, self.message.clone()).with_help(self.help.clone()),
        )
    }
}

/// The template of `loaded` that `template` names, or the only one.
pub fn template<'a>(
    loaded: &'a Loaded,
    template: Option<&str>,
) -> Result<(&'a str, PreviewSettings), Failure> {
    let templates: Vec<&crate::model::Environment> = loaded.project.templates().collect();
    let names = || {
        templates
            .iter()
            .map(|t| format!("`{}`", t.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chosen = match template {
        Some(name) => templates.iter().find(|t| t.name == name).ok_or_else(|| {
            let help = if templates.is_empty() {
                "declare one: `environment \"pr\" ephemeral=#true ttl=\"72h\" { … }`".to_owned()
            } else {
                format!("the project's templates are {}", names())
            };
            Failure::usage(
                Diagnostic::general(
                    "mirage::preview::no_such_template",
                    format!("project `{}` has no preview template `{name}`", loaded.name),
                )
                .with_help(help),
            )
        })?,
        None => match templates.as_slice() {
            [only] => only,
            [] => {
                return Err(Failure::usage(
                    Diagnostic::general(
                        "mirage::preview::no_template",
                        format!(
                            "project `{}` has no preview template (an environment with `ephemeral=#true`)",
                            loaded.name
                        ),
                    )
                    .with_help(
                        "declare one: `environment \"pr\" ephemeral=#true ttl=\"72h\" { … }`",
                    ),
                ));
            }
            _ => {
                return Err(Failure::usage(
                    Diagnostic::general(
                        "mirage::preview::ambiguous_template",
                        format!(
                            "project `{}` has several preview templates: {}",
                            loaded.name,
                            names()
                        ),
                    )
                    .with_help("say which with `--template NAME`"),
                ));
            }
        },
    };
    Ok((
        chosen.name.as_str(),
        chosen.preview.clone().unwrap_or_default(),
    ))
}

/// The project as the preview in `environment` of `template` sees it:
/// the template's preview when the files still have the template (named
/// as recorded, whatever the pattern says now), else an environment of
/// that name with nothing declared in it (enough to tear it down).
pub fn preview_model(project: &Project, record: &PreviewRecord) -> Project {
    let pr = PullRequest {
        number: record.number,
        branch: record.branch.clone(),
        sha: record.sha.clone(),
        repo: record.repo.clone(),
    };
    let mut model = project.preview(&record.template, &pr).unwrap_or_else(|| {
        let mut bare = project.clone();
        bare.environments = vec![crate::model::Environment {
            name: record.environment.clone(),
            ..crate::model::Environment::default()
        }];
        bare
    });
    for environment in &mut model.environments {
        environment.name.clone_from(&record.environment);
    }
    model
}

/// Checks a pull request given on the command line or by a webhook: a
/// positive number, a branch git would accept, a commit of 7 to 40 hex
/// digits, a repository `owner/name`.
pub fn check_pull_request(pr: &PullRequest) -> Result<(), Failure> {
    let usage = |code: &'static str, message: String, help: &str| {
        Err(Failure::usage(
            Diagnostic::general(code, message).with_help(help),
        ))
    };
    if pr.number == 0 {
        return usage(
            "mirage::preview::bad_number",
            "pull request number 0 is not a pull request".to_owned(),
            "pass the pull request's number, e.g. `--pr 123` (`github.event.pull_request.number`)",
        );
    }
    if let Some(why) = bad_branch(&pr.branch) {
        return usage(
            "mirage::preview::bad_branch",
            format!("branch {} {why}", shown(&pr.branch)),
            "pass the pull request's head branch as git names it (`github.head_ref`)",
        );
    }
    if let Some(sha) = &pr.sha
        && (!(7..=40).contains(&sha.len()) || !sha.chars().all(|c| c.is_ascii_hexdigit()))
    {
        return usage(
            "mirage::preview::bad_sha",
            format!("commit {} is not 7 to 40 hexadecimal digits", shown(sha)),
            "pass the head commit's SHA (`github.event.pull_request.head.sha`)",
        );
    }
    if let Some(repo) = &pr.repo {
        let parts: Vec<&str> = repo.split('/').collect();
        let part_ok = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if parts.len() != 2 || !parts.iter().all(|p| part_ok(p)) {
            return usage(
                "mirage::preview::bad_repo",
                format!("repository {} is not `owner/name`", shown(repo)),
                "pass the pull request's repository as `owner/name` (`github.repository`)",
            );
        }
    }
    Ok(())
}

/// A value quoted for a message: in backticks, control characters escaped
/// so a newline cannot forge a line of output.
fn shown(value: &str) -> String {
    let escaped: String = value.chars().flat_map(char::escape_debug).collect();
    format!("`{escaped}`")
}

/// Why `branch` is not a branch name git accepts (`git check-ref-format
/// --branch`'s rules), or `None`.
fn bad_branch(branch: &str) -> Option<&'static str> {
    if branch.is_empty() {
        return Some("is empty");
    }
    if branch.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("contains spaces or control characters (newlines, tabs)");
    }
    if branch
        .chars()
        .any(|c| matches!(c, '~' | '^' | ':' | '?' | '*' | '[' | '\\'))
    {
        return Some("contains a character git forbids in branch names (`~^:?*[\\`)");
    }
    if branch.starts_with('-')
        || branch.starts_with('/')
        || branch.ends_with('/')
        || branch.ends_with('.')
        || branch.ends_with(".lock")
        || branch.contains("..")
        || branch.contains("//")
        || branch.contains("@{")
        || branch == "@"
        || branch.split('/').any(|part| part.starts_with('.'))
    {
        return Some("is not a valid git branch name");
    }
    if branch.len() > 255 {
        return Some("is longer than 255 bytes");
    }
    None
}

/// The previews of the project in `dir` as the state database records
/// them, with what Railway says of each (one request per preview whose
/// environment id is known).
pub async fn list(context: &Context, dir: &Path) -> Result<Vec<Preview>, Failure> {
    let loaded = engine::load(dir)?;
    let store = engine::open_store(context, dir)?;
    let records = store
        .previews(Some(&loaded.name))
        .map_err(|error| Failure::state(&error))?;
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let connection = engine::connect(context, dir).await?;
    let mut previews = Vec::new();
    for record in records {
        let Some(id) = record.environment_id.clone() else {
            previews.push(Preview::unread(record));
            continue;
        };
        let status = engine::preview::status(&connection.client, &id)
            .await
            .map_err(|error| {
                Failure::error(
                    "mirage::railway::read_failed",
                    format!("cannot read environment `{}`: {error}", record.environment),
                    None,
                )
            })?;
        previews.push(Preview::new(record, status));
    }
    Ok(previews)
}

/// `now + ttl`, when the template has a TTL.
fn deadline(now: Timestamp, ttl_seconds: Option<u64>) -> Option<Timestamp> {
    ttl_seconds.map(|ttl| now + Duration::from_secs(ttl))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr(number: u64, branch: &str, sha: Option<&str>) -> PullRequest {
        PullRequest {
            number,
            branch: branch.to_owned(),
            sha: sha.map(str::to_owned),
            repo: None,
        }
    }

    #[test]
    fn pull_requests_are_checked() {
        assert!(check_pull_request(&pr(1, "feat/x", Some("abc1234"))).is_ok());
        for (bad, code) in [
            (pr(0, "feat/x", None), "mirage::preview::bad_number"),
            (pr(1, "feat x", None), "mirage::preview::bad_branch"),
            (pr(1, "feat\nx", None), "mirage::preview::bad_branch"),
            (pr(1, "", None), "mirage::preview::bad_branch"),
            (pr(1, "a..b", None), "mirage::preview::bad_branch"),
            (pr(1, "-x", None), "mirage::preview::bad_branch"),
            (pr(1, "x", Some("xyz")), "mirage::preview::bad_sha"),
            (pr(1, "x", Some("abc")), "mirage::preview::bad_sha"),
        ] {
            let failure = check_pull_request(&bad).expect_err("refused");
            assert_eq!(failure.diagnostics[0].code, code, "{bad:?}");
            assert!(!failure.diagnostics[0].message.contains('\n'));
        }
    }
}
