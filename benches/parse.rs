//! Parsing throughput: `cargo bench --bench parse`.
//!
//! Generates a realistic `.mirage` file of 5,000 lines (~110 KB: services,
//! vars, comments, type annotations, a few multi-line and raw strings) and a
//! 1.6 MB project (the same shapes, more of them), then reports the median
//! MB/s of Mirage's `parse`, its lexer alone, its formatter, and the `kdl`
//! crate's v2 parser on the same text, with the best and median time; and,
//! independent of the machine's load, the allocations of one `parse`.

use mirage::diagnostic::FileId;
use mirage::syntax::{format, parse, tokenize};
use std::fmt::Write;
use std::hint::black_box;
use std::time::{Duration, Instant};

#[path = "support/counting.rs"]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

fn service(out: &mut String, i: usize) {
    let _ = writeln!(out, "// api tier {i}: from the shared web template");
    let _ = writeln!(out, "service \"api-{i}\" from=\"web\" {{");
    out.push_str("    repo \"acme/shop\" branch=\"main\"\n");
    let _ = writeln!(out, "    replicas {}", 1 + i % 4);
    let _ = writeln!(out, "    port {}", 3000 + i % 1000);
    out.push_str("    vars {\n");
    out.push_str("        LOG_LEVEL \"info\"\n");
    out.push_str("        DB_URL \"${{db.URL}}\" // ref\n");
    let _ = writeln!(out, "        KEY (secret)\"env:K{i}\"");
    let _ = writeln!(out, "        TTL {}", 300 + i);
    out.push_str("        FLAGS #\"{\"beta\": true}\"#\n");
    out.push_str("    }\n");
    out.push_str("    healthcheck \"/healthz\" timeout=30\n");
    let _ = writeln!(out, "    domain \"a{i}.shop.dev\"");
    out.push_str("    /* shared */\n");
    out.push_str("    depends-on \"db\"\n");
    if i.is_multiple_of(10) {
        out.push_str(
            "    start \"\"\"\n        node server.js \\\n          --port 3000\n        \"\"\"\n",
        );
    }
    out.push_str("}\n\n");
}

/// A document of about `lines` lines.
fn generate(lines: usize) -> String {
    let mut out = String::new();
    out.push_str("project \"shop\" {\n    workspace \"acme\"\n    region \"us-west2\"\n}\n\n");
    let mut i = 0;
    let mut count = 6;
    while count < lines {
        let before = out.len();
        service(&mut out, i);
        count += out[before..].bytes().filter(|&b| b == b'\n').count();
        i += 1;
    }
    out
}

/// Throughput of the best and the median of `runs` calls.
fn mbps(text: &str, runs: usize, mut f: impl FnMut(&str)) -> (f64, f64, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f(text);
            t.elapsed()
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    let rate = |d: Duration| text.len() as f64 / 1e6 / d.as_secs_f64();
    (rate(times[0]), rate(median), median)
}

fn bench(name: &str, text: &str, runs: usize, kdl_runs: usize) {
    println!(
        "{name}: {} bytes, {} lines",
        text.len(),
        text.lines().count()
    );
    let parsed = parse(FileId(0), text);
    assert!(
        parsed.diagnostics.is_empty(),
        "generated text must be valid"
    );
    assert!(kdl::KdlDocument::parse_v2(text).is_ok(), "kdl crate agrees");
    let usage = counting::measure(|| parse(FileId(0), text));
    println!(
        "  one parse allocates {} times, {} bytes in all, {} bytes at peak",
        usage.allocations, usage.bytes, usage.peak
    );
    let row = |what: &str, (best, median, time): (f64, f64, Duration)| {
        println!("  {what:<28} best {best:>7.1} MB/s, median {median:>7.1} MB/s ({time:.2?})");
    };
    row(
        "mirage lexer (tokenize)",
        mbps(text, runs, |t| {
            black_box(tokenize(black_box(t)));
        }),
    );
    row(
        "mirage parse",
        mbps(text, runs, |t| {
            black_box(parse(FileId(0), black_box(t)));
        }),
    );
    row(
        "mirage format",
        mbps(text, runs, |t| {
            let _ = black_box(format(black_box(t)));
        }),
    );
    row(
        "kdl 6.7 KdlDocument::parse_v2",
        mbps(text, kdl_runs, |t| {
            let _ = black_box(kdl::KdlDocument::parse_v2(black_box(t)));
        }),
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs the
    // binary without it (in the debug profile): keep that run quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let file = generate(5_000);
    let project = generate(73_000);
    if quick {
        bench("5,000-line file", &file, 3, 1);
        return;
    }
    bench("5,000-line file", &file, 51, 7);
    bench("1.6 MB project", &project, 11, 3);
}
