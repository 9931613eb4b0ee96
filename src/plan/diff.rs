//! `diff(model, snapshot, owned)`: a pure function from the desired state,
//! Railway's actual state and what Mirage owns to a [`Plan`]. No IO: secrets
//! are looked up through the given resolver so tests control it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::desired::{DesiredService, desired};
use super::types::{
    Action, Change, EnvironmentPlan, ExistingEnvironment, FORMAT_VERSION, Managed, Plan,
    ServicePlan, TemplatePlan, Unmanaged,
};
use super::value::{PlanValue, Sensitive};
use crate::model::{Environment, MoveKind, Project, SecretRef, ServiceInstance};
use crate::railway::{EnvironmentState, Snapshot};
use crate::secrets::digest::{Digest, DigestKey, digest};
use crate::state::VariableKey;

/// What a plan compares secret values with, never the values themselves:
/// the project's digest key (HMAC-SHA256) and the digest Mirage recorded
/// when it last wrote each sealed variable (Railway never returns those).
#[derive(Clone, Debug)]
pub struct Digests {
    /// The project's key.
    pub key: DigestKey,
    /// `(environment, service, name)` → digest of the value last written
    /// to a sealed variable.
    pub recorded: BTreeMap<VariableKey, Digest>,
    /// Whether the key is the project's, kept in the state database
    /// (digests made under an ephemeral key are never recorded).
    pub stored: bool,
}

impl Digests {
    /// A key of this process only and no records: what a plan without a
    /// state database compares with (rotation of a readable value is still
    /// found; a sealed variable is always written).
    pub fn ephemeral() -> Digests {
        Digests {
            key: DigestKey::ephemeral(),
            recorded: BTreeMap::new(),
            stored: false,
        }
    }
}

/// Where a variable map is: its environment and service (`None`: shared).
struct Scope<'a> {
    digests: &'a Digests,
    environment: &'a str,
    service: Option<&'a str>,
}

impl Scope<'_> {
    fn recorded(&self, name: &str) -> Option<&Digest> {
        self.digests.recorded.get(&(
            self.environment.to_owned(),
            self.service.map(str::to_owned),
            name.to_owned(),
        ))
    }

    fn digest(&self, value: &str) -> Digest {
        digest(&self.digests.key, value)
    }
}

/// What Mirage owns on Railway (from the state database): the services
/// (by environment and name) it created or adopted. Only these are ever
/// destroyed.
#[derive(Clone, Debug, Default)]
pub struct Owned {
    /// `(environment, service)` pairs.
    pub services: BTreeSet<(String, String)>,
    /// `(environment, service)` of volumes an apply created and died
    /// before sizing (recorded without a Railway id): Railway's default
    /// size is not one anybody chose, so making it smaller is not a
    /// replacement.
    pub unsized_volumes: BTreeSet<(String, String)>,
    /// `(environment, service, name)` of the variables Mirage manages
    /// (declared in the files at an apply); `service` is `None` for a
    /// shared variable. Only these are removed when the files no longer
    /// declare them: a variable set by hand is listed and left alone.
    pub variables: BTreeSet<(String, Option<String>, String)>,
    /// `(environment, service, host)` of the custom domains Mirage
    /// manages, with the same rule.
    pub domains: BTreeSet<(String, String, String)>,
    /// The environments Mirage created (not adopted): `mirage destroy` may
    /// delete these.
    pub created_environments: BTreeSet<String>,
    /// Whether Mirage created the project (not adopted).
    pub created_project: bool,
}

impl Owned {
    /// This ownership with services and environments renamed (old → new),
    /// for planning a `moved` rename: what Mirage owned under the old name
    /// is its under the new one.
    pub fn renamed(
        &self,
        services: &BTreeMap<String, String>,
        environments: &BTreeMap<String, String>,
    ) -> Owned {
        if services.is_empty() && environments.is_empty() {
            return self.clone();
        }
        let env = |e: &String| environments.get(e).cloned().unwrap_or_else(|| e.clone());
        let svc = |s: &String| services.get(s).cloned().unwrap_or_else(|| s.clone());
        Owned {
            services: self
                .services
                .iter()
                .map(|(e, s)| (env(e), svc(s)))
                .collect(),
            unsized_volumes: self
                .unsized_volumes
                .iter()
                .map(|(e, s)| (env(e), svc(s)))
                .collect(),
            variables: self
                .variables
                .iter()
                .map(|(e, s, n)| (env(e), s.as_ref().map(svc), n.clone()))
                .collect(),
            domains: self
                .domains
                .iter()
                .map(|(e, s, h)| (env(e), svc(s), h.clone()))
                .collect(),
            created_environments: self.created_environments.iter().map(env).collect(),
            created_project: self.created_project,
        }
    }

