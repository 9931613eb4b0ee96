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
use std::sync::Arc;

use mirage::diagnostic::FileId;
use mirage::ide::{Index, index::IndexCache};
use mirage::resolve::{self, Analysis, Input, Keep, MAX_SOURCE_BYTES, ParseCache, ReadError};
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
    /// The latest analysis (`None` while the next one runs: requests wait
    /// for it, and its memory is better spent on the next).
    pub current: Option<Arc<Snapshot>>,
    /// While the latest analysis has a syntax error: the model of the last
    /// analysis in which every file parsed, for completion (no trees, no
    /// index, no texts).
    pub good: Option<Arc<Analysis>>,
    /// Files that were sent diagnostics, to clear them when they go away.
    published: HashSet<PathBuf>,
    /// Parsed trees of unchanged files, reused by the next analysis.
    parses: ParseCache,
    /// Names in unchanged files, reused by the next index.
    cache: IndexCache,
    /// Changes to the project's buffers or files so far (a generation).
    edits: u64,
    /// The generation `current` was analysed at.
    analysed: u64,
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

/// One analysis to run, without the workspace lock: see
/// [`Workspace::prepare`].
pub struct Job {
    dir: PathBuf,
    files: Vec<Input>,
    /// The editor's version of each open buffer, as read.
    versions: HashMap<PathBuf, i32>,
    generation: u64,
    parses: ParseCache,
    cache: IndexCache,
    /// What the analysis keeps of the model: by default no instances
    /// (nothing but hover's explanation reads them, and they are most of
    /// an analysis's memory).
    keep: Keep,
    /// The analysis this one replaces, freed before it starts (keeping its
    /// model for completion if it parsed); see [`Workspace::release`].
    previous: Option<Arc<Snapshot>>,
}

/// A job's result, for [`Workspace::commit`].
pub struct Done {
    dir: PathBuf,
    versions: HashMap<PathBuf, i32>,
    generation: u64,
    /// `None` if the resolver panicked.
    snapshot: Option<Snapshot>,
    parses: ParseCache,
    cache: IndexCache,
    /// The model of the analysis replaced, if it parsed.
    good: Option<Analysis>,
}

impl Job {
    /// Analyse (the long part; no lock is held).
    pub fn run(self) -> Done {
        let Job {
            dir,
            files,
            versions,
            generation,
            mut parses,
            mut cache,
            keep,
            previous,
        } = self;
        // Free the replaced analysis first, and the names of files whose
        // text changed (their trees go as they are re-parsed).
        let good = previous.and_then(|p| p.parses().then(|| model_of(p)));
        for file in &files {
            match file {
                Input::Text(path, text) if parses.holds(path, text) => {}
                other => cache.forget(other.path()),
            }
        }
        // The resolver promises never to panic; if it ever does, the server
        // keeps serving rather than dying with the editor.
        let result = catch_unwind(AssertUnwindSafe(|| {
            let analysis = resolve::analyze_inputs(&dir, files, &mut parses, &keep);
            let index = Index::with_cache(&analysis, &mut cache);
            Snapshot { analysis, index }
        }));
        let snapshot = result.ok();
        if snapshot.is_none() {
            parses = ParseCache::default();
            cache = IndexCache::default();
        }
        Done {
            dir,
            versions,
            generation,
            snapshot,
            parses,
            cache,
            good,
        }
    }
}

/// The model of an analysis, without its trees, texts and index (what
/// completion reads of the last analysis that parsed).
fn model_of(snapshot: Arc<Snapshot>) -> Analysis {
    match Arc::try_unwrap(snapshot) {
        Ok(s) => Analysis {
            project: s.analysis.project,
            variable_names: s.analysis.variable_names,
            ..Analysis::default()
        },
        Err(shared) => Analysis {
            project: shared.analysis.project.clone(),
            variable_names: shared.analysis.variable_names.clone(),
            ..Analysis::default()
        },
    }
}

impl Job {
    /// The same job, freeing `previous` (from [`Workspace::release`])
    /// before it analyses.
    pub fn replacing(mut self, previous: Option<Arc<Snapshot>>) -> Job {
        self.previous = previous;
        self
    }

    /// The same job, resolving only the instance of `service` in
    /// `environment` (for [`Job::explain`]).
    pub fn explaining(mut self, environment: String, service: String) -> Job {
        self.keep = Keep::Instance {
            environment,
            service,
        };
        self
    }

    /// The analysis alone (no snapshot is made of it); hand the caches back
    /// with [`Workspace::give_back`].
    pub fn explain(mut self) -> (Option<Analysis>, Caches) {
        let analysis = catch_unwind(AssertUnwindSafe(|| {
            resolve::analyze_inputs(&self.dir, self.files, &mut self.parses, &self.keep)
        }))
        .ok();
        let caches = Caches {
            dir: self.dir,
            parses: self.parses,
            cache: self.cache,
        };
        (analysis, caches)
    }
}

