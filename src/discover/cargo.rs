//! Cargo workspaces: `[workspace] members` globs minus `exclude`, the root
//! package when there is one, and path dependencies (direct or through
//! `[workspace.dependencies]`) as internal dependencies. Manifests are read
//! with `toml_edit`, the parser Cargo itself uses: every TOML spelling
//! (dotted and quoted keys, `[dependencies.x]` tables, inline tables,
//! multi-line and escaped strings, `[[bin]]` arrays) means what it means to
//! Cargo, and a manifest that does not parse is a located error.

use std::path::Path;

use toml_edit::{Document, Item};

use super::glob::Globs;
use super::node::join;
use super::reader::Reader;
use super::walk::Tree;
use super::{Build, Kind, Package};
use crate::diagnostic::FileId;

struct Crate {
    name: String,
    dir: String,
    doc: Document<String>,
}

/// Read and parse `rel`; a syntax error is reported and gives `None`.
fn manifest(reader: &mut Reader, rel: &str) -> Option<(FileId, Document<String>)> {
    let (id, text) = reader.read(rel)?;
    match Document::parse(text.to_string()) {
        Ok(doc) => Some((id, doc)),
        Err(error) => {
            let offset = error.span().map_or(0, |span| span.start);
            let message = error.message().trim_end().to_string();
            reader.syntax_error(id, rel, "TOML", offset, &message);
            None
        }
    }
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
    tools.push("cargo".into());
    let Some((root_id, root_doc)) = manifest(reader, "Cargo.toml") else {
        return;
    };
    let workspace = root_doc.as_item().get("workspace");
    let members = strings(workspace.and_then(|w| w.get("members")));
    let exclude = strings(workspace.and_then(|w| w.get("exclude")));
    let (member_globs, bad) = Globs::new(members.iter().map(String::as_str));
    for glob in bad {
        let span = reader.find_span(root_id, &glob.pattern);
        reader.report(
            crate::diagnostic::Diagnostic::warning(
                "mirage::discover::invalid_glob",
                root_id,
                span,
                format!("`{}` is not a glob: {}", glob.pattern, glob.message),
            )
            .with_help("discovery skips this pattern"),
        );
    }
    let (exclude_globs, _) = Globs::new(exclude.iter().map(String::as_str));
    let workspace_deps = workspace
        .and_then(|w| w.get("dependencies"))
        .cloned()
        .unwrap_or(Item::None);
    let mut crates = Vec::new();
    if let Some(name) = package_name(&root_doc) {
        crates.push(Crate {
            name,
            dir: String::new(),
            doc: root_doc,
        });
    }
    let dirs: Vec<String> = tree
        .files(|n| n == "Cargo.toml")
        .map(|(d, _)| d.to_string())
        .filter(|d| !d.is_empty())
        .filter(|d| member_globs.is_match(d))
        .filter(|d| {
            !exclude_globs.is_match(d)
                && !exclude
                    .iter()
                    .any(|g| d == g || d.starts_with(&format!("{g}/")))
        })
        .collect();
    for dir in dirs {
        let Some((_, doc)) = manifest(reader, &format!("{dir}/Cargo.toml")) else {
            continue;
        };
        if let Some(name) = package_name(&doc) {
            crates.push(Crate { name, dir, doc });
        }
    }
    for c in &crates {
        let mut deps = Vec::new();
        for table in ["dependencies", "dev-dependencies", "build-dependencies"] {
            let entries = c.doc.as_item().get(table);
            for (name, path) in dependency_paths(entries, &workspace_deps, &c.dir) {
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
        let has_bin = c.doc.as_item().get("bin").is_some()
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

/// The strings of an array item, `./` and trailing `/` removed.
fn strings(item: Option<&Item>) -> Vec<String> {
    item.and_then(Item::as_array)
        .map(|array| {
            array
                .iter()
                .filter_map(|v| v.as_str())
                .map(|s| s.trim_start_matches("./").trim_end_matches('/').to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn package_name(doc: &Document<String>) -> Option<String> {
    doc.as_item()
        .get("package")?
        .get("name")?
        .as_str()
        .map(String::from)
}

/// `(name, dir of the path dependency relative to the root)` for each
/// dependency of `entries` (a `[dependencies]`-like table, whatever its
/// spelling) that has a path; `workspace = true` looks the path up in
/// `[workspace.dependencies]`.
fn dependency_paths(entries: Option<&Item>, workspace: &Item, dir: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(entries) = entries.and_then(Item::as_table_like) else {
        return out;
    };
    for (name, fields) in entries.iter() {
        let dep_name = fields
            .get("package")
            .and_then(Item::as_str)
            .unwrap_or(name)
            .to_string();
        if let Some(path) = fields.get("path").and_then(Item::as_str) {
            out.push((dep_name, join(dir, path)));
        } else if fields.get("workspace").and_then(Item::as_bool) == Some(true)
            && let Some(inherited) = workspace.get(name)
            && let Some(path) = inherited.get("path").and_then(Item::as_str)
        {
            let dep_name = inherited
                .get("package")
                .and_then(Item::as_str)
                .unwrap_or(&dep_name)
                .to_string();
            out.push((dep_name, join("", path)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document<String> {
        Document::parse(text.to_string()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn every_spelling_of_a_path_dependency() {
        let root = doc(
            "[workspace]\nmembers = [\n  \"crates/*\", # c\n  'bins/cli',\n]\n[workspace.dependencies]\ncore = { path = \"crates/core\", version = \"0.1\" }\n\"my.util\" = { path = \"crates/util\" }\n",
        );
        assert_eq!(
            strings(
                root.as_item()
                    .get("workspace")
                    .and_then(|w| w.get("members"))
            ),
            ["crates/*", "bins/cli"]
        );
        let ws = root
            .as_item()
            .get("workspace")
            .and_then(|w| w.get("dependencies"))
            .cloned()
            .unwrap_or(Item::None);
        let app = doc(
            "[package]\nname = \"app\"\n[dependencies]\ncore.workspace = true\n\"my.util\".workspace = true\nhttp = { path = \"../http\" }\n[dependencies.log]\npath = \"../log\"\n",
        );
        let mut found = dependency_paths(app.as_item().get("dependencies"), &ws, "bins/app");
        found.sort();
        assert_eq!(
            found,
            [
                ("core".to_string(), "crates/core".to_string()),
                ("http".into(), "bins/http".into()),
                ("log".into(), "bins/log".into()),
                ("my.util".into(), "crates/util".into()),
            ]
        );
    }

    // What the hand-written reader got wrong (issue #13).
    #[test]
    fn strings_and_arrays_of_tables_mean_what_cargo_reads() {
        let d = doc(
            "[package]\nname = \"ser\\u0076er\"\ndescription = \"\"\"\n[dependencies]\nfake = { path = \"../fake\" }\n\"\"\"\n[[bin]]\nname = \"a\"\n[[bin]]\nname = \"b\"\n",
        );
        assert_eq!(package_name(&d).as_deref(), Some("server"));
        assert!(d.as_item().get("dependencies").is_none());
        let bins = d.as_item().get("bin").and_then(Item::as_array_of_tables);
        assert_eq!(bins.map(|b| b.len()), Some(2));
    }
}