    /// Whether removing `change` (a removal) is Mirage's to do: the
    /// variable or custom domain is one it manages. Other removals (not a
    /// variable or a domain) are always Mirage's.
    fn owns_removal(&self, environment: &str, service: Option<&str>, change: &Change) -> bool {
        let env = environment.to_owned();
        match (
            change.path.first().map(String::as_str),
            change.path.as_slice(),
        ) {
            (Some("variables" | "sharedVariables"), [_, name]) => {
                self.variables
                    .contains(&(env, service.map(str::to_owned), name.clone()))
            }
            (Some("networking"), [_, kind, host]) if kind == "customDomains" => {
                service.is_some_and(|s| self.domains.contains(&(env, s.to_owned(), host.clone())))
            }
            _ => true,
        }
    }

    /// Splits off the removals of variables and domains Mirage does not
    /// manage: they are dropped from `changes` and returned as unmanaged.
    fn keep_owned_removals(
        &self,
        environment: &str,
        service: Option<&str>,
        changes: &mut Vec<Change>,
    ) -> Vec<Unmanaged> {
        let mut unmanaged = Vec::new();
        changes.retain(|change| {
            if change.new.is_some() || self.owns_removal(environment, service, change) {
                return true;
            }
            unmanaged.push(Unmanaged {
                kind: if change.path.first().is_some_and(|p| p == "networking") {
                    "domain".into()
                } else {
                    "variable".into()
                },
                name: change.path.last().cloned().unwrap_or_default(),
                environment: Some(environment.to_owned()),
                service: service.map(str::to_owned),
            });
            false
        });
        unmanaged
    }
}

/// Which part of the project to plan.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only these environments (all when empty).
    pub environments: Vec<String>,
    /// Only these `env/service` pairs (all when empty).
    pub targets: Vec<(String, String)>,
}

impl Filter {
    /// Whether environment `name` is planned.
    pub fn environment(&self, name: &str) -> bool {
        (self.environments.is_empty() || self.environments.iter().any(|e| e == name))
            && (self.targets.is_empty() || self.targets.iter().any(|(e, _)| e == name))
    }

    /// Whether service `name` of `environment` is planned.
    pub fn service(&self, environment: &str, name: &str) -> bool {
        self.targets.is_empty()
            || self
                .targets
                .iter()
                .any(|(e, s)| e == environment && s == name)
    }
}

/// Looks a secret's value up (`env:NAME` → the variable); `None` when it
/// cannot be read now.
pub type SecretLookup<'a> = &'a (dyn Fn(&SecretRef) -> Option<String> + Sync);

/// Reads `env:NAME` secrets from the process environment.
pub fn env_secrets(secret: &SecretRef) -> Option<String> {
    (secret.scheme == "env")
        .then(|| std::env::var(&secret.location).ok())
        .flatten()
}

/// The `moved` renames of `kind` still to do, old name → new name: the
/// old name exists on Railway and the new one does not.
fn active_moves(
    model: &Project,
    kind: MoveKind,
    exists: impl Fn(&str) -> bool,
) -> BTreeMap<String, String> {
    model
        .moves
        .iter()
        .filter(|m| m.kind == kind && exists(&m.from) && !exists(&m.to))
        .map(|m| (m.from.clone(), m.to.clone()))
        .collect()
}

/// Compares the model with Railway's state, with a key of this process
/// only (see [`Digests::ephemeral`]).
pub fn diff(
    model: &Project,
    snapshot: Option<&Snapshot>,
    owned: &Owned,
    filter: &Filter,
    secrets: SecretLookup<'_>,
) -> Plan {
    diff_with(
        model,
        snapshot,
        owned,
        filter,
        secrets,
        &Digests::ephemeral(),
    )
}

