//! Completion by context: node names valid in the enclosing block, a node's
//! properties, enum values, declared names where a reference is expected,
//! `${{svc.VAR}}` services and their variables, and `std/…` modules.

use std::collections::BTreeSet;

use super::context::Path;
use super::index::{Index, Kind};
use super::schema::{self, Arg, Scope};
use crate::diagnostic::{FileId, Span};
use crate::resolve::{Analysis, RAILWAY_PROVIDED, regions, stdlib};

/// What a completion item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// A node name.
    Node,
    /// A property key (`timeout=`).
    Property,
    /// A fixed value (a builder, a region, `#true`).
    Value,
    /// A declared name (template, service, layer, environment).
    Name(Kind),
    /// A variable.
    Variable,
    /// A `std/…` module.
    Module,
}

/// One completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// What the list shows.
    pub label: String,
    /// What it is.
    pub kind: ItemKind,
    /// A short note shown beside it.
    pub detail: Option<String>,
    /// Markdown documentation.
    pub doc: Option<String>,
    /// The text that replaces `replace`.
    pub insert: String,
    /// The bytes the completion replaces (the partly typed word).
    pub replace: Span,
}

/// Completions at byte `offset` of `file`, whose current text is `text`
/// (the text `analysis` and `index` were built from). Variables come from
/// `names` too: the last analysis in which every file parsed (a half-typed
/// file lacks what its broken part declared), or `analysis` itself.
pub fn complete(
    analysis: &Analysis,
    names: &Analysis,
    index: &Index,
    file: FileId,
    text: &str,
    offset: usize,
) -> Vec<Completion> {
    let offset = floor_boundary(text, offset);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    let word_len = prefix.len()
        - prefix
            .trim_end_matches(|c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '/' | '#'))
            .len();
    let replace = Span::new(offset - word_len, offset);
    let Some(doc) = analysis.documents.get(file.0 as usize) else {
        return Vec::new();
    };
    let path = Path::find(doc, text, offset);
    let out = Out { replace };

    // Inside `${{…`: services, then a service's variables.
    if let Some(open) = prefix.rfind("${{")
        && !prefix[open..].contains("}}")
    {
        let body = prefix[open + 3..].trim_start();
        let replace = Span::new(offset - body.rsplit('.').next().map_or(0, str::len), offset);
        let out = Out { replace };
        return match body.split_once('.') {
            Some((svc, _)) => variables_of(&[analysis, names], index, svc, &out),
            None => {
                let mut items = Vec::new();
                for s in index.names(Kind::Service) {
                    items.push(out.item(s, ItemKind::Name(Kind::Service), Some("service"), None));
                }
                items.push(out.item("shared", ItemKind::Variable, Some("shared variables"), None));
                if let Some(svc) = path.service() {
                    items.extend(variables_of(&[analysis, names], index, svc, &out));
                } else {
                    items.extend(railway_vars(&out));
                }
                items
            }
        };
    }

    let node_name = prefix.trim_start().split([' ', '\t']).next().unwrap_or("");
    let node_name = node_name.trim_matches('"');
    let in_string = prefix.matches('"').count() % 2 == 1;
    if in_string {
        let before = &prefix[..prefix.rfind('"').unwrap_or(0)];
        let key = before
            .strip_suffix('=')
            .map(|b| b.rsplit([' ', '\t']).next().unwrap_or(""));
        let first_arg = key.is_none() && before.trim() == node_name;
        let scope = path.scope();
        let arg = match (key, node_name) {
            (Some("from"), _) => Arg::Template,
            (Some("extends"), "template") => Arg::Template,
            (Some("extends" | "layer"), _) => Arg::Layer,
            (Some("source"), "preview") => Arg::Environment,
            (Some(_), _) => Arg::Free,
            (None, "service") if scope == Scope::ProjectWide && first_arg => Arg::Service,
            (None, "service" | "template" | "layer" | "environment" | "project") => Arg::Free,
            (None, name) => schema::node(name, scope).map_or(Arg::Free, |n| n.arg),
        };
        return values(index, arg, &out);
    }

    let first_word = prefix.trim_start().len() == word_len;
    let scope = path.scope();
    if first_word {
        if scope == Scope::Map {
            return Vec::new();
        }
        return schema::nodes_in(scope)
            .map(|n| {
                out.item(
                    n.name,
                    ItemKind::Node,
                    Some(n.form),
                    Some(schema::markdown(n)),
                )
            })
            .collect();
    }
    // After a node's name: its properties and bare values.
    let Some(node) = schema::node(node_name, scope) else {
        return Vec::new();
    };
    let mut items: Vec<Completion> = node
        .props
        .iter()
        .map(|p| {
            let mut c = out.item(p.name, ItemKind::Property, None, Some(p.doc.to_string()));
            c.insert = format!("{}=", p.name);
            c
        })
        .collect();
    if let Arg::OneOf(values) = node.arg {
        items.extend(
            values
                .iter()
                .filter(|v| v.starts_with('#'))
                .map(|v| out.item(v, ItemKind::Value, None, None)),
        );
    }
    items
}

