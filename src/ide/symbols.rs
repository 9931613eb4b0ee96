//! The outline of a file: its declarations, the `service "S"` blocks of
//! layers and environments, and variables.

use crate::diagnostic::Span;
use crate::syntax::{Document, Node};

/// One entry of the outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// The declared name (or the node name when it has none).
    pub name: String,
    /// The node kind (`service`, `environment`, `variable`, …).
    pub detail: String,
    /// The whole node.
    pub span: Span,
    /// The name.
    pub selection: Span,
    /// Nested symbols.
    pub children: Vec<Symbol>,
}

/// The outline of `doc`.
pub fn document_symbols(doc: &Document) -> Vec<Symbol> {
    doc.nodes.iter().map(|n| symbol(n, 0)).collect()
}

fn symbol(node: &Node, depth: usize) -> Symbol {
    let arg = node.first_arg();
    let (name, selection) = match arg.and_then(|e| e.value.as_str().map(|s| (s, e.value_span))) {
        Some((s, span)) => (s.to_string(), span),
        None => (node.name.value.to_string(), node.name.span),
    };
    let children = node
        .child_nodes()
        .iter()
        .filter(|c| {
            depth < 3
                && (matches!(c.name.value.as_str(), "service" | "vars" | "shared-vars")
                    || is_map(node))
        })
        .map(|c| {
            if is_map(node) {
                Symbol {
                    name: c.name.value.to_string(),
                    detail: "variable".into(),
                    span: c.span,
                    selection: c.name.span,
                    children: Vec::new(),
                }
            } else {
                symbol(c, depth + 1)
            }
        })
        .collect();
    // A `vars` block is listed by its node name, its entries inside.
    let detail = node.name.value.to_string();
    let name = if is_map(node) { detail.clone() } else { name };
    Symbol {
        name,
        detail,
        span: node.span.cover(selection),
        selection,
        children,
    }
}

fn is_map(node: &Node) -> bool {
    matches!(node.name.value.as_str(), "vars" | "shared-vars")
}
