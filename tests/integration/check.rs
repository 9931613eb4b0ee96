//! Golden diagnostics: `mirage check --color never` on every case under
//! `tests/check/`, compared with the snapshot `tests/check/<name>.snap`.
//!
//! * `tests/check/<name>.mirage` is a single-file project (copied alone into
//!   a temporary directory); `tests/check/<name>/` is a multi-file project.
//! * Each `// expect: <code>` comment at the top of an input must appear in
//!   the output, so a case means something even before it is blessed.
//! * `cargo insta review` accepts new or changed output after `cargo test
//!   --test integration check::`; review it like code.
//!
//! The snapshot holds standard error, then standard output if any (after
//! a `--- stdout` line), then `--- exit status: N`. The temporary directory's
//! path is replaced by `$DIR`.

use crate::support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use support::{copy_dir, repo_root, snapshot};

fn cases_dir() -> PathBuf {
    repo_root().join("tests").join("check")
}

/// Run `mirage check --color never` in `dir` and return the golden text.
fn run_check(dir: &Path) -> String {
    let output = crate::support::mirage_command()
        .args(["check", "--color", "never"])
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("running mirage");
    let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !stdout.is_empty() {
        text.push_str("--- stdout\n");
        text.push_str(&stdout);
    }
    let status = output
        .status
        .code()
        .map_or_else(|| "killed by a signal".to_string(), |c| c.to_string());
    text.push_str(&format!("--- exit status: {status}\n"));
    // Absolute paths, if any, must not depend on where the test ran.
    let text = text.replace(&dir.display().to_string(), "$DIR");
    match dir.canonicalize() {
        Ok(real) => text.replace(&real.display().to_string(), "$DIR"),
        Err(_) => text,
    }
}

/// `// expect: <code>` lines from the comment block at the top of `text`.
fn expected_codes(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .take_while(|l| l.starts_with("//") || l.is_empty())
        .filter_map(|l| l.strip_prefix("//")?.trim().strip_prefix("expect:"))
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

/// Compare (or bless) one case; `Err` describes the failure.
fn compare(name: &str, actual: &str, expected_codes: &[String]) -> Result<(), String> {
    let mut problems = Vec::new();
    for code in expected_codes {
        if !actual.contains(code.as_str()) {
            problems.push(format!("expected code `{code}` is not in the output"));
        }
    }
    // Both problems are reported: a missing code and the output's diff.
    if let Err(differs) = snapshot(&cases_dir(), name, actual) {
        problems.push(differs);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "case `{name}`:\n  - {}\n--- actual output ---\n{actual}",
            problems.join("\n  - ")
        ))
    }
}

/// Every case under `tests/check/`, run and compared; reports all failures
/// at once.
#[test]
fn golden_cases() {
    let mut entries: Vec<_> = fs::read_dir(cases_dir())
        .expect("tests/check exists")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();

    let mut failures = Vec::new();
    let mut count = 0;
    for path in entries {
        let Some(name) = path
            .file_stem()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        let temp = tempfile::tempdir().expect("tempdir");
        let (codes, dir) = if path.is_dir() {
            copy_dir(&path, temp.path()).expect("copying a case directory");
            let mut codes = Vec::new();
            for file in fs::read_dir(&path).expect("case dir").flatten() {
                if file.path().extension().is_some_and(|x| x == "mirage") {
                    let text = fs::read_to_string(file.path()).unwrap_or_default();
                    codes.extend(expected_codes(&text));
                }
            }
            (codes, temp.path().to_path_buf())
        } else if path.extension().is_some_and(|x| x == "mirage") {
            let text = fs::read(&path).expect("reading a case");
            let file_name = path.file_name().expect("file name");
            fs::write(temp.path().join(file_name), &text).expect("copying a case");
            (
                expected_codes(&String::from_utf8_lossy(&text)),
                temp.path().to_path_buf(),
            )
        } else {
            continue;
        };
        count += 1;
        let actual = run_check(&dir);
        if let Err(failure) = compare(&name, &actual, &codes) {
            failures.push(failure);
        }
    }
    assert!(count > 0, "no cases found in {}", cases_dir().display());
    assert!(
        failures.is_empty(),
        "{} of {count} golden cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// A file that is not UTF-8 cannot live in the repository as a fixture
/// comfortably, so the test writes its bytes.
#[test]
fn non_utf8_file() {
    let temp = tempfile::tempdir().expect("tempdir");
    let mut bytes = b"project \"shop\"\nservice \"w".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(b"b\" {\n    image \"nginx\"\n}\n");
    fs::write(temp.path().join("main.mirage"), &bytes).expect("write");
    let actual = run_check(temp.path());
    assert!(actual.contains("--- exit status: 1"), "{actual}");
    if let Err(failure) = compare("non_utf8", &actual, &[]) {
        panic!("{failure}");
    }
}

#[test]
fn expect_lines_are_read_from_the_leading_comments_only() {
    let text = "// expect: mirage::a::b\n//expect:mirage::c::d\n\n// other\nnode\n// expect: mirage::e::f\n";
    assert_eq!(expected_codes(text), vec!["mirage::a::b", "mirage::c::d"]);
}
