//! How fast `check` can print: rendering many diagnostics in each format.
//!
//! `cargo bench --bench report` (a plain binary, `harness = false`). The
//! input is synthetic but shaped like real output: 50 files of 400 lines,
//! 1,000 diagnostics, a third of them with a related label in another file
//! and a help line. Prints the median of several runs per format.

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
}
