//! `regions { us-west2 2 }`: replicas per region.

use super::super::Cx;
use super::super::block::*;
use crate::syntax::Node;
use crate::syntax::Value;

/// Reads `node` into `block`.
pub fn read(cx: &mut Cx, node: &Node, _at: At, block: &mut Block) {
    no_entries(cx, node);
    for child in node.child_nodes() {
        let region = &child.name.value;
        let first = child.first_arg();
        if !check_region_at(cx, child.name.span, region) {
            continue;
        }
        let at = At {
            file: cx.file,
            span: child.span,
        };
        match first.map(|e| &e.value) {
            Some(Value::Null) => block.regions.push((
                region.to_string(),
                Set {
                    val: None,
                    at,
                    sealed: false,
                },
            )),
            _ => {
                if let Some(n) = int_arg(cx, child, 0, 50) {
                    block.regions.push((
                        region.to_string(),
                        Set {
                            val: Some(n),
                            at,
                            sealed: false,
                        },
                    ));
                }
            }
        }
    }
}
