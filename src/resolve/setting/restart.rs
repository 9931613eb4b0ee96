//! `restart "on-failure" max-retries=5`: the policy and its retries.

use super::super::Cx;
use super::super::block::*;
use super::super::value;
use crate::syntax::Node;

/// Reads `node` into `block`.
pub fn read(cx: &mut Cx, node: &Node, at: At, block: &mut Block) {
    check_props(cx, node, &["max-retries"]);
    if node.first_arg().is_some() {
        let v = string_arg(cx, node).and_then(|p| match value::parse_restart(&p) {
            Some(r) => Some(r),
            None => {
                bad_enum(
                    cx,
                    node,
                    "mirage::resolve::invalid_restart_policy",
                    "restart policy",
                    &p,
                    value::RESTART_POLICIES,
                );
                None
            }
        });
        put(block, at, Key::Restart, v.map(Val::Restart));
    } else if node.prop("max-retries").is_none() {
        missing(cx, node, "a policy: `always`, `never` or `on-failure`");
    }
    if let Some(e) = node.prop("max-retries") {
        put(
            block,
            at,
            Key::RestartRetries,
            int_entry(cx, e, 0, 1000).map(Val::U64),
        );
    }
}
