//! Turning a plan's changes for one environment into one
//! `EnvironmentConfig` patch (null deletes a key), with secrets read now.

use serde_json::{Map, Value, json};

use crate::plan::diff::SecretLookup;
use crate::plan::{Change, EnvironmentPlan, PlanValue, Sensitive};

/// Why a service's changes could not be put in the patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// The service (or `shared` for shared variables).
    pub service: String,
    /// What is missing (never a value).
    pub reason: String,
}

/// The ids a patch needs beyond the plan's (those created by this apply).
pub trait Ids {
    /// The id of service `name`.
    fn service(&self, name: &str) -> Option<String>;
    /// The volume id of service `name` in this environment.
    fn volume(&self, name: &str) -> Option<String>;
}

/// Builds the patch of `environment`. Services whose id or secret is
/// missing are left out and reported; the rest still go.
pub fn environment_patch(
    environment: &EnvironmentPlan,
    ids: &dyn Ids,
    secrets: SecretLookup<'_>,
    skip: &dyn Fn(&str) -> bool,
) -> (Value, Vec<Unresolved>) {
    let mut root = Map::new();
    let mut unresolved = Vec::new();
    let mut shared = Map::new();
    let mut shared_ok = true;
    for change in &environment.shared {
        match value_of(change, secrets) {
            Ok(value) => set_path(&mut shared, &change.path, value),
            Err(reason) => {
                shared_ok = false;
                unresolved.push(Unresolved {
                    service: "shared".into(),
                    reason,
                });
            }
        }
    }
    if shared_ok {
        merge(&mut root, shared);
    }
    let mut services = Map::new();
    let mut volumes = Map::new();
    for service in &environment.services {
        if service.action == crate::plan::Action::Destroy {
            // The instance in this environment only, and its volume there.
            if let Some(id) = &service.id {
                services.insert(id.clone(), json!({ "isDeleted": true }));
            }
            if let Some(volume) = &service.volume_id {
                volumes.insert(volume.clone(), json!({ "isDeleted": true }));
            }
            continue;
        }
        if service.changes.is_empty() || skip(&service.name) {
            continue;
        }
        let Some(service_id) = ids.service(&service.name) else {
            continue;
        };
        let mut config = Map::new();
        let mut service_volumes = Map::new();
        let mut failed = None;
        for change in &service.changes {
            let value = match value_of(change, secrets) {
                Ok(value) => value,
                Err(reason) => {
                    failed = Some(reason);
                    break;
                }
            };
            let mut path = change.path.clone();
            if path.iter().any(|s| s == "@volume") {
                let Some(volume) = ids.volume(&service.name) else {
                    failed = Some("its volume was not created".into());
                    break;
                };
                if path.first().is_some_and(|s| s == "@volume") {
                    // `volumes.<id>.sizeMB` sits at the environment's root;
                    // the mount path goes under the service.
                    path[0] = volume.clone();
                    if path.get(1).is_some_and(|s| s == "mountPath") {
                        set_path(
                            &mut config,
                            &["volumeMounts".into(), volume, "mountPath".into()],
                            value,
                        );
                    } else {
                        set_path(&mut service_volumes, &path, value);
                    }
                    continue;
                }
                for segment in &mut path {
                    if segment == "@volume" {
                        *segment = volume.clone();
                    }
                }
            }
            if path.iter().any(|s| s == "@generated") {
                let name = generated_domain(&service.name, &environment.name);
                for segment in &mut path {
                    if segment == "@generated" {
                        *segment = name.clone();
                    }
                }
            }
            set_path(&mut config, &path, value);
        }
        if failed.is_none()
            && service.replace_volume.is_some()
            && let (Some(mount), Some(volume)) = (&service.create_volume, ids.volume(&service.name))
        {
            // The replacement is mounted where the old volume was.
            set_path(
                &mut config,
                &["volumeMounts".into(), volume, "mountPath".into()],
                Value::String(mount.clone()),
            );
        }
        match failed {
            Some(reason) => unresolved.push(Unresolved {
                service: service.name.clone(),
                reason,
            }),
            None => {
                if !config.is_empty() || service.action == crate::plan::Action::Create {
                    services.insert(service_id, Value::Object(config));
                }
                merge(&mut volumes, service_volumes);
            }
        }
    }
    if !services.is_empty() {
        root.insert("services".into(), Value::Object(services));
    }
    if !volumes.is_empty() {
        root.insert("volumes".into(), Value::Object(volumes));
    }
    (Value::Object(root), unresolved)
}

/// The value a change writes: JSON, `{"value": …}` for a variable, `null`
/// for a removal; secrets read now, generated values drawn now.
fn value_of(change: &Change, secrets: SecretLookup<'_>) -> Result<Value, String> {
    let is_variable = matches!(
        change.path.first().map(String::as_str),
        Some("variables" | "sharedVariables")
    );
    let Some(new) = &change.new else {
        return Ok(Value::Null);
    };
    let value = match new {
        PlanValue::Plain(value) => value.clone(),
        PlanValue::Sensitive(Sensitive::Secret(secret)) => match secrets(secret) {
            Some(clear) => Value::String(clear),
            None => {
                return Err(format!(
                    "secret `{secret}` cannot be read (is the environment variable set?)"
                ));
            }
        },
        PlanValue::Sensitive(Sensitive::Generated(generator)) => {
            Value::String(generate(generator.length, generator.alphabet.as_deref()))
        }
        // Sealing a variable in place: Railway keeps its value.
        PlanValue::Sensitive(Sensitive::Actual(_)) if is_variable && change.sealed => {
            return Ok(json!({ "isSealed": true }));
        }
        PlanValue::Sensitive(Sensitive::Actual(_)) => {
            return Err("a value read from Railway cannot be written back".into());
        }
    };
    Ok(match (is_variable, change.sealed) {
        (true, true) => json!({ "value": value, "isSealed": true }),
        (true, false) => json!({ "value": value }),
        (false, _) => value,
    })
}

/// A random value for a generator (Railway's `secret(n)`).
fn generate(length: u32, alphabet: Option<&str>) -> String {
    const DEFAULT: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let chars: Vec<char> = alphabet
        .filter(|a| !a.is_empty())
        .unwrap_or(DEFAULT)
        .chars()
        .collect();
    let mut rng = fastrand::Rng::new();
    (0..length)
        .map(|_| chars[rng.usize(..chars.len())])
        .collect()
}

/// A name for a generated `*.up.railway.app` domain.
fn generated_domain(service: &str, environment: &str) -> String {
    let slug = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect()
    };
    format!(
        "{}-{}-{}.up.railway.app",
        slug(service),
        slug(environment),
        fastrand::u32(1000..10000)
    )
}

fn set_path(root: &mut Map<String, Value>, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = root;
    for segment in parents {
        let entry = node
            .entry(segment.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else {
            return;
        };
        node = next;
    }
    node.insert(last.clone(), value);
}

fn merge(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (key, value) in from {
        match (into.get_mut(&key), value) {
            (Some(Value::Object(a)), Value::Object(b)) => merge(a, b),
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}
