//! `import --generate` re-run on files that lack services or environments
//! Railway has: their blocks, written by the same generator, appended to
//! the files — every existing byte and comment kept.
//!
//! * A new service: its `service "S" { … }` block after the last service
//!   of the files, and its overrides (`service "S" { … }`) inserted into
//!   each existing `environment "E"` block (the language has one block per
//!   environment: `mirage::resolve::duplicate_definition`), through the
//!   syntax tree's spans.
//! * A new environment: an `environment "E" { … }` block after the last
//!   environment, holding the new services' overrides as generated, and
//!   for the services the files already declare what differs between the
//!   files' effective settings in `E` (through `plan::desired` and
//!   [`crate::adopt::nodes::settings`]) and Railway's.
//!
//! The result is resolved and planned against the snapshot in memory: one
//! that does not resolve, or whose plan has changes, is refused with the
//! reason (nothing written). Pure: no IO.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Generated, Raw, Secret};
use crate::adopt::nodes::{self, Input};
use crate::model::VarValue;
use crate::railway::Snapshot;
use crate::syntax::{Document, Node, parse_tree};

/// The files with the blocks appended.
#[derive(Clone, Debug, Default)]
pub struct Appended {
    /// Every file given, with its new text (unformatted where changed).
    pub files: Vec<(PathBuf, String)>,
    /// The files that changed, in order.
    pub changed: Vec<PathBuf>,
    /// What was added where, one sentence each.
    pub notes: Vec<String>,
    /// The secret references the added blocks use.
    pub secrets: Vec<Secret>,
}

