//! In-process protocol tests: requests to a `mirage-lsp` server on the
//! `shop` fixture project, responses compared with snapshots.

use crate::support;

use serde_json::{Value, json};
use support::{Client, find, labels, pos, redact, started};

async fn change(
    client: &mut Client,
    uri: &str,
    version: i32,
    text_before: &str,
    needle: &str,
    replace_len: usize,
    with: &str,
) {
    let (line, character) = find(text_before, needle, 0);
    let end = find(text_before, needle, replace_len);
    client
        .notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{
                    "range": {"start": {"line": line, "character": character}, "end": {"line": end.0, "character": end.1}},
                    "text": with
                }]
            }),
        )
        .await;
}

#[tokio::test]
async fn diagnostics_as_you_type_across_files() {
    let (_tmp, root, mut c) = started(true).await;
    let path = root.join("services.mirage");
    let (text, u, diagnostics) = c.open_file(&path).await;
    assert_eq!(diagnostics, json!([]));
    // A typo in a template name and a cycle `db` → `api` → `db`, typed
    // with incremental edits.
    change(&mut c, &u, 2, &text, "node-web", 8, "node-wbe").await;
    let diags = c.diagnostics(&u).await;
    let text = text.replace("node-web", "node-wbe");
    change(
        &mut c,
        &u,
        3,
        &text,
        "    volume",
        0,
        "    depends-on \"api\"\n",
    )
    .await;
    let cycle = c.diagnostics(&u).await;
    insta::assert_json_snapshot!("typo", redact(&diags, &root));
    insta::assert_json_snapshot!("cycle", redact(&cycle, &root));
    // Every edge of the cycle is a related location.
    let related = cycle
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["code"].as_str().is_some_and(|c| c.contains("cycle")))
        .map(|d| d["relatedInformation"].as_array().map_or(0, Vec::len));
    assert!(related.is_some_and(|n| n >= 1), "{cycle:#}");
    c.shutdown().await;
}

#[tokio::test]
async fn positions_count_utf16_with_tabs_and_crlf() {
    let (_tmp, root, mut c) = started(true).await;
    let text = "service \"web\" {\r\n\timage \"nginx\"\r\n\tvars { GREETING \"h\u{e9}llo \u{1F680}\"; BAD \"${{dbb.URL}}\" }\r\n}\r\n";
    let u = c.open_text(&root.join("extra.mirage"), text).await;
    let diags = c.diagnostics(&u).await;
    let bad = diags
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["code"] == "mirage::resolve::unknown_service")
        .unwrap_or_else(|| panic!("unknown service reported: {diags:#}"));
    // The variable's node, counted in UTF-16 units after a tab, an accent
    // (one unit) and an emoji (two units).
    let (line, character) = find(text, "BAD", 0);
    assert_eq!((line, character), (2, 29));
    assert_eq!(
        bad["range"]["start"],
        json!({"line": line, "character": character})
    );
    insta::assert_json_snapshot!("crlf_utf16", redact(&diags, &root));
    // The quick fix lands on `dbb` exactly.
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": u}, "range": bad["range"], "context": {"diagnostics": []}}),
        )
        .await;
    insta::assert_json_snapshot!("crlf_utf16_fix", redact(&actions, &root));
    c.shutdown().await;
}

