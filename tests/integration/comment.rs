//! `mirage comment`, the real binary against GitHub's REST API on loopback
//! (`github/fake.rs`): one comment per pull request and key, created once
//! then edited, re-created when deleted, rate limits waited out, bodies
//! bounded to GitHub's limit, and clear failures before any request.

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::Method;
use mirage::state::SystemClock;
use tokio::io::AsyncWriteExt;

use crate::github::fake::{FakeGithub, FaultKind};

const TOKEN: &str = "ghs_comment_test_NEVER_PRINT_91x";
const COMMENTS: &str = "/repos/octo/hello/issues/7/comments";

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

async fn fake() -> FakeGithub {
    FakeGithub::start(Arc::new(SystemClock), &[TOKEN], None).await
}

/// Runs `mirage comment ARGS` with `body` on standard input, in a GitHub
/// Actions-like environment pointing at `fake`; `env` adds (or, with an
/// empty value, removes) variables.
async fn comment(fake: &FakeGithub, args: &[&str], body: &str, env: &[(&str, &str)]) -> Run {
    let mut command = tokio::process::Command::from(crate::support::mirage_command());
    command
        .arg("comment")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", "octo/hello")
        .env("GITHUB_API_URL", &fake.api_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        if value.is_empty() {
            command.env_remove(key);
        } else {
            command.env(key, value);
        }
    }
    let mut child = command.spawn().expect("run mirage");
    let mut stdin = child.stdin.take().expect("stdin");
    // A run that fails before reading its input closes the pipe early.
    if let Err(error) = stdin.write_all(body.as_bytes()).await {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    drop(stdin);
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("mirage comment finishes")
        .expect("mirage comment output");
    let run = Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "the token was printed:\n{}{}",
        run.stdout,
        run.stderr
    );
    run
}

