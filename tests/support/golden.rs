//! Golden files under `tests/plan/`: `MIRAGE_BLESS=1` rewrites them after a
//! deliberate change.

#![allow(dead_code)]

/// Compares `actual` with `tests/plan/<name>`.
pub fn golden(name: &str, actual: &str) {
    let path = super::repo_root().join("tests/plan").join(name);
    if std::env::var_os("MIRAGE_BLESS").is_some() {
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("golden `{}`: {e} (run with MIRAGE_BLESS=1)", path.display()));
    assert_eq!(actual, expected, "plan differs from `{}`", path.display());
}