/// A project's caches, out of it while a job runs.
pub struct Caches {
    dir: PathBuf,
    parses: ParseCache,
    cache: IndexCache,
}

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

    /// Note a change to a buffer or file of the project in `dir`: its
    /// analysis is stale until the next one.
    pub fn touch(&mut self, dir: &Path) {
        self.projects.entry(dir.to_path_buf()).or_default().edits += 1;
    }

    /// Whether the project in `dir` changed since its last analysis.
    pub fn stale(&self, dir: &Path) -> bool {
        self.projects.get(dir).is_some_and(|p| p.edits > p.analysed)
    }

    /// Re-analyse the project in `dir` now and return what to publish (the
    /// server goes through [`Workspace::prepare`], [`Job::run`] and
    /// [`Workspace::commit`] so that the lock is not held while analysing).
    pub fn analyze(&mut self, dir: &Path) -> Publish {
        let previous = self.release(dir);
        let job = self.prepare(dir).replacing(previous);
        let (publish, old) = self.commit(job.run());
        drop(old);
        publish
    }

    /// Everything one analysis of the project in `dir` reads: the texts
    /// (open buffers over the disk, cached disk texts over re-reading) and
    /// the caches, which the job holds until [`Workspace::commit`].
    pub fn prepare(&mut self, dir: &Path) -> Job {
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
        let versions = files
            .iter()
            .filter_map(|f| {
                let path = f.path();
                Some((path.to_path_buf(), self.buffers.get(path)?.version))
            })
            .collect();
        Job {
            dir: dir.to_path_buf(),
            files,
            versions,
            generation: project.edits,
            parses: std::mem::take(&mut project.parses),
            cache: std::mem::take(&mut project.cache),
            keep: Keep::Names,
            previous: None,
        }
    }

    /// Take the current analysis of the project in `dir` out, for the next
    /// analysis to free before it starts (see [`Job::replacing`]).
    pub fn release(&mut self, dir: &Path) -> Option<Arc<Snapshot>> {
        self.projects.get_mut(dir)?.current.take()
    }

    /// Put back the caches a job took (one whose result is not committed).
    pub fn give_back(&mut self, caches: Caches) {
        let project = self.projects.entry(caches.dir).or_default();
        project.parses = caches.parses;
        project.cache = caches.cache;
    }

    /// Install the result of a job: the new snapshot and the caches.
    /// Returns what to publish, and the snapshots it replaced, to be freed
    /// by the caller once the diagnostics are out (freeing a large analysis
    /// takes a while).
    pub fn commit(&mut self, done: Done) -> (Publish, Vec<Arc<Snapshot>>) {
        let project = self.projects.entry(done.dir).or_default();
        project.analysed = project.analysed.max(done.generation);
        let mut old = Vec::new();
        let Some(snapshot) = done.snapshot else {
            // The resolver panicked (it promises not to): no analysis until
            // the next change, and the caches start afresh; the server
            // keeps serving.
            return (Vec::new(), old);
        };
        project.parses = done.parses;
        project.cache = done.cache;
        let snapshot = Arc::new(snapshot);
        if snapshot.parses() {
            project.good = None;
        } else if let Some(good) = done.good {
            project.good = Some(Arc::new(good));
        }
        old.extend(project.current.replace(snapshot.clone()));
        let publish = diagnostics(&snapshot, &project.published, &done.versions);
        // Open buffers count as published: closing one always sends its
        // final list (empty when the file is gone).
        project.published = publish
            .iter()
            .filter_map(|(u, d, _)| {
                let path = convert::path_of(u)?;
                (!d.is_empty() || self.buffers.contains_key(&path)).then_some(path)
            })
            .collect();
        (publish, old)
    }

    /// The snapshot holding `path`, with its file id.
    pub fn snapshot(&self, path: &Path) -> Option<(Arc<Snapshot>, FileId)> {
        let snapshot = self.projects.get(&project_dir(path))?.current.clone()?;
        let file = snapshot.file(path)?;
        Some((snapshot, file))
    }

    /// While the project of `path` has a syntax error, the model of its
    /// last analysis in which every file parsed.
    pub fn good(&self, path: &Path) -> Option<Arc<Analysis>> {
        self.projects.get(&project_dir(path))?.good.clone()
    }
}

/// Diagnostics of every file of `snapshot`, plus empty lists for files
/// that had some before.
fn diagnostics(
    snapshot: &Snapshot,
    before: &HashSet<PathBuf>,
    versions: &HashMap<PathBuf, i32>,
) -> Publish {
    let a = &snapshot.analysis;
    let mut by_file: HashMap<FileId, Vec<Diagnostic>> = HashMap::new();
    let mut texts: HashMap<FileId, Text> = HashMap::new();
    for d in &a.diagnostics {
        // An analysis only reports problems in its files.
        let Some(id) = d.file() else {
            continue;
        };
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
        if diags.is_empty() && !before.contains(&file.path) && !versions.contains_key(&file.path) {
            continue;
        }
        if let Some(uri) = convert::uri_of(&file.path) {
            let version = versions.get(&file.path).copied();
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
