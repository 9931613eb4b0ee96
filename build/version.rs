//! The version `mirage --version` prints: the crate's version and, when the
//! source is a git checkout of this repository, the commit it was built
//! from and that commit's date, as rustc does (`0.1.0 (1a2b3c4d5 2026-12-06)`).
//! A source tarball without `.git` (or without git installed) gets the bare
//! version; `MIRAGE_BUILD_COMMIT` lets a packager name the commit instead.
//!
//! Shared by `build.rs` and `tests/version.rs` (through `#[path]`), so the
//! fallback is tested on a directory that is not a checkout.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `git <args>` in `dir`: its trimmed output, or `None` when git is missing
/// or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Whether `dir` is the top of a git checkout — not a tarball unpacked
/// inside somebody else's repository, whose commit is not ours.
fn is_checkout(dir: &Path) -> bool {
    let top = git(dir, &["rev-parse", "--show-toplevel"]).map(PathBuf::from);
    match (top.and_then(|t| t.canonicalize().ok()), dir.canonicalize()) {
        (Some(top), Ok(dir)) => top == dir,
        _ => false,
    }
}

/// The version string for the source in `dir`.
pub fn describe(version: &str, dir: &Path, commit_override: Option<&str>) -> String {
    if let Some(commit) = commit_override.map(str::trim).filter(|c| !c.is_empty()) {
        return format!("{version} ({commit})");
    }
    if !is_checkout(dir) {
        return version.to_owned();
    }
    match git(dir, &["log", "-1", "--format=%h %cs", "--abbrev=9"]) {
        Some(commit) => format!("{version} ({commit})"),
        None => version.to_owned(),
    }
}

/// The files whose change means another commit is checked out: `HEAD`, the
/// branch it points to, and `packed-refs` (only those that exist: cargo
/// re-runs a build script on every build for a missing one).
pub fn watched(dir: &Path) -> Vec<PathBuf> {
    if !is_checkout(dir) {
        return Vec::new();
    }
    let path = |args: &[&str]| git(dir, args).map(|p| dir.join(p));
    let mut files = Vec::new();
    if let Some(git_dir) = path(&["rev-parse", "--git-dir"]) {
        files.push(git_dir.join("HEAD"));
    }
    if let Some(common) = path(&["rev-parse", "--git-common-dir"]) {
        if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
            files.push(common.join(branch));
        }
        files.push(common.join("packed-refs"));
    }
    files.retain(|f| f.exists());
    files
}
