//! Where a cursor is in the tree: the chain of enclosing nodes, the block
//! scope that decides which nodes are valid, and the node under it.

use super::schema::Scope;
use crate::syntax::{Document, Node};

/// The nodes enclosing an offset, outermost first.
#[derive(Debug, Clone, Default)]
pub struct Path<'a> {
    /// Nodes whose `{ … }` block holds the offset.
    pub blocks: Vec<&'a Node>,
    /// The node whose own line (name and entries) holds the offset.
    pub node: Option<&'a Node>,
}

impl<'a> Path<'a> {
    /// Walk `doc` down to `offset`.
    pub fn find(doc: &'a Document, text: &str, offset: usize) -> Self {
        let mut path = Path::default();
        let mut nodes = doc.nodes.as_slice();
        loop {
            let mut next = None;
            for node in nodes {
                if let Some(children) = &node.children
                    && children.span.start < offset
                    && (offset < children.span.end || !closed(text, children.span))
                {
                    next = Some(node);
                } else if node.span.start <= offset && offset <= node.span.end {
                    path.node = Some(node);
                }
            }
            match next {
                Some(node) => {
                    path.blocks.push(node);
                    path.node = None;
                    nodes = node.child_nodes();
                }
                None => return path,
            }
        }
    }

    /// The scope of the innermost block.
    pub fn scope(&self) -> Scope {
        scope_of(&self.blocks)
    }

    /// The name of the innermost enclosing `service` (top-level, or a
    /// `service "S"` block of a layer or environment).
    pub fn service(&self) -> Option<&'a str> {
        self.blocks
            .iter()
            .rev()
            .find(|n| n.name.value == "service")
            .and_then(|n| n.first_arg())
            .and_then(|e| e.value.as_str())
    }

    /// The environment whose block holds the offset.
    pub fn environment(&self) -> Option<&'a str> {
        self.blocks
            .first()
            .filter(|n| n.name.value == "environment")
            .and_then(|n| n.first_arg())
            .and_then(|e| e.value.as_str())
    }
}

/// A block that is still being typed has no `}`: the parser ends it at
/// the end of what it read, and the cursor after it is still inside.
fn closed(text: &str, span: crate::diagnostic::Span) -> bool {
    text.get(..span.end).is_some_and(|t| t.ends_with('}'))
}

/// The scope of the nodes inside `blocks` (outermost first).
pub fn scope_of(blocks: &[&Node]) -> Scope {
    let names: Vec<&str> = blocks.iter().map(|n| n.name.value.as_str()).collect();
    match names.as_slice() {
        [] => Scope::TopLevel,
        [.., "vars" | "shared-vars" | "regions"] => Scope::Map,
        ["project"] => Scope::Project,
        ["template" | "service"] => Scope::Service,
        ["layer" | "environment"] => Scope::ProjectWide,
        ["layer" | "environment", "service"] => Scope::Service,
        ["environment", "preview"] => Scope::Preview,
        _ => Scope::Map,
    }
}
