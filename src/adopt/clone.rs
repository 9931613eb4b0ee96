//! `mirage clone` and `mirage export --as-template`: an environment's block
//! copied, in the files, into a new one.
//!
//! The copy is made from the syntax tree of the source environment's block,
//! by splicing its own bytes: comments, the order of its nodes and the way
//! its values are written are kept. What changes:
//!
//! * the name (and, for a template, `ephemeral=#true ttl=…`, a `preview`
//!   block, `protect #false` when the layer protects);
//! * custom domains with a fixed host: a `{environment}` pattern stays (it
//!   already gives the copy its own host); a label equal to the source's
//!   name is replaced by the copy's name (`api.staging.shop.example` →
//!   `api.qa.shop.example`; `{environment}` in a template); any other fixed
//!   host is left out with a note (a custom domain is attached once in all
//!   of Railway), and the copy gets what its services and layer declare;
//! * with a service subset (`--services`), `service "S"` blocks of other
//!   services are left out (the services themselves still exist in the new
//!   environment, with what their own blocks and the layer say);
//! * variables read from Railway (`--with-variables`) are added to the
//!   block's `service "S" { vars { … } }` and `shared-vars { … }`.
//!
//! The text returned is unformatted; [`super::write`] formats the file.

use std::collections::{BTreeMap, BTreeSet};

use crate::syntax::{Document, Node};

/// What is asked of the copy.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The new environment's name.
    pub new: String,
    /// Only these services' `service "S"` blocks are copied (`None`: all).
    pub services: Option<BTreeSet<String>>,
    /// Variables to add, per service: name → KDL value text (a quoted
    /// string or a `(secret)"env:NAME"` reference).
    pub vars: BTreeMap<String, BTreeMap<String, String>>,
    /// Shared variables to add: name → KDL value text.
    pub shared: BTreeMap<String, String>,
    /// `Some`: the copy is a template (`ephemeral=#true`).
    pub template: Option<Template>,
}

/// What makes the copy a template.
#[derive(Clone, Debug, Default)]
pub struct Template {
    /// `ttl="72h"`, as written.
    pub ttl: Option<String>,
    /// Write `protect #false`: the layer protects, a template never can be.
    pub unprotect: bool,
}

/// The new environment's block and what the user should know about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Block {
    /// The `environment "NEW" … { … }` node (unformatted).
    pub text: String,
    /// One sentence per thing left out or changed.
    pub notes: Vec<String>,
}

/// The top-level `environment "NAME"` node of a parsed file.
pub fn find_environment<'d>(document: &'d Document, name: &str) -> Option<&'d Node> {
    document
        .nodes
        .iter()
        .find(|n| n.name.value == "environment" && first_arg(n) == Some(name))
}

/// A node's first argument, when it is a string.
fn first_arg(node: &Node) -> Option<&str> {
    node.entries
        .iter()
        .find(|e| e.name.is_none())
        .and_then(|e| e.value.as_str())
}

/// One change to the source text: the bytes `start..end` become `text`.
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

