//! KDL v2 text → a lossless, error-recovering tree with byte spans.
//!
//! This room knows nothing about Railway or about what `.mirage` nodes mean;
//! it reads any KDL v2 document. [`parse`] always returns a [`Document`],
//! even for broken input, together with every syntax diagnostic, so that the
//! language server has a tree while the user types and `check` never stops
//! at the first mistake.
//!
//! Pieces: [`lexer`] cuts the text into tokens that cover every byte (the
//! formatter works on them), `parser` builds the tree with recovery and a
//! depth limit, pulling tokens from the lexer as it goes rather than from a
//! materialised stream, [`print_canonical`] prints the KDL test suite's
//! normal form.

mod ast;
mod chars;
mod error;
mod format;
pub mod lexer;
mod number;
mod parser;
mod printer;
mod strings;

pub use ast::*;
pub use chars::is_bare_identifier;
pub use error::SyntaxError;
pub use format::{format, format_file};
pub use lexer::{Token, TokenKind, tokenize};
pub use parser::MAX_DEPTH;
pub use printer::{print_canonical, write_quoted};

#[cfg(test)]
mod tests;
