//! Which job an event asks for, and running one: the rules of the queue
//! that are about pull requests (the state room knows only queues).
//!
//! * `opened`, `reopened`, `synchronize`, `ready_for_review` → `up` of the
//!   head commit; queued `up`s of one pull request coalesce to the newest.
//! * `closed` (merged or not) → `down`; it supersedes `up`s still queued
//!   and asks a running `up` to stop at a safe point. The `down` runs
//!   after it either way: never a down before the up, never a preview
//!   left behind.
//! * `converted_to_draft` → `down` when drafts get no preview; a draft's
//!   other events are ignored then.
//! * A Railway deployment event of a preview → `refresh` of its comment.
//! * Every event carries the pull request's `updated_at`: an event older
//!   than one already acted on (GitHub delivers out of order) is dropped;
//!   of two within the same second, a close beats a push or an open.

use crate::auth::{PullRequestAction, PullRequestEvent};
use crate::state::{Job, NewJob};

use super::previews::{Cancel, PreviewError, PreviewTarget, Previews};

/// The kinds of job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Create or update a pull request's previews.
    Up,
    /// Destroy them.
    Down,
    /// Rewrite the comment.
    Refresh,
    /// Collect expired previews.
    Gc,
    /// Pull the project's checkout from git (ops).
    Pull,
    /// Plan the project's declared environments for drift (ops).
    Drift,
}

impl Kind {
    /// The kind as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Up => "up",
            Kind::Down => "down",
            Kind::Refresh => "refresh",
            Kind::Gc => "gc",
            Kind::Pull => "pull",
            Kind::Drift => "drift",
        }
    }

    /// A stored kind.
    pub fn parse(text: &str) -> Option<Kind> {
        Some(match text {
            "up" => Kind::Up,
            "down" => Kind::Down,
            "refresh" => Kind::Refresh,
            "gc" => Kind::Gc,
            "pull" => Kind::Pull,
            "drift" => Kind::Drift,
            _ => return None,
        })
    }
}

/// The queue of pull request `number` of `project`.
pub fn pr_queue(project: &str, number: u64) -> String {
    format!("{project}/pr/{number}")
}

/// The queue of `project`'s GC.
pub fn gc_queue(project: &str) -> String {
    format!("{project}/gc")
}

/// The queue of `project`'s pulls.
pub fn pull_queue(project: &str) -> String {
    format!("{project}/pull")
}

/// The queue of `project`'s drift checks.
pub fn drift_queue(project: &str) -> String {
    format!("{project}/drift")
}

/// The job pulling `project`'s checkout (a `push` to its branch); queued
/// pulls coalesce.
pub fn pull(project: &str, max_attempts: u32, delivery: Option<&str>) -> NewJob {
    NewJob {
        project: project.to_owned(),
        queue: pull_queue(project),
        kind: Kind::Pull.as_str().to_owned(),
        payload: "{}".to_owned(),
        delivery: delivery.map(str::to_owned),
        max_attempts,
        event_time: None,
        coalesce: true,
        supersedes: Vec::new(),
        cancel_reason: String::new(),
    }
}

/// How events become jobs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The project (queues are per project).
    pub project: String,
    /// Whether draft pull requests get previews.
    pub drafts: bool,
    /// Claims of a job before it fails for good.
    pub max_attempts: u32,
}

/// What an event asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// This job.
    Queue(Box<NewJob>),
    /// Nothing: why.
    Ignore(String),
}

/// The reason a running `up` is asked to stop when its pull request closes.
pub const CLOSED_WHILE_RUNNING: &str = "the pull request was closed: its preview is destroyed next";

