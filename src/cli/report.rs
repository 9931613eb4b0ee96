//! Rendering diagnostics for people (miette), machines (JSON) and GitHub
//! Actions (annotations).

use crate::diagnostic::{Diagnostic, SourceFiles};

/// Print diagnostics for a person on standard error, followed by a summary
/// line ("2 errors, 1 warning").
pub fn print_diagnostics(files: &SourceFiles, diagnostics: &[Diagnostic]) {
    let _ = (files, diagnostics);
}
