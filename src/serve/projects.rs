//! The projects one service serves: each with its checkout, its preview
//! names, the repositories whose webhooks are its own, its queue rules, its
//! [`Previews`], and its operations (`--pull`, drift detection).
//!
//! Other rooms look a project up through [`super::server::App::project`].

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::jobs::Policy;
use super::names::PreviewNames;
use super::previews::Previews;

/// How one project is served.
#[derive(Clone, Default)]
pub struct ProjectConfig {
    /// The project's name (of its `.mirage` files); queues are per project.
    pub name: String,
    /// Its checkout, when serve reads one (`None` in tests that drive
    /// [`Previews`] alone).
    pub dir: Option<PathBuf>,
    /// Its preview names (Railway events → pull requests).
    pub names: PreviewNames,
    /// Whether its draft pull requests get previews.
    pub drafts: bool,
    /// The repositories (`org/app`) whose GitHub deliveries are this
    /// project's. Empty: every repository's.
    pub repos: Vec<String>,
    /// How often its checkout is pulled from git; `None`: never.
    pub pull_every: Option<Duration>,
    /// The branch of the checkout (a `push` to it queues a pull); read at
    /// start when pulling.
    pub branch: Option<String>,
    /// How often its declared environments are planned for drift; `None`:
    /// never.
    pub drift_every: Option<Duration>,
    /// The Slack-compatible incoming webhook drift is told to (a secret).
    pub drift_webhook: Option<String>,
}

impl std::fmt::Debug for ProjectConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProjectConfig")
            .field("name", &self.name)
            .field("dir", &self.dir)
            .field("names", &self.names)
            .field("drafts", &self.drafts)
            .field("repos", &self.repos)
            .field("pull_every", &self.pull_every)
            .field("branch", &self.branch)
            .field("drift_every", &self.drift_every)
            .field(
                "drift_webhook",
                &self.drift_webhook.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl ProjectConfig {
    /// A project with nothing but its name.
    pub fn named(name: impl Into<String>) -> ProjectConfig {
        ProjectConfig {
            name: name.into(),
            ..ProjectConfig::default()
        }
    }

    /// Whether a GitHub delivery from `repo` (`org/app`) is this project's.
    pub fn takes_repo(&self, repo: &str) -> bool {
        self.repos.is_empty() || self.repos.iter().any(|r| r.eq_ignore_ascii_case(repo))
    }
}

/// How the last pull of a project went, for `/readyz`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PullStatus {
    /// The commit served (after the last good pull or at start).
    pub commit: Option<String>,
    /// The last failure, when the last pull failed (the last good files
    /// are still served).
    pub error: Option<String>,
    /// When the last pull ended (seconds since the Unix epoch).
    pub at: Option<i64>,
}

/// A served project at run time.
pub struct ServedProject {
    /// How it is served.
    pub config: ProjectConfig,
    pub(super) policy: Policy,
    pub(super) previews: Arc<dyn Previews>,
    /// Taken for reading by every job of the project while it runs and
    /// for writing by a pull while it updates the checkout and re-loads
    /// the files: a job never reads half-updated files.
    pub(super) files: tokio::sync::RwLock<()>,
    pub(super) pull: Mutex<PullStatus>,
    pub(super) ops: Option<super::ops::Ops>,
    /// Its preview names as its files say now (a pull may change them).
    names: Mutex<PreviewNames>,
}

impl ServedProject {
    pub(super) fn new(
        config: ProjectConfig,
        max_attempts: u32,
        previews: Arc<dyn Previews>,
        ops: Option<super::ops::Ops>,
    ) -> ServedProject {
        let names = Mutex::new(config.names.clone());
        ServedProject {
            policy: Policy {
                project: config.name.clone(),
                drafts: config.drafts,
                max_attempts,
            },
            config,
            previews,
            files: tokio::sync::RwLock::new(()),
            pull: Mutex::new(PullStatus::default()),
            ops,
            names,
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// How its last pull went.
    pub fn pull_status(&self) -> PullStatus {
        self.pull.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Its preview names, as of the last files loaded.
    pub fn names(&self) -> PreviewNames {
        self.names.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(super) fn set_names(&self, names: PreviewNames) {
        *self.names.lock().unwrap_or_else(|p| p.into_inner()) = names;
    }

    pub(super) fn set_pull_status(&self, status: PullStatus) {
        *self.pull.lock().unwrap_or_else(|p| p.into_inner()) = status;
    }
}