fn ok(run: Run, what: &str) -> Run {
    assert_eq!(
        run.code,
        Some(0),
        "{what}\n--- stdout ---\n{}--- stderr ---\n{}",
        run.stdout,
        run.stderr
    );
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_comment_per_pull_request_and_key_created_once_then_edited() {
    let fake = fake().await;
    let first = ok(
        comment(
            &fake,
            &["--pr", "7", "--key", "plan"],
            "## Plan\n\n1 to add\n",
            &[],
        )
        .await,
        "first comment",
    );
    assert!(
        first
            .stdout
            .starts_with("Created the `plan` comment on octo/hello#7: http"),
        "{}",
        first.stdout
    );
    let comments = fake.comments_on("octo", "hello", 7);
    assert_eq!(comments.len(), 1);
    assert_eq!(
        comments[0].1,
        "<!-- mirage:plan pr=7 -->\n## Plan\n\n1 to add\n"
    );

    let second = ok(
        comment(
            &fake,
            &["--pr", "7", "--key", "plan"],
            "## Plan\n\nNo changes.\n",
            &[],
        )
        .await,
        "second comment",
    );
    assert!(
        second.stdout.starts_with("Updated the `plan` comment"),
        "{}",
        second.stdout
    );
    let again = ok(
        comment(
            &fake,
            &["--pr", "7", "--key", "plan"],
            "## Plan\n\nNo changes.\n",
            &[],
        )
        .await,
        "same text",
    );
    assert!(
        again
            .stdout
            .starts_with("Left unchanged the `plan` comment"),
        "{}",
        again.stdout
    );
    // Another key is another comment; the first is still the only `plan`.
    ok(
        comment(
            &fake,
            &["--pr", "7", "--key", "preview"],
            "pr-7 is up\n",
            &[],
        )
        .await,
        "preview comment",
    );
    let comments = fake.comments_on("octo", "hello", 7);
    assert_eq!(comments.len(), 2, "{comments:?}");
    assert_eq!(comments[0].0, first_id(&fake));
    assert_eq!(
        comments[0].1,
        "<!-- mirage:plan pr=7 -->\n## Plan\n\nNo changes.\n"
    );
    assert!(comments[1].1.starts_with("<!-- mirage:preview pr=7 -->\n"));
    assert_eq!(fake.count(Method::POST, COMMENTS), 2);
    assert_eq!(fake.count(Method::PATCH, ""), 1);
}

fn first_id(fake: &FakeGithub) -> u64 {
    fake.comments_on("octo", "hello", 7)[0].0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_comment_is_created_again_and_delete_removes_it() {
    let fake = fake().await;
    ok(
        comment(&fake, &["--pr", "7", "--key", "plan"], "one\n", &[]).await,
        "create",
    );
    fake.delete_comment(first_id(&fake));
    let run = ok(
        comment(&fake, &["--pr", "7", "--key", "plan"], "two\n", &[]).await,
        "re-create",
    );
    assert!(run.stdout.starts_with("Created"), "{}", run.stdout);
    let comments = fake.comments_on("octo", "hello", 7);
    assert_eq!(comments.len(), 1);
    assert!(comments[0].1.ends_with("two\n"));

    let run = ok(
        comment(&fake, &["--pr", "7", "--key", "plan", "--delete"], "", &[]).await,
        "delete",
    );
    assert!(
        run.stdout
            .starts_with("Deleted the `plan` comment on octo/hello#7"),
        "{}",
        run.stdout
    );
    assert!(fake.comments_on("octo", "hello", 7).is_empty());
    let run = ok(
        comment(&fake, &["--pr", "7", "--key", "plan", "--delete"], "", &[]).await,
        "delete again",
    );
    assert!(run.stdout.contains("nothing to delete"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secondary_rate_limit_is_waited_out_and_the_comment_made_once() {
    let fake = fake().await;
    fake.fail(
        Method::POST,
        COMMENTS,
        FaultKind::Secondary {
            retry_after: Some(1),
        },
        1,
    );
    let started = Instant::now();
    ok(
        comment(&fake, &["--pr", "7", "--key", "plan"], "body\n", &[]).await,
        "rate limited",
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "retry-after was not waited"
    );
    assert_eq!(fake.comments_on("octo", "hello", 7).len(), 1);
    assert_eq!(fake.count(Method::POST, COMMENTS), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pull_request_comes_from_the_event_payload() {
    let fake = fake().await;
    // Real payloads (octokit/webhooks), as `auth_webhooks` reads them.
    let fixtures = crate::support::repo_root().join("../shared/fixtures/github");
    if !fixtures.exists() {
        eprintln!("skipping: ../shared/fixtures/github is absent");
        return;
    }
    let opened = fixtures.join("pull_request.opened.payload.json");
    let payload: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&opened).expect("the fixture exists")).unwrap();
    let number = payload["pull_request"]["number"].as_u64().unwrap();
    let event = opened.to_str().unwrap();
    ok(
        comment(
            &fake,
            &["--key", "plan"],
            "from the event\n",
            &[("GITHUB_EVENT_PATH", event)],
        )
        .await,
        "pull request from the event",
    );
    assert_eq!(fake.comments_on("octo", "hello", number).len(), 1);

    let push = fixtures.join("push.with-installation.payload.json");
    let run = comment(
        &fake,
        &["--key", "plan"],
        "x\n",
        &[
            ("GITHUB_EVENT_PATH", push.to_str().unwrap()),
            ("GITHUB_EVENT_NAME", "push"),
        ],
    )
    .await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("the `push` event is not about one"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_githubs_limit_is_cut_with_a_note_not_refused() {
    let fake = fake().await;
    let body: String = (0..20_000).map(|i| format!("| row {i} |\n")).collect();
    assert!(body.chars().count() > 65_536);
    let run = ok(
        comment(
            &fake,
            &["--pr", "7", "--key", "plan"],
            &body,
            &[
                ("GITHUB_SERVER_URL", "https://github.com"),
                ("GITHUB_RUN_ID", "4242"),
            ],
        )
        .await,
        "long body",
    );
    assert!(
        run.stderr
            .contains("warning: the body has 268,890 characters, more than a GitHub comment holds"),
        "{}",
        run.stderr
    );
    // The whole text is in the log the comment links to.
    assert!(
        run.stderr.contains("| row 19999 |"),
        "the full text is printed"
    );
    let comments = fake.comments_on("octo", "hello", 7);
    assert_eq!(comments.len(), 1);
    let text = &comments[0].1;
    assert!(text.chars().count() <= 65_536);
    assert!(
        text.contains("Truncated by Mirage"),
        "{}",
        &text[text.len() - 300..]
    );
    assert!(text.contains("https://github.com/octo/hello/actions/runs/4242"));
}

/// A failing run: name, arguments, body, environment, exit code.
type Case<'a> = (
    &'a str,
    &'a [&'a str],
    &'a str,
    &'a [(&'a str, &'a str)],
    i32,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_fails_clearly_before_any_request() {
    let fake = fake().await;
    let mut out = String::new();
    let cases: &[Case] = &[
        (
            "missing token",
            &["--pr", "7", "--key", "plan"],
            "x\n",
            &[("GITHUB_TOKEN", "")],
            1,
        ),
        (
            "empty body",
            &["--pr", "7", "--key", "plan"],
            " \n\n",
            &[],
            1,
        ),
        (
            "bad key",
            &["--pr", "7", "--key", "plan -->"],
            "x\n",
            &[],
            2,
        ),
        (
            "no repository",
            &["--pr", "7", "--key", "plan"],
            "x\n",
            &[("GITHUB_REPOSITORY", "")],
            2,
        ),
        (
            "bad repository",
            &["--pr", "7", "--key", "plan", "--repo", "octo"],
            "x\n",
            &[],
            2,
        ),
        ("no pull request", &["--key", "plan"], "x\n", &[], 2),
        (
            "incomplete app",
            &["--pr", "7", "--key", "plan"],
            "x\n",
            &[("MIRAGE_GITHUB_APP_ID", "Iv1.abc")],
            1,
        ),
    ];
    for (name, args, body, env, code) in cases {
        let run = comment(&fake, args, body, env).await;
        assert_eq!(run.code, Some(*code), "{name}: {}", run.stderr);
        out.push_str(&format!("## {name} (exit {code})\n{}\n", run.stderr));
    }
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    insta::assert_snapshot!("comment_failures", out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_is_a_failure_that_does_not_show_it() {
    let fake = fake().await;
    let run = comment(
        &fake,
        &["--pr", "7", "--key", "plan"],
        "x\n",
        &[("GITHUB_TOKEN", "ghp_wrong_NEVER_PRINT_55")],
    )
    .await;
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("GitHub rejected the credentials"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("ghp_wrong_NEVER_PRINT_55"));
    assert!(fake.comments_on("octo", "hello", 7).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_github_app_writes_the_comment_when_configured() {
    let fake = FakeGithub::start(
        Arc::new(SystemClock),
        // The fake accepts no personal token: `GITHUB_TOKEN` would fail.
        &[],
        Some(crate::github::fake::AppConfig {
            issuer: "Iv1.0123456789abcdef".to_owned(),
            installation_id: 42,
            public_pem: include_bytes!("github/test-app-key.pub.pem").to_vec(),
        }),
    )
    .await;
    let key = crate::support::repo_root().join("tests/integration/github/test-app-key.pem");
    let pem = std::fs::read_to_string(&key).expect("the test key");
    for (what, env) in [
        (
            "key file",
            ("MIRAGE_GITHUB_APP_PRIVATE_KEY_FILE", key.to_str().unwrap()),
        ),
        ("key text", ("MIRAGE_GITHUB_APP_PRIVATE_KEY", pem.as_str())),
    ] {
        let run = ok(
            comment(
                &fake,
                &["--pr", "7", "--key", "plan"],
                &format!("written by the App ({what})\n"),
                &[
                    ("MIRAGE_GITHUB_APP_ID", "Iv1.0123456789abcdef"),
                    ("MIRAGE_GITHUB_APP_INSTALLATION_ID", "42"),
                    env,
                ],
            )
            .await,
            what,
        );
        assert!(!run.stderr.contains("PRIVATE KEY") && !run.stdout.contains("PRIVATE KEY"));
    }
    let comments = fake.comments_on("octo", "hello", 7);
    assert_eq!(comments.len(), 1);
    assert!(comments[0].1.ends_with("written by the App (key text)\n"));
    assert_eq!(fake.tokens_issued(), 2, "one installation token per run");
}
