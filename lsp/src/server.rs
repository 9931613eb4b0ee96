//! The `LanguageServer` implementation: protocol requests → the workspace
//! and the library's `ide` functions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use mirage::ide::{self, ItemKind, Kind};
use tokio::time::Instant;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::convert::{self, Text};
use crate::watch::Watcher;
use crate::workspace::{Workspace, project_dir};

/// When re-analysis runs after a change (see [`Inner::changed`]).
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// A change that comes less than this after the previous change to
    /// its project is part of a burst (a paste, a macro, a formatter,
    /// keystrokes faster than anyone types): its analysis waits until no
    /// change has come for this long, and runs once, with the final text.
    /// A change after a quiet moment is analysed at once.
    pub quiet: Duration,
    /// ... but a burst is analysed at least this often, so that a
    /// never-ending stream of changes still gets diagnostics.
    pub max_wait: Duration,
}

impl Default for Options {
    /// 75 ms of quiet (a keystroke's diagnostics take 10–20 ms, see
    /// docs/benchmarks.md, and a typist's keystrokes come 100 ms or more
    /// apart), at most 500 ms.
    fn default() -> Self {
        Options {
            quiet: Duration::from_millis(75),
            max_wait: Duration::from_millis(500),
        }
    }
}

/// The Mirage language server.
pub struct Server {
    client: Client,
    inner: Arc<Inner>,
}

/// State shared with the analysis tasks and the file watcher's task.
pub struct Inner {
    /// Buffers and projects.
    pub workspace: Mutex<Workspace>,
    /// Whether the editor watches files for us.
    client_watches: Mutex<bool>,
    /// The `notify` watcher, when the editor does not watch.
    watcher: Mutex<Option<Watcher>>,
    /// Per project directory: whether an analysis task runs for it, when
    /// it last changed, and the lock that makes its analyses one at a time.
    lanes: Mutex<HashMap<PathBuf, Lane>>,
    options: Options,
    client: Client,
    /// The thread that analyses and frees analyses.
    analyst: Analyst,
}

/// One thread for the heavy work: analyses, and freeing the analyses they
/// replace, so that the allocator reuses what one analysis freed for the
/// next. On tokio's blocking pool they ran on whichever thread was free:
/// while editing, the peak memory was 5 to 10 % higher (the `memory`
/// bench: 1 MB, 108 → 96 MB; 5 MB, 280 → 268 MB).
struct Analyst {
    jobs: Mutex<std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>>,
}

impl Analyst {
    fn start() -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let spawned = std::thread::Builder::new()
            .name("mirage-lsp-analyst".into())
            .spawn(move || rx.into_iter().for_each(|job| job()));
        if let Err(e) = spawned {
            eprintln!("mirage-lsp: cannot start the analysis thread: {e}");
        }
        Analyst {
            jobs: Mutex::new(tx),
        }
    }

    /// Queue `f` on the analysis thread now, without waiting for it: it
    /// runs before every job queued after this call.
    fn submit(&self, f: impl FnOnce() + Send + 'static) {
        let _ = lock(&self.jobs).send(Box::new(f));
    }

    /// Run `f` on the analysis thread; `Err` if the thread is gone (or `f`
    /// panicked).
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> std::result::Result<T, ()> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job = Box::new(move || {
            let _ = tx.send(f());
        });
        lock(&self.jobs).send(job).map_err(|_| ())?;
        rx.await.map_err(|_| ())
    }
}

/// The analysis schedule of one project.
struct Lane {
    /// A task is analysing the project or waiting for a quiet moment.
    busy: bool,
    /// When its last change arrived.
    last_change: Option<Instant>,
    /// Held while an analysis of the project runs.
    analysing: Arc<tokio::sync::Mutex<()>>,
}

