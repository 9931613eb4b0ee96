//! `repo "owner/name" branch= root=`: the source, checked as `owner/name`.

use super::super::Cx;
use super::super::block::*;
use crate::diagnostic::Diagnostic;
use crate::model::Source;
use crate::syntax::Node;

/// Reads `node` into `block`.
pub fn read(cx: &mut Cx, node: &Node, at: At, block: &mut Block) {
    check_props(cx, node, &["branch", "root"]);
    let repo = string_arg(cx, node).filter(|r| {
        let ok = r.split('/').count() == 2
            && r.split('/')
                .all(|p| !p.is_empty() && !p.contains(char::is_whitespace));
        if !ok {
            let span = node.first_arg().map(|e| e.value_span).unwrap_or(node.span);
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::invalid_repo",
                    cx.file,
                    span,
                    format!("`{r}` is not a GitHub repository"),
                )
                .with_help("write the repository as `owner/name`, e.g. `repo \"acme/shop\"`"),
            );
        }
        ok
    });
    block.invalid_source |= repo.is_none();
    put(
        block,
        at,
        Key::Source,
        repo.map(|r| Val::Source(Source::Repo(r))),
    );
    put(
        block,
        at,
        Key::Branch,
        string_prop(cx, node, "branch").map(Val::Str),
    );
    put(
        block,
        at,
        Key::Root,
        string_prop(cx, node, "root").map(Val::Str),
    );
}
