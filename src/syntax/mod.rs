//! KDL v2 text → a lossless, error-recovering tree with byte spans.
//!
//! This room knows nothing about Railway or about what `.mirage` nodes mean;
//! it reads any KDL v2 document. [`parse`] always returns a [`Document`],
//! even for broken input, together with every syntax diagnostic, so that the
//! language server has a tree while the user types and `check` never stops
//! at the first mistake.

mod ast;

pub use ast::*;

/// Placeholder for the syntax room's formatter (contract:
/// `format(text) -> Result<String, Vec<Diagnostic>>`); replaced at merge.
pub fn format(text: &str) -> Result<String, Vec<crate::diagnostic::Diagnostic>> {
    let _ = text;
    todo!("the syntax room's formatter")
}
