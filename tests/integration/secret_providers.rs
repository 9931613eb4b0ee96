//! The `file:` and `cmd:` secret providers through the `mirage` binary:
//! values reach Railway exactly (one trailing line break trimmed), a second
//! plan shows no changes, and every failure — a missing or world-readable
//! file, a command that is missing, fails or hangs — is an error located at
//! the reference, before anything is read from Railway or written.

use serde_json::{Value, json};

use crate::support;

use support::World;

const FILES: &str = r#"
project "vaulted" {
    secrets {
        SECRETS_BLOCK
    }
}

service "api" {
    image "nginx:1.27"
    vars {
        VARS
    }
}

environment "production" {}
"#;

fn project(secrets: &str, vars: &str) -> String {
    FILES
        .replace("SECRETS_BLOCK", secrets)
        .replace("VARS", vars)
}

/// The decrypted variables of `api` in production.
async fn api_variables(world: &World) -> Value {
    let (_, env) = world.environment_id("vaulted", "production").await;
    let reply = world
        .harness
        .gql(
            "query($e: String!) { environment(id: $e) { config(decryptVariables: true) } }",
            json!({ "e": env }),
        )
        .await;
    let config = reply.data()["environment"]["config"].clone();
    let services = config["services"].as_object().cloned().unwrap_or_default();
    services
        .values()
        .next()
        .map(|s| s["variables"].clone())
        .unwrap_or(Value::Null)
}

/// Diagnostics with their wrapped lines joined.
fn flat(text: &str) -> String {
    text.replace("\n  │ ", " ").replace("\n        ", " ")
}

