//! JavaScript workspaces: npm, Yarn (classic and Berry), pnpm, Bun, Lerna and
//! Rush, following turborepo's rules: the `packageManager` field wins over
//! lockfiles, `node_modules` is never searched, a `package.json` without
//! `name` is ignored, duplicate names are an error, and a dependency is
//! internal when its spec is `workspace:`, a `file:`/`link:` path to the
//! package, or a version range the package's version satisfies
//! (`peerDependencies` never count).

use std::collections::BTreeMap;

use serde_json::Value;

use super::glob::Globs;
use super::nx;
use super::reader::Reader;
use super::walk::Tree;
use super::yaml::parse_pnpm_workspace;
use super::{Build, Kind, Package};
use crate::diagnostic::{Diagnostic, FileId};

/// A `package.json` (or Nx `project.json`) in the workspace.
#[derive(Debug, Clone)]
pub(super) struct NodePackage {
    /// The name dependencies use (`name` in `package.json`).
    pub npm_name: Option<String>,
    /// The name shown: the Nx project name when there is one, else `npm_name`.
    pub name: String,
    pub dir: String,
    pub version: Option<String>,
    pub file: FileId,
    /// `(name, spec)` from dependencies, devDependencies, optionalDependencies.
    pub deps: Vec<(String, String)>,
    pub start: Option<String>,
    /// Nx `projectType`.
    pub project_type: Option<String>,
    /// Nx `implicitDependencies` (project names, `!name` removes).
    pub implicit: Vec<String>,
}

/// How internal dependencies are recognised, which differs by manager.
struct Rules {
    /// pnpm links a plain version range only with `link-workspace-packages`.
    ranges_link: bool,
    catalogs: BTreeMap<String, BTreeMap<String, String>>,
}

