//! Every project under `examples/` passes `mirage check` with no errors
//! and no warnings — Railway's rules included (examples are what people
//! copy) — and converges on the emulator: `tests/integration/e2e.rs` runs plan → apply →
//! plan on each, and `every_example_converges_in_e2e` keeps that list
//! complete.

use crate::support;

use std::process::Stdio;

use support::repo_root;

/// Whether `dir` is a project: a directory with `.mirage` files in it
/// (`examples/workflows/` holds GitHub Actions workflows, not a project).
fn is_project(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "mirage"))
    })
}

#[test]
fn every_example_passes_check() {
    let examples = repo_root().join("examples");
    let mut dirs: Vec<_> = std::fs::read_dir(&examples)
        .expect("examples/ exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_project(p))
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 3,
        "expected at least three examples, found {dirs:?}"
    );

    let mut failures = Vec::new();
    for dir in &dirs {
        let output = crate::support::mirage_command()
            .args(["check", "--color", "never"])
            .arg(dir)
            .stdin(Stdio::null())
            .output()
            .expect("running mirage");
        let stderr = String::from_utf8_lossy(&output.stderr);
        // Nothing but the clean summary line.
        let clean = stderr.starts_with("no problems: ") && stderr.lines().count() == 1;
        if output.status.code() != Some(0) || !clean {
            failures.push(format!(
                "`mirage check {}` exited with {:?}:\n{stderr}",
                dir.display(),
                output.status.code()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every example has its `converges("<name>")` test in `tests/integration/e2e.rs`
/// (plan → apply → plan shows no changes against the emulator, which
/// refuses what Railway refuses): a new example cannot be left out.
#[test]
fn every_example_converges_in_e2e() {
    let e2e = std::fs::read_to_string(repo_root().join("tests/integration/e2e.rs"))
        .expect("tests/integration/e2e.rs");
    let missing: Vec<String> = std::fs::read_dir(repo_root().join("examples"))
        .expect("examples/ exists")
        .flatten()
        .filter(|e| is_project(&e.path()))
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|name| !e2e.contains(&format!("converges(\"{name}\").await")))
        .collect();
    assert!(
        missing.is_empty(),
        "examples without a `converges` test in tests/integration/e2e.rs: {missing:?}"
    );
}
