//! Language-server memory: the peak resident set (`VmHWM`) of the real
//! `mirage-lsp` binary holding one generated `.mirage` document of 1, 5
//! and 20 MB (many services, as `latency.rs` generates them), after
//! opening it, after a burst of keystrokes sent at once, and after single
//! keystrokes with a pause before each. See docs/benchmarks.md.
//!
//!     cargo bench -p mirage-lsp --bench memory
//!
//! `MIRAGE_BENCH_SIZES` sets the sizes in MB (default `1,5,8`: one file may
//! hold at most 8 MiB since issue #11, so 20 MB is no longer one file),
//! `MIRAGE_BENCH_BURST` the keystrokes of the burst (default 200) and
//! `MIRAGE_BENCH_KEYSTROKES` the single keystrokes (default 3).

#[path = "../tests/integration/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::{Client, large_document as document, memory};

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

fn env_list(name: &str, default: &str) -> Vec<f64> {
    std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

async fn measure(size_mb: f64, burst: i64, keystrokes: i64) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().canonicalize().expect("canonical");
    let (text, services) = document((size_mb * 1_000_000.0) as usize);
    let path = root.join("main.mirage");
    std::fs::write(&path, &text).expect("write the document");
    let input = text.len() as u64;
    let (mut c, child) = Client::spawn();
    let pid = child.id().expect("pid");
    c.initialize(&root, true).await;
    let (idle, _) = memory(pid);
    let started = Instant::now();
    let uri = c.open_text(&path, &text).await;
    let first = c
        .next_publish(&uri, Duration::from_secs(3600))
        .await
        .expect("published");
    assert_eq!(
        first["diagnostics"],
        json!([]),
        "the generated document is clean"
    );
    let open_time = started.elapsed();
    let (open_peak, open_rss) = memory(pid);

    // A burst: keystrokes into the first service's NAME value, sent at once.
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
    let started = Instant::now();
    for v in 0..burst {
        c.notify("textDocument/didChange", change(2 + v)).await;
    }
    let mut publishes = 0;
    if burst > 0 {
        loop {
            let p = c
                .next_publish(&uri, Duration::from_secs(3600))
                .await
                .expect("published");
            publishes += 1;
            if p["version"] == 1 + burst {
                break;
            }
        }
    }
    let burst_time = started.elapsed();
    let (burst_peak, burst_rss) = memory(pid);

    // Single keystrokes after a pause each.
    let mut key_times = Vec::new();
    for k in 0..keystrokes {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let started = Instant::now();
        let version = 2 + burst + k;
        c.notify("textDocument/didChange", change(version)).await;
        loop {
            let p = c
                .next_publish(&uri, Duration::from_secs(3600))
                .await
                .expect("published");
            if p["version"] == version {
                break;
            }
        }
        key_times.push(started.elapsed());
    }
    let (peak, rss) = memory(pid);
    println!(
        "{:>5.1} MB, {services} services: idle {:.0} MB; open {:.1?}, peak {:.0} MB ({:.1}x), now {:.0} MB; burst of {burst}: {publishes} publishes, {:.1?}, peak {:.0} MB ({:.1}x), now {:.0} MB; {keystrokes} keystrokes {:.1?}: peak {:.0} MB ({:.1}x), now {:.0} MB",
        mb(input),
        mb(idle),
        open_time,
        mb(open_peak),
        open_peak as f64 / input as f64,
        mb(open_rss),
        burst_time,
        mb(burst_peak),
        burst_peak as f64 / input as f64,
        mb(burst_rss),
        key_times,
        mb(peak),
        peak as f64 / input as f64,
        mb(rss),
    );
    c.shutdown().await;
}

fn main() {
    let sizes = env_list("MIRAGE_BENCH_SIZES", "1,5,8");
    let burst = env_list("MIRAGE_BENCH_BURST", "200")
        .first()
        .map_or(200, |b| *b as i64);
    let keystrokes = env_list("MIRAGE_BENCH_KEYSTROKES", "3")
        .first()
        .map_or(3, |k| *k as i64);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        for size in sizes {
            measure(size, burst, keystrokes).await;
        }
    });
}
