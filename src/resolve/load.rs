//! Finding and reading source texts: the project's files, `import "./…"`
//! files (read from disk when not given in memory) and `import "std/…"`
//! files shipped in the binary. Detects missing imports and import loops,
//! and refuses imports that leave the project directory or do not name a
//! `.mirage` file (what is read from disk, and how, is [`super::read`]).

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::read::{self, ReadError};
use super::stdlib;
use crate::diagnostic::{Diagnostic, FileId, SourceFile, SourceFiles, Span};
use crate::syntax::{self, Document, SyntaxError, Value};

/// A text to analyse, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The file's text.
    Text(PathBuf, String),
    /// The file exists but is not UTF-8; `valid_up_to` is the first bad byte.
    NotUtf8(PathBuf, String, usize),
    /// The file could not be read, or was refused.
    Unreadable(PathBuf, ReadError),
}

impl Input {
    /// The path of the file.
    pub fn path(&self) -> &Path {
        match self {
            Input::Text(p, _) | Input::NotUtf8(p, _, _) | Input::Unreadable(p, _) => p,
        }
    }

    /// Why there is no text to analyse, as a diagnostic on the file `id`
    /// (which should hold [`Input::shown_text`]); `None` for a text.
    pub fn problem(&self, id: FileId) -> Option<Diagnostic> {
        match self {
            Input::Text(..) => None,
            Input::NotUtf8(path, _, at) => Some(
                Diagnostic::error(
                    "mirage::resolve::not_utf8",
                    id,
                    Span::new(*at, at + 1),
                    format!("`{}` is not valid UTF-8", path.display()),
                )
                .with_help("save the file as UTF-8"),
            ),
            Input::Unreadable(path, error) => Some(
                Diagnostic::error(error.code(), id, Span::at(0), error.message(path))
                    .with_help(error.help()),
            ),
        }
    }

    /// The text to keep for the file: the text, a lossy one that shows
    /// where the bad bytes are, or nothing for a file that could not be
    /// read (whatever it holds is never shown).
    pub fn shown_text(&self) -> &str {
        match self {
            Input::Text(_, t) | Input::NotUtf8(_, t, _) => t,
            Input::Unreadable(..) => "",
        }
    }
}

/// Every parsed file of the project, with its import edges.
pub struct Loaded {
    /// The texts.
    pub files: SourceFiles,
    /// The parsed tree of each file, indexed by `FileId`.
    pub documents: Vec<Arc<Document>>,
    /// Whether each file is a standard-library file.
    pub is_std: Vec<bool>,
    /// Diagnostics so far (syntax, IO, imports).
    pub diagnostics: Vec<Diagnostic>,
}

/// Read a file a person named (a command-line argument): a regular file
/// within the size limit, wherever it is.
pub fn read_input(path: PathBuf) -> Input {
    let result = read::read_source(&path);
    decode(path, result)
}

/// Read one of the project's files: as [`read_input`], and only if it lies
/// inside `root` once symbolic links are resolved.
pub fn read_project_input(root: &Path, path: PathBuf) -> Input {
    let result = read::read_source_in(root, &path);
    decode(path, result)
}

/// How far into a file to look for a NUL byte (git's rule for "binary").
const BINARY_SNIFF: usize = 8000;

fn decode(path: PathBuf, result: Result<Vec<u8>, ReadError>) -> Input {
    let bytes = match result {
        Ok(bytes) => bytes,
        Err(e) => return Input::Unreadable(path, e),
    };
    if bytes[..bytes.len().min(BINARY_SNIFF)].contains(&0) {
        // Not shown at all: a snippet of a binary is noise at best.
        return Input::Unreadable(path, ReadError::Binary);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Input::Text(path, text),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            Input::NotUtf8(path, text, valid)
        }
    }
}

