//! `backups "daily" …`: backup schedules of the volume.

use super::super::Cx;
use super::super::block::*;
use super::super::suggest::did_you_mean;
use crate::diagnostic::Diagnostic;
use crate::syntax::Node;

/// Reads `node` into `block`.
pub fn read(cx: &mut Cx, node: &Node, at: At, block: &mut Block) {
    check_props(cx, node, &[]);
    let list = string_args(cx, node).filter(|l| {
        let bad: Vec<&String> = l
            .iter()
            .filter(|b| !["daily", "weekly", "monthly"].contains(&b.as_str()))
            .collect();
        for b in &bad {
            let span = node
                .args()
                .find(|e| e.value.as_str() == Some(b.as_str()))
                .map(|e| e.value_span)
                .unwrap_or(node.span);
            let help = did_you_mean(b, ["daily", "weekly", "monthly"], || {
                "backup schedules are `daily`, `weekly` and `monthly`".into()
            });
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::invalid_value_type",
                    cx.file,
                    span,
                    format!("unknown backup schedule `{b}`"),
                )
                .with_help(help),
            );
        }
        bad.is_empty()
    });
    put(block, at, Key::Backups, list.map(Val::List));
}
