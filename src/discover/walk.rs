//! One pass over the repository collecting the files discovery reads,
//! skipping `.git`, `node_modules` and everything `.gitignore` excludes.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::ignore::{IgnoreFile, IgnoreStack};

/// The interesting files of a repository, by directory.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// Directory (relative, `/`-separated, `""` for the root) → the names
    /// of the manifest files and Dockerfiles it holds, sorted.
    pub dirs: BTreeMap<String, Vec<String>>,
}

impl Tree {
    /// Whether `dir` holds a file called `name`.
    pub fn has(&self, dir: &str, name: &str) -> bool {
        self.dirs
            .get(dir)
            .is_some_and(|names| names.iter().any(|n| n == name))
    }

    /// Every `(dir, name)` whose name satisfies `want`.
    pub fn files<'a>(
        &'a self,
        want: impl Fn(&str) -> bool + Copy + 'a,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.dirs.iter().flat_map(move |(d, names)| {
            names
                .iter()
                .filter(move |n| want(n))
                .map(move |n| (d.as_str(), n.as_str()))
        })
    }
}

/// Directories never worth entering, whatever `.gitignore` says.
/// `.devcontainer` holds the editor's environment, not a service. Other
/// dot-directories (`.docker/`, `.railway/`) are searched.
const ALWAYS_SKIPPED: &[&str] = &[
    ".git",
    "node_modules",
    ".hg",
    ".svn",
    ".yarn",
    ".pnpm-store",
    ".turbo",
    ".nx",
    ".devcontainer",
];

/// Files discovery reads.
fn is_interesting(name: &str) -> bool {
    matches!(
        name,
        "package.json"
            | "pnpm-workspace.yaml"
            | "pnpm-lock.yaml"
            | "package-lock.json"
            | "yarn.lock"
            | ".yarnrc.yml"
            | "bun.lock"
            | "bun.lockb"
            | "turbo.json"
            | "nx.json"
            | "project.json"
            | "lerna.json"
            | "rush.json"
            | "Cargo.toml"
            | "go.work"
            | "go.mod"
            | "main.go"
            | ".npmrc"
    ) || is_dockerfile(name)
}

/// `Dockerfile`, `Dockerfile.worker`, `api.Dockerfile` (any case).
pub fn is_dockerfile(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
        || lower == "containerfile"
}

/// Walk `root` and collect the interesting files.
pub fn walk(root: &Path) -> std::io::Result<Tree> {
    let mut tree = Tree::default();
    let mut stack = IgnoreStack::default();
    walk_dir(root, "", &mut stack, &mut tree, true)?;
    Ok(tree)
}

fn walk_dir(
    root: &Path,
    rel: &str,
    stack: &mut IgnoreStack,
    tree: &mut Tree,
    top: bool,
) -> std::io::Result<()> {
    let dir = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        // An unreadable subdirectory is skipped; an unreadable root is an error.
        Err(e) if top => return Err(e),
        Err(_) => return Ok(()),
    };
    let mut names = Vec::new();
    let mut subdirs = Vec::new();
    let mut pushed = false;
    if let Ok(text) = fs::read_to_string(dir.join(".gitignore")) {
        stack.push(IgnoreFile::parse(rel, &text));
        pushed = true;
    }
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if kind.is_dir() {
            if ALWAYS_SKIPPED.contains(&name.as_str()) || stack.is_ignored(&path, true) {
                continue;
            }
            subdirs.push(path);
        } else if (kind.is_file() || kind.is_symlink())
            && is_interesting(&name)
            && !stack.is_ignored(&path, false)
        {
            names.push(name);
        }
    }
    if !names.is_empty() {
        names.sort();
        tree.dirs.insert(rel.to_string(), names);
    }
    subdirs.sort();
    for sub in subdirs {
        walk_dir(root, &sub, stack, tree, false)?;
    }
    if pushed {
        stack.pop();
    }
    Ok(())
}
