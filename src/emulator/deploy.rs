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

/// Railway's idle period before a `sleepApplication` service sleeps: "no
/// outbound traffic for at least 10 minutes" (docs.railway.com, "App
/// Sleeping").
pub const SLEEP_AFTER_MS: i64 = 600_000;

/// Railway's default healthcheck timeout, in seconds ("300 seconds (5
/// minutes)", docs.railway.com, "Healthchecks").
pub const DEFAULT_HEALTHCHECK_TIMEOUT_S: i64 = 300;

/// A deployment's status, as Railway's `DeploymentStatus` names it.
/// "Every Deployment in Railway begins as `Initializing`"; superseded ones
/// pass through `Removing` (docs.railway.com, "Deployments" → "Deployment
/// states").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Waiting for `deploymentApprove`.
    NeedsApproval,
    /// The first phase, before the build starts.
    Initializing,
    /// The build is running.
    Building,
    /// The container is starting (and, on a crash loop, restarting).
    Deploying,
    /// It runs.
    Success,
    /// It ran and sleeps (`sleepApplication`).
    Sleeping,
    /// The build or the healthcheck failed.
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

/// When a deployment's phases happen, from its record alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeline {
    /// Creation, or approval for one that needed it.
    pub start: i64,
    /// The phase length.
    pub step: i64,
    /// `BUILDING` from here.
    pub building: i64,
    /// `DEPLOYING` from here: the container is created.
    pub deploying: i64,
    /// The container is up: the healthcheck starts, or it first exits.
    pub up: i64,
    /// The outcome (`SUCCESS`, `FAILED`, `CRASHED`) from here.
    pub end: i64,
    /// `SLEEPING` from here.
    pub sleep: Option<i64>,
}

/// The phases of a deployment; `None` while it waits for approval.
pub fn timeline(d: &DeploymentRec) -> Option<Timeline> {
    let start = if d.needs_approval {
        d.approved_at?
    } else {
        d.created_at
    };
    let step = d.step_ms as i64;
    let (building, deploying, up) = (start + step, start + 2 * step, start + 3 * step);
    let end = match d.outcome {
        Outcome::BuildFailed => deploying,
        Outcome::Success => up,
        Outcome::Crashed => up + d.restarts as i64 * step,
        Outcome::HealthcheckFailed => match healthcheck_attempts(d).last() {
            Some(&(_, _)) => up + healthcheck_window_ms(d),
            None => up,
        },
    };
    let sleep = match d.outcome {
        Outcome::Success => d.sleep_after_ms.map(|ms| end + ms.max(0)),
        _ => None,
    };
    Some(Timeline {
        start,
        step,
        building,
        deploying,
        up,
        end,
        sleep,
    })
}

/// The healthcheck's retry window on the emulator's clock: its timeout,
/// or nothing when phases take no time (instant deployments).
fn healthcheck_window_ms(d: &DeploymentRec) -> i64 {
    if d.step_ms == 0 {
        0
    } else {
        healthcheck_timeout_s(d) * 1000
    }
}

fn healthcheck_timeout_s(d: &DeploymentRec) -> i64 {
    d.healthcheck_timeout_s
        .filter(|s| *s > 0)
        .unwrap_or(DEFAULT_HEALTHCHECK_TIMEOUT_S)
}

/// The healthcheck attempts of a failing healthcheck: (offset in seconds
/// from the start of the window, seconds left), one after 1 s, 2 s, 4 s,
/// 8 s, then every 16 s, while the window lasts.
pub fn healthcheck_attempts(d: &DeploymentRec) -> Vec<(i64, i64)> {
    let total = healthcheck_timeout_s(d);
    let (mut out, mut at, mut gap) = (vec![], 0i64, 1i64);
    while at < total {
        out.push((at, total - at));
        at += gap;
        gap = (gap * 2).min(16);
    }
    out
}

