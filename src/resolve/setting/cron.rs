//! `cron "*/15 * * * *"`: a five-field schedule.

use super::super::Cx;
use super::super::block::*;
use super::super::value;
use crate::diagnostic::Diagnostic;
use crate::syntax::Node;

/// Reads `node` into `block`.
pub fn read(cx: &mut Cx, node: &Node, at: At, block: &mut Block) {
    check_props(cx, node, &[]);
    let v = string_arg(cx, node).filter(|c| match value::check_cron(c) {
        Ok(()) => true,
        Err(reason) => {
            let span = node.first_arg().map(|e| e.value_span).unwrap_or(node.span);
            cx.push(
                Diagnostic::error("mirage::resolve::invalid_cron", cx.file, span, format!("invalid cron schedule `{c}`"))
                    .with_label(reason)
                    .with_help("write five fields: minute hour day-of-month month day-of-week, e.g. `*/15 * * * *`"),
            );
            false
        }
    });
    put(block, at, Key::Cron, v.map(Val::Str));
}
