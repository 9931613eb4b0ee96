//! Open buffers, the projects they belong to, and each project's latest
//! analysis. A project is a directory; analysing it reads every `*.mirage`
//! file in it, taking open buffers over the disk and cached disk texts over
//! re-reading (the cache is refreshed by file-watch events).
//!
//! Files are read with the library's bounded reader, as the CLI reads them:
//! a FIFO, a device, a link leaving the project or a file over
//! [`MAX_SOURCE_BYTES`] is a diagnostic on that file, never a hang. An open
//! document over the limit is not analysed either: it gets the same
//! diagnostic.

use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, OnceLock};

use mirage::diagnostic::FileId;
use mirage::ide::{Index, index::IndexCache};
use mirage::resolve::{self, Analysis, Input, MAX_SOURCE_BYTES, ParseCache, ReadError};
use tower_lsp_server::ls_types::{Diagnostic, Uri};

use crate::convert::{self, Text};

/// One open buffer.
pub struct Buffer {
    /// The current text.
    pub text: String,
    /// The editor's version of it.
    pub version: i32,
}

/// An analysis with its name index.
pub struct Snapshot {
    /// The resolver's result.
    pub analysis: Analysis,
    /// Names in it.
    pub index: Index,
}

impl Snapshot {
    /// The id of `path` in this snapshot.
    pub fn file(&self, path: &Path) -> Option<FileId> {
        self.analysis.files.find(path)
    }

    /// Whether any file has a syntax error.
    fn parses(&self) -> bool {
        !self
            .analysis
            .diagnostics
            .iter()
            .any(|d| d.code.starts_with("mirage::syntax::"))
    }
}

/// One project directory.
#[derive(Default)]
pub struct Project {
    /// Files not open in the editor, as last read from disk (or why they
    /// could not be).
    disk: HashMap<PathBuf, Input>,
    /// The latest analysis.
    pub current: Option<Arc<Snapshot>>,
    /// The latest analysis in which every file parsed.
    pub good: Option<Arc<Snapshot>>,
    /// Files that were sent diagnostics, to clear them when they go away.
    published: HashSet<PathBuf>,
    /// Parsed trees of unchanged files, reused by the next analysis.
    parses: ParseCache,
    /// Names in unchanged files, reused by the next index.
    cache: IndexCache,
}

/// Everything the server knows.
#[derive(Default)]
pub struct Workspace {
    /// Open buffers by path.
    pub buffers: HashMap<PathBuf, Buffer>,
    /// Projects by directory.
    pub projects: HashMap<PathBuf, Project>,
}

/// Diagnostics to send for one file.
pub type Publish = Vec<(Uri, Vec<Diagnostic>, Option<i32>)>;

/// The project directory of a file.
pub fn project_dir(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

impl Workspace {
    /// Forget the disk text of `path` (changed or deleted there).
    pub fn invalidate(&mut self, path: &Path) {
        if let Some(p) = self.projects.get_mut(&project_dir(path)) {
            p.disk.remove(path);
        }
    }

    /// Whether the project of `dir` has been analysed.
    pub fn knows(&self, dir: &Path) -> bool {
        self.projects.contains_key(dir)
    }

    /// Re-analyse the project in `dir` and return what to publish.
    pub fn analyze(&mut self, dir: &Path) -> Publish {
        let project = self.projects.entry(dir.to_path_buf()).or_default();
        let mut paths = resolve::project_paths(dir).unwrap_or_default();
        for path in self.buffers.keys() {
            if project_dir(path) == dir && !paths.contains(path) {
                paths.push(path.clone());
            }
        }
        paths.sort();
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let input = match self.buffers.get(&path) {
                Some(b) if b.text.len() as u64 > MAX_SOURCE_BYTES => {
                    Input::Unreadable(path, ReadError::TooLarge(Some(b.text.len() as u64)))
                }
                Some(b) => Input::Text(path, b.text.clone()),
                None => project
                    .disk
                    .entry(path.clone())
                    .or_insert_with(|| resolve::read_project_input(dir, path))
                    .clone(),
            };
            files.push(input);
        }
        project
            .disk
            .retain(|p, _| files.iter().any(|f| f.path() == p));
        // The resolver promises never to panic; if it ever does, the server
        // keeps the previous analysis rather than dying with the editor.
        let (parses, cache) = (&mut project.parses, &mut project.cache);
        let result = catch_unwind(AssertUnwindSafe(|| {
            let analysis = resolve::analyze_inputs(dir, files, parses);
            let index = Index::with_cache(&analysis, cache);
            Snapshot { analysis, index }
        }));
        let Ok(snapshot) = result else {
            project.parses = ParseCache::default();
            project.cache = IndexCache::default();
            return Vec::new();
        };
        let snapshot = Arc::new(snapshot);
        if snapshot.parses() {
            drop_later(project.good.replace(snapshot.clone()));
        }
        drop_later(project.current.replace(snapshot.clone()));
        let publish = diagnostics(&snapshot, &project.published, &self.buffers);
        // Open buffers count as published: closing one always sends its
        // final list (empty when the file is gone).
        project.published = publish
            .iter()
            .filter_map(|(u, d, _)| {
                let path = convert::path_of(u)?;
                (!d.is_empty() || self.buffers.contains_key(&path)).then_some(path)
            })
            .collect();
        publish
    }

    /// The snapshot holding `path`, with its file id.
    pub fn snapshot(&self, path: &Path) -> Option<(Arc<Snapshot>, FileId)> {
        let snapshot = self.projects.get(&project_dir(path))?.current.clone()?;
        let file = snapshot.file(path)?;
        Some((snapshot, file))
    }

    /// The last snapshot in which every file parsed, else the current one.
    pub fn good(&self, path: &Path) -> Option<Arc<Snapshot>> {
        let p = self.projects.get(&project_dir(path))?;
        p.good.clone().or_else(|| p.current.clone())
    }
}

