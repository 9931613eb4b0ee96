//! `builder "railpack"`: one of the builders, in Railway's spelling.

use super::super::Cx;
use super::super::block::*;
use super::super::value;
use crate::syntax::Node;

/// Reads `node` into `block`.
pub fn read(cx: &mut Cx, node: &Node, at: At, block: &mut Block) {
    check_props(cx, node, &[]);
    let v = string_arg(cx, node).and_then(|b| match value::parse_builder(&b) {
        Some(r) => Some(r.to_string()),
        None => {
            bad_enum(
                cx,
                node,
                "mirage::resolve::unknown_builder",
                "builder",
                &b,
                value::BUILDERS.iter().map(|(b, _)| *b),
            );
            None
        }
    });
    put(block, at, Key::Builder, v.map(Val::Str));
}
