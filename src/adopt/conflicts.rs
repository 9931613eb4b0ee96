//! The per-value conflicts of an import: a value the `.mirage` files
//! declare for a resource Railway already has, and Railway has differently
//! (a setting, a variable, a custom domain, a volume's size). Adopting such
//! a resource means choosing: `--prefer files` adopts it and lets the next
//! apply make Railway match the files; `--prefer railway` edits the files
//! to say Railway's value ([`prefer_railway`], in [`edit`]) and then adopts.
//!
//! [`find`] is a pure function of the plan, the model, Railway's snapshot
//! and what Mirage owns: it reads the differences the plan already found
//! (`Change`s with a value on both sides) of the instances and shared
//! variables Mirage does not own yet, and locates each in the files through
//! the model's provenance. Secret values are compared through the given
//! lookup and never kept: both sides of a secret are `(sensitive)`.

pub mod edit;

use std::path::PathBuf;

use serde::Serialize;

use crate::diagnostic::{FileId, Span};
use crate::model::{Environment, Level, Origin, Project, ServiceInstance, VarValue};
use crate::observe::status::Management;
use crate::plan::{Change, Owned, Plan, PlanValue};
use crate::railway::Snapshot;

pub use edit::{Edited, PreferError, prefer_railway};

/// One value the files and Railway disagree on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Conflict {
    /// The environment.
    pub environment: String,
    /// The service; `None` for a shared variable.
    pub service: Option<String>,
    /// What disagrees, as the plan names it: `deploy.startCommand`,
    /// `variables.API_KEY`, `volume.sizeMB`.
    pub what: String,
    /// The plan's path of the value (`["variables", "API_KEY"]`).
    #[serde(skip)]
    pub path: Vec<String>,
    /// The setting node that says it (`start`, `replicas`), or `vars` for
    /// a variable, `shared-vars` for a shared one.
    pub setting: Option<&'static str>,
    /// Where the files say it, when the model knows.
    pub at: Option<Place>,
    /// The files' value, as a plan shows it (`(sensitive)` for a secret).
    pub files: String,
    /// Railway's value, as a plan shows it (`(sensitive)` for a secret).
    pub railway: String,
    /// Whether the value is a secret (neither side is ever shown).
    pub sensitive: bool,
}

/// Where a value is set in the files.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Place {
    /// The file, as the project's paths give it.
    pub path: PathBuf,
    /// Its index in the model's paths.
    #[serde(skip)]
    pub file: FileId,
    /// The node that sets it.
    #[serde(skip)]
    pub span: Span,
    /// 1-based line.
    pub line: u32,
    /// The precedence level (`service`, `layer "x"`, …).
    pub level: String,
    /// The level itself, for the edit.
    #[serde(skip)]
    pub precedence: Level,
}

impl Conflict {
    /// `main.mirage:7` or `(not located)`.
    pub fn location(&self) -> String {
        match &self.at {
            Some(at) => format!("{}:{}", at.path.display(), at.line),
            None => "(not located)".to_owned(),
        }
    }

    /// One line for people: `production/web deploy.startCommand
    /// (main.mirage:7): files "a" ≠ Railway "b"`.
    pub fn line(&self) -> String {
        let whom = match &self.service {
            Some(service) => format!("{}/{service}", self.environment),
            None => format!("{} (shared)", self.environment),
        };
        format!(
            "{whom} {} ({}): files {} ≠ Railway {}",
            self.what,
            self.location(),
            self.files,
            self.railway
        )
    }
}

/// Every conflict of `plan` (as planned from `model` against `snapshot`):
/// the values of instances Railway has that the files declare and Mirage
/// does not own yet, and of shared variables it does not manage yet, that
/// differ. `secrets` reads a secret's value to compare it (a secret it
/// cannot read is not compared); the value is never kept.
pub fn find(
    plan: &Plan,
    model: &Project,
    snapshot: &Snapshot,
    owned: &Owned,
    secrets: crate::plan::diff::SecretLookup<'_>,
) -> Vec<Conflict> {
    let mut out = Vec::new();
    for env_plan in &plan.environments {
        let Some(environment) = model.environment(&env_plan.name) else {
            continue;
        };
        for change in &env_plan.shared {
            let Some(name) = variable_name(change, "sharedVariables") else {
                continue;
            };
            if owned
                .variables
                .contains(&(env_plan.name.clone(), None, name.to_owned()))
            {
                continue;
            }
            if let Some(conflict) = conflict_of(change, model, &env_plan.name, None, || {
                environment.shared_variables.get(name).map(|v| &v.origin)
            }) {
                out.push(conflict);
            }
        }
        for service in &env_plan.services {
            if service.management != Management::Declared {
                continue;
            }
            let Some(instance) = environment.services.iter().find(|s| s.name == service.name)
            else {
                continue;
            };
            for change in &service.changes {
                if let Some(conflict) =
                    conflict_of(change, model, &env_plan.name, Some(instance), || {
                        origin_of(instance, &change.path)
                    })
                {
                    out.push(conflict);
                }
            }
            // A secret the plan already compared (it was read when the
            // plan was made) is one conflict, not two.
            let found = secret_conflicts(environment, instance, snapshot, model, secrets);
            for conflict in found {
                let known = out.iter().any(|c| {
                    c.environment == conflict.environment
                        && c.service == conflict.service
                        && c.path == conflict.path
                });
                if !known {
                    out.push(conflict);
                }
            }
        }
    }
    out
}

