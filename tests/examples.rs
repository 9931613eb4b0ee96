//! Every project under `examples/` passes `mirage check` with no errors
//! (and no warnings: examples are what people copy).

mod support;

use std::process::{Command, Stdio};

use support::repo_root;

#[test]
fn every_example_passes_check() {
    let examples = repo_root().join("examples");
    let mut dirs: Vec<_> = std::fs::read_dir(&examples)
        .expect("examples/ exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 3,
        "expected at least three examples, found {dirs:?}"
    );

    let mut failures = Vec::new();
    for dir in &dirs {
        let output = Command::new(support::mirage_bin())
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
