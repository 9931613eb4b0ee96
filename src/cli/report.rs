//! Rendering diagnostics for people (miette), machines (JSON) and GitHub
//! Actions (annotations).
//!
//! One diagnostic type, several renderers, as ruff does: [`human`] for the
//! terminal, [`json`] for tools, [`github`] for workflow annotations. The
//! renderers are pure functions from diagnostics to text so that tests can
//! call them directly; this file decides where the text goes.
//!
//! Human text goes out through [`write_stdout`] and [`write_stderr`], which
//! escape control characters ([`crate::terminal`]): names, values and
//! error messages from files or from Railway never drive the terminal.
//! JSON and GitHub annotations go through [`write_stdout_exact`].

pub mod github;
pub mod human;
pub mod json;

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use clap::ValueEnum;

use super::ColorChoice;
use crate::diagnostic::{Diagnostic, SourceFiles};
use crate::terminal;

/// Width used when standard error is not a terminal, so that output into
/// files and pipes (golden tests, CI logs) never depends on the machine.
pub const DEFAULT_WIDTH: usize = 100;

/// How `check` (and other commands that report problems) print diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Source snippets with labels, on standard error.
    #[default]
    Human,
    /// One versioned JSON document on standard output (see `docs/cli.md`).
    Json,
    /// GitHub Actions workflow commands (`::error file=…`) on standard output.
    Github,
}

static COLOR: OnceLock<ColorChoice> = OnceLock::new();

/// How many errors (and as many warnings) human output shows by default.
pub const DEFAULT_MAX_ERRORS: usize = 50;

static MAX_ERRORS: OnceLock<usize> = OnceLock::new();

static MESSAGE_FORMAT: OnceLock<Format> = OnceLock::new();

/// `--max-errors`, on every command that prints diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct Limits {
    /// Show at most N errors (and N warnings) in human output; 0 shows all.
    /// The summary still counts every one; JSON and GitHub output are always
    /// complete.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_ERRORS)]
    pub max_errors: usize,

    /// How problems are printed: for people (standard error), as one JSON
    /// document or as GitHub Actions annotations (standard output). Every
    /// failure goes this way, whether it has a place in a file or not.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub message_format: Option<Format>,
}

/// Record the `--message-format` choice for the whole process (first call
/// wins).
pub fn set_message_format(format: Format) {
    let _ = MESSAGE_FORMAT.set(format);
}

/// How problems are printed (`--message-format`; human by default).
pub fn message_format() -> Format {
    message_format_given().unwrap_or_default()
}

/// `--message-format`, when given.
pub fn message_format_given() -> Option<Format> {
    MESSAGE_FORMAT.get().copied()
}

/// Record the `--max-errors` choice for the whole process (first call wins).
pub fn set_max_errors(limit: usize) {
    let _ = MAX_ERRORS.set(limit);
}

/// The diagnostics human output shows under `limit` (0: no limit): the
/// first `limit` errors and the first `limit` warnings, in their order, and
/// the count of those left out.
pub fn cap(diagnostics: &[Diagnostic], limit: usize) -> (Vec<Diagnostic>, Summary) {
    if limit == 0 {
        return (diagnostics.to_vec(), Summary::default());
    }
    let mut shown = Summary::default();
    let mut hidden = Summary::default();
    let mut out = Vec::new();
    for diagnostic in diagnostics {
        let (seen, left_out) = if diagnostic.is_error() {
            (&mut shown.errors, &mut hidden.errors)
        } else {
            (&mut shown.warnings, &mut hidden.warnings)
        };
        if *seen < limit {
            *seen += 1;
            out.push(diagnostic.clone());
        } else {
            *left_out += 1;
        }
    }
    (out, hidden)
}

/// `n` with a comma every three digits: `19,950`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The line that says what a capped output left out, or `None`.
fn left_out_line(hidden: Summary) -> Option<String> {
    let more = |n: usize, word: &str| {
        let s = if n == 1 { "" } else { "s" };
        format!("{} more {word}{s}", thousands(n))
    };
    let what = match (hidden.errors, hidden.warnings) {
        (0, 0) => return None,
        (e, 0) => more(e, "error"),
        (0, w) => more(w, "warning"),
        (e, w) => format!("{} and {}", more(e, "error"), more(w, "warning")),
    };
    Some(format!("… and {what}; `--max-errors 0` shows all\n"))
}

/// Record the `--color` choice for the whole process. Later calls are
/// ignored: the flag is parsed once.
pub fn set_color(choice: ColorChoice) {
    let _ = COLOR.set(choice);
}

/// Whether output on standard error should be coloured: `--color always`
/// and `never` win; otherwise `NO_COLOR` (any non-empty value) turns colour
/// off, and a terminal turns it on.
pub fn use_color() -> bool {
    color_for(std::io::stderr().is_terminal())
}

/// Whether output on standard output (a plan) should be coloured: as
/// [`use_color`], with standard output's own terminal.
pub fn use_color_on_stdout() -> bool {
    color_for(std::io::stdout().is_terminal())
}

fn color_for(terminal: bool) -> bool {
    match COLOR.get().copied().unwrap_or_default() {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            !no_color && terminal
        }
    }
}