/// The status from the record alone.
fn own_status(d: &DeploymentRec, now: i64) -> (Status, i64) {
    if d.removed_at.is_some_and(|r| r <= now) {
        return (Status::Removed, d.removed_at.unwrap_or(now));
    }
    let Some(t) = timeline(d) else {
        return (Status::NeedsApproval, d.created_at);
    };
    if now < t.building {
        return (Status::Initializing, t.start);
    }
    if now < t.deploying {
        return (Status::Building, t.building);
    }
    if d.outcome == Outcome::BuildFailed {
        return (Status::Failed, t.deploying);
    }
    if now < t.end || (d.outcome == Outcome::Success && now < t.up) {
        return (Status::Deploying, t.deploying);
    }
    match d.outcome {
        Outcome::Crashed => (Status::Crashed, t.end),
        Outcome::HealthcheckFailed => (Status::Failed, t.end),
        _ => match t.sleep {
            Some(at) if at <= now => (Status::Sleeping, at),
            _ => (Status::Success, t.end),
        },
    }
}

/// When a deployment that succeeds does, unless it was removed before.
fn success_at(d: &DeploymentRec) -> Option<i64> {
    if d.outcome != Outcome::Success {
        return None;
    }
    let at = timeline(d)?.end;
    d.removed_at.is_none_or(|r| r > at).then_some(at)
}

/// When a newer deployment of the same service instance first succeeds.
fn superseded_at(st: &State, d: &DeploymentRec) -> Option<i64> {
    st.deployments_of(&d.environment_id, &d.service_id)
        .into_iter()
        .filter(|o| o.seq > d.seq)
        .filter_map(success_at)
        .min()
}