/// Find the JavaScript workspace at the root, if any, and add its packages.
pub(super) fn discover_node(
    tree: &Tree,
    reader: &mut Reader,
    out: &mut Vec<Package>,
    tools: &mut Vec<String>,
) {
    let root_manifest = if tree.has("", "package.json") {
        reader.json("package.json")
    } else {
        None
    };
    let root_json = root_manifest
        .as_ref()
        .map(|(_, v)| v.clone())
        .unwrap_or(Value::Null);
    let has_nx = tree.has("", "nx.json");
    let rush = tree.has("", "rush.json");
    if root_manifest.is_none() && !has_nx && !rush {
        return;
    }
    let manager = if rush {
        "rush".to_string()
    } else {
        detect_manager(tree, reader, &root_json)
    };
    let mut rules = Rules {
        ranges_link: manager != "pnpm",
        catalogs: BTreeMap::new(),
    };
    let mut globs: Vec<String> = Vec::new();
    // The file the globs come from, for diagnostics about them.
    let mut globs_file = "package.json";
    let mut packages: Vec<NodePackage> = Vec::new();
    if rush {
        tools.push("rush".into());
        packages = rush_projects(reader);
    } else {
        if manager == "pnpm" && tree.has("", "pnpm-workspace.yaml") {
            if let Some((id, text)) = reader.read("pnpm-workspace.yaml") {
                match parse_pnpm_workspace(&text) {
                    Ok(ws) => {
                        globs = ws.packages;
                        globs_file = "pnpm-workspace.yaml";
                        rules.catalogs = ws.catalogs;
                    }
                    Err(error) => reader.syntax_error(
                        id,
                        "pnpm-workspace.yaml",
                        "YAML",
                        error.offset,
                        &error.message,
                    ),
                }
            }
            if tree.has("", ".npmrc")
                && let Some((_, text)) = reader.read(".npmrc")
            {
                rules.ranges_link = text.lines().any(|l| {
                    let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
                    l == "link-workspace-packages=true" || l == "link-workspace-packages=deep"
                });
            }
        } else {
            globs = workspace_globs(&root_json);
        }
        if globs.is_empty()
            && tree.has("", "lerna.json")
            && let Some((_, lerna)) = reader.json("lerna.json")
        {
            tools.push("lerna".into());
            globs_file = "lerna.json";
            globs = string_list(&lerna["packages"]);
            if globs.is_empty() {
                globs = vec!["packages/*".into()];
            }
        }
        let workspace = !globs.is_empty();
        if workspace || root_manifest.is_some() {
            tools.push(manager.clone());
        }
        if workspace {
            let (exclude, include): (Vec<&String>, Vec<&String>) =
                globs.iter().partition(|g| g.starts_with('!'));
            // pnpm and npm glob `PATTERN/package.json`, so `packages/**`
            // includes a `packages/package.json`; do the same.
            let manifests = |globs: Vec<&String>| -> Vec<String> {
                globs
                    .iter()
                    .map(|g| {
                        format!(
                            "{}/package.json",
                            g.trim_start_matches('!').trim_end_matches('/')
                        )
                    })
                    .collect()
            };
            let (include, exclude) = (manifests(include), manifests(exclude));
            let (include, bad_include) = Globs::new(include.iter().map(String::as_str));
            let (exclude, bad_exclude) = Globs::new(exclude.iter().map(String::as_str));
            report_bad_globs(
                reader,
                globs_file,
                bad_include.into_iter().chain(bad_exclude).map(|mut bad| {
                    bad.pattern = bad.pattern.trim_end_matches("/package.json").to_string();
                    bad
                }),
            );
            let dirs: Vec<String> = tree
                .files(|n| n == "package.json")
                .map(|(d, _)| d.to_string())
                .filter(|d| !d.is_empty())
                .filter(|d| {
                    let manifest = format!("{d}/package.json");
                    include.is_match(&manifest) && !exclude.is_match(&manifest)
                })
                .collect();
            for dir in dirs {
                if let Some(p) = read_package(reader, &dir) {
                    packages.push(p);
                }
            }
        } else if !(has_nx && tree.files(|n| n == "project.json").next().is_some())
            && let Some(p) = read_package(reader, "")
        {
            // A single-package repository: the root is the service.
            packages.push(p);
        }
    }
    if tree.has("", "turbo.json") {
        tools.push("turborepo".into());
    }
    if has_nx {
        tools.push("nx".into());
        nx::apply_nx(tree, reader, &mut packages);
    }
    // A package without a name is not a workspace package (turborepo).
    packages.retain(|p| !p.name.is_empty());
    report_duplicates(reader, &packages);
    resolve(&packages, &rules, &manager, out);
}

/// A warning for each workspace pattern that is not a glob, at the pattern.
fn report_bad_globs(
    reader: &mut Reader,
    rel: &str,
    bad: impl Iterator<Item = super::glob::BadGlob>,
) {
    for glob in bad {
        let Some((id, _)) = reader.read(rel) else {
            continue;
        };
        let span = reader.find_span(id, &glob.pattern);
        reader.report(
            Diagnostic::warning(
                "mirage::discover::invalid_glob",
                id,
                span,
                format!("`{}` is not a glob: {}", glob.pattern, glob.message),
            )
            .with_help("discovery skips this pattern"),
        );
    }
}

