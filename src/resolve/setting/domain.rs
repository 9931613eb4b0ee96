//! `domain "api.shop.example" port=8080`: every `domain` of a block forms one list.

use super::super::Cx;
use super::super::block::*;
use super::super::value;
use crate::diagnostic::Diagnostic;
use crate::model::CustomDomain;
use crate::syntax::Node;

/// Reads `node` into `block`.
pub fn read(cx: &mut Cx, node: &Node, at: At, block: &mut Block) {
    check_props(cx, node, &["port"]);
    let domain = string_arg(cx, node).filter(|d| match value::check_domain(d) {
        Ok(()) => true,
        Err(reason) => {
            let span = node.first_arg().map(|e| e.value_span).unwrap_or(node.span);
            cx.push(
                Diagnostic::error("mirage::resolve::invalid_domain", cx.file, span, reason)
                    .with_help("write a host name such as `api.shop.example` (`{environment}` stands for the environment's name); for a generated `*.up.railway.app` domain write `generated-domain`"),
            );
            false
        }
    });
    let port = node.prop("port").and_then(|e| port(cx, e));
    if let Some(domain) = domain {
        // All `domain` nodes of a block form one list.
        let existing = block
            .settings
            .iter_mut()
            .rev()
            .find(|(k, s)| *k == Key::CustomDomains && s.val.is_some());
        match existing {
            Some((
                _,
                Set {
                    val: Some(Val::Domains(list)),
                    at: first,
                    ..
                },
            )) => {
                first.span = first.span.cover(node.span);
                if list.iter().any(|d| d.domain == domain) {
                    cx.push(
                        Diagnostic::error(
                            "mirage::resolve::duplicate_setting",
                            cx.file,
                            node.span,
                            format!("domain `{domain}` is listed twice"),
                        )
                        .with_help("remove one of them"),
                    );
                } else {
                    list.push(CustomDomain { domain, port });
                }
            }
            _ => put(
                block,
                at,
                Key::CustomDomains,
                Some(Val::Domains(vec![CustomDomain { domain, port }])),
            ),
        }
    }
}
