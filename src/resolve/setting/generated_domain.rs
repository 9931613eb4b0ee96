//! `generated-domain port=8080`: a `*.up.railway.app` domain.

use super::super::Cx;
use super::super::block::*;
use crate::syntax::Node;

/// Reads `node` into `block`.
pub fn read(cx: &mut Cx, node: &Node, at: At, block: &mut Block) {
    no_args(cx, node);
    check_props(cx, node, &["port"]);
    let port = node.prop("port").map(|e| port(cx, e));
    match port {
        Some(None) => {}
        Some(p) => put(block, at, Key::ServiceDomain, Some(Val::ServiceDomain(p))),
        None => put(
            block,
            at,
            Key::ServiceDomain,
            Some(Val::ServiceDomain(None)),
        ),
    }
}
