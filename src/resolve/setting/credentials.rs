//! `registry-credentials username= password=(secret)…`: the password is always a secret reference.

use super::super::Cx;
use super::super::block::*;
use super::super::variable::parse_secret;
use crate::diagnostic::Diagnostic;
use crate::model::RegistryCredentials;
use crate::syntax::Node;
use crate::syntax::Value;

/// Reads `node` into `block`.
pub fn read(cx: &mut Cx, node: &Node, at: At, block: &mut Block) {
    no_args(cx, node);
    check_props(cx, node, &["username", "password"]);
    let username = string_prop(cx, node, "username");
    let password = match node.prop("password") {
        Some(e) if e.ty.as_ref().is_some_and(|t| t.value == "secret") => match &e.value {
            Value::String(s) => parse_secret(cx, e, s).ok(),
            other => {
                type_error(cx, e, "a secret source string", other);
                None
            }
        },
        Some(e) => {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::plain_secret",
                    cx.file,
                    e.value_span,
                    "a registry password must be a secret reference",
                )
                .with_help("write `password=(secret)\"env:REGISTRY_PASSWORD\"`; passwords never go in files"),
            );
            None
        }
        None => None,
    };
    if username.is_none() && node.prop("username").is_none() {
        missing(cx, node, "`username=`");
    }
    if node.prop("password").is_none() {
        missing(cx, node, "`password=(secret)\"env:NAME\"`");
    }
    if let (Some(username), Some(password)) = (username, password) {
        put(
            block,
            at,
            Key::RegistryCredentials,
            Some(Val::Credentials(RegistryCredentials { username, password })),
        );
    }
}