/// Compares the model with Railway's state; secret values are compared by
/// their keyed digests under `digests`.
pub fn diff_with(
    model: &Project,
    snapshot: Option<&Snapshot>,
    owned: &Owned,
    filter: &Filter,
    secrets: SecretLookup<'_>,
    digests: &Digests,
) -> Plan {
    let project_name = model
        .name
        .as_ref()
        .map_or_else(String::new, |n| n.value.clone());
    let mut plan = Plan {
        version: FORMAT_VERSION,
        project: project_name,
        project_id: snapshot.map(|s| s.project_id.clone()),
        create_project: snapshot.is_none(),
        destroy_project: false,
        environments: Vec::new(),
        templates: Vec::new(),
        unmanaged: Vec::new(),
    };
    let empty = Snapshot::default();
    let snapshot = snapshot.unwrap_or(&empty);
    // `moved` renames still to do: the old name exists on Railway and the
    // new one does not (when both exist, planning refuses before this).
    let service_moves = active_moves(model, MoveKind::Service, |n| {
        snapshot.service_id(n).is_some()
    });
    let environment_moves = active_moves(model, MoveKind::Environment, |n| {
        snapshot.environment(n).is_some()
    });
    let owned = &owned.renamed(&service_moves, &environment_moves);
    let mut declared: BTreeSet<&str> = model.services.iter().map(String::as_str).collect();
    declared.extend(service_moves.keys().map(String::as_str));
    for environment in &model.environments {
        if !filter.environment(&environment.name) {
            continue;
        }
        // A template is never applied: its instances, shared variables and
        // any environment of its name on Railway are left alone.
        if environment.is_template() {
            plan.templates
                .push(template_plan(environment, snapshot, owned));
            continue;
        }
        let environment_from = environment_moves
            .iter()
            .find(|(_, to)| **to == environment.name)
            .map(|(from, _)| from.clone());
        let actual = snapshot.environment(environment_from.as_deref().unwrap_or(&environment.name));
        let mut env_plan = EnvironmentPlan {
            name: environment.name.clone(),
            renamed_from: environment_from.clone(),
            action: match (actual, &environment_from) {
                (None, _) => Action::Create,
                (Some(_), Some(_)) => Action::Update,
                (Some(_), None) => Action::None,
            },
            id: actual.map(|a| a.id.clone()),
            config_etag: actual.map(|a| a.config_etag.clone()),
            unmerged_changes_count: actual.map_or(0, |a| a.unmerged_changes_count),
            protected: environment.is_protected(),
            shared: Vec::new(),
            managed_shared: Vec::new(),
            services: Vec::new(),
        };
        if filter.targets.is_empty() {
            let wanted: BTreeMap<String, PlanValue> = environment
                .shared_variables
                .iter()
                .map(|(k, v)| (k.clone(), super::desired::variable_value(&v.value)))
                .collect();
            let have = actual
                .map(|a| a.config.get("sharedVariables"))
                .unwrap_or(None);
            let scope = Scope {
                digests,
                environment: &environment.name,
                service: None,
            };
            env_plan.shared = variable_changes(
                &["sharedVariables"],
                &wanted,
                &environment.sealed_shared,
                have,
                secrets,
                &scope,
            );
            plan.unmanaged.extend(owned.keep_owned_removals(
                &environment.name,
                None,
                &mut env_plan.shared,
            ));
            env_plan.managed_shared = wanted.keys().cloned().collect();
        }
        for instance in &environment.services {
            if !filter.service(&environment.name, &instance.name) {
                continue;
            }
            let service_from = service_moves
                .iter()
                .find(|(_, to)| **to == instance.name)
                .map(|(from, _)| from.as_str());
            let service_id = snapshot.service_id(service_from.unwrap_or(&instance.name));
            let config = match (actual, service_id) {
                (Some(a), Some(id)) => a.service_config(id),
                _ => None,
            };
            let (service, unmanaged) = service_plan(
                instance,
                service_id,
                actual,
                config,
                secrets,
                owned,
                &Scope {
                    digests,
                    environment: &environment.name,
                    service: Some(&instance.name),
                },
            );
            let mut service = service;
            service.renamed_from = service_from.map(str::to_owned);
            if service.renamed_from.is_some() && service.action == Action::None {
                service.action = Action::Update;
            }
            env_plan.services.push(service);
            plan.unmanaged.extend(unmanaged);
        }
        // Services on Railway that the model does not declare: destroyed
        // when Mirage owns them, otherwise listed and left alone.
        if let Some(actual) = actual {
            for id in actual.service_ids() {
                let Some(name) = snapshot.service_name(id) else {
                    continue;
                };
                if declared.contains(name) || !filter.service(&environment.name, name) {
                    continue;
                }
                if owned
                    .services
                    .contains(&(environment.name.clone(), name.to_owned()))
                {
                    env_plan
                        .services
                        .push(ServicePlan::destroy(name, id, actual));
                } else {
                    plan.unmanaged.push(Unmanaged {
                        kind: "service".into(),
                        name: name.to_owned(),
                        environment: Some(environment.name.clone()),
                        service: None,
                    });
                }
            }
        }
        plan.environments.push(env_plan);
    }
    plan.settle_deletions(snapshot);
    if filter.environments.is_empty() && filter.targets.is_empty() {
        for name in snapshot.environments.keys() {
            let preview = model.templates().any(|t| {
                t.preview
                    .as_ref()
                    .is_some_and(|p| p.number_of(&t.name, name).is_some())
            });
            if model.environment(name).is_none()
                && !environment_moves.contains_key(name)
                && !preview
            {
                plan.unmanaged.push(Unmanaged {
                    kind: "environment".into(),
                    name: name.clone(),
                    environment: None,
                    service: None,
                });
            }
        }
    }
    plan
}

