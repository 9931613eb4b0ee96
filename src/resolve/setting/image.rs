//! `image "name:tag"`: the source, checked as an image reference.

use super::super::Cx;
use super::super::block::*;
use crate::diagnostic::Diagnostic;
use crate::discover::image::parse_image;
use crate::model::Source;
use crate::syntax::Node;

/// Reads `node` into `block`.
pub fn read(cx: &mut Cx, node: &Node, at: At, block: &mut Block) {
    check_props(cx, node, &[]);
    let image = string_arg(cx, node).filter(|i| match parse_image(i) {
        Ok(_) => true,
        Err(error) => {
            let span = node
                .first_arg()
                .map(|e| span_within(&cx.text, e.value_span, i, error.range.clone()))
                .unwrap_or(node.span);
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::invalid_image",
                    cx.file,
                    span,
                    format!("invalid image reference `{i}`"),
                )
                .with_label(error.message)
                .with_help(error.help),
            );
            false
        }
    });
    block.invalid_source |= image.is_none();
    put(
        block,
        at,
        Key::Source,
        image.map(|i| Val::Source(Source::Image(i))),
    );
}
