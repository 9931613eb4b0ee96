//! The server never crashes or hangs: junk, half-typed nodes, huge files,
//! positions past the end, unknown requests, files deleted while open. It
//! keeps the last good analysis while a file does not parse, and sees files
//! change on disk (through the editor's watcher or its own).

use crate::support;

use std::time::Duration;

use serde_json::json;
use support::{Client, find, pos, started};

/// Every feature request at a few positions of the document; the server
/// must answer each (any answer) and stay up.
async fn poke_everything(c: &mut Client, uri: &str, lines: u32) {
    for line in [0, 1, lines / 2, lines.saturating_sub(1), lines + 10] {
        for character in [0, 3, 80, 100_000] {
            let p = pos(uri, line, character);
            for method in [
                "textDocument/completion",
                "textDocument/hover",
                "textDocument/definition",
            ] {
                c.request(method, p.clone()).await;
            }
            let mut r = p.clone();
            r["context"] = json!({"includeDeclaration": true});
            c.request("textDocument/references", r).await;
            let mut r = p.clone();
            r["newName"] = json!("renamed");
            c.request("textDocument/rename", r).await;
        }
    }
    c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    )
    .await;
    c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}}),
    )
    .await;
    c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": lines + 5, "character": 0}}, "context": {"diagnostics": []}}),
    )
    .await;
}

#[tokio::test]
async fn junk_half_typed_huge_and_unknown_requests() {
    let (_tmp, root, mut c) = started(true).await;
    // Deterministic junk: every byte value, control characters, broken
    // UTF-8 made lossy, unbalanced braces and quotes.
    let bytes: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let junk = String::from_utf8_lossy(&bytes).into_owned();
    let half = "service \"a\" from=\nservice \"b\" {\n    vars {\n        X \"${{a.\n    depends-on \"\nenvironment \"e\" layer=\"\n{{{{ }}}} \"unterminated\n/* open comment\n";
    let mut huge = String::new();
    for i in 0..5_000 {
        huge.push_str(&format!(
            "service \"s{i}\" {{ image \"nginx\"; vars {{ A \"${{{{s{}.A}}}}\" }} }}\n",
            i / 2
        ));
    }
    for (name, text) in [
        ("junk", junk.as_str()),
        ("half", half),
        ("huge", huge.as_str()),
    ] {
        let path = root.join(format!("{name}.mirage"));
        let u = c.open_text(&path, text).await;
        let diags = c.diagnostics(&u).await;
        assert!(diags.is_array(), "{name}: {diags}");
        let lines = text.lines().count() as u32;
        if name == "huge" {
            poke_everything(&mut c, &u, 3).await;
        } else {
            poke_everything(&mut c, &u, lines).await;
        }
        c.notify("textDocument/didClose", json!({"textDocument": {"uri": u}}))
            .await;
        c.diagnostics(&u).await;
    }
    let unknown = c.request("mirage/unknownRequest", json!({"x": 1})).await;
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    // Still serving.
    let u = c.open(&root.join("services.mirage")).await;
    assert_eq!(c.diagnostics(&u).await, json!([]));
    c.shutdown().await;
}

#[tokio::test]
async fn file_deleted_while_open_and_last_good_analysis() {
    let (_tmp, root, mut c) = started(true).await;
    let path = root.join("services.mirage");
    let (text, u, diagnostics) = c.open_file(&path).await;
    assert_eq!(diagnostics, json!([]));
    std::fs::remove_file(&path).expect("delete");
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": u, "type": 3}]}),
    )
    .await;
    // The buffer is still the truth while it is open.
    assert_eq!(c.diagnostics(&u).await, json!([]));
    // Break the file: the model of the last good analysis still knows
    // `db`'s variables for completion.
    let broken = text.replace("${{db.DATABASE_URL}}", "${{db.");
    let broken = format!("{broken}service \"half\" {{\n    vars {{\n");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": broken}]}),
    )
    .await;
    let diags = c.diagnostics(&u).await;
    assert!(!diags.as_array().expect("array").is_empty());
    let (line, character) = find(&broken, "${{db.", 6);
    let items = c
        .request("textDocument/completion", pos(&u, line, character))
        .await;
    let labels: Vec<&str> = items
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(labels.contains(&"DATABASE_URL"), "{labels:?}");
    assert!(labels.contains(&"RAILWAY_PRIVATE_DOMAIN"), "{labels:?}");
    // Closing the deleted file: the project no longer has it, its
    // diagnostics are cleared, and the others' unknown references show.
    c.notify("textDocument/didClose", json!({"textDocument": {"uri": u}}))
        .await;
    assert_eq!(c.diagnostics(&u).await, json!([]));
    c.shutdown().await;
}

#[tokio::test]
async fn editor_watched_files_refresh_closed_files() {
    let (_tmp, root, mut c) = started(true).await;
    let u = c.open(&root.join("services.mirage")).await;
    c.diagnostics(&u).await;
    assert!(
        c.server_requests
            .iter()
            .any(|r| r["method"] == "client/registerCapability"),
        "the server asked the editor to watch `.mirage` files"
    );
    let env = root.join("environments.mirage");
    let text = std::fs::read_to_string(&env)
        .expect("fixture")
        .replace("layer=\"prod\"", "layer=\"prdo\"");
    std::fs::write(&env, text).expect("write");
    let env_uri = support::uri(&env);
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": env_uri, "type": 2}]}),
    )
    .await;
    let diags = c.diagnostics(&env_uri).await;
    assert!(
        diags
            .as_array()
            .expect("array")
            .iter()
            .any(|d| d["code"] == "mirage::resolve::unknown_layer"),
        "{diags:#}"
    );
    c.shutdown().await;
}

#[tokio::test]
async fn own_watcher_when_the_editor_has_none() {
    let (_tmp, root, mut c) = started(false).await;
    let u = c.open(&root.join("services.mirage")).await;
    c.diagnostics(&u).await;
    assert!(c.server_requests.is_empty());
    // Give the watcher a moment to be registered before writing.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let env = root.join("environments.mirage");
    let text = std::fs::read_to_string(&env)
        .expect("fixture")
        .replace("layer=\"prod\"", "layer=\"prdo\"");
    std::fs::write(&env, text).expect("write");
    let diags = c.diagnostics(&support::uri(&env)).await;
    assert!(
        diags
            .as_array()
            .expect("array")
            .iter()
            .any(|d| d["code"] == "mirage::resolve::unknown_layer"),
        "{diags:#}"
    );
    c.shutdown().await;
}
