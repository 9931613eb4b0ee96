//! How fast `check` can print: rendering many diagnostics in each format.
//!
//! `cargo bench --bench report` (a plain binary, `harness = false`). The
//! input is synthetic but shaped like real output: 50 files of 400 lines,
//! 1,000 diagnostics, a third of them with a related label in another file
//! and a help line. Prints the median of several runs per format.
//!
//! Then the scaling of human output: 2,000 to 20,000 diagnostics in one
//! file of as many services (the shape of a generated project gone wrong).
//! Rendering is linear when the time per diagnostic stays flat; it was
//! quadratic (miette found each snippet's lines by scanning the file from
//! its start: 34 s for 20,000).

use std::hint::black_box;
use std::time::{Duration, Instant};

use mirage::cli::report::{github, human, json};
use mirage::diagnostic::{Diagnostic, FileId, SourceFile, SourceFiles, Span};

fn fixture() -> (SourceFiles, Vec<Diagnostic>) {
    let mut files = SourceFiles::new();
    let mut ids = Vec::new();
    for f in 0..50 {
        let mut text = String::new();
        for l in 0..100 {
            text.push_str(&format!(
                "service \"svc{f}_{l}\" from=\"node-web\" {{\n    image \"ghcr.io/acme/svc:{l}.0\"\n    vars {{ LOG_LEVEL \"info\"; DATABASE_URL \"${{{{db.DATABASE_URL}}}}\" }}\n}}\n"
            ));
        }
        ids.push(files.add(SourceFile::new(format!("file{f}.mirage"), text)));
    }
    let mut diagnostics = Vec::new();
    for i in 0..1000usize {
        let file = ids[i % ids.len()];
        let text = files.get(file).text.clone();
        // Point at the template name of some service in the file.
        let nth = (i * 7) % 100;
        let start = text
            .match_indices("node-web")
            .nth(nth)
            .map(|(o, _)| o)
            .unwrap_or(0);
        let mut d = Diagnostic::error(
            "mirage::resolve::unknown_template",
            file,
            Span::new(start, start + 8),
            format!("unknown template `node-web` in service number {i}"),
        )
        .with_label("no template of this name");
        if i % 3 == 0 {
            let other: FileId = ids[(i + 1) % ids.len()];
            d = d
                .with_related(other, Span::new(9, 16), "a similar name is defined here")
                .with_help("did you mean `node-app`?");
        }
        diagnostics.push(d);
    }
    (files, diagnostics)
}

fn measure(name: &str, runs: usize, mut f: impl FnMut() -> usize) {
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let start = Instant::now();
        bytes = black_box(f());
        times.push(start.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "{name:<10} 1000 diagnostics: median {:>8.2} ms over {runs} runs ({:.1} µs per diagnostic, {bytes} bytes of output)",
        median.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e6 / 1000.0,
    );
}

/// One file of `n` services, each with an unknown template: `n` errors.
fn one_file(n: usize) -> (SourceFiles, Vec<Diagnostic>) {
    let mut files = SourceFiles::new();
    let mut text = String::new();
    let mut spans = Vec::with_capacity(n);
    for i in 0..n {
        text.push_str(&format!("service \"svc{i}\" from=\""));
        let start = text.len();
        text.push_str("node-wb");
        spans.push(Span::new(start, text.len()));
        text.push_str("\" {\n    image \"nginx:1.27\"\n}\n");
    }
    let file = files.add(SourceFile::new("main.mirage", text));
    let diagnostics = spans
        .into_iter()
        .map(|span| {
            Diagnostic::error(
                "mirage::resolve::unknown_template",
                file,
                span,
                "unknown template `node-wb`",
            )
            .with_label("no template of this name")
            .with_help("did you mean `node-web`?")
        })
        .collect();
    (files, diagnostics)
}

fn scaling() {
    let options = human::Options {
        color: false,
        width: 100,
    };
    for n in [2_000, 4_000, 8_000, 20_000] {
        let (files, diagnostics) = one_file(n);
        let mut times = Vec::new();
        for _ in 0..3 {
            let start = Instant::now();
            black_box(human::render(&files, &diagnostics, &options).len());
            times.push(start.elapsed());
        }
        times.sort();
        let median = times[1];
        println!(
            "human, one file, {n:>6} diagnostics: median {:>9.2} ms over 3 runs ({:.1} µs per diagnostic)",
            median.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e6 / n as f64,
        );
    }
}

fn main() {
    let (files, diagnostics) = fixture();
    let options = human::Options {
        color: false,
        width: 100,
    };
    measure("human", 15, || {
        human::render(&files, &diagnostics, &options).len()
    });
    let coloured = human::Options {
        color: true,
        width: 100,
    };
    measure("human+ansi", 15, || {
        human::render(&files, &diagnostics, &coloured).len()
    });
    measure("json", 15, || json::render(&files, &diagnostics).len());
    measure("github", 15, || github::render(&files, &diagnostics).len());
    scaling();
}
