//! The GitHub webhook events previews act on, parsed from the signed body
//! into the fields previews need (payload shapes: GitHub docs "Webhook
//! events and payloads"; real examples in `../shared/fixtures/github/`).

use serde::Deserialize;

use super::error::WebhookError;

/// A repository as webhooks describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repository {
    /// `OWNER/NAME`.
    pub full_name: String,
    /// The owner's login.
    pub owner: String,
    /// The name.
    pub name: String,
}

/// What happened to a pull request (`action`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PullRequestAction {
    /// Opened.
    Opened,
    /// Reopened after a close.
    Reopened,
    /// New commits on the head branch.
    Synchronize,
    /// Closed; `merged` tells a merge from a close without merging.
    Closed {
        /// Whether the pull request was merged.
        merged: bool,
    },
    /// Turned into a draft.
    ConvertedToDraft,
    /// A draft marked ready.
    ReadyForReview,
    /// Any other action (`labeled`, `edited`, `assigned`…): previews
    /// ignore it.
    Other(String),
}

/// A `pull_request` delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullRequestEvent {
    /// What happened.
    pub action: PullRequestAction,
    /// The pull request's number.
    pub number: u64,
    /// Its head branch (`pull_request.head.ref`).
    pub head_ref: String,
    /// Its head commit (`pull_request.head.sha`).
    pub head_sha: String,
    /// The repository the head branch lives in (`None` when the fork was
    /// deleted); differs from [`Self::repository`] for a fork.
    pub head_repository: Option<String>,
    /// The branch it merges into.
    pub base_ref: String,
    /// Whether it is a draft.
    pub draft: bool,
    /// `open` or `closed`.
    pub state: String,
    /// Where people see it.
    pub html_url: String,
    /// The repository it belongs to.
    pub repository: Repository,
    /// The GitHub App installation, when the hook belongs to an App.
    pub installation_id: Option<u64>,
    /// Who caused it.
    pub sender: Option<String>,
}

impl PullRequestEvent {
    /// Whether the head branch comes from another repository (a fork):
    /// its code is not the repository owner's to trust.
    pub fn is_from_fork(&self) -> bool {
        self.head_repository.as_deref() != Some(self.repository.full_name.as_str())
    }
}

/// A `push` delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushEvent {
    /// The full ref (`refs/heads/main`).
    pub git_ref: String,
    /// The commit before the push.
    pub before: String,
    /// The commit after it (all zeros when the branch was deleted).
    pub after: String,
    /// Whether the push deleted the ref.
    pub deleted: bool,
    /// The repository.
    pub repository: Repository,
    /// The GitHub App installation, when the hook belongs to an App.
    pub installation_id: Option<u64>,
}

/// An `installation` delivery (the App installed, removed, suspended…).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallationEvent {
    /// `created`, `deleted`, `suspend`, `unsuspend`, `new_permissions_accepted`.
    pub action: String,
    /// The installation.
    pub installation_id: u64,
    /// The account it is installed on.
    pub account: Option<String>,
}

/// A `ping` delivery, sent once when a hook is created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PingEvent {
    /// GitHub's zen line.
    pub zen: Option<String>,
    /// The hook's id.
    pub hook_id: Option<u64>,
}

/// A webhook event, by its `X-GitHub-Event` name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GithubEvent {
    /// `ping`.
    Ping(PingEvent),
    /// `pull_request`.
    PullRequest(Box<PullRequestEvent>),
    /// `push`.
    Push(PushEvent),
    /// `installation`.
    Installation(InstallationEvent),
    /// Any other event: acknowledged and ignored.
    Other {
        /// The `X-GitHub-Event` name.
        event: String,
    },
}

