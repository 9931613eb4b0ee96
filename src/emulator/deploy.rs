//! Deployments over time: the status a deployment has at a given moment,
//! and the build and deploy logs it has written by then. Both are pure
//! functions of the record and the clock, so nothing runs in the background.
//!
//! The rule for failures (documented in `docs/emulator.md`): a build command
//! containing `exit 1` fails the build (`FAILED`); a start command
//! containing `exit 1` crashes the container (`CRASHED`).

use serde_json::Value;

use super::clock::rfc3339;
use super::state::{DeploymentRec, Outcome, State};

/// Decides how a deployment will end from its commands.
pub fn outcome_for(build_command: Option<&str>, start_command: Option<&str>) -> Outcome {
    if build_command.is_some_and(|c| c.contains("exit 1")) {
        Outcome::BuildFailed
    } else if start_command.is_some_and(|c| c.contains("exit 1")) {
        Outcome::Crashed
    } else {
        Outcome::Success
    }
}

/// A deployment's status, as Railway's `DeploymentStatus` names it.
/// "Every Deployment in Railway begins as `Initializing`"; superseded ones
/// pass through `Removing` (docs.railway.com, "Deployments" → "Deployment
/// states").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The first phase, before the build starts.
    Initializing,
    /// The build is running.
    Building,
    /// The container is starting.
    Deploying,
    /// It runs.
    Success,
    /// The build failed.
    Failed,
    /// The container exited.
    Crashed,
    /// A newer deployment succeeded; this one is being taken down.
    Removing,
    /// It was superseded, stopped or removed.
    Removed,
}

impl Status {
    /// Whether the deployment will not change any more (except to `REMOVED`).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Success | Status::Failed | Status::Crashed | Status::Removed
        )
    }
}

/// The status from the record alone: INITIALIZING, BUILDING and DEPLOYING
/// last one step each, then the outcome.
fn own_status(d: &DeploymentRec, now: i64) -> (Status, i64) {
    let step = d.step_ms as i64;
    let at = |n: i64| d.created_at + n * step;
    if d.removed_at.is_some_and(|r| r <= now) {
        return (Status::Removed, d.removed_at.unwrap_or(now));
    }
    if now < at(1) {
        return (Status::Initializing, d.created_at);
    }
    if now < at(2) {
        return (Status::Building, at(1));
    }
    if d.outcome == Outcome::BuildFailed {
        return (Status::Failed, at(2));
    }
    if now < at(3) {
        return (Status::Deploying, at(2));
    }
    match d.outcome {
        Outcome::Crashed => (Status::Crashed, at(3)),
        _ => (Status::Success, at(3)),
    }
}

/// A deployment's status and when it took it. A successful (or crashed)
/// deployment is `REMOVING` for one step once a newer one of the same
/// service instance succeeds, then `REMOVED`.
pub fn status(st: &State, d: &DeploymentRec, now: i64) -> (Status, i64) {
    let (own, since) = own_status(d, now);
    if own != Status::Success && own != Status::Crashed {
        return (own, since);
    }
    let superseded = st
        .deployments
        .values()
        .filter(|o| {
            o.seq > d.seq && o.service_id == d.service_id && o.environment_id == d.environment_id
        })
        .filter_map(|o| match own_status(o, now) {
            (Status::Success, at) => Some(at),
            _ => None,
        })
        .min();
    match superseded {
        Some(at) if now < at + d.step_ms as i64 => (Status::Removing, at),
        Some(at) => (Status::Removed, at + d.step_ms as i64),
        None => (own, since),
    }
}

/// One log line.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Epoch milliseconds.
    pub at: i64,
    /// The text of the line.
    pub message: String,
    /// `info`, or `error` for the line that reports a failure.
    pub severity: &'static str,
    /// Attributes beside `level` (structured logs), as Railway's log
    /// explorer and `@attr:value` filters see them.
    pub attributes: Vec<(String, String)>,
    /// Which replica (deployment instance) wrote it; build logs are 0.
    pub replica: u32,
}

impl LogLine {
    /// The RFC 3339 timestamp of the line.
    pub fn timestamp(&self) -> String {
        rfc3339(self.at)
    }
}

fn meta<'a>(d: &'a DeploymentRec, key: &str) -> Option<&'a str> {
    d.meta.get(key).and_then(Value::as_str)
}

