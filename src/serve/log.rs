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
    // A closed standard error loses the log, not the request; no secret
    // this process read leaves in it.
    let text = crate::secrets::redact::redact(&text);
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

pub use crate::secrets::redact::Redactor;
