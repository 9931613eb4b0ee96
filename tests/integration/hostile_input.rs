//! Hostile input, through the real `mirage` binary: imports of absolute
//! paths and `..` escapes, symbolic links leaving the project or looping,
//! `/proc/self/environ`, `/dev/zero`, `/dev/urandom`, FIFOs, files over the
//! size limit, binary files, and control characters and bidirectional
//! overrides in strings, names and comments.
//!
//! For `check`, `fmt`, `fmt --check`, `config`, `graph` and `plan --local`,
//! every case must end quickly (a child that runs past [`TIMEOUT`] is killed
//! and the test fails: a FIFO used to hang forever), with exit status 1 and
//! a diagnostic with a stable code (never a panic's 101), and must never
//! print a planted secret: the child's environment holds a sentinel value,
//! and files outside the project hold another. Each child runs under a 2 GiB
//! address-space limit, so a read that grows without bound (`/dev/zero`)
//! fails the test instead of the machine.
//!
//! Human output must hold no control character but tab and newline: every
//! one is escaped (`\u{1b}`). The control-character case is a golden file
//! (`tests/snapshots/hostile_input__*.snap`).

#![cfg(unix)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long any one run may take (a debug binary; a hang is forever).
const TIMEOUT: Duration = Duration::from_secs(60);

/// Planted in the child's environment: `/proc/self/environ` holds it.
const ENV_SENTINEL: &str = "sentinel-env-5e1f0c2b9d";
/// The content of a file outside the project.
const FILE_SENTINEL: &str = "sentinel-file-a93b71e04c";

/// The limit the reader enforces, in bytes (8 MiB).
const LIMIT: u64 = 8 * 1024 * 1024;

/// A project directory with a sibling directory outside it.
struct World {
    _tmp: tempfile::TempDir,
    /// The project.
    project: PathBuf,
    /// Next to the project, holding a "secret".
    outside: PathBuf,
}

impl World {
    fn new() -> World {
        let tmp = tempfile::tempdir().expect("tempdir");
        let base = tmp.path().canonicalize().expect("canonical");
        let project = base.join("project");
        let outside = base.join("outside");
        std::fs::create_dir_all(project.join("lib")).expect("mkdir");
        std::fs::create_dir_all(&outside).expect("mkdir");
        let secret = format!("project \"{FILE_SENTINEL}\"\nthis is not kdl {FILE_SENTINEL}\n");
        std::fs::write(outside.join("secret.mirage"), secret).expect("write");
        World {
            _tmp: tmp,
            project,
            outside,
        }
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.project.join(rel), text).expect("write");
    }

    fn bytes(&self, rel: &str, bytes: &[u8]) {
        std::fs::write(self.project.join(rel), bytes).expect("write");
    }

    fn link(&self, rel: &str, target: impl AsRef<Path>) {
        std::os::unix::fs::symlink(target, self.project.join(rel)).expect("symlink");
    }

    fn fifo(&self, rel: &str) {
        let path = self.project.join(rel);
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("no NUL");
        // SAFETY: a valid NUL-terminated path, only read by mkfifo.
        let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
        assert_eq!(rc, 0, "mkfifo: {}", std::io::Error::last_os_error());
    }

    /// A sparse file just over the limit: costs nothing on disk.
    fn huge(&self, rel: &str) {
        let file = std::fs::File::create(self.project.join(rel)).expect("create");
        file.set_len(LIMIT + 1).expect("set_len");
    }

    /// `main.mirage`, formatted, importing `target` on line 2.
    fn main_importing(&self, target: &str) {
        self.write(
            "main.mirage",
            &format!("project \"shop\"\nimport \"{target}\"\nenvironment \"production\"\n"),
        );
    }

    /// `main.mirage`, formatted, importing nothing.
    fn main_plain(&self) {
        self.write(
            "main.mirage",
            "project \"shop\"\nenvironment \"production\"\n",
        );
    }
}

