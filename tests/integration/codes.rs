//! The registry of diagnostic codes (`src/diagnostic/codes_table.rs`,
//! `mirage explain`) and the code are held to each other: every code the
//! sources can raise is registered with an explanation, and nothing is
//! registered that nothing raises.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use mirage::diagnostic::codes::CODES;

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The codes written in the shipped code: `"mirage::room::name"` literals
/// and miette's `code(mirage::room::name)`, before any `#[cfg(test)]`
/// module (tests invent codes of their own), in files that are not test
/// files themselves, and not the registry.
fn raised() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    sources(&root.join("lsp/src"), &mut files);
    let mut codes = BTreeSet::new();
    for file in files {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name == "tests.rs" || name == "codes_table.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let shipped = text.split("#[cfg(test)]").next().unwrap_or("");
        for (start, _) in shipped.match_indices("mirage::") {
            let before = shipped[..start].chars().last();
            if !matches!(before, Some('"') | Some('(')) {
                continue;
            }
            let rest = &shipped[start..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            let code = rest[..end].trim_end_matches(':');
            let closes = rest[end..].starts_with('"') || rest[end..].starts_with(')');
            if closes && code.matches("::").count() == 2 {
                codes.insert(code.to_owned());
            }
        }
    }
    codes
}

#[test]
fn every_code_raised_is_registered_and_every_registered_code_is_raised() {
    let raised = raised();
    assert!(
        raised.len() > 100,
        "the scan found only {} codes",
        raised.len()
    );
    let registered: BTreeSet<String> = CODES.iter().map(|c| c.code.to_owned()).collect();
    let missing: Vec<_> = raised.difference(&registered).collect();
    let dead: Vec<_> = registered.difference(&raised).collect();
    assert!(
        missing.is_empty(),
        "raised but not in src/diagnostic/codes_table.rs: {missing:?}"
    );
    assert!(dead.is_empty(), "registered but raised nowhere: {dead:?}");
}

fn mirage(args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_mirage"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run mirage");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn explain_prints_a_code_with_or_without_its_prefix() {
    let (code, full, _) = mirage(&["explain", "mirage::plan::duplicate_on_railway"]);
    assert_eq!(code, Some(0));
    assert!(
        full.starts_with("mirage::plan::duplicate_on_railway\n\n"),
        "{full}"
    );
    assert!(full.contains("What to do: "), "{full}");
    let (code, short, _) = mirage(&["explain", "plan::duplicate_on_railway"]);
    assert_eq!(code, Some(0));
    assert_eq!(short, full);
}

#[test]
fn explain_of_an_unknown_code_is_a_usage_error_with_a_suggestion() {
    let (code, stdout, stderr) = mirage(&["explain", "mirage::plan::duplicate_on_railwya"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error: `mirage::plan::duplicate_on_railwya` is not a diagnostic code of Mirage\n  help: did you mean `mirage::plan::duplicate_on_railway`?\n"
    );
}

#[test]
fn explain_lists_every_code() {
    let (code, stdout, _) = mirage(&["explain", "--list"]);
    assert_eq!(code, Some(0));
    assert_eq!(stdout.lines().count(), CODES.len());
}