/// The block of environment `node` (written in `text`, named `from`)
/// copied as `options` says.
pub fn environment_block(text: &str, node: &Node, from: &str, options: &Options) -> Block {
    let mut edits = Vec::new();
    let mut notes = Vec::new();
    let new_name = super::nodes::string(&options.new);
    let template = options.template.as_ref();
    // The name, and the template's properties after the last entry.
    if let Some(entry) = node.entries.iter().find(|e| e.name.is_none()) {
        edits.push(Edit {
            start: entry.value_span.start,
            end: entry.value_span.end,
            text: new_name,
        });
    }
    if let Some(template) = template {
        for entry in &node.entries {
            let key = entry.name.as_ref().map(|n| n.value.as_str());
            if matches!(key, Some("ephemeral" | "ttl")) {
                edits.push(Edit {
                    start: entry.span.start,
                    end: entry.span.end,
                    text: String::new(),
                });
            }
        }
        let after = node
            .entries
            .last()
            .map_or(node.name.span.end, |e| e.span.end);
        let mut props = String::from(" ephemeral=#true");
        if let Some(ttl) = &template.ttl {
            props.push_str(&format!(" ttl={}", super::nodes::string(ttl)));
        }
        edits.push(Edit {
            start: after,
            end: after,
            text: props,
        });
    }
    let domain_target = match template {
        Some(_) => "{environment}".to_owned(),
        None => options.new.clone(),
    };
    let mut seen_services = BTreeSet::new();
    let mut has_shared = false;
    if let Some(children) = &node.children {
        for child in &children.nodes {
            match child.name.value.as_str() {
                "service" => {
                    let service = first_arg(child).unwrap_or_default().to_owned();
                    if options
                        .services
                        .as_ref()
                        .is_some_and(|keep| !keep.contains(&service))
                    {
                        edits.push(remove(text, child.span.start, child.span.end));
                        continue;
                    }
                    seen_services.insert(service.clone());
                    if let Some(grand) = &child.children {
                        for setting in &grand.nodes {
                            domain_edit(
                                text,
                                setting,
                                from,
                                &domain_target,
                                &service,
                                &mut edits,
                                &mut notes,
                            );
                            if template.is_some() && setting.name.value == "protect" {
                                edits.push(remove(text, setting.span.start, setting.span.end));
                            }
                        }
                    }
                    if let Some(vars) = options.vars.get(&service) {
                        add_vars(text, child, "vars", vars, &mut edits);
                    }
                }
                "shared-vars" => {
                    has_shared = true;
                    add_entries(text, child, &options.shared, &mut edits);
                }
                "domain" => domain_edit(
                    text,
                    child,
                    from,
                    &domain_target,
                    "every service",
                    &mut edits,
                    &mut notes,
                ),
                "protect" | "preview" if template.is_some() => {
                    edits.push(remove(text, child.span.start, child.span.end));
                }
                _ => {}
            }
        }
    }
    // What the block did not have: new `service "S"` blocks, `shared-vars`,
    // and the template's `preview` (first) and `protect #false`.
    let mut head = String::new();
    let mut tail = String::new();
    if let Some(template) = template {
        head.push_str("\npreview\n");
        if template.unprotect {
            head.push_str("protect #false\n");
        }
    }
    if !has_shared && !options.shared.is_empty() {
        tail.push_str(&lines_block("shared-vars", &options.shared));
    }
    for (service, vars) in &options.vars {
        if seen_services.contains(service) || vars.is_empty() {
            continue;
        }
        tail.push_str(&format!(
            "service {} {{\n{}}}\n",
            super::nodes::string(service),
            lines_block("vars", vars)
        ));
    }
    match &node.children {
        Some(children) => {
            if !head.is_empty() {
                edits.push(Edit {
                    start: children.span.start + 1,
                    end: children.span.start + 1,
                    text: head,
                });
            }
            if !tail.is_empty() {
                let end = children.span.end - 1;
                edits.push(Edit {
                    start: end,
                    end,
                    text: format!("{}{tail}", break_before(text, end)),
                });
            }
        }
        None if !head.is_empty() || !tail.is_empty() => edits.push(Edit {
            start: node.span.end,
            end: node.span.end,
            text: format!(" {{{head}\n{tail}}}"),
        }),
        None => {}
    }
    Block {
        text: apply(text, node.span.start, node.span.end, edits),
        notes,
    }
}

/// The bytes `start..end` removed, with the rest of their line when it is
/// blank.
fn remove(text: &str, start: usize, end: usize) -> Edit {
    let rest = &text[end..];
    let line_end = rest.find('\n').map_or(end, |i| end + i);
    let end = if text[end..line_end].trim().is_empty() {
        line_end
    } else {
        end
    };
    Edit {
        start,
        end,
        text: String::new(),
    }
}

