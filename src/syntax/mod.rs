//! KDL v2 text → a lossless, error-recovering tree with byte spans.
//!
//! This room knows nothing about Railway or about what `.mirage` nodes mean;
//! it reads any KDL v2 document. [`parse`] always returns a [`Document`],
//! even for broken input, together with every syntax diagnostic, so that the
//! language server has a tree while the user types and `check` never stops
//! at the first mistake.

mod ast;

pub use ast::*;
