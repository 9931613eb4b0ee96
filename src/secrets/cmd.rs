//! `cmd:ARGUMENT`: the output of the command the project configures once
//! (`secrets { command "op" "read" "{}" }`), `{}` replaced by the
//! reference's location (or the location appended when no argument holds
//! `{}`). No shell unless `shell=#true`, and then the location is passed
//! as `$1`, never pasted into the script. Standard input is closed; a run
//! that outlasts the timeout is killed; a failure shows the command's
//! standard error (redacted of the secrets read so far). One trailing line
//! break of the output is trimmed.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt as _;

use super::source::{Place, Read, Unreadable};
use crate::model::{CommandSettings, SecretRef};

/// The most output a secret command may print: 1 MiB.
const MAX_OUTPUT: u64 = 1024 * 1024;
/// The most of its standard error shown on failure.
const MAX_STDERR_SHOWN: usize = 2_000;
/// Commands run at once.
const AT_ONCE: usize = 4;

/// Reads each `cmd:` reference, a few at a time.
pub async fn read(place: &Place, refs: &[SecretRef]) -> Vec<Read> {
    let Some(command) = &place.settings.command else {
        return refs
            .iter()
            .map(|_| {
                Err(Unreadable::new(
                    "the project configures no secret command",
                    "add `secrets { command \"op\" \"read\" \"{}\" }` (your tool and its arguments) to the `project` block",
                ))
            })
            .collect();
    };
    let mut answers = Vec::with_capacity(refs.len());
    for chunk in refs.chunks(AT_ONCE) {
        let runs = chunk
            .iter()
            .map(|secret| run(place, command, &secret.location));
        answers.extend(futures_util::future::join_all(runs).await);
    }
    answers
}

/// The program and arguments that read `location`.
pub fn arguments(command: &CommandSettings, location: &str) -> Vec<String> {
    if command.shell {
        let mut argv = vec![
            "sh".to_owned(),
            "-c".to_owned(),
            command.argv.join(" ").replace("{}", "\"$1\""),
            "mirage-secret".to_owned(),
        ];
        argv.push(location.to_owned());
        return argv;
    }
    let mut substituted = false;
    let mut argv: Vec<String> = command
        .argv
        .iter()
        .map(|arg| {
            if arg.contains("{}") {
                substituted = true;
                arg.replace("{}", location)
            } else {
                arg.clone()
            }
        })
        .collect();
    if !substituted {
        argv.push(location.to_owned());
    }
    argv
}

async fn run(place: &Place, command: &CommandSettings, location: &str) -> Read {
    let argv = arguments(command, location);
    let program = argv[0].clone();
    let shown = if command.shell {
        format!("sh -c '{}'", command.argv.join(" "))
    } else {
        format!("`{program}`")
    };
    let mut child = match tokio::process::Command::new(&program)
        .args(&argv[1..])
        .current_dir(&place.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(Unreadable::new(
                format!("the secret command {shown} was not found"),
                format!("install `{program}` or change `command` in the project's `secrets` block"),
            ));
        }
        Err(error) => {
            return Err(Unreadable::new(
                format!("the secret command {shown} could not start: {error}"),
                "check the `command` of the project's `secrets` block",
            ));
        }
    };
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(Unreadable::new(
            "the secret command's output was not captured",
            "report this as a bug",
        ));
    };
    let collect = async {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let mut stdout = stdout.take(MAX_OUTPUT + 1);
        let mut stderr = stderr.take(MAX_OUTPUT);
        let (o, e) = tokio::join!(stdout.read_to_end(&mut out), stderr.read_to_end(&mut err));
        let status = child.wait().await;
        (o.and(e).and(status), out, err)
    };
    let timeout = command.timeout;
    let (status, out, err) = match tokio::time::timeout(timeout, collect).await {
        Ok(done) => done,
        Err(_) => {
            return Err(Unreadable::new(
                format!(
                    "the secret command {shown} did not finish within {} (it was stopped)",
                    seconds(timeout)
                ),
                "check that it does not wait for input (it gets none), or raise `timeout=` on `command`",
            ));
        }
    };
    let status = match status {
        Ok(status) => status,
        Err(error) => {
            return Err(Unreadable::new(
                format!("the secret command {shown} failed: {error}"),
                "check the `command` of the project's `secrets` block",
            ));
        }
    };
    if !status.success() {
        let code = status.code().map_or_else(
            || "was killed by a signal".to_owned(),
            |c| format!("exited with {c}"),
        );
        let stderr = String::from_utf8_lossy(&err);
        let stderr = stderr.trim();
        let stderr = super::redact::redact(stderr);
        let said = if stderr.is_empty() {
            " and printed nothing on standard error".to_owned()
        } else {
            let mut cut: String = stderr.chars().take(MAX_STDERR_SHOWN).collect();
            if cut.len() < stderr.len() {
                cut.push('…');
            }
            format!(": {cut}")
        };
        return Err(Unreadable::new(
            format!("the secret command {shown} {code}{said}"),
            format!("run it yourself with `{location}` to see why"),
        ));
    }
    if out.len() as u64 > MAX_OUTPUT {
        return Err(Unreadable::new(
            format!("the secret command {shown} printed more than 1 MiB"),
            "a secret is one value: check the command's arguments",
        ));
    }
    super::text_value(out).ok_or_else(|| {
        Unreadable::new(
            format!("the secret command {shown} printed something that is not UTF-8 text"),
            "a Railway variable is text: have the command print base64",
        )
    })
}

fn seconds(duration: Duration) -> String {
    format!("{} s", duration.as_secs_f64())
}
