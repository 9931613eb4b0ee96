//! The real [`Previews`] of `mirage serve`: each job calls the `preview`
//! room — the same functions as `mirage preview up/down/gc` — and writes
//! the pull request's sticky comment with the same markdown and the same
//! hidden marker as `mirage preview up --format markdown | mirage comment
//! --key preview`, so the CLI and the service edit one comment.

use std::path::PathBuf;
use std::time::Duration;

use super::previews::{Cancel, PreviewError, PreviewFuture, PreviewTarget, Previews};
use crate::engine::{self, Context, Failure};
use crate::github::{self, Auth, Marker, Repo};
use crate::preview::{self, UpRequest, render};

/// The key of the preview comment (`mirage comment --key preview`).
pub const COMMENT_KEY: &str = "preview";

/// How long an `up` waits for the deployments by default.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(10 * 60);

/// The previews of the project in `dir`, on Railway and in the state
/// database `context` names, with comments through `github` (none when it
/// has no credentials).
pub struct Lifecycle {
    context: Context,
    dir: PathBuf,
    github: Option<github::Client>,
    wait: Duration,
    credentials: Option<super::credentials::ProjectCredentials>,
}

impl Lifecycle {
    /// The lifecycle of the project in `dir`.
    pub fn new(context: Context, dir: PathBuf, github: github::ClientOptions) -> Lifecycle {
        let github = match github.auth {
            Auth::Anonymous => None,
            _ => match github::Client::new(github) {
                Ok(client) => Some(client),
                Err(error) => {
                    // Previews still run; say why comments will not.
                    super::log::warn(
                        "serve.github",
                        &[("message", &format!("no pull request comments: {error}"))],
                    );
                    None
                }
            },
        };
        Lifecycle {
            context,
            dir,
            github,
            wait: DEFAULT_WAIT,
            credentials: None,
        }
    }

    /// The same, its jobs using the project's own Railway token when an
    /// admin stored one (sealed; `PUT /api/projects/{p}/railway-token`).
    pub fn with_credentials(
        mut self,
        credentials: Option<super::credentials::ProjectCredentials>,
    ) -> Lifecycle {
        self.credentials = credentials;
        self
    }

    /// The context of one job (see [`super::credentials::job_context`]).
    async fn job_context(&self) -> Result<Context, PreviewError> {
        super::credentials::job_context(&self.context, &self.dir, self.credentials.as_ref())
            .await
            .map_err(|f| PreviewError::of(&f))
    }

    /// The same with another deployment wait (tests).
    pub fn with_wait(mut self, wait: Duration) -> Lifecycle {
        self.wait = wait;
        self
    }

    async fn comment(&self, pr: &PreviewTarget, body: &str) -> Result<(), PreviewError> {
        let (Some(client), Some(repo)) = (&self.github, &pr.repo) else {
            return Ok(());
        };
        let repo = Repo::parse(repo).map_err(|e| PreviewError::permanent(e.to_string()))?;
        let marker = Marker::new(&format!("mirage:{COMMENT_KEY} pr={}", pr.number))
            .map_err(|e| PreviewError::permanent(e.to_string()))?;
        github::upsert_sticky_comment(client, &repo, pr.number, &marker, body)
            .await
            .map(|_| ())
            .map_err(|e| {
                if e.may_have_happened() || !e.is_not_found() {
                    PreviewError::transient(format!("the pull request's comment: {e}"))
                } else {
                    PreviewError::permanent(format!("the pull request's comment: {e}"))
                }
            })
    }

    fn templates(&self) -> Result<Vec<String>, Failure> {
        let loaded = engine::load(&self.dir)?;
        Ok(loaded.project.templates().map(|t| t.name.clone()).collect())
    }
}

fn cancelled(cancel: &Cancel) -> Result<(), PreviewError> {
    match cancel.reason() {
        Some(reason) => Err(PreviewError::transient(format!("cancelled: {reason}"))),
        None => Ok(()),
    }
}