/// A `domain "host"` node copied into the new environment: a pattern
/// stays, a label naming the source becomes `target`, any other fixed host
/// is left out.
fn domain_edit(
    text: &str,
    node: &Node,
    from: &str,
    target: &str,
    owner: &str,
    edits: &mut Vec<Edit>,
    notes: &mut Vec<String>,
) {
    if node.name.value != "domain" {
        return;
    }
    let Some(entry) = node.entries.iter().find(|e| e.name.is_none()) else {
        return;
    };
    let Some(host) = entry.value.as_str() else {
        return;
    };
    if host.contains("{environment}") {
        return;
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.contains(&from) {
        let renamed: Vec<&str> = labels
            .iter()
            .map(|l| if *l == from { target } else { l })
            .collect();
        edits.push(Edit {
            start: entry.value_span.start,
            end: entry.value_span.end,
            text: super::nodes::string(&renamed.join(".")),
        });
        return;
    }
    notes.push(format!(
        "the custom domain `{host}` of {} is left out: a custom domain is attached once in \
         all of Railway; the copy gets what the service and the layer declare (a \
         `{{environment}}` pattern, or Railway's generated domain)",
        if owner == "every service" {
            owner.to_owned()
        } else {
            format!("`{owner}`")
        }
    ));
    edits.push(remove(text, node.span.start, node.span.end));
}

/// `entries` added to the `child` block of `parent` (created when absent).
fn add_vars(
    text: &str,
    parent: &Node,
    child: &str,
    entries: &BTreeMap<String, String>,
    edits: &mut Vec<Edit>,
) {
    if entries.is_empty() {
        return;
    }
    let existing = parent
        .children
        .as_ref()
        .and_then(|c| c.nodes.iter().find(|n| n.name.value == child));
    match (existing, &parent.children) {
        (Some(node), _) => add_entries(text, node, entries, edits),
        (None, Some(children)) => {
            let end = children.span.end - 1;
            edits.push(Edit {
                start: end,
                end,
                text: format!("{}{}", break_before(text, end), lines_block(child, entries)),
            });
        }
        (None, None) => edits.push(Edit {
            start: parent.span.end,
            end: parent.span.end,
            text: format!(" {{\n{}}}", lines_block(child, entries)),
        }),
    }
}

/// `entries` added as lines at the end of `node`'s block.
fn add_entries(text: &str, node: &Node, entries: &BTreeMap<String, String>, edits: &mut Vec<Edit>) {
    if entries.is_empty() {
        return;
    }
    let lines: String = entries
        .iter()
        .map(|(name, value)| format!("{}\n", super::nodes::variable(name, value)))
        .collect();
    match &node.children {
        Some(children) => {
            let end = children.span.end - 1;
            edits.push(Edit {
                start: end,
                end,
                text: format!("{}{lines}", break_before(text, end)),
            });
        }
        None => edits.push(Edit {
            start: node.span.end,
            end: node.span.end,
            text: format!(" {{\n{lines}}}"),
        }),
    }
}

/// A newline to write before an insertion at `at` (a closing brace),
/// unless the last thing before it already ends a line: a node is ended by
/// a newline, and a blank line would stay in the formatted file.
fn break_before(text: &str, at: usize) -> &'static str {
    let before = text[..at].trim_end_matches([' ', '\t']);
    if before.ends_with('\n') { "" } else { "\n" }
}

/// `node { NAME value … }` and a newline.
fn lines_block(node: &str, entries: &BTreeMap<String, String>) -> String {
    super::nodes::vars_block(node, entries)
        .map(|block| format!("{block}\n"))
        .unwrap_or_default()
}

/// `text[start..end]` with `edits` (inside that range) made.
fn apply(text: &str, start: usize, end: usize, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|e| (e.start, e.end));
    let mut out = String::new();
    let mut at = start;
    for edit in edits {
        if edit.start < at || edit.end > end {
            continue;
        }
        out.push_str(&text[at..edit.start]);
        out.push_str(&edit.text);
        at = edit.end;
    }
    out.push_str(&text[at..end]);
    out
}

