//! Variable values as written: plain strings, `${{…}}` references,
//! `(secret)"scheme:…"` secret references and `(generate)"secret(32)"`
//! Railway generators.

use super::Cx;
use super::suggest::did_you_mean;
use super::value::is_var_name;
use crate::diagnostic::Diagnostic;
use crate::model::{Generator, SecretRef, VarRef, VarValue};
use crate::syntax::{Entry, Number, Value};

/// Variables Railway provides to every service; references to them are
/// always valid.
pub const RAILWAY_PROVIDED: &[&str] = &[
    "PORT",
    "RAILWAY_PRIVATE_DOMAIN",
    "RAILWAY_PUBLIC_DOMAIN",
    "RAILWAY_TCP_PROXY_DOMAIN",
    "RAILWAY_TCP_PROXY_PORT",
    "RAILWAY_TCP_APPLICATION_PORT",
    "RAILWAY_STATIC_URL",
    "RAILWAY_SERVICE_NAME",
    "RAILWAY_SERVICE_ID",
    "RAILWAY_ENVIRONMENT",
    "RAILWAY_ENVIRONMENT_NAME",
    "RAILWAY_ENVIRONMENT_ID",
    "RAILWAY_PROJECT_NAME",
    "RAILWAY_PROJECT_ID",
    "RAILWAY_VOLUME_NAME",
    "RAILWAY_VOLUME_MOUNT_PATH",
    "RAILWAY_DEPLOYMENT_ID",
    "RAILWAY_REPLICA_ID",
    "RAILWAY_REPLICA_REGION",
    "RAILWAY_GIT_COMMIT_SHA",
    "RAILWAY_GIT_BRANCH",
    "RAILWAY_GIT_REPO_NAME",
    "RAILWAY_GIT_REPO_OWNER",
    "RAILWAY_GIT_AUTHOR",
    "RAILWAY_GIT_COMMIT_MESSAGE",
];

/// Secret schemes, one per provider of the secrets room.
const SECRET_SCHEMES: [&str; 5] = ["env", "file", "cmd", "vault", "store"];

/// Read a variable value. `Ok(None)` is `#null` (remove an inherited key);
/// `Err(())` means a diagnostic was reported.
pub fn parse_var_value(cx: &mut Cx, entry: &Entry) -> Result<Option<VarValue>, ()> {
    let ty = entry.ty.as_ref().map(|t| t.value.as_str());
    match (ty, &entry.value) {
        (_, Value::Null) => Ok(None),
        (None, Value::String(s)) => parse_plain(cx, entry, s).map(Some),
        (None, Value::Number(n)) => Ok(Some(VarValue::Plain(number_text(n)))),
        (None, Value::Bool(b)) => Ok(Some(VarValue::Plain(b.to_string()))),
        (Some("secret"), Value::String(s)) => {
            parse_secret(cx, entry, s).map(|s| Some(VarValue::Secret(s)))
        }
        (Some("generate"), Value::String(s)) => {
            parse_generator(cx, entry, s).map(|g| Some(VarValue::Generated(g)))
        }
        (Some("secret" | "generate"), other) => {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::invalid_value_type",
                    cx.file,
                    entry.value_span,
                    format!(
                        "expected a string after `({})`, found a {}",
                        ty.unwrap_or_default(),
                        other.kind()
                    ),
                )
                .with_help("write the source as a string, e.g. `(secret)\"env:STRIPE_KEY\"`"),
            );
            Err(())
        }
        (Some(other), _) => {
            let span = entry.ty.as_ref().map(|t| t.span).unwrap_or(entry.span);
            let help = did_you_mean(other, ["secret", "generate"], || {
                "variable values take `(secret)` or `(generate)` annotations".into()
            });
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::unknown_annotation",
                    cx.file,
                    span,
                    format!("unknown type annotation `({other})`"),
                )
                .with_help(help),
            );
            Err(())
        }
    }
}

fn number_text(n: &Number) -> String {
    match n {
        Number::Integer(i) => i.to_string(),
        Number::Float(f) => f.to_string(),
        Number::BigInteger(s) => s.clone(),
    }
}

/// A plain string, or a reference when it contains `${{`.
pub fn parse_plain(cx: &mut Cx, entry: &Entry, text: &str) -> Result<VarValue, ()> {
    if !text.contains("${{") {
        return Ok(VarValue::Plain(text.to_string()));
    }
    match parse_references(text) {
        Ok(refs) => Ok(VarValue::Reference(text.to_string(), refs)),
        Err(reason) => {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::invalid_reference",
                    cx.file,
                    entry.value_span,
                    reason,
                )
                .with_help(
                    "references look like `${{NAME}}`, `${{service.NAME}}` or `${{shared.NAME}}`",
                ),
            );
            Err(())
        }
    }
}

