//! `mirage import --generate`: the `.mirage` description of a Railway
//! project, every environment at once, from one [`Snapshot`].
//!
//! Everything here is a pure function of the snapshot — no IO — so the
//! round-trip property test can run thousands of projects in seconds; the
//! command (`src/cli/generate.rs`) reads Railway, writes the files through
//! [`super::write`] and records ownership.
//!
//! The shape, per service and per setting (settings come from
//! [`super::nodes::settings`], one environment at a time):
//!
//! * the same line(s) in every environment → written once on the service;
//! * different → the most common value on the service, the others as
//!   overrides in `environment "E" { service "S" { … } }`;
//! * missing in some environments → `name #null` in theirs when the setting
//!   may be removed, otherwise the setting goes in the overrides only.
//!
//! Variables follow the same rule (`NAME #null`). Secret-looking values
//! become secret references (see [`secrets`]); Railway-provided variables
//! are left out. Ephemeral (pull-request) environments, services that are
//! not in every environment and names Mirage cannot say are left out with a
//! sentence in [`Generated::left_out`].

pub mod append;
pub mod secrets;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::nodes::{self, Input};
use crate::railway::Snapshot;
use crate::railway::snapshot::EnvironmentState;

pub use secrets::{Scheme, Secret};

/// How the description is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Where secret values are read from (`env:` by default).
    pub secrets: Scheme,
}

/// The generated description.
#[derive(Clone, Debug, Default)]
pub struct Generated {
    /// The project's name.
    pub project: String,
    /// `project.mirage`: the project and its environments (unformatted).
    pub project_file: String,
    /// `services.mirage`: the services (unformatted).
    pub services_file: String,
    /// The environments written, in order.
    pub environments: Vec<String>,
    /// The services written, in order.
    pub services: Vec<String>,
    /// What the user must provide (secret references), by location.
    pub secrets: Vec<Secret>,
    /// Environments and services not written, one sentence each.
    pub left_out: Vec<String>,
    /// Values not written ("`source.autoUpdates` of `api` in `production`:
    /// not expressible"), one sentence each.
    pub not_written: Vec<String>,
}

/// A variable's value on Railway, before it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Raw {
    /// Written as a string literal.
    Plain(String),
    /// Written as a secret reference.
    Secret(String),
}

/// Whose variables: a service's, or the environment's shared ones.
pub(crate) type Owner = Option<String>;

