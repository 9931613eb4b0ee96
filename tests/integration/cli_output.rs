//! What the commands print: a capped human report of many errors, a quiet
//! exit on a closed pipe, coloured plan markers, a summary line for a clean
//! `check`, the Markdown plan's markers, and DOT labels that Graphviz
//! renders on separate lines. The real binary throughout.

use crate::support;

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{Test, find_program};

/// A project with `n` services that use a template nobody defined.
fn broken(n: usize) -> String {
    let mut text = String::from("project \"shop\"\n\n");
    for i in 0..n {
        text.push_str(&format!(
            "service \"svc{i}\" from=\"node-wb\" {{\n    image \"nginx:1.27\"\n}}\n\n"
        ));
    }
    text.push_str("environment \"production\"\n");
    text
}

const PROJECT: &str = r#"project "shop"

service "db" {
    image "postgres:17"
    vars {
        DATABASE_URL "postgres://db"
    }
}

service "api" {
    image "nginx:1.27"
    vars {
        DATABASE_URL "${{db.DATABASE_URL}}"
    }
    depends-on "db"
}

environment "production"
"#;

/// A fresh directory holding `files`.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (path, text) in files {
        let path = dir.path().join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("a directory");
        }
        std::fs::write(path, text).expect("writing a file");
    }
    dir
}

