//! One error channel: every failure a user can see — a name that names
//! nothing, a missing token, a lock held by another run, errors in the
//! files, a protected resource — comes out of the engine as diagnostics,
//! so `--message-format json` and `--message-format github` carry it as
//! well as the terminal does, with a stable code that `mirage explain`
//! knows. Through the real binary, against the emulator over HTTP.

use crate::support;

use serde_json::Value;
use support::{UNSET, World};

/// The JSON document of a run's standard output.
fn document(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

/// The codes of a JSON report, in order.
fn codes(document: &Value) -> Vec<String> {
    document["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_environment_is_a_usage_error_in_every_format() {
    let world = World::with_example("quickstart").await;
    let json = world
        .mirage(&["plan", ".", "-e", "prodution", "--message-format", "json"])
        .await;
    assert_eq!(json.code, Some(2), "{}{}", json.stdout, json.stderr);
    assert_eq!(json.stderr, "");
    let report = document(&json.stdout);
    assert_eq!(codes(&report), ["mirage::cli::unknown_environment"]);
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["message"], "unknown environment `prodution`");
    assert_eq!(diagnostic["help"], "did you mean `production`?");
    assert_eq!(diagnostic["file"], Value::Null);
    assert_eq!(diagnostic["span"], Value::Null);
    assert_eq!(report["summary"]["errors"], 1);

    let github = world
        .mirage(&[
            "apply",
            ".",
            "-e",
            "prodution",
            "--message-format",
            "github",
        ])
        .await;
    assert_eq!(github.code, Some(2));
    assert_eq!(
        github.stdout,
        "::error title=mirage%3A%3Acli%3A%3Aunknown_environment::unknown environment `prodution`%0Ahelp: did you mean `production`?\n"
    );

    let human = world.mirage(&["plan", ".", "-e", "prodution"]).await;
    assert_eq!(human.code, Some(2));
    assert_eq!(
        human.stderr,
        "error: unknown environment `prodution`\n  help: did you mean `production`?\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_token_reaches_json_with_its_code() {
    let world = World::with_example("quickstart").await;
    let run = world
        .mirage_with(
            &["plan", ".", "--format", "json"],
            &[("RAILWAY_API_TOKEN", UNSET), ("RAILWAY_TOKEN", UNSET)],
        )
        .await;
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    // `plan --format json` answers in JSON on standard output, failures too.
    let report = document(&run.stdout);
    assert_eq!(codes(&report), ["mirage::railway::missing_token"]);
    assert!(
        report["diagnostics"][0]["help"]
            .as_str()
            .is_some_and(|h| h.contains("--local")),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_in_the_files_are_located_and_followed_by_the_conclusion() {
    let world = World::with_example("quickstart").await;
    world.edit("main.mirage", |text| {
        format!("{text}\nservice \"broken\" {{\n    image \"x\"\n    depends-on \"nosuch\"\n}}\n")
    });
    let run = world
        .mirage(&["apply", ".", "--auto-approve", "--message-format", "json"])
        .await;
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let report = document(&run.stdout);
    let codes = codes(&report);
    assert_eq!(
        codes.last().map(String::as_str),
        Some("mirage::engine::project_has_errors")
    );
    let located = &report["diagnostics"][0];
    assert_eq!(located["file"], "./main.mirage", "{report}");
    assert!(located["line"].as_u64().is_some(), "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lock_held_by_a_live_run_is_a_diagnostic_with_its_code() {
    let world = World::with_example("quickstart").await;
    world.apply().await;
    // This test process holds the lock, as another apply would.
    let store = mirage::state::Store::open(world.path().join(".mirage/state.db")).expect("state");
    let actor = mirage::state::Actor::current();
    let _guard = store
        .acquire("quickstart", "production", &actor, None)
        .expect("lock");
    let run = world
        .mirage(&["apply", ".", "--auto-approve", "--message-format", "github"])
        .await;
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with(
            "::error title=mirage%3A%3Astate%3A%3Alocked::environment `production` is locked by "
        ),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_protected_environment_refusal_is_a_diagnostic_with_its_code() {
    let world = World::with_example("quickstart").await;
    world.apply().await;
    world.edit("main.mirage", |text| {
        text.replace(
            "environment \"production\"",
            "environment \"production\" {\n    protect #true\n}",
        )
    });
    let run = world
        .mirage(&[
            "destroy",
            ".",
            "-e",
            "production",
            "--auto-approve",
            "--message-format",
            "json",
        ])
        .await;
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    // The plan is printed first, then the refusal as a JSON document.
    let json_start = run.stdout.find("{\n").expect("a JSON document");
    let report = document(&run.stdout[json_start..]);
    assert!(
        codes(&report)
            .iter()
            .all(|c| c == "mirage::apply::protected"),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_code_a_failure_carries_is_explained() {
    let world = World::with_example("quickstart").await;
    let run = world
        .mirage(&[
            "plan",
            ".",
            "--target",
            "production",
            "--message-format",
            "json",
        ])
        .await;
    assert_eq!(run.code, Some(2));
    for code in codes(&document(&run.stdout)) {
        let explained = world.mirage(&["explain", &code]).await.ok("explain");
        assert!(explained.stdout.starts_with(&format!("{code}\n")));
    }
}