/// Drops `value` on a thread of its own. Freeing the previous analysis of a
/// 5,000-line project took about a sixth of each keystroke's time to
/// diagnostics; nothing waits for it.
fn drop_later<T: Send + 'static>(value: T) {
    type Garbage = Box<dyn Send>;
    static JANITOR: OnceLock<Option<Sender<Garbage>>> = OnceLock::new();
    let janitor = JANITOR.get_or_init(|| {
        let (tx, rx) = channel::<Garbage>();
        std::thread::Builder::new()
            .name("mirage-lsp-drop".into())
            .spawn(move || rx.into_iter().for_each(drop))
            .ok()
            .map(|_| tx)
    });
    if let Some(tx) = janitor {
        // If the thread is gone, the value comes back and is dropped here.
        let _ = tx.send(Box::new(value));
    }
}

/// Diagnostics of every file of `snapshot`, plus empty lists for files
/// that had some before.
fn diagnostics(
    snapshot: &Snapshot,
    before: &HashSet<PathBuf>,
    buffers: &HashMap<PathBuf, Buffer>,
) -> Publish {
    let a = &snapshot.analysis;
    let mut by_file: HashMap<FileId, Vec<Diagnostic>> = HashMap::new();
    let mut texts: HashMap<FileId, Text> = HashMap::new();
    for d in &a.diagnostics {
        let id = d.primary.file;
        let text = texts
            .entry(id)
            .or_insert_with(|| Text::new(&a.files.get(id).text));
        let converted = convert::diagnostic(a, d, text);
        by_file.entry(id).or_default().push(converted);
    }
    let mut out: Publish = Vec::new();
    let mut sent = HashSet::new();
    for (id, file) in a.files.iter() {
        if !file.path.is_absolute() {
            continue;
        }
        let diags = by_file.remove(&id).unwrap_or_default();
        if diags.is_empty() && !before.contains(&file.path) && !buffers.contains_key(&file.path) {
            continue;
        }
        if let Some(uri) = convert::uri_of(&file.path) {
            let version = buffers.get(&file.path).map(|b| b.version);
            sent.insert(file.path.clone());
            out.push((uri, diags, version));
        }
    }
    for gone in before.iter().filter(|p| !sent.contains(*p)) {
        if let Some(uri) = convert::uri_of(gone) {
            out.push((uri, Vec::new(), None));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A keystroke re-parses only the file it changed: the other files'
    /// trees are the same `Arc`s as in the previous snapshot (the latency
    /// bar of docs/benchmarks.md depends on it; benches do not run in CI).
    #[test]
    fn a_keystroke_reuses_the_trees_of_unchanged_files() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().canonicalize().expect("canonical");
        let (main, other) = (dir.join("main.mirage"), dir.join("other.mirage"));
        std::fs::write(&main, "project \"p\"\nenvironment \"production\"\n").expect("write");
        std::fs::write(&other, "service \"api\" {\n    image \"nginx:1\"\n}\n").expect("write");
        let mut ws = Workspace::default();
        ws.buffers.insert(
            main.clone(),
            Buffer {
                text: "project \"p\"\nenvironment \"production\"\n".into(),
                version: 1,
            },
        );
        ws.analyze(&dir);
        let tree = |ws: &Workspace, path: &Path| {
            let (snapshot, file) = ws.snapshot(path).expect("analysed");
            snapshot.analysis.documents[file.0 as usize].clone()
        };
        let (main_before, other_before) = (tree(&ws, &main), tree(&ws, &other));

        if let Some(b) = ws.buffers.get_mut(&main) {
            b.text.push_str("environment \"staging\"\n");
            b.version = 2;
        }
        ws.analyze(&dir);
        assert!(
            Arc::ptr_eq(&other_before, &tree(&ws, &other)),
            "unchanged file re-parsed"
        );
        assert!(
            !Arc::ptr_eq(&main_before, &tree(&ws, &main)),
            "changed file not re-parsed"
        );
        let (snapshot, _) = ws.snapshot(&main).expect("analysed");
        assert!(snapshot.analysis.project.environment("staging").is_some());
    }
}
