//! End-to-end test builder: write files into a fresh temporary directory,
//! run the real `mirage` binary there, and check its exit status and output.
//!
//! ```ignore
//! Test::new()
//!     .file("main.mirage", "project \"shop\"\n")
//!     .args(["check"])
//!     .status(0)
//!     .stderr("")
//!     .run();
//! ```
//!
//! Modelled on casey/just's `Test`: every expectation is declared up front,
//! `run` executes once and reports every mismatch with the full output.

#![allow(dead_code)] // each test binary uses a different part of the builder

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The binary under test, built by Cargo for integration tests.
pub fn mirage_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mirage"))
}

/// A private home for the binary: `HOME` and `XDG_CONFIG_HOME` in a
/// folder of its own and the OS keyring off, so a developer's own
/// `mirage login` (keyring, `~/.config/mirage/credentials.json`) or
/// `railway login` (`~/.railway/config.json`) never reaches a test.
pub fn isolate(command: &mut Command) -> &mut Command {
    // Cargo's scratch folder for integration tests, under `target/`.
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("home");
    command
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("MIRAGE_KEYRING", "off")
}

/// `mirage` as every test runs it: [`isolate`]d from the developer's own
/// logins and keyring.
pub fn mirage_command() -> Command {
    let mut command = Command::new(mirage_bin());
    isolate(&mut command);
    command
}

/// The repository root (for `examples/`, `tests/check/`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `mirage` command to be run in a temporary directory.
#[must_use]
pub struct Test {
    dir: tempfile::TempDir,
    args: Vec<OsString>,
    env: Vec<(OsString, Option<OsString>)>,
    current_dir: PathBuf,
    status: Option<i32>,
    stdout: Option<String>,
    stderr: Option<String>,
    stdout_contains: Vec<String>,
    stderr_contains: Vec<String>,
    stdout_lacks: Vec<String>,
    stderr_lacks: Vec<String>,
}

/// What a run produced, for further assertions (files rewritten, JSON).
pub struct Output {
    /// The temporary directory (kept alive as long as this value).
    pub dir: tempfile::TempDir,
    /// Exit code (`None` when killed by a signal).
    pub status: Option<i32>,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

impl Output {
    /// Read a file from the test directory.
    pub fn read(&self, path: &str) -> String {
        fs::read_to_string(self.dir.path().join(path))
            .unwrap_or_else(|e| panic!("reading `{path}` after the run: {e}"))
    }

    /// Path of the test directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Default for Test {
    fn default() -> Self {
        Self::new()
    }
}

impl Test {
    /// A fresh, empty temporary directory.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("creating a temporary directory");
        let current_dir = dir.path().to_path_buf();
        Test {
            dir,
            args: Vec::new(),
            // Deterministic output whatever the developer's shell sets.
            env: vec![("NO_COLOR".into(), None), ("CLICOLOR_FORCE".into(), None)],
            current_dir,
            status: None,
            stdout: None,
            stderr: None,
            stdout_contains: Vec::new(),
            stderr_contains: Vec::new(),
            stdout_lacks: Vec::new(),
            stderr_lacks: Vec::new(),
        }
    }

    /// Path of the temporary directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write a text file (parent directories are created).
    pub fn file(self, path: &str, text: &str) -> Self {
        self.bytes(path, text.as_bytes())
    }

    /// Write a file with arbitrary bytes (e.g. invalid UTF-8).
    pub fn bytes(self, path: &str, bytes: &[u8]) -> Self {
        let full = self.dir.path().join(path);
        if let Some(parent) = full.parent() {
            fs::create_dir_all(parent).expect("creating parent directories");
        }
        fs::write(&full, bytes).expect("writing a test file");
        self
    }

    /// Create an empty directory.
    pub fn dir(self, path: &str) -> Self {
        fs::create_dir_all(self.dir.path().join(path)).expect("creating a directory");
        self
    }

    /// Command-line arguments after `mirage`.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Set an environment variable for the run.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), Some(value.into())));
        self
    }

    /// Remove an environment variable for the run (e.g. a Railway token).
    pub fn env_remove(mut self, key: &str) -> Self {
        self.env.push((key.into(), None));
        self
    }

    /// Run from a subdirectory of the test directory.
    pub fn current_dir(mut self, path: &str) -> Self {
        self.current_dir = self.dir.path().join(path);
        self
    }

    /// Expect this exit code.
    pub fn status(mut self, code: i32) -> Self {
        self.status = Some(code);
        self
    }

    /// Expect exactly this standard output.
    pub fn stdout(mut self, text: &str) -> Self {
        self.stdout = Some(text.to_string());
        self
    }

    /// Expect exactly this standard error.
    pub fn stderr(mut self, text: &str) -> Self {
        self.stderr = Some(text.to_string());
        self
    }

    /// Expect standard output to contain this text.
    pub fn stdout_contains(mut self, text: &str) -> Self {
        self.stdout_contains.push(text.to_string());
        self
    }

    /// Expect standard error to contain this text.
    pub fn stderr_contains(mut self, text: &str) -> Self {
        self.stderr_contains.push(text.to_string());
        self
    }

    /// Expect standard output not to contain this text.
    pub fn stdout_lacks(mut self, text: &str) -> Self {
        self.stdout_lacks.push(text.to_string());
        self
    }

    /// Expect standard error not to contain this text.
    pub fn stderr_lacks(mut self, text: &str) -> Self {
        self.stderr_lacks.push(text.to_string());
        self
    }

    /// Run the binary, check every expectation, return the output. The
    /// status defaults to 0 when no other was asked for.
    pub fn run(self) -> Output {
        let mut command = Command::new(mirage_bin());
        isolate(&mut command)
            .args(&self.args)
            .current_dir(&self.current_dir)
            .stdin(Stdio::null());
        for (key, value) in &self.env {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        let output = command.output().expect("running the mirage binary");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let status = output.status.code();

        let mut failures = Vec::new();
        let expected_status = self.status.unwrap_or(0);
        if status != Some(expected_status) {
            failures.push(format!(
                "exit status {status:?}, expected {expected_status}"
            ));
        }
        if let Some(want) = &self.stdout
            && &stdout != want
        {
            failures.push(format!("stdout differs; expected:\n{want}"));
        }
        if let Some(want) = &self.stderr
            && &stderr != want
        {
            failures.push(format!("stderr differs; expected:\n{want}"));
        }
        for want in &self.stdout_contains {
            if !stdout.contains(want.as_str()) {
                failures.push(format!("stdout lacks {want:?}"));
            }
        }
        for want in &self.stderr_contains {
            if !stderr.contains(want.as_str()) {
                failures.push(format!("stderr lacks {want:?}"));
            }
        }
        for unwanted in &self.stdout_lacks {
            if stdout.contains(unwanted.as_str()) {
                failures.push(format!("stdout contains {unwanted:?}"));
            }
        }
        for unwanted in &self.stderr_lacks {
            if stderr.contains(unwanted.as_str()) {
                failures.push(format!("stderr contains {unwanted:?}"));
            }
        }
        if !failures.is_empty() {
            panic!(
                "`mirage {}` did not behave as expected:\n  - {}\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}",
                self.args
                    .iter()
                    .map(|a| a.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join(" "),
                failures.join("\n  - "),
            );
        }
        Output {
            dir: self.dir,
            status,
            stdout,
            stderr,
        }
    }
}

/// Copy a directory tree (used to run fixtures and examples in isolation).
/// `.mirage/` state directories are left out: the README's first command
/// leaves one in `examples/saas/`, and a test must start from nothing.
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_name() == ".mirage" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