#[cfg(unix)]
fn chmod(world: &World, file: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(
        world.path().join(file),
        std::fs::Permissions::from_mode(mode),
    )
    .expect("chmod");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_file_secret_reaches_railway_without_its_line_break_and_converges() {
    let world = World::with_files(&[
        (
            "main.mirage",
            &project("", r#"TLS_KEY (secret)"file:tls.key""#),
        ),
        ("tls.key", "zq-file-secret-1\n"),
    ])
    .await;
    chmod(&world, "tls.key", 0o600);
    let applied = world.apply().await;
    assert!(
        !applied.stdout.contains("zq-file-secret-1"),
        "{}",
        applied.stdout
    );
    assert_eq!(
        api_variables(&world).await["TLS_KEY"]["value"],
        "zq-file-secret-1"
    );
    world
        .assert_no_changes("after applying a file secret")
        .await;

    // A new value in the file is a change, shown without either value.
    std::fs::write(world.path().join("tls.key"), "zq-file-secret-2\r\n").expect("write");
    let plan = world.plan().await;
    assert_eq!(plan.code, Some(2), "{}{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("TLS_KEY"), "{}", plan.stdout);
    assert!(plan.stdout.contains("(sensitive)"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("zq-file-secret"), "{}", plan.stdout);
    world.apply().await;
    assert_eq!(
        api_variables(&world).await["TLS_KEY"]["value"],
        "zq-file-secret-2"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_world_readable_or_missing_file_is_refused_at_its_reference() {
    let world = World::with_files(&[
        (
            "main.mirage",
            &project(
                "",
                "OPEN (secret)\"file:open.key\"\n        GONE (secret)\"file:gone.key\"",
            ),
        ),
        ("open.key", "zq-open-value"),
    ])
    .await;
    chmod(&world, "open.key", 0o644);
    let plan = world.plan().await;
    assert_eq!(plan.code, Some(1), "{}{}", plan.stdout, plan.stderr);
    let err = &flat(&plan.stderr);
    assert!(err.contains("secret `file:open.key` cannot be read: `open.key` can be read by users other than its owner (mode 644)"), "{err}");
    assert!(err.contains("chmod 600 open.key"), "{err}");
    assert!(
        err.contains("secret `file:gone.key` cannot be read: cannot read `gone.key`"),
        "{err}"
    );
    assert!(
        err.contains("main.mirage:11") && err.contains("main.mirage:12"),
        "located at the references: {err}"
    );
    assert!(!err.contains("zq-open-value"), "{err}");
    assert_eq!(world.harness.requests().await, 0, "Railway was not read");

    // Told so, the project may read a file others can read.
    world.edit("main.mirage", |t| {
        t.replace(
            "    secrets {\n        \n",
            "    secrets {\n        readable-files #true\n",
        )
        .replace("        GONE (secret)\"file:gone.key\"", "")
    });
    world.apply().await;
    assert_eq!(
        api_variables(&world).await["OPEN"]["value"],
        "zq-open-value"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_command_secret_is_its_output_and_runs_without_a_shell() {
    // `printf %s LOCATION`: the location itself is the value, and quotes or
    // `$` in it are never interpreted.
    let world = World::with_files(&[(
        "main.mirage",
        &project(
            r#"command "printf" "%s" "{}" timeout="5s""#,
            r#"TOKEN (secret)"cmd:zq-cmd-$HOME-'q'""#,
        ),
    )])
    .await;
    let applied = world.apply().await;
    assert!(!applied.stdout.contains("zq-cmd"), "{}", applied.stdout);
    assert_eq!(
        api_variables(&world).await["TOKEN"]["value"],
        "zq-cmd-$HOME-'q'"
    );
    world
        .assert_no_changes("after applying a command secret")
        .await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn with_a_shell_the_location_is_an_argument_not_script_text() {
    let world = World::with_files(&[(
        "main.mirage",
        &project(
            r#"command "printf '%s-%s' {} suffix" shell=#true"#,
            r#"TOKEN (secret)"cmd:zq;touch injected""#,
        ),
    )])
    .await;
    world.apply().await;
    assert_eq!(
        api_variables(&world).await["TOKEN"]["value"],
        "zq;touch injected-suffix"
    );
    assert!(
        !world.path().join("injected").exists(),
        "nothing was injected"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_failing_missing_or_hanging_command_is_located_with_its_stderr() {
    let cases = [
        (
            r#"command "sh" "-c" "echo \"no item named $0\" >&2; exit 3""#,
            "cmd:op://shop/stripe",
            "exited with 3: no item named op://shop/stripe",
        ),
        (
            r#"command "mirage-no-such-tool""#,
            "cmd:x",
            "the secret command `mirage-no-such-tool` was not found",
        ),
        (
            r#"command "sleep" timeout=1"#,
            "cmd:30",
            "did not finish within 1 s (it was stopped)",
        ),
        ("", "cmd:x", "the project configures no secret command"),
    ];
    for (command, reference, expected) in cases {
        let world = World::with_files(&[(
            "main.mirage",
            &project(command, &format!("KEY (secret)\"{reference}\"")),
        )])
        .await;
        let started = std::time::Instant::now();
        let plan = world.plan().await;
        assert_eq!(
            plan.code,
            Some(1),
            "{command}: {}{}",
            plan.stdout,
            plan.stderr
        );
        assert!(
            plan.stderr.contains("mirage::plan::secret_unreadable"),
            "{}",
            plan.stderr
        );
        assert!(
            flat(&plan.stderr).contains(expected),
            "{command}: {}",
            plan.stderr
        );
        assert!(plan.stderr.contains("main.mirage:11"), "{}", plan.stderr);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "a hanging command is stopped at its timeout"
        );
        assert_eq!(world.harness.requests().await, 0, "Railway was not read");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_secret_settings_and_locations_are_diagnostics() {
    let world = World::with_files(&[(
        "main.mirage",
        &project(
            "command \"\"\n        vault auth=\"aprole\"\n        files #true",
            "A (secret)\"vault:secret/p\"\n        B (secret)\"store:/abs\"\n        C (secret)\"cmd:\"",
        ),
    )])
    .await;
    let check = world.mirage(&["check", "."]).await;
    assert_eq!(check.code, Some(1), "{}{}", check.stdout, check.stderr);
    insta::assert_snapshot!("bad_secret_settings", check.stderr);
}
