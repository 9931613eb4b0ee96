//! `mirage status [DIR]`: what runs in each environment — source,
//! deployment status, replicas, health, URLs, age, and who manages it —
//! failures explained; `--watch` follows it, `--until-healthy` waits until
//! every deployment is final. The read and the wait are the `observe`
//! room's ([`crate::observe::status`]); this file parses and prints.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::context::{Reach, fail};
use super::report;
use super::{EXIT_FAILURE, EXIT_OK};
use crate::engine::Failure;
use crate::observe::status::{
    self, Health, Report, Request, ServiceReport, WaitEvent, WaitOptions, WaitOutcome,
};

/// Arguments of `mirage status`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The project directory.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// Only these environments (repeatable); all by default.
    #[arg(long = "env", short = 'e', value_name = "ENV")]
    pub envs: Vec<String>,

    /// Follow the status: redrawn in place on a terminal, a line per
    /// change otherwise; until Ctrl-C (or, with `--until-healthy`, until
    /// every deployment is final).
    #[arg(long)]
    pub watch: bool,

    /// Wait until every deployment is final: exit 0 when all are healthy,
    /// 1 when one failed or the timeout passed.
    #[arg(long)]
    pub until_healthy: bool,

    /// How long `--until-healthy` waits (`10m`, `90s`).
    #[arg(long, value_name = "DURATION", value_parser = duration, default_value = "10m", requires = "until_healthy")]
    pub timeout: Duration,

    /// How often to read again while waiting or watching (`2s`).
    #[arg(long, value_name = "DURATION", value_parser = duration, default_value = "2s", hide = true)]
    pub poll: Duration,

    /// While Railway's subscriptions report the changes, how often to read
    /// anyway, to notice new deployments (`15s`).
    #[arg(long, value_name = "DURATION", value_parser = duration, default_value = "15s", hide = true)]
    pub refresh: Duration,

    /// Print the status as JSON (see `docs/observe.md` for its fields).
    #[arg(long)]
    pub json: bool,

    /// Where Railway is: `--local` or `--endpoint`.
    #[command(flatten)]
    pub reach: Reach,
}

/// A duration flag: `10m`, `90s`, `1h30m`.
pub fn duration(text: &str) -> Result<Duration, String> {
    crate::resolve::value::parse_duration(text.trim()).map(Duration::from_secs)
}

/// Run `mirage status`.
pub fn run(args: Args) -> ExitCode {
    super::plan::block_on(run_async(args))
}

async fn run_async(args: Args) -> ExitCode {
    let context = args.reach.context();
    let (scope, connection) = match status::read_project(&context, &args.dir).await {
        Ok(read) => read,
        Err(failure) => return fail(failure),
    };
    let request = Request {
        environments: args.envs.clone(),
        only: None,
        details: true,
    };
    if let Some(unknown) = unknown_environment(&scope, &args.envs) {
        return fail(Failure::usage(
            crate::diagnostic::Diagnostic::general(
                "mirage::observe::unknown_environment",
                format!("the files declare no environment `{unknown}`"),
            )
            .with_help(crate::resolve::suggest::did_you_mean(
                unknown,
                scope.declared.iter().map(|(name, _)| name.as_str()),
                || {
                    "name an environment of the files with `--env`, or leave `--env` out for all"
                        .to_owned()
                },
            )),
        ));
    }
    let client = &connection.client;
    if !args.watch && !args.until_healthy {
        let report =
            match status::read(client, &scope, &request, crate::state::Timestamp::now().0).await {
                Ok(report) => report,
                Err(failure) => return fail(failure),
            };
        print_report(&report, args.json);
        return exit_of(&report);
    }
    let redraw = args.watch && !args.json && std::io::stdout().is_terminal();
    let options = WaitOptions {
        until_final: args.until_healthy,
        refresh: args.refresh,
        ..WaitOptions::until_final(args.until_healthy.then_some(args.timeout), args.poll)
    };
    let mut first = true;
    let on_event = |event: WaitEvent| match event {
        WaitEvent::Read(report) => {
            if redraw {
                // Mirage's own sequence: home and clear, then the report.
                report::write_stdout_exact("\x1b[H\x1b[2J");
                print_report(&report, false);
            } else if args.watch && args.json {
                report::write_stdout_exact(&format!(
                    "{}\n",
                    serde_json::to_string(&report).unwrap_or_default()
                ));
            } else if first && args.watch {
                print_report(&report, false);
            }
            first = false;
        }
        WaitEvent::Changed {
            environment,
            service,
            deployment,
            from,
            to,
        } => {
            if redraw || (args.watch && args.json) {
                return;
            }
            let line = match from {
                Some(from) => format!("{environment}/{service}: {from} → {to}\n"),
                None if first => return,
                None => format!("{environment}/{service}: new deployment `{deployment}` ({to})\n"),
            };
            if args.watch {
                report::write_stdout(&line);
            } else {
                report::write_stderr(&line);
            }
        }
        WaitEvent::Fallback(why) => report::write_stderr(&format!("note: {why}\n")),
    };
    let waited = status::until_healthy(client, &scope, &request, options, on_event);
    let outcome = tokio::select! {
        outcome = waited => outcome,
        _ = tokio::signal::ctrl_c() => return ExitCode::from(EXIT_OK),
    };
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(failure) => return fail(failure),
    };
    if !(redraw || args.watch && args.json) {
        print_report(outcome.report(), args.json);
    }
    match outcome {
        WaitOutcome::Healthy(_) => ExitCode::from(EXIT_OK),
        WaitOutcome::Failed(report) => {
            report::write_stderr(&format!(
                "error: not healthy: {}\n",
                report.failed().join(", ")
            ));
            ExitCode::from(EXIT_FAILURE)
        }
        WaitOutcome::TimedOut { waiting, .. } => {
            report::write_stderr(&format!(
                "error: timed out after {} waiting for {}\n  help: the deployments go on; wait longer with `--timeout 20m`\n",
                crate::preview::render::duration(args.timeout.as_secs()),
                waiting.join(", ")
            ));
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn unknown_environment<'a>(scope: &status::Scope, envs: &'a [String]) -> Option<&'a str> {
    envs.iter()
        .find(|e| !scope.declared.iter().any(|(name, _)| name == *e))
        .map(String::as_str)
}