/// What one run produced.
struct Run {
    args: Vec<String>,
    status: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn both(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    fn context(&self) -> String {
        format!(
            "`mirage {}` exited {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.args.join(" "),
            self.status,
            self.stdout,
            self.stderr
        )
    }
}

/// Run `mirage ARGS` in `dir` with the sentinel in its environment, under a
/// memory limit, killed after [`TIMEOUT`].
fn mirage(dir: &Path, args: &[&str]) -> Run {
    use std::os::unix::process::CommandExt;
    let mut command = crate::support::mirage_command();
    command
        .args(args)
        .current_dir(dir)
        .env("MIRAGE_TEST_SENTINEL", ENV_SENTINEL)
        .env("RAILWAY_TOKEN", ENV_SENTINEL)
        .env_remove("NO_COLOR")
        .env_remove("MIRAGE_STATE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs in the
    // child between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 2 << 30,
                rlim_max: 2 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    let mut child = command.spawn().expect("spawn mirage");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`mirage {}` in {} still ran after {TIMEOUT:?}: it hangs",
                args.join(" "),
                dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = String::from_utf8_lossy(&out.join().expect("stdout reader")).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().expect("stderr reader")).into_owned();
    Run {
        args: args.iter().map(|a| a.to_string()).collect(),
        status: status.code(),
        stdout,
        stderr,
    }
}

/// A character that must never reach a terminal raw: C0 controls but tab,
/// line feed and carriage return, DEL, C1 controls, bidi formatting
/// characters (kept here rather than taken from the library, so that the
/// test means the same whatever the library says).
fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// No secret, no panic, no raw control character (human output).
fn assert_safe(run: &Run) {
    let both = run.both();
    assert!(
        !both.contains(ENV_SENTINEL),
        "leaked the environment: {}",
        run.context()
    );
    assert!(
        !both.contains(FILE_SENTINEL),
        "leaked a file outside the project: {}",
        run.context()
    );
    assert!(!both.contains("panicked"), "{}", run.context());
    let unsafe_chars: Vec<char> = run
        .stderr
        .chars()
        .chain(run.stdout.chars())
        .filter(|&c| is_unsafe(c))
        .collect();
    assert!(
        unsafe_chars.is_empty(),
        "raw {unsafe_chars:?}: {}",
        run.context()
    );
}

/// Exit 1 with `code` in the output, safely.
fn assert_fails_with(run: &Run, code: &str) {
    assert_safe(run);
    assert_eq!(run.status, Some(1), "{}", run.context());
    // GitHub annotations escape `:` in the title.
    let escaped = code.replace(':', "%3A");
    assert!(
        run.both().contains(code) || run.both().contains(&escaped),
        "no `{code}`: {}",
        run.context()
    );
}

/// The diagnostic with `code` from `check --format json` is located at
/// `file`, line `line` (and is the only error there).
fn assert_located(world: &World, code: &str, file: &str, line: u64) {
    let run = mirage(&world.project, &["check", "--format", "json"]);
    assert_safe(&run);
    assert_eq!(run.status, Some(1), "{}", run.context());
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON report");
    let found = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no `{code}`: {}", run.context()));
    assert_eq!(found["file"], file, "{found}");
    assert_eq!(found["line"], line, "{found}");
    assert!(found["help"].is_string(), "a help line: {found}");
}

/// Every command on the project, each failing with `code`; `fmt` with
/// `fmt_code` (`None`: `fmt` reads no import, so it has nothing to say and
/// exits 0).
fn assert_every_command(world: &World, code: &str, fmt_code: Option<&str>) {
    let dir = &world.project;
    for args in [
        &["check"][..],
        &["check", "--format", "github"],
        &["config", "--env", "production"],
        &["graph"],
        &["plan", "--local"],
    ] {
        assert_fails_with(&mirage(dir, args), code);
    }
    for args in [&["fmt"][..], &["fmt", "--check"]] {
        let run = mirage(dir, args);
        match fmt_code {
            Some(code) => assert_fails_with(&run, code),
            None => {
                assert_safe(&run);
                assert_eq!(run.status, Some(0), "{}", run.context());
            }
        }
    }
}

const OUTSIDE: &str = "mirage::resolve::outside_project";

#[test]
fn import_of_proc_self_environ() {
    let w = World::new();
    w.main_importing("/proc/self/environ");
    assert_located(&w, OUTSIDE, "main.mirage", 2);
    assert_every_command(&w, OUTSIDE, None);
}

#[test]
fn import_of_an_absolute_path() {
    let w = World::new();
    w.main_importing("/etc/passwd");
    assert_located(&w, OUTSIDE, "main.mirage", 2);
    assert_every_command(&w, OUTSIDE, None);
}

#[test]
fn import_escaping_with_dot_dot() {
    let w = World::new();
    w.main_importing("../outside/secret.mirage");
    assert_located(&w, OUTSIDE, "main.mirage", 2);
    assert_every_command(&w, OUTSIDE, None);

    let w = World::new();
    w.main_importing("../../../../../../../../../../etc/passwd");
    assert_located(&w, OUTSIDE, "main.mirage", 2);
    assert_every_command(&w, OUTSIDE, None);
}

#[test]
fn import_through_a_symlink_leaving_the_project() {
    let w = World::new();
    w.link("lib/common.mirage", w.outside.join("secret.mirage"));
    w.main_importing("./lib/common.mirage");
    assert_located(&w, OUTSIDE, "main.mirage", 2);
    assert_every_command(&w, OUTSIDE, None);
}

#[test]
fn project_file_that_links_to_proc_self_environ() {
    let w = World::new();
    w.main_plain();
    w.link("env.mirage", "/proc/self/environ");
    assert_located(&w, OUTSIDE, "env.mirage", 1);
    // `fmt` does not follow links (it writes files in place).
    assert_every_command(&w, OUTSIDE, None);
}

#[test]
fn symlink_loops() {
    let code = "mirage::resolve::symlink_loop";
    let w = World::new();
    w.link("lib/a.mirage", "b.mirage");
    w.link("lib/b.mirage", "a.mirage");
    w.main_importing("./lib/a.mirage");
    assert_located(&w, code, "main.mirage", 2);
    assert_every_command(&w, code, None);

    let w = World::new();
    w.main_plain();
    w.link("loop.mirage", "loop.mirage");
    assert_located(&w, code, "loop.mirage", 1);
    assert_every_command(&w, code, None);
}

#[test]
fn import_of_dev_zero_and_dev_urandom() {
    for device in ["/dev/zero", "/dev/urandom"] {
        // Through `..`, through a link, and as a project file.
        let w = World::new();
        w.main_importing(&format!("../../../../../../../../../..{device}"));
        assert_located(&w, OUTSIDE, "main.mirage", 2);
        assert_every_command(&w, OUTSIDE, None);

        let w = World::new();
        w.link("lib/device.mirage", device);
        w.main_importing("./lib/device.mirage");
        assert_located(&w, OUTSIDE, "main.mirage", 2);
        assert_every_command(&w, OUTSIDE, None);

        let w = World::new();
        w.main_plain();
        w.link("device.mirage", device);
        assert_every_command(&w, OUTSIDE, None);
    }
}

#[test]
fn devices_named_on_the_command_line() {
    let w = World::new();
    for device in ["/dev/zero", "/dev/urandom"] {
        for args in [&["fmt", device][..], &["fmt", "--check", device]] {
            assert_fails_with(
                &mirage(&w.project, args),
                "mirage::resolve::not_a_regular_file",
            );
        }
    }
}

#[test]
fn fifo_in_the_project_directory() {
    let code = "mirage::resolve::not_a_regular_file";
    let w = World::new();
    w.main_plain();
    w.fifo("x.mirage");
    assert_located(&w, code, "x.mirage", 1);
    assert_every_command(&w, code, Some(code));
    // Named on the command line.
    assert_fails_with(&mirage(&w.project, &["fmt", "x.mirage"]), code);
}

#[test]
fn fifo_as_an_import() {
    let code = "mirage::resolve::not_a_regular_file";
    let w = World::new();
    w.fifo("lib/pipe.mirage");
    w.main_importing("./lib/pipe.mirage");
    assert_located(&w, code, "main.mirage", 2);
    // `fmt` walks into `lib/` and finds the FIFO itself.
    assert_every_command(&w, code, Some(code));
}

#[test]
fn file_over_the_size_limit() {
    let code = "mirage::resolve::file_too_large";
    let w = World::new();
    w.main_plain();
    w.huge("huge.mirage");
    assert_located(&w, code, "huge.mirage", 1);
    assert_every_command(&w, code, Some(code));
    let run = mirage(&w.project, &["check"]);
    assert!(
        run.stderr.contains("8 MiB"),
        "names the limit: {}",
        run.context()
    );

    let w = World::new();
    w.huge("lib/huge.mirage");
    w.main_importing("./lib/huge.mirage");
    assert_located(&w, code, "main.mirage", 2);
    assert_every_command(&w, code, Some(code));
}

#[test]
fn binary_file() {
    let code = "mirage::resolve::binary_file";
    let w = World::new();
    w.main_plain();
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    w.bytes("logo.mirage", &png);
    assert_located(&w, code, "logo.mirage", 1);
    assert_every_command(&w, code, Some(code));
}

#[test]
fn import_of_a_file_that_is_not_mirage() {
    let code = "mirage::resolve::not_a_mirage_file";
    let w = World::new();
    w.write("notes.txt", "not kdl at all {{{\n");
    w.main_importing("./notes.txt");
    assert_located(&w, code, "main.mirage", 2);
    assert_every_command(&w, code, None);
}

/// Literal control characters and bidi overrides (disallowed by KDL), and
/// escaped ones in names (allowed by KDL, refused or echoed by Mirage).
const CONTROL: &str = "project \"shop\"\n\
// a comment that hides \u{202e}txet sdrawkcab\u{202c} and rings \u{7}\n\
service \"web\" from=\"\\u{1b}]0;PWNED\\u{7}\" {\n\
    image \"nginx\u{1b}]0;PWNED\u{7}:1.27\"\n\
    vars {\n\
        GREETING \"hi\u{9b}31m\"\n\
    }\n\
}\n\
service \"\\u{202e}evil\" {\n\
    image \"nginx:1.27\"\n\
}\n\
environment \"production\"\n";

#[test]
fn control_characters_are_escaped_in_diagnostics() {
    let w = World::new();
    w.write("main.mirage", CONTROL);
    let run = mirage(&w.project, &["check", "--color", "never"]);
    assert_fails_with(&run, "mirage::syntax::disallowed_character");
    insta::assert_snapshot!("control_characters_check", run.stderr);

    // With colour, the only escape sequences are Mirage's own colours.
    let run = mirage(&w.project, &["check", "--color", "always"]);
    assert_eq!(run.status, Some(1), "{}", run.context());
    assert!(!run.stderr.contains("\u{1b}]"), "{}", run.context());
    assert!(!run.stderr.contains('\u{7}'), "{}", run.context());

    for args in [
        &["fmt"][..],
        &["fmt", "--check"],
        &["config", "--env", "production"],
        &["graph"],
        &["plan", "--local"],
    ] {
        assert_fails_with(&mirage(&w.project, args), "disallowed_character");
    }

    // GitHub annotations: the runner's escapes, control characters dropped.
    let run = mirage(&w.project, &["check", "--format", "github"]);
    assert_fails_with(&run, "disallowed_character");
    assert!(
        run.stdout.lines().all(|l| l.starts_with("::")),
        "{}",
        run.context()
    );

    // JSON stays exact: the name is there, escaped the JSON way.
    let run = mirage(&w.project, &["check", "--format", "json"]);
    assert_eq!(run.status, Some(1), "{}", run.context());
    let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert!(
        json["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .any(|d| d["message"]
                .as_str()
                .is_some_and(|m| m.contains("\u{1b}]0;PWNED\u{7}"))),
        "{}",
        run.stdout
    );
}

/// A project that resolves, with escaped control characters in values and
/// a literal C1 control (allowed by KDL): `fmt --check` diffs, `config`,
/// `graph` and `plan` text show escapes; JSON stays exact.
const VALID_WITH_CONTROLS: &str = "project \"shop\"\n\
service   \"web\" {\n\
image \"nginx:1.27\"\n\
    vars {\n\
        TITLE \"\\u{1b}]0;PWNED\\u{7}\"\n\
        CSI \"x\u{9b}2J\"\n\
    }\n\
}\n\
environment \"production\"\n";

#[test]
fn control_characters_are_escaped_in_diffs_config_graph_and_plans() {
    let w = World::new();
    w.write("main.mirage", VALID_WITH_CONTROLS);

    let run = mirage(&w.project, &["fmt", "--check"]);
    assert_safe(&run);
    assert_eq!(run.status, Some(1), "{}", run.context());
    assert!(
        run.stdout.contains(r#"CSI "x\u{9b}2J""#),
        "{}",
        run.context()
    );

    let run = mirage(&w.project, &["config", "--env", "production"]);
    assert_safe(&run);
    assert_eq!(run.status, Some(0), "{}", run.context());
    assert!(
        run.stdout.contains(r"\u{1b}]0;PWNED\u{7}"),
        "{}",
        run.context()
    );

    let run = mirage(&w.project, &["graph"]);
    assert_safe(&run);
    assert_eq!(run.status, Some(0), "{}", run.context());

    let run = mirage(&w.project, &["plan", "--local"]);
    assert_safe(&run);
    assert_eq!(run.status, Some(0), "{}", run.context());
    assert!(
        run.stdout.contains(r"\u{1b}]0;PWNED\u{7}"),
        "{}",
        run.context()
    );

    for args in [
        &["plan", "--local", "--format", "json"][..],
        &["config", "--env", "production", "--json"],
    ] {
        let run = mirage(&w.project, args);
        assert_eq!(run.status, Some(0), "{}", run.context());
        let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
        assert!(
            json.to_string().contains("\\u001b]0;PWNED\\u0007"),
            "JSON keeps the value: {}",
            run.stdout
        );
    }
}
