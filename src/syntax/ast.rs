//! The typed tree the parser produces.
//!
//! Slashdash-commented (`/-`) nodes, entries and children blocks are not in
//! this tree (they are comments); the formatter still keeps them, through the
//! lossless token stream.

pub use smol_str::SmolStr;

use super::SyntaxError;
use crate::diagnostic::{Diagnostic, FileId, Span};

/// A parsed KDL document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// Top-level nodes in source order.
    pub nodes: Vec<Node>,
    /// The whole text.
    pub span: Span,
}

/// `(type)name arg key=value { children }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The `(type)` annotation before the name, if any.
    pub ty: Option<Ident>,
    /// The node name, unquoted.
    pub name: Ident,
    /// Arguments and properties in source order (duplicates kept; the last
    /// property of a name wins, as KDL says).
    pub entries: Vec<Entry>,
    /// The `{ … }` block, if present.
    pub children: Option<Children>,
    /// From the type annotation (or name) to the end of the last entry or
    /// the closing brace.
    pub span: Span,
}

/// A `{ … }` children block.
#[derive(Debug, Clone, PartialEq)]
pub struct Children {
    /// The child nodes.
    pub nodes: Vec<Node>,
    /// From `{` to `}` inclusive.
    pub span: Span,
}

/// A name: node name, property key or type annotation, with quotes removed
/// and escapes processed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    /// The name as a string (inline when short, so most names cost no
    /// allocation; cloning is O(1)).
    pub value: SmolStr,
    /// The token in the source (quotes included when quoted).
    pub span: Span,
}

/// An argument (`name` is `None`) or a property (`name=value`).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Property key; `None` for an argument.
    pub name: Option<Ident>,
    /// The `(type)` annotation on the value, e.g. `(secret)"env:KEY"`.
    pub ty: Option<Ident>,
    /// The value.
    pub value: Value,
    /// The value token alone.
    pub value_span: Span,
    /// The whole entry: key, `=`, annotation and value.
    pub span: Span,
}

/// A KDL value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Any string form (identifier, quoted, multi-line, raw), processed.
    String(SmolStr),
    /// A number.
    Number(Number),
    /// `#true` / `#false`.
    Bool(bool),
    /// `#null`.
    Null,
}

/// A KDL number.
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    /// An integer that fits (decimal, hex, octal or binary in the source).
    Integer(i128),
    /// A decimal with a fraction or exponent, or `#inf`, `#-inf`, `#nan`.
    Float(f64),
    /// An integer too large for `i128`, as normalised decimal digits
    /// (with a leading `-` when negative).
    BigInteger(String),
}

/// The result of parsing one file: always a tree, plus every problem found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    /// The best tree the parser could recover.
    pub document: Document,
    /// Syntax errors, in source order, codes `mirage::syntax::*`.
    pub diagnostics: Vec<Diagnostic>,
}

impl Value {
    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is an integer that fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(Number::Integer(i)) => i64::try_from(*i).ok(),
            _ => None,
        }
    }

    /// The number as a float, if this is any number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(Number::Integer(i)) => Some(*i as f64),
            Value::Number(Number::Float(f)) => Some(*f),
            Value::Number(Number::BigInteger(s)) => s.parse().ok(),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Whether this is `#null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A short name of the kind, for messages ("string", "number", …).
    pub fn kind(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Number(_) => "number",
            Value::Bool(_) => "boolean",
            Value::Null => "null",
        }
    }
}

impl Node {
    /// Arguments (entries without a name), in order.
    pub fn args(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.name.is_none())
    }

    /// Properties (entries with a name), in order, duplicates included.
    pub fn props(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.name.is_some())
    }

    /// The last property with this key (KDL: rightmost wins).
    pub fn prop(&self, key: &str) -> Option<&Entry> {
        self.props()
            .filter(|e| e.name.as_ref().is_some_and(|n| n.value == key))
            .last()
    }

    /// The first argument.
    pub fn first_arg(&self) -> Option<&Entry> {
        self.args().next()
    }

    /// Child nodes (empty when there is no block).
    pub fn child_nodes(&self) -> &[Node] {
        self.children
            .as_ref()
            .map(|c| c.nodes.as_slice())
            .unwrap_or(&[])
    }
}

/// Parse KDL v2 text into a tree and its syntax errors in source order, not
/// yet attached to a file (so a parse can be kept and reused under another
/// [`FileId`]). Never panics.
pub fn parse_tree(text: &str) -> (Document, Vec<SyntaxError>) {
    let (document, mut errors) = super::parser::parse_text(text);
    // Source order; stable so that errors at one place keep their order.
    errors.sort_by_key(|e| e.span.start);
    (document, errors)
}

/// Parse KDL v2 text. Never panics, for any input; always returns a tree.
///
/// `file` is recorded in the diagnostics.
pub fn parse(file: FileId, text: &str) -> Parsed {
    let (document, errors) = parse_tree(text);
    Parsed {
        document,
        diagnostics: errors
            .into_iter()
            .map(|e| e.into_diagnostic(file))
            .collect(),
    }
}
