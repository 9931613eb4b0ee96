//! Reading every secret a plan needs, once, before anything is planned or
//! written: a secret that cannot be read is an error located at its
//! reference, so that an apply never stops half-way because the 18th of 20
//! writes needed a variable nobody set.

use std::collections::HashMap;
use std::fmt;

use super::diff::Filter;
use crate::diagnostic::Diagnostic;
use crate::model::{Origin, Project, SecretRef, VarValue};
use crate::secrets::{Place, SecretString, Source, Unreadable};

/// Stable code of a secret that cannot be read.
pub const UNREADABLE: &str = "mirage::plan::secret_unreadable";

/// The values of every secret a plan uses, read once. Its `Debug` shows
/// only the references, never a value.
#[derive(Default, Clone)]
pub struct Resolved {
    values: HashMap<SecretRef, SecretString>,
}

impl fmt::Debug for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.values.keys()).finish()
    }
}

impl Resolved {
    /// The value of `secret`, if it was read.
    pub fn get(&self, secret: &SecretRef) -> Option<String> {
        self.values.get(secret).map(|v| v.expose().to_owned())
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

/// Reads every secret the planned part of `model` references (variables,
/// shared variables, registry passwords of the environments and services
/// `filter` selects). All or nothing: every unreadable reference is
/// reported, each at its place in the files.
pub async fn resolve(
    model: &Project,
    filter: &Filter,
    source: &dyn Source,
    place: &Place,
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
    let mut unique: Vec<SecretRef> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (secret, _) in &wanted {
        if seen.insert(*secret) {
            unique.push((*secret).clone());
        }
    }
    let answers = source.read(place, &unique).await;
    let mut resolved = Resolved::default();
    let mut failed: HashMap<&SecretRef, Unreadable> = HashMap::new();
    for (secret, answer) in unique.iter().zip(answers) {
        match answer {
            Ok(value) => {
                crate::secrets::redact::remember(&value);
                resolved.values.insert(secret.clone(), value);
            }
            Err(why) => {
                failed.insert(secret, why);
            }
        }
    }
    let mut diagnostics = Vec::new();
    let mut reported = std::collections::HashSet::new();
    for (secret, origin) in wanted {
        let Some(why) = failed.get(secret) else {
            continue;
        };
        // One diagnostic per place: a reference inherited by several
        // environments is one mistake.
        let Some(step) = origin.effective() else {
            continue;
        };
        if !reported.insert((step.file, step.span)) {
            continue;
        }
        diagnostics.push(
            Diagnostic::error(
                UNREADABLE,
                step.file,
                step.span,
                format!("secret `{secret}` cannot be read: {}", why.reason),
            )
            .with_label("needed here")
            .with_help(format!("{}; nothing was planned or written", why.help)),
        );
    }
    if diagnostics.is_empty() {
        Ok(resolved)
    } else {
        Err(diagnostics)
    }
}

/// Reads every secret `model` references anywhere (templates included),
/// skipping those that cannot be read: for what only compares or redacts
/// (import's conflicts, `mirage serve`'s log redaction) and must work
/// without every secret.
pub async fn read_every(model: &Project, source: &dyn Source, place: &Place) -> Resolved {
    let mut unique: Vec<SecretRef> = Vec::new();
    let mut add = |value: &VarValue| {
        if let VarValue::Secret(secret) = value
            && !unique.contains(secret)
        {
            unique.push(secret.clone());
        }
    };
    for environment in &model.environments {
        for value in environment.shared_variables.values() {
            add(&value.value);
        }
        for instance in &environment.services {
            for value in instance.variables.values() {
                add(&value.value);
            }
            if let Some(credentials) = &instance.deploy.registry_credentials {
                add(&VarValue::Secret(credentials.value.password.clone()));
            }
        }
    }
    let answers = source.read(place, &unique).await;
    let mut resolved = Resolved::default();
    for (secret, answer) in unique.into_iter().zip(answers) {
        if let Ok(value) = answer {
            crate::secrets::redact::remember(&value);
            resolved.values.insert(secret, value);
        }
    }
    resolved
}

/// The values of `resolved`, to build a [`crate::secrets::redact::Redactor`].
pub fn values(resolved: &Resolved) -> impl Iterator<Item = String> + '_ {
    resolved.values.values().map(|v| v.expose().to_owned())
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
            SecretString::new("sk_live_value".into()),
        );
        let shown = format!("{resolved:?}");
        assert!(shown.contains("env:KEY"), "{shown}");
        assert!(!shown.contains("sk_live_value"), "{shown}");
    }
}
