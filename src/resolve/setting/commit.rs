//! `commit "4f2a9c1"`: 7 to 40 hexadecimal digits.

use super::super::Cx;
use super::super::block::*;
use crate::diagnostic::Diagnostic;
use crate::syntax::Node;

/// Reads `node` into `block`.
pub fn read(cx: &mut Cx, node: &Node, at: At, block: &mut Block) {
    check_props(cx, node, &[]);
    let sha = string_arg(cx, node).filter(|c| {
        let ok = (7..=40).contains(&c.len()) && c.chars().all(|x| x.is_ascii_hexdigit());
        if !ok {
            let span = node.first_arg().map(|e| e.value_span).unwrap_or(node.span);
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::invalid_value_type",
                    cx.file,
                    span,
                    format!("`{c}` is not a commit SHA"),
                )
                .with_help("write 7 to 40 hexadecimal digits, e.g. `commit \"4f2a9c1\"`"),
            );
        }
        ok
    });
    put(block, at, Key::Commit, sha.map(Val::Str));
}
