//! End to end: every command and exit code of the real `mirage` binary.

use crate::support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::Test;

/// A small project that passes `check`.
const VALID: &str = r#"project "shop"

service "web" {
    image "nginx:1.27"
}

environment "production"
"#;

/// The same project with an unclosed string on line 4.
const SYNTAX_ERROR: &str = "project \"shop\"\n\nservice \"web\" {\n    image \"nginx:1.27\n}\n";

// ---------------------------------------------------------------- usage

#[test]
fn no_command_is_a_usage_error() {
    Test::new().status(2).stderr_contains("Usage: mirage").run();
}

#[test]
fn unknown_command_is_a_usage_error() {
    Test::new()
        .args(["frobnicate"])
        .status(2)
        .stderr_contains("unrecognized subcommand 'frobnicate'")
        .run();
}

#[test]
fn unknown_flag_and_bad_values_are_usage_errors() {
    Test::new().args(["check", "--frob"]).status(2).run();
    Test::new()
        .args(["check", "--format", "xml"])
        .status(2)
        .stderr_contains("possible values: human, json, github")
        .run();
    Test::new()
        .args(["--color", "sometimes", "check"])
        .status(2)
        .run();
}

#[test]
fn help_lists_commands_and_examples() {
    Test::new()
        .args(["--help"])
        .stdout_contains("check")
        .stdout_contains("fmt")
        .stdout_contains("config")
        .stdout_contains("graph")
        .stdout_contains("Examples:")
        .stdout_contains("--color")
        .run();
    Test::new()
        .args(["check", "--help"])
        .stdout_contains("--format")
        .stdout_contains("--watch")
        .stdout_contains("mirage check --format github")
        .run();
}

#[test]
fn version_comes_from_cargo() {
    // With the commit after it when built from a checkout (`cli_usage.rs`).
    Test::new()
        .args(["--version"])
        .stdout_contains(&format!("mirage {}", env!("CARGO_PKG_VERSION")))
        .run();
}

// ---------------------------------------------------------------- check

#[test]
fn check_clean_project_says_so_and_exits_0() {
    Test::new()
        .file("main.mirage", VALID)
        .args(["check"])
        .stdout("")
        .stderr("no problems: 1 file, 1 service, 1 environment\n")
        .run();
}

#[test]
fn check_takes_a_directory_argument() {
    Test::new()
        .file("infra/main.mirage", VALID)
        .args(["check", "infra"])
        .run();
    Test::new()
        .file("infra/main.mirage", SYNTAX_ERROR)
        .args(["check", "infra"])
        .status(1)
        .stderr_contains("main.mirage")
        .run();
}

#[test]
fn check_errors_exit_1_with_snippet_code_and_summary() {
    let out = Test::new()
        .file("main.mirage", SYNTAX_ERROR)
        .args(["check"])
        .status(1)
        .stdout("")
        .stderr_contains("mirage::syntax::unclosed_string")
        .stderr_contains("main.mirage:4:")
        .stderr_contains("emitted")
        .run();
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: ") && last.ends_with("emitted"),
        "{last:?}"
    );
    assert!(!out.stderr.contains('\u{1b}'), "no colour into a pipe");
}

#[test]
fn check_json_is_a_versioned_document_on_stdout() {
    let out = Test::new()
        .file("main.mirage", SYNTAX_ERROR)
        .args(["check", "--format", "json"])
        .status(1)
        .stderr("")
        .run();
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    assert_eq!(doc["version"], 1);
    let first = &doc["diagnostics"][0];
    assert_eq!(first["code"], "mirage::syntax::unclosed_string");
    assert_eq!(first["severity"], "error");
    assert!(
        first["file"]
            .as_str()
            .unwrap_or_default()
            .ends_with("main.mirage")
    );
    assert_eq!(first["line"], 4);
    assert!(first["span"]["start"].as_u64().is_some());
    assert!(doc["summary"]["errors"].as_u64() >= Some(1));
}

#[test]
fn check_json_of_a_clean_project_is_empty_and_exits_0() {
    let out = Test::new()
        .file("main.mirage", VALID)
        .args(["check", "--format", "json"])
        .run();
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    assert_eq!(doc["diagnostics"], serde_json::json!([]));
    assert_eq!(doc["summary"]["errors"], 0);
}

