//! A `mirage serve` in a child process: the test binary itself re-run
//! with one `#[test]` (`--exact NAME`) that starts the service from what
//! an environment variable says and prints `LISTENING ADDR` — so a test
//! can SIGKILL a service mid-job, or run two replicas. Also the lines a
//! child appends to a file, waited for.

use std::io::BufRead as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the test `test` of this binary in a child process with `var` set
/// to `value`; the child and the address it printed after `LISTENING `.
pub fn spawn_serve_child(test: &str, var: &str, value: &str) -> (Child, SocketAddr) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(var, value)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let addr = std::io::BufReader::new(stdout)
        .lines()
        .find_map(|line| {
            line.ok()?
                .strip_prefix("LISTENING ")
                .map(|a| a.parse().unwrap())
        })
        .unwrap_or_else(|| panic!("`{test}` never said where it listens"));
    (child, addr)
}

/// The lines of `file` (none when it does not exist yet).
pub fn lines_of(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Waits until `file` has a line starting with `prefix`; that line.
pub async fn wait_for_line(file: &Path, prefix: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        if let Some(line) = lines_of(file).into_iter().find(|l| l.starts_with(prefix)) {
            return line;
        }
        assert!(
            Instant::now() < deadline,
            "no line starting with `{prefix}` in {} within {within:?}: {:?}",
            file.display(),
            lines_of(file)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