/// The description of `snapshot`.
pub fn generate(snapshot: &Snapshot, options: &Options) -> Generated {
    let mut out = Generated {
        project: snapshot.project_name.clone(),
        ..Generated::default()
    };
    let environments = environments(snapshot, &mut out.left_out);
    let services = services(snapshot, &environments, &mut out.left_out);
    out.environments = environments.iter().map(|e| e.name.clone()).collect();
    out.services = services.iter().map(|(name, _)| name.clone()).collect();
    let region = project_region(&environments, &services);

    // Variables first: secrets are named from every use at once.
    let mut raw: BTreeMap<(Owner, String), BTreeMap<String, Raw>> = BTreeMap::new();
    for env in &environments {
        let shared = variables(
            env.config.get("sharedVariables"),
            None,
            &env.name,
            &mut out.not_written,
        );
        raw.insert((None, env.name.clone()), shared);
        for (name, id) in &services {
            let config = env.service_config(id).and_then(|c| c.get("variables"));
            let vars = variables(config, Some(name), &env.name, &mut out.not_written);
            raw.insert((Some(name.clone()), env.name.clone()), vars);
        }
    }
    let names = secrets::name(&raw, options.secrets);
    out.secrets = names.secrets.clone();
    let text = |owner: &Owner, env: &str, var: &str, value: &Raw| -> String {
        match value {
            Raw::Plain(text) => nodes::string(text),
            Raw::Secret(_) => {
                let location = names
                    .location(owner, env, var)
                    .unwrap_or_else(|| var.to_owned());
                format!("(secret){}", nodes::string(&location))
            }
        }
    };

    // Shared variables: on the project when equal everywhere, else per
    // environment.
    let mut project_shared = BTreeMap::new();
    let mut env_shared: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let shared_names: BTreeSet<&String> = environments
        .iter()
        .flat_map(|e| raw[&(None, e.name.clone())].keys())
        .collect();
    for var in shared_names {
        let values: Vec<Option<&Raw>> = environments
            .iter()
            .map(|e| raw[&(None, e.name.clone())].get(var))
            .collect();
        let same = values.iter().all(|v| v.is_some() && *v == values[0]);
        if same && let Some(Some(value)) = values.first() {
            // Equal everywhere: a secret has one location for all of them.
            let first = &environments[0].name;
            project_shared.insert(var.clone(), text(&None, first, var, value));
        } else {
            for (env, value) in environments.iter().zip(&values) {
                if let Some(value) = value {
                    env_shared
                        .entry(env.name.clone())
                        .or_default()
                        .insert(var.clone(), text(&None, &env.name, var, value));
                }
            }
        }
    }

    // Services.
    let mut service_blocks = Vec::new();
    let mut overrides: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, id) in &services {
        let mut per_env: Vec<Vec<nodes::Line>> = Vec::new();
        for env in &environments {
            let Some(config) = env.service_config(id) else {
                per_env.push(Vec::new());
                continue;
            };
            let found = nodes::settings(Input {
                service: config,
                volumes: env.config.get("volumes"),
                project_region: region.as_deref(),
            });
            for unmapped in found.unmapped {
                out.not_written.push(format!(
                    "`{}` of `{name}` in `{}`: {}",
                    unmapped.path, env.name, unmapped.why
                ));
            }
            per_env.push(found.lines);
        }
        let (base, extra) = settings_layers(&per_env);
        let owner = Some(name.clone());
        let vars: Vec<BTreeMap<String, String>> = environments
            .iter()
            .map(|env| {
                raw[&(owner.clone(), env.name.clone())]
                    .iter()
                    .map(|(var, value)| (var.clone(), text(&owner, &env.name, var, value)))
                    .collect()
            })
            .collect();
        let (base_vars, extra_vars) = layers(&vars, |_| true);
        let mut block = format!("service {} {{\n", nodes::string(name));
        for line in &base {
            block.push_str(line);
            block.push('\n');
        }
        if let Some(vars) = nodes::vars_block("vars", &base_vars) {
            block.push_str(&vars);
            block.push('\n');
        }
        block.push('}');
        service_blocks.push(block);
        for (env, (lines, vars)) in environments.iter().zip(extra.iter().zip(&extra_vars)) {
            let vars = nodes::vars_block("vars", vars);
            if lines.is_empty() && vars.is_none() {
                continue;
            }
            let mut block = format!("service {} {{\n", nodes::string(name));
            for line in lines {
                block.push_str(line);
                block.push('\n');
            }
            if let Some(vars) = vars {
                block.push_str(&vars);
                block.push('\n');
            }
            block.push('}');
            overrides.entry(env.name.clone()).or_default().push(block);
        }
    }

    // project.mirage
    let mut body = Vec::new();
    if let Some(region) = &region {
        body.push(format!("region {}", nodes::string(region)));
    }
    body.extend(nodes::vars_block("shared-vars", &project_shared));
    let mut project = format!("project {}", nodes::string(&snapshot.project_name));
    if body.is_empty() {
        project.push('\n');
    } else {
        project.push_str(&format!(" {{\n{}\n}}\n", body.join("\n")));
    }
    for env in &environments {
        let mut body = Vec::new();
        if env
            .config
            .get("privateNetworkDisabled")
            .and_then(Value::as_bool)
            == Some(true)
        {
            body.push("private-network #false".to_owned());
        }
        if let Some(block) = env_shared
            .get(&env.name)
            .and_then(|vars| nodes::vars_block("shared-vars", vars))
        {
            body.push(block);
        }
        body.extend(overrides.remove(&env.name).unwrap_or_default());
        project.push('\n');
        if body.is_empty() {
            project.push_str(&format!("environment {}\n", nodes::string(&env.name)));
        } else {
            project.push_str(&format!(
                "environment {} {{\n{}\n}}\n",
                nodes::string(&env.name),
                body.join("\n")
            ));
        }
    }
    out.project_file = project;
    out.services_file = service_blocks.join("\n\n") + "\n";
    out
}

/// The environments written: every one but the ephemeral ones and those
/// whose name Mirage cannot say, in Railway's order of names.
fn environments<'s>(
    snapshot: &'s Snapshot,
    left_out: &mut Vec<String>,
) -> Vec<&'s EnvironmentState> {
    let mut out = Vec::new();
    for (name, env) in &snapshot.environments {
        if env.is_ephemeral {
            left_out.push(format!(
                "environment `{name}`: an ephemeral (pull-request) environment; Mirage makes previews from an `ephemeral=#true` environment of the files (`mirage preview up`)"
            ));
        } else if let Err(why) = crate::resolve::value::check_name(name, false) {
            left_out.push(format!(
                "environment `{name}`: not a Mirage name ({why}); rename it on Railway and run again"
            ));
        } else {
            out.push(env);
        }
    }
    out
}

