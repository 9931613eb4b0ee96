//! A JSON-RPC client speaking LSP as an editor does, over any byte stream:
//! an in-process server (`Client::in_process`) or the real binary
//! (`Client::spawn`). Plus fixtures and snapshot redaction.

#![allow(dead_code)] // Each test file uses a part.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// Messages from the server, read by a task of their own so that the
/// server never blocks writing while the test writes (a test sending
/// thousands of changes would otherwise deadlock with the server's
/// replies filling the pipe).
type Reader = mpsc::UnboundedReceiver<Value>;
type Writer = Box<dyn AsyncWrite + Unpin + Send>;

/// How long to wait for any one message before failing the test.
const TIMEOUT: Duration = Duration::from_secs(30);

/// An LSP client.
pub struct Client {
    reader: Reader,
    writer: Writer,
    next_id: i64,
    /// Notifications received and not yet consumed.
    pub notifications: VecDeque<Value>,
    /// Requests the server sent us (`client/registerCapability`, …).
    pub server_requests: Vec<Value>,
    /// Responses that answered none of our pending requests (error
    /// responses to malformed input, `id: null`).
    pub stray_responses: VecDeque<Value>,
}

impl Client {
    /// A server in this process, connected by an in-memory pipe.
    pub fn in_process() -> Self {
        Self::in_process_with(mirage_lsp::Options::default())
    }

    /// [`Client::in_process`] with the given analysis schedule.
    pub fn in_process_with(options: mirage_lsp::Options) -> Self {
        let (client_side, server_side) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_side);
        tokio::spawn(mirage_lsp::serve_with(server_read, server_write, options));
        let (read, write) = tokio::io::split(client_side);
        Client::over(Box::new(read), Box::new(write))
    }

    /// A client over the given streams.
    pub fn over(read: Box<dyn AsyncRead + Unpin + Send>, write: Writer) -> Self {
        Client {
            reader: read_messages(read),
            writer: write,
            next_id: 1,
            notifications: VecDeque::new(),
            server_requests: Vec::new(),
            stray_responses: VecDeque::new(),
        }
    }

    /// The real `mirage-lsp` binary, started as an editor starts it (its
    /// standard error inherited), and a client over its standard I/O.
    pub fn spawn() -> (Self, tokio::process::Child) {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_mirage-lsp"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start mirage-lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        (Client::over(Box::new(stdout), Box::new(stdin)), child)
    }

    async fn send(&mut self, message: Value) {
        let body = message.to_string();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.writer
            .write_all(frame.as_bytes())
            .await
            .expect("write to server");
        self.writer.flush().await.expect("flush");
    }

    /// Send raw bytes (for malformed-input tests).
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("write to server");
        self.writer.flush().await.expect("flush");
    }

    async fn receive(&mut self) -> Value {
        tokio::time::timeout(TIMEOUT, self.reader.recv())
            .await
            .expect("the server answered within the timeout")
            .expect("the server closed the stream")
    }

    /// Send a request and wait for its response (its `result`, or the
    /// whole error object under `"error"`).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params).await;
        self.response(json!(id)).await
    }

    async fn dispatch(&mut self, message: Value) {
        if message.get("id").is_some() && message.get("method").is_some() {
            let id = message["id"].clone();
            self.server_requests.push(message);
            self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}))
                .await;
        } else if message.get("method").is_some() {
            self.notifications.push_back(message);
        } else {
            self.stray_responses.push_back(message);
        }
    }

    /// The next response that answered none of our requests (earlier ones
    /// queued are consumed first).
    pub async fn stray_response(&mut self) -> Value {
        loop {
            if let Some(r) = self.stray_responses.pop_front() {
                return r;
            }
            let message = self.receive().await;
            self.dispatch(message).await;
        }
    }

    /// Send a request without waiting for its answer; returns its id.
    pub async fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        id
    }

    /// The response with this id (its `result`, or `{"error": …}`);
    /// anything else received meanwhile is kept as usual.
    pub async fn response(&mut self, id: Value) -> Value {
        loop {
            if let Some(i) = self.stray_responses.iter().position(|r| r["id"] == id) {
                let message = self.stray_responses.remove(i).expect("index in range");
                return match message.get("error") {
                    Some(e) => json!({ "error": e }),
                    None => message["result"].clone(),
                };
            }
            let message = self.receive().await;
            self.dispatch(message).await;
        }
    }

    /// Send a notification.
    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// The next `publishDiagnostics` for `uri` (earlier ones queued are
    /// consumed first).
    pub async fn diagnostics(&mut self, uri: &str) -> Value {
        loop {
            if let Some(i) = self.notifications.iter().position(|n| {
                n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
            }) {
                let n = self.notifications.remove(i).expect("index in range");
                return n["params"]["diagnostics"].clone();
            }
            let message = self.receive().await;
            self.dispatch(message).await;
        }
    }

    /// The next `publishDiagnostics` for `uri`, whole (`uri`, `version`,
    /// `diagnostics`), if one comes within `wait` (earlier ones queued are
    /// consumed first).
    pub async fn next_publish(&mut self, uri: &str, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(i) = self.notifications.iter().position(|n| {
                n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
            }) {
                let n = self.notifications.remove(i).expect("index in range");
                return Some(n["params"].clone());
            }
            let message = match tokio::time::timeout_at(deadline, self.reader.recv()).await {
                Err(_) => return None,
                Ok(message) => message.expect("the server closed the stream"),
            };
            self.dispatch(message).await;
        }
    }

    /// `initialize` (with or without the editor watching files) and
    /// `initialized`.
    pub async fn initialize(&mut self, root: &Path, client_watches: bool) -> Value {
        let result = self
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": uri(root),
                    "capabilities": {
                        "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": client_watches}},
                        "textDocument": {"publishDiagnostics": {"relatedInformation": true}}
                    }
                }),
            )
            .await;
        self.notify("initialized", json!({})).await;
        result
    }

    /// Open `path` with its text from disk; returns its URI.
    pub async fn open(&mut self, path: &Path) -> String {
        let text = std::fs::read_to_string(path).expect("fixture text");
        self.open_text(path, &text).await
    }

    /// Open `path` with `text`; returns its URI.
    pub async fn open_text(&mut self, path: &Path, text: &str) -> String {
        let uri = uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "mirage", "version": 1, "text": text}}),
        )
        .await;
        uri
    }

    /// `shutdown` then `exit`.
    pub async fn shutdown(&mut self) {
        let result = self.request("shutdown", Value::Null).await;
        assert_eq!(result, Value::Null);
        self.notify("exit", Value::Null).await;
    }
}

