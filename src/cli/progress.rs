//! Drawing the engine's events on a terminal: one line per step with its
//! state under a spinner (indicatif) on a TTY without `NO_COLOR`, plain
//! lines on standard error otherwise. Warnings the engine raises on the way
//! (a lock taken over, a record forgotten, a record not written) are
//! printed as they come.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use super::report;
use crate::apply::Status;
use crate::engine::{Event, EventSink};

/// The CLI's event sink.
#[derive(Default)]
pub struct Terminal {
    bar: Mutex<Option<ProgressBar>>,
}

impl Terminal {
    /// A sink for standard error.
    pub fn new() -> Terminal {
        Terminal::default()
    }

    fn line(&self, line: &str) {
        // Names come from the files, reasons and notes from Railway.
        let line = crate::terminal::escape(line).into_owned();
        match self.bar.lock().ok().as_deref().and_then(Option::as_ref) {
            Some(bar) => bar.println(line),
            None => plain(&line),
        }
    }
}

impl EventSink for Terminal {
    fn emit(&self, event: Event) {
        match event {
            Event::LockTakenOver {
                lease_expired,
                environment,
                holder,
                pid,
            } => {
                let why = if lease_expired {
                    "whose lease ran out (it stopped renewing it)"
                } else {
                    "which is no longer running"
                };
                report::write_stderr(&format!(
                    "warning: took over the lock of environment `{environment}` from {holder} (pid {pid}), {why}\n"
                ))
            }
            Event::Forgotten(item) => report::write_stderr(&format!(
                "note: forgot {item}: Railway no longer has it (removed by hand, or by a run that was stopped)\n"
            )),
            Event::ApplyStarted => {
                let fancy =
                    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                if fancy && let Ok(mut slot) = self.bar.lock() {
                    let bar = ProgressBar::new_spinner();
                    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
                        bar.set_style(style);
                    }
                    bar.enable_steady_tick(std::time::Duration::from_millis(100));
                    bar.set_message("applying…");
                    *slot = Some(bar);
                }
            }
            Event::Step { step, status } => self.line(&match status {
                Status::Done => format!("  ✓ {step}"),
                Status::Failed(reason) => format!("  ✗ {step}: {reason}"),
                Status::Skipped(reason) => format!("  - {step}: skipped ({reason})"),
            }),
            Event::Note(text) => self.line(&format!("  ! {text}")),
            Event::Preview(text) => self.line(&format!("  … {text}")),
            Event::ApplyFinished => {
                if let Ok(mut slot) = self.bar.lock()
                    && let Some(bar) = slot.take()
                {
                    bar.finish_and_clear();
                }
            }
            Event::Problem(diagnostic) => {
                report::print_general(&diagnostic);
            }
        }
    }
}

/// One line on standard error. Never `eprintln!`, which panics when
/// standard error is closed (`mirage apply 2>&1 | head -1`): an apply must
/// not stop half-way because nobody reads its progress.
fn plain(line: &str) {
    let line = crate::secrets::redact::redact(line);
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