/// Every `${{…}}` in `text`. Railway template functions such as
/// `${{ secret(32) }}` are accepted and are not references.
pub fn parse_references(text: &str) -> Result<Vec<VarRef>, String> {
    let mut refs = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else {
            return Err(format!("unterminated reference `{}`", &rest[start..]));
        };
        let inner = after[..end].trim();
        rest = &after[end + 2..];
        if inner.contains('(') {
            continue;
        }
        let r = match inner.split_once('.') {
            None => VarRef::Own(inner.to_string()),
            Some(("shared", name)) => VarRef::Shared(name.to_string()),
            Some((service, name)) => VarRef::Service {
                service: service.to_string(),
                name: name.to_string(),
            },
        };
        let (service_ok, name) = match &r {
            VarRef::Own(n) | VarRef::Shared(n) => (true, n),
            VarRef::Service { service, name } => (
                !service.is_empty()
                    && service
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                name,
            ),
        };
        if !service_ok || !is_var_name(name) {
            return Err(format!("`${{{{{inner}}}}}` is not a valid reference"));
        }
        refs.push(r);
    }
    Ok(refs)
}

/// `scheme:location`, e.g. `env:STRIPE_KEY`.
pub fn parse_secret(cx: &mut Cx, entry: &Entry, text: &str) -> Result<SecretRef, ()> {
    let bad = |cx: &mut Cx, message: String, help: String| {
        cx.push(
            Diagnostic::error(
                "mirage::resolve::invalid_secret",
                cx.file,
                entry.value_span,
                message,
            )
            .with_help(help),
        );
        Err(())
    };
    let Some((scheme, location)) = text.split_once(':') else {
        return bad(
            cx,
            format!("secret source `{text}` has no scheme"),
            "write `(secret)\"env:NAME\"` to read the secret from an environment variable".into(),
        );
    };
    if !SECRET_SCHEMES.contains(&scheme) {
        let help = did_you_mean(scheme, SECRET_SCHEMES, || {
            "secret sources are `env:NAME`, `file:PATH`, `cmd:ARGUMENT`, `vault:MOUNT/PATH#KEY` or `store:NAME`".into()
        });
        return bad(cx, format!("unknown secret scheme `{scheme}`"), help);
    }
    if let Err((problem, help)) = crate::secrets::check_location(scheme, location) {
        return bad(
            cx,
            if location.is_empty() {
                format!("the `{scheme}:` secret location is empty")
            } else {
                format!("`{location}` is not a valid `{scheme}:` secret location: {problem}")
            },
            help.to_owned(),
        );
    }
    Ok(SecretRef {
        scheme: scheme.to_string(),
        location: location.to_string(),
    })
}

/// `secret(LENGTH)` or `secret(LENGTH, "ALPHABET")`.
pub fn parse_generator(cx: &mut Cx, entry: &Entry, text: &str) -> Result<Generator, ()> {
    match generator(text) {
        Some(g) => Ok(g),
        None => {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::invalid_generator",
                    cx.file,
                    entry.value_span,
                    format!("`{text}` is not a generator"),
                )
                .with_help("write `(generate)\"secret(32)\"` or `(generate)\"secret(32, \\\"abcdef0123456789\\\")\"` (length 1–256)"),
            );
            Err(())
        }
    }
}

fn generator(text: &str) -> Option<Generator> {
    let inner = text.trim().strip_prefix("secret(")?.strip_suffix(')')?;
    let (length, alphabet) = match inner.split_once(',') {
        Some((l, a)) => {
            let a = a.trim().strip_prefix('"')?.strip_suffix('"')?;
            if a.is_empty() {
                return None;
            }
            (l, Some(a.to_string()))
        }
        None => (inner, None),
    };
    let length: u32 = length.trim().parse().ok()?;
    (1..=256)
        .contains(&length)
        .then_some(Generator { length, alphabet })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(
            parse_references(
                "postgres://${{ PGUSER }}@${{db.RAILWAY_PRIVATE_DOMAIN}}/${{shared.DB}}"
            ),
            Ok(vec![
                VarRef::Own("PGUSER".into()),
                VarRef::Service {
                    service: "db".into(),
                    name: "RAILWAY_PRIVATE_DOMAIN".into()
                },
                VarRef::Shared("DB".into()),
            ])
        );
        assert_eq!(parse_references("${{ secret(32) }}"), Ok(vec![]));
        assert!(parse_references("${{db.URL").is_err());
        assert!(parse_references("${{}}").is_err());
        assert!(parse_references("${{a.b.c}}").is_err());
    }

    #[test]
    fn generators() {
        assert_eq!(
            generator("secret(32)"),
            Some(Generator {
                length: 32,
                alphabet: None
            })
        );
        assert_eq!(
            generator("secret(16, \"abc\")"),
            Some(Generator {
                length: 16,
                alphabet: Some("abc".into())
            })
        );
        assert_eq!(generator("secret(0)"), None);
        assert_eq!(generator("random(3)"), None);
        assert_eq!(generator("secret(x)"), None);
    }
}