#[tokio::test]
async fn completion_by_context() {
    let (_tmp, root, mut c) = started(true).await;
    let path = root.join("services.mirage");
    let (base, u, _) = c.open_file(&path).await;
    let cases: &[(&str, &str, &str)] = &[
        (
            "setting",
            "    depends-on \"db\"\n",
            "    depends-on \"db\"\n    rep",
        ),
        (
            "property",
            "    depends-on \"db\"\n",
            "    depends-on \"db\"\n    healthcheck \"/\" ",
        ),
        (
            "builder",
            "    depends-on \"db\"\n",
            "    depends-on \"db\"\n    builder \"",
        ),
        (
            "restart",
            "    depends-on \"db\"\n",
            "    depends-on \"db\"\n    restart \"on",
        ),
        (
            "region",
            "    depends-on \"db\"\n",
            "    depends-on \"db\"\n    region \"",
        ),
        (
            "from",
            "service \"db\" from=\"std/postgres\"",
            "service \"db\" from=\"std/postgres\"\nservice \"x\" from=\"",
        ),
        (
            "depends_on",
            "    depends-on \"db\"\n",
            "    depends-on \"db\" \"",
        ),
        ("reference_service", "${{db.DATABASE_URL}}", "${{"),
        (
            "reference_variable",
            "${{db.DATABASE_URL}}",
            "${{db.DATABASE",
        ),
        ("import", "service \"db\"", "import \"std/\nservice \"db\""),
        ("top_level", "service \"db\"", "env\nservice \"db\""),
    ];
    let mut all = serde_json::Map::new();
    for (version, (name, needle, replacement)) in cases.iter().enumerate() {
        let text = base.replacen(needle, replacement, 1);
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": u, "version": version + 2}, "contentChanges": [{"text": text}]}),
        )
        .await;
        c.diagnostics(&u).await;
        let at = if *name == "import" || *name == "top_level" {
            text.find('\n').expect("line")
        } else {
            text.find(replacement).expect("replacement") + replacement.len()
        };
        let line = text[..at].matches('\n').count() as u32;
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let character = text[line_start..at].encode_utf16().count() as u32;
        let result = c
            .request("textDocument/completion", pos(&u, line, character))
            .await;
        all.insert((*name).to_string(), json!(labels(&result)));
    }
    insta::assert_json_snapshot!("completion", Value::Object(all));
    c.shutdown().await;
}

/// Railway's rules are diagnostics in the editor too (the server runs the
/// same resolver), and a domain pattern shows expanded in the effective
/// configuration of hover.
#[tokio::test]
async fn railway_rules_and_domain_patterns() {
    let (_tmp, root, mut c) = started(true).await;
    let path = root.join("environments.mirage");
    let (text, u, diagnostics) = c.open_file(&path).await;
    assert_eq!(diagnostics, json!([]));
    // `db` has a volume (std/postgres): two replicas in production break
    // Railway's rule, located at the value.
    change(&mut c, &u, 2, &text, "replicas 1", 10, "replicas 2").await;
    let diags = c.diagnostics(&u).await;
    let rule = diags
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["code"] == "mirage::rules::replicas_with_volume")
        .unwrap_or_else(|| panic!("replicas_with_volume reported: {diags:#}"));
    let (line, character) = find(&text, "replicas 1", 9);
    assert_eq!(
        rule["range"]["start"],
        json!({"line": line, "character": character}),
        "{rule:#}"
    );
    assert_eq!(rule["severity"], json!(1), "an error: {rule:#}");
    assert!(
        rule["message"]
            .as_str()
            .is_some_and(|m| m.contains("`db` has a volume")),
        "{rule:#}"
    );
    let text = text.replace("replicas 1", "replicas 2");
    change(&mut c, &u, 3, &text, "replicas 2", 10, "replicas 1").await;
    assert_eq!(c.diagnostics(&u).await, json!([]));

    // A domain per environment: the pattern, then the same domain in two
    // environments, which is an error.
    let services = root.join("services.mirage");
    let (stext, su, _) = c.open_file(&services).await;
    change(
        &mut c,
        &su,
        2,
        &stext,
        "    depends-on",
        0,
        "    domain \"api.{environment}.shop.example\"\n",
    )
    .await;
    assert_eq!(c.diagnostics(&su).await, json!([]));
    let (line, character) = find(&text, "service \"api\"", 10);
    let hover = c
        .request("textDocument/hover", pos(&u, line, character))
        .await;
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        shown.contains("api.production.shop.example"),
        "the expanded domain in production: {shown}"
    );
    let stext = stext.replace(
        "    depends-on",
        "    domain \"api.{environment}.shop.example\"\n    depends-on",
    );
    change(&mut c, &su, 3, &stext, "{environment}.", 14, "").await;
    let diags = c.diagnostics(&su).await;
    assert!(
        diags
            .as_array()
            .expect("array")
            .iter()
            .any(|d| d["code"] == "mirage::rules::domain_attached_twice"),
        "{diags:#}"
    );
    c.shutdown().await;
}

