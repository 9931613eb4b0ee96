//! Cargo workspaces: `[workspace] members` globs minus `exclude`, the root
//! package when there is one, and path dependencies (direct or through
//! `[workspace.dependencies]`) as internal dependencies.

use std::path::Path;

use super::glob::glob_match;
use super::node::join;
use super::reader::Reader;
use super::toml::{Document, Value, parse_toml};
use super::walk::Tree;
use super::{Build, Kind, Package};

struct Crate {
    name: String,
    dir: String,
    doc: Document,
}

/// Add the crates of the Cargo workspace (or single crate) at the root.
pub(super) fn discover_cargo(
    root: &Path,
    tree: &Tree,
    reader: &mut Reader,
    out: &mut Vec<Package>,
    tools: &mut Vec<String>,
) {
    if !tree.has("", "Cargo.toml") {
        return;
    }
    let Some((_, text)) = reader.read("Cargo.toml") else {
        return;
    };
    let root_doc = parse_toml(&text);
    tools.push("cargo".into());
    let list = |table: &str, key: &str| -> Vec<String> {
        match root_doc.get(table).and_then(|t| t.get(key)) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| {
                    v.as_str()
                        .map(|s| s.trim_start_matches("./").trim_end_matches('/').to_string())
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    let members = list("workspace", "members");
    let exclude = list("workspace", "exclude");
    let mut crates = Vec::new();
    if let Some(name) = package_name(&root_doc) {
        crates.push(Crate {
            name,
            dir: String::new(),
            doc: root_doc.clone(),
        });
    }
    let dirs: Vec<String> = tree
        .files(|n| n == "Cargo.toml")
        .map(|(d, _)| d.to_string())
        .filter(|d| !d.is_empty())
        .filter(|d| members.iter().any(|g| glob_match(g, d)))
        .filter(|d| {
            !exclude
                .iter()
                .any(|g| d == g || glob_match(g, d) || d.starts_with(&format!("{g}/")))
        })
        .collect();
    for dir in dirs {
        let Some((_, text)) = reader.read(&format!("{dir}/Cargo.toml")) else {
            continue;
        };
        let doc = parse_toml(&text);
        if let Some(name) = package_name(&doc) {
            crates.push(Crate { name, dir, doc });
        }
    }
    let workspace_paths = root_doc
        .get("workspace.dependencies")
        .cloned()
        .unwrap_or_default();
    for c in &crates {
        let mut deps = Vec::new();
        for table in ["dependencies", "dev-dependencies", "build-dependencies"] {
            for (name, path) in dependency_paths(&c.doc, table, &workspace_paths, &c.dir) {
                let target = crates
                    .iter()
                    .find(|t| t.dir == path)
                    .or_else(|| crates.iter().find(|t| t.name == name && path.is_empty()));
                if let Some(t) = target
                    && t.name != c.name
                    && !deps.contains(&t.name)
                {
                    deps.push(t.name.clone());
                }
            }
        }
        deps.sort();
        let has_bin = c.doc.keys().any(|k| k == "bin")
            || c.doc.get("").is_some_and(|t| t.contains_key("bin"))
            || root.join(&c.dir).join("src/main.rs").is_file()
            || root.join(&c.dir).join("src/bin").is_dir();
        out.push(Package {
            name: c.name.clone(),
            dir: c.dir.clone(),
            source: "cargo".into(),
            kind: if has_bin { Kind::App } else { Kind::Library },
            build: Build::Cargo,
            dependencies: deps,
        });
    }
}

fn package_name(doc: &Document) -> Option<String> {
    doc.get("package")?.get("name")?.as_str().map(String::from)
}

/// `(name, dir of the path dependency relative to the root)` for each
/// dependency in `table` that has a path; `workspace = true` looks the path
/// up in `[workspace.dependencies]`. `[[bin]]` tables are parsed as `bin`.
fn dependency_paths(
    doc: &Document,
    table: &str,
    workspace: &std::collections::BTreeMap<String, Value>,
    dir: &str,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut consider = |name: &str, fields: &std::collections::BTreeMap<String, Value>| {
        let dep_name = fields
            .get("package")
            .and_then(Value::as_str)
            .unwrap_or(name)
            .to_string();
        if let Some(path) = fields.get("path").and_then(Value::as_str) {
            out.push((dep_name, join(dir, path)));
        } else if fields.get("workspace") == Some(&Value::Other("true".into()))
            && let Some(Value::Table(ws)) = workspace.get(name)
            && let Some(path) = ws.get("path").and_then(Value::as_str)
        {
            out.push((dep_name, join("", path)));
        }
    };
    if let Some(entries) = doc.get(table) {
        for (name, value) in entries {
            if let Value::Table(fields) = value {
                consider(name, fields);
            }
        }
    }
    // `[dependencies.name]` tables and `name.workspace = true` keys.
    let prefix = format!("{table}.");
    for (key, fields) in doc.range(prefix.clone()..) {
        let Some(name) = key.strip_prefix(&prefix) else {
            break;
        };
        consider(name, fields);
    }
    out
}
