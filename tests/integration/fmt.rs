//! The formatter: golden files (`tests/fmt/input/*.mirage` → the snapshot
//! `tests/fmt/expected/*.mirage.snap`; `cargo insta review` accepts a
//! change), idempotence and meaning preservation on every suite input, and
//! refusal of broken text.

use crate::support::snapshot;

use mirage::diagnostic::FileId;
use mirage::syntax::{format, parse, print_canonical};
use std::fs;
use std::path::PathBuf;

fn dir(sub: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(sub)
}

/// `format` must keep the document's meaning and be idempotent.
fn check_properties(name: &str, text: &str) -> Result<(), String> {
    let Ok(once) = format(text) else {
        return Ok(());
    };
    let twice = format(&once)
        .map_err(|d| format!("{name}: formatted text does not parse: {d:?}\n{once}"))?;
    if once != twice {
        return Err(format!(
            "{name}: not idempotent\n--- once\n{once}\n--- twice\n{twice}"
        ));
    }
    let before = print_canonical(&parse(FileId(0), text).document);
    let after = print_canonical(&parse(FileId(0), &once).document);
    if before != after {
        return Err(format!(
            "{name}: meaning changed\n--- before\n{before}\n--- after\n{after}\n--- formatted\n{once}"
        ));
    }
    if once.contains('\r')
        || (!once.is_empty() && (!once.ends_with('\n') || once.ends_with("\n\n")))
    {
        return Err(format!("{name}: bad line endings: {once:?}"));
    }
    if once.lines().any(|l| l.ends_with(' ') || l.ends_with('\t')) && !once.contains("\"\"\"") {
        return Err(format!("{name}: trailing whitespace: {once:?}"));
    }
    Ok(())
}

#[test]
fn golden_files() {
    let mut inputs: Vec<PathBuf> = fs::read_dir(dir("fmt/input"))
        .expect("tests/fmt/input exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "mirage"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 15, "at least 15 golden pairs");
    let mut failures = Vec::new();
    for input in &inputs {
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(input).unwrap();
        let actual = match format(&text) {
            Ok(s) => s,
            Err(d) => {
                failures.push(format!("{name}: refused: {d:?}"));
                continue;
            }
        };
        if let Err(e) = check_properties(&name, &text) {
            failures.push(e);
        }
        if let Err(differs) = snapshot(&dir("fmt/expected"), &name, &actual) {
            failures.push(differs);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn idempotent_and_meaning_preserving_on_the_suite() {
    let input_dir = dir("kdl-test-suite/test_cases/input");
    let mut failures = Vec::new();
    let mut formatted = 0;
    for entry in fs::read_dir(input_dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).unwrap();
        if format(&text).is_ok() {
            formatted += 1;
        }
        if let Err(e) = check_properties(&name, &text) {
            failures.push(e);
        }
    }
    assert_eq!(formatted, 233, "every valid suite input formats");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn refuses_text_with_errors() {
    let err = format("node \"unclosed\nother 1.0.0\n").unwrap_err();
    let codes: Vec<_> = err.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [
            "mirage::syntax::unclosed_string",
            "mirage::syntax::invalid_number"
        ]
    );
}

/// Mutations of the golden inputs: whatever still parses must format
/// idempotently and keep its meaning.
#[test]
fn idempotent_on_mutated_inputs() {
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let inserts = [
        " ", "\n", "\\\n", "/-", ";", "{", "}", "/* c */", "// c\n", "\t", "\r\n", "\n\n\n", "\r",
        "\u{2028}", "\u{85}", "\"\"\"\n", "\"", "#",
    ];
    let mut failures = Vec::new();
    let mut inputs: Vec<PathBuf> = fs::read_dir(dir("fmt/input"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    inputs.sort();
    for input in inputs {
        let text = fs::read_to_string(&input).unwrap();
        for _ in 0..150 {
            let mut t = text.clone();
            for _ in 0..(1 + next() % 3) {
                let mut at = (next() as usize) % (t.len() + 1);
                while !t.is_char_boundary(at) {
                    at -= 1;
                }
                if next() % 3 == 0 {
                    let mut end = (at + 1 + (next() as usize) % 4).min(t.len());
                    while !t.is_char_boundary(end) {
                        end += 1;
                    }
                    t.replace_range(at..end, "");
                } else {
                    t.insert_str(at, inserts[(next() as usize) % inserts.len()]);
                }
            }
            if let Err(e) = check_properties("mutation", &t) {
                failures.push(format!("{e}\n--- input\n{t:?}"));
            }
        }
    }
    failures.truncate(5);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Inputs the `format_idempotent` fuzz target found, kept as regressions.
#[test]
fn fuzz_regressions() {
    let cases = [
        // A continuation onto a continuation onto nothing: keeping the first
        // and dropping the second joined `b` to `o`.
        "o \\\r\n\\\n\nb\n",
    ];
    for text in cases {
        check_properties("fuzz regression", text).unwrap();
    }
    assert_eq!(format("o \\\r\n\\\n\nb\n").unwrap(), "o\nb\n");
}