impl Lane {
    fn new() -> Self {
        Lane {
            busy: false,
            last_change: None,
            analysing: Arc::default(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Inner {
    /// The workspace, even if a panicking thread poisoned the lock.
    pub fn workspace(&self) -> MutexGuard<'_, Workspace> {
        lock(&self.workspace)
    }

    /// A buffer or file of the project in `dir` changed (the workspace
    /// already has the change): schedule its analysis. A change after a
    /// quiet moment is analysed at once, so a keystroke's diagnostics are
    /// not delayed; a burst is analysed when it pauses (see [`Options`]).
    pub fn changed(self: &Arc<Self>, dir: &Path) {
        self.workspace().touch(dir);
        let mut lanes = lock(&self.lanes);
        let lane = lanes.entry(dir.to_path_buf()).or_insert_with(Lane::new);
        let now = Instant::now();
        let previous = lane.last_change.replace(now);
        if lane.busy {
            return;
        }
        lane.busy = true;
        let at_once = previous.is_none_or(|p| now.duration_since(p) >= self.options.quiet);
        tokio::spawn(self.clone().lane(dir.to_path_buf(), at_once));
    }

    /// Analyse the project in `dir` until it is up to date, each time
    /// with the latest texts: at once if `at_once`, and otherwise (and for
    /// changes that arrive while an analysis runs) once changes pause for
    /// [`Options::quiet`], or [`Options::max_wait`] passed.
    async fn lane(self: Arc<Self>, dir: PathBuf, mut at_once: bool) {
        let mut since = Instant::now();
        loop {
            if !at_once {
                loop {
                    let deadline = {
                        let lanes = lock(&self.lanes);
                        let last = lanes.get(&dir).and_then(|l| l.last_change);
                        let quiet = last.map_or(since, |l| l + self.options.quiet);
                        quiet.min(since + self.options.max_wait)
                    };
                    if Instant::now() >= deadline {
                        break;
                    }
                    tokio::time::sleep_until(deadline).await;
                }
            }
            self.analyze_now(&dir).await;
            since = Instant::now();
            at_once = false;
            let mut lanes = lock(&self.lanes);
            if !self.workspace().stale(&dir) {
                if let Some(lane) = lanes.get_mut(&dir) {
                    lane.busy = false;
                }
                return;
            }
        }
    }

    /// Analyse the project in `dir` if it changed since its last analysis,
    /// publish its diagnostics, and free the analysis it replaces. One
    /// analysis of a project at a time; the workspace is not locked while
    /// it runs, so changes keep arriving.
    pub async fn analyze_now(&self, dir: &Path) {
        let analysing = {
            let mut lanes = lock(&self.lanes);
            let lane = lanes.entry(dir.to_path_buf()).or_insert_with(Lane::new);
            lane.analysing.clone()
        };
        let _one_at_a_time = analysing.lock().await;
        let job = {
            let mut ws = self.workspace();
            if !ws.stale(dir) {
                return;
            }
            let previous = ws.release(dir);
            ws.prepare(dir).replacing(previous)
        };
        let Ok(done) = self.analyst.run(move || job.run()).await else {
            return;
        };
        let (list, old) = self.workspace().commit(done);
        // Freeing a large analysis takes a while: off the async threads,
        // while the diagnostics go out, and queued on the analysis thread
        // before this project's lock is released, so that the next
        // analysis cannot start while the old one is still alive (it did,
        // under load, when the free was queued after the lock: the peak
        // memory of editing rose by a third).
        self.analyst.submit(move || drop(old));
        publish(&self.client, list).await;
    }

    /// The analysis of the project in `dir` with only the instance of
    /// `service` in `environment`: what hovering the service shows (the
    /// analyses the server keeps have no instances).
    async fn explain(
        &self,
        dir: &Path,
        environment: String,
        service: String,
    ) -> Option<mirage::resolve::Analysis> {
        let analysing = {
            let mut lanes = lock(&self.lanes);
            let lane = lanes.entry(dir.to_path_buf()).or_insert_with(Lane::new);
            lane.analysing.clone()
        };
        let _one_at_a_time = analysing.lock().await;
        let job = self
            .workspace()
            .prepare(dir)
            .explaining(environment, service);
        let (analysis, caches) = self.analyst.run(move || job.explain()).await.ok()?;
        self.workspace().give_back(caches);
        analysis
    }

    /// Files changed on disk: forget their cached text and schedule the
    /// projects they belong to.
    pub fn disk_changed(self: &Arc<Self>, paths: &[PathBuf]) {
        let mut dirs: Vec<PathBuf> = Vec::new();
        {
            let mut ws = self.workspace();
            for path in paths
                .iter()
                .filter(|p| p.extension().is_some_and(|x| x == "mirage"))
            {
                ws.invalidate(path);
                let dir = project_dir(path);
                if ws.knows(&dir) && !dirs.contains(&dir) {
                    dirs.push(dir);
                }
            }
        }
        for dir in dirs {
            self.changed(&dir);
        }
    }

    /// Bring the project of `path` up to date before answering a request
    /// about it: requests always see the latest text.
    async fn fresh(&self, path: &Path) {
        let dir = project_dir(path);
        if self.workspace().stale(&dir) {
            self.analyze_now(&dir).await;
        }
    }
}

/// Send diagnostics.
pub async fn publish(client: &Client, publish: crate::workspace::Publish) {
    for (uri, diags, version) in publish {
        client.publish_diagnostics(uri, diags, version).await;
    }
}

impl Server {
    /// A server talking to `client`.
    pub fn new(client: Client) -> Self {
        Self::with_options(client, Options::default())
    }

    /// A server talking to `client`, analysing on the given schedule.
    pub fn with_options(client: Client, options: Options) -> Self {
        Server {
            client: client.clone(),
            inner: Arc::new(Inner {
                workspace: Mutex::new(Workspace::default()),
                client_watches: Mutex::new(false),
                watcher: Mutex::new(None),
                lanes: Mutex::new(HashMap::new()),
                options,
                client,
                analyst: Analyst::start(),
            }),
        }
    }

    /// The project of `path` changed: watch it, schedule its analysis.
    fn changed(&self, path: &Path) {
        let dir = project_dir(path);
        self.watch(&dir);
        self.inner.changed(&dir);
    }

    /// Watch `dir` with `notify` unless the editor watches files.
    fn watch(&self, dir: &Path) {
        if *lock(&self.inner.client_watches) {
            return;
        }
        let mut guard = lock(&self.inner.watcher);
        if guard.is_none() {
            *guard = Watcher::start(self.inner.clone());
        }
        if let Some(w) = guard.as_mut() {
            w.watch(dir);
        }
    }

    /// The snapshot of a document, its file id and text, after bringing its
    /// project up to date.
    async fn at(
        &self,
        uri: &Uri,
    ) -> Option<(
        Arc<crate::workspace::Snapshot>,
        mirage::diagnostic::FileId,
        PathBuf,
    )> {
        let path = convert::path_of(uri)?;
        self.inner.fresh(&path).await;
        let (snapshot, file) = self.inner.workspace().snapshot(&path)?;
        Some((snapshot, file, path))
    }
}

fn text_of(snapshot: &crate::workspace::Snapshot, file: mirage::diagnostic::FileId) -> Arc<str> {
    snapshot.analysis.files.get(file).text.clone()
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let watches = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        *lock(&self.inner.client_watches) = watches;
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "mirage-lsp".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec!["\"".into(), ".".into(), "{".into()]),
                    ..CompletionOptions::default()
                }),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..CodeActionOptions::default()
                    },
                )),
                ..ServerCapabilities::default()
            },
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        if !*lock(&self.inner.client_watches) {
            return;
        }
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher {
                glob_pattern: GlobPattern::String("**/*.mirage".into()),
                kind: None,
            }],
        };
        let registration = Registration {
            id: "mirage-watch".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(options).ok(),
        };
        if self
            .client
            .register_capability(vec![registration])
            .await
            .is_err()
        {
            // The editor said it could and then refused: watch ourselves.
            *lock(&self.inner.client_watches) = false;
        }
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let Some(path) = convert::path_of(&params.text_document.uri) else {
            return;
        };
        self.inner.workspace().buffers.insert(
            path.clone(),
            crate::workspace::Buffer {
                text: params.text_document.text,
                version: params.text_document.version,
            },
        );
        self.changed(&path);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let Some(path) = convert::path_of(&params.text_document.uri) else {
            return;
        };
        {
            let mut ws = self.inner.workspace();
            let Some(buffer) = ws.buffers.get_mut(&path) else {
                return;
            };
            for change in params.content_changes {
                match change.range {
                    Some(range) => {
                        // No line index of the whole text per change: only
                        // the lines up to the position are scanned.
                        let start = convert::offset_in(&buffer.text, range.start);
                        let end = convert::offset_in(&buffer.text, range.end).max(start);
                        buffer.text.replace_range(start..end, &change.text);
                    }
                    None => buffer.text = change.text,
                }
            }
            buffer.version = params.text_document.version;
        }
        self.changed(&path);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let Some(path) = convert::path_of(&params.text_document.uri) else {
            return;
        };
        {
            let mut ws = self.inner.workspace();
            ws.buffers.remove(&path);
            ws.invalidate(&path);
        }
        self.changed(&path);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let paths: Vec<PathBuf> = params
            .changes
            .iter()
            .filter_map(|c| convert::path_of(&c.uri))
            .collect();
        self.inner.disk_changed(&paths);
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let uri = &params.text_document_position.text_document.uri;
        let Some((snapshot, file, path)) = self.at(uri).await else {
            return Ok(None);
        };
        // Names and variables from the last analysis that parsed: the model
        // of a half-typed file lacks what its broken part declared.
        let good = self.inner.workspace().good(&path);
        let text = text_of(&snapshot, file);
        let t = Text::new(&text);
        let offset = t.offset(params.text_document_position.position);
        let names = good.as_deref().unwrap_or(&snapshot.analysis);
        let items = ide::complete(
            &snapshot.analysis,
            names,
            &snapshot.index,
            file,
            &text,
            offset,
        );
        let items = items
            .into_iter()
            .map(|c| CompletionItem {
                label: c.label,
                kind: Some(match c.kind {
                    ItemKind::Node => CompletionItemKind::KEYWORD,
                    ItemKind::Property => CompletionItemKind::PROPERTY,
                    ItemKind::Value => CompletionItemKind::ENUM_MEMBER,
                    ItemKind::Name(Kind::Service) => CompletionItemKind::MODULE,
                    ItemKind::Name(_) => CompletionItemKind::CLASS,
                    ItemKind::Variable => CompletionItemKind::VARIABLE,
                    ItemKind::Module => CompletionItemKind::FILE,
                }),
                detail: c.detail,
                documentation: c.doc.map(|d| {
                    Documentation::MarkupContent(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value: d,
                    })
                }),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                    t.range(c.replace),
                    c.insert,
                ))),
                ..CompletionItem::default()
            })
            .collect();
        Ok(Some(CompletionResponse::Array(items)))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let pos = &params.text_document_position_params;
        let Some((snapshot, file, path)) = self.at(&pos.text_document.uri).await else {
            return Ok(None);
        };
        let text = text_of(&snapshot, file);
        let t = Text::new(&text);
        let offset = t.offset(pos.position);
        // A service's effective configuration: its instance, resolved now.
        let explained = match snapshot.index.at(file, offset) {
            Some(occ) if occ.kind == Kind::Service => {
                let environment = occ.env.clone().or_else(|| {
                    let envs = &snapshot.analysis.project.environments;
                    envs.first().map(|e| e.name.clone())
                });
                match environment {
                    Some(e) => {
                        self.inner
                            .explain(&project_dir(&path), e, occ.name.clone())
                            .await
                    }
                    None => None,
                }
            }
            _ => None,
        };
        let analysis = explained.as_ref().unwrap_or(&snapshot.analysis);
        let Some((span, markdown)) = ide::hover(analysis, &snapshot.index, file, &text, offset)
        else {
            return Ok(None);
        };
        Ok(Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: markdown,
            }),
            range: Some(t.range(span)),
        }))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let pos = &params.text_document_position_params;
        let Some((snapshot, file, _)) = self.at(&pos.text_document.uri).await else {
            return Ok(None);
        };
        let text = text_of(&snapshot, file);
        let offset = Text::new(&text).offset(pos.position);
        let Some(occ) = snapshot.index.at(file, offset) else {
            return Ok(None);
        };
        let a = &snapshot.analysis;
        let locations: Vec<Location> = if occ.kind == Kind::Import {
            snapshot
                .index
                .import_target(occ)
                .and_then(|f| convert::location(a, f, mirage::diagnostic::Span::at(0)))
                .into_iter()
                .collect()
        } else {
            snapshot
                .index
                .definitions(occ)
                .iter()
                .filter_map(|d| convert::location(a, d.file, d.span))
                .collect()
        };
        Ok(match locations.len() {
            0 => None,
            1 => locations
                .into_iter()
                .next()
                .map(GotoDefinitionResponse::Scalar),
            _ => Some(GotoDefinitionResponse::Array(locations)),
        })
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let pos = &params.text_document_position;
        let Some((snapshot, file, _)) = self.at(&pos.text_document.uri).await else {
            return Ok(None);
        };
        let text = text_of(&snapshot, file);
        let offset = Text::new(&text).offset(pos.position);
        let Some(occ) = snapshot.index.at(file, offset) else {
            return Ok(None);
        };
        let include = params.context.include_declaration;
        let locations = snapshot
            .index
            .references(occ)
            .into_iter()
            .filter(|o| include || !o.def)
            .filter_map(|o| convert::location(&snapshot.analysis, o.file, o.span))
            .collect();
        Ok(Some(locations))
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let pos = &params.text_document_position;
        let Some((snapshot, file, _)) = self.at(&pos.text_document.uri).await else {
            return Ok(None);
        };
        let text = text_of(&snapshot, file);
        let offset = Text::new(&text).offset(pos.position);
        let edits = snapshot
            .index
            .rename(file, offset, &params.new_name)
            .map_err(Error::invalid_params)?;
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for (f, span) in edits {
            if let Some(loc) = convert::location(&snapshot.analysis, f, span) {
                changes
                    .entry(loc.uri)
                    .or_default()
                    .push(TextEdit::new(loc.range, params.new_name.clone()));
            }
        }
        Ok(Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }))
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let Some((snapshot, file, _)) = self.at(&params.text_document.uri).await else {
            return Ok(None);
        };
        let text = text_of(&snapshot, file);
        let t = Text::new(&text);
        let Some(doc) = snapshot.analysis.documents.get(file.0 as usize) else {
            return Ok(None);
        };
        let symbols = ide::document_symbols(doc)
            .iter()
            .map(|s| symbol(&t, s))
            .collect();
        Ok(Some(DocumentSymbolResponse::Nested(symbols)))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let Some(path) = convert::path_of(&params.text_document.uri) else {
            return Ok(None);
        };
        let text = match self.inner.workspace().buffers.get(&path) {
            Some(b) => b.text.clone(),
            None => return Ok(None),
        };
        // Exactly `mirage fmt`; a file that does not parse is left alone.
        let Ok(formatted) = mirage::syntax::format(&text) else {
            return Ok(None);
        };
        if formatted == text {
            return Ok(Some(Vec::new()));
        }
        let t = Text::new(&text);
        Ok(Some(vec![TextEdit::new(
            Range::new(Position::new(0, 0), t.position(text.len())),
            formatted,
        )]))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let Some((snapshot, file, _)) = self.at(&params.text_document.uri).await else {
            return Ok(None);
        };
        let text = text_of(&snapshot, file);
        let t = Text::new(&text);
        let start = t.offset(params.range.start);
        let end = t.offset(params.range.end);
        let a = &snapshot.analysis;
        let mut actions = Vec::new();
        for d in a
            .diagnostics
            .iter()
            .filter(|d| d.file() == Some(file) && d.span().start <= end && start <= d.span().end)
        {
            let Some(fix) = ide::did_you_mean_fix(d, &text) else {
                continue;
            };
            let edit = TextEdit::new(t.range(fix.span), fix.text);
            let changes = HashMap::from([(params.text_document.uri.clone(), vec![edit])]);
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![convert::diagnostic(a, d, &t)]),
                edit: Some(WorkspaceEdit {
                    changes: Some(changes),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
        Ok(Some(actions))
    }
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be written.
fn symbol(t: &Text, s: &ide::Symbol) -> DocumentSymbol {
    DocumentSymbol {
        name: s.name.clone(),
        detail: Some(s.detail.clone()),
        kind: match s.detail.as_str() {
            "service" => SymbolKind::MODULE,
            "template" => SymbolKind::CLASS,
            "layer" => SymbolKind::INTERFACE,
            "environment" => SymbolKind::NAMESPACE,
            "variable" => SymbolKind::VARIABLE,
            "import" => SymbolKind::FILE,
            "vars" | "shared-vars" => SymbolKind::OBJECT,
            _ => SymbolKind::PROPERTY,
        },
        tags: None,
        deprecated: None,
        range: t.range(s.span),
        selection_range: t.range(s.selection),
        children: (!s.children.is_empty())
            .then(|| s.children.iter().map(|c| symbol(t, c)).collect()),
    }
}
