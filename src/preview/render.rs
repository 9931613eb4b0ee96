//! How previews are shown: text for people, and the markdown body of the
//! pull request's comment (status per service, URLs, TTL expiry, the last
//! commit deployed; a failure with guidance) — one function for the CLI
//! (`mirage preview up --format markdown`) and `mirage serve`.

use std::fmt::Write as _;

use super::{
    DownOutcome, Fate, GcOutcome, GcReason, Health, Preview, Problem, ServiceHealth, UpOutcome,
    service_health,
};
use crate::engine::Failure;
use crate::state::Timestamp;

/// `2d 4h`, `3h 12m`, `10m`, `45s`: a duration in its two largest units.
pub fn duration(seconds: u64) -> String {
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// `in 2d 4h` / `3h ago` / `no TTL`.
pub fn ttl_left(expires_at: Option<Timestamp>, now: Timestamp) -> String {
    match expires_at {
        None => "no TTL".to_owned(),
        Some(at) if at.0 > now.0 => format!("in {}", duration(at.0.abs_diff(now.0))),
        Some(at) => format!("expired {} ago", duration(now.0.abs_diff(at.0))),
    }
}

fn service_word(health: ServiceHealth, status: Option<&str>) -> String {
    match health {
        ServiceHealth::Ready => "ready".to_owned(),
        ServiceHealth::NoSource => "no source".to_owned(),
        ServiceHealth::Failed | ServiceHealth::Deploying => {
            status.map_or_else(|| "not deployed yet".to_owned(), str::to_lowercase)
        }
    }
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// What `preview up` prints for a person.
pub fn text_up(outcome: &UpOutcome, now: Timestamp) -> String {
    let preview = &outcome.preview;
    let record = &preview.record;
    let mut out = String::new();
    let verb = if outcome.created {
        "created"
    } else {
        "updated"
    };
    let _ = writeln!(
        out,
        "Preview `{}` {verb} for pull request #{} (branch `{}`{}).",
        record.environment,
        record.number,
        record.branch,
        record
            .sha
            .as_deref()
            .map(|s| format!(", commit `{}`", short(s)))
            .unwrap_or_default()
    );
    if let Some(summary) = &outcome.applied {
        let _ = writeln!(out, "Applied: {summary}.");
    }
    if !outcome.deployed.is_empty() {
        let _ = writeln!(
            out,
            "Deployed the commit to: {}.",
            outcome.deployed.join(", ")
        );
    }
    for service in &preview.services {
        let health = service_health(service);
        let status = service.deployment.as_ref().map(|d| d.status.as_str());
        let urls = if service.urls.is_empty() {
            String::new()
        } else {
            format!("  {}", service.urls.join(" "))
        };
        let _ = writeln!(
            out,
            "  {:<20} {:<16}{urls}",
            service.name,
            service_word(health, status)
        );
    }
    let _ = writeln!(
        out,
        "Status: {}. Expires {}.",
        preview.health.as_str(),
        ttl_left(record.expires_at, now)
    );
    let _ = writeln!(out, "({} Railway requests)", outcome.requests);
    out
}

/// The markdown body of the pull request's comment for `preview`, with
/// `problem` (a failure and what to do) when there is one.
pub fn markdown(preview: &Preview, problem: Option<&Problem>, now: Timestamp) -> String {
    let record = &preview.record;
    let (icon, word) = match (problem, preview.health) {
        (Some(_), _) | (None, Health::Failed) => (":x:", "failed"),
        (None, Health::Ready) => (":white_check_mark:", "ready"),
        (None, Health::Deploying) => (":hourglass_flowing_sand:", "deploying"),
        (None, Health::Gone) => (":wastebasket:", "gone"),
        (None, Health::Unknown) => (":grey_question:", "unknown"),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### {icon} Preview `{}` is {word}\n",
        record.environment
    );
    if !preview.services.is_empty() {
        out.push_str("| Service | Status | URL |\n|---|---|---|\n");
        for service in &preview.services {
            let health = service_health(service);
            let status = service.deployment.as_ref().map(|d| d.status.as_str());
            let mark = match health {
                ServiceHealth::Ready => ":white_check_mark: ",
                ServiceHealth::Failed => ":x: ",
                ServiceHealth::Deploying => ":hourglass_flowing_sand: ",
                ServiceHealth::NoSource => "",
            };
            let urls = if service.urls.is_empty() {
                "—".to_owned()
            } else {
                service
                    .urls
                    .iter()
                    .map(|u| format!("<{u}>"))
                    .collect::<Vec<_>>()
                    .join("<br>")
            };
            let _ = writeln!(
                out,
                "| `{}` | {mark}{} | {urls} |",
                escape(&service.name),
                service_word(health, status)
            );
        }
        out.push('\n');
    }
    if let Some(problem) = problem {
        let _ = writeln!(out, "**{}**\n", escape(&problem.message));
        let _ = writeln!(out, "> {}\n", escape(&problem.help));
    }
    let commit = record
        .sha
        .as_deref()
        .map_or_else(|| "not given".to_owned(), |s| format!("`{}`", short(s)));
    let _ = writeln!(
        out,
        "Last commit deployed: {commit} on `{}`  ",
        escape(&record.branch)
    );
    match record.expires_at {
        Some(at) => {
            let _ = writeln!(
                out,
                "Expires: {at} ({}); a push extends it.",
                ttl_left(Some(at), now)
            );
        }
        None => out.push_str("Expires: never (the template has no `ttl`).\n"),
    }
    out
}

/// The markdown body when `preview up` failed before there was a preview
/// to show: what went wrong and what to do.
pub fn markdown_failure(number: u64, failure: &Failure) -> String {
    let mut out = format!("### :x: The preview of #{number} could not be brought up\n\n");
    for diagnostic in &failure.diagnostics {
        let _ = writeln!(
            out,
            "**{}** (`{}`)\n",
            escape(&diagnostic.message),
            diagnostic.code
        );
        if let Some(help) = &diagnostic.help {
            let _ = writeln!(out, "> {}\n", escape(help));
        }
    }
    out.push_str("Push again, or re-run the job, once it is fixed: `mirage preview up` picks up where this one stopped.\n");
    out
}

/// Markdown is written into a comment: a line that could close a table
/// cell or open HTML is kept literal.
fn escape(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

/// `preview list` for a person: one line per preview.
pub fn text_list(previews: &[Preview], now: Timestamp) -> String {
    if previews.is_empty() {
        return "No previews.\n".to_owned();
    }
    let mut out = format!(
        "{:<6} {:<14} {:<24} {:<8} {:<18} {:<10} URLS\n",
        "PR", "ENVIRONMENT", "BRANCH", "AGE", "TTL", "STATUS"
    );
    for preview in previews {
        let record = &preview.record;
        let age = duration(now.0.abs_diff(record.created_at.0));
        let _ = writeln!(
            out,
            "{:<6} {:<14} {:<24} {:<8} {:<18} {:<10} {}",
            format!("#{}", record.number),
            record.environment,
            record.branch,
            age,
            ttl_left(record.expires_at, now),
            preview.health.as_str(),
            preview.urls().join(" ")
        );
    }
    out
}

/// What `preview down` prints.
pub fn text_down(outcome: &DownOutcome) -> String {
    if outcome.previews.is_empty() {
        return format!(
            "No preview of pull request #{} is recorded: nothing to do.\n",
            outcome.number
        );
    }
    let mut out = String::new();
    for handled in &outcome.previews {
        out.push_str(&fate_line(&handled.preview, &handled.fate));
    }
    out
}

/// The pull request's comment after `down` (the pull request was closed,
/// `merged` when GitHub said so): what became of each preview.
pub fn markdown_down(outcome: &DownOutcome, merged: Option<bool>) -> String {
    let why = match merged {
        Some(true) => "was merged",
        Some(false) => "was closed",
        None => "is closed",
    };
    let all_gone = outcome.previews.iter().all(|h| h.fate.is_success());
    let mut out = if all_gone {
        format!(
            "### :wastebasket: No preview for #{}\n\nThe pull request {why}: ",
            outcome.number
        )
    } else {
        format!(
            "### :warning: The preview of #{} is not fully removed\n\nThe pull request {why}: ",
            outcome.number
        )
    };
    if outcome.previews.is_empty() {
        out.push_str("it had no preview.\n");
        return out;
    }
    out.push_str("\n\n");
    for handled in &outcome.previews {
        out.push_str("* ");
        out.push_str(&escape(
            fate_line(&handled.preview, &handled.fate).trim_end(),
        ));
        out.push('\n');
    }
    if !all_gone {
        out.push_str("\nRun `mirage preview down --pr ");
        out.push_str(&outcome.number.to_string());
        out.push_str("` once the cause is fixed; nothing Mirage does not own is removed.\n");
    }
    out
}

fn fate_line(record: &crate::state::PreviewRecord, fate: &Fate) -> String {
    let env = &record.environment;
    match fate {
        Fate::Destroyed { summary, .. } => format!("Destroyed preview `{env}`: {summary}.\n"),
        Fate::Forgotten => {
            format!("Preview `{env}` was already gone from Railway: its record is forgotten.\n")
        }
        Fate::Planned => format!("Would destroy preview `{env}`.\n"),
        Fate::Kept { reason } => format!("Kept preview `{env}`: {reason}.\n"),
        Fate::Failed { message } => format!("Could not destroy preview `{env}`: {message}\n"),
    }
}

/// What `preview gc` prints.
pub fn text_gc(outcome: &GcOutcome) -> String {
    let mut out = String::new();
    for handled in &outcome.collected {
        let (record, fate) = (&handled.preview, &handled.fate);
        let why = match &handled.reason {
            None => "asked".to_owned(),
            Some(GcReason::Expired) => match record.expires_at {
                Some(at) => format!("its TTL ran out at {at}"),
                None => "its TTL ran out".to_owned(),
            },
            Some(GcReason::Evicted { max_live }) => format!(
                "more than {max_live} previews of `{}` are live and it is the oldest",
                record.template
            ),
            Some(GcReason::TemplateRemoved) => {
                format!("the files no longer declare template `{}`", record.template)
            }
        };
        let line = fate_line(record, fate);
        let _ = writeln!(
            out,
            "{} (#{}: {why})",
            line.trim_end().trim_end_matches('.'),
            record.number
        );
    }
    let verb = if outcome.dry_run {
        "would stay"
    } else {
        "stay"
    };
    let _ = writeln!(
        out,
        "{} collected, {} {verb}.",
        outcome.collected.len(),
        outcome.kept
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_two_units() {
        assert_eq!(duration(45), "45s");
        assert_eq!(duration(600), "10m");
        assert_eq!(duration(3600), "1h");
        assert_eq!(duration(3 * 3600 + 12 * 60), "3h 12m");
        assert_eq!(duration(2 * 86_400 + 4 * 3600 + 5), "2d 4h");
        assert_eq!(duration(3 * 86_400), "3d");
    }

    fn record() -> crate::state::PreviewRecord {
        crate::state::PreviewRecord {
            project: "shop".into(),
            template: "pr".into(),
            number: 7,
            environment: "pr-7".into(),
            environment_id: Some("env-7".into()),
            branch: "feat/x".into(),
            sha: Some("4f9a2c1d".into()),
            repo: None,
            created_by: "ci@runner".into(),
            created_at: Timestamp(1_000),
            updated_at: Timestamp(1_000),
            expires_at: Some(Timestamp(1_000 + 72 * 3600)),
        }
    }

    #[test]
    fn a_failed_deployment_is_shown_with_its_guidance() {
        use crate::engine::preview::{DeploymentStatus, EnvironmentStatus, InstanceStatus};
        let status = EnvironmentStatus {
            id: "env-7".into(),
            name: "pr-7".into(),
            services: vec![InstanceStatus {
                name: "api".into(),
                service_id: "svc".into(),
                deployable: true,
                deployment: Some(DeploymentStatus {
                    id: "d".into(),
                    status: "CRASHED".into(),
                    commit: None,
                }),
                urls: vec!["https://api-pr-7.up.railway.app".into()],
            }],
        };
        let preview = Preview::new(record(), Some(status));
        assert_eq!(preview.health, Health::Failed);
        let problem = Problem {
            code: "mirage::preview::deploy_failed",
            message: "preview `pr-7` is not healthy: `api` (CRASHED) failed".into(),
            help: "read the logs".into(),
        };
        let body = markdown(&preview, Some(&problem), Timestamp(1_000));
        assert!(
            body.starts_with("### :x: Preview `pr-7` is failed\n"),
            "{body}"
        );
        assert!(
            body.contains("| `api` | :x: crashed | <https://api-pr-7.up.railway.app> |"),
            "{body}"
        );
        assert!(body.contains("**preview `pr-7` is not healthy"), "{body}");
        assert!(body.contains("> read the logs"), "{body}");
        assert!(
            body.contains("Last commit deployed: `4f9a2c1` on `feat/x`"),
            "{body}"
        );
        assert!(body.contains("(in 3d)"), "{body}");
    }

    #[test]
    fn a_failure_before_the_preview_is_a_body_of_its_own() {
        let failure = Failure::usage(
            crate::diagnostic::Diagnostic::general(
                "mirage::preview::bad_branch",
                "branch `a b` <x>",
            )
            .with_help("pass the branch"),
        );
        let body = markdown_failure(7, &failure);
        assert!(
            body.starts_with("### :x: The preview of #7 could not be brought up"),
            "{body}"
        );
        assert!(
            body.contains("**branch `a b` &lt;x&gt;** (`mirage::preview::bad_branch`)"),
            "{body}"
        );
        assert!(body.contains("> pass the branch"), "{body}");
    }

    #[test]
    fn markdown_cells_stay_cells() {
        assert_eq!(escape("a|b<c>\nd"), "a\\|b&lt;c&gt; d");
    }
}
