//! Hostile input on the real binary's standard input: random bytes,
//! frames that are not JSON or not JSON-RPC, missing, negative, huge and
//! lying `Content-Length`s. Each is answered with a JSON-RPC error where
//! the protocol allows (`id: null` when the id is unknown) and the server
//! keeps serving: after each one, a hover request is answered.

use crate::support;

use serde_json::{Value, json};
use support::{Client, find, fixture, pos};

/// `count` deterministic random bytes that hold no `Content-Length`.
fn random_bytes(count: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..count)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// A hover request's answer proves the server still serves.
async fn still_serving(c: &mut Client, uri: &str, at: (u32, u32)) {
    let hover = c.request("textDocument/hover", pos(uri, at.0, at.1)).await;
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("service `api`"), "{hover:#}");
}

#[tokio::test]
async fn malformed_frames_are_answered_and_the_server_keeps_serving() {
    let (_tmp, root) = fixture("shop");
    let (mut c, mut child) = Client::spawn();
    c.initialize(&root, true).await;
    let (text, uri, _) = c.open_file(&root.join("services.mirage")).await;
    let api = find(&text, "service \"api\"", 9);
    still_serving(&mut c, &uri, api).await;

    let hover = |id: i64| {
        frame(
            json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/hover",
                   "params": pos(&uri, api.0, api.1)})
            .to_string()
            .as_bytes(),
        )
    };
    let junk = random_bytes(8192);
    assert!(!junk.windows(15).any(|w| w == b"Content-Length:"));
    let cases: Vec<(&str, Vec<u8>, i64, Value)> = vec![
        ("random bytes", junk, -32700, Value::Null),
        ("invalid JSON", frame(b"{\"jsonrpc\": \"2.0\", \"id\": 5, "), -32700, Value::Null),
        (
            "no Content-Length",
            b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"initialized\"}".to_vec(),
            -32700,
            Value::Null,
        ),
        (
            "negative Content-Length",
            b"Content-Length: -40\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"initialized\"}".to_vec(),
            -32700,
            Value::Null,
        ),
        (
            "huge Content-Length",
            b"Content-Length: 1000000000000\r\n\r\n{\"jsonrpc\":".to_vec(),
            -32600,
            Value::Null,
        ),
        (
            "Content-Length beyond 64 bits",
            b"Content-Length: 184467440737095516160\r\n\r\n".to_vec(),
            -32600,
            Value::Null,
        ),
        (
            "a body shorter than announced",
            b"Content-Length: 4000\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":77,\"meth".to_vec(),
            -32700,
            Value::Null,
        ),
        ("an array", frame(b"[1, 2, 3]"), -32600, Value::Null),
        ("a number", frame(b"42"), -32600, Value::Null),
        ("a string", frame(b"\"hello\""), -32600, Value::Null),
        ("an object without jsonrpc or method", frame(br#"{"id": 9, "params": {}}"#), -32600, json!(9)),
        ("an object without method", frame(br#"{"jsonrpc": "2.0", "id": "ten"}"#), -32600, json!("ten")),
        (
            "a wrong JSON-RPC version",
            frame(br#"{"jsonrpc": "1.0", "id": 11, "method": "textDocument/hover"}"#),
            -32600,
            json!(11),
        ),
        ("not UTF-8", frame(b"{\"jsonrpc\": \"2.0\", \"method\": \"\xff\xfe\"}"), -32700, Value::Null),
        ("an empty body", frame(b""), -32700, Value::Null),
    ];
    for (i, (name, bytes, code, id)) in cases.into_iter().enumerate() {
        // The malformed bytes and a valid request right behind them, in one
        // write, as a confused client or a proxy would send them.
        let request_id = 1000 + i as i64;
        let mut write = bytes;
        write.extend(hover(request_id));
        c.send_raw(&write).await;
        // The two answers may come in either order.
        let answer = c.response(json!(request_id)).await;
        let error = c.stray_response().await;
        assert_eq!(error["error"]["code"], code, "{name}: {error}");
        assert_eq!(error["id"], id, "{name}: {error}");
        assert_eq!(error["jsonrpc"], "2.0", "{name}: {error}");
        assert!(
            answer["contents"]["value"]
                .as_str()
                .is_some_and(|t| t.contains("service `api`")),
            "{name}: the request after it was answered: {answer:#}"
        );
        assert!(
            child.try_wait().expect("status").is_none(),
            "{name}: exited"
        );
    }
    // An unknown method is tower-lsp's answer, through the framing layer.
    let unknown = c.request("mirage/noSuchMethod", json!({})).await;
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    still_serving(&mut c, &uri, api).await;
    c.shutdown().await;
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), child.wait())
        .await
        .expect("exits after `exit`")
        .expect("status");
    assert!(status.success(), "{status}");
}

/// A frame over the 64 MiB limit, actually sent, is skipped as it arrives:
/// the server's peak memory does not grow by its size.
#[tokio::test]
async fn a_frame_over_the_limit_is_skipped_without_buffering_it() {
    let (_tmp, root) = fixture("shop");
    let (mut c, child) = Client::spawn();
    c.initialize(&root, true).await;
    let (text, uri, _) = c.open_file(&root.join("services.mirage")).await;
    let api = find(&text, "service \"api\"", 9);
    still_serving(&mut c, &uri, api).await;
    let pid = child.id().expect("pid");
    let before = support::memory(pid).0;
    const SIZE: usize = 100 * 1024 * 1024;
    c.send_raw(format!("Content-Length: {SIZE}\r\n\r\n").as_bytes())
        .await;
    let chunk = vec![b' '; 1024 * 1024];
    for _ in 0..SIZE / chunk.len() {
        c.send_raw(&chunk).await;
    }
    let error = c.stray_response().await;
    assert_eq!(error["error"]["code"], -32600, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("over the limit")),
        "{error}"
    );
    still_serving(&mut c, &uri, api).await;
    let grown = support::memory(pid).0.saturating_sub(before);
    assert!(
        grown < 16 * 1024 * 1024,
        "peak memory grew by {grown} bytes for a skipped {SIZE}-byte frame"
    );
    c.shutdown().await;
}