/// Read framed messages from `read` on a task of their own; the channel
/// closes at the end of the stream.
fn read_messages(read: Box<dyn AsyncRead + Unpin + Send>) -> Reader {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut reader = BufReader::new(read);
        loop {
            let mut length = None;
            loop {
                let mut line = String::new();
                match reader.read_line(&mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(v) = line.strip_prefix("Content-Length: ") {
                    length = v.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; length.expect("Content-Length header")];
            if reader.read_exact(&mut body).await.is_err() {
                return;
            }
            if std::env::var_os("LSP_TEST_DEBUG").is_some() {
                eprintln!(
                    "<- {}",
                    String::from_utf8_lossy(&body[..body.len().min(200)])
                );
            }
            let message = serde_json::from_slice(&body).expect("JSON body");
            if tx.send(message).is_err() {
                return;
            }
        }
    });
    rx
}

/// The peak and current resident memory (`VmHWM`, `VmRSS`) of process
/// `pid`, in bytes.
pub fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0)
            * 1024
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// A project file of about `bytes` bytes and its number of services: a
/// project, a layer, two environments, then 11-line services each
/// referencing the one before (as `benches/latency.rs` generates them).
pub fn large_document(bytes: usize) -> (String, usize) {
    use std::fmt::Write as _;
    let mut text = String::from(
        "project \"bench\" {\n    region \"us-west2\"\n}\nlayer \"base\" {\n    vars {\n        LOG_LEVEL \"info\"\n    }\n}\nenvironment \"production\" layer=\"base\" {\n    replicas 2\n}\nenvironment \"staging\" layer=\"base\"\nservice \"s0\" {\n    image \"nginx:1.27\"\n}\n",
    );
    let mut i = 1;
    while text.len() < bytes {
        let dep = i - 1;
        let _ = write!(
            text,
            "service \"s{i}\" {{\n    image \"nginx:1.27\"\n    port 3000\n    replicas 1\n    healthcheck \"/healthz\" timeout=30\n    vars {{\n        NAME \"s{i}\"\n        UPSTREAM \"http://${{{{s{dep}.RAILWAY_PRIVATE_DOMAIN}}}}:${{{{s{dep}.PORT}}}}\"\n    }}\n    depends-on \"s{dep}\"\n}}\n"
        );
        i += 1;
    }
    (text, i)
}

/// The `file://` URI of a path.
pub fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A copy of `lsp/tests/fixtures/<name>` in a temporary directory, so that
/// tests may change files on disk. Returns the directory and the project
/// path inside it.
pub fn fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let dir = tempfile::tempdir().expect("tempdir");
    // Canonical, so that URIs the server derives match the ones we send.
    let root = dir.path().canonicalize().expect("canonical").join(name);
    std::fs::create_dir_all(&root).expect("create fixture dir");
    for entry in std::fs::read_dir(&from).expect("fixture exists") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), root.join(entry.file_name())).expect("copy fixture file");
    }
    (dir, root)
}

/// `value` with the project root's URI replaced by `file:///ROOT` and the
/// standard-library copy's directory by `file:///STD`, for snapshots.
pub fn redact(value: &Value, root: &Path) -> Value {
    let text = value.to_string();
    let text = text.replace(&uri(root), "file:///ROOT");
    let std_dir = std::env::temp_dir().join(format!(
        "mirage-lsp-{}-{}",
        env!("CARGO_PKG_VERSION"),
        std::process::id()
    ));
    let text = text.replace(&uri(&std_dir), "file:///STD");
    let text = text.replace(&root.display().to_string(), "ROOT");
    serde_json::from_str(&text).expect("still JSON")
}

/// A protocol position.
pub fn pos(uri: &str, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
}

/// The protocol position of the first `needle` in `text`, `skip` bytes into it.
pub fn find(text: &str, needle: &str, skip: usize) -> (u32, u32) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` in fixture"))
        + skip;
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..at].matches('\n').count() as u32;
    let character = text[line_start..at].encode_utf16().count() as u32;
    (line, character)
}

/// The `shop` fixture copied to a temporary directory, and an in-process
/// server initialised on it (`client_watches`: whether the client offers
/// `workspace/didChangeWatchedFiles`).
pub async fn started(client_watches: bool) -> (tempfile::TempDir, PathBuf, Client) {
    let (tmp, root) = fixture("shop");
    let mut c = Client::in_process();
    c.initialize(&root, client_watches).await;
    (tmp, root, c)
}

impl Client {
    /// Opens `path` from disk and waits for its first diagnostics: the
    /// text, the document URI and those diagnostics.
    pub async fn open_file(&mut self, path: &Path) -> (String, String, Value) {
        let text = std::fs::read_to_string(path).expect("fixture");
        let uri = self.open(path).await;
        let diagnostics = self.diagnostics(&uri).await;
        (text, uri, diagnostics)
    }
}

/// The labels of a completion result, in order.
pub fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| i["label"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}