/// How a plan lists template `environment`: its settings, the
/// environments on Railway its pattern names (its previews), and an
/// environment of the template's own name if one exists.
fn template_plan(environment: &Environment, snapshot: &Snapshot, owned: &Owned) -> TemplatePlan {
    let settings = environment.preview.clone().unwrap_or_default();
    let previews = snapshot
        .environments
        .keys()
        .filter(|name| settings.number_of(&environment.name, name).is_some())
        .cloned()
        .collect();
    let existing = snapshot
        .environment(&environment.name)
        .map(|actual| ExistingEnvironment {
            id: actual.id.clone(),
            created_by_mirage: owned.created_environments.contains(&environment.name),
            owned_services: owned
                .services
                .iter()
                .filter(|(e, _)| *e == environment.name)
                .map(|(_, s)| s.clone())
                .collect(),
        });
    let services = match &settings.services {
        Some(list) => list.clone(),
        None => environment
            .services
            .iter()
            .map(|s| s.name.clone())
            .collect(),
    };
    TemplatePlan {
        name: environment.name.clone(),
        name_pattern: settings
            .name_pattern
            .replace("{template}", &environment.name),
        ttl_seconds: environment.ttl_seconds.as_ref().map(|t| t.value),
        max_live: settings.max_live,
        source: settings.source,
        services,
        drafts: settings.drafts,
        previews,
        existing,
    }
}

