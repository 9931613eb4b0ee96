//! Language-server latency on a generated 5,000-line project: the time
//! from sending `didChange` to receiving the `publishDiagnostics` for the
//! changed file, and the time of a `completion` request. In-process server,
//! the same JSON-RPC framing an editor uses. See docs/benchmarks.md.
//!
//! Each keystroke comes after a pause of the server's quiet period
//! (`mirage_lsp::Options::default().quiet`), as a typist's do: keystrokes
//! closer together than that are a burst, whose analysis waits for the
//! burst to end (`lsp/tests/debounce.rs`).
//!
//!     cargo bench -p mirage-lsp --bench latency
//!
//! `MIRAGE_BENCH_ITERATIONS` sets the number of samples (default 200).

#[path = "../tests/integration/support/mod.rs"]
mod support;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use serde_json::json;
use support::{Client, pos};

// The server binary's allocator, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mirage_lsp::Allocator = mimalloc::MiMalloc;

const FILES: usize = 5;
const SERVICES_PER_FILE: usize = 90;

/// One service: 11 lines, referencing an earlier service.
fn service(out: &mut String, i: usize) {
    let dep = i.saturating_sub(1);
    let _ = write!(
        out,
        "service \"s{i}\" {{\n    image \"nginx:1.27\"\n    port 3000\n    replicas 1\n    healthcheck \"/healthz\" timeout=30\n    vars {{\n        NAME \"s{i}\"\n        UPSTREAM \"http://${{{{s{dep}.RAILWAY_PRIVATE_DOMAIN}}}}:${{{{s{dep}.PORT}}}}\"\n    }}\n    depends-on \"s{dep}\"\n}}\n"
    );
}

fn project(dir: &std::path::Path) -> (std::path::PathBuf, String, usize) {
    let mut lines = 0;
    let mut first = None;
    for f in 0..FILES {
        let mut text = String::new();
        if f == 0 {
            text.push_str("project \"bench\" {\n    region \"us-west2\"\n}\nlayer \"base\" {\n    vars {\n        LOG_LEVEL \"info\"\n    }\n}\nenvironment \"production\" layer=\"base\" {\n    replicas 2\n}\nenvironment \"staging\" layer=\"base\"\nservice \"s0\" {\n    image \"nginx:1.27\"\n}\n");
        }
        for s in 0..SERVICES_PER_FILE {
            service(&mut text, f * SERVICES_PER_FILE + s + 1);
        }
        lines += text.lines().count();
        let path = dir.join(format!("part{f}.mirage"));
        std::fs::write(&path, &text).expect("write project file");
        if first.is_none() {
            first = Some((path, text));
        }
    }
    let (path, text) = first.expect("a file");
    (path, text, lines)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "{name:<44} n={:<4} p50={:>9.3?} p95={:>9.3?} mean={:>9.3?} max={:>9.3?}",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.95),
        mean,
        samples[samples.len() - 1]
    );
}

fn main() {
    let iterations: usize = std::env::var("MIRAGE_BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().canonicalize().expect("canonical");
        let (path, text, lines) = project(&root);
        println!("project: {FILES} files, {lines} lines, {} services, 2 environments", FILES * SERVICES_PER_FILE);
        let mut c = Client::in_process();
        c.initialize(&root, true).await;
        let u = c.open_text(&path, &text).await;
        let first = c.diagnostics(&u).await;
        assert_eq!(first, json!([]), "the generated project is clean");

        // didChange → publishDiagnostics: alternately insert and remove a
        // character in a variable value (a real keystroke).
        let (line, character) = support::find(&text, "\"s1\"\n", 2);
        let mut change = Vec::with_capacity(iterations);
        for i in 0..iterations {
            let (range_end, new_text) = if i % 2 == 0 {
                (character, "x")
            } else {
                (character + 1, "")
            };
            tokio::time::sleep(mirage_lsp::Options::default().quiet).await;
            let started = Instant::now();
            c.notify(
                "textDocument/didChange",
                json!({
                    "textDocument": {"uri": u, "version": i + 2},
                    "contentChanges": [{
                        "range": {"start": {"line": line, "character": character}, "end": {"line": line, "character": range_end}},
                        "text": new_text
                    }]
                }),
            )
            .await;
            let diags = c.diagnostics(&u).await;
            change.push(started.elapsed());
            assert_eq!(diags, json!([]));
        }
        report("didChange → publishDiagnostics", change);

        // Completion: a setting name in a service block and a `${{svc.` variable.
        let (sl, sc) = support::find(&text, "    port 3000", 4);
        let (vl, vc) = support::find(&text, "${{s1.RAILWAY", 6);
        for (name, l, ch) in [("completion: setting name", sl, sc), ("completion: ${{svc.VAR}} variable", vl, vc)] {
            let mut samples = Vec::with_capacity(iterations);
            for _ in 0..iterations {
                let started = Instant::now();
                let items = c.request("textDocument/completion", pos(&u, l, ch)).await;
                samples.push(started.elapsed());
                assert!(items.as_array().is_some_and(|a| !a.is_empty()), "{name}: {items}");
            }
            report(name, samples);
        }
        c.shutdown().await;
    });
}