/// `files` (path, text) with the blocks of the `services` and
/// `environments` Railway has and the files lack, from `generated` (the
/// description of `snapshot`); `Err` with the reason when it cannot be
/// done faithfully.
pub fn append(
    root: &Path,
    files: &[(PathBuf, String)],
    snapshot: &Snapshot,
    generated: &Generated,
    services: &[String],
    environments: &[String],
) -> Result<Appended, String> {
    let (gen_services, _) = parse_tree(&generated.services_file);
    let (gen_project, _) = parse_tree(&generated.project_file);
    for service in services {
        if !generated.services.contains(service) {
            return Err(format!(
                "service `{service}` cannot be described (see \"Left out\" of `mirage import --generate` into an empty directory)"
            ));
        }
    }
    for env in environments {
        if !generated.environments.contains(env) {
            return Err(format!("environment `{env}` cannot be described"));
        }
    }
    let service_block = |name: &str| -> Option<String> {
        top(&gen_services, "service", name)
            .map(|n| generated.services_file[n.span.start..n.span.end].to_owned())
    };
    let private_off = |e: &str| -> bool {
        top(&gen_project, "environment", e)
            .and_then(|n| n.children.as_ref())
            .is_some_and(|c| c.nodes.iter().any(|n| n.name.value == "private-network"))
    };

    // Pass one: the new services' blocks as generated (their settings
    // shared by every environment), the new environments bare. Pass two:
    // in each environment, what the files then say differently from
    // Railway (layers and templates of the files apply to new services
    // too), as overrides.
    let build = |extra: &BTreeMap<String, Vec<String>>,
                 layers: &BTreeMap<String, String>|
     -> Result<Builder, String> {
        let mut b = Builder::new(files);
        let service_file = b.last_file_with("service");
        let env_file = b.last_file_with("environment");
        for service in services {
            let block =
                service_block(service).ok_or_else(|| format!("no block for `{service}`"))?;
            b.append(service_file, &block);
            b.notes.push(format!(
                "service `{service}` appended to `{}`",
                b.files[service_file].0.display()
            ));
        }
        for (i, (_, text)) in files.iter().enumerate() {
            let (doc, _) = parse_tree(text);
            for node in doc.nodes.iter().filter(|n| n.name.value == "environment") {
                let Some(env) = first_arg(node) else { continue };
                let blocks = extra.get(env).map(Vec::as_slice).unwrap_or_default();
                if blocks.is_empty() {
                    continue;
                }
                b.insert_into(i, node, &blocks.join("\n"));
                b.notes.push(format!(
                    "what differs in `{env}` inserted into `environment \"{env}\"` of `{}`",
                    b.files[i].0.display()
                ));
            }
        }
        for env in environments {
            let mut body = Vec::new();
            if private_off(env) {
                body.push("private-network #false".to_owned());
            }
            body.extend(extra.get(env).cloned().unwrap_or_default());
            let mut head = format!("environment {}", nodes::string(env));
            if let Some(layer) = layers.get(env) {
                head.push_str(&format!(" layer={}", nodes::string(layer)));
            }
            let block = if body.is_empty() {
                head
            } else {
                format!("{head} {{\n{}\n}}", body.join("\n"))
            };
            b.append(env_file, &block);
            b.notes.push(format!(
                "environment `{env}` appended to `{}`",
                b.files[env_file].0.display()
            ));
        }
        Ok(b)
    };
    // A new environment takes the layer of the files (or none) that leaves
    // the fewest overrides: a copy of `staging` reads `layer="dev"` as
    // staging does.
    let layer_names: Vec<String> = files
        .iter()
        .flat_map(|(_, text)| {
            parse_tree(text)
                .0
                .nodes
                .iter()
                .filter(|n| n.name.value == "layer")
                .filter_map(|n| first_arg(n).map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut layers: BTreeMap<String, String> = BTreeMap::new();
    for env in environments {
        let mut best: Option<(usize, Option<String>)> = None;
        for candidate in std::iter::once(None).chain(layer_names.iter().cloned().map(Some)) {
            let mut trial = layers.clone();
            if let Some(layer) = &candidate {
                trial.insert(env.clone(), layer.clone());
            }
            let analysis = crate::resolve::analyze(root, build(&BTreeMap::new(), &trial)?.texts());
            if analysis.has_errors() {
                continue;
            }
            let which = |_: &str| true;
            let Ok(blocks) = differences(&analysis.project, snapshot, generated, env, true, &which)
            else {
                continue;
            };
            let lines: usize = blocks.iter().map(|b| b.lines().count()).sum();
            if best.as_ref().is_none_or(|(n, _)| lines < *n) {
                best = Some((lines, candidate));
            }
        }
        if let Some((_, Some(layer))) = best {
            layers.insert(env.clone(), layer);
        }
    }
    let first = build(&BTreeMap::new(), &layers)?;
    let mut extra = BTreeMap::new();
    let analysis = crate::resolve::analyze(root, first.texts());
    if analysis.has_errors() {
        return Err(errors(&analysis));
    }
    for env in &generated.environments {
        let new = environments.contains(env);
        let which = |service: &str| new || services.iter().any(|s| s == service);
        extra.insert(
            env.clone(),
            differences(&analysis.project, snapshot, generated, env, new, &which)?,
        );
    }
    let done = build(&extra, &layers)?;
    let texts = done.texts();
    let analysis = crate::resolve::analyze(root, texts.clone());
    if analysis.has_errors() {
        return Err(errors(&analysis));
    }
    let plan = crate::plan::diff(
        &analysis.project,
        Some(snapshot),
        &crate::plan::Owned::default(),
        &crate::plan::Filter::default(),
        &|_| None,
    );
    if plan.has_changes() {
        return Err(format!(
            "with the blocks appended the files would still differ from Railway:\n{}",
            crate::plan::render::text(&plan).trim_end()
        ));
    }
    let added: String = done.added.join("\n");
    let secrets = generated
        .secrets
        .iter()
        .filter(|s| added.contains(&nodes::string(&s.reference)))
        .cloned()
        .collect();
    let changed = texts
        .iter()
        .zip(files)
        .filter(|((_, new), (_, old))| new != old)
        .map(|((p, _), _)| p.clone())
        .collect();
    Ok(Appended {
        files: texts,
        changed,
        notes: done.notes,
        secrets,
    })
}

fn errors(analysis: &crate::resolve::Analysis) -> String {
    let list: Vec<String> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    format!(
        "with the blocks appended the files would not resolve: {}",
        list.join("; ")
    )
}

/// The files being edited: insertions by byte offset, applied at the end.
struct Builder {
    files: Vec<(PathBuf, String)>,
    inserts: Vec<Vec<(usize, String)>>,
    notes: Vec<String>,
    added: Vec<String>,
}

impl Builder {
    fn new(files: &[(PathBuf, String)]) -> Self {
        Builder {
            files: files.to_vec(),
            inserts: vec![Vec::new(); files.len()],
            notes: Vec::new(),
            added: Vec::new(),
        }
    }

    /// The last file with a top-level node `name`, else the one with the
    /// project, else the first.
    fn last_file_with(&self, name: &str) -> usize {
        let has = |what: &str| {
            self.files.iter().rposition(|(_, text)| {
                parse_tree(text)
                    .0
                    .nodes
                    .iter()
                    .any(|n| n.name.value == what)
            })
        };
        has(name).or_else(|| has("project")).unwrap_or(0)
    }

    fn append(&mut self, file: usize, block: &str) {
        let end = self.files[file].1.len();
        let lead = if self.files[file].1.ends_with('\n') {
            "\n"
        } else {
            "\n\n"
        };
        self.inserts[file].push((end, format!("{lead}{block}\n")));
        self.added.push(block.to_owned());
    }

    /// `block` as the last child of `node` (giving it a `{ … }` when it
    /// has none).
    fn insert_into(&mut self, file: usize, node: &Node, block: &str) {
        match &node.children {
            Some(children) => {
                self.inserts[file].push((children.span.end - 1, format!("\n{block}\n")));
            }
            None => self.inserts[file].push((node.span.end, format!(" {{\n{block}\n}}"))),
        }
        self.added.push(block.to_owned());
    }

    fn texts(&self) -> Vec<(PathBuf, String)> {
        self.files
            .iter()
            .zip(&self.inserts)
            .map(|((path, text), inserts)| {
                let mut inserts = inserts.clone();
                // Stable: insertions at one offset keep their order.
                inserts.sort_by_key(|(at, _)| *at);
                let mut out = String::with_capacity(text.len());
                let mut from = 0;
                for (at, insert) in inserts {
                    out.push_str(&text[from..at]);
                    out.push_str(&insert);
                    from = at;
                }
                out.push_str(&text[from..]);
                (path.clone(), out)
            })
            .collect()
    }
}

fn top<'d>(doc: &'d Document, kind: &str, name: &str) -> Option<&'d Node> {
    doc.nodes
        .iter()
        .find(|n| n.name.value == kind && first_arg(n) == Some(name))
}

fn first_arg(node: &Node) -> Option<&str> {
    node.entries
        .iter()
        .find(|e| e.name.is_none())
        .and_then(|e| e.value.as_str())
}

/// For a new environment `env` of `model` (declared without overrides of
/// the services the files had): its shared variables and, per service the
/// files already had, the override lines that make the files say what
/// Railway has there.
fn differences(
    model: &crate::model::Project,
    snapshot: &Snapshot,
    generated: &Generated,
    env: &str,
    shared: bool,
    which: &dyn Fn(&str) -> bool,
) -> Result<Vec<String>, String> {
    let Some(railway) = snapshot.environments.get(env) else {
        return Err(format!("Railway has no environment `{env}`"));
    };
    let Some(environment) = model.environment(env) else {
        return Err(format!("environment `{env}` did not resolve"));
    };
    let mut out = Vec::new();
    let mut ignored = Vec::new();
    let secret_text = |owner: Option<&str>, var: &str| -> String {
        let use_ = match owner {
            Some(s) => format!("`{var}` of `{s}` in `{env}`"),
            None => format!("`{var}` shared in `{env}`"),
        };
        let reference = generated
            .secrets
            .iter()
            .find(|s| s.uses.iter().any(|u| u == &use_))
            .map_or_else(|| format!("env:{var}"), |s| s.reference.clone());
        format!("(secret){}", nodes::string(&reference))
    };
    let vars_diff = |model: &BTreeMap<String, crate::model::Valued<VarValue>>,
                     railway: &BTreeMap<String, Raw>,
                     owner: Option<&str>|
     -> BTreeMap<String, String> {
        let mut diff = BTreeMap::new();
        for (name, raw) in railway {
            let same = match (model.get(name).map(|v| &v.value), raw) {
                (Some(VarValue::Plain(a) | VarValue::Reference(a, _)), Raw::Plain(b)) => a == b,
                // A secret's or a generated value cannot be compared here:
                // the plan does not compare them either.
                (Some(VarValue::Secret(_) | VarValue::Generated(_)), _) => true,
                _ => false,
            };
            if !same {
                let text = match raw {
                    Raw::Plain(text) => nodes::string(text),
                    Raw::Secret(_) => secret_text(owner, name),
                };
                diff.insert(name.clone(), text);
            }
        }
        for name in model.keys() {
            if !railway.contains_key(name) {
                diff.insert(name.clone(), "#null".to_owned());
            }
        }
        diff
    };
    let railway_shared = super::variables(
        railway.config.get("sharedVariables"),
        None,
        env,
        &mut ignored,
    );
    if shared
        && let Some(block) = nodes::vars_block(
            "shared-vars",
            &vars_diff(&environment.shared_variables, &railway_shared, None),
        )
    {
        out.push(block);
    }
    let region = model.region.as_ref().map(|r| r.value.as_str());
    for instance in &environment.services {
        if !which(&instance.name) {
            continue;
        }
        let config = snapshot
            .services
            .get(&instance.name)
            .and_then(|id| railway.service_config(id))
            .ok_or_else(|| {
                format!(
                    "service `{}` is not in environment `{env}` on Railway (a Mirage service is in every environment)",
                    instance.name
                )
            })?;
        let theirs = nodes::settings(Input {
            service: config,
            volumes: railway.config.get("volumes"),
            project_region: region,
        });
        let (files_config, files_volumes) = super::super::nodes::model_config(instance);
        let ours = nodes::settings(Input {
            service: &files_config,
            volumes: files_volumes.as_ref(),
            project_region: region,
        });
        let group = |lines: &[nodes::Line]| -> BTreeMap<&'static str, Vec<String>> {
            let mut map: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
            for line in lines {
                map.entry(line.setting).or_default().push(line.text.clone());
            }
            map
        };
        let (theirs_by, ours_by) = (group(&theirs.lines), group(&ours.lines));
        let mut lines = Vec::new();
        for line in &theirs.lines {
            if ours_by.get(line.setting) != theirs_by.get(line.setting) {
                lines.push(line.text.clone());
            }
        }
        for setting in ours_by.keys() {
            if !theirs_by.contains_key(setting) {
                if crate::settings::setting(setting).is_some_and(|s| !s.removable()) {
                    return Err(format!(
                        "`{setting}` of `{}` cannot be removed in `{env}`, where Railway has none",
                        instance.name
                    ));
                }
                lines.push(format!("{setting} #null"));
            }
        }
        let theirs_vars = super::variables(
            config.get("variables"),
            Some(&instance.name),
            env,
            &mut ignored,
        );
        let vars = vars_diff(&instance.variables, &theirs_vars, Some(&instance.name));
        lines.extend(nodes::vars_block("vars", &vars));
        if !lines.is_empty() {
            out.push(format!(
                "service {} {{\n{}\n}}",
                nodes::string(&instance.name),
                lines.join("\n")
            ));
        }
    }
    Ok(out)
}
