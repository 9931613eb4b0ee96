//! The `LanguageServer` implementation: protocol requests → the workspace
//! and the library's `ide` functions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use mirage::ide::{self, ItemKind, Kind};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::convert::{self, Text};
use crate::watch::Watcher;
use crate::workspace::{Publish, Workspace, project_dir};

/// The Mirage language server.
pub struct Server {
    client: Client,
    inner: Arc<Inner>,
}

/// State shared with the file watcher's task.
pub struct Inner {
    /// Buffers and projects.
    pub workspace: Mutex<Workspace>,
    /// Whether the editor watches files for us.
    client_watches: Mutex<bool>,
    /// The `notify` watcher, when the editor does not watch.
    watcher: Mutex<Option<Watcher>>,
}

impl Inner {
    /// The workspace, even if a panicking thread poisoned the lock.
    pub fn workspace(&self) -> MutexGuard<'_, Workspace> {
        self.workspace.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// React to files changed on disk: forget their cached text and
    /// re-analyse the projects they belong to.
    pub fn disk_changed(&self, paths: &[PathBuf]) -> Publish {
        let mut ws = self.workspace();
        let mut dirs: Vec<PathBuf> = Vec::new();
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
        dirs.iter().flat_map(|d| ws.analyze(d)).collect()
    }
}

/// Send diagnostics.
pub async fn publish(client: &Client, publish: Publish) {
    for (uri, diags, version) in publish {
        client.publish_diagnostics(uri, diags, version).await;
    }
}

impl Server {
    /// A server talking to `client`.
    pub fn new(client: Client) -> Self {
        Server {
            client,
            inner: Arc::new(Inner {
                workspace: Mutex::new(Workspace::default()),
                client_watches: Mutex::new(false),
                watcher: Mutex::new(None),
            }),
        }
    }

    async fn reanalyze(&self, path: &Path) {
        let dir = project_dir(path);
        let publish_list = self.inner.workspace().analyze(&dir);
        self.watch(&dir);
        publish(&self.client, publish_list).await;
    }

    /// Watch `dir` with `notify` unless the editor watches files.
    fn watch(&self, dir: &Path) {
        if *self
            .inner
            .client_watches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
        {
            return;
        }
        let mut guard = self.inner.watcher.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Watcher::start(self.inner.clone(), self.client.clone());
        }
        if let Some(w) = guard.as_mut() {
            w.watch(dir);
        }
    }

    /// The snapshot of a document, its file id and text.
    fn at(
        &self,
        uri: &Uri,
    ) -> Option<(
        Arc<crate::workspace::Snapshot>,
        mirage::diagnostic::FileId,
        PathBuf,
    )> {
        let path = convert::path_of(uri)?;
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
        *self
            .inner
            .client_watches
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = watches;
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
        if !*self
            .inner
            .client_watches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
        {
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
            *self
                .inner
                .client_watches
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = false;
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
        self.reanalyze(&path).await;
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
                        let text = Text::new(&buffer.text);
                        let start = text.offset(range.start);
                        let end = text.offset(range.end).max(start);
                        buffer.text.replace_range(start..end, &change.text);
                    }
                    None => buffer.text = change.text,
                }
            }
            buffer.version = params.text_document.version;
        }
        self.reanalyze(&path).await;
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
        self.reanalyze(&path).await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let paths: Vec<PathBuf> = params
            .changes
            .iter()
            .filter_map(|c| convert::path_of(&c.uri))
            .collect();
        let list = self.inner.disk_changed(&paths);
        publish(&self.client, list).await;
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let uri = &params.text_document_position.text_document.uri;
        let Some((snapshot, file, path)) = self.at(uri) else {
            return Ok(None);
        };
        // Names and variables from the last analysis that parsed: the model
        // of a half-typed file lacks what its broken part declared.
        let good = self
            .inner
            .workspace()
            .good(&path)
            .unwrap_or(snapshot.clone());
        let text = text_of(&snapshot, file);
        let t = Text::new(&text);
        let offset = t.offset(params.text_document_position.position);
        let items = ide::complete(&good.analysis, &snapshot.index, file, &text, offset);
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
        let Some((snapshot, file, _)) = self.at(&pos.text_document.uri) else {
            return Ok(None);
        };
        let text = text_of(&snapshot, file);
        let t = Text::new(&text);
        let offset = t.offset(pos.position);
        let Some((span, markdown)) =
            ide::hover(&snapshot.analysis, &snapshot.index, file, &text, offset)
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
        let Some((snapshot, file, _)) = self.at(&pos.text_document.uri) else {
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
        let Some((snapshot, file, _)) = self.at(&pos.text_document.uri) else {
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
        let Some((snapshot, file, _)) = self.at(&pos.text_document.uri) else {
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
        let Some((snapshot, file, _)) = self.at(&params.text_document.uri) else {
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
        let Some((snapshot, file, _)) = self.at(&params.text_document.uri) else {
            return Ok(None);
        };
        let text = text_of(&snapshot, file);
        let t = Text::new(&text);
        let start = t.offset(params.range.start);
        let end = t.offset(params.range.end);
        let a = &snapshot.analysis;
        let mut actions = Vec::new();
        for d in a.diagnostics.iter().filter(|d| {
            d.primary.file == file && d.primary.span.start <= end && start <= d.primary.span.end
        }) {
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