/// `mirage ARGS` in `dir`: exit code, standard output, standard error.
fn mirage_in(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = crate::support::mirage_command()
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("running mirage");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

// ---------------------------------------------------------------- the cap

#[test]
fn human_output_shows_fifty_errors_then_says_how_many_more() {
    let out = Test::new()
        .file("main.mirage", &broken(120))
        .args(["check"])
        .status(1)
        .run();
    let shown = out.stderr.matches("× unknown template").count();
    assert_eq!(shown, 50, "{}", out.stderr);
    let tail: Vec<&str> = out.stderr.lines().rev().take(2).collect();
    insta::assert_snapshot!("capped_tail", format!("{}\n{}", tail[1], tail[0]));
}

#[test]
fn max_errors_changes_the_cap_and_zero_shows_all() {
    let files = broken(120);
    let count = |args: &[&str]| {
        let out = Test::new()
            .file("main.mirage", &files)
            .args(args.iter().copied())
            .status(1)
            .run();
        out.stderr.matches("× unknown template").count()
    };
    assert_eq!(count(&["check", "--max-errors", "3"]), 3);
    assert_eq!(count(&["check", "--max-errors", "0"]), 120);
    // Every command that prints diagnostics takes it.
    assert_eq!(
        count(&["config", "-e", "production", "--max-errors", "2"]),
        2
    );
    assert_eq!(count(&["plan", "--local", "--max-errors", "4"]), 4);
}

#[test]
fn json_and_github_outputs_are_never_capped() {
    let files = broken(120);
    let json = Test::new()
        .file("main.mirage", &files)
        .args(["check", "--format", "json", "--max-errors", "1"])
        .status(1)
        .run();
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(doc["diagnostics"].as_array().map(Vec::len), Some(120));
    let github = Test::new()
        .file("main.mirage", &files)
        .args(["check", "--format", "github"])
        .status(1)
        .run();
    assert_eq!(github.stdout.lines().count(), 120);
}

// ---------------------------------------------------------- closed pipes

/// Which stream to close before the command writes anything.
#[derive(Clone, Copy, Debug)]
enum Closed {
    Stdout,
    Stderr,
}

/// Runs `mirage ARGS` in `dir` with one stream a pipe whose reader is
/// already gone; returns the exit code and what the other stream got.
fn with_closed(dir: &std::path::Path, closed: Closed, args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut command = crate::support::mirage_command();
    command
        .args(args)
        .current_dir(dir)
        .env("STRIPE_KEY", "sk_test_pipe")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    match closed {
        Closed::Stdout => command.stdout(writer).stderr(Stdio::piped()),
        Closed::Stderr => command.stderr(writer).stdout(Stdio::piped()),
    };
    let output = command.output().expect("running mirage");
    let other = match closed {
        Closed::Stdout => output.stderr,
        Closed::Stderr => output.stdout,
    };
    (
        output.status.code(),
        String::from_utf8_lossy(&other).into_owned(),
    )
}

#[test]
fn every_command_exits_quietly_on_a_closed_pipe() {
    let files = broken(3);
    let project = project(&[
        ("main.mirage", PROJECT),
        ("broken/main.mirage", &files),
        (
            "ugly/main.mirage",
            "project \"ugly\"\nservice \"a\" { image \"nginx:1\" }\n",
        ),
    ]);
    let dir = project.path();
    // (stream closed, arguments, the exit code the command has anyway)
    let cases: &[(Closed, &[&str], i32)] = &[
        // First, with work to do: its progress goes to the closed stream.
        (Closed::Stderr, &["apply", "--local", "--auto-approve"], 0),
        (
            Closed::Stdout,
            &["config", "--env", "production", "--json"],
            0,
        ),
        (Closed::Stdout, &["config", "--env", "production"], 0),
        (Closed::Stdout, &["graph", "--format", "dot"], 0),
        (Closed::Stdout, &["check", "--format", "json"], 0),
        (
            Closed::Stdout,
            &["check", "broken", "--format", "github"],
            1,
        ),
        (Closed::Stdout, &["plan", "--local"], 0),
        (Closed::Stdout, &["state", "list"], 0),
        (Closed::Stdout, &["completions", "zsh"], 0),
        (Closed::Stdout, &["man"], 0),
        (Closed::Stdout, &["--help"], 0),
        (Closed::Stderr, &["check", "broken"], 1),
        (Closed::Stderr, &["fmt", "--check", "ugly"], 1),
        (Closed::Stderr, &["config", "--env", "nope"], 2),
        (
            Closed::Stderr,
            &[
                "destroy",
                "--local",
                "--env",
                "production",
                "--auto-approve",
            ],
            0,
        ),
        (Closed::Stdout, &["apply", "--local", "--auto-approve"], 0),
    ];
    let mut failures = Vec::new();
    for (closed, args, want) in cases {
        let (code, other) = with_closed(dir, *closed, args);
        if code != Some(*want) || other.contains("panicked") || other.contains("Broken pipe") {
            failures.push(format!(
                "`mirage {}` with {closed:?} closed: exit {code:?} (want {want}):\n{other}",
                args.join(" ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The apply whose progress went nowhere still did everything.
    let (code, stdout, _) = mirage_in(dir, &["plan", "--local", "--detailed-exitcode"]);
    assert_eq!(code, Some(0), "{stdout}");
}

/// Kills the child when dropped, so a failing test leaves no emulator.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_emulator_keeps_running_when_nobody_reads_its_banner() {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut emulator = Running(
        crate::support::mirage_command()
            .args(["emulator", "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting the emulator"),
    );
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        if let Some(status) = emulator.0.try_wait().expect("polling the emulator") {
            let mut stderr = String::new();
            if let Some(mut pipe) = emulator.0.stderr.take() {
                let _ = pipe.read_to_string(&mut stderr);
            }
            panic!("the emulator stopped ({status}) when its output closed:\n{stderr}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

// ---------------------------------------------------------- plan colours

#[test]
fn plan_markers_are_coloured_when_asked_and_only_then() {
    let always = Test::new()
        .file("main.mirage", PROJECT)
        .args(["plan", "--local", "--color", "always"])
        .run();
    assert!(
        always
            .stdout
            .contains("\u{1b}[32m+\u{1b}[0m project \"shop\""),
        "{:?}",
        always.stdout
    );
    assert!(
        always
            .stdout
            .contains("      \u{1b}[32m+\u{1b}[0m source.image = \"nginx:1.27\""),
        "{:?}",
        always.stdout
    );
    assert!(
        always
            .stdout
            .contains("\u{1b}[1mPlan:\u{1b}[0m 4 to create")
    );
    for args in [
        &["plan", "--local", "--color", "never"][..],
        &["plan", "--local"][..],
    ] {
        Test::new()
            .file("main.mirage", PROJECT)
            .args(args.iter().copied())
            .env("NO_COLOR", "1")
            .stdout_contains("+ project \"shop\"")
            .stdout_lacks("\u{1b}")
            .run();
    }
}

#[test]
fn markdown_plan_marks_a_changed_environment() {
    let dir = project(&[("main.mirage", PROJECT)]);
    let (code, ..) = mirage_in(dir.path(), &["apply", "--local", "--auto-approve"]);
    assert_eq!(code, Some(0));
    let main = dir.path().join("main.mirage");
    let text = std::fs::read_to_string(&main).expect("reading the project");
    std::fs::write(&main, text.replace("nginx:1.27", "nginx:1.28")).expect("editing it");
    let (code, stdout, stderr) =
        mirage_in(dir.path(), &["plan", "--local", "--format", "markdown"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains(
            "<summary><code>~</code> environment <b>production</b> (1 changed)</summary>"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("<code></code>"), "{stdout}");
}

// ------------------------------------------------------ check and graph

#[test]
fn a_clean_check_says_what_it_checked() {
    Test::new()
        .file("main.mirage", PROJECT)
        .args(["check"])
        .stdout("")
        .stderr("no problems: 1 file, 2 services, 1 environment\n")
        .run();
    // Machine formats stay as they were.
    Test::new()
        .file("main.mirage", PROJECT)
        .args(["check", "--format", "github"])
        .stdout("")
        .stderr("")
        .run();
}

#[test]
fn dot_labels_put_each_reason_on_its_own_line() {
    let out = Test::new()
        .file("main.mirage", PROJECT)
        .args(["graph", "--format", "dot"])
        .run();
    assert!(
        out.stdout
            .contains(r#""api" -> "db" [label="depends-on\nDATABASE_URL → db.DATABASE_URL"];"#),
        "{}",
        out.stdout
    );
    let Some(dot) = find_program("dot") else {
        eprintln!(
            "skipping the Graphviz rendering: `dot` is not installed (apt-get install graphviz)"
        );
        return;
    };
    let mut child = Command::new(dot)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("running dot");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("dot's input");
        stdin
            .write_all(out.stdout.as_bytes())
            .expect("writing to dot");
    }
    let svg = child.wait_with_output().expect("dot's output");
    assert!(svg.status.success(), "dot refused the graph");
    let svg = String::from_utf8_lossy(&svg.stdout);
    let texts: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .filter_map(|t| t.split('>').nth(1))
        .filter_map(|t| t.split("</text").next())
        .collect();
    assert!(
        texts.contains(&"DATABASE_URL → db.DATABASE_URL") && texts.contains(&"depends&#45;on"),
        "each reason is a line of its own: {texts:?}"
    );
    assert!(
        !svg.contains("\\n"),
        "a literal \\n in the rendering: {svg}"
    );
}
