//! The server's memory while a large document is edited: re-analysing
//! after changes does not hold two analyses at once (the old one is freed
//! first, and the analyses keep no instances), so editing does not raise
//! the peak reached when the document was opened.
//!
//! Measured as the peak of live heap bytes (a counting allocator) of a
//! server in this process on a multi-threaded runtime, as the binary runs
//! it: two analyses alive at once show up here whatever the machine's
//! load, while the resident set of the real binary also moves with the
//! allocator's retention of freed pages, which depends on which threads
//! ran what (it made this test flaky under load: 65 → 85 MB with the same
//! live heap). `lsp/benches/memory.rs` reports the binary's resident set;
//! `lsp/benches/analysis_memory.rs` the analysis's exact heap.

// Alone in its binary: its global allocator counts, and other tests
// beside it would count too.
#[path = "integration/support/mod.rs"]
mod support;

#[path = "../../benches/support/counting.rs"]
#[allow(dead_code)]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

use std::time::Duration;

use serde_json::json;
use support::{Client, large_document};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_a_large_document_does_not_raise_the_peak_memory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().canonicalize().expect("canonical");
    let (text, _) = large_document(1_000_000);
    let path = root.join("main.mirage");
    std::fs::write(&path, &text).expect("write");
    let mut c = Client::in_process();
    c.initialize(&root, true).await;
    let idle = counting::reset_peak() as u64;
    let uri = c.open_text(&path, &text).await;
    assert_eq!(c.diagnostics(&uri).await, json!([]));
    let opened = counting::peak() as u64;
    counting::reset_peak();
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
    let edited = counting::peak() as u64;
    let mb = |b: u64| b / 1_000_000;
    let (opened_mb, edited_mb) = (mb(opened - idle), mb(edited - idle));
    eprintln!("peak heap above idle: {opened_mb} MB after opening, {edited_mb} MB while editing");
    assert!(
        edited - idle < (opened - idle) * 5 / 4,
        "editing raised the peak from {opened_mb} MB to {edited_mb} MB above idle ({} MB) for a {} MB document",
        mb(idle),
        mb(text.len() as u64)
    );
    // A bound on the whole: the input is 1 MB, and one analysis of it
    // peaks at 32 MB of heap (`analysis_memory` bench).
    assert!(edited - idle < 60_000_000, "{edited_mb} MB above idle");
    c.shutdown().await;
}