/// Lexically normalise `a/./b/../c` → `a/c` (no filesystem access, so that
/// in-memory buffers and files not yet saved work the same).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // `/..` is `/`.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                // Leading `..`s accumulate: `../..` is not `` (popping a
                // `..` would let `../../../etc` look like `etc`).
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Parsed trees of files by path, kept from one analysis to the next so
/// that re-analysing after one file changed parses only that file (the
/// language server keeps one per project).
#[derive(Debug, Default)]
pub struct ParseCache {
    files: HashMap<PathBuf, CachedParse>,
}

#[derive(Debug)]
struct CachedParse {
    text: Arc<str>,
    document: Arc<Document>,
    errors: Vec<SyntaxError>,
}

impl ParseCache {
    /// The tree and syntax errors of `text`, parsed now unless `path` was
    /// last parsed with the same text.
    fn parse(&mut self, path: &Path, text: &Arc<str>) -> (Arc<Document>, Vec<SyntaxError>) {
        if let Some(c) = self.files.get(path)
            && (Arc::ptr_eq(&c.text, text) || *c.text == **text)
        {
            return (c.document.clone(), c.errors.clone());
        }
        // The old tree goes before the new one is built (a large file's
        // two trees at once were the peak of an editor's re-analysis).
        self.files.remove(path);
        let (document, errors) = syntax::parse_tree(text);
        let document = Arc::new(document);
        self.files.insert(
            path.to_path_buf(),
            CachedParse {
                text: text.clone(),
                document: document.clone(),
                errors: errors.clone(),
            },
        );
        (document, errors)
    }

    /// Whether the tree of `path` in the cache was parsed from `text` (the
    /// next analysis will reuse it).
    pub fn holds(&self, path: &Path, text: &str) -> bool {
        self.files
            .get(&normalize(path))
            .is_some_and(|c| *c.text == *text)
    }

    /// Forget every file not in `keep`.
    fn retain(&mut self, keep: &HashSet<PathBuf>) {
        self.files.retain(|p, _| keep.contains(p));
    }
}

const IMPORT_HELP: &str = "import paths are relative to the importing file and stay inside the project directory, e.g. `import \"./lib/common.mirage\"`; the standard library is `std/<name>`";

struct Loader<'c> {
    loaded: Loaded,
    /// The project directory, as given (imports from disk are read only
    /// inside it).
    root: PathBuf,
    /// The same, absolute and normalised, for the lexical check of imports.
    root_abs: PathBuf,
    cache: &'c mut ParseCache,
    by_path: HashMap<PathBuf, FileId>,
    /// In-memory texts not yet added (imports look here before the disk).
    pending: HashMap<PathBuf, Input>,
    /// Import edges: (from, to, span of the import string in `from`).
    edges: Vec<(FileId, FileId, Span)>,
}

/// Parse the project inputs and follow their imports, reusing the trees in
/// `cache` of files whose text has not changed (and leaving there the trees
/// of this load's files). Imports must stay inside `root`, the project
/// directory.
pub fn load(root: &Path, inputs: Vec<Input>, cache: &mut ParseCache) -> Loaded {
    let mut loader = Loader {
        cache,
        root: root.to_path_buf(),
        root_abs: read::lexical_absolute(root),
        loaded: Loaded {
            files: SourceFiles::new(),
            documents: Vec::new(),
            is_std: Vec::new(),
            diagnostics: Vec::new(),
        },
        by_path: HashMap::new(),
        pending: HashMap::new(),
        edges: Vec::new(),
    };
    let mut roots = Vec::new();
    for input in inputs {
        let path = normalize(input.path());
        roots.push(path.clone());
        loader.pending.insert(path, input);
    }
    let mut queue: Vec<FileId> = Vec::new();
    for path in roots {
        if let Some(input) = loader.pending.remove(&path) {
            queue.push(loader.add(input, false));
        }
    }
    while let Some(id) = queue.pop() {
        queue.extend(loader.follow_imports(id));
    }
    loader.check_cycles();
    let keep: HashSet<PathBuf> = loader.by_path.keys().cloned().collect();
    loader.cache.retain(&keep);
    loader.loaded
}

