//! Watching project directories with `notify` when the editor does not
//! offer `workspace/didChangeWatchedFiles`: a `git checkout` or a generated
//! file updates diagnostics without the file being open.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use notify::{RecursiveMode, Watcher as _};
use tokio::sync::mpsc;

use crate::server::Inner;

/// A `notify` watcher feeding changed paths to the server.
pub struct Watcher {
    watcher: notify::RecommendedWatcher,
    dirs: HashSet<PathBuf>,
}

impl Watcher {
    /// Start watching (no directory yet); `None` when the platform's
    /// watcher cannot start, in which case disk changes are seen when a
    /// buffer of the project changes.
    pub fn start(inner: Arc<Inner>) -> Option<Self> {
        let (tx, mut rx) = mpsc::unbounded_channel::<Vec<PathBuf>>();
        let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            if let Ok(event) = event
                && !event.kind.is_access()
            {
                let _ = tx.send(event.paths);
            }
        })
        .ok()?;
        tokio::spawn(async move {
            while let Some(mut paths) = rx.recv().await {
                // A checkout touches many files at once: one analysis.
                while let Ok(more) = rx.try_recv() {
                    paths.extend(more);
                }
                inner.disk_changed(&paths);
            }
        });
        Some(Watcher {
            watcher,
            dirs: HashSet::new(),
        })
    }

    /// Watch `dir` (not recursively: a project is one directory).
    pub fn watch(&mut self, dir: &Path) {
        if self.dirs.contains(dir) {
            return;
        }
        if self.watcher.watch(dir, RecursiveMode::NonRecursive).is_ok() {
            self.dirs.insert(dir.to_path_buf());
        }
    }
}
