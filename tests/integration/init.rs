//! `mirage init` end to end: the real binary writes `.mirage` files for each
//! fixture repository; they are formatted, pass `mirage check`, and with
//! `--local` apply and converge on the emulator. The wizard is driven through
//! a pipe (`--interactive`) and through a real terminal (`script`).

use crate::support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use support::{Test, mirage_bin, repo_root};

const FIXTURES: &[&str] = &[
    "pnpm-turbo",
    "npm-workspaces",
    "yarn-berry",
    "yarn-classic",
    "bun",
    "bun-lockb",
    "nx",
    "lerna",
    "rush",
    "cargo",
    "go-work",
    "dockerfiles",
    "microservices-demo",
];

fn fixture(name: &str) -> String {
    repo_root()
        .join("tests/fixtures/discover")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Railway tokens that would make `init` list real projects.
const TOKENS: [&str; 2] = ["RAILWAY_API_TOKEN", "RAILWAY_TOKEN"];

fn command(args: &[&str]) -> Command {
    let mut command = crate::support::mirage_command();
    command.args(args).env("NO_COLOR", "1").stdin(Stdio::null());
    for token in TOKENS {
        command.env_remove(token);
    }
    command
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = command(args).output();
    match out {
        Ok(o) => (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into(),
            String::from_utf8_lossy(&o.stderr).into(),
        ),
        Err(e) => panic!("cannot run mirage: {e}"),
    }
}

#[test]
fn init_yes_on_every_fixture_writes_formatted_files_that_check() {
    for name in FIXTURES {
        let out = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let out_dir = out.path().to_string_lossy().into_owned();
        let (status, stdout, stderr) = run(&[
            "init",
            &fixture(name),
            "--yes",
            "--repo",
            "acme/shop",
            "--out",
            &out_dir,
        ]);
        assert_eq!(status, 0, "{name}: {stdout}{stderr}");
        assert!(stdout.contains("wrote `"), "{name}: {stdout}");
        let services =
            std::fs::read_to_string(out.path().join("services.mirage")).unwrap_or_default();
        assert!(services.contains("service \""), "{name}: {services}");
        let (status, stdout, stderr) = run(&["fmt", "--check", &out_dir]);
        assert_eq!(status, 0, "{name} is not formatted: {stdout}{stderr}");
        let (status, stdout, stderr) = run(&["check", &out_dir]);
        assert_eq!(
            status, 0,
            "{name} does not check:\n{services}\n{stdout}{stderr}"
        );
    }
}

#[test]
fn golden_output_for_priyas_repository() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let out_dir = out.path().to_string_lossy().into_owned();
    let (status, stdout, stderr) = run(&[
        "init",
        &fixture("pnpm-turbo"),
        "--yes",
        "--repo",
        "acme/shop",
        "--services",
        "api,worker",
        "--preview-ttl",
        "3d",
        "--out",
        &out_dir,
    ]);
    assert_eq!(status, 0, "{stderr}");
    let read = |f: &str| std::fs::read_to_string(out.path().join(f)).unwrap_or_default();
    // What she sees: the files written, then the offline plan.
    insta::assert_snapshot!("init_pnpm_turbo_stdout", stdout.replace(&out_dir, "$OUT"));
    insta::assert_snapshot!("init_pnpm_turbo_project", read("project.mirage"));
    insta::assert_snapshot!("init_pnpm_turbo_services", read("services.mirage"));
}

#[test]
fn never_overwrites_without_force() {
    Test::new()
        .file("Dockerfile", "FROM nginx\nEXPOSE 80\n")
        .file("services.mirage", "// mine\n")
        .args(["init", "--yes", "--repo", "acme/site"])
        .status(1)
        .stderr_contains("`./services.mirage` already exists")
        .stderr_contains("help: pass `--force` to overwrite")
        .run();
    let out = Test::new()
        .file("Dockerfile", "FROM nginx\nEXPOSE 80\n")
        .file("services.mirage", "// mine\n")
        .args(["init", "--yes", "--repo", "acme/site", "--force"])
        .status(0)
        .run();
    assert!(out.read("services.mirage").contains("port 80"));
}

#[test]
fn repository_from_the_origin_remote() {
    let out = Test::new()
        .file("Dockerfile", "FROM nginx\n")
        .file(".git/config", "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@github.com:acme/site.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n")
        .args(["init", "--yes"])
        .status(0)
        .run();
    assert!(
        out.read("services.mirage")
            .contains("repo \"acme/site\" branch=\"main\"")
    );
}

