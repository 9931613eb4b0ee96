//! Syntax errors before they are attached to a file.

use crate::diagnostic::{Diagnostic, FileId, Span};

/// A syntax problem found by the lexer or parser; becomes a [`Diagnostic`]
/// once the file is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Stable code, `mirage::syntax::*`.
    pub code: &'static str,
    /// Where.
    pub span: Span,
    /// One line, lowercase.
    pub message: String,
    /// Text of the primary label.
    pub label: String,
    /// What to write instead.
    pub help: String,
}

impl SyntaxError {
    /// A new error with an empty label and help.
    pub fn new(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        SyntaxError {
            code,
            span,
            message: message.into(),
            label: String::new(),
            help: String::new(),
        }
    }

    /// Set the label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Set the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }

    /// The diagnostic for `file`.
    pub fn into_diagnostic(self, file: FileId) -> Diagnostic {
        let d = Diagnostic::error(self.code, file, self.span, self.message).with_label(self.label);
        if self.help.is_empty() {
            d
        } else {
            d.with_help(self.help)
        }
    }
}