fn service_plan(
    instance: &ServiceInstance,
    service_id: Option<&str>,
    environment: Option<&EnvironmentState>,
    config: Option<&Value>,
    secrets: SecretLookup<'_>,
    owned: &Owned,
    scope: &Scope<'_>,
) -> (ServicePlan, Vec<Unmanaged>) {
    let environment_name = scope.environment;
    let unsized_volume = owned
        .unsized_volumes
        .contains(&(environment_name.to_owned(), instance.name.clone()));
    let wanted = desired(instance);
    let empty = json!({});
    let have = config.unwrap_or(&empty);
    let volume_id = have
        .get("volumeMounts")
        .and_then(Value::as_object)
        .and_then(|mounts| mounts.keys().next().cloned());
    let mut changes = setting_changes(&wanted, have);
    changes.extend(variable_changes(
        &["variables"],
        &wanted.variables,
        &instance.sealed,
        have.get("variables"),
        secrets,
        scope,
    ));
    changes.extend(networking_changes(&wanted, have));
    changes.extend(registry_changes(&wanted, have, secrets, &scope.digests.key));
    let unmanaged = owned.keep_owned_removals(environment_name, Some(&instance.name), &mut changes);
    let mut create_volume = None;
    let mut replace_volume = None;
    if let Some((mount, size)) = &wanted.volume {
        match &volume_id {
            None => {
                create_volume = Some(mount.clone());
                changes.push(change(&["@volume", "mountPath"], None, Some(json!(mount))));
                if let Some(size) = size {
                    changes.push(change(&["@volume", "sizeMB"], None, Some(json!(size))));
                }
            }
            Some(id) => {
                let mount_now = have.pointer(&format!("/volumeMounts/{}/mountPath", escape(id)));
                if mount_now != Some(&json!(mount)) {
                    changes.push(change(
                        &["volumeMounts", "@volume", "mountPath"],
                        mount_now.cloned(),
                        Some(json!(mount)),
                    ));
                }
                let size_now = environment
                    .and_then(|e| e.volume_config(id))
                    .and_then(|v| v.get("sizeMB"));
                if let Some(size) = size
                    && !json_eq(size_now, &json!(size))
                {
                    let mut resize =
                        change(&["@volume", "sizeMB"], size_now.cloned(), Some(json!(size)));
                    // Railway grows a volume in place but cannot shrink
                    // one: a smaller size means a new (empty) volume.
                    if !unsized_volume
                        && size_now
                            .and_then(Value::as_f64)
                            .is_some_and(|now| (*size as f64) < now)
                    {
                        resize.replace = true;
                        replace_volume = Some(id.clone());
                        create_volume = Some(mount.clone());
                    }
                    changes.push(resize);
                }
            }
        }
    }
    let action = match (service_id, config) {
        (Some(_), Some(_)) if replace_volume.is_some() => Action::Replace,
        (Some(_), Some(_)) if changes.is_empty() => Action::None,
        (Some(_), Some(_)) => Action::Update,
        _ => Action::Create,
    };
    let source = match instance.source.as_ref().map(|s| &s.value) {
        Some(crate::model::Source::Image(image)) => Some(("image".to_owned(), image.clone())),
        Some(crate::model::Source::Repo(repo)) => Some(("repo".to_owned(), repo.clone())),
        None => None,
    };
    let managed = Managed {
        variables: wanted.variables.keys().cloned().collect(),
        domains: wanted
            .custom_domains
            .as_ref()
            .map(|domains| domains.keys().cloned().collect())
            .unwrap_or_default(),
    };
    let service = ServicePlan {
        name: instance.name.clone(),
        action,
        id: service_id.map(str::to_owned),
        renamed_from: None,
        create_service: service_id.is_none(),
        source,
        create_volume,
        // A replaced volume's id is not reused.
        volume_id: if replace_volume.is_some() {
            None
        } else {
            volume_id
        },
        replace_volume,
        delete_volume: false,
        delete_service: false,
        protected: instance.is_protected(),
        management: match (service_id, config) {
            (Some(_), Some(_)) => crate::plan::Management::of(
                true,
                owned
                    .services
                    .contains(&(environment_name.to_owned(), instance.name.clone())),
            ),
            _ => crate::plan::Management::Managed,
        },
        changes,
        managed,
    };
    (service, unmanaged)
}

fn change(path: &[&str], old: Option<Value>, new: Option<Value>) -> Change {
    Change {
        path: path.iter().map(|s| (*s).to_owned()).collect(),
        old: old.map(PlanValue::Plain),
        new: new.map(PlanValue::Plain),
        replace: false,
        sealed: false,
    }
}

/// JSON pointer escaping of one segment.
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Equality that treats `30` and `30.0` as the same number.
fn json_eq(actual: Option<&Value>, wanted: &Value) -> bool {
    match (actual, wanted) {
        (Some(Value::Number(a)), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Some(a), b) => a == b,
        (None, _) => false,
    }
}

fn setting_changes(wanted: &DesiredService, have: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    for (path, value) in &wanted.settings {
        let pointer: String = path.iter().map(|s| format!("/{}", escape(s))).collect();
        let now = have.pointer(&pointer);
        if !json_eq(now, value) {
            changes.push(Change {
                path: path.clone(),
                old: now.cloned().map(PlanValue::Plain),
                new: Some(PlanValue::Plain(value.clone())),
                replace: false,
                sealed: false,
            });
        }
    }
    changes
}