#[test]
fn usage_errors() {
    Test::new()
        .file("Dockerfile", "FROM nginx\n")
        .args(["init", "--yes"])
        .status(2)
        .stderr_contains("pass `--repo owner/name`")
        .run();
    Test::new()
        .file("Dockerfile", "FROM nginx\n")
        .args(["init", "--yes", "--repo", "acme/site", "--services", "nope"])
        .status(2)
        .stderr_contains("unknown service `nope`")
        .run();
    Test::new()
        .args(["init", "--yes", "--repo", "not a repo"])
        .file("Dockerfile", "FROM a\n")
        .status(2)
        .run();
}

#[test]
fn init_local_on_every_fixture_applies_and_converges() {
    for name in FIXTURES {
        let out = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let out_dir = out.path().to_string_lossy().into_owned();
        let (status, stdout, stderr) = run(&[
            "init",
            &fixture(name),
            "--yes",
            "--local",
            "--repo",
            "acme/shop",
            "--out",
            &out_dir,
        ]);
        assert_eq!(status, 0, "{name}: {stdout}{stderr}");
        // The real plan, read from the (empty) emulator.
        assert!(stdout.contains("+ project \""), "{name}: {stdout}");
        assert!(!stdout.contains("offline"), "{name}: {stdout}");
        let (status, stdout, stderr) = run(&["apply", "--local", "--auto-approve", &out_dir]);
        assert_eq!(status, 0, "{name} does not apply: {stdout}{stderr}");
        let (status, stdout, stderr) = run(&["plan", "--local", "--detailed-exitcode", &out_dir]);
        assert_eq!(status, 0, "{name} does not converge: {stdout}{stderr}");
        assert!(stdout.contains("No changes."), "{name}: {stdout}");
    }
}

#[test]
fn offline_plan_after_writing_without_a_token() {
    Test::new()
        .file("Dockerfile", "FROM nginx\nEXPOSE 80\n")
        .args(["init", "--yes", "--repo", "acme/site", "--envs", "production"])
        .env_remove("RAILWAY_API_TOKEN")
        .env_remove("RAILWAY_TOKEN")
        .status(0)
        .stdout_contains("Plan, offline (no Railway token, so nothing was read: everything is to create):\n+ project \"")
        .stdout_contains("+ environment \"production\" (protected)")
        .stdout_contains("Plan: 3 to create, 0 to change, 0 to destroy.")
        .run();
}

#[test]
fn flags_choose_environments_and_the_preview_ttl() {
    let out = Test::new()
        .file("Dockerfile", "FROM nginx\nEXPOSE 80\n")
        .args(["init", "--yes", "--repo", "acme/site", "--project", "site"])
        .args(["--envs", "production,previews", "--ttl", "3d"])
        .env_remove("RAILWAY_API_TOKEN")
        .env_remove("RAILWAY_TOKEN")
        .status(0)
        .run();
    let project = out.read("project.mirage");
    assert!(project.contains("project \"site\""), "{project}");
    assert!(project.contains("environment \"production\" layer=\"prod\""));
    assert!(!project.contains("staging"), "{project}");
    assert!(project.contains("ttl=\"3d\""), "{project}");
    Test::new()
        .file("Dockerfile", "FROM nginx\n")
        .args(["init", "--yes", "--repo", "acme/site", "--ttl", "3 days"])
        .status(2)
        .stderr_contains("invalid `--ttl`: unknown unit ` `")
        .run();
    Test::new()
        .file("Dockerfile", "FROM nginx\n")
        .args([
            "init",
            "--yes",
            "--repo",
            "acme/site",
            "--envs",
            "production,pr",
        ])
        .status(2)
        .stderr_contains("help: write `previews` for pull-request previews")
        .run();
}

#[test]
fn refuses_to_ask_when_stdin_is_not_a_terminal() {
    let out = Test::new()
        .file("Dockerfile", "FROM nginx\n")
        .args(["init", "--repo", "acme/site"])
        .status(2)
        .stderr_contains("`mirage init` asks questions, but standard input is not a terminal")
        .stderr_contains("help: pass `--yes` with flags")
        .run();
    assert!(!out.path().join("services.mirage").exists());
}