/// `file_text` with `block` inserted after the node spanning
/// `after_end` (a blank line and a comment saying where it came from
/// before it): every other byte of the file is kept.
pub fn insert_after(file_text: &str, after_end: usize, comment: &str, block: &str) -> String {
    let mut out = String::with_capacity(file_text.len() + block.len() + 64);
    // The rest of the source's last line (a trailing comment) stays with it.
    let line_end = file_text[after_end..]
        .find('\n')
        .map_or(file_text.len(), |i| after_end + i);
    out.push_str(&file_text[..line_end]);
    out.push_str("\n\n");
    for line in comment.lines() {
        out.push_str("// ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(block);
    out.push('\n');
    out.push_str(&file_text[line_end..]);
    out
}

/// The files of another project holding a copy of environment `from` of
/// `model`: `project "other"` (the source's workspace, region and plan),
/// each service (those of `services`, or all) with its effective settings
/// in `from` — through `plan::desired` and [`super::nodes::settings`], so
/// layers, templates and `std/*` modules are flattened into each block —
/// and `environment "new"` with the source's shared variables. `vars`: more
/// variables per service (read from Railway). Custom domains follow the
/// rule of [`environment_block`] (the source's name as a label renamed,
/// any other fixed host left out).
pub fn project_text(
    model: &crate::model::Project,
    from: &str,
    new: &str,
    other: &str,
    services: Option<&BTreeSet<String>>,
    vars: &BTreeMap<String, BTreeMap<String, String>>,
) -> Block {
    use super::nodes::{self, Input, string};
    use serde_json::Value;
    let mut notes = Vec::new();
    let mut out = format!(
        "// `{other}`: the services of `{}` as environment `{from}` has them, copied by `mirage clone`.\n\n",
        model.name.as_ref().map_or("", |n| n.value.as_str())
    );
    out.push_str(&format!("project {} {{\n", string(other)));
    if let Some(workspace) = &model.workspace {
        out.push_str(&format!("workspace {}\n", string(&workspace.value)));
    }
    if let Some(region) = &model.region {
        out.push_str(&format!("region {}\n", string(&region.value)));
    }
    if let Some(plan) = &model.plan {
        out.push_str(&format!("plan {}\n", string(plan.value.as_str())));
    }
    out.push_str("}\n\n");
    let Some(environment) = model.environment(from) else {
        return Block { text: out, notes };
    };
    let region = model.region.as_ref().map(|r| r.value.as_str());
    for instance in &environment.services {
        if services.is_some_and(|keep| !keep.contains(&instance.name)) {
            continue;
        }
        let desired = crate::plan::desired::desired(instance);
        let (mut config, volumes) = nodes::model_config(instance);
        // A custom domain is attached once in all of Railway: the source's
        // name as a label becomes the copy's; any other host is left out.
        if let Some(Value::Object(domains)) = config.pointer_mut("/networking/customDomains") {
            let hosts: Vec<String> = domains.keys().cloned().collect();
            for host in hosts {
                let Some(target) = domains.remove(&host) else {
                    continue;
                };
                let labels: Vec<&str> = host.split('.').collect();
                if labels.contains(&from) {
                    let renamed: Vec<&str> = labels
                        .iter()
                        .map(|l| if *l == from { new } else { l })
                        .collect();
                    domains.insert(renamed.join("."), target);
                } else {
                    notes.push(format!(
                        "the custom domain `{host}` of `{}` is left out: a custom domain is attached once in all of Railway",
                        instance.name
                    ));
                }
            }
        }
        let written = nodes::settings(Input {
            service: &config,
            volumes: volumes.as_ref(),
            project_region: region,
        });
        for unmapped in &written.unmapped {
            notes.push(format!(
                "`{}`: `{}` is not copied: {}",
                instance.name, unmapped.path, unmapped.why
            ));
        }
        out.push_str(&format!("service {} {{\n", string(&instance.name)));
        for line in &written.lines {
            out.push_str(&line.text);
            out.push('\n');
        }
        if let Some(port) = &instance.port {
            out.push_str(&format!("port {}\n", port.value));
        }
        if let Some((username, password)) = &desired.registry_credentials {
            out.push_str(&format!(
                "registry-credentials username={} password=(secret){}\n",
                string(username),
                string(&password.to_string())
            ));
        }
        // `port N` gives the service `PORT` itself.
        let port_var = instance.port.as_ref().map(|p| p.value.to_string());
        let mut entries: BTreeMap<String, String> = instance
            .variables
            .iter()
            .filter(|(name, value)| {
                !(name.as_str() == "PORT"
                    && port_var.is_some()
                    && value.value.display() == port_var.as_deref().unwrap_or_default())
            })
            .map(|(name, value)| (name.clone(), value_text(&value.value)))
            .collect();
        if let Some(extra) = vars.get(&instance.name) {
            entries.extend(extra.clone());
        }
        out.push_str(&lines_block("vars", &entries));
        if let Some(depends) = &instance.depends_on {
            let kept: Vec<String> = depends
                .value
                .iter()
                .filter(|d| services.is_none_or(|keep| keep.contains(*d)))
                .map(|d| string(d))
                .collect();
            if !kept.is_empty() {
                out.push_str(&format!("depends-on {}\n", kept.join(" ")));
            }
        }
        out.push_str("}\n\n");
    }
    let shared: BTreeMap<String, String> = environment
        .shared_variables
        .iter()
        .map(|(name, value)| (name.clone(), value_text(&value.value)))
        .collect();
    out.push_str(&format!("environment {}", string(new)));
    if shared.is_empty() {
        out.push('\n');
    } else {
        out.push_str(&format!(" {{\n{}}}\n", lines_block("shared-vars", &shared)));
    }
    Block { text: out, notes }
}

/// A model variable as KDL value text: strings quoted, secrets as their
/// reference, generators as `(generate)"secret(N)"`.
fn value_text(value: &crate::model::VarValue) -> String {
    use crate::model::VarValue;
    match value {
        VarValue::Plain(s) | VarValue::Reference(s, _) => super::nodes::string(s),
        VarValue::Secret(reference) => {
            format!("(secret){}", super::nodes::string(&reference.to_string()))
        }
        VarValue::Generated(generator) => {
            format!(
                "(generate){}",
                super::nodes::string(&generator.expression())
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(source: &str, from: &str, options: &Options) -> Block {
        let (document, errors) = crate::syntax::parse_tree(source);
        assert!(errors.is_empty(), "{errors:?}");
        let node = find_environment(&document, from).expect("the environment");
        environment_block(source, node, from, options)
    }

    #[test]
    fn copies_the_block_with_comments_and_renames_domains() {
        let source = "environment \"staging\" layer=\"dev\" {\n    // keep me\n    service \"api\" {\n        replicas 2\n        domain \"api.staging.example.com\"\n        domain \"fixed.example.com\"\n    }\n}\n";
        let options = Options {
            new: "qa".into(),
            ..Options::default()
        };
        let copied = block(source, "staging", &options);
        assert!(copied.text.starts_with("environment \"qa\" layer=\"dev\""));
        assert!(copied.text.contains("// keep me"));
        assert!(copied.text.contains("\"api.qa.example.com\""));
        assert!(!copied.text.contains("fixed.example.com"));
        assert_eq!(copied.notes.len(), 1);
    }

    #[test]
    fn adds_variables_and_filters_services() {
        let source = "environment \"staging\" layer=\"dev\" {\n    service \"api\" {\n        vars {\n            A \"1\"\n        }\n    }\n    service \"web\" {\n        replicas 2\n    }\n}\n";
        let mut vars = BTreeMap::new();
        vars.insert(
            "api".to_owned(),
            BTreeMap::from([("B".to_owned(), "\"2\"".to_owned())]),
        );
        vars.insert(
            "db".to_owned(),
            BTreeMap::from([("C".to_owned(), "\"3\"".to_owned())]),
        );
        let options = Options {
            new: "qa".into(),
            services: Some(BTreeSet::from(["api".to_owned(), "db".to_owned()])),
            vars,
            ..Options::default()
        };
        let copied = block(source, "staging", &options);
        let formatted = crate::syntax::format(&copied.text).expect("parses");
        assert!(!formatted.contains("web"), "{formatted}");
        assert!(
            formatted.contains("A \"1\"\n            B \"2\""),
            "{formatted}"
        );
        assert!(formatted.contains("service \"db\" {\n        vars {\n            C \"3\""));
    }

    #[test]
    fn a_bare_environment_becomes_a_template() {
        let source = "environment \"staging\" layer=\"dev\"\n";
        let options = Options {
            new: "tpl".into(),
            template: Some(Template {
                ttl: Some("72h".into()),
                unprotect: true,
            }),
            ..Options::default()
        };
        let copied = block(source, "staging", &options);
        let formatted = crate::syntax::format(&copied.text).expect("parses");
        assert_eq!(
            formatted,
            "environment \"tpl\" layer=\"dev\" ephemeral=#true ttl=\"72h\" {\n    preview\n    protect #false\n}\n"
        );
    }
}