/// turborepo's order: `packageManager`, then lockfiles, then workspace files.
fn detect_manager(tree: &Tree, reader: &mut Reader, root: &Value) -> String {
    if let Some(spec) = root["packageManager"].as_str() {
        let (name, version) = spec.split_once('@').unwrap_or((spec, ""));
        return match name {
            "yarn" if !version.starts_with('1') => "yarn-berry".into(),
            other => other.to_string(),
        };
    }
    let mut found = Vec::new();
    for (file, manager) in [
        ("package-lock.json", "npm"),
        ("pnpm-lock.yaml", "pnpm"),
        ("yarn.lock", "yarn"),
        ("bun.lock", "bun"),
        ("bun.lockb", "bun"),
    ] {
        if tree.has("", file) && !found.contains(&manager) {
            found.push(manager);
        }
    }
    if found.len() > 1
        && let Some((id, _)) = reader.read("package.json")
    {
        reader.report(
            Diagnostic::warning(
                "mirage::discover::several_lockfiles",
                id,
                crate::diagnostic::Span::at(0),
                format!(
                    "lockfiles of several package managers ({}); using `{}`",
                    found.join(", "),
                    found[0]
                ),
            )
            .with_help(
                "set `packageManager` in the root `package.json` or delete the stale lockfiles",
            ),
        );
    }
    match found.first() {
        Some(&"yarn") if tree.has("", ".yarnrc.yml") => "yarn-berry".into(),
        Some(m) => m.to_string(),
        None if tree.has("", "pnpm-workspace.yaml") => "pnpm".into(),
        None if tree.has("", ".yarnrc.yml") => "yarn-berry".into(),
        None => "npm".into(),
    }
}