/// Run `mirage init ARGS` with `answers` on standard input.
fn answer(args: &[&str], answers: &str) -> (i32, String, String) {
    let child = command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = child.unwrap_or_else(|e| panic!("spawn: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(answers.as_bytes());
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    support::copy_dir(Path::new(&fixture(name)), dir.path())
        .unwrap_or_else(|e| panic!("copy: {e}"));
    dir
}

#[test]
fn interactive_answers_from_a_pipe() {
    let dir = copy_fixture("pnpm-turbo");
    // Project name, repository, services (an unknown one first: asked
    // again), environments, preview lifetime (`3 days` first: asked again).
    let (status, stdout, stderr) = answer(
        &["init", "--interactive", &dir.path().to_string_lossy()],
        "shop\nacme/shop\nnope\nweb\nproduction,previews\n3 days\n3d\n",
    );
    assert_eq!(status, 0, "{stdout}{stderr}");
    for prompt in [
        "1/3 New Railway project name [acme]: ",
        "2/3 Services (comma-separated) [api,web,worker]: ",
        "unknown service `nope`; discovery found: api, web, worker, eslint-config, db, ui; try again",
        "3/3 Environments, `previews` for pull requests (comma-separated) [production,staging,previews]: ",
        "Preview lifetime (e.g. 72h, 3d) [72h]: ",
        "unknown unit ` ` in duration `3 days`",
    ] {
        assert!(stdout.contains(prompt), "{prompt:?} not in:\n{stdout}");
    }
    let project = std::fs::read_to_string(dir.path().join("project.mirage")).unwrap_or_default();
    assert!(project.contains("project \"shop\""));
    assert!(project.contains("environment \"production\" layer=\"prod\""));
    assert!(!project.contains("staging"));
    assert!(project.contains("ephemeral=#true ttl=\"3d\""), "{project}");
    let services = std::fs::read_to_string(dir.path().join("services.mirage")).unwrap_or_default();
    assert!(services.contains("service \"web\"") && !services.contains("service \"api\""));
    // The input ends before the last question: an error, nothing written.
    let dir = copy_fixture("pnpm-turbo");
    let (status, _, stderr) = answer(
        &["init", "--interactive", &dir.path().to_string_lossy()],
        "shop\nacme/shop\n",
    );
    assert_eq!(status, 1, "{stderr}");
    assert!(
        stderr.contains("no answer to `2/3 Services (comma-separated)` (end of input)"),
        "{stderr}"
    );
    assert!(!dir.path().join("project.mirage").exists());
}

#[test]
fn interactive_wizard_on_a_terminal() {
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipping: `script` (util-linux) is not installed to give mirage a terminal");
        return;
    }
    let dir = copy_fixture("pnpm-turbo");
    // `script` runs mirage on a pseudo-terminal and forwards our pipe to it.
    let line = format!("{} init {}", mirage_bin().display(), dir.path().display());
    let child = crate::support::isolate(&mut Command::new("/usr/bin/script"))
        .args(["-qec", &line, "/dev/null"])
        .env("NO_COLOR", "1")
        .env_remove("RAILWAY_API_TOKEN")
        .env_remove("RAILWAY_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = child.unwrap_or_else(|e| panic!("spawn script: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"shop\nacme/shop\nweb,api\n\n\n");
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("1/3 New Railway project name [acme]: "),
        "{stdout}"
    );
    assert!(stdout.contains("Plan, offline"), "{stdout}");
    let project = std::fs::read_to_string(dir.path().join("project.mirage")).unwrap_or_default();
    assert!(
        project.contains("environment \"staging\" layer=\"dev\""),
        "{project}"
    );
    assert!(project.contains("ttl=\"72h\""), "{project}");
    let services = std::fs::read_to_string(dir.path().join("services.mirage")).unwrap_or_default();
    assert!(services.contains("service \"api\"") && !services.contains("service \"worker\""));
}

#[test]
fn step_one_picks_an_existing_project_on_the_emulator() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let out_dir = out.path().to_string_lossy().into_owned();
    let repo = fixture("dockerfiles");
    // Create the project `shop` on the local emulator.
    let (status, stdout, stderr) = run(&[
        "init",
        &repo,
        "--yes",
        "--local",
        "--repo",
        "acme/shop",
        "--project",
        "shop",
        "--out",
        &out_dir,
    ]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    let (status, stdout, stderr) = run(&["apply", "--local", "--auto-approve", &out_dir]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    // The wizard lists it; picking it by number names it in the files, and
    // the plan read from the emulator has nothing to do.
    let (status, stdout, stderr) = answer(
        &[
            "init",
            "--interactive",
            "--local",
            "--force",
            &repo,
            "--repo",
            "acme/shop",
            "--out",
            &out_dir,
        ],
        "1\n\n\n\n",
    );
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "1/3 Railway project: pick an existing one by number, or name a new one\n   1) shop ("
        ),
        "{stdout}"
    );
    assert!(stdout.contains("No changes."), "{stdout}");
    let id = stdout
        .split("1) shop (")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_default()
        .to_string();
    assert!(!id.is_empty(), "{stdout}");
    // `--project ID` picks the same project without questions.
    let (status, stdout, stderr) = run(&[
        "init",
        &repo,
        "--yes",
        "--local",
        "--force",
        "--repo",
        "acme/shop",
        "--project",
        &id,
        "--out",
        &out_dir,
    ]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert!(stdout.contains("No changes."), "{stdout}");
    let project = std::fs::read_to_string(out.path().join("project.mirage")).unwrap_or_default();
    assert!(project.contains("project \"shop\""), "{project}");
}

