//! Redaction everywhere: a sentinel value is planted in every secret
//! provider, a whole journey runs (apply, plan in every format, a saved
//! plan, status, config, history, logs to the terminal and to a file), and
//! every output and every file the journey produced — the state database
//! included — is searched byte for byte. The providers' credentials (the
//! Vault token, the Railway token) are searched for too. The values reach Railway (that is
//! the point), and nowhere else.

use base64::Engine as _;
use mirage::emulator::vault::{Policy, VaultServer};
use serde_json::json;

use crate::support;

use support::World;

/// One sentinel per provider. The service's start command echoes every
/// variable, so Railway's deploy logs carry the values back to Mirage,
/// which must redact them there too.
const ENV_SENTINEL: &str = "zq-sentinel-env-7f3a91";
const FILE_SENTINEL: &str = "zq-sentinel-file-52bd08";
const CMD_SENTINEL: &str = "zq-sentinel-cmd-c4e617";
const VAULT_SENTINEL: &str = "zq-sentinel-vault-9e21d4";
const STORE_SENTINEL: &str = "zq-sentinel-store-3b77af";
/// The credentials are secrets too: never shown either.
const VAULT_TOKEN: &str = "hvs.zq-sentinel-vault-token-61f0";
const RAILWAY_TOKEN: &str = "test-account-token";

const FILES: &str = r#"
project "redacted" {
    secrets {
        command "./reveal"
    }
}

service "api" {
    image "nginx:1.27"
    start "echo env=$FROM_ENV file=$FROM_FILE cmd=$FROM_CMD vault=$FROM_VAULT store=$FROM_STORE"
    vars {
        FROM_ENV (secret)"env:REDACTION_SENTINEL"
        FROM_FILE (secret)"file:sentinel.key"
        FROM_CMD (secret)"cmd:shop/api/token"
        FROM_VAULT (secret)"vault:secret/shop/api#token"
        FROM_STORE (secret)"store:api-token" sealed=#true
    }
}

environment "production" {}
"#;

fn sentinels() -> [&'static str; 7] {
    [
        ENV_SENTINEL,
        FILE_SENTINEL,
        CMD_SENTINEL,
        VAULT_SENTINEL,
        STORE_SENTINEL,
        VAULT_TOKEN,
        RAILWAY_TOKEN,
    ]
}

