//! The service's log: one line per event on standard error, as
//! `TIME LEVEL event key=value …` (logfmt-style, values quoted when they
//! hold spaces), which log collectors parse without configuration. The
//! crate has no `tracing`; this is all serve needs.
//!
//! Callers pass only what may be shown: delivery ids, event names, job
//! numbers, redacted errors — never a secret, a token, a body or the
//! Railway webhook's URL (its path holds the shared secret).

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(true);

/// Turns the log of this process on or off (tests running many servers
/// in one process turn it off).
pub fn set_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

/// How important a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Routine.
    Info,
    /// Something refused or retried.
    Warn,
    /// Something failed.
    Error,
}

/// Writes one line: `event` and its fields.
pub fn line(level: Level, event: &str, fields: &[(&str, &dyn std::fmt::Display)]) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    let level = match level {
        Level::Info => "INFO",
        Level::Warn => "WARN",
        Level::Error => "ERROR",
    };
    let mut text = format!("{} {level} {event}", now());
    for (key, value) in fields {
        let value = value.to_string();
        let _ = write!(text, " {key}=");
        if value.is_empty() || value.contains([' ', '"', '=', '\n']) {
            let _ = write!(text, "{:?}", value);
        } else {
            text.push_str(&value);
        }
    }
    text.push('\n');
    // A closed standard error loses the log, not the request.
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// `INFO` line.
pub fn info(event: &str, fields: &[(&str, &dyn std::fmt::Display)]) {
    line(Level::Info, event, fields);
}

/// `WARN` line.
pub fn warn(event: &str, fields: &[(&str, &dyn std::fmt::Display)]) {
    line(Level::Warn, event, fields);
}

/// `ERROR` line.
pub fn error(event: &str, fields: &[(&str, &dyn std::fmt::Display)]) {
    line(Level::Error, event, fields);
}

/// The time in RFC 3339 with milliseconds, UTC.
fn now() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.millisecond()
    )
}

/// Replaces every occurrence of the secrets it knows in a text (an error
/// from a job, which may quote a request) with `<redacted>`.
#[derive(Clone, Default)]
pub struct Redactor(Vec<String>);

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.0.len())
    }
}

impl Redactor {
    /// A redactor of `secrets` (empty and very short ones are skipped:
    /// they would blank out ordinary words).
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 4).collect();
        // Longest first, so a secret containing another is removed whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Redactor(secrets)
    }

    /// `text` without the secrets.
    pub fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in &self.0 {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "<redacted>");
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_longest_first() {
        let redactor = Redactor::new(["abcd".to_owned(), "abcdefgh".to_owned(), "x".to_owned()]);
        assert_eq!(
            redactor.redact("token abcdefgh and abcd, x"),
            "token <redacted> and <redacted>, x"
        );
        assert_eq!(format!("{redactor:?}"), "Redactor(2 secrets)");
    }
}
