//! Files no editor should make the server hang or balloon on: a FIFO named
//! `*.mirage` in the project and as an import, imports of a device and of a
//! file over the size limit, and an opened document over the limit. Each
//! must give a located diagnostic with a stable code, promptly.
//!
//! The real `mirage-lsp` binary runs as a child (killed when the test ends,
//! under a 2 GiB address-space limit), so a server blocked on a FIFO or
//! reading `/dev/zero` fails the test through the client's timeout instead
//! of hanging it or exhausting the machine.

#![cfg(unix)]

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;
use support::{Client, uri};

/// The reader's limit: 8 MiB.
const LIMIT: u64 = 8 * 1024 * 1024;

/// A project directory (canonical, so URIs match the server's) with
/// `lib/` inside.
fn project() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp
        .path()
        .canonicalize()
        .expect("canonical")
        .join("project");
    std::fs::create_dir_all(root.join("lib")).expect("mkdir");
    (tmp, root)
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// The server binary, started as an editor would, memory-limited.
async fn server(root: &Path) -> (tokio::process::Child, Client) {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2097152 && exec \"$0\"")
        .arg(env!("CARGO_BIN_EXE_mirage-lsp"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start mirage-lsp");
    let stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let mut c = Client::over(Box::new(stdout), Box::new(stdin));
    c.initialize(root, false).await;
    (child, c)
}

/// `main.mirage` importing `target` on its second line (line 1 from 0).
fn main_importing(target: &str) -> String {
    format!("project \"shop\"\nimport \"{target}\"\nenvironment \"production\"\n")
}

/// The diagnostic with `code` in `diags`, or a failure listing them all.
fn with_code<'a>(diags: &'a Value, code: &str) -> &'a Value {
    diags
        .as_array()
        .expect("a list of diagnostics")
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no `{code}` in {diags:#}"))
}

/// Open `main.mirage` with `text`; its diagnostic with `code` is on the
/// import's line.
async fn assert_import_refused(root: &Path, text: &str, code: &str) {
    let (_child, mut c) = server(root).await;
    let main = root.join("main.mirage");
    std::fs::write(&main, text).expect("write");
    let u = c.open_text(&main, text).await;
    let diags = c.diagnostics(&u).await;
    let d = with_code(&diags, code);
    assert_eq!(d["range"]["start"]["line"], 1, "{d:#}");
    assert_eq!(d["range"]["start"]["character"], 7, "at the string: {d:#}");
    c.shutdown().await;
}

#[tokio::test]
async fn an_imported_fifo_is_reported_not_waited_on() {
    let (_tmp, root) = project();
    mkfifo(&root.join("lib/pipe.mirage"));
    assert_import_refused(
        &root,
        &main_importing("./lib/pipe.mirage"),
        "mirage::resolve::not_a_regular_file",
    )
    .await;
}

#[tokio::test]
async fn a_fifo_in_the_project_directory_gets_its_own_diagnostic() {
    let (_tmp, root) = project();
    let fifo = root.join("x.mirage");
    mkfifo(&fifo);
    let (_child, mut c) = server(&root).await;
    let main = root.join("main.mirage");
    let text = "project \"shop\"\nenvironment \"production\"\n";
    std::fs::write(&main, text).expect("write");
    let u = c.open_text(&main, text).await;
    assert_eq!(c.diagnostics(&u).await, serde_json::json!([]));
    let diags = c.diagnostics(&uri(&fifo)).await;
    with_code(&diags, "mirage::resolve::not_a_regular_file");
    c.shutdown().await;
}

#[tokio::test]
async fn imports_of_devices_are_refused_unread() {
    let (_tmp, root) = project();
    std::os::unix::fs::symlink("/dev/zero", root.join("lib/zero.mirage")).expect("symlink");
    assert_import_refused(
        &root,
        &main_importing("./lib/zero.mirage"),
        "mirage::resolve::outside_project",
    )
    .await;
    assert_import_refused(
        &root,
        &main_importing("../../../../../../../../../dev/urandom"),
        "mirage::resolve::outside_project",
    )
    .await;
}

#[tokio::test]
async fn an_imported_file_over_the_limit_is_refused_unread() {
    let (_tmp, root) = project();
    let file = std::fs::File::create(root.join("lib/huge.mirage")).expect("create");
    // Sparse: costs nothing on disk.
    file.set_len(LIMIT + 1).expect("set_len");
    assert_import_refused(
        &root,
        &main_importing("./lib/huge.mirage"),
        "mirage::resolve::file_too_large",
    )
    .await;
}

#[tokio::test]
async fn an_opened_document_over_the_limit_is_not_analysed() {
    let (_tmp, root) = project();
    let (_child, mut c) = server(&root).await;
    let path = root.join("big.mirage");
    // A comment: cheap to parse, so only the limit can explain the answer.
    let mut text = String::from("// ");
    text.push_str(&"x".repeat(LIMIT as usize));
    text.push('\n');
    let u = c.open_text(&path, &text).await;
    let diags = c.diagnostics(&u).await;
    let d = with_code(&diags, "mirage::resolve::file_too_large");
    assert!(
        d["message"].as_str().is_some_and(|m| m.contains("8 MiB")),
        "names the limit: {d:#}"
    );
    // Still serving: a small document next to it is analysed.
    let small = root.join("main.mirage");
    let u = c
        .open_text(&small, "project \"shop\"\nenvironment \"production\"\n")
        .await;
    c.diagnostics(&u).await;
    c.shutdown().await;
}