/// Every build log line the deployment will write, visible or not yet:
/// the source, the builder's steps with a `step` attribute, and how it
/// ended (an `error` line when the build fails).
fn all_build_logs(d: &DeploymentRec) -> Vec<LogLine> {
    let step = d.step_ms as i64;
    let start = d.created_at + step;
    let mut lines: Vec<(String, Vec<(String, String)>)> = vec![];
    let attr = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
    match (meta(d, "image"), meta(d, "repo")) {
        (Some(image), _) => lines.push((format!("Pulling image {image}"), attr("step", "pull"))),
        (None, Some(repo)) => {
            lines.push((
                format!("Cloning {repo}@{}", meta(d, "branch").unwrap_or("main")),
                attr("step", "snapshot"),
            ));
            lines.push((
                "Using detected builder RAILPACK".to_string(),
                attr("step", "setup"),
            ));
        }
        _ => lines.push(("No source configured".to_string(), attr("step", "setup"))),
    }
    if let Some(cmd) = meta(d, "buildCommand") {
        lines.push((format!("$ {cmd}"), attr("step", "build")));
    }
    match d.outcome {
        Outcome::BuildFailed => lines.push((
            "Build failed: process exited with code 1".to_string(),
            vec![
                ("step".into(), "build".into()),
                ("exitCode".into(), "1".into()),
            ],
        )),
        _ => lines.push(("Build succeeded".to_string(), attr("step", "publish"))),
    }
    spread(lines, start, step, d.outcome == Outcome::BuildFailed, 0)
}

/// Every deploy log line the deployment will write, visible or not yet,
/// once per replica: the container start, the start command, and a
/// structured `Listening` line with its `port` (or the crash, as `error`
/// with `exitCode`).
fn all_deploy_logs(d: &DeploymentRec) -> Vec<LogLine> {
    if d.outcome == Outcome::BuildFailed {
        return vec![];
    }
    let step = d.step_ms as i64;
    let start = d.created_at + 2 * step;
    let mut out = vec![];
    for replica in 0..d.replicas.max(1) {
        let mut lines: Vec<(String, Vec<(String, String)>)> =
            vec![("Starting Container".to_string(), vec![])];
        if let Some(cmd) = meta(d, "startCommand") {
            lines.push((format!("$ {cmd}"), vec![]));
        }
        match d.outcome {
            Outcome::Crashed => lines.push((
                "Container exited with code 1".to_string(),
                vec![("exitCode".into(), "1".into())],
            )),
            _ => lines.push((
                "Listening on port 8080".to_string(),
                vec![("port".into(), "8080".into())],
            )),
        }
        out.extend(spread(
            lines,
            start,
            step,
            d.outcome == Outcome::Crashed,
            replica,
        ));
    }
    out.sort_by_key(|l| (l.at, l.replica));
    out
}

/// Spreads lines evenly over one phase; the last line is an error when the
/// phase fails.
fn spread(
    lines: Vec<(String, Vec<(String, String)>)>,
    start: i64,
    step: i64,
    fails: bool,
    replica: u32,
) -> Vec<LogLine> {
    let n = lines.len() as i64;
    lines
        .into_iter()
        .enumerate()
        .map(|(i, (message, attributes))| {
            let last = i as i64 == n - 1;
            LogLine {
                at: start + (i as i64 * step) / n.max(1),
                severity: if last && fails { "error" } else { "info" },
                message,
                attributes,
                replica,
            }
        })
        .collect()
}

/// Build logs written by `now`.
pub fn build_logs(d: &DeploymentRec, now: i64) -> Vec<LogLine> {
    all_build_logs(d)
        .into_iter()
        .filter(|l| l.at <= now)
        .collect()
}

/// Deploy logs written by `now`.
pub fn deploy_logs(d: &DeploymentRec, now: i64) -> Vec<LogLine> {
    all_deploy_logs(d)
        .into_iter()
        .filter(|l| l.at <= now)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(outcome: Outcome) -> DeploymentRec {
        DeploymentRec {
            id: "d".into(),
            project_id: "p".into(),
            environment_id: "e".into(),
            service_id: "s".into(),
            created_at: 1000,
            step_ms: 100,
            outcome,
            snapshot_id: "x".into(),
            meta: json!({"image": "nginx", "startCommand": "sh -c 'exit 1'"}),
            removed_at: None,
            seq: 1,
            replicas: 1,
            regions: vec![],
        }
    }

    #[test]
    fn statuses_progress_with_the_clock() {
        let st = State::default();
        let d = rec(Outcome::Success);
        let at = |t| status(&st, &d, t).0;
        assert_eq!(
            [at(1000), at(1100), at(1200), at(1300)],
            [
                Status::Initializing,
                Status::Building,
                Status::Deploying,
                Status::Success
            ]
        );
        assert_eq!(
            status(&st, &rec(Outcome::BuildFailed), 5000).0,
            Status::Failed
        );
        assert_eq!(status(&st, &rec(Outcome::Crashed), 5000).0, Status::Crashed);
    }

    #[test]
    fn logs_appear_over_time() {
        let d = rec(Outcome::Crashed);
        assert!(deploy_logs(&d, 1100).is_empty());
        let all = deploy_logs(&d, 10_000);
        assert_eq!(all.last().map(|l| l.severity), Some("error"));
        assert!(
            build_logs(&d, 1100).len() < build_logs(&d, 10_000).len()
                || build_logs(&d, 1100).len() == 1
        );
    }

    #[test]
    fn outcome_rule() {
        assert_eq!(
            outcome_for(Some("make && exit 1"), None),
            Outcome::BuildFailed
        );
        assert_eq!(outcome_for(None, Some("exit 1")), Outcome::Crashed);
        assert_eq!(outcome_for(None, Some("node server.js")), Outcome::Success);
    }
}
