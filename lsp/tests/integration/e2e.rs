//! The real `mirage-lsp` binary over stdio, as an editor starts it:
//! initialize, didOpen, diagnostics, completion, shutdown, exit.

use crate::support;

use std::process::Stdio;

use support::{Client, find, fixture, pos};

#[tokio::test]
async fn binary_over_stdio() {
    let (_tmp, root) = fixture("shop");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_mirage-lsp"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start mirage-lsp");
    let stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let mut c = Client::over(Box::new(stdout), Box::new(stdin));
    let init = c.initialize(&root, false).await;
    assert_eq!(init["serverInfo"]["name"], "mirage-lsp");
    assert_eq!(
        init["capabilities"]["textDocumentSync"]["change"], 2,
        "incremental"
    );
    let path = root.join("services.mirage");
    let text = std::fs::read_to_string(&path)
        .expect("fixture")
        .replace("from=\"node-web\"", "from=\"node-wbe\"");
    let u = c.open_text(&path, &text).await;
    let diags = c.diagnostics(&u).await;
    assert_eq!(
        diags[0]["code"], "mirage::resolve::unknown_template",
        "{diags:#}"
    );
    assert!(
        diags[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("did you mean `node-web`?"))
    );
    let (line, character) = find(&text, "from=\"node-wbe\"", 6);
    let items = c
        .request("textDocument/completion", pos(&u, line, character))
        .await;
    let labels: Vec<&str> = items
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert_eq!(labels, ["node-web", "std/postgres"]);
    c.shutdown().await;
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), child.wait())
        .await
        .expect("exits after `exit`")
        .expect("status");
    assert!(status.success(), "{status}");
    let version = std::process::Command::new(env!("CARGO_BIN_EXE_mirage-lsp"))
        .arg("--version")
        .output()
        .expect("run --version");
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("mirage-lsp {}", env!("CARGO_PKG_VERSION"))
    );
}