impl Loader<'_> {
    fn add(&mut self, input: Input, is_std: bool) -> FileId {
        let id = FileId(self.loaded.files.len() as u32);
        if let Some(problem) = input.problem(id) {
            let added = self.push_file(
                input.path().to_path_buf(),
                input.shown_text().into(),
                is_std,
            );
            debug_assert_eq!(added, id);
            self.loaded.diagnostics.push(problem);
            // Parse nothing: a lossy text would give misleading errors.
            return id;
        }
        let (path, text) = match input {
            Input::Text(p, t) => (p, t),
            // `problem` is `Some` for every other kind.
            other => (other.path().to_path_buf(), String::new()),
        };
        let id = self.push_file(path.clone(), text, is_std);
        let text = self.loaded.files.get(id).text.clone();
        let (document, errors) = self.cache.parse(&normalize(&path), &text);
        self.loaded
            .diagnostics
            .extend(errors.into_iter().map(|e| e.into_diagnostic(id)));
        self.loaded.documents[id.0 as usize] = document;
        id
    }

    fn push_file(&mut self, path: PathBuf, text: String, is_std: bool) -> FileId {
        let id = self.loaded.files.add(SourceFile::new(path.clone(), text));
        self.loaded.documents.push(Arc::default());
        self.loaded.is_std.push(is_std);
        self.by_path.insert(normalize(&path), id);
        id
    }

    /// Load the files `id` imports; returns the newly added ones.
    fn follow_imports(&mut self, id: FileId) -> Vec<FileId> {
        let mut new = Vec::new();
        let imports: Vec<(String, Span, Span)> = self.loaded.documents[id.0 as usize]
            .nodes
            .iter()
            .filter(|n| n.name.value == "import")
            .filter_map(|n| {
                let e = n.first_arg()?;
                match &e.value {
                    Value::String(s) => Some((s.to_string(), e.value_span, n.span)),
                    _ => None,
                }
            })
            .collect();
        let dir = self
            .loaded
            .files
            .get(id)
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        for (target, span, _) in imports {
            if let Some(name) = target.strip_prefix("std/") {
                let name = name.strip_suffix(".mirage").unwrap_or(name);
                let path = PathBuf::from(format!("std/{name}.mirage"));
                if let Some(&existing) = self.by_path.get(&path) {
                    self.edges.push((id, existing, span));
                    continue;
                }
                match stdlib::source(name) {
                    Some(text) => {
                        let to = self.add(Input::Text(path, text.to_string()), true);
                        self.edges.push((id, to, span));
                        new.push(to);
                    }
                    None => {
                        let help = match super::suggest::suggest(name, stdlib::names()) {
                            Some(s) => format!("did you mean `std/{s}`?"),
                            None => format!(
                                "the standard library has {}",
                                stdlib::names()
                                    .map(|n| format!("`std/{n}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        };
                        self.loaded.diagnostics.push(
                            Diagnostic::error(
                                "mirage::resolve::unknown_stdlib_module",
                                id,
                                span,
                                format!("no module `{target}` in the standard library"),
                            )
                            .with_help(help),
                        );
                    }
                }
                continue;
            }
            let path = normalize(&dir.join(&target));
            if let Some(refusal) = self.refuse_import(id, span, &target, &path) {
                self.loaded.diagnostics.push(refusal);
                continue;
            }
            if let Some(&existing) = self.by_path.get(&path) {
                self.edges.push((id, existing, span));
                continue;
            }
            let input = match self.pending.remove(&path) {
                Some(input) => input,
                None => read_project_input(&self.root, path.clone()),
            };
            match &input {
                Input::Unreadable(_, ReadError::NotFound(reason)) => {
                    self.loaded.diagnostics.push(
                        Diagnostic::error(
                            "mirage::resolve::missing_import",
                            id,
                            span,
                            format!("cannot import `{target}`: {reason}"),
                        )
                        .with_label(format!("looked for `{}`", path.display()))
                        .with_help(IMPORT_HELP),
                    );
                    continue;
                }
                Input::Unreadable(_, error) => {
                    // Located at the import: the file itself has no text
                    // worth showing (and may be a device or a secret).
                    self.loaded.diagnostics.push(
                        Diagnostic::error(
                            error.code(),
                            id,
                            span,
                            format!("cannot import `{target}`: {}", error.message(&path)),
                        )
                        .with_label(format!("looked for `{}`", path.display()))
                        .with_help(error.help()),
                    );
                    continue;
                }
                _ => {}
            }
            let to = self.add(input, false);
            self.edges.push((id, to, span));
            new.push(to);
        }
        new
    }

    /// Why `import "target"` (resolved to `path`) in file `from` may not be
    /// followed, before anything is read: an absolute path, a path leaving
    /// the project directory, or a file that is not `.mirage`.
    fn refuse_import(
        &self,
        from: FileId,
        span: Span,
        target: &str,
        path: &Path,
    ) -> Option<Diagnostic> {
        let outside = |reason: &str, label: String| {
            Diagnostic::error(
                "mirage::resolve::outside_project",
                from,
                span,
                format!("cannot import `{target}`: {reason}"),
            )
            .with_label(label)
            .with_help("copy the file into the project directory and import it with a relative path such as `./lib/common.mirage`, or import a standard module (`std/<name>`)")
        };
        let written = Path::new(target);
        if written.has_root() || written.is_absolute() {
            return Some(outside(
                "imports are relative to the importing file",
                "an absolute path".to_string(),
            ));
        }
        if !read::lexical_absolute(path).starts_with(&self.root_abs) {
            return Some(outside(
                "it is outside the project directory",
                "leaves the project directory".to_string(),
            ));
        }
        if written.extension().is_none_or(|x| x != "mirage") {
            return Some(
                Diagnostic::error(
                    "mirage::resolve::not_a_mirage_file",
                    from,
                    span,
                    format!("cannot import `{target}`: only `.mirage` files can be imported"),
                )
                .with_label("not a `.mirage` file")
                .with_help(IMPORT_HELP),
            );
        }
        None
    }

    /// Report every import loop once, with each edge labelled.
    fn check_cycles(&mut self) {
        use petgraph::graph::DiGraph;
        let n = self.loaded.files.len();
        let mut graph: DiGraph<(), (Span, FileId)> = DiGraph::new();
        let nodes: Vec<_> = (0..n).map(|_| graph.add_node(())).collect();
        for (from, to, span) in &self.edges {
            graph.add_edge(nodes[from.0 as usize], nodes[to.0 as usize], (*span, *from));
        }
        for scc in petgraph::algo::tarjan_scc(&graph) {
            let single_self = scc.len() == 1 && graph.find_edge(scc[0], scc[0]).is_some();
            if scc.len() < 2 && !single_self {
                continue;
            }
            let cycle = super::graph::cycle_in(&graph, &scc);
            let mut labels = cycle.iter().map(|&e| {
                let (span, from) = graph[e];
                let (_, to) = graph.edge_endpoints(e).unwrap_or((nodes[0], nodes[0]));
                let to_path = self
                    .loaded
                    .files
                    .get(FileId(to.index() as u32))
                    .path
                    .display()
                    .to_string();
                (from, span, format!("imports `{to_path}`"))
            });
            let Some((file, span, label)) = labels.next() else {
                continue;
            };
            let mut d = Diagnostic::error("mirage::resolve::import_cycle", file, span, "import loop")
                .with_label(label)
                .with_help("remove one of these imports; files in the project directory are loaded without importing them");
            for (f, s, l) in labels {
                d = d.with_related(f, s, l);
            }
            self.loaded.diagnostics.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_keeps_every_leading_parent() {
        let n = |p: &str| normalize(Path::new(p));
        assert_eq!(n("a/./b/../c"), Path::new("a/c"));
        assert_eq!(n("./../../../etc/passwd"), Path::new("../../../etc/passwd"));
        assert_eq!(n("../../x"), Path::new("../../x"));
        assert_eq!(n("a/../../x"), Path::new("../x"));
        assert_eq!(n("/../etc"), Path::new("/etc"));
    }
}