/// The job a `pull_request` event asks for. `updated_at` is the pull
/// request's `updated_at` in milliseconds (ordering of events).
pub fn for_pull_request(
    policy: &Policy,
    event: &PullRequestEvent,
    updated_at: Option<i64>,
    delivery: &str,
) -> Decision {
    if event.is_from_fork() {
        // A fork's code would run with the project's variables.
        return Decision::Ignore(format!(
            "pull request #{} comes from a fork: forks get no preview",
            event.number
        ));
    }
    let draft_excluded = event.draft && !policy.drafts;
    let kind = match &event.action {
        PullRequestAction::Opened
        | PullRequestAction::Reopened
        | PullRequestAction::Synchronize
        | PullRequestAction::ReadyForReview => {
            if draft_excluded {
                return Decision::Ignore(format!(
                    "pull request #{} is a draft and drafts get no preview (`--drafts`)",
                    event.number
                ));
            }
            Kind::Up
        }
        PullRequestAction::Closed { .. } => Kind::Down,
        PullRequestAction::ConvertedToDraft => {
            if policy.drafts {
                return Decision::Ignore(format!(
                    "pull request #{} became a draft; drafts keep their preview",
                    event.number
                ));
            }
            Kind::Down
        }
        PullRequestAction::Other(action) => {
            return Decision::Ignore(format!("`pull_request` action `{action}` needs no preview"));
        }
    };
    let target = PreviewTarget {
        number: event.number,
        branch: event.head_ref.clone(),
        sha: Some(event.head_sha.clone()),
        repo: Some(event.repository.full_name.clone()),
        draft: event.draft,
        merged: match event.action {
            PullRequestAction::Closed { merged } => Some(merged),
            _ => None,
        },
        html_url: Some(event.html_url.clone()),
        installation_id: event.installation_id,
    };
    Decision::Queue(Box::new(NewJob {
        project: policy.project.clone(),
        queue: pr_queue(&policy.project, event.number),
        kind: kind.as_str().to_owned(),
        payload: payload(&target),
        delivery: Some(delivery.to_owned()),
        max_attempts: policy.max_attempts,
        // Twice the time, plus one for a `down`: GitHub's `updated_at` has
        // seconds, and of a push and a close within one second the close
        // must win whichever arrives last (a preview left behind costs
        // more than a same-second reopen that waits for its next push).
        event_time: updated_at.map(|time| time.saturating_mul(2) + i64::from(kind == Kind::Down)),
        coalesce: kind == Kind::Up,
        supersedes: if kind == Kind::Down {
            vec![
                Kind::Up.as_str().to_owned(),
                Kind::Refresh.as_str().to_owned(),
            ]
        } else {
            Vec::new()
        },
        cancel_reason: CLOSED_WHILE_RUNNING.to_owned(),
    }))
}

/// The job refreshing the comment of `target`'s pull request.
pub fn refresh(policy: &Policy, target: &PreviewTarget) -> NewJob {
    NewJob {
        project: policy.project.clone(),
        queue: pr_queue(&policy.project, target.number),
        kind: Kind::Refresh.as_str().to_owned(),
        payload: payload(target),
        delivery: None,
        max_attempts: policy.max_attempts,
        event_time: None,
        coalesce: true,
        supersedes: Vec::new(),
        cancel_reason: String::new(),
    }
}

fn payload(target: &PreviewTarget) -> String {
    // Plain data: serialising it cannot fail.
    serde_json::to_string(target).unwrap_or_else(|_| "{}".to_owned())
}

/// Runs `job` through `previews`.
pub async fn run(previews: &dyn Previews, job: &Job, cancel: &Cancel) -> Result<(), PreviewError> {
    // Serve-created environments and project applies.
    if super::environments::is_environment_kind(&job.kind) {
        return previews.environment_job(job, cancel).await;
    }
    let kind = Kind::parse(&job.kind)
        .ok_or_else(|| PreviewError::permanent(format!("unknown job kind `{}`", job.kind)))?;
    match kind {
        Kind::Gc => return previews.gc(cancel).await,
        Kind::Pull | Kind::Drift => {
            return Err(PreviewError::permanent(format!(
                "`{}` jobs are run by the project's operations, which this service has not",
                job.kind
            )));
        }
        _ => {}
    }
    let target: PreviewTarget = serde_json::from_str(&job.payload).map_err(|error| {
        PreviewError::permanent(format!("the job's payload cannot be read: {error}"))
    })?;
    match kind {
        Kind::Up => previews.up(&target, cancel).await,
        Kind::Down => previews.down(&target, cancel).await,
        Kind::Refresh => previews.refresh_comment(&target, cancel).await,
        Kind::Gc => previews.gc(cancel).await,
        Kind::Pull | Kind::Drift => Ok(()),
    }
}

/// `pull_request.updated_at` of a delivery's body, in milliseconds since
/// the Unix epoch (GitHub sends RFC 3339 with seconds).
pub fn updated_at(body: &[u8]) -> Option<i64> {
    #[derive(serde::Deserialize)]
    struct Body {
        pull_request: PullRequest,
    }
    #[derive(serde::Deserialize)]
    struct PullRequest {
        updated_at: Option<String>,
    }
    let body: Body = serde_json::from_slice(body).ok()?;
    let text = body.pull_request.updated_at?;
    let time =
        time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(time.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updated_at_is_read_in_milliseconds() {
        let body = br#"{"pull_request":{"updated_at":"2019-05-15T15:20:33Z"}}"#;
        assert_eq!(updated_at(body), Some(1_557_933_633_000));
        assert_eq!(updated_at(br#"{"pull_request":{}}"#), None);
        assert_eq!(updated_at(b"[]"), None);
    }
}
