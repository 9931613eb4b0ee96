//! Golden files, one way: insta snapshots. A case's snapshot lives next to
//! its input (`tests/check/<name>.snap`, `tests/plan/<name>.snap`, …), so a
//! reviewer sees input and output side by side. After a deliberate change,
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test --test
//! integration`) accepts the new output; review the diff like code.

#![allow(dead_code)]

use std::panic::AssertUnwindSafe;
use std::path::Path;

/// Compares `actual` with the snapshot `dir/<name>.snap`. `Err` when it
/// differs or is missing (insta has printed the diff and written
/// `<name>.snap.new` for review), so that a data-driven test can go on and
/// report every failing case at once.
pub fn snapshot(dir: &Path, name: &str, actual: &str) -> Result<(), String> {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let compared = std::panic::catch_unwind(AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(name, actual));
    }));
    compared.map_err(|_| {
        format!(
            "`{}` differs from the output (see the diff above; `cargo insta review`)",
            dir.join(format!("{name}.snap")).display()
        )
    })
}

/// [`snapshot`] under `tests/plan/`, failing the test at once.
pub fn golden(name: &str, actual: &str) {
    if let Err(failure) = snapshot(&super::repo_root().join("tests/plan"), name, actual) {
        panic!("{failure}");
    }
}