/// The services written (name, id): those in every environment written,
/// with a name Mirage can say.
fn services(
    snapshot: &Snapshot,
    environments: &[&EnvironmentState],
    left_out: &mut Vec<String>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, id) in &snapshot.services {
        let present: Vec<&str> = environments
            .iter()
            .filter(|e| e.service_ids().contains(&id.as_str()))
            .map(|e| e.name.as_str())
            .collect();
        if let Err(why) = crate::resolve::value::check_name(name, false) {
            left_out.push(format!(
                "service `{name}`: not a Mirage name ({why}); rename it on Railway (letters, digits, `-`, `_`) and run again"
            ));
        } else if present.len() != environments.len() {
            let missing: Vec<String> = environments
                .iter()
                .map(|e| e.name.as_str())
                .filter(|e| !present.contains(e))
                .map(|e| format!("`{e}`"))
                .collect();
            left_out.push(format!(
                "service `{name}`: not in {} (a Mirage service is in every environment); add it there on Railway, or write it by hand",
                missing.join(", ")
            ));
        } else {
            out.push((name.clone(), id.clone()));
        }
    }
    out
}

/// The project's region: the single region most instances run in, when
/// every instance names its region (an instance without one would
/// otherwise inherit it, which Railway does not say).
fn project_region(
    environments: &[&EnvironmentState],
    services: &[(String, String)],
) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for env in environments {
        for (_, id) in services {
            let regions: Vec<&str> = env
                .service_config(id)
                .and_then(|c| c.pointer("/deploy/multiRegionConfig"))
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, _)| k.as_str())
                        .collect()
                })
                .unwrap_or_default();
            match regions.as_slice() {
                [] => return None,
                [one] => *counts.entry(one).or_default() += 1,
                _ => {}
            }
        }
    }
    most_common(counts.into_iter().map(|(region, n)| (region.to_owned(), n)))
}

fn most_common(counts: impl Iterator<Item = (String, usize)>) -> Option<String> {
    let mut best: Option<(String, usize)> = None;
    for (value, n) in counts {
        if best.as_ref().is_none_or(|(_, m)| n > *m) {
            best = Some((value, n));
        }
    }
    best.map(|(value, _)| value)
}

/// The variables of one owner in one environment: Railway-provided ones
/// (but `PORT`) and those without a value left out.
pub(crate) fn variables(
    section: Option<&Value>,
    owner: Option<&String>,
    env: &str,
    not_written: &mut Vec<String>,
) -> BTreeMap<String, Raw> {
    let mut out = BTreeMap::new();
    let Some(map) = section.and_then(Value::as_object) else {
        return out;
    };
    let whose = || match owner {
        Some(service) => format!("of `{service}` in `{env}`"),
        None => format!("shared in `{env}`"),
    };
    for (name, variable) in map {
        if variable.is_null() {
            continue;
        }
        if name != "PORT" && crate::resolve::RAILWAY_PROVIDED.contains(&name.as_str()) {
            continue;
        }
        if !crate::resolve::value::is_var_name(name) {
            not_written.push(format!(
                "variable `{name}` {}: not a variable name Mirage accepts (letters, digits, `_`)",
                whose()
            ));
            continue;
        }
        let value = variable
            .get("value")
            .and_then(Value::as_str)
            .or_else(|| variable.as_str());
        let sealed = variable.get("isSealed").and_then(Value::as_bool) == Some(true);
        match value {
            Some(value)
                if value.contains("${{") && crate::resolve::parse_references(value).is_err() =>
            {
                not_written.push(format!(
                    "variable `{name}` {}: its value holds `${{{{` without a closing `}}}}`, which Mirage reads as a broken reference",
                    whose()
                ));
            }
            Some(value) if secrets::is_reference(value) => {
                out.insert(name.clone(), Raw::Plain(value.to_owned()));
            }
            Some(value) if sealed || secrets::looks_secret(name, value) => {
                out.insert(name.clone(), Raw::Secret(value.to_owned()));
            }
            Some(value) => {
                out.insert(name.clone(), Raw::Plain(value.to_owned()));
            }
            None if sealed => {
                out.insert(name.clone(), Raw::Secret(String::new()));
            }
            None => not_written.push(format!(
                "variable `{name}` {}: it has no value on Railway",
                whose()
            )),
        }
    }
    out
}