/// `workspaces` as an array or as Yarn's `{ "packages": [...] }`.
fn workspace_globs(root: &Value) -> Vec<String> {
    match &root["workspaces"] {
        Value::Array(_) => string_list(&root["workspaces"]),
        Value::Object(o) => o.get("packages").map(string_list).unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn string_list(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Read one `package.json`; `None` when it is unreadable or malformed.
pub(super) fn read_package(reader: &mut Reader, dir: &str) -> Option<NodePackage> {
    let path = if dir.is_empty() {
        "package.json".to_string()
    } else {
        format!("{dir}/package.json")
    };
    let (file, json) = reader.json(&path)?;
    let npm_name = json["name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .map(String::from);
    let mut deps = Vec::new();
    for field in ["dependencies", "devDependencies", "optionalDependencies"] {
        if let Some(map) = json[field].as_object() {
            for (name, spec) in map {
                if let Some(spec) = spec.as_str() {
                    deps.push((name.clone(), spec.to_string()));
                }
            }
        }
    }
    Some(NodePackage {
        name: json["nx"]["name"]
            .as_str()
            .map(String::from)
            .or_else(|| npm_name.clone())
            .unwrap_or_default(),
        npm_name,
        dir: dir.to_string(),
        version: json["version"].as_str().map(String::from),
        file,
        deps,
        start: json["scripts"]["start"].as_str().map(String::from),
        project_type: None,
        implicit: string_list(&json["nx"]["implicitDependencies"]),
    })
}

/// `rush.json` (JSON with comments): `projects[].packageName` / `projectFolder`.
fn rush_projects(reader: &mut Reader) -> Vec<NodePackage> {
    let Some((_, rush)) = reader.json("rush.json") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for project in rush["projects"].as_array().into_iter().flatten() {
        let (Some(name), Some(folder)) = (
            project["packageName"].as_str(),
            project["projectFolder"].as_str(),
        ) else {
            continue;
        };
        let folder = folder.trim_start_matches("./").trim_end_matches('/');
        if let Some(mut p) = read_package(reader, folder) {
            // rush.json is the authority on the name.
            p.name = name.to_string();
            p.npm_name = Some(name.to_string());
            out.push(p);
        }
    }
    out
}

fn report_duplicates(reader: &mut Reader, packages: &[NodePackage]) {
    for (i, p) in packages.iter().enumerate() {
        if let Some(first) = packages[..i].iter().find(|q| q.name == p.name) {
            let span = reader.find_span(p.file, &format!("\"{}\"", p.name));
            let first_span = reader.find_span(first.file, &format!("\"{}\"", first.name));
            reader.report(
                Diagnostic::error(
                    "mirage::discover::duplicate_package",
                    p.file,
                    span,
                    format!("two workspace packages are called `{}`", p.name),
                )
                .with_related(first.file, first_span, "first defined here")
                .with_help("rename one of them; package names must be unique in a workspace"),
            );
        }
    }
}

/// Resolve internal dependencies and turn node packages into packages.
fn resolve(packages: &[NodePackage], rules: &Rules, manager: &str, out: &mut Vec<Package>) {
    let mut seen = std::collections::HashSet::new();
    for p in packages {
        if !seen.insert(p.name.clone()) {
            continue;
        }
        let mut deps: Vec<String> = Vec::new();
        for (name, spec) in &p.deps {
            if let Some(target) = internal_target(packages, p, name, spec, rules)
                && target.name != p.name
                && !deps.contains(&target.name)
            {
                deps.push(target.name.clone());
            }
        }
        for implicit in &p.implicit {
            match implicit.strip_prefix('!') {
                Some(removed) => deps.retain(|d| d != removed),
                None if packages.iter().any(|q| &q.name == implicit)
                    && !deps.contains(implicit) =>
                {
                    deps.push(implicit.clone())
                }
                None => {}
            }
        }
        deps.sort();
        let kind = match p.project_type.as_deref() {
            Some("application") => Kind::App,
            Some("library") => Kind::Library,
            _ if p.start.is_some() => Kind::App,
            _ => Kind::Library,
        };
        out.push(Package {
            name: p.name.clone(),
            dir: p.dir.clone(),
            source: manager.to_string(),
            kind,
            build: Build::Package {
                manager: manager.to_string(),
                start: p.start.clone(),
            },
            dependencies: deps,
        });
    }
}

fn internal_target<'a>(
    packages: &'a [NodePackage],
    from: &NodePackage,
    name: &str,
    spec: &str,
    rules: &Rules,
) -> Option<&'a NodePackage> {
    let target = packages
        .iter()
        .find(|q| q.npm_name.as_deref() == Some(name));
    if let Some(rest) = spec.strip_prefix("catalog:") {
        let catalog = if rest.is_empty() { "default" } else { rest };
        let resolved = rules.catalogs.get(catalog)?.get(name)?;
        if resolved.starts_with("catalog:") {
            return None;
        }
        return internal_target(packages, from, name, resolved, rules);
    }
    if let Some(range) = spec.strip_prefix("workspace:") {
        // `workspace:*`, `workspace:^`, `workspace:~`, `workspace:1.2.x` or a path.
        if range.starts_with('.') || range.starts_with('/') {
            let dir = join(&from.dir, range);
            return packages.iter().find(|q| q.dir == dir);
        }
        return target;
    }
    for protocol in ["file:", "link:", "portal:"] {
        if let Some(path) = spec.strip_prefix(protocol) {
            let dir = join(&from.dir, path);
            return packages.iter().find(|q| q.dir == dir);
        }
    }
    if spec.contains(':') || !rules.ranges_link {
        return None;
    }
    let target = target?;
    satisfies(spec, target.version.as_deref().unwrap_or("0.0.0")).then_some(target)
}

/// Whether `version` satisfies the npm range `range` by npm's rules (a
/// pre-release only satisfies a range that names a pre-release of the same
/// `major.minor.patch`). Unparseable ranges and versions satisfy nothing.
fn satisfies(range: &str, version: &str) -> bool {
    match (
        nodejs_semver::Range::parse(range),
        nodejs_semver::Version::parse(version),
    ) {
        (Ok(range), Ok(version)) => range.satisfies(&version),
        _ => false,
    }
}

/// `dir` joined with a relative path, normalised (`apps/web` + `../../libs/a` → `libs/a`).
pub(super) fn join(dir: &str, path: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The `package.json` in `dir`, if the tree has one.
pub(super) fn read_package_if_present(
    tree: &Tree,
    reader: &mut Reader,
    dir: &str,
) -> Option<NodePackage> {
    if tree.has(dir, "package.json") {
        read_package(reader, dir)
    } else {
        None
    }
}
