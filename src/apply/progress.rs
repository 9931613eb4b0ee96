//! Live progress of an apply: one line per resource with its state, drawn
//! with indicatif on a terminal; plain lines (or nothing, when quiet)
//! otherwise and with `NO_COLOR`.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

use super::Status;

/// Where progress goes.
pub struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl Progress {
    /// Progress for the current terminal: a spinner on a TTY without
    /// `NO_COLOR`, plain lines on standard error otherwise.
    pub fn for_terminal() -> Progress {
        let fancy = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let bar = fancy.then(|| {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(100));
            bar.set_message("applying…");
            bar
        });
        Progress { bar, quiet: false }
    }

    /// No output at all (library use, benchmarks).
    pub fn quiet() -> Progress {
        Progress {
            bar: None,
            quiet: true,
        }
    }

    /// Reports one finished step.
    pub fn step(&self, resource: &str, status: &Status) {
        if self.quiet {
            return;
        }
        let line = match status {
            Status::Done => format!("  ✓ {resource}"),
            Status::Failed(reason) => format!("  ✗ {resource}: {reason}"),
            Status::Skipped(reason) => format!("  - {resource}: skipped ({reason})"),
        };
        // Names come from the files, reasons from Railway.
        let line = crate::terminal::escape(&line).into_owned();
        match &self.bar {
            Some(bar) => bar.println(line),
            None => plain(&line),
        }
    }

    /// Reports something that happened on the way (a lost response read
    /// back), as `  ! text`.
    pub fn note(&self, text: &str) {
        if self.quiet {
            return;
        }
        // Read-back notes quote Railway's errors.
        let line = crate::terminal::escape(&format!("  ! {text}")).into_owned();
        match &self.bar {
            Some(bar) => bar.println(line),
            None => plain(&line),
        }
    }

    /// Clears the spinner.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// One line on standard error. Never `eprintln!`, which panics when
/// standard error is closed (`mirage apply 2>&1 | head -1`): an apply must
/// not stop half-way because nobody reads its progress.
fn plain(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