#[test]
fn check_github_prints_workflow_commands() {
    let out = Test::new()
        .file("main.mirage", SYNTAX_ERROR)
        .args(["check", "--format", "github"])
        .status(1)
        .stderr("")
        .run();
    let first = out.stdout.lines().next().unwrap_or_default();
    assert!(first.starts_with("::error file="), "{first}");
    assert!(first.contains("main.mirage,line=4,col="), "{first}");
    assert!(
        first.contains(",title=mirage%3A%3Asyntax%3A%3Aunclosed_string::"),
        "{first}"
    );
}

#[test]
fn check_missing_directory_is_a_usage_error() {
    Test::new()
        .args(["check", "nowhere"])
        .status(2)
        .stderr(
            "error: directory `nowhere` does not exist\n  help: pass the directory that holds the project's `.mirage` files\n",
        )
        .run();
}

#[test]
fn check_file_instead_of_directory_is_a_usage_error() {
    Test::new()
        .file("main.mirage", VALID)
        .args(["check", "main.mirage"])
        .status(2)
        .stderr_contains("`main.mirage` is not a directory")
        .run();
}

#[test]
fn check_directory_without_mirage_files_fails() {
    Test::new()
        .file("README.md", "# nothing here\n")
        .args(["check"])
        .status(1)
        .stderr_contains("mirage::resolve::no_files")
        .stderr_contains("no `.mirage` files in `.`")
        .run();
}

#[test]
fn color_always_colours_and_never_does_not() {
    Test::new()
        .file("main.mirage", SYNTAX_ERROR)
        .args(["--color", "always", "check"])
        .env("NO_COLOR", "1")
        .status(1)
        .stderr_contains("\u{1b}[")
        .run();
    Test::new()
        .file("main.mirage", SYNTAX_ERROR)
        .args(["check", "--color", "never"])
        .status(1)
        .stderr_lacks("\u{1b}[")
        .run();
}