impl GithubEvent {
    /// Parses the body of a delivery of `event`. The body must already be
    /// verified ([`super::verify_signature`]).
    pub fn parse(event: &str, body: &[u8]) -> Result<GithubEvent, WebhookError> {
        let bad = |error: serde_json::Error| WebhookError::BadPayload {
            event: event.to_owned(),
            reason: error.to_string(),
        };
        Ok(match event {
            "ping" => {
                let raw: RawPing = serde_json::from_slice(body).map_err(bad)?;
                GithubEvent::Ping(PingEvent {
                    zen: raw.zen,
                    hook_id: raw.hook_id,
                })
            }
            "pull_request" => {
                let raw: RawPullRequestEvent = serde_json::from_slice(body).map_err(bad)?;
                GithubEvent::PullRequest(Box::new(raw.into_event()))
            }
            "push" => {
                let raw: RawPush = serde_json::from_slice(body).map_err(bad)?;
                GithubEvent::Push(PushEvent {
                    git_ref: raw.git_ref,
                    before: raw.before,
                    after: raw.after,
                    deleted: raw.deleted,
                    repository: raw.repository.into(),
                    installation_id: raw.installation.map(|i| i.id),
                })
            }
            "installation" => {
                let raw: RawInstallationEvent = serde_json::from_slice(body).map_err(bad)?;
                GithubEvent::Installation(InstallationEvent {
                    action: raw.action,
                    installation_id: raw.installation.id,
                    account: raw.installation.account.map(|a| a.login),
                })
            }
            other => {
                // Still JSON: a body that is not is refused alike for every
                // event.
                serde_json::from_slice::<serde::de::IgnoredAny>(body).map_err(bad)?;
                GithubEvent::Other {
                    event: other.to_owned(),
                }
            }
        })
    }
}

#[derive(Deserialize)]
struct RawPing {
    zen: Option<String>,
    hook_id: Option<u64>,
}

#[derive(Deserialize)]
struct RawOwner {
    login: String,
}

#[derive(Deserialize)]
struct RawRepository {
    full_name: String,
    name: String,
    owner: RawOwner,
}

impl From<RawRepository> for Repository {
    fn from(raw: RawRepository) -> Repository {
        Repository {
            full_name: raw.full_name,
            owner: raw.owner.login,
            name: raw.name,
        }
    }
}

#[derive(Deserialize)]
struct RawInstallationRef {
    id: u64,
}

#[derive(Deserialize)]
struct RawBranch {
    #[serde(rename = "ref")]
    git_ref: String,
    sha: String,
    repo: Option<RawHeadRepository>,
}

#[derive(Deserialize)]
struct RawHeadRepository {
    full_name: String,
}

#[derive(Deserialize)]
struct RawPullRequest {
    head: RawBranch,
    base: RawBranch,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    merged: Option<bool>,
    state: String,
    html_url: String,
}

#[derive(Deserialize)]
struct RawSender {
    login: String,
}

#[derive(Deserialize)]
struct RawPullRequestEvent {
    action: String,
    number: u64,
    pull_request: RawPullRequest,
    repository: RawRepository,
    installation: Option<RawInstallationRef>,
    sender: Option<RawSender>,
}

impl RawPullRequestEvent {
    fn into_event(self) -> PullRequestEvent {
        let pr = self.pull_request;
        let action = match self.action.as_str() {
            "opened" => PullRequestAction::Opened,
            "reopened" => PullRequestAction::Reopened,
            "synchronize" => PullRequestAction::Synchronize,
            "closed" => PullRequestAction::Closed {
                merged: pr.merged.unwrap_or(false),
            },
            "converted_to_draft" => PullRequestAction::ConvertedToDraft,
            "ready_for_review" => PullRequestAction::ReadyForReview,
            _ => PullRequestAction::Other(self.action.clone()),
        };
        PullRequestEvent {
            action,
            number: self.number,
            head_ref: pr.head.git_ref,
            head_sha: pr.head.sha,
            head_repository: pr.head.repo.map(|repo| repo.full_name),
            base_ref: pr.base.git_ref,
            draft: pr.draft,
            state: pr.state,
            html_url: pr.html_url,
            repository: self.repository.into(),
            installation_id: self.installation.map(|i| i.id),
            sender: self.sender.map(|s| s.login),
        }
    }
}

#[derive(Deserialize)]
struct RawPush {
    #[serde(rename = "ref")]
    git_ref: String,
    before: String,
    after: String,
    #[serde(default)]
    deleted: bool,
    repository: RawRepository,
    installation: Option<RawInstallationRef>,
}

#[derive(Deserialize)]
struct RawInstallation {
    id: u64,
    account: Option<RawOwner>,
}

#[derive(Deserialize)]
struct RawInstallationEvent {
    action: String,
    installation: RawInstallation,
}