/// Every file under `dir`, with its bytes.
fn every_file(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read file");
                out.push((path, bytes));
            }
        }
    }
    out
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn no_secret_value_leaves_through_any_output_or_file() {
    use std::os::unix::fs::PermissionsExt as _;
    let world = World::with_files(&[
        ("main.mirage", FILES),
        ("sentinel.key", &format!("{FILE_SENTINEL}\n")),
        (
            "reveal",
            &format!("#!/bin/sh\nprintf '%s' {CMD_SENTINEL}\n"),
        ),
    ])
    .await;
    for (file, mode) in [("sentinel.key", 0o600), ("reveal", 0o700)] {
        std::fs::set_permissions(
            world.path().join(file),
            std::fs::Permissions::from_mode(mode),
        )
        .expect("chmod");
    }
    let vault = VaultServer::start().await.expect("the test Vault starts");
    vault.put("secret", "shop/api", json!({ "token": VAULT_SENTINEL }));
    vault.add_token(VAULT_TOKEN, Policy::all());
    let vault_url = vault.url();
    let master_key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    let env = [
        ("REDACTION_SENTINEL", ENV_SENTINEL),
        ("VAULT_ADDR", vault_url.as_str()),
        ("VAULT_TOKEN", VAULT_TOKEN),
        ("MIRAGE_MASTER_KEY", master_key.as_str()),
        ("MIRAGE_KEYRING", "off"),
    ];
    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut run = |name: &str, run: support::Run| {
        outputs.push((format!("{name} (stdout)"), run.stdout.clone()));
        outputs.push((format!("{name} (stderr)"), run.stderr.clone()));
        run
    };

    std::fs::write(world.path().join("store.value"), STORE_SENTINEL).expect("write");
    std::fs::set_permissions(
        world.path().join("store.value"),
        std::fs::Permissions::from_mode(0o600),
    )
    .expect("chmod");
    let set = run(
        "secret set",
        world
            .mirage_with(
                &["secret", "set", "api-token", "--from-file", "store.value"],
                &env,
            )
            .await,
    );
    assert_eq!(set.code, Some(0), "{}{}", set.stdout, set.stderr);
    std::fs::remove_file(world.path().join("store.value")).expect("remove");
    let listed = run(
        "secret list",
        world.mirage_with(&["secret", "list"], &env).await,
    );
    assert!(
        listed.stdout.contains("api-token"),
        "{}{}",
        listed.stdout,
        listed.stderr
    );
    run(
        "secret history",
        world
            .mirage_with(&["secret", "history", "api-token"], &env)
            .await,
    );
    let first = run("plan", world.mirage_with(&["plan", "."], &env).await);
    assert_eq!(first.code, Some(0), "{}{}", first.stdout, first.stderr);
    assert!(first.stdout.contains("(sensitive)"), "{}", first.stdout);
    run(
        "plan --json",
        world.mirage_with(&["plan", ".", "--json"], &env).await,
    );
    run(
        "plan --out",
        world
            .mirage_with(&["plan", ".", "--out", "saved.plan"], &env)
            .await,
    );
    let applied = run(
        "apply saved plan",
        world.mirage_with(&["apply", "saved.plan"], &env).await,
    );
    assert_eq!(
        applied.code,
        Some(0),
        "{}{}",
        applied.stdout,
        applied.stderr
    );

    // The values did reach Railway.
    let (_, env_id) = world.environment_id("redacted", "production").await;
    let reply = world
        .harness
        .gql(
            "query($e: String!) { environment(id: $e) { config(decryptVariables: true) } }",
            json!({ "e": env_id }),
        )
        .await;
    let config = reply.data()["environment"]["config"].to_string();
    for sentinel in &sentinels()[..4] {
        assert!(config.contains(sentinel), "{sentinel} reached Railway");
    }
    // The sealed one is on Railway too, but Railway never returns it.
    assert!(
        !config.contains(STORE_SENTINEL),
        "a sealed value is never read back"
    );

    let second = run(
        "plan after apply",
        world
            .mirage_with(&["plan", ".", "--detailed-exitcode"], &env)
            .await,
    );
    assert_eq!(second.code, Some(0), "{}{}", second.stdout, second.stderr);
    run(
        "config",
        world
            .mirage_with(&["config", "--env", "production", "--service", "api"], &env)
            .await,
    );
    run(
        "config --json",
        world
            .mirage_with(
                &[
                    "config",
                    "--env",
                    "production",
                    "--service",
                    "api",
                    "--json",
                ],
                &env,
            )
            .await,
    );
    run("status", world.mirage_with(&["status", "."], &env).await);
    run(
        "state history",
        world.mirage_with(&["state", "history"], &env).await,
    );
    run(
        "state list",
        world.mirage_with(&["state", "list"], &env).await,
    );
    run("whoami", world.mirage_with(&["whoami"], &env).await);
    run("audit", world.mirage_with(&["audit"], &env).await);
    // The deploy log shows the start command, sentinels and all.
    let mut logged = String::new();
    for _ in 0..50 {
        let logs = world
            .mirage_with(&["logs", ".", "--env", "production"], &env)
            .await;
        logged = logs.stdout.clone();
        if logged.contains("env=") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(
        logged.contains(
            "env=(sensitive) file=(sensitive) cmd=(sensitive) vault=(sensitive) store=(sensitive)"
        ),
        "the deploy log came, redacted: {logged}"
    );
    run(
        "logs",
        support::Run {
            code: Some(0),
            stdout: logged,
            stderr: String::new(),
        },
    );
    run(
        "logs --json --output",
        world
            .mirage_with(
                &[
                    "logs",
                    ".",
                    "--env",
                    "production",
                    "--json",
                    "--output",
                    "logs.ndjson",
                ],
                &env,
            )
            .await,
    );

    for (name, text) in &outputs {
        for sentinel in sentinels() {
            assert!(!text.contains(sentinel), "{sentinel} in {name}:\n{text}");
        }
    }
    for (path, bytes) in every_file(&world.path()) {
        // The user's own files, where the values are meant to be.
        if path.ends_with("sentinel.key") || path.ends_with("reveal") {
            continue;
        }
        for sentinel in sentinels() {
            assert!(!holds(&bytes, sentinel), "{sentinel} in {}", path.display());
        }
    }
    assert!(
        world.path().join("logs.ndjson").exists() && world.path().join("saved.plan").exists(),
        "the files searched were written"
    );
}