#[tokio::test(flavor = "multi_thread")]
async fn step_one_lists_projects_with_a_token_from_the_given_endpoint() {
    // An emulator standing in for Railway, reached the way Railway is: by
    // `MIRAGE_RAILWAY_URL` and an account token.
    let harness = support::Harness::start().await;
    let (id, _) = harness.project("storefront").await;
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let out_dir = out.path().to_string_lossy().into_owned();
    let repo = fixture("dockerfiles");
    let output = command(&[
        "init",
        &repo,
        "--yes",
        "--repo",
        "acme/shop",
        "--project",
        &id,
        "--out",
        &out_dir,
    ])
    .env("MIRAGE_RAILWAY_URL", harness.emu.url())
    .env("RAILWAY_API_TOKEN", &harness.token)
    .output()
    .unwrap_or_else(|e| panic!("run: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    let project = std::fs::read_to_string(out.path().join("project.mirage")).unwrap_or_default();
    assert!(project.contains("project \"storefront\""), "{project}");
    // A real plan: the project exists, so it is not created.
    assert!(!stdout.contains("+ project"), "{stdout}");
    assert!(!stdout.contains("offline"), "{stdout}");
    assert!(stdout.contains("Plan: "), "{stdout}");
}

#[test]
fn dockerfile_variants_are_offered_not_created() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let out_dir = out.path().to_string_lossy().into_owned();
    let (status, stdout, stderr) = run(&[
        "init",
        &fixture("microservices-demo"),
        "--yes",
        "--repo",
        "acme/shop",
        "--out",
        &out_dir,
    ]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    let services = std::fs::read_to_string(out.path().join("services.mirage")).unwrap_or_default();
    assert!(services.contains("service \"cartservice\""), "{services}");
    assert!(!services.contains("service \"debug\""), "{services}");
    assert!(!services.contains("service \"src\""), "{services}");
    assert!(
        services.contains(
            "    repo \"acme/shop\" branch=\"main\" root=\"src/cartservice/src\"\n    builder \"dockerfile\"\n    dockerfile \"Dockerfile\"\n    // Variant `debug`: to build with it, write `dockerfile \"Dockerfile.debug\"`.\n"
        ),
        "{services}"
    );
}

// Issue #12 item 10: variables from `.env.example`, databases a service
// obviously needs, an empty repository answer, and what to do without a
// token. Each test failed before.

#[test]
fn env_example_variables_and_needed_databases() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let out_dir = out.path().to_string_lossy().into_owned();
    let (status, stdout, stderr) = run(&[
        "init",
        &fixture("node-env"),
        "--yes",
        "--repo",
        "acme/shop",
        "--out",
        &out_dir,
    ]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    let services = std::fs::read_to_string(out.path().join("services.mirage")).unwrap_or_default();
    insta::assert_snapshot!("init_node_env_services", services);
    // No token: how to get one, or the emulator; and which secrets to set.
    assert!(
        stdout.ends_with(&format!(
            "secrets: set `SESSION_SECRET`, `SMTP_PASSWORD`, `STRIPE_SECRET_KEY` in the environment of `mirage apply`; they are read then, never written to files\nnext: `mirage check {out_dir}`, then `mirage apply {out_dir}`, which needs a Railway token:\n  create an account token at https://railway.com/account/tokens and set `RAILWAY_API_TOKEN`,\n  or try it on the built-in emulator first: `mirage apply --local {out_dir}`\n"
        )),
        "{stdout}"
    );
    // No secret value ever reaches the files or the output.
    assert!(!services.contains("change me") && !stdout.contains("change me"));
    let (status, stdout, stderr) = run(&["fmt", "--check", &out_dir]);
    assert_eq!(status, 0, "not formatted: {stdout}{stderr}");
    let (status, stdout, stderr) = run(&["check", &out_dir]);
    assert_eq!(status, 0, "does not check:\n{services}\n{stdout}{stderr}");
}

#[test]
fn databases_and_secrets_apply_and_converge_on_the_emulator() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let out_dir = out.path().to_string_lossy().into_owned();
    let (status, stdout, stderr) = run(&[
        "init",
        &fixture("node-env"),
        "--yes",
        "--local",
        "--repo",
        "acme/shop",
        "--envs",
        "production",
        "--out",
        &out_dir,
    ]);
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert!(stdout.contains("+ service \"db\""), "{stdout}");
    assert!(
        stdout.contains("next: `mirage check {out_dir}`, then `mirage apply --local {out_dir}`\n")
            || stdout.contains(&format!(
                "next: `mirage check {out_dir}`, then `mirage apply --local {out_dir}`\n"
            )),
        "{stdout}"
    );
    let with_secrets = |args: &[&str]| {
        let output = command(args)
            .env("STRIPE_SECRET_KEY", "sk_test_1")
            .env("SESSION_SECRET", "s3")
            .env("SMTP_PASSWORD", "p4")
            .output()
            .unwrap_or_else(|e| panic!("run: {e}"));
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (status, stdout, stderr) = with_secrets(&["apply", "--local", "--auto-approve", &out_dir]);
    assert_eq!(status, 0, "does not apply: {stdout}{stderr}");
    assert!(!stdout.contains("sk_test_1") && !stderr.contains("sk_test_1"));
    let (status, stdout, stderr) =
        with_secrets(&["plan", "--local", "--detailed-exitcode", &out_dir]);
    assert_eq!(status, 0, "does not converge: {stdout}{stderr}");
}

#[test]
fn the_wizard_offers_databases_and_secrets() {
    let dir = copy_fixture("node-env");
    // Project, services, databases (postgres only), secrets (one), envs, ttl.
    let (status, stdout, stderr) = answer(
        &[
            "init",
            "--interactive",
            "--repo",
            "acme/shop",
            &dir.path().to_string_lossy(),
        ],
        "shop\n\npostgres\nSTRIPE_SECRET_KEY\nproduction\n",
    );
    assert_eq!(status, 0, "{stdout}{stderr}");
    for prompt in [
        "    PostgreSQL (std/postgres): `shop-api` reads `DATABASE_URL` (.env.example)\n",
        "    Redis (std/redis): `shop-api` reads `REDIS_URL` (src/cache.js)\n",
        "    Databases to add (comma-separated, `none` for none) [postgres,redis]: ",
        "    Variables from the example files: PORT, NODE_ENV, STRIPE_SECRET_KEY, SESSION_SECRET, SMTP_PASSWORD\n",
        "    Secrets, read from the environment at apply time (comma-separated, `none` for none) [STRIPE_SECRET_KEY,SESSION_SECRET,SMTP_PASSWORD]: ",
    ] {
        assert!(stdout.contains(prompt), "{prompt:?} not in:\n{stdout}");
    }
    let services = std::fs::read_to_string(dir.path().join("services.mirage")).unwrap_or_default();
    assert!(
        services.contains("service \"db\" from=\"std/postgres\""),
        "{services}"
    );
    assert!(
        !services.contains("std/redis") && !services.contains("REDIS_URL"),
        "{services}"
    );
    assert!(services.contains("STRIPE_SECRET_KEY (secret)\"env:STRIPE_SECRET_KEY\""));
    assert!(
        services.contains("SESSION_SECRET \"change me\""),
        "{services}"
    );
}

#[test]
fn an_empty_repository_answer_asks_again() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    std::fs::write(dir.path().join("Dockerfile"), "FROM nginx\nEXPOSE 80\n")
        .unwrap_or_else(|e| panic!("write: {e}"));
    let (status, stdout, stderr) = answer(
        &["init", "--interactive", &dir.path().to_string_lossy()],
        "site\n\nacme/site\n\nproduction\n",
    );
    assert_eq!(status, 0, "{stdout}{stderr}");
    assert!(!stdout.contains("`` is not"), "{stdout}");
    assert!(
        stdout.contains("    GitHub repository (owner/name):     the services build from a GitHub repository: write it as `owner/name`, e.g. `acme/shop`; try again\n"),
        "{stdout}"
    );
    let services = std::fs::read_to_string(dir.path().join("services.mirage")).unwrap_or_default();
    assert!(services.contains("repo \"acme/site\""), "{services}");
}
