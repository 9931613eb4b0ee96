//! `volume "/data" size="5GB"`: mount path and size (in MB), set separately.

use super::super::Cx;
use super::super::block::*;
use crate::syntax::Node;

/// Reads `node` into `block`.
pub fn read(cx: &mut Cx, node: &Node, at: At, block: &mut Block) {
    check_props(cx, node, &["size"]);
    if node.first_arg().is_some() {
        let mount = arg(cx, node).and_then(|e| {
            let m = string_entry(cx, e)?;
            mount_path(cx, e, &m).then_some(m)
        });
        put(block, at, Key::VolumeMount, mount.map(Val::Str));
    } else if node.prop("size").is_none() {
        missing(cx, node, "a mount path such as `\"/data\"`");
    }
    if let Some(e) = node.prop("size") {
        put(
            block,
            at,
            Key::VolumeSize,
            size(cx, e).map(|b| Val::U64(b.div_ceil(1_000_000))),
        );
    }
}
