//! What jobs do, behind one trait: [`Previews`] creates or updates a pull
//! request's preview, destroys it, collects expired ones and refreshes the
//! sticky comment. The `preview` room implements it (the same functions
//! as `mirage preview up/down/gc`); the queue only decides when.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use crate::model::PullRequest;

/// A pull request as a job carries it to [`Previews`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PreviewTarget {
    /// Its number.
    pub number: u64,
    /// Its head branch (empty when a Railway event did not say).
    pub branch: String,
    /// Its head commit, when known.
    pub sha: Option<String>,
    /// Its repository, `owner/name`, when known.
    pub repo: Option<String>,
    /// Whether it is a draft.
    #[serde(default)]
    pub draft: bool,
    /// For a close: whether it was merged.
    #[serde(default)]
    pub merged: Option<bool>,
    /// Where people see it.
    #[serde(default)]
    pub html_url: Option<String>,
    /// The GitHub App installation that sent it, if any (the comment is
    /// written with that installation's token).
    #[serde(default)]
    pub installation_id: Option<u64>,
}

impl PreviewTarget {
    /// The model's view of it (`Project::preview`).
    pub fn pull_request(&self) -> PullRequest {
        PullRequest {
            number: self.number,
            branch: self.branch.clone(),
            sha: self.sha.clone(),
            repo: self.repo.clone(),
        }
    }
}

/// Why a job did not succeed. The message is kept in the state database
/// and logged: it must not hold a secret (the service also redacts the
/// secrets it knows before keeping it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewError {
    /// What went wrong, for a person.
    pub message: String,
    /// Whether trying again later may succeed (a timeout, a rate limit, a
    /// 5xx); `false` for a mistake in the files or a refused token.
    pub retry: bool,
}

impl PreviewError {
    /// A job's error for an engine failure: a mistake in the files (a
    /// diagnostic with a place in them, or a project with errors) or in
    /// the request (a usage error, a refusal of serve's, a protected
    /// resource, a destroy not allowed) stays until someone edits
    /// something — not retried; anything else (Railway unreachable, a
    /// lock held) is.
    pub fn of(failure: &crate::engine::Failure) -> PreviewError {
        let permanent = failure.exit == crate::engine::Exit::Usage
            || failure.diagnostics.iter().any(|d| {
                d.primary.is_some()
                    || d.code == "mirage::engine::project_has_errors"
                    || d.code.starts_with("mirage::serve::")
                    || d.code == "mirage::apply::protected"
                    || d.code == "mirage::apply::destroy_not_allowed"
            });
        if permanent {
            PreviewError::permanent(failure.messages())
        } else {
            PreviewError::transient(failure.messages())
        }
    }

    /// A failure worth retrying.
    pub fn transient(message: impl Into<String>) -> PreviewError {
        PreviewError {
            message: message.into(),
            retry: true,
        }
    }

    /// A failure that will not go away by itself.
    pub fn permanent(message: impl Into<String>) -> PreviewError {
        PreviewError {
            message: message.into(),
            retry: false,
        }
    }
}

impl std::fmt::Display for PreviewError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Asks a running job to stop at its next safe point (between two writes
/// to Railway, never inside one): the pull request was closed meanwhile,
/// the server is shutting down, or the job's lease was lost. A job that
/// stops returns `Err`; one that finishes anyway may return `Ok`.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<Mutex<Option<String>>>);

impl Cancel {
    /// A cancel nobody has asked for yet.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Asks the job to stop, saying why (the first reason wins).
    pub fn cancel(&self, reason: impl Into<String>) {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(reason.into());
        }
    }

    /// Why the job should stop, if it should.
    pub fn reason(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Whether the job should stop.
    pub fn is_cancelled(&self) -> bool {
        self.reason().is_some()
    }
}

/// The future a [`Previews`] method returns.
pub type PreviewFuture<'a> = Pin<Box<dyn Future<Output = Result<(), PreviewError>> + Send + 'a>>;

/// The preview lifecycle as jobs call it. Every method must be safe to
/// run again after a crash part way (the job is then claimed again and
/// resumes): `up` converges, `down` of a preview that is gone succeeds.
pub trait Previews: Send + Sync + 'static {
    /// Creates or updates the previews of `pr` (every template of the
    /// project), extends their TTL and updates the comment.
    fn up<'a>(&'a self, pr: &'a PreviewTarget, cancel: &'a Cancel) -> PreviewFuture<'a>;

    /// Destroys the previews of `pr` and says so in the comment.
    fn down<'a>(&'a self, pr: &'a PreviewTarget, cancel: &'a Cancel) -> PreviewFuture<'a>;

    /// Destroys expired previews and evicts the oldest beyond each
    /// template's maximum.
    fn gc<'a>(&'a self, cancel: &'a Cancel) -> PreviewFuture<'a>;

    /// Re-reads the previews' deployments and rewrites the comment of
    /// `pr` (a deployment finished or failed).
    fn refresh_comment<'a>(
        &'a self,
        pr: &'a PreviewTarget,
        cancel: &'a Cancel,
    ) -> PreviewFuture<'a>;

    /// The engine the jobs run with (context and project directory),
    /// for the API's reads (overview, templates, plan) and requests. By
    /// default none: the API answers that the project has no files here.
    fn engine(&self) -> Option<(&crate::engine::Context, &std::path::Path)> {
        None
    }

    /// Runs a job of kind `create`, `destroy` or `apply`
    /// (`super::environments`). By default refused for good.
    fn environment_job<'a>(
        &'a self,
        job: &'a crate::state::Job,
        _cancel: &'a Cancel,
    ) -> PreviewFuture<'a> {
        Box::pin(async move {
            Err(PreviewError::permanent(format!(
                "this service cannot run `{}` jobs",
                job.kind
            )))
        })
    }
}

/// The previews of a build whose `preview` room is not wired into serve
/// yet: every job fails for good with a message saying so (the queue,
/// webhooks and retries work; nothing is created on Railway).
#[derive(Clone, Copy, Debug, Default)]
pub struct Unwired;

impl Unwired {
    fn refuse<'a>() -> PreviewFuture<'a> {
        Box::pin(async {
            Err(PreviewError::permanent(
                "this build of `mirage serve` has no preview lifecycle wired in: jobs are queued and claimed but cannot run",
            ))
        })
    }
}

impl Previews for Unwired {
    fn up<'a>(&'a self, _: &'a PreviewTarget, _: &'a Cancel) -> PreviewFuture<'a> {
        Unwired::refuse()
    }

    fn down<'a>(&'a self, _: &'a PreviewTarget, _: &'a Cancel) -> PreviewFuture<'a> {
        Unwired::refuse()
    }

    fn gc<'a>(&'a self, _: &'a Cancel) -> PreviewFuture<'a> {
        Unwired::refuse()
    }

    fn refresh_comment<'a>(&'a self, _: &'a PreviewTarget, _: &'a Cancel) -> PreviewFuture<'a> {
        Unwired::refuse()
    }
}