/// Splits per-environment setting lines into what goes on the service and
/// what goes in each environment's override.
fn settings_layers(per_env: &[Vec<nodes::Line>]) -> (Vec<String>, Vec<Vec<String>>) {
    // Setting names in the order they come (the table's).
    let mut order: Vec<&'static str> = Vec::new();
    for lines in per_env {
        let mut at = 0;
        for line in lines {
            match order.iter().position(|s| *s == line.setting) {
                Some(i) => at = i + 1,
                None => {
                    order.insert(at.min(order.len()), line.setting);
                    at += 1;
                }
            }
        }
    }
    let mut base = Vec::new();
    let mut extra = vec![Vec::new(); per_env.len()];
    for setting in order {
        let values: Vec<Option<Vec<String>>> = per_env
            .iter()
            .map(|lines| {
                let texts: Vec<String> = lines
                    .iter()
                    .filter(|l| l.setting == setting)
                    .map(|l| l.text.clone())
                    .collect();
                (!texts.is_empty()).then_some(texts)
            })
            .collect();
        let removable = crate::settings::setting(setting).is_none_or(|s| s.removable());
        let (on_service, per) = split(&values, removable);
        if let Some(texts) = on_service {
            base.extend(texts);
        }
        for (i, value) in per.into_iter().enumerate() {
            match value {
                Some(Some(texts)) => extra[i].extend(texts),
                Some(None) => extra[i].push(format!("{setting} #null")),
                None => {}
            }
        }
    }
    (base, extra)
}

/// Splits per-environment variables the same way (`NAME #null` where an
/// environment lacks one the service has).
fn layers(
    per_env: &[BTreeMap<String, String>],
    removable: impl Fn(&str) -> bool,
) -> (BTreeMap<String, String>, Vec<BTreeMap<String, String>>) {
    let names: BTreeSet<&String> = per_env.iter().flat_map(BTreeMap::keys).collect();
    let mut base = BTreeMap::new();
    let mut extra = vec![BTreeMap::new(); per_env.len()];
    for name in names {
        let values: Vec<Option<String>> = per_env.iter().map(|m| m.get(name).cloned()).collect();
        let (on_service, per) = split(&values, removable(name));
        if let Some(text) = on_service {
            base.insert(name.clone(), text);
        }
        for (i, value) in per.into_iter().enumerate() {
            match value {
                Some(Some(text)) => {
                    extra[i].insert(name.clone(), text);
                }
                Some(None) => {
                    extra[i].insert(name.clone(), "#null".to_owned());
                }
                None => {}
            }
        }
    }
    (base, extra)
}

/// One value per environment (`None`: the environment lacks it) → the
/// value for the service, and per environment what its override says
/// (`None`: nothing; `Some(None)`: `#null`; `Some(Some(v))`: `v`).
#[allow(clippy::type_complexity)]
fn split<T: Clone + PartialEq>(
    values: &[Option<T>],
    removable: bool,
) -> (Option<T>, Vec<Option<Option<T>>>) {
    // The most common present value, first seen on a tie.
    let mut best: Option<(&T, usize)> = None;
    for value in values.iter().flatten() {
        let n = values.iter().filter(|v| v.as_ref() == Some(value)).count();
        if best.is_none_or(|(_, m)| n > m) {
            best = Some((value, n));
        }
    }
    let absent = values.iter().filter(|v| v.is_none()).count();
    let base = match best {
        // Where as many environments lack it, it goes in the overrides of
        // those that have it (`replicas 2` in production, nothing in
        // staging), as a person would write it.
        Some((value, n)) if absent == 0 || (removable && n > absent) => Some(value.clone()),
        _ => None,
    };
    let per = values
        .iter()
        .map(|value| match (&base, value) {
            (Some(b), Some(v)) if b == v => None,
            (_, Some(v)) => Some(Some(v.clone())),
            (Some(_), None) => Some(None),
            (None, None) => None,
        })
        .collect();
    (base, per)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_takes_the_most_common_value_and_nulls_the_absent() {
        let (base, per) = split(&[Some(1), Some(2), Some(1), None], true);
        assert_eq!(base, Some(1));
        assert_eq!(per, vec![None, Some(Some(2)), None, Some(None)]);
    }

    #[test]
    fn split_keeps_a_setting_that_cannot_be_removed_in_the_overrides() {
        let (base, per) = split(&[Some(1), None], false);
        assert_eq!(base, None);
        assert_eq!(per, vec![Some(Some(1)), None]);
    }
}