/// 0 when nothing has a problem, 1 otherwise.
pub fn exit_of(report: &Report) -> ExitCode {
    if report.services().any(|(_, s)| s.health.is_problem()) {
        ExitCode::from(EXIT_FAILURE)
    } else {
        ExitCode::from(EXIT_OK)
    }
}

/// Prints `report` on standard output, as text or JSON.
pub fn print_report(report: &Report, json: bool) {
    if json {
        report::write_stdout_exact(&format!(
            "{}\n",
            serde_json::to_string_pretty(report).unwrap_or_default()
        ));
        return;
    }
    report::write_stdout(&text(report));
}

/// `2m`, `3h`, `4d`: an age.
fn age(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// The report as text: an environment per block, a service per line,
/// each problem explained under its service.
pub fn text(report: &Report) -> String {
    text_with(report, true)
}

/// [`text`], with or without what the files and the state database say
/// (`marks`: "[unmanaged]", "not in the files"), which `mirage ls` — no
/// files involved — leaves out.
pub fn text_with(report: &Report, marks: bool) -> String {
    let mut out = String::new();
    if report.project_id.is_none() {
        out.push_str(&format!(
            "Project `{}` is not on Railway yet: `mirage apply` creates it.\n",
            report.project
        ));
    }
    for environment in &report.environments {
        let what = match (environment.declared, &environment.id) {
            _ if !marks => "",
            (true, Some(_)) => "",
            (true, None) => " (not on Railway yet)",
            (false, _) => " (not in the files: unmanaged)",
        };
        out.push_str(&format!("{}{what}\n", environment.name));
        if environment.services.is_empty() {
            out.push_str("  no services\n");
        }
        let width = environment
            .services
            .iter()
            .map(|s| s.name.chars().count())
            .max()
            .unwrap_or(0);
        for service in &environment.services {
            out.push_str(&line(service, width, marks));
            if let Some(problem) = &service.problem {
                out.push_str(&format!("      {}: {}\n", problem.status, problem.title));
                if let Some(builder) = &problem.builder {
                    out.push_str(&format!("      builder: {builder}\n"));
                }
                if let Some(policy) = &problem.restart_policy {
                    out.push_str(&format!("      restart policy: {policy}\n"));
                }
                if let Some(check) = &problem.healthcheck {
                    let timeout = check
                        .timeout_seconds
                        .map_or_else(String::new, |t| format!(", timeout {t}s"));
                    out.push_str(&format!("      healthcheck: {}{timeout}\n", check.path));
                }
                if let Some(reason) = &problem.reason {
                    out.push_str(&format!("      reason: {reason}\n"));
                }
                for (label, lines) in [
                    ("build log", &problem.build_log),
                    ("deploy log", &problem.deploy_log),
                ] {
                    if !lines.is_empty() {
                        out.push_str(&format!("      {label} (last {} lines):\n", lines.len()));
                        for l in lines {
                            out.push_str(&format!("        | {l}\n"));
                        }
                    }
                }
                out.push_str(&format!("      help: {}\n", problem.help));
            }
        }
    }
    let problems = report.failed();
    let pending = report.pending();
    out.push_str(&if !problems.is_empty() {
        format!("Not healthy: {}.\n", problems.join(", "))
    } else if !pending.is_empty() {
        format!("Deploying: {}.\n", pending.join(", "))
    } else {
        "Healthy.\n".to_owned()
    });
    out
}

fn line(service: &ServiceReport, width: usize, marks: bool) -> String {
    // A shape as well as a word, as the dashboard does: readable without
    // colour.
    let symbol = match service.health {
        Health::Healthy => '✓',
        Health::Deploying | Health::NeedsApproval => '◌',
        Health::Failed | Health::Missing => '✕',
        Health::NoSource => '·',
    };
    let mut parts = vec![format!("{symbol} {:<14}", service.health.as_str())];
    match &service.deployment {
        Some(d) => parts.push(match d.age_seconds {
            Some(a) => format!("{} {} ago", d.status, age(a)),
            None => d.status.clone(),
        }),
        None if service.health != Health::Missing => parts.push("no deployment".to_owned()),
        None => {}
    }
    if let Some(r) = &service.replicas {
        let mut replicas = format!("{}/{} replicas", r.running, r.wanted);
        if !r.regions.is_empty() {
            let regions: Vec<String> = r
                .regions
                .iter()
                .map(|g| format!("{} {}", g.region, g.wanted))
                .collect();
            replicas.push_str(&format!(" ({})", regions.join(", ")));
        } else if let Some(region) = &r.region {
            replicas.push_str(&format!(" ({region})"));
        }
        parts.push(replicas);
    }
    if let Some(source) = &service.source {
        parts.push(match &source.commit {
            Some(c) => format!(
                "{}@{}",
                source.source,
                c.chars().take(7).collect::<String>()
            ),
            None => source.source.clone(),
        });
    }
    parts.extend(service.urls.iter().cloned());
    if marks && let Some(mark) = service.management.mark() {
        parts.push(mark.to_owned());
    }
    format!("  {:<width$}  {}\n", service.name, parts.join("  "))
}
