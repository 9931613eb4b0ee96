//! The command line is the same everywhere: a name that the files do not
//! declare (`--env`, `--target ENV/SERVICE`, `state show`) or a directory
//! that does not exist is a usage error (exit 2) with a "did you mean" in
//! every command; `-e` is `--env`; flags live on the commands that use
//! them; completions, the manual page and `--version` come from the same
//! definitions. The real binary throughout.

use crate::support;

#[path = "../../build/version.rs"]
mod version;

use std::process::{Command, Stdio};

use support::{Test, find_program, repo_root};

/// Two services in two environments.
const PROJECT: &str = r#"project "shop"

service "api" {
    image "nginx:1.27"
}

service "web" {
    image "nginx:1.27"
}

environment "production"
environment "staging"
"#;

/// Every run of `args` in one transcript: the command, its exit code and
/// what it printed on standard error.
fn transcript(runs: &[&[&str]]) -> String {
    let mut out = String::new();
    for args in runs {
        let run = Test::new()
            .file("main.mirage", PROJECT)
            .args(args.iter().copied())
            .status(2)
            .stdout("")
            .run();
        out.push_str(&format!(
            "$ mirage {}\n{}\n",
            args.join(" "),
            run.stderr.trim_end()
        ));
    }
    out
}

#[test]
fn unknown_environments_and_targets_are_usage_errors_in_every_command() {
    let text = transcript(&[
        &["plan", "--local", "--target", "staging/apii"],
        &["plan", "--local", "--target", "stagin/api"],
        &["plan", "--local", "-e", "stagin"],
        &["plan", "--local", "--target", "staging"],
        &["apply", "--local", "--env", "stagin", "--auto-approve"],
        &[
            "apply",
            "--local",
            "--target",
            "production/wbe",
            "--auto-approve",
        ],
        &["destroy", "--local", "-e", "stagin", "--auto-approve"],
        &["import", "--local", "-e", "prod"],
        &["import", "--local", "--target", "staging/apii"],
        &["config", "-e", "stagin"],
        &["config", "-e", "staging", "-s", "apii"],
        &["graph", "-e", "stagin"],
    ]);
    insta::assert_snapshot!("unknown_names", text);
}

#[test]
fn a_directory_that_does_not_exist_is_a_usage_error_in_every_command() {
    let text = transcript(&[
        &["check", "nope"],
        &["plan", "--local", "nope"],
        &["apply", "--local", "nope", "--auto-approve"],
        &[
            "destroy",
            "--local",
            "nope",
            "-e",
            "production",
            "--auto-approve",
        ],
        &["import", "--local", "nope"],
        &["config", "nope", "-e", "production"],
        &["graph", "nope"],
        &["fmt", "nope"],
        &["state", "list", "--dir", "nope"],
    ]);
    insta::assert_snapshot!("missing_directories", text);
}

#[test]
fn state_show_suggests_what_the_database_holds() {
    let applied = Test::new()
        .file("main.mirage", PROJECT)
        .args(["apply", "--local", "--auto-approve"])
        .stdout_contains("Apply complete")
        .run();
    let show = |target: &str| {
        crate::support::mirage_command()
            .args(["state", "show", target])
            .current_dir(applied.path())
            .stdin(Stdio::null())
            .output()
            .expect("running mirage")
    };
    let typo = show("stagin");
    assert_eq!(typo.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&typo.stderr);
    assert!(
        stderr.contains("nothing in the state database matches `stagin`")
            && stderr.contains("did you mean `staging`?"),
        "{stderr}"
    );
    let service = show("staging/apii");
    assert_eq!(service.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&service.stderr);
    assert!(stderr.contains("did you mean `staging/api`?"), "{stderr}");
    assert_eq!(show("staging/api").status.code(), Some(0));
}

#[test]
fn endpoint_is_a_flag_of_the_commands_that_talk_to_railway_only() {
    let help = |command: &str| {
        Test::new()
            .args([command, "--help"])
            .run()
            .stdout
            .contains("--endpoint")
    };
    for command in ["plan", "apply", "destroy", "import", "init"] {
        assert!(help(command), "`mirage {command} --help` lacks --endpoint");
    }
    for command in [
        "check",
        "fmt",
        "config",
        "graph",
        "emulator",
        "state",
        "discover",
        "completions",
        "man",
    ] {
        assert!(
            !help(command),
            "`mirage {command} --help` offers --endpoint"
        );
    }
    Test::new()
        .args(["fmt", "--endpoint", "http://127.0.0.1:9/graphql/v2"])
        .status(2)
        .stderr_contains("unexpected argument '--endpoint'")
        .run();
}

