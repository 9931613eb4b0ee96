//! The official KDL 2.0 test suite (vendored in `tests/kdl-test-suite/`):
//! every input with an expected file parses without diagnostics and prints
//! back exactly as expected; every other input is rejected with at least one
//! error whose span lies inside the text. Also checks the lexer is lossless
//! on every input.

use mirage::diagnostic::FileId;
use mirage::syntax::{parse, print_canonical, tokenize};
use std::fs;
use std::path::PathBuf;

fn suite_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/kdl-test-suite/test_cases")
}

/// Inputs as (name, text), sorted by name.
fn inputs() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = fs::read_dir(suite_dir().join("input"))
        .expect("the vendored suite is part of the repository")
        .map(|e| {
            let path = e.expect("readable directory entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = fs::read_to_string(&path).expect("suite inputs are UTF-8");
            (name, text)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_suite_case_passes() {
    let cases = inputs();
    assert_eq!(cases.len(), 320, "the suite has 320 inputs");
    let mut failures = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    for (name, text) in &cases {
        let expected_path = suite_dir().join("expected_kdl").join(name);
        let parsed = parse(FileId(0), text);
        if expected_path.exists() {
            accepted += 1;
            let expected = fs::read_to_string(&expected_path)
                .unwrap()
                .replace("\r\n", "\n");
            if !parsed.diagnostics.is_empty() {
                let msgs: Vec<String> = parsed
                    .diagnostics
                    .iter()
                    .map(|d| format!("{} {:?}: {}", d.code, d.span(), d.message))
                    .collect();
                failures.push(format!("{name}: should parse, got {msgs:?}"));
                continue;
            }
            let actual = print_canonical(&parsed.document);
            if actual != expected {
                failures.push(format!(
                    "{name}: printed\n{actual:?}\nexpected\n{expected:?}"
                ));
            }
        } else {
            rejected += 1;
            let errors: Vec<_> = parsed.diagnostics.iter().filter(|d| d.is_error()).collect();
            if errors.is_empty() {
                failures.push(format!("{name}: should be rejected, parsed without errors"));
            }
            for d in errors {
                let s = d.span();
                if s.is_empty()
                    || s.end > text.len()
                    || !text.is_char_boundary(s.start)
                    || !text.is_char_boundary(s.end)
                {
                    failures.push(format!("{name}: bad span {s:?} for {}", d.code));
                }
                if d.help.as_deref().is_none_or(str::is_empty)
                    || d.primary.as_ref().is_none_or(|p| p.message.is_empty())
                {
                    failures.push(format!("{name}: {} lacks a label or help", d.code));
                }
            }
        }
    }
    eprintln!(
        "kdl suite: {} of {} cases pass ({accepted} to accept, {rejected} to reject)",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} suite failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn lexer_is_lossless_on_every_suite_input() {
    for (name, text) in inputs() {
        let lexed = tokenize(&text);
        let mut rebuilt = String::new();
        let mut at = 0;
        for t in &lexed.tokens {
            assert_eq!(t.span.start, at, "{name}: gap or overlap before {t:?}");
            assert!(t.span.end > t.span.start, "{name}: empty token {t:?}");
            rebuilt.push_str(&text[t.span.start..t.span.end]);
            at = t.span.end;
        }
        assert_eq!(rebuilt, text, "{name}: tokens do not rebuild the input");
    }
}