/// The width to wrap human output at: the terminal's, or [`DEFAULT_WIDTH`].
pub fn output_width() -> usize {
    let stderr = std::io::stderr();
    if stderr.is_terminal()
        && let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size_of(&stderr)
    {
        return usize::from(w).max(40);
    }
    DEFAULT_WIDTH
}

/// Counts of problems, for summary lines and the JSON `summary` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
}

impl Summary {
    /// Count the diagnostics.
    pub fn of(diagnostics: &[Diagnostic]) -> Self {
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        Summary {
            errors,
            warnings: diagnostics.len() - errors,
        }
    }

    /// The closing line of human output (`error: 2 errors, 1 warning
    /// emitted`), or `None` when there is nothing to report.
    pub fn line(&self) -> Option<String> {
        fn plural(n: usize, word: &str) -> String {
            if n == 1 {
                format!("1 {word}")
            } else {
                format!("{} {word}s", thousands(n))
            }
        }
        match (self.errors, self.warnings) {
            (0, 0) => None,
            (0, w) => Some(format!("warning: {} emitted", plural(w, "warning"))),
            (e, 0) => Some(format!("error: {} emitted", plural(e, "error"))),
            (e, w) => Some(format!(
                "error: {}, {} emitted",
                plural(e, "error"),
                plural(w, "warning")
            )),
        }
    }
}

/// Print diagnostics for a person on standard error, at most
/// `--max-errors` of each severity, followed by a summary line ("2 errors,
/// 1 warning") that counts them all.
pub fn print_diagnostics(files: &SourceFiles, diagnostics: &[Diagnostic]) {
    let options = human::Options {
        color: use_color(),
        width: output_width(),
    };
    let limit = MAX_ERRORS.get().copied().unwrap_or(DEFAULT_MAX_ERRORS);
    let (shown, hidden) = cap(diagnostics, limit);
    let mut text = human::render(files, &shown, &options);
    if let Some(line) = left_out_line(hidden) {
        text.push_str(&line);
    }
    if let Some(line) = Summary::of(diagnostics).line() {
        text.push_str(&line);
        text.push('\n');
    }
    // Escaped piece by piece by the renderer; only its colours remain.
    write_stderr_exact(&text);
}

/// Print diagnostics in the chosen format: human on standard error, JSON and
/// GitHub annotations on standard output (where tools read them). For
/// people, problems with no place in a file print as `error: …` lines
/// without a summary when nothing else is reported.
pub fn emit(format: Format, files: &SourceFiles, diagnostics: &[Diagnostic]) {
    match format {
        // Problems in the files with their summary line, then what they
        // mean for the command (`error: cannot plan …`).
        Format::Human => {
            let (located, general): (Vec<Diagnostic>, Vec<Diagnostic>) = diagnostics
                .iter()
                .cloned()
                .partition(|d| d.primary.is_some());
            if !located.is_empty() {
                print_diagnostics(files, &located);
            }
            for diagnostic in &general {
                print_general(diagnostic);
            }
        }
        Format::Json => write_stdout_exact(&json::render(files, diagnostics)),
        Format::Github => write_stdout_exact(&github::render(files, diagnostics)),
    }
}

/// Write human text to standard error, control characters escaped,
/// ignoring a closed pipe (`mirage check | head`).
pub fn write_stderr(text: &str) {
    write_stderr_exact(&terminal::escape(text));
}

/// Write human text to standard output, control characters escaped,
/// ignoring a closed pipe.
pub fn write_stdout(text: &str) {
    write_stdout_exact(&terminal::escape(text));
}

/// Write to standard output as is: JSON (which escapes what it must) and
/// other machine formats.
pub fn write_stdout_exact(text: &str) {
    // Every secret this process read leaves as `(sensitive)`.
    let text = crate::secrets::redact::redact(text);
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Write to standard error as is: text already made safe, with Mirage's
/// own control sequences (colours, clearing the screen).
pub fn write_stderr_exact(text: &str) {
    let text = crate::secrets::redact::redact(text);
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// Print one diagnostic with no place in a file as `error: …` (or
/// `warning: …`) and its help line on standard error.
pub fn print_general(diagnostic: &Diagnostic) {
    write_stderr_exact(&human::general(diagnostic, use_color()));
}

/// Print a problem that has no place in a file (a missing directory, an
/// unreadable file) as `error: …` on standard error.
pub fn print_error(message: &str) {
    let prefix = if use_color() {
        "\u{1b}[1;31merror\u{1b}[0m"
    } else {
        "error"
    };
    write_stderr_exact(&format!("{prefix}: {}\n", terminal::escape(message)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lines_count_and_pluralise() {
        let s = |errors, warnings| Summary { errors, warnings }.line();
        assert_eq!(s(0, 0), None);
        assert_eq!(s(1, 0).as_deref(), Some("error: 1 error emitted"));
        assert_eq!(
            s(3, 1).as_deref(),
            Some("error: 3 errors, 1 warning emitted")
        );
        assert_eq!(s(0, 2).as_deref(), Some("warning: 2 warnings emitted"));
        assert_eq!(
            s(20_000, 0).as_deref(),
            Some("error: 20,000 errors emitted")
        );
    }

    #[test]
    fn thousands_are_separated() {
        let cases = [(0, "0"), (999, "999"), (1000, "1,000"), (19_950, "19,950")];
        for (n, want) in cases {
            assert_eq!(thousands(n), want);
        }
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
