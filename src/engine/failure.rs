//! How an operation fails: the one error channel. Whatever went wrong — a
//! mistake in the files, a name on the command line that names nothing, a
//! lock held by someone else, a missing token, an error from Railway — is
//! a list of [`Diagnostic`]s (located when there is a place in a file,
//! general otherwise), with the files they point into and whether it was a
//! usage error. Front ends render them with the same human, JSON and GitHub
//! renderers; library rooms keep their own typed errors and convert here.

use crate::diagnostic::{Diagnostic, SourceFiles};

/// What kind of failure: decides the CLI's exit code and the service's
/// HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The request names something that does not exist or is malformed
    /// (exit 2, HTTP 400/404).
    Usage,
    /// The operation could not be carried out (exit 1).
    Failed,
}

/// A failed operation: diagnostics, most specific first.
#[derive(Clone, Debug)]
pub struct Failure {
    /// Usage error or failure.
    pub exit: Exit,
    /// The files the located diagnostics point into (may be empty).
    pub files: SourceFiles,
    /// What went wrong: at least one error.
    pub diagnostics: Vec<Diagnostic>,
}

impl Failure {
    /// Its diagnostics' messages, joined by `; ` (for a log line or a
    /// job's error).
    pub fn messages(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// A failure described by one general diagnostic.
    pub fn failed(diagnostic: Diagnostic) -> Failure {
        Failure {
            exit: Exit::Failed,
            files: SourceFiles::new(),
            diagnostics: vec![diagnostic],
        }
    }

    /// A usage error described by one general diagnostic.
    pub fn usage(diagnostic: Diagnostic) -> Failure {
        Failure {
            exit: Exit::Usage,
            ..Failure::failed(diagnostic)
        }
    }

    /// A failure with located diagnostics in `files`, followed by
    /// `conclusion` (what it means for the operation), when given.
    pub fn located(
        files: &SourceFiles,
        diagnostics: Vec<Diagnostic>,
        conclusion: Option<Diagnostic>,
    ) -> Failure {
        let mut diagnostics = diagnostics;
        diagnostics.extend(conclusion);
        Failure {
            exit: Exit::Failed,
            files: files.clone(),
            diagnostics,
        }
    }

    /// A failure with one general error: `code`, `message` and `help`.
    pub fn error(code: &'static str, message: impl Into<String>, help: Option<&str>) -> Failure {
        let mut diagnostic = Diagnostic::general(code, message);
        if let Some(help) = help {
            diagnostic = diagnostic.with_help(help);
        }
        Failure::failed(diagnostic)
    }

    /// The state database could not be read or written.
    pub fn state(error: &crate::state::StateError) -> Failure {
        Failure::of(error, "mirage::state::database")
    }

    /// A failure from a room's typed error (thiserror + miette): its
    /// message, its stable code when it has a registered one (`fallback`
    /// otherwise) and its help.
    pub fn of(error: &dyn miette::Diagnostic, fallback: &'static str) -> Failure {
        Failure::failed(diagnostic_of(error, fallback))
    }
}

/// A general diagnostic from a room's typed error (see [`Failure::of`]).
pub fn diagnostic_of(error: &dyn miette::Diagnostic, fallback: &'static str) -> Diagnostic {
    let code = error
        .code()
        .and_then(|code| crate::diagnostic::codes::find(&code.to_string()))
        .unwrap_or(fallback);
    let mut diagnostic = Diagnostic::general(code, error.to_string());
    if let Some(help) = error.help() {
        diagnostic = diagnostic.with_help(help.to_string());
    }
    diagnostic
}

impl From<Diagnostic> for Failure {
    fn from(diagnostic: Diagnostic) -> Failure {
        Failure::failed(diagnostic)
    }
}