#[tokio::test]
async fn hover_docs_and_effective_values() {
    let (_tmp, root, mut c) = started(true).await;
    let path = root.join("environments.mirage");
    let (text, u, _) = c.open_file(&path).await;
    let mut all = serde_json::Map::new();
    for (name, needle, skip) in [
        ("node_docs", "replicas 1", 2),
        ("service_in_environment", "service \"api\"", 10),
        ("layer_reference", "layer=\"prod\"", 8),
    ] {
        let (line, character) = find(&text, needle, skip);
        let result = c
            .request("textDocument/hover", pos(&u, line, character))
            .await;
        all.insert(name.into(), redact(&result, &root));
    }
    insta::assert_json_snapshot!("hover", Value::Object(all));
    c.shutdown().await;
}

#[tokio::test]
async fn definition_references_and_rename() {
    let (_tmp, root, mut c) = started(true).await;
    let path = root.join("services.mirage");
    let (text, u, _) = c.open_file(&path).await;
    let mut all = serde_json::Map::new();
    for (name, needle, skip) in [
        ("template", "from=\"node-web\"", 8),
        ("service_in_reference", "${{db.", 3),
        ("stdlib_template", "from=\"std/postgres\"", 8),
    ] {
        let (line, character) = find(&text, needle, skip);
        let result = c
            .request("textDocument/definition", pos(&u, line, character))
            .await;
        all.insert(name.into(), redact(&result, &root));
    }
    let (line, character) = find(&text, "service \"db\"", 9);
    let mut params = pos(&u, line, character);
    params["context"] = json!({"includeDeclaration": true});
    let refs = c.request("textDocument/references", params).await;
    all.insert("references_db".into(), redact(&refs, &root));
    let mut params = pos(&u, line, character);
    params["newName"] = json!("database");
    let rename = c.request("textDocument/rename", params).await;
    all.insert("rename_db".into(), redact(&rename, &root));
    let mut params = pos(&u, line, character);
    params["newName"] = json!("bad.name");
    let refused = c.request("textDocument/rename", params).await;
    assert!(refused.get("error").is_some(), "{refused}");
    insta::assert_json_snapshot!("navigation", Value::Object(all));
    // The import's target is the standard library's read-only copy.
    let project = root.join("project.mirage");
    let ptext = std::fs::read_to_string(&project).expect("fixture");
    let pu = c.open(&project).await;
    c.diagnostics(&pu).await;
    let (line, character) = find(&ptext, "std/postgres", 2);
    let target = c
        .request("textDocument/definition", pos(&pu, line, character))
        .await;
    let target_uri = target["uri"].as_str().expect("uri");
    assert!(target_uri.ends_with("/std/postgres.mirage"), "{target}");
    let std_path = std::path::PathBuf::from(target_uri.trim_start_matches("file://"));
    let meta = std::fs::metadata(&std_path).expect("std copy exists");
    assert!(meta.permissions().readonly());
    c.shutdown().await;
}

#[tokio::test]
async fn outline_formatting_and_quick_fix() {
    let (_tmp, root, mut c) = started(true).await;
    let path = root.join("environments.mirage");
    let u = c.open(&path).await;
    c.diagnostics(&u).await;
    let symbols = c
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": u}}),
        )
        .await;
    insta::assert_json_snapshot!("outline", redact(&symbols, &root));

    let messy = "layer  \"base\"   {\n vars { LOG_LEVEL   \"info\" }\n}\nenvironment \"staging\" layer=\"bsae\"\nenvironment \"production\" layer=\"base\"\n";
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": messy}]}),
    )
    .await;
    let diags = c.diagnostics(&u).await;
    let edits = c
        .request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": u}, "options": {"tabSize": 4, "insertSpaces": true}}),
        )
        .await;
    let formatted = mirage::syntax::format(messy).expect("formats");
    assert_eq!(edits[0]["newText"], formatted, "exactly `mirage fmt`");
    assert_eq!(
        edits[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    let typo = diags
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["code"] == "mirage::resolve::unknown_layer")
        .unwrap_or_else(|| panic!("unknown layer reported: {diags:#}"))
        .clone();
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": u}, "range": typo["range"], "context": {"diagnostics": [typo]}}),
        )
        .await;
    insta::assert_json_snapshot!("quick_fix", redact(&actions, &root));
    c.shutdown().await;
}