/// A deployment's status and when it took it. A successful (or crashed,
/// or sleeping) deployment is `REMOVING` for one step once a newer one of
/// the same service instance succeeds, then `REMOVED`.
pub fn status(st: &State, d: &DeploymentRec, now: i64) -> (Status, i64) {
    let (own, since) = own_status(d, now);
    if !matches!(own, Status::Success | Status::Crashed | Status::Sleeping) {
        return (own, since);
    }
    match superseded_at(st, d).filter(|at| *at <= now) {
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
    /// `info`, `warn`, or `error` for a line that reports a failure.
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

type Lines = Vec<(String, Vec<(String, String)>)>;

/// Every build log line the deployment will write, visible or not yet:
/// the source, the builder's steps with a `step` attribute, and how it
/// ended (an `error` line when the build fails); for a failing
/// healthcheck, Railway's healthcheck report ("Build Logs include detailed
/// healthcheck failure logs", docs.railway.com, "Healthchecks").
fn all_build_logs(d: &DeploymentRec) -> Vec<LogLine> {
    let Some(t) = timeline(d) else {
        return vec![];
    };
    let mut lines: Lines = vec![];
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
    let mut out = spread(
        lines,
        t.building,
        t.step,
        d.outcome == Outcome::BuildFailed,
        0,
    );
    if d.outcome == Outcome::HealthcheckFailed {
        out.extend(healthcheck_logs(d, &t));
    }
    out
}

/// Railway's healthcheck report, as its build logs show it (wording from
/// users' posts of Railway's logs, unconfirmed): the path and retry window,
/// one line per failed attempt, then the verdict.
fn healthcheck_logs(d: &DeploymentRec, t: &Timeline) -> Vec<LogLine> {
    let path = d.healthcheck_path.as_deref().unwrap_or("/");
    let scale = if d.step_ms == 0 { 0 } else { 1000 };
    let hc = |k: &str, v: String| (k.to_string(), v);
    let line = |at: i64, message: String, severity, attributes| LogLine {
        at,
        message,
        severity,
        attributes,
        replica: 0,
    };
    let step = || hc("step", "healthcheck".into());
    let mut out = vec![
        line(t.up, "Starting Healthcheck".into(), "info", vec![step()]),
        line(
            t.up,
            format!("Path: {path}"),
            "info",
            vec![step(), hc("path", path.into())],
        ),
        line(
            t.up,
            format!("Retry window: {}", duration(healthcheck_timeout_s(d))),
            "info",
            vec![step()],
        ),
    ];
    let attempts = healthcheck_attempts(d);
    let max = attempts.len();
    for (i, (offset, left)) in attempts.into_iter().enumerate() {
        out.push(line(
            t.up + offset * scale,
            format!(
                "Attempt #{} failed with service unavailable. Continuing to retry for {}",
                i + 1,
                duration(left)
            ),
            "warn",
            vec![
                step(),
                hc("path", path.into()),
                hc("attempt", (i + 1).to_string()),
                hc("maxAttempts", max.to_string()),
            ],
        ));
    }
    let n = d.replicas.max(1);
    out.push(line(
        t.end,
        format!("{n}/{n} replicas never became healthy!"),
        "error",
        vec![step()],
    ));
    out.push(line(
        t.end,
        "Healthcheck failed!".into(),
        "error",
        vec![step(), hc("path", path.into())],
    ));
    out
}

/// Seconds as Go prints a duration (`5m0s`, `1m39s`, `45s`).
fn duration(secs: i64) -> String {
    if secs >= 60 {
        format!("{}m{}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

/// Every deploy log line the deployment will write, visible or not yet,
/// once per replica: the container start, the start command, and a
/// structured `Listening` line with its `port`; or the crash, as `error`
/// with `exitCode`, and on a crash loop each restart with its `attempt`.
fn all_deploy_logs(d: &DeploymentRec) -> Vec<LogLine> {
    let Some(t) = timeline(d) else {
        return vec![];
    };
    if d.outcome == Outcome::BuildFailed {
        return vec![];
    }
    let mut out = vec![];
    for replica in 0..d.replicas.max(1) {
        let mut lines: Lines = vec![("Starting Container".to_string(), vec![])];
        if let Some(cmd) = meta(d, "startCommand") {
            lines.push((format!("$ {cmd}"), vec![]));
        }
        if let Some(printed) = meta(d, "printed") {
            lines.push((printed.to_owned(), vec![]));
        }
        match d.outcome {
            Outcome::Crashed => lines.push((
                "Container exited with code 1".to_string(),
                vec![("exitCode".into(), "1".into())],
            )),
            // The app never answers its healthcheck.
            Outcome::HealthcheckFailed => {}
            _ => lines.push((
                "Listening on port 8080".to_string(),
                vec![("port".into(), "8080".into())],
            )),
        }
        out.extend(spread(
            lines,
            t.deploying,
            t.step,
            d.outcome == Outcome::Crashed,
            replica,
        ));
        if d.outcome == Outcome::Crashed {
            let max = d.restarts;
            for attempt in 1..=max {
                let at = t.up + (attempt as i64 - 1) * t.step;
                let attrs = |extra: Vec<(String, String)>| {
                    let mut v = vec![
                        ("attempt".to_string(), attempt.to_string()),
                        ("maxAttempts".to_string(), max.to_string()),
                    ];
                    v.extend(extra);
                    v
                };
                out.push(LogLine {
                    at,
                    message: format!("Restarting container (attempt {attempt} of {max})"),
                    severity: "warn",
                    attributes: attrs(vec![]),
                    replica,
                });
                out.push(LogLine {
                    at: at + t.step,
                    message: "Container exited with code 1".to_string(),
                    severity: "error",
                    attributes: attrs(vec![("exitCode".into(), "1".into())]),
                    replica,
                });
            }
        }
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

/// Deploy logs written by `now` (without runtime lines).
pub fn deploy_logs(d: &DeploymentRec, now: i64) -> Vec<LogLine> {
    all_deploy_logs(d)
        .into_iter()
        .filter(|l| l.at <= now)
        .collect()
}

/// The runtime log rate over time: `(since, lines per second per replica)`
/// segments, oldest first. A change applies to lines strictly after the
/// moment it is made, so every line already written stays as it was (lines
/// are pure functions of the clock and this history).
#[derive(Debug)]
pub struct LogRate {
    segments: std::sync::Mutex<Vec<(i64, f64)>>,
}

/// The highest runtime log rate the knob accepts, per replica per second.
pub const MAX_LOG_RATE: f64 = 1000.0;

impl LogRate {
    /// A history with one rate from the beginning of time.
    pub fn new(rate: f64) -> LogRate {
        LogRate {
            segments: std::sync::Mutex::new(vec![(i64::MIN, sane_rate(rate))]),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(i64, f64)>> {
        self.segments.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The rate in force now.
    pub fn current(&self) -> f64 {
        self.lock().last().map(|s| s.1).unwrap_or(0.0)
    }

    /// Changes the rate from `now` on (lines after `now`).
    pub fn set(&self, rate: f64, now: i64) {
        let mut segs = self.lock();
        let rate = sane_rate(rate);
        match segs.last_mut() {
            Some(last) if last.0 >= now => last.1 = rate,
            _ => segs.push((now, rate)),
        }
    }

    /// The whole history.
    pub fn segments(&self) -> Vec<(i64, f64)> {
        self.lock().clone()
    }
}

fn sane_rate(rate: f64) -> f64 {
    if rate.is_finite() {
        rate.clamp(0.0, MAX_LOG_RATE)
    } else {
        0.0
    }
}

/// When a deployment's containers run and write runtime lines: from
/// `SUCCESS` until it sleeps or is removed (through `REMOVING`), as
/// `[start, end)`.
pub fn runtime_span(st: &State, d: &DeploymentRec) -> Option<(i64, i64)> {
    let start = success_at(d)?;
    let step = d.step_ms as i64;
    let end = [
        d.removed_at,
        superseded_at(st, d).map(|s| s + step),
        timeline(d).and_then(|t| t.sleep),
    ]
    .into_iter()
    .flatten()
    .min()
    .unwrap_or(i64::MAX);
    (start < end).then_some((start, end))
}

/// The milliseconds between two runtime lines of one replica at `rate`
/// lines per second (whole milliseconds, at least 1); `None` for no lines.
pub fn period_ms(rate: f64) -> Option<i64> {
    (rate > 0.0).then(|| ((1000.0 / rate).round() as i64).max(1))
}

/// A deployment's log lines written in `(from, to]`, oldest first: build
/// logs, or deploy logs and the runtime lines of every replica. The cost is
/// the number of lines in the window, not the deployment's age.
pub fn logs_between(
    st: &State,
    d: &DeploymentRec,
    build: bool,
    rates: &[(i64, f64)],
    from: i64,
    to: i64,
) -> Vec<LogLine> {
    if to <= from {
        return vec![];
    }
    let within = |l: &LogLine| l.at > from && l.at <= to;
    let Some(t) = timeline(d) else {
        return vec![];
    };
    // Build and deploy lines are all written by the outcome.
    let done = t.end.max(t.up);
    if build {
        if done <= from {
            return vec![];
        }
        return all_build_logs(d).into_iter().filter(within).collect();
    }
    let mut out: Vec<LogLine> = if done <= from {
        vec![]
    } else {
        all_deploy_logs(d).into_iter().filter(within).collect()
    };
    if let Some(span) = runtime_span(st, d) {
        runtime_lines(d, span, rates, from, to, &mut out);
        out.sort_by_key(|l| (l.at, l.replica));
    }
    out
}

/// Runtime lines of every replica in `(from, to]`: replica lines at
/// `base + k × period` (k ≥ 1) for each rate segment, `base` being the
/// later of the segment's start and the deployment's `SUCCESS`.
fn runtime_lines(
    d: &DeploymentRec,
    (start, end): (i64, i64),
    rates: &[(i64, f64)],
    from: i64,
    to: i64,
    out: &mut Vec<LogLine>,
) {
    for (i, &(since, rate)) in rates.iter().enumerate() {
        let Some(period) = period_ms(rate) else {
            continue;
        };
        let seg_end = rates.get(i + 1).map(|s| s.0).unwrap_or(i64::MAX);
        let base = since.max(start);
        // Lines strictly before `end` (the container is gone at `end`).
        let hi = to.min(seg_end).min(end.saturating_sub(1));
        let lo = from.max(base);
        if hi <= lo {
            continue;
        }
        let first = (lo - base) / period + 1;
        let last = (hi - base) / period;
        for k in first..=last {
            let at = base + k * period;
            for replica in 0..d.replicas.max(1) {
                out.push(runtime_line(d, replica, at));
            }
        }
    }
}

/// A runtime line, a pure function of (deployment, replica, time): mostly
/// request lines, an occasional `warn` (4xx, slow) or `error` (5xx).
pub fn runtime_line(d: &DeploymentRec, replica: u32, at: i64) -> LogLine {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in d.id.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    let mut rng = super::clock::SplitMix::new(h ^ ((replica as u64) << 48) ^ at as u64);
    let roll = rng.next_u64() % 1000;
    const PATHS: [&str; 6] = [
        "/",
        "/api/users",
        "/api/orders",
        "/health",
        "/static/app.js",
        "/api/login",
    ];
    const METHODS: [&str; 6] = ["GET", "GET", "GET", "POST", "PUT", "DELETE"];
    let path = PATHS[(rng.next_u64() % PATHS.len() as u64) as usize];
    let method = METHODS[(rng.next_u64() % METHODS.len() as u64) as usize];
    let ms = 1 + rng.next_u64() % 120;
    let (status, severity, ms) = match roll {
        0..10 => (500, "error", ms + 200),
        10..40 => (404, "warn", ms),
        40..60 => (200, "warn", ms + 1500),
        60..160 => (304, "info", ms),
        160..260 if method == "POST" => (201, "info", ms),
        _ => (200, "info", ms),
    };
    let message = match severity {
        "error" => format!("{method} {path} {status} {ms}ms: internal server error"),
        "warn" if status == 200 => format!("{method} {path} {status} {ms}ms (slow request)"),
        _ => format!("{method} {path} {status} {ms}ms"),
    };
    LogLine {
        at,
        message,
        severity,
        attributes: vec![
            ("method".into(), method.into()),
            ("path".into(), path.into()),
            ("status".into(), status.to_string()),
            ("ms".into(), ms.to_string()),
        ],
        replica,
    }
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
            needs_approval: false,
            approved_at: None,
            sleep_after_ms: None,
            restarts: 0,
            healthcheck_path: None,
            healthcheck_timeout_s: None,
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

    /// Windows add up: the lines of `(a, c]` are those of `(a, b]` then
    /// `(b, c]`, for any `b`; a rate change leaves earlier lines alone.
    #[test]
    fn windows_split_anywhere_and_rate_changes_keep_the_past() {
        let mut st = State::default();
        let mut d = rec(Outcome::Success);
        d.replicas = 2;
        d.meta = json!({"image": "nginx"});
        st.deployments.insert(d.id.clone(), d.clone());
        let rates = [(i64::MIN, 7.0), (5_000, 3.0)];
        let all = logs_between(&st, &d, false, &rates, 0, 20_000);
        for b in [0, 1, 1299, 1300, 1301, 4_999, 5_000, 5_001, 19_999] {
            let mut split = logs_between(&st, &d, false, &rates, 0, b);
            split.extend(logs_between(&st, &d, false, &rates, b, 20_000));
            assert_eq!(split, all, "split at {b}");
        }
        // 7/s from SUCCESS (1300) to 5000, then 3/s: per replica.
        let runtime = |lines: &[LogLine]| {
            lines
                .iter()
                .filter(|l| l.attributes.iter().any(|(k, _)| k == "method"))
                .count()
        };
        assert_eq!(
            runtime(&all),
            2 * ((5_000 - 1_300) / 143 + (20_000 - 5_000) / 333)
        );
        let before: Vec<_> = all.iter().filter(|l| l.at <= 5_000).cloned().collect();
        let only_old = logs_between(&st, &d, false, &rates[..1], 0, 5_000);
        assert_eq!(before, only_old);
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
