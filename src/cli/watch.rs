//! `check --watch`: run, then run again after every save of a `.mirage`
//! file in the project directory, until interrupted.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};

use super::{EXIT_FAILURE, report};

/// Editors save in bursts (write, rename, chmod); wait this long after the
/// last event before checking, so one save is one run.
const DEBOUNCE: Duration = Duration::from_millis(100);

/// Call `run` now and after every burst of changes to `*.mirage` files
/// directly inside `dir`. Returns only if watching fails; Ctrl-C ends the
/// process with the usual signal status.
pub fn watch(dir: &Path, mut run: impl FnMut()) -> ExitCode {
    let (sender, receiver) = mpsc::channel();
    let mut watcher = match notify::recommended_watcher(move |event| {
        let _ = sender.send(event);
    }) {
        Ok(watcher) => watcher,
        Err(error) => return fail(dir, &error),
    };
    if let Err(error) = watcher.watch(dir, RecursiveMode::NonRecursive) {
        return fail(dir, &error);
    }

    run_guarded(&mut run);
    loop {
        // Block until something relevant happens.
        match receiver.recv() {
            Ok(Ok(event)) if is_relevant(&event) => {}
            Ok(_) => continue,
            Err(_) => return ExitCode::from(EXIT_FAILURE),
        }
        // Swallow the rest of the burst.
        loop {
            match receiver.recv_timeout(DEBOUNCE) {
                Ok(_) => continue,
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return ExitCode::from(EXIT_FAILURE),
            }
        }
        if std::io::stderr().is_terminal() {
            // Clear the screen and scrollback, cursor home.
            report::write_stderr_exact("\u{1b}[2J\u{1b}[3J\u{1b}[H");
        }
        run_guarded(&mut run);
    }
}

/// A bug in the analysis must not end a watch session: report and go on.
fn run_guarded(run: &mut impl FnMut()) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(&mut *run));
    if outcome.is_err() {
        report::print_error("internal error while checking; waiting for the next change");
    }
}

fn is_relevant(event: &notify::Event) -> bool {
    !matches!(event.kind, EventKind::Access(_))
        && event
            .paths
            .iter()
            .any(|p| p.extension().is_some_and(|x| x == "mirage"))
}

fn fail(dir: &Path, error: &notify::Error) -> ExitCode {
    report::print_error(&format!("cannot watch `{}`: {error}", dir.display()));
    ExitCode::from(EXIT_FAILURE)
}
