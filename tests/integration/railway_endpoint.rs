//! The `--endpoint URL` flag of the commands that talk to Railway: the real
//! binary, pointed at a running emulator over loopback HTTP, wins over
//! `MIRAGE_RAILWAY_URL`, conflicts with `--local`, explains a bad URL, and
//! never prints the token.

use crate::support;

use support::{Harness, Output, Test, copy_dir, repo_root};

/// A token that must never appear in any output.
const TOKEN: &str = "acct_endpoint_NEVER_PRINT_93be";

/// Nothing listens on port 9 (discard) of loopback in the test machines;
/// `MIRAGE_RAILWAY_URL` points there so a run that used it would fail.
const DEAD_URL: &str = "http://127.0.0.1:9/graphql/v2";

/// The quickstart example in a fresh directory, with the token and a
/// `MIRAGE_RAILWAY_URL` that must lose to `--endpoint`.
fn quickstart() -> Test {
    let test = Test::new();
    copy_dir(&repo_root().join("examples/quickstart"), test.path()).expect("copy example");
    test.env("RAILWAY_API_TOKEN", TOKEN)
        .env("MIRAGE_RAILWAY_URL", DEAD_URL)
        .stdout_lacks(TOKEN)
        .stderr_lacks(TOKEN)
}

/// Runs `test` off the async runtime, which keeps serving the emulator.
async fn run(test: Test) -> Output {
    tokio::task::spawn_blocking(move || test.run())
        .await
        .expect("the binary runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn endpoint_after_the_command_reaches_the_emulator() {
    let harness = Harness::start().await;
    let url = harness.emu.url();
    let before = harness.requests().await;
    run(quickstart()
        .args(["plan", ".", "--detailed-exitcode", "--endpoint", &url])
        .status(2)
        .stdout_contains("to create"))
    .await;
    assert!(
        harness.requests().await > before,
        "the plan read the emulator named by `--endpoint`"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn endpoint_is_honoured_by_apply_and_import() {
    let harness = Harness::start().await;
    let url = harness.emu.url();
    run(quickstart()
        .args(["apply", ".", "--auto-approve", "--endpoint", &url])
        .stdout_contains("Apply complete"))
    .await;
    // The project now exists on that emulator: a plan (from a fresh copy,
    // with no state) has no changes but says this state owns nothing
    // there, and an import adopts what is there.
    run(quickstart()
        .args(["plan", ".", "--detailed-exitcode", "--endpoint", &url])
        .stdout_contains("No changes to make from this state.")
        .stdout_contains("Mirage owns nothing in `production` in this state"))
    .await;
    run(quickstart()
        .args(["import", ".", "--all", "--endpoint", &url])
        .stdout_contains("Import complete: 3 imported"))
    .await;
}

#[test]
fn endpoint_belongs_after_the_command() {
    quickstart()
        .args(["--endpoint", DEAD_URL, "plan", "."])
        .status(2)
        .stderr_contains("unexpected argument '--endpoint'")
        .run();
}

#[test]
fn a_bad_endpoint_is_explained() {
    quickstart()
        .args(["plan", ".", "--endpoint", "not a url"])
        .status(1)
        .stderr_contains("the Railway endpoint `not a url` is not a valid http(s) URL")
        .stderr_contains("help: `--endpoint` takes an `http://` or `https://` URL")
        .run();
    quickstart()
        .args(["plan", ".", "--endpoint", "ftp://example.com/graphql/v2"])
        .status(1)
        .stderr_contains("the scheme must be `http` or `https`")
        .run();
}

#[test]
fn endpoint_conflicts_with_local() {
    for args in [
        ["plan", ".", "--local", "--endpoint", DEAD_URL],
        ["destroy", ".", "--local", "--endpoint", DEAD_URL],
        ["apply", ".", "--local", "--endpoint", DEAD_URL],
        ["import", ".", "--local", "--endpoint", DEAD_URL],
    ] {
        quickstart()
            .args(args)
            .args(["--env", "production"])
            .status(2)
            .stderr_contains("cannot be used with")
            .run();
    }
}

#[test]
fn an_unreachable_endpoint_names_the_url_not_the_token() {
    // Loopback port 9 refuses at once, so the retries end quickly.
    quickstart()
        .args(["plan", ".", "--endpoint", DEAD_URL])
        .env("MIRAGE_RAILWAY_URL", "http://127.0.0.1:1/graphql/v2")
        .status(1)
        .stderr_contains("127.0.0.1:9")
        .run();
}
