//! `mirage check --watch` on a real terminal (a pseudo-terminal from the
//! `script` utility) and without one: the screen is cleared before every
//! re-run only when stderr is a terminal, and a re-run reflects the edit.

use crate::support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::{Live, mirage_bin};

/// Erase screen, erase scrollback, cursor home (what `watch` writes).
const CLEAR: &str = "\u{1b}[2J\u{1b}[3J\u{1b}[H";

/// Generous: notify, the debounce and a debug build on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(60);

const BROKEN: &str = "project \"shop\"\n\nservice \"web\" {\n    image \"nginx:1.27\n}\n";
const FIXED: &str = "project \"shop\"\n\nservice \"web\" {\n    image \"nginx:1.27\"\n}\n\nenvironment \"production\"\n";

/// A project directory holding the broken file.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.mirage"), BROKEN).expect("write");
    dir
}

/// Wait for the first run's report, fix the file, wait for the second's.
fn edit_and_rerun(live: &Live, dir: &Path) {
    assert!(
        live.wait_until(PATIENCE, |t| t.contains("[watch] error")),
        "no first run reported:\n{}",
        live.text()
    );
    std::fs::write(dir.join("main.mirage"), FIXED).expect("rewrite");
    assert!(
        live.wait_until(PATIENCE, |t| t.contains("[watch] no problems: ")),
        "no second run after the save:\n{}",
        live.text()
    );
}

/// Whether the `script` utility (util-linux) can run a command under a
/// pseudo-terminal here.
fn script_available() -> bool {
    Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Single-quote `path` for `sh -c`.
fn sh_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

#[test]
fn on_a_terminal_the_screen_is_cleared_before_the_rerun() {
    if !script_available() {
        eprintln!("skipping: the `script` utility (util-linux) is not installed");
        return;
    }
    let dir = project();
    let mut command = Command::new("script");
    // -q: no banner; -e: the child's exit status; output log to /dev/null
    // (the terminal's output still comes to script's stdout, our pipe).
    command
        .args(["-q", "-e", "-c"])
        .arg(format!(
            "{} check --watch {}",
            sh_quote(&mirage_bin()),
            sh_quote(dir.path())
        ))
        .arg("/dev/null")
        .env_remove("NO_COLOR");
    let live = Live::spawn(command);
    edit_and_rerun(&live, dir.path());

    let text = live.text();
    let (first, second) = text
        .split_once(CLEAR)
        .unwrap_or_else(|| panic!("no clear-screen sequence between the runs:\n{text:?}"));
    assert!(
        first.contains("mirage::syntax::unclosed_string") && first.contains("[watch] error"),
        "the first run reports the broken file:\n{first}"
    );
    assert!(
        !second.contains(CLEAR),
        "one clear per re-run, none before the first run:\n{text:?}"
    );
    // What follows the clear is the second run alone, reflecting the fix.
    assert!(
        second.starts_with("[watch] no problems: "),
        "the re-run's report follows the clear directly:\n{second:?}"
    );
    assert!(
        !second.contains("unclosed_string"),
        "the re-run no longer sees the old error:\n{second}"
    );
}

#[test]
fn without_a_terminal_no_escape_codes_are_written() {
    let dir = project();
    let mut command = crate::support::mirage_command();
    command
        .args(["check", "--watch"])
        .arg(dir.path())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR");
    let live = Live::spawn(command);
    edit_and_rerun(&live, dir.path());

    let text = live.text();
    assert!(
        text.contains("mirage::syntax::unclosed_string"),
        "the first run reports the broken file:\n{text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "escape codes written to a pipe:\n{text:?}"
    );
}
