//! A long-running child process (`check --watch`, a server) whose output is
//! collected in the background so that a test can wait, with a deadline,
//! for something to appear, act, and wait again.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A spawned child whose stdout and stderr (merged, in arrival order per
/// stream) accumulate in a shared buffer; killed and reaped on drop.
pub struct Live {
    child: Child,
    output: Arc<(Mutex<Vec<u8>>, Condvar)>,
}

impl Live {
    /// Spawn `command` with stdin closed and both outputs captured.
    pub fn spawn(mut command: Command) -> Live {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {command:?}: {e}"));
        let output = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let streams: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().expect("piped stdout")),
            Box::new(child.stderr.take().expect("piped stderr")),
        ];
        for mut stream in streams {
            let output = Arc::clone(&output);
            std::thread::spawn(move || {
                let mut chunk = [0u8; 4096];
                while let Ok(n) = stream.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    let (buffer, changed) = &*output;
                    buffer
                        .lock()
                        .expect("output lock")
                        .extend_from_slice(&chunk[..n]);
                    changed.notify_all();
                }
            });
        }
        Live { child, output }
    }

    /// Everything written so far, lossily decoded.
    pub fn text(&self) -> String {
        let buffer = self.output.0.lock().expect("output lock");
        String::from_utf8_lossy(&buffer).into_owned()
    }

    /// Wait up to `timeout` until the output satisfies `done`; whether it did.
    pub fn wait_until(&self, timeout: Duration, done: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        let (buffer, changed) = &*self.output;
        let mut guard = buffer.lock().expect("output lock");
        loop {
            if done(&String::from_utf8_lossy(&guard)) {
                return true;
            }
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            guard = changed.wait_timeout(guard, left).expect("output lock").0;
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