struct Out {
    replace: Span,
}

impl Out {
    fn item(
        &self,
        label: &str,
        kind: ItemKind,
        detail: Option<&str>,
        doc: Option<String>,
    ) -> Completion {
        Completion {
            label: label.to_string(),
            kind,
            detail: detail.map(str::to_string),
            doc,
            insert: label.to_string(),
            replace: self.replace,
        }
    }
}

fn values(index: &Index, arg: Arg, out: &Out) -> Vec<Completion> {
    let names = |kind: Kind| {
        index
            .names(kind)
            .into_iter()
            .map(|n| out.item(n, ItemKind::Name(kind), Some(kind.keyword()), None))
            .collect()
    };
    match arg {
        Arg::Free => Vec::new(),
        Arg::Template => names(Kind::Template),
        Arg::Service => names(Kind::Service),
        Arg::Layer => names(Kind::Layer),
        Arg::Environment => names(Kind::Environment),
        Arg::Import => stdlib::names()
            .map(|n| {
                let label = format!("std/{n}");
                out.item(&label, ItemKind::Module, Some("standard library"), None)
            })
            .collect(),
        Arg::OneOf(values) => values
            .iter()
            .filter(|v| !v.starts_with('#'))
            .map(|v| out.item(v, ItemKind::Value, None, None))
            .collect(),
        Arg::Region => regions::REGIONS
            .iter()
            .map(|(r, place)| out.item(r, ItemKind::Value, Some(place), None))
            .collect(),
    }
}

/// Variables of `service` in any environment of the `analyses`, then
/// those Railway provides.
fn variables_of(
    analyses: &[&Analysis],
    index: &Index,
    service: &str,
    out: &Out,
) -> Vec<Completion> {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for analysis in analyses {
        if service == "shared" {
            for env in &analysis.project.environments {
                names.extend(env.shared_variables.keys().map(String::as_str));
            }
            continue;
        }
        for env in &analysis.project.environments {
            if let Some(s) = env.service(service) {
                names.extend(s.variables.keys().map(String::as_str));
            }
        }
        // An analysis that kept no instances (`Keep::Names`).
        if let Some(known) = analysis.variable_names.get(service) {
            names.extend(known.iter().map(String::as_str));
        }
    }
    // Declared in the text but not in the model (no environment yet).
    for o in index.occurrences() {
        if o.def && o.kind == Kind::Variable && o.owner.as_deref() == Some(service) {
            names.insert(&o.name);
        }
    }
    let mut items: Vec<Completion> = names
        .into_iter()
        .filter(|n| !RAILWAY_PROVIDED.contains(n))
        .map(|n| out.item(n, ItemKind::Variable, Some(service), None))
        .collect();
    if service != "shared" {
        items.extend(railway_vars(out));
    }
    items
}

fn railway_vars(out: &Out) -> Vec<Completion> {
    RAILWAY_PROVIDED
        .iter()
        .map(|v| out.item(v, ItemKind::Variable, Some("provided by Railway"), None))
        .collect()
}

/// The largest char boundary at or before `offset`.
fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut o = offset.min(text.len());
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}
