//! Reading every secret a plan needs, once, before anything is planned or
//! written: a secret that cannot be read is an error located at its
//! reference, so that an apply never stops half-way because the 18th of 20
//! writes needed a variable nobody set.

use std::collections::HashMap;
use std::fmt;

use super::diff::Filter;
use crate::diagnostic::Diagnostic;
use crate::model::{Origin, Project, SecretRef, VarValue};

/// Stable code of a secret that cannot be read.
pub const UNREADABLE: &str = "mirage::plan::secret_unreadable";

/// Reads one secret from where it lives; `Err` says why it cannot be read
/// (never containing a value).
pub type Provider<'a> = &'a (dyn Fn(&SecretRef) -> Result<String, String> + Sync);

/// The values of every secret a plan uses, read once. Its `Debug` shows
/// only the references, never a value.
#[derive(Default, Clone)]
pub struct Resolved {
    values: HashMap<SecretRef, String>,
}

impl fmt::Debug for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.values.keys()).finish()
    }
}

impl Resolved {
    /// The value of `secret`, if it was read.
    pub fn get(&self, secret: &SecretRef) -> Option<String> {
        self.values.get(secret).cloned()
    }

    /// How many secrets were read.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no secret was read.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Reads `env:NAME` secrets from the process environment: the provider of
/// the CLI.
pub fn from_environment(secret: &SecretRef) -> Result<String, String> {
    match secret.scheme.as_str() {
        "env" => match std::env::var(&secret.location) {
            Ok(value) => Ok(value),
            Err(std::env::VarError::NotPresent) => Err(format!(
                "the environment variable `{}` is not set",
                secret.location
            )),
            Err(std::env::VarError::NotUnicode(_)) => Err(format!(
                "the environment variable `{}` is not valid UTF-8",
                secret.location
            )),
        },
        other => Err(format!(
            "secrets of kind `{other}:` cannot be read yet (only `env:` can)"
        )),
    }
}

/// Reads every secret the planned part of `model` references (variables,
/// shared variables, registry passwords of the environments and services
/// `filter` selects). All or nothing: every unreadable reference is
/// reported, each at its place in the files.
pub fn resolve(
    model: &Project,
    filter: &Filter,
    provider: Provider<'_>,
) -> Result<Resolved, Vec<Diagnostic>> {
    let mut wanted: Vec<(&SecretRef, &Origin)> = Vec::new();
    for environment in &model.environments {
        // A template is never applied: its previews read their secrets.
        if !filter.environment(&environment.name) || environment.is_template() {
            continue;
        }
        if filter.targets.is_empty() {
            for value in environment.shared_variables.values() {
                if let VarValue::Secret(secret) = &value.value {
                    wanted.push((secret, &value.origin));
                }
            }
        }
        for instance in &environment.services {
            if !filter.service(&environment.name, &instance.name) {
                continue;
            }
            for value in instance.variables.values() {
                if let VarValue::Secret(secret) = &value.value {
                    wanted.push((secret, &value.origin));
                }
            }
            if let Some(credentials) = &instance.deploy.registry_credentials {
                wanted.push((&credentials.value.password, &credentials.origin));
            }
        }
    }
    let mut resolved = Resolved::default();
    let mut failed: HashMap<&SecretRef, String> = HashMap::new();
    let mut diagnostics = Vec::new();
    let mut reported = std::collections::HashSet::new();
    for (secret, origin) in wanted {
        if resolved.values.contains_key(secret) {
            continue;
        }
        let reason = match failed.get(secret) {
            Some(reason) => reason.clone(),
            None => match provider(secret) {
                Ok(value) => {
                    resolved.values.insert(secret.clone(), value);
                    continue;
                }
                Err(reason) => {
                    failed.insert(secret, reason.clone());
                    reason
                }
            },
        };
        // One diagnostic per place: a reference inherited by several
        // environments is one mistake.
        let Some(step) = origin.effective() else {
            continue;
        };
        if !reported.insert((step.file, step.span)) {
            continue;
        }
        let mut diagnostic = Diagnostic::error(
            UNREADABLE,
            step.file,
            step.span,
            format!("secret `{secret}` cannot be read: {reason}"),
        )
        .with_label("needed here");
        diagnostic = diagnostic.with_help(match secret.scheme.as_str() {
            "env" => format!(
                "set `{}` in the environment of this command; nothing was planned or written",
                secret.location
            ),
            _ => "use an `env:NAME` reference; nothing was planned or written".to_owned(),
        });
        diagnostics.push(diagnostic);
    }
    if diagnostics.is_empty() {
        Ok(resolved)
    } else {
        Err(diagnostics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_value() {
        let mut resolved = Resolved::default();
        resolved.values.insert(
            SecretRef {
                scheme: "env".into(),
                location: "KEY".into(),
            },
            "sk_live_value".into(),
        );
        let shown = format!("{resolved:?}");
        assert!(shown.contains("env:KEY"), "{shown}");
        assert!(!shown.contains("sk_live_value"), "{shown}");
    }
}
