//! `mirage audit`: read the audit log of `mirage serve` straight from the
//! state database (who changed roles, tokens and Railway tokens, and every
//! refused request), newest first.
//!
//! Exit codes: 0 success, 1 when the database cannot be read, 2 for usage
//! errors.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{EXIT_FAILURE, EXIT_USAGE, report};
use crate::serve::api::audit_log::{CSV_HEADER, entry_csv, entry_json, parse_time};
use crate::state::{self, AuditFilter, AuditOutcome, Location, Store};

/// After `--help`.
pub const AFTER_HELP: &str = "\
Examples:
  mirage audit --state postgres://mirage@db/mirage --project shop --since 24h
  mirage audit --actor usr_1f2e3d4c5b6a7988 --outcome refused
  mirage audit --since 7d --csv > audit.csv
  mirage audit --json --limit 1000 | jq .

`--since` and `--until` take a duration ago (`24h`, `7d`) or Unix seconds.
Entries are read newest first; `--before ID` continues after the last one
shown. See docs/serve.md, \"Audit log\".";

/// Arguments of `mirage audit`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The state database: a file or a `postgres://` URL (password in the
    /// URL or `PGPASSWORD`). Wins over `MIRAGE_STATE`; without either,
    /// `.mirage/state.db` in `--dir`.
    #[arg(long, value_name = "PATH|URL")]
    pub state: Option<String>,

    /// The project directory whose `.mirage/state.db` to use.
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// Only this project.
    #[arg(long, value_name = "PROJECT")]
    pub project: Option<String>,

    /// Only this user (their id, `usr_…`).
    #[arg(long, value_name = "USER")]
    pub actor: Option<String>,

    /// Only this action (`members.set`, `tokens.create`, `authenticate`…).
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,

    /// Only this outcome: `ok`, `refused` or `failed`.
    #[arg(long, value_name = "OUTCOME")]
    pub outcome: Option<String>,

    /// Only entries from this long ago (`24h`) or since Unix seconds.
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,

    /// Only entries before this long ago or Unix seconds.
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,

    /// Only entries older than this id (the next page).
    #[arg(long, value_name = "ID")]
    pub before: Option<i64>,

    /// At most this many entries.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000), value_name = "N")]
    pub limit: u32,

    /// One JSON object a line.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,

    /// CSV with a header line.
    #[arg(long)]
    pub csv: bool,
}

fn usage(message: &str) -> ExitCode {
    report::print_error(message);
    ExitCode::from(EXIT_USAGE)
}

/// Runs `mirage audit`.
pub fn run(args: Args) -> ExitCode {
    let location = super::context::state_location(args.state.as_deref())
        .unwrap_or_else(|| Location::File(args.dir.join(state::DEFAULT_RELATIVE_PATH)));
    if let Location::File(path) = &location
        && !path.exists()
    {
        return usage(&format!(
            "there is no state database at `{}`; pass `--state` (a file or a `postgres://` URL)",
            path.display()
        ));
    }
    let outcome = match args.outcome.as_deref().map(AuditOutcome::parse) {
        Some(None) => return usage("`--outcome` is `ok`, `refused` or `failed`"),
        Some(found) => found,
        None => None,
    };
    let now = state::Timestamp::now();
    let time = |text: &Option<String>, flag: &str| -> Result<Option<state::Timestamp>, String> {
        text.as_deref()
            .map(|t| parse_time(t, now).map_err(|e| format!("`{flag}`: {e}")))
            .transpose()
    };
    let (since, until) = match (time(&args.since, "--since"), time(&args.until, "--until")) {
        (Ok(since), Ok(until)) => (since, until),
        (Err(message), _) | (_, Err(message)) => return usage(&message),
    };
    let store = match Store::connect(&location) {
        Ok(store) => store,
        Err(error) => {
            report::print_error(&error.to_string());
            if let Some(help) = miette::Diagnostic::help(&error) {
                report::write_stderr(&format!("  help: {help}\n"));
            }
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let filter = AuditFilter {
        projects: args.project.clone().map(|p| vec![p]),
        actor: args.actor.clone(),
        action: args.action.clone(),
        outcome,
        since,
        until,
        before: args.before,
        limit: args.limit as usize,
    };
    let entries = match store.audit(&filter) {
        Ok(entries) => entries,
        Err(error) => {
            report::print_error(&error.to_string());
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let mut out = String::new();
    let machine = args.csv || args.json;
    if args.csv {
        out.push_str(CSV_HEADER);
        out.extend(entries.iter().map(entry_csv));
    } else if args.json {
        for entry in &entries {
            out.push_str(&entry_json(entry).to_string());
            out.push('\n');
        }
    } else if entries.is_empty() {
        out.push_str("no audit entries match\n");
    } else {
        for record in &entries {
            let e = &record.entry;
            out.push_str(&format!(
                "{:>6}  {}  {:<7}  {:<20}  {:<18}  {:<10}  {}\n",
                record.id,
                record.at,
                e.outcome.as_str(),
                e.actor.as_deref().unwrap_or("-"),
                e.action,
                e.project.as_deref().unwrap_or("-"),
                e.summary
            ));
        }
    }
    if machine {
        // JSON escapes what it must; CSV fields are quoted.
        report::write_stdout_exact(&out);
    } else {
        report::write_stdout(&out);
    }
    ExitCode::SUCCESS
}