/// `--watch` runs once, then again after a save; the test edits the file
/// and waits (bounded) for the second report.
#[test]
fn check_watch_rechecks_after_a_save() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("main.mirage");
    std::fs::write(&file, SYNTAX_ERROR).expect("write");
    let mut child = crate::support::mirage_command()
        .args(["check", "--watch", "--color", "never"])
        .current_dir(dir.path())
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mirage check --watch");
    let stderr = child.stderr.take().expect("piped stderr");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });

    let wait_for = |what: &str, seen: &mut Vec<String>| -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match receiver.recv_timeout(left) {
                Ok(line) => {
                    let hit = line.starts_with("[watch]") && line.contains(what);
                    seen.push(line);
                    if hit {
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
        false
    };

    let mut seen = Vec::new();
    let first = wait_for("error", &mut seen);
    // Fix the file; the watcher must notice and report a clean run.
    std::fs::write(&file, VALID).expect("rewrite");
    let second = first && wait_for("no problems", &mut seen);
    let _ = child.kill();
    let _ = child.wait();
    assert!(first, "no first run reported:\n{}", seen.join("\n"));
    assert!(second, "no second run after the save:\n{}", seen.join("\n"));
    assert!(
        seen.iter()
            .any(|l| l.contains("mirage::syntax::unclosed_string")),
        "first run shows the diagnostic:\n{}",
        seen.join("\n")
    );
}

// ---------------------------------------------------------------- fmt

const UNFORMATTED: &str =
    "project   \"shop\"\nservice \"web\"   {\nimage \"nginx:1.27\"\n      }\n";

#[test]
fn fmt_rewrites_unformatted_files_and_is_idempotent() {
    let out = Test::new()
        .file("main.mirage", UNFORMATTED)
        .file("nested/other.mirage", VALID)
        .args(["fmt"])
        .stderr_contains("reformatted")
        .run();
    let formatted = out.read("main.mirage");
    assert_ne!(formatted, UNFORMATTED);
    assert!(
        formatted.contains("\n    image \"nginx:1.27\"\n"),
        "{formatted}"
    );

    // Formatting the formatted text changes nothing, through the binary.
    Test::new()
        .file("main.mirage", &formatted)
        .args(["fmt", "--check"])
        .stdout("")
        .stderr("0 files would be reformatted, 1 file already formatted\n")
        .run();
    Test::new()
        .file("main.mirage", &formatted)
        .args(["fmt"])
        .stderr("0 files reformatted, 1 file already formatted\n")
        .run();
}

#[cfg(unix)]
#[test]
fn fmt_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let test = Test::new().file("main.mirage", UNFORMATTED);
    let path = test.path().join("main.mirage");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let out = test.args(["fmt", "main.mirage"]).run();
    let mode = std::fs::metadata(out.path().join("main.mirage"))
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    assert_ne!(out.read("main.mirage"), UNFORMATTED);
    // No temporary file left behind.
    let names: Vec<_> = std::fs::read_dir(out.path())
        .expect("read_dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("main.mirage")]);
}

#[test]
fn fmt_check_lists_changes_with_a_diff_and_writes_nothing() {
    let out = Test::new()
        .file("main.mirage", UNFORMATTED)
        .args(["fmt", "--check"])
        .status(1)
        .stdout_contains("would reformat `main.mirage`")
        .stdout_contains("--- main.mirage")
        .stdout_contains("+++ main.mirage")
        .stdout_contains("-image \"nginx:1.27\"")
        .stdout_contains("+    image \"nginx:1.27\"")
        .stderr("1 file would be reformatted, 0 files already formatted\n")
        .run();
    assert_eq!(out.read("main.mirage"), UNFORMATTED);
}

#[test]
fn fmt_refuses_files_with_syntax_errors() {
    let out = Test::new()
        .file("bad.mirage", SYNTAX_ERROR)
        .file("good.mirage", UNFORMATTED)
        .args(["fmt"])
        .status(1)
        .stderr_contains("mirage::syntax::unclosed_string")
        .stderr_contains("bad.mirage:4:")
        .stderr_contains("1 file reformatted, 0 files already formatted, 1 file with errors")
        .run();
    assert_eq!(out.read("bad.mirage"), SYNTAX_ERROR, "never rewritten");
    assert_ne!(out.read("good.mirage"), UNFORMATTED, "the others still are");
}

#[test]
fn fmt_refuses_non_utf8_files() {
    let bytes = b"project \"sh\xffop\"\n";
    let out = Test::new()
        .bytes("main.mirage", bytes)
        .args(["fmt"])
        .status(1)
        .stderr_contains("`main.mirage` is not valid UTF-8")
        .run();
    assert_eq!(
        std::fs::read(out.path().join("main.mirage"))
            .ok()
            .as_deref(),
        Some(&bytes[..])
    );
}

#[test]
fn fmt_missing_path_is_a_usage_error() {
    Test::new()
        .args(["fmt", "nowhere.mirage"])
        .status(2)
        .stderr("error: `nowhere.mirage` does not exist\n")
        .run();
}

#[test]
fn fmt_skips_hidden_and_target_directories() {
    let out = Test::new()
        .file(".hidden/a.mirage", UNFORMATTED)
        .file("target/b.mirage", UNFORMATTED)
        .file("c.mirage", UNFORMATTED)
        .args(["fmt"])
        .stderr("1 file reformatted, 0 files already formatted\n")
        .run();
    assert_eq!(out.read(".hidden/a.mirage"), UNFORMATTED);
    assert_eq!(out.read("target/b.mirage"), UNFORMATTED);
}

// ---------------------------------------------------------------- warnings

const WITH_WARNING: &str = r#"project "shop"

template "unused" {
    port 3000
}

service "web" {
    image "nginx:1.27"
}

environment "production"
"#;

#[test]
fn check_warnings_are_shown_but_exit_0() {
    let out = Test::new()
        .file("main.mirage", WITH_WARNING)
        .args(["check"])
        .stdout("")
        .stderr_contains("mirage::resolve::unused_template")
        .stderr_contains("⚠ template `unused` is never used")
        .run();
    assert_eq!(
        out.stderr.lines().last(),
        Some("warning: 1 warning emitted")
    );
    let json = Test::new()
        .file("main.mirage", WITH_WARNING)
        .args(["check", "--format", "json"])
        .run();
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("valid JSON");
    assert_eq!(doc["diagnostics"][0]["severity"], "warning");
    assert_eq!(doc["summary"]["warnings"], 1);
    assert_eq!(doc["summary"]["errors"], 0);
    Test::new()
        .file("main.mirage", WITH_WARNING)
        .args(["check", "--format", "github"])
        .stdout_contains("::warning file=main.mirage,line=3,col=10,")
        .run();
}

#[test]
fn check_reports_errors_in_several_files_at_once() {
    Test::new()
        .file("a.mirage", SYNTAX_ERROR)
        .file("b.mirage", "service \"api\" {\n    image \"nginx:1.27\"\n")
        .args(["check"])
        .status(1)
        .stderr_contains("[a.mirage:4:")
        .stderr_contains("[b.mirage:1:")
        .stderr_contains("error: 2 errors emitted")
        .run();
}

// ---------------------------------------------------------------- config, graph

const SAAS: &str = r#"project "shop"

import "std/postgres"

layer "base" {
    vars {
        LOG_LEVEL "info"
    }
}

layer "prod" extends="base" {
    replicas 2; service "db" { replicas 1; }
}

service "db" from="std/postgres"

service "api" {
    repo "acme/shop" root="apps/api"
    vars {
        DATABASE_URL "${{db.DATABASE_URL}}"
        STRIPE_KEY (secret)"env:STRIPE_KEY"
    }
}

environment "production" layer="prod" {
    service "api" {
        replicas 4
    }
}
"#;

#[test]
fn config_explains_where_values_come_from() {
    Test::new()
        .file("main.mirage", SAAS)
        .args([
            "config",
            "--env",
            "production",
            "--service",
            "api",
            "--explain",
        ])
        .stdout_contains("deploy.numReplicas")
        .stdout_contains("(environment service block)")
        .stdout_contains("variables.LOG_LEVEL")
        .stdout_contains("(layer `base`)")
        .stdout_contains("(sensitive)")
        .stdout_lacks("env:STRIPE_KEY")
        .run();
}

#[test]
fn config_json_uses_railway_keys() {
    let out = Test::new()
        .file("main.mirage", SAAS)
        .args([
            "config",
            "--env",
            "production",
            "--service",
            "api",
            "--json",
        ])
        .run();
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    assert_eq!(doc["project"], "shop");
    assert!(out.stdout.contains("\"numReplicas\": 4"), "{}", out.stdout);
}

#[test]
fn config_usage_errors_suggest_names() {
    Test::new()
        .file("main.mirage", SAAS)
        .args(["config", "--env", "prod", "--service", "api"])
        .status(2)
        .stderr_contains("unknown environment `prod`")
        .stderr_contains("did you mean `production`?")
        .run();
    Test::new()
        .file("main.mirage", SAAS)
        .args(["config", "--env", "production", "--service", "apii"])
        .status(2)
        .stderr_contains("did you mean `api`?")
        .run();
    Test::new()
        .args(["config", "--service", "api"])
        .status(2)
        .run();
}

#[test]
fn config_of_a_broken_project_prints_diagnostics_and_exits_1() {
    Test::new()
        .file("main.mirage", SYNTAX_ERROR)
        .args(["config", "--env", "production"])
        .status(1)
        .stderr_contains("mirage::syntax::unclosed_string")
        .run();
}

#[test]
fn graph_shows_edges_and_a_deploy_order() {
    Test::new()
        .file("main.mirage", SAAS)
        .args(["graph", "--env", "production"])
        .stdout_contains("api")
        .stdout_contains("→ db")
        .stdout_contains("DATABASE_URL → db.DATABASE_URL")
        .stdout_contains("deploy order: db, api")
        .run();
}

#[test]
fn graph_errors() {
    Test::new()
        .file("main.mirage", SYNTAX_ERROR)
        .args(["graph"])
        .status(1)
        .stderr_contains("mirage::syntax::unclosed_string")
        .run();
    Test::new()
        .file("main.mirage", SAAS)
        .args(["graph", "--env", "staging"])
        .status(2)
        .stderr_contains("unknown environment `staging`")
        .run();
    Test::new()
        .args(["graph", "--format", "svg"])
        .status(2)
        .run();
}