/// One variable as Railway has it.
struct Have<'v> {
    /// Its value (absent for a sealed variable: Railway never returns it).
    value: Option<&'v str>,
    /// `isSealed`.
    sealed: bool,
}

/// Changes of a whole variable map: added, changed and removed names.
/// Secret values are compared by their keyed digests; a variable sealed on
/// Railway (write-only) by the digest recorded when Mirage last wrote it.
fn variable_changes(
    prefix: &[&str],
    wanted: &BTreeMap<String, PlanValue>,
    sealed: &BTreeSet<String>,
    have: Option<&Value>,
    secrets: SecretLookup<'_>,
    scope: &Scope<'_>,
) -> Vec<Change> {
    let have: BTreeMap<&str, Have> = have
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    (
                        k.as_str(),
                        Have {
                            value: v.get("value").and_then(Value::as_str),
                            sealed: v.get("isSealed").and_then(Value::as_bool) == Some(true),
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let path = |name: &str| {
        let mut path: Vec<String> = prefix.iter().map(|s| (*s).to_owned()).collect();
        path.push(name.to_owned());
        path
    };
    // The digest of the value a variable should hold, when it can be known
    // now (`None`: a generated value, or a secret that cannot be read).
    let desired = |value: &PlanValue| match value {
        PlanValue::Plain(Value::String(text)) => Some(scope.digest(text)),
        PlanValue::Plain(other) => Some(scope.digest(&other.to_string())),
        PlanValue::Sensitive(Sensitive::Secret(secret)) => {
            secrets(secret).map(|clear| scope.digest(&clear))
        }
        PlanValue::Sensitive(Sensitive::Generated(_)) => None,
        PlanValue::Sensitive(Sensitive::Actual(digest)) => Some(digest.clone()),
    };
    let mut changes = Vec::new();
    for (name, value) in wanted {
        let wants_sealed = sealed.contains(name);
        let Some(now) = have.get(name.as_str()) else {
            changes.push(Change {
                path: path(name),
                old: None,
                new: Some(value.clone()),
                replace: false,
                sealed: wants_sealed,
            });
            continue;
        };
        if now.sealed {
            // Write-only: compared with what Mirage last wrote. No record
            // (written by hand, or before Mirage kept digests) is a change.
            // A variable sealed on Railway stays sealed: it cannot be
            // unsealed (the plan warns when the files do not say so).
            let recorded = scope.recorded(name);
            let differs = match (desired(value), recorded) {
                // A generated value is made once and kept.
                (None, _) if matches!(value, PlanValue::Sensitive(Sensitive::Generated(_))) => {
                    false
                }
                // A secret that cannot be read now is not compared.
                (None, _) => false,
                (Some(want), Some(was)) => want != *was,
                (Some(_), None) => true,
            };
            if differs {
                changes.push(Change {
                    path: path(name),
                    old: Some(PlanValue::Sensitive(Sensitive::Actual(
                        recorded.cloned().unwrap_or_else(|| scope.digest("")),
                    ))),
                    new: Some(value.clone()),
                    replace: false,
                    sealed: true,
                });
            }
            continue;
        }
        let actual = now.value.map(|text| scope.digest(text));
        let differs = match (value, now.value) {
            (PlanValue::Plain(Value::String(text)), Some(now)) => now != text.as_str(),
            (PlanValue::Plain(_), _) => true,
            // A generated value is made once and kept.
            (PlanValue::Sensitive(Sensitive::Generated(_)), _) => false,
            // Compared by keyed digests, only when the secret can be read
            // now; a change is reported without either value.
            (PlanValue::Sensitive(Sensitive::Secret(_)), _) => {
                desired(value).is_some_and(|want| Some(want) != actual)
            }
            (PlanValue::Sensitive(Sensitive::Actual(_)), _) => false,
        };
        let old = match (value, now.value) {
            (PlanValue::Plain(_), Some(text)) => PlanValue::Plain(json!(text)),
            _ => PlanValue::Sensitive(Sensitive::Actual(
                actual.clone().unwrap_or_else(|| scope.digest("")),
            )),
        };
        if differs {
            changes.push(Change {
                path: path(name),
                old: Some(old),
                new: Some(value.clone()),
                replace: false,
                sealed: wants_sealed,
            });
        } else if wants_sealed {
            // The same value, to seal: Railway keeps the value and marks it
            // sealed (a generated value is not drawn again).
            changes.push(Change {
                path: path(name),
                old: Some(old),
                new: Some(PlanValue::Sensitive(Sensitive::Actual(
                    actual.unwrap_or_else(|| scope.digest("")),
                ))),
                replace: false,
                sealed: true,
            });
        }
    }
    for (name, now) in &have {
        if !wanted.contains_key(*name) {
            // A removed value may be a secret someone set by hand: never shown.
            let old = match now.value {
                Some(text) => scope.digest(text),
                None => scope
                    .recorded(name)
                    .cloned()
                    .unwrap_or_else(|| scope.digest("")),
            };
            changes.push(Change {
                path: path(name),
                old: Some(PlanValue::Sensitive(Sensitive::Actual(old))),
                new: None,
                replace: false,
                sealed: false,
            });
        }
    }
    changes
}

/// `deploy.registryCredentials` of a private image: the user compared in
/// clear, the password (a secret) only when Railway returns it and the
/// secret can be read now, and reported without either value. The config
/// patch merges key by key, so each part is written on its own.
fn registry_changes(
    wanted: &DesiredService,
    have: &Value,
    secrets: SecretLookup<'_>,
    key: &DigestKey,
) -> Vec<Change> {
    let Some((username, password)) = &wanted.registry_credentials else {
        return Vec::new();
    };
    let now = have.pointer("/deploy/registryCredentials");
    let mut changes = Vec::new();
    let user_now = now.and_then(|c| c.get("username"));
    if user_now != Some(&json!(username)) {
        changes.push(change(
            &["deploy", "registryCredentials", "username"],
            user_now.cloned(),
            Some(json!(username)),
        ));
    }
    let password_now = now.and_then(|c| c.get("password")).and_then(Value::as_str);
    let differs = match (now, password_now) {
        // Never set: write it.
        (None, _) => true,
        // Compared by keyed digests, never in clear.
        (Some(_), Some(clear)) => {
            secrets(password).is_some_and(|wanted| digest(key, &wanted) != digest(key, clear))
        }
        // Railway hides it: nothing to compare.
        (Some(_), None) => false,
    };
    if differs {
        changes.push(Change {
            path: ["deploy", "registryCredentials", "password"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            old: password_now
                .map(|clear| PlanValue::Sensitive(Sensitive::Actual(digest(key, clear)))),
            new: Some(PlanValue::Sensitive(Sensitive::Secret(password.clone()))),
            replace: false,
            sealed: false,
        });
    }
    changes
}

fn networking_changes(wanted: &DesiredService, have: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    let networking = have.get("networking");
    let map = |key: &str| {
        networking
            .and_then(|n| n.get(key))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<BTreeMap<_, _>>()
            })
            .unwrap_or_default()
    };
    if let Some(domains) = &wanted.custom_domains {
        let now = map("customDomains");
        for (domain, port) in domains {
            let value = json!({"port": port});
            let current = now.get(domain);
            if current.and_then(|c| c.get("port")) != Some(&json!(port)) {
                changes.push(change(
                    &["networking", "customDomains", domain],
                    current.cloned(),
                    Some(value),
                ));
            }
        }
        for (domain, current) in &now {
            if !domains.contains_key(domain) {
                changes.push(change(
                    &["networking", "customDomains", domain],
                    Some(current.clone()),
                    None,
                ));
            }
        }
    }
    if let Some(port) = wanted.service_domain
        && map("serviceDomains").is_empty()
    {
        // The name is Railway's to choose; `@generated` asks for one.
        changes.push(change(
            &["networking", "serviceDomains", "@generated"],
            None,
            Some(json!({"port": port})),
        ));
    }
    if let Some(port) = wanted.tcp_proxy
        && !map("tcpProxies").contains_key(&port.to_string())
    {
        changes.push(change(
            &["networking", "tcpProxies", &port.to_string()],
            None,
            Some(json!({})),
        ));
    }
    changes
}