impl Previews for Lifecycle {
    fn up<'a>(&'a self, pr: &'a PreviewTarget, cancel: &'a Cancel) -> PreviewFuture<'a> {
        Box::pin(async move {
            let context = self.job_context().await?;
            let templates = match self.templates() {
                Ok(templates) => templates,
                Err(failure) => {
                    // The files have a mistake: say so where the author looks.
                    let body = render::markdown_failure(pr.number, &failure);
                    self.comment(pr, &body).await?;
                    return Err(PreviewError::of(&failure));
                }
            };
            // One comment per pull request: with several templates, one
            // section each.
            let mut sections = Vec::new();
            let mut first_error = None;
            for template in templates {
                cancelled(cancel)?;
                let request = UpRequest {
                    pr: pr.pull_request(),
                    template: Some(template),
                    wait: Some(self.wait),
                    poll: Duration::from_secs(2),
                    lock_wait: Some(Duration::from_secs(60)),
                };
                match preview::up(&context, &self.dir, &request).await {
                    Ok(outcome) => {
                        let now = context.clock.now();
                        sections.push(render::markdown(
                            &outcome.preview,
                            outcome.problem.as_ref(),
                            now,
                        ));
                        if let Some(problem) = &outcome.problem {
                            first_error
                                .get_or_insert(PreviewError::permanent(problem.message.clone()));
                        }
                    }
                    Err(failure) => {
                        sections.push(render::markdown_failure(pr.number, &failure));
                        first_error.get_or_insert(PreviewError::of(&failure));
                    }
                }
            }
            if !sections.is_empty() {
                self.comment(pr, &sections.join("\n---\n\n")).await?;
            }
            first_error.map_or(Ok(()), Err)
        })
    }

    fn down<'a>(&'a self, pr: &'a PreviewTarget, _cancel: &'a Cancel) -> PreviewFuture<'a> {
        Box::pin(async move {
            let context = self.job_context().await?;
            let outcome = preview::down(
                &context,
                &self.dir,
                pr.number,
                None,
                Some(Duration::from_secs(60)),
            )
            .await
            .map_err(|f| PreviewError::of(&f))?;
            let body = render::markdown_down(&outcome, pr.merged);
            self.comment(pr, &body).await?;
            match outcome.previews.iter().find(|h| !h.fate.is_success()) {
                Some(handled) => Err(PreviewError::transient(format!(
                    "`{}` was not destroyed: {:?}",
                    handled.preview.environment, handled.fate
                ))),
                None => Ok(()),
            }
        })
    }

    fn gc<'a>(&'a self, _cancel: &'a Cancel) -> PreviewFuture<'a> {
        Box::pin(async move {
            let context = self.job_context().await?;
            let outcome = preview::gc(&context, &self.dir, false, Some(Duration::from_secs(60)))
                .await
                .map_err(|f| PreviewError::of(&f))?;
            // Serve-created environments past their TTL too.
            let environments = super::environments::gc(&context, &self.dir)
                .await
                .map_err(|f| PreviewError::of(&f))?;
            if let Some(failed) = environments.iter().find(|c| c.result.is_err()) {
                return Err(PreviewError::transient(format!(
                    "`{}` was not collected",
                    failed.environment
                )));
            }
            match outcome.collected.iter().find(|h| !h.fate.is_success()) {
                Some(handled) => Err(PreviewError::transient(format!(
                    "`{}` was not collected",
                    handled.preview.environment
                ))),
                None => Ok(()),
            }
        })
    }

    fn engine(&self) -> Option<(&Context, &std::path::Path)> {
        Some((&self.context, &self.dir))
    }

    fn environment_job<'a>(
        &'a self,
        job: &'a crate::state::Job,
        cancel: &'a Cancel,
    ) -> PreviewFuture<'a> {
        Box::pin(async move {
            let context = self.job_context().await?;
            super::environments::run_job(&context, &self.dir, job, cancel).await
        })
    }

    fn refresh_comment<'a>(
        &'a self,
        pr: &'a PreviewTarget,
        _cancel: &'a Cancel,
    ) -> PreviewFuture<'a> {
        Box::pin(async move {
            let context = self.job_context().await?;
            let previews = preview::list(&context, &self.dir)
                .await
                .map_err(|f| PreviewError::of(&f))?;
            let now = context.clock.now();
            let sections: Vec<String> = previews
                .iter()
                .filter(|p| p.record.number == pr.number)
                .map(|preview| render::markdown(preview, None, now))
                .collect();
            if sections.is_empty() {
                return Ok(());
            }
            self.comment(pr, &sections.join("\n---\n\n")).await
        })
    }
}
