//! Exact heap of the language server's analysis, load-independent: the
//! peak of live heap bytes (a counting allocator) while the workspace
//! analyses a generated document of 1 and 5 MB after opening it and after
//! an edit, and what it keeps between keystrokes. Unlike `memory.rs`
//! (the real binary's resident set, which the allocator's retention and
//! the threads' timing move), these figures are the same on every run.
//!
//!     cargo bench -p mirage-lsp --bench analysis_memory
//!
//! `MIRAGE_BENCH_SIZES` sets the sizes in MB (default `1,5`).

#[path = "../../benches/support/counting.rs"]
#[allow(dead_code)]
mod counting;
#[path = "../tests/integration/support/mod.rs"]
mod support;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

use mirage_lsp::workspace::{Buffer, Workspace};

fn main() {
    let sizes: Vec<f64> = std::env::var("MIRAGE_BENCH_SIZES")
        .unwrap_or_else(|_| "1,5".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!("| document | services | open: peak | edit: peak | kept between keystrokes |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for size in sizes {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().canonicalize().expect("canonical");
        let (text, services) = support::large_document((size * 1_000_000.0) as usize);
        let path = dir.join("main.mirage");
        std::fs::write(&path, &text).expect("write");
        let input = text.len() as f64;
        let mut ws = Workspace::default();
        let before = counting::live();
        ws.buffers.insert(
            path.clone(),
            Buffer {
                text: text.clone(),
                version: 1,
            },
        );
        ws.touch(&dir);
        let start = counting::live() - before;
        let open = counting::measure(|| ws.analyze(&dir));
        let kept_open = counting::live() - before;
        let at = text.find("NAME \"s1\"").expect("s1") + 6;
        let buffer = ws.buffers.get_mut(&path).expect("buffer");
        buffer.text.insert(at, 'x');
        buffer.version = 2;
        ws.touch(&dir);
        let start_edit = counting::live() - before;
        let edit = counting::measure(|| ws.analyze(&dir));
        let kept = counting::live() - before;
        let x = |bytes: usize| {
            format!(
                "{:.1} MB ({:.1}×)",
                bytes as f64 / 1e6,
                bytes as f64 / input
            )
        };
        println!(
            "| {size} MB | {services} | {} | {} | {} (after open: {}) |",
            x(start + open.peak),
            x(start_edit + edit.peak),
            x(kept),
            x(kept_open)
        );
        drop(ws);
    }
}