/// The conflict `change` is, if it is one: both sides have a value.
fn conflict_of<'a>(
    change: &Change,
    model: &Project,
    environment: &str,
    instance: Option<&ServiceInstance>,
    origin: impl FnOnce() -> Option<&'a Origin>,
) -> Option<Conflict> {
    let (Some(old), Some(new)) = (&change.old, &change.new) else {
        return None;
    };
    let sensitive = old.is_sensitive() || new.is_sensitive();
    Some(Conflict {
        environment: environment.to_owned(),
        service: instance.map(|i| i.name.clone()),
        what: change.display_path(),
        path: change.path.clone(),
        setting: setting_of(&change.path),
        at: origin().and_then(|o| place(model, o)),
        files: shown(new, sensitive),
        railway: shown(old, sensitive),
        sensitive,
    })
}

fn shown(value: &PlanValue, sensitive: bool) -> String {
    if sensitive {
        "(sensitive)".to_owned()
    } else {
        value.display()
    }
}

/// The secrets declared for `instance` that Railway has with another
/// value (a plan made without reading secrets does not compare them).
fn secret_conflicts(
    environment: &Environment,
    instance: &ServiceInstance,
    snapshot: &Snapshot,
    model: &Project,
    secrets: crate::plan::diff::SecretLookup<'_>,
) -> Vec<Conflict> {
    let Some(config) = snapshot.service_config(&environment.name, &instance.name) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, value) in &instance.variables {
        let VarValue::Secret(secret) = &value.value else {
            continue;
        };
        let Some(now) = config
            .pointer(&format!(
                "/variables/{}/value",
                name.replace('~', "~0").replace('/', "~1")
            ))
            .and_then(serde_json::Value::as_str)
        else {
            continue;
        };
        let Some(clear) = secrets(secret) else {
            continue;
        };
        if clear == now {
            continue;
        }
        out.push(Conflict {
            environment: environment.name.clone(),
            service: Some(instance.name.clone()),
            what: format!("variables.{name}"),
            path: vec!["variables".to_owned(), name.clone()],
            setting: Some("vars"),
            at: place(model, &value.origin),
            files: "(sensitive)".to_owned(),
            railway: "(sensitive)".to_owned(),
            sensitive: true,
        });
    }
    out
}

fn variable_name<'a>(change: &'a Change, prefix: &str) -> Option<&'a str> {
    match change.path.as_slice() {
        [head, name] if head == prefix => Some(name),
        _ => None,
    }
}

/// Where the effective value of `origin` is written.
fn place(model: &Project, origin: &Origin) -> Option<Place> {
    let step = origin.effective()?;
    if matches!(step.level, Level::Override | Level::Derived) {
        return None;
    }
    Some(Place {
        path: model.paths.get(step.file.0 as usize)?.clone(),
        file: step.file,
        span: step.span,
        line: step.line,
        level: step.level.to_string(),
        precedence: step.level.clone(),
    })
}

/// The provenance of the value at the plan's `path` of `instance`.
pub fn origin_of<'a>(instance: &'a ServiceInstance, path: &[String]) -> Option<&'a Origin> {
    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
    match parts.as_slice() {
        ["variables", name] => instance.variables.get(*name).map(|v| &v.origin),
        ["@volume", "sizeMB"] => instance
            .volume
            .as_ref()
            .and_then(|v| v.size_mb.as_ref())
            .map(|s| &s.origin),
        ["volumeMounts", "@volume", "mountPath"] => {
            instance.volume.as_ref().map(|v| &v.mount_path.origin)
        }
        ["networking", "customDomains", ..] => instance
            .networking
            .custom_domains
            .as_ref()
            .map(|d| &d.origin),
        ["deploy", "multiRegionConfig", region, ..] => {
            crate::settings::railway::multi_region(instance)
                .get(region)
                .map(|(_, origin)| *origin)
        }
        _ => {
            let joined = path.join(".");
            crate::settings::railway::fields()
                .filter(|f| f.path == joined || joined.starts_with(&format!("{}.", f.path)))
                .find_map(|f| (f.get)(instance).map(|(_, origin)| origin))
        }
    }
}

/// The setting node that writes the value at `path`.
fn setting_of(path: &[String]) -> Option<&'static str> {
    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
    match parts.as_slice() {
        ["variables", _] => return Some("vars"),
        ["sharedVariables", _] => return Some("shared-vars"),
        ["@volume", ..] | ["volumeMounts", ..] => return Some("volume"),
        ["networking", "customDomains", ..] => return Some("domain"),
        ["deploy", "multiRegionConfig", ..] => return Some("regions"),
        _ => {}
    }
    let joined = path.join(".");
    crate::settings::SETTINGS
        .iter()
        .find(|s| {
            s.fields
                .iter()
                .any(|f| f.path == joined || joined.starts_with(&format!("{}.", f.path)))
        })
        .map(|s| s.name)
}
