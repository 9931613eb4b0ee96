//! When the server analyses after changes: a single change at once, a
//! burst of changes a few times at most and last with its final text;
//! requests always see the latest text, even while the burst's analysis
//! waits for a quiet moment.

use crate::support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{Client, find, fixture, pos};
use tokio::time::Instant;

/// A `didChange` replacing `from..to` of version `version - 1` with `with`.
async fn change(
    c: &mut Client,
    uri: &str,
    version: i64,
    from: (u32, u32),
    to: (u32, u32),
    with: &str,
) {
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{
                "range": {"start": {"line": from.0, "character": from.1}, "end": {"line": to.0, "character": to.1}},
                "text": with
            }]
        }),
    )
    .await;
}

/// `count` keystrokes into the `GREETING` value, as fast as the pipe
/// takes them, then one change that makes the text wrong (`node-wbe`, an
/// unknown template) and adds a service `late`. Returns the final version.
async fn burst(c: &mut Client, uri: &str, text: &str, first: i64, count: i64) -> i64 {
    let at = find(text, "GREETING \"", 10);
    for i in 0..count {
        change(c, uri, first + i, at, at, "x").await;
    }
    let offset = text.find("GREETING \"").expect("GREETING") + 10;
    let typed = format!(
        "{}{}{}",
        &text[..offset],
        "x".repeat(count as usize),
        &text[offset..]
    );
    let from = find(&typed, "node-web", 0);
    change(
        c,
        uri,
        first + count,
        from,
        (from.0, from.1 + 8),
        "node-wbe",
    )
    .await;
    let end = (typed.lines().count() as u32, 0);
    change(
        c,
        uri,
        first + count + 1,
        end,
        end,
        "service \"late\" {\n    image \"nginx:1\"\n}\n",
    )
    .await;
    first + count + 1
}

/// Every publish for `uri` until the one of `version`, then any that come
/// within a second after it.
async fn publishes_until(c: &mut Client, uri: &str, version: i64) -> Vec<Value> {
    let mut all = Vec::new();
    loop {
        let p = c
            .next_publish(uri, Duration::from_secs(60))
            .await
            .expect("the final text is analysed");
        let last = p["version"] == version;
        all.push(p);
        if last {
            break;
        }
    }
    while let Some(p) = c.next_publish(uri, Duration::from_secs(1)).await {
        all.push(p);
    }
    all
}

fn codes(publish: &Value) -> Vec<String> {
    publish["diagnostics"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d["code"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The real binary, default schedule: 2,000 keystrokes sent at once get a
/// handful of publishes (one per keystroke before), the last one for the
/// final text.
#[tokio::test]
async fn a_burst_of_changes_is_analysed_a_few_times() {
    let (_tmp, root) = fixture("shop");
    let (mut c, _child) = Client::spawn();
    c.initialize(&root, true).await;
    let path = root.join("services.mirage");
    let (text, uri, first) = c.open_file(&path).await;
    assert_eq!(first, json!([]));
    let last = burst(&mut c, &uri, &text, 2, 2_000).await;
    let all = publishes_until(&mut c, &uri, last).await;
    eprintln!("{} publishes for 2,002 changes", all.len());
    assert!(all.len() < 50, "{} publishes for 2,002 changes", all.len());
    let final_publish = all.last().expect("a publish");
    assert_eq!(final_publish["version"], last, "{final_publish:#}");
    assert_eq!(codes(final_publish), ["mirage::resolve::unknown_template"]);
    let versions: Vec<i64> = all.iter().filter_map(|p| p["version"].as_i64()).collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    c.shutdown().await;
}

/// A long quiet period makes the schedule visible: a change after quiet is
/// analysed at once (well before the quiet period) and published once; a
/// burst is published at its start and once after the quiet period.
#[tokio::test]
async fn a_single_change_is_analysed_at_once_and_a_burst_after_quiet() {
    let quiet = Duration::from_secs(2);
    let (_tmp, root) = fixture("shop");
    let mut c = Client::in_process_with(mirage_lsp::Options {
        quiet,
        max_wait: Duration::from_secs(20),
    });
    c.initialize(&root, true).await;
    let path = root.join("services.mirage");
    let (text, uri, _) = c.open_file(&path).await;

    // One keystroke, after a quiet moment.
    tokio::time::sleep(quiet).await;
    let at = find(&text, "GREETING \"", 10);
    let sent = Instant::now();
    change(&mut c, &uri, 2, at, at, "x").await;
    let p = c
        .next_publish(&uri, Duration::from_secs(60))
        .await
        .expect("published");
    let latency = sent.elapsed();
    assert_eq!(p["version"], 2);
    assert!(latency < quiet / 2, "a single change waited {latency:?}");
    assert_eq!(
        c.next_publish(&uri, quiet + quiet / 4).await,
        None,
        "published twice"
    );

    // A burst: its first keystroke at once, the rest after the quiet period.
    let text = text.replacen("GREETING \"", "GREETING \"x", 1);
    let last = burst(&mut c, &uri, &text, 3, 300).await;
    let sent = Instant::now();
    let all = publishes_until(&mut c, &uri, last).await;
    assert!(all.len() <= 3, "{} publishes: {all:#?}", all.len());
    assert!(sent.elapsed() >= quiet, "the burst's end waited for quiet");
    assert_eq!(
        codes(&all[all.len() - 1]),
        ["mirage::resolve::unknown_template"]
    );
    c.shutdown().await;
}

/// Requests answered while a burst waits for quiet see its final text.
#[tokio::test]
async fn requests_see_the_latest_text_during_a_burst() {
    let (_tmp, root) = fixture("shop");
    let mut c = Client::in_process_with(mirage_lsp::Options {
        quiet: Duration::from_secs(30),
        max_wait: Duration::from_secs(60),
    });
    c.initialize(&root, true).await;
    let path = root.join("services.mirage");
    let (text, uri, _) = c.open_file(&path).await;
    let last = burst(&mut c, &uri, &text, 2, 100).await;
    let started = Instant::now();
    let symbols = c
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let names: Vec<&str> = symbols
        .as_array()
        .expect("symbols")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(names.contains(&"late"), "{names:?}");
    let final_text = format!(
        "{}service \"late\" {{\n    image \"nginx:1\"\n}}\n",
        text.replacen("GREETING \"", &format!("GREETING \"{}", "x".repeat(100)), 1)
            .replace("node-web", "node-wbe")
    );
    let (line, character) = find(&final_text, "service \"late\"", 9);
    let hover = c
        .request("textDocument/hover", pos(&uri, line, character))
        .await;
    assert!(
        hover["contents"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("service `late`")),
        "{hover:#}"
    );
    // The analysis the request forced was published, long before the quiet
    // period ended.
    let p = c
        .next_publish(&uri, Duration::from_secs(10))
        .await
        .expect("published");
    let p = if p["version"] == last {
        p
    } else {
        c.next_publish(&uri, Duration::from_secs(10))
            .await
            .expect("published")
    };
    assert_eq!(p["version"], last);
    assert!(started.elapsed() < Duration::from_secs(20));
    c.shutdown().await;
}
