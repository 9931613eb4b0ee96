//! `project { secrets { … } }`: how the project's secrets are read.
//!
//! ```kdl
//! secrets {
//!     command "op" "read" "{}" timeout="10s"
//!     vault address="https://vault.internal:8200" auth="approle"
//!     readable-files #true
//! }
//! ```

use std::path::PathBuf;
use std::time::Duration;

use super::Cx;
use super::block::{self, check_props};
use super::suggest::did_you_mean;
use crate::diagnostic::Diagnostic;
use crate::model::{CommandSettings, DEFAULT_COMMAND_TIMEOUT, SecretSettings, VaultSettings};
use crate::syntax::{Node, Value};

const CHILDREN: [&str; 3] = ["command", "vault", "readable-files"];
const VAULT_AUTH: [&str; 3] = ["token", "approle", "kubernetes"];

/// Reads a `secrets` block (each mistake reported where it is).
pub fn read(cx: &mut Cx, node: &Node) -> SecretSettings {
    block::no_entries(cx, node);
    let mut settings = SecretSettings::default();
    for child in node.child_nodes() {
        match child.name.value.as_str() {
            "command" => settings.command = command(cx, child),
            "vault" => settings.vault = vault(cx, child),
            "readable-files" => {
                check_props(cx, child, &[]);
                if let Some(e) = block::arg(cx, child) {
                    match &e.value {
                        Value::Bool(b) => settings.allow_readable_files = *b,
                        other => block::type_error(cx, e, "`#true` or `#false`", other),
                    }
                }
            }
            other => {
                let help = did_you_mean(other, CHILDREN, || {
                    "`secrets` holds `command`, `vault` and `readable-files`".into()
                });
                cx.push(
                    Diagnostic::error(
                        "mirage::resolve::unknown_node",
                        cx.file,
                        child.name.span,
                        format!("unknown setting `{other}` in `secrets`"),
                    )
                    .with_help(help),
                );
            }
        }
    }
    settings
}

fn command(cx: &mut Cx, node: &Node) -> Option<CommandSettings> {
    check_props(cx, node, &["timeout", "shell"]);
    let argv = block::string_args(cx, node)?;
    if argv[0].trim().is_empty() {
        let span = node.first_arg().map_or(node.span, |e| e.value_span);
        cx.push(
            Diagnostic::error(
                "mirage::resolve::invalid_secret_command",
                cx.file,
                span,
                "the secret command has no program",
            )
            .with_help("name the program first: `command \"op\" \"read\" \"{}\"`"),
        );
        return None;
    }
    let timeout = match node.prop("timeout") {
        Some(e) => Duration::from_secs(block::seconds(cx, e, 1)?),
        None => DEFAULT_COMMAND_TIMEOUT,
    };
    let shell = match node.prop("shell") {
        Some(e) => match &e.value {
            Value::Bool(b) => *b,
            other => {
                block::type_error(cx, e, "`#true` or `#false`", other);
                return None;
            }
        },
        None => false,
    };
    Some(CommandSettings {
        argv,
        timeout,
        shell,
    })
}

fn vault(cx: &mut Cx, node: &Node) -> VaultSettings {
    check_props(
        cx,
        node,
        &[
            "address",
            "namespace",
            "auth",
            "role",
            "auth-mount",
            "ca-cert",
        ],
    );
    block::no_args(cx, node);
    let auth = block::string_prop(cx, node, "auth");
    if let (Some(method), Some(e)) = (&auth, node.prop("auth"))
        && !VAULT_AUTH.contains(&method.as_str())
    {
        let help = did_you_mean(method, VAULT_AUTH, || {
            "Mirage signs in to Vault with `token`, `approle` or `kubernetes`".into()
        });
        cx.push(
            Diagnostic::error(
                "mirage::resolve::invalid_vault_auth",
                cx.file,
                e.value_span,
                format!("unknown Vault auth method `{method}`"),
            )
            .with_help(help),
        );
    }
    VaultSettings {
        address: block::string_prop(cx, node, "address"),
        namespace: block::string_prop(cx, node, "namespace"),
        auth,
        role: block::string_prop(cx, node, "role"),
        auth_mount: block::string_prop(cx, node, "auth-mount"),
        ca_cert: block::string_prop(cx, node, "ca-cert").map(PathBuf::from),
    }
}
