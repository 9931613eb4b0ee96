//! One pass over the repository collecting the files discovery reads,
//! skipping `.git`, `node_modules` and everything git would ignore.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use ignore::WalkBuilder;

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
            | ".env.example"
            | ".env.sample"
            | ".env.template"
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
///
/// The `ignore` crate applies git's rules: every `.gitignore` from the root
/// down (negations, directory-only and anchored patterns, deeper files
/// overriding shallower ones), `.git/info/exclude` when the root is a
/// repository, and the user's global excludes file (`core.excludesFile`,
/// else `$XDG_CONFIG_HOME/git/ignore`). Ignore files above the root are not
/// read, so a sub-directory is discovered as if it were the repository.
pub fn walk(root: &Path) -> std::io::Result<Tree> {
    // An unreadable root is an error; an unreadable sub-directory is skipped.
    fs::read_dir(root)?;
    let mut tree = Tree::default();
    let walker = WalkBuilder::new(root)
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|entry| {
            entry.depth() == 0
                || !entry.file_type().is_some_and(|t| t.is_dir())
                || !entry
                    .file_name()
                    .to_str()
                    .is_some_and(|name| ALWAYS_SKIPPED.contains(&name))
        })
        .build();
    for entry in walker.flatten() {
        let Some(kind) = entry.file_type() else {
            continue;
        };
        if !(kind.is_file() || kind.is_symlink()) {
            continue;
        }
        let Some(name) = entry.file_name().to_str() else {
            continue;
        };
        if !is_interesting(name) {
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(root) else {
            continue;
        };
        let Some(dir) = relative.parent().and_then(Path::to_str) else {
            continue;
        };
        let dir = if std::path::MAIN_SEPARATOR == '/' {
            dir.to_string()
        } else {
            dir.replace(std::path::MAIN_SEPARATOR, "/")
        };
        tree.dirs.entry(dir).or_default().push(name.to_string());
    }
    for names in tree.dirs.values_mut() {
        names.sort();
    }
    Ok(tree)
}
