//! What `mirage secret` prints: what changed, a value (to a terminal, or
//! with `--reveal`), the list, a history, a rekey's count — as text or
//! `--json`, never a value but `get`'s.

use std::process::ExitCode;

use super::{Args, Fail, print};
use crate::cli::{EXIT_FAILURE, report};
use crate::secrets::SecretString;
use crate::secrets::store::{manage, owner_shown};
use crate::state::{SecretKey, SecretScope, SecretVersion};

/// What `set` or `rotate` did: the version and the master key.
pub(super) fn changed(args: &Args, key: &SecretKey, version: i64, key_id: &str, verb: &str) {
    if args.json {
        print_json(&serde_json::json!({
            "name": key.name,
            "scope": key.scope,
            "owner": key.owner,
            "version": version,
            "key_id": key_id,
        }));
    } else {
        report::write_stderr(&format!(
            "{verb} `{}` of {}: version {version}, sealed with master key `{key_id}`\n",
            key.name,
            owner_shown(key)
        ));
    }
}

pub(super) fn print_value(value: &SecretString, to_terminal: bool) {
    let line = zeroize::Zeroizing::new(format!("{}\n", value.expose()));
    if to_terminal {
        // Control characters escaped: a value cannot drive the terminal.
        report::write_stdout(&line);
    } else {
        report::write_stdout_exact(&line);
    }
}

/// One version as `list`, `history` and `--json` show it.
#[derive(serde::Serialize)]
struct Shown<'a> {
    name: &'a str,
    version: i64,
    set_by: &'a str,
    set_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<&'a str>,
    removed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    removed_by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    removed_at: Option<String>,
}

fn shown(row: &SecretVersion) -> Shown<'_> {
    Shown {
        name: &row.key.name,
        version: row.version,
        set_by: &row.created_by,
        set_at: row.created_at.to_string(),
        key_id: row.key_id.as_deref(),
        removed: row.deleted_at.is_some(),
        removed_by: row.deleted_by.as_deref(),
        removed_at: row.deleted_at.map(|t| t.to_string()),
    }
}

pub(super) fn list(args: &Args, owner: &(SecretScope, String), rows: &[SecretVersion]) {
    if args.json {
        print_json(&rows.iter().map(shown).collect::<Vec<_>>());
        return;
    }
    if rows.is_empty() {
        report::write_stderr(&format!(
            "no secrets in the store of {} `{}`\n",
            owner.0.as_str(),
            owner.1
        ));
        return;
    }
    let width = rows.iter().map(|r| r.key.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for row in rows {
        let removed = match (&row.deleted_by, row.deleted_at) {
            (Some(by), Some(at)) => {
                format!("  (removed by {by} at {at})")
            }
            _ => String::new(),
        };
        out.push_str(&format!(
            "{:width$}  v{}  set by {} at {}{removed}\n",
            row.key.name, row.version, row.created_by, row.created_at
        ));
    }
    report::write_stdout(&out);
}

pub(super) fn history(args: &Args, versions: &[SecretVersion]) {
    if args.json {
        print_json(&versions.iter().map(shown).collect::<Vec<_>>());
        return;
    }
    let mut out = String::new();
    for row in versions.iter().rev() {
        out.push_str(&format!(
            "v{}  set by {} at {}",
            row.version, row.created_by, row.created_at
        ));
        match (&row.key_id, &row.deleted_by, row.deleted_at) {
            (Some(id), _, _) => out.push_str(&format!("  (master key `{id}`)")),
            (None, Some(by), Some(at)) => out.push_str(&format!("  removed by {by} at {at}")),
            _ => out.push_str("  removed"),
        }
        out.push('\n');
    }
    report::write_stdout(&out);
}

pub(super) fn rekeyed(args: &Args, done: &manage::Rekeyed, key_id: &str) -> Result<(), Fail> {
    if args.json {
        print_json(&serde_json::json!({
            "key_id": key_id,
            "resealed": done.resealed,
            "failed": done.failed.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }));
    } else {
        report::write_stderr(&format!(
            "resealed {} secret versions under master key `{key_id}`\n",
            done.resealed
        ));
    }
    if done.failed.is_empty() {
        return Ok(());
    }
    for error in &done.failed {
        print(error);
    }
    report::write_stderr(&format!(
        "{} versions could not be opened and were left as they were\n",
        done.failed.len()
    ));
    Err(Fail(ExitCode::from(EXIT_FAILURE)))
}
/// `value` as pretty JSON on standard output.
pub(super) fn print_json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => report::write_stdout_exact(&format!("{text}\n")),
        Err(error) => report::print_error(&format!("cannot print json: {error}")),
    }
}
