//! Resolution fixtures: every directory `tests/resolve/<case>/` is a project;
//! its effective configuration (all environments and services, with
//! provenance) and its diagnostics must equal the snapshot
//! `tests/resolve/<case>.expected.json.snap`. An optional
//! `tests/resolve/<case>/overrides` file holds one `--var` argument per line.
//! `cargo insta review` accepts a change; review the diff like code.

use std::path::{Path, PathBuf};

use crate::support::snapshot;

use mirage::resolve::{Overrides, VarOverride, load_dir_with};
use mirage::settings::ConfigView;

fn render(dir: &Path) -> serde_json::Value {
    let mut overrides = Overrides::default();
    if let Ok(text) = std::fs::read_to_string(dir.join("overrides")) {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            overrides
                .vars
                .push(VarOverride::parse(line.trim()).expect("fixture override is valid"));
        }
    }
    let analysis = load_dir_with(dir, &overrides);
    let diagnostics: Vec<String> = analysis
        .diagnostics
        .iter()
        .map(|d| {
            let file = analysis.files.get(d.file().unwrap_or_default());
            let (line, col) = file.line_col(d.span().start);
            format!(
                "{} {}:{line}:{col}: {}",
                d.code,
                file.path.display(),
                d.message
            )
        })
        .collect();
    let view = ConfigView {
        project: &analysis.project,
        environment: None,
        service: None,
        explain: true,
    };
    serde_json::json!({ "diagnostics": diagnostics, "config": view.to_json() })
}

#[test]
fn resolution_fixtures() {
    // Relative, as the output names the files: the same on every machine.
    let root = Path::new("tests/resolve");
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/resolve");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("tests/resolve exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    for case in &cases {
        let actual = serde_json::to_string_pretty(&render(case)).expect("json") + "\n";
        let name = format!(
            "{}.expected.json",
            case.file_name().and_then(|n| n.to_str()).unwrap_or("case")
        );
        if let Err(differs) = snapshot(&snapshots, &name, &actual) {
            failures.push(differs);
        }
    }
    assert!(
        cases.len() >= 12,
        "expected at least 12 resolution cases, found {}",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} case(s) differ (`cargo insta review` to accept):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every prefix of every fixture (a file being typed) resolves without
/// panicking; the resolver must cope with whatever tree the parser recovers.
#[test]
fn never_panics_on_partial_input() {
    let mut texts = Vec::new();
    for dir in ["tests/resolve", "tests/check"] {
        let mut stack = vec![PathBuf::from(dir)];
        while let Some(p) = stack.pop() {
            if p.is_dir() {
                stack.extend(
                    std::fs::read_dir(&p)
                        .into_iter()
                        .flatten()
                        .flatten()
                        .map(|e| e.path()),
                );
            } else if p.extension().is_some_and(|x| x == "mirage")
                && let Ok(text) = std::fs::read_to_string(&p)
            {
                texts.push(text);
            }
        }
    }
    assert!(texts.len() > 50);
    for text in &texts {
        let cuts: Vec<usize> = (0..=text.len())
            .step_by(7)
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for cut in cuts {
            let files = vec![(PathBuf::from("/p/main.mirage"), text[..cut].to_string())];
            let _ = mirage::resolve::analyze(Path::new("/p"), files);
        }
    }
}

/// Every bad-input case under `tests/check/` yields at least one resolve
/// diagnostic, and every resolve diagnostic has a stable code and a help line.
#[test]
fn every_resolve_diagnostic_has_a_help_line() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir("tests/check")
        .expect("tests/check exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|x| x == "mirage"))
        .collect();
    cases.sort();
    let mut seen_codes = std::collections::BTreeSet::new();
    for case in &cases {
        // Only the resolver's cases (the syntax room's cases share the folder).
        let expects_resolve = |p: &Path| {
            std::fs::read(p)
                .is_ok_and(|b| String::from_utf8_lossy(&b).contains("expect: mirage::resolve::"))
        };
        let mine = if case.is_dir() {
            std::fs::read_dir(case)
                .into_iter()
                .flatten()
                .flatten()
                .any(|e| expects_resolve(&e.path()))
        } else {
            expects_resolve(case)
        };
        if !mine {
            continue;
        }
        let analysis = if case.is_dir() {
            mirage::resolve::load_dir(case)
        } else {
            let text = std::fs::read_to_string(case).expect("utf-8 case");
            mirage::resolve::analyze(
                Path::new("/case"),
                vec![(PathBuf::from("/case/main.mirage"), text)],
            )
        };
        let resolve: Vec<_> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.code.starts_with("mirage::resolve::"))
            .collect();
        assert!(
            !resolve.is_empty(),
            "{}: no resolve diagnostic",
            case.display()
        );
        for d in resolve {
            seen_codes.insert(d.code);
            let help = d.help.as_deref().unwrap_or("");
            assert!(
                !help.is_empty(),
                "{}: `{}` has no help line",
                case.display(),
                d.code
            );
            let tail = &d.code["mirage::resolve::".len()..];
            assert!(
                !tail.is_empty()
                    && tail
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "bad code {}",
                d.code
            );
            assert!(
                d.message.chars().next().is_some_and(|c| !c.is_uppercase()),
                "{}: messages start lowercase: {}",
                case.display(),
                d.message
            );
        }
    }
    // Every code the resolver defines is exercised by some case (the two IO
    // codes `mirage check` reports itself are unit-tested in the library).
    assert!(
        seen_codes.len() >= 43,
        "only {} codes covered: {seen_codes:?}",
        seen_codes.len()
    );
}
