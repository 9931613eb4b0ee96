//! The server's memory while a large document is edited: re-analysing
//! after changes does not hold two analyses at once (the old one is freed
//! first, and the analyses keep no instances), so editing does not raise
//! the peak reached when the document was opened. `benches/memory.rs`
//! reports the figures for 1, 5 and 20 MB.

// Alone in its binary: it measures the peak memory of a server whose
// analyses overlap differently when other tests run beside it.
#[path = "integration/support/mod.rs"]
mod support;

use std::time::Duration;

use serde_json::json;
use support::{Client, large_document, memory};

#[tokio::test]
async fn editing_a_large_document_does_not_raise_the_peak_memory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().canonicalize().expect("canonical");
    let (text, _) = large_document(1_000_000);
    let path = root.join("main.mirage");
    std::fs::write(&path, &text).expect("write");
    let (mut c, child) = Client::spawn();
    let pid = child.id().expect("pid");
    c.initialize(&root, true).await;
    let (idle, _) = memory(pid);
    let uri = c.open_text(&path, &text).await;
    assert_eq!(c.diagnostics(&uri).await, json!([]));
    let (opened, _) = memory(pid);
    // A burst, then single keystrokes after a pause each.
    let (line, character) = support::find(&text, "NAME \"s1\"", 6);
    let change = |version: i64| {
        json!({
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{
                "range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": character}},
                "text": "x"
            }]
        })
    };
    let mut version = 1;
    for _ in 0..50 {
        version += 1;
        c.notify("textDocument/didChange", change(version)).await;
    }
    for _ in 0..3 {
        while c
            .next_publish(&uri, Duration::from_secs(600))
            .await
            .expect("published")["version"]
            != version
        {}
        tokio::time::sleep(Duration::from_millis(200)).await;
        version += 1;
        c.notify("textDocument/didChange", change(version)).await;
    }
    while c
        .next_publish(&uri, Duration::from_secs(600))
        .await
        .expect("published")["version"]
        != version
    {}
    let (edited, _) = memory(pid);
    let mb = |b: u64| b / 1_000_000;
    let (opened_mb, edited_mb) = (mb(opened - idle), mb(edited - idle));
    assert!(
        edited - idle < (opened - idle) * 5 / 4,
        "editing raised the peak from {opened_mb} MB to {edited_mb} MB above idle ({} MB) for a {} MB document",
        mb(idle),
        mb(text.len() as u64)
    );
    // A generous bound on the whole: the input is 1 MB.
    assert!(edited - idle < 150_000_000, "{edited_mb} MB above idle");
    c.shutdown().await;
}