#[test]
fn endpoint_with_init_local_is_refused_not_dropped() {
    Test::new()
        .args([
            "init",
            "--yes",
            "--local",
            "--endpoint",
            "http://127.0.0.1:9/graphql/v2",
        ])
        .status(2)
        .stderr_contains("cannot be used with")
        .run();
}

#[test]
fn completions_are_generated_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = Test::new().args(["completions", shell]).run();
        for word in ["mirage", "check", "destroy", "max-errors", "endpoint"] {
            assert!(
                out.stdout.contains(word),
                "{shell} completions lack `{word}`"
            );
        }
    }
    Test::new()
        .args(["completions", "tcsh"])
        .status(2)
        .stderr_contains("possible values")
        .run();
}

#[test]
fn bash_completes_subcommands_and_flags() {
    let Some(bash) = find_program("bash") else {
        eprintln!("skipping: bash is not installed");
        return;
    };
    let script = Test::new().args(["completions", "bash"]).run().stdout;
    let complete = |line: &str| {
        let words: Vec<&str> = line.split(' ').collect();
        let program = format!(
            "{script}\nCOMP_WORDS=({line}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; _mirage mirage; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            words.len() - 1
        );
        let output = Command::new(&bash)
            .args(["--noprofile", "--norc", "-c", &program])
            .output()
            .expect("running bash");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let commands = complete("mirage ''");
    for command in ["check", "plan", "state", "completions", "man"] {
        assert!(
            commands.lines().any(|l| l == command),
            "`{command}` not offered: {commands}"
        );
    }
    let flags = complete("mirage plan --");
    assert!(flags.lines().any(|l| l == "--endpoint"), "{flags}");
    assert!(flags.lines().any(|l| l == "--target"), "{flags}");
}

#[test]
fn man_page_is_roff_from_the_definitions() {
    let page = Test::new().args(["man"]).run().stdout;
    assert!(page.contains(".TH mirage 1"), "{page}");
    assert!(page.contains("mirage\\-check"), "{page}");
    let out = Test::new()
        .dir("man")
        .args(["man", "--out-dir", "man"])
        .stderr_contains("wrote the manual pages")
        .run();
    for page in [
        "mirage.1",
        "mirage-check.1",
        "mirage-plan.1",
        "mirage-state.1",
    ] {
        let text = out.read(&format!("man/{page}"));
        assert!(text.starts_with(".ie"), "{page}: {text}");
    }
    let plan = out.read("man/mirage-plan.1");
    assert!(plan.contains("endpoint"), "{plan}");
    Test::new()
        .args(["man", "--out-dir", "nope"])
        .status(2)
        .stderr_contains("directory `nope` does not exist")
        .run();
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let out = Test::new().args(["--version"]).run();
    let line = out.stdout.trim_end();
    let version = format!("mirage {}", env!("CARGO_PKG_VERSION"));
    assert!(line.starts_with(&version), "{line}");
    let head = Command::new("git")
        .args(["log", "-1", "--format=%h %cs", "--abbrev=9"])
        .current_dir(repo_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    match head {
        Some(head) => assert_eq!(line, format!("{version} ({head})")),
        None => eprintln!("skipping the commit check: the source is not a git checkout"),
    }
}

#[test]
fn version_falls_back_to_the_bare_version_without_git() {
    let tarball = tempfile::tempdir().expect("a temporary directory");
    assert_eq!(version::describe("1.2.3", tarball.path(), None), "1.2.3");
    assert!(version::watched(tarball.path()).is_empty());
    assert_eq!(
        version::describe("1.2.3", tarball.path(), Some("abc123 2026-12-06")),
        "1.2.3 (abc123 2026-12-06)"
    );
    // A tarball unpacked inside someone else's checkout is not that
    // checkout's commit.
    let outer = tempfile::tempdir().expect("a temporary directory");
    let inited = Command::new("git")
        .args(["init", "-q"])
        .current_dir(outer.path())
        .status()
        .is_ok_and(|s| s.success());
    if inited {
        let inner = outer.path().join("mirage-0.1.0");
        std::fs::create_dir(&inner).expect("a directory");
        assert_eq!(version::describe("1.2.3", &inner, None), "1.2.3");
    }
}
