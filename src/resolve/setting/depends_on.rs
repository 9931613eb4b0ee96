//! `depends-on "db" …`: service names with their spans (checked later).

use super::super::Cx;
use super::super::block::*;
use crate::syntax::Node;
use crate::syntax::Value;

/// Reads `node` into `block`.
pub fn read(cx: &mut Cx, node: &Node, at: At, block: &mut Block) {
    check_props(cx, node, &[]);
    let mut names = Vec::new();
    for e in node.args() {
        match &e.value {
            Value::String(s) => names.push((s.to_string(), e.value_span)),
            other => type_error(cx, e, "a service name", other),
        }
    }
    if names.is_empty() {
        missing(cx, node, "at least one service name");
    } else {
        put(block, at, Key::DependsOn, Some(Val::Names(names)));
    }
}
