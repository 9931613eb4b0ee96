//! `(secret)"vault:MOUNT/PATH#KEY[?version=N]"` end to end: the `mirage`
//! binary reads HashiCorp Vault KV v2 (the test Vault of
//! `mirage::emulator::vault`, which follows Vault's documented HTTP API:
//! developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2, …/auth/approle,
//! …/auth/kubernetes, …/auth/token, …/api-docs#http-status-codes) and
//! writes the values to the Railway emulator; every failure is a located
//! `mirage::plan::secret_unreadable` before anything is read from Railway
//! or written; no value ever reaches an output.

use std::sync::Arc;
use std::time::Duration;

use mirage::emulator::vault::{Policy, VaultServer};
use mirage::model::SecretRef;
use mirage::secrets::{Place, Providers, Source as _};
use serde_json::json;

use crate::support::{Run, UNSET, World};

const DB_URL: &str = "postgres://vault_NEVER_PRINT_db_8d21@db/shop";
const DB_USER: &str = "vault_NEVER_PRINT_user_1c7e";
const STRIPE_V1: &str = "sk_vault_NEVER_PRINT_v1_55aa";
const STRIPE_V2: &str = "sk_vault_NEVER_PRINT_v2_93bd";
const TOKEN: &str = "hvs.vault_NEVER_PRINT_token_e0f4";
const SECRET_ID: &str = "vault_NEVER_PRINT_secret_id_7b2c";
const JWT: &str = "eyJ.vault_NEVER_PRINT_jwt_aa90";
const VALUES: [&str; 7] = [DB_URL, DB_USER, STRIPE_V1, STRIPE_V2, TOKEN, SECRET_ID, JWT];

const VARS: &[&str] = &[
    "VAULT_ADDR",
    "VAULT_NAMESPACE",
    "VAULT_CACERT",
    "VAULT_TOKEN",
    "VAULT_ROLE_ID",
    "VAULT_SECRET_ID",
    "VAULT_K8S_ROLE",
    "VAULT_K8S_TOKEN_PATH",
];

/// A project whose `api` service reads four keys from two Vault paths
/// (one of them twice, at two versions); `settings` goes in
/// `secrets { vault … }`.
fn project(settings: &str) -> String {
    format!(
        r#"project "vaulted" {{
    secrets {{
        vault {settings}
    }}
}}

service "api" {{
    image "nginx:1.27"
    vars {{
        DB_URL (secret)"vault:secret/shop/db#url"
        DB_USER (secret)"vault:secret/shop/db#user"
        STRIPE_KEY (secret)"vault:secret/shop/stripe#api_key"
        OLD_STRIPE_KEY (secret)"vault:secret/shop/stripe#api_key?version=1"
    }}
}}

environment "production"
"#
    )
}

/// A test Vault holding `secret/shop/db` and two versions of
/// `secret/shop/stripe`, accepting [`TOKEN`] for `secret/data/shop/*`.
async fn vault() -> VaultServer {
    let vault = VaultServer::start().await.expect("the test Vault starts");
    vault.put("secret", "shop/db", json!({"url": DB_URL, "user": DB_USER}));
    vault.put("secret", "shop/stripe", json!({"api_key": STRIPE_V1}));
    vault.put("secret", "shop/stripe", json!({"api_key": STRIPE_V2}));
    vault.add_token(TOKEN, Policy::paths(&["secret/data/shop/*"]));
    vault
}

/// Runs mirage with every `VAULT_*` variable unset but those given, and
/// `HOME` an empty directory (no `~/.vault-token`) unless given.
async fn run(world: &World, home: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let home = home.to_string_lossy().into_owned();
    let mut all: Vec<(&str, &str)> = VARS.iter().map(|v| (*v, UNSET)).collect();
    all.push(("HOME", &home));
    all.extend_from_slice(env);
    let mut run = world.mirage_with(args, &all).await;
    // Errors as one line each (the report wraps long messages).
    run.stderr = flat(&run.stderr);
    for value in VALUES {
        assert!(
            !run.stdout.contains(value) && !run.stderr.contains(value),
            "a value reached the output:\n{}{}",
            run.stdout,
            run.stderr
        );
    }
    run
}

/// `text` with each wrapped line joined to the one before.
fn flat(text: &str) -> String {
    text.lines()
        .map(|l| l.trim().trim_start_matches('│').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

async fn plan(world: &World, home: &std::path::Path, env: &[(&str, &str)]) -> Run {
    run(world, home, &["plan", ".", "--detailed-exitcode"], env).await
}

/// The variables of `api` in `production`, decrypted, as Railway holds them.
async fn railway_vars(world: &World) -> serde_json::Value {
    let (_, env_id) = world.environment_id("vaulted", "production").await;
    let service = world.service_id(&env_id, "api").await;
    let (config, _) = world.harness.config(&env_id).await;
    config["services"][&service]["variables"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn vault_values_reach_railway_with_one_request_per_path() {
    let vault = vault().await;
    let settings = format!("address=\"{}\"", vault.url());
    let world = World::with_files(&[("project.mirage", &project(&settings))]).await;
    let home = tempfile::tempdir().expect("home");
    let token = [("VAULT_TOKEN", TOKEN)];

    let first = plan(&world, home.path(), &token).await;
    assert_eq!(
        first.code,
        Some(2),
        "changes: {}{}",
        first.stdout,
        first.stderr
    );
    assert!(first.stdout.contains("(sensitive)"), "{}", first.stdout);
    assert_eq!(
        vault.reads(),
        3,
        "four keys, three (path, version) pairs: {:?}",
        vault.log()
    );
    assert_eq!(
        vault.requests(),
        3,
        "no sign-in with a token: {:?}",
        vault.log()
    );

    run(
        &world,
        home.path(),
        &["apply", ".", "--auto-approve"],
        &token,
    )
    .await
    .ok("apply");
    let vars = railway_vars(&world).await;
    assert_eq!(vars["DB_URL"]["value"], DB_URL, "{vars}");
    assert_eq!(vars["DB_USER"]["value"], DB_USER);
    assert_eq!(vars["STRIPE_KEY"]["value"], STRIPE_V2, "the latest version");
    assert_eq!(vars["OLD_STRIPE_KEY"]["value"], STRIPE_V1, "?version=1");

    let again = plan(&world, home.path(), &token).await;
    assert_eq!(
        again.code,
        Some(0),
        "no changes: {}{}",
        again.stdout,
        again.stderr
    );

    // Rotating in Vault shows as a change of the one variable.
    vault.put(
        "secret",
        "shop/stripe",
        json!({"api_key": "sk_vault_rotated_0001"}),
    );
    let rotated = plan(&world, home.path(), &token).await;
    assert_eq!(
        rotated.code,
        Some(2),
        "{}{}",
        rotated.stdout,
        rotated.stderr
    );
    assert!(rotated.stdout.contains("STRIPE_KEY"), "{}", rotated.stdout);
    assert!(!rotated.stdout.contains("sk_vault_rotated_0001"));

    // Nothing of a value in the project directory (state database, logs).
    for entry in walk(&world.path()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        for value in VALUES {
            assert!(
                !bytes.windows(value.len()).any(|w| w == value.as_bytes()),
                "`{}` holds a value",
                entry.display()
            );
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test(flavor = "multi_thread")]
async fn the_address_and_token_come_from_the_environment_or_vault_token_file() {
    let vault = vault().await;
    // The project names a Vault that is not there; VAULT_ADDR wins.
    let world =
        World::with_files(&[("project.mirage", &project("address=\"http://127.0.0.1:9\""))]).await;
    let home = tempfile::tempdir().expect("home");
    let url = vault.url();
    std::fs::write(home.path().join(".vault-token"), format!("{TOKEN}\n")).expect("token file");
    let done = plan(&world, home.path(), &[("VAULT_ADDR", &url)]).await;
    assert_eq!(done.code, Some(2), "{}{}", done.stdout, done.stderr);
    assert_eq!(vault.reads(), 3);
    // VAULT_TOKEN comes before the file.
    let wrong = plan(
        &world,
        home.path(),
        &[("VAULT_ADDR", &url), ("VAULT_TOKEN", "hvs.not-a-token")],
    )
    .await;
    assert_eq!(wrong.code, Some(1), "{}{}", wrong.stdout, wrong.stderr);
    assert!(
        wrong.stderr.contains("permission denied"),
        "{}",
        wrong.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn approle_signs_in_once_per_command() {
    let vault = vault().await;
    vault.add_approle(
        "approle",
        "role-ci",
        SECRET_ID,
        Policy::paths(&["secret/data/shop/*"]),
        Duration::from_secs(600),
    );
    let settings = format!("address=\"{}\" auth=\"approle\"", vault.url());
    let world = World::with_files(&[("project.mirage", &project(&settings))]).await;
    let home = tempfile::tempdir().expect("home");
    let env = [("VAULT_ROLE_ID", "role-ci"), ("VAULT_SECRET_ID", SECRET_ID)];
    run(&world, home.path(), &["apply", ".", "--auto-approve"], &env)
        .await
        .ok("apply with AppRole");
    assert_eq!(vault.logins(), 1, "{:?}", vault.log());
    assert_eq!(vault.reads(), 3, "{:?}", vault.log());
    assert_eq!(railway_vars(&world).await["DB_USER"]["value"], DB_USER);
    let again = plan(&world, home.path(), &env).await;
    assert_eq!(again.code, Some(0), "{}{}", again.stdout, again.stderr);
    assert_eq!(vault.logins(), 2, "one sign-in per command");

    // A wrong secret ID: the login's failure, at every reference.
    let before = world.harness.requests().await;
    let refused = plan(
        &world,
        home.path(),
        &[
            ("VAULT_ROLE_ID", "role-ci"),
            ("VAULT_SECRET_ID", "wrong-secret-id"),
        ],
    )
    .await;
    assert_eq!(
        refused.code,
        Some(1),
        "{}{}",
        refused.stdout,
        refused.stderr
    );
    assert!(
        refused.stderr.contains("signing in to the Vault at")
            && refused
                .stderr
                .contains("with AppRole failed (HTTP 400): invalid role or secret ID"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        world.harness.requests().await,
        before,
        "Railway not even read"
    );
    // Unset credentials are named.
    let missing = plan(&world, home.path(), &[("VAULT_ROLE_ID", "role-ci")]).await;
    assert_eq!(missing.code, Some(1));
    assert!(
        missing.stderr.contains("needs `VAULT_SECRET_ID`"),
        "{}",
        missing.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kubernetes_signs_in_with_the_service_account_token() {
    let vault = vault().await;
    vault.add_kubernetes_role(
        "k8s",
        "mirage",
        JWT,
        Policy::paths(&["secret/data/shop/*"]),
        Duration::from_secs(600),
    );
    let settings = format!(
        "address=\"{}\" auth=\"kubernetes\" role=\"mirage\" auth-mount=\"k8s\"",
        vault.url()
    );
    let world = World::with_files(&[("project.mirage", &project(&settings))]).await;
    let home = tempfile::tempdir().expect("home");
    let jwt = home.path().join("sa-token");
    std::fs::write(&jwt, JWT).expect("jwt");
    let jwt = jwt.to_string_lossy().into_owned();
    let done = plan(&world, home.path(), &[("VAULT_K8S_TOKEN_PATH", &jwt)]).await;
    assert_eq!(done.code, Some(2), "{}{}", done.stdout, done.stderr);
    assert_eq!(vault.logins(), 1);
    assert!(
        vault.log().iter().any(|l| l == "POST /v1/auth/k8s/login"),
        "{:?}",
        vault.log()
    );

    // VAULT_K8S_ROLE overrides `role=`.
    let other = plan(
        &world,
        home.path(),
        &[("VAULT_K8S_TOKEN_PATH", &jwt), ("VAULT_K8S_ROLE", "nobody")],
    )
    .await;
    assert_eq!(other.code, Some(1));
    assert!(
        other.stderr.contains("invalid role name"),
        "{}",
        other.stderr
    );
    // No token file: said so.
    let none = plan(
        &world,
        home.path(),
        &[("VAULT_K8S_TOKEN_PATH", "/nonexistent/token")],
    )
    .await;
    assert_eq!(none.code, Some(1));
    assert!(
        none.stderr
            .contains("service-account token `/nonexistent/token` cannot be read"),
        "{}",
        none.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_namespace_is_sent_to_vault() {
    let vault = vault().await;
    vault.set_namespace(Some("team-a"));
    let settings = format!("address=\"{}\"", vault.url());
    let world = World::with_files(&[("project.mirage", &project(&settings))]).await;
    let home = tempfile::tempdir().expect("home");
    let without = plan(&world, home.path(), &[("VAULT_TOKEN", TOKEN)]).await;
    assert_eq!(
        without.code,
        Some(1),
        "{}{}",
        without.stdout,
        without.stderr
    );
    assert!(
        without.stderr.contains("refused to read"),
        "{}",
        without.stderr
    );
    let with = plan(
        &world,
        home.path(),
        &[("VAULT_TOKEN", TOKEN), ("VAULT_NAMESPACE", "team-a")],
    )
    .await;
    assert_eq!(with.code, Some(2), "{}{}", with.stdout, with.stderr);
    // And from the project's `namespace=`.
    world.edit("project.mirage", |t| {
        t.replace("vault address", "vault namespace=\"team-a/\" address")
    });
    let from_file = plan(&world, home.path(), &[("VAULT_TOKEN", TOKEN)]).await;
    assert_eq!(
        from_file.code,
        Some(2),
        "{}{}",
        from_file.stdout,
        from_file.stderr
    );
}

/// One failure: the project reads `reference` (as `DB_URL`) with `env`;
/// plan and apply exit 1 with a located diagnostic that says `expected`,
/// and Railway is neither read nor written.
async fn refused(
    world: &World,
    home: &std::path::Path,
    reference: &str,
    env: &[(&str, &str)],
    expected: &str,
) {
    world.edit("project.mirage", |t| {
        let start = t.find("DB_URL (secret)\"").expect("DB_URL") + "DB_URL (secret)\"".len();
        let end = start + t[start..].find('"').expect("closing quote");
        format!("{}{reference}{}", &t[..start], &t[end..])
    });
    let before = world.harness.requests().await;
    for args in [
        &["plan", ".", "--detailed-exitcode"][..],
        &["apply", ".", "--auto-approve"][..],
    ] {
        let out = run(world, home, args, env).await;
        assert_eq!(
            out.code,
            Some(1),
            "{reference}: {}{}",
            out.stdout,
            out.stderr
        );
        assert!(
            out.stderr.contains("mirage::plan::secret_unreadable")
                && out
                    .stderr
                    .contains(&format!("secret `{reference}` cannot be read"))
                && out.stderr.contains("project.mirage:10:")
                && out.stderr.contains("needed here"),
            "{reference}: located at the reference:\n{}",
            out.stderr
        );
        assert!(
            out.stderr.contains(expected),
            "{reference}: `{expected}` in\n{}",
            out.stderr
        );
    }
    assert_eq!(
        world.harness.requests().await,
        before,
        "{reference}: Railway untouched"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_vault_failure_is_a_located_error_and_nothing_is_written() {
    let vault = vault().await;
    vault.put("secret", "shop/gone", json!({"k": "v1-value-deleted"}));
    vault.put("secret", "shop/gone", json!({"k": "v2-value-destroyed"}));
    vault.put("secret", "shop/gone", json!({"k": "v3-value-live"}));
    vault.delete_version("secret", "shop/gone", 1);
    vault.destroy_version("secret", "shop/gone", 2);
    vault.put("secret", "other/x", json!({"k": "v"}));
    vault.put("secret", "shop/listy", json!({"k": ["a", "b"]}));
    let url = vault.url();
    let world =
        World::with_files(&[("project.mirage", &project(&format!("address=\"{url}\"")))]).await;
    let home = tempfile::tempdir().expect("home");
    let token = [("VAULT_TOKEN", TOKEN)];
    let good = "vault:secret/shop/db#url";

    refused(
        &world,
        home.path(),
        "vault:secret/shop/nothing#url",
        &token,
        "`secret/shop/nothing` does not exist in the Vault at",
    )
    .await;
    refused(
        &world,
        home.path(),
        "vault:secret/shop/db#nope",
        &token,
        "`secret/shop/db` has no key `nope` (its keys: `url`, `user`)",
    )
    .await;
    refused(
        &world,
        home.path(),
        "vault:secret/shop/db#url?version=7",
        &token,
        "version 7 of `secret/shop/db` does not exist",
    )
    .await;
    refused(
        &world,
        home.path(),
        "vault:secret/shop/gone#k?version=1",
        &token,
        "version 1 of `secret/shop/gone` was deleted in Vault (20",
    )
    .await;
    refused(
        &world,
        home.path(),
        "vault:secret/shop/gone#k?version=2",
        &token,
        "version 2 of `secret/shop/gone` was destroyed in Vault",
    )
    .await;
    refused(
        &world,
        home.path(),
        "vault:secret/shop/listy#k",
        &token,
        "holds a list, not text",
    )
    .await;
    refused(
        &world,
        home.path(),
        "vault:secret/other/x#k",
        &token,
        "refused to read `secret/other/x`: permission denied",
    )
    .await;
    refused(
        &world,
        home.path(),
        good,
        &[("VAULT_TOKEN", "hvs.bad")],
        "permission denied",
    )
    .await;
    refused(
        &world,
        home.path(),
        good,
        &[],
        "no Vault token: `VAULT_TOKEN` is not set and there is no `~/.vault-token`",
    )
    .await;
    refused(
        &world,
        home.path(),
        good,
        &[("VAULT_TOKEN", TOKEN), ("VAULT_CACERT", "missing.pem")],
        "the Vault CA file `missing.pem` (from `VAULT_CACERT`) cannot be read",
    )
    .await;
    std::fs::write(world.path().join("bad.pem"), "not a certificate\n").expect("bad.pem");
    refused(
        &world,
        home.path(),
        good,
        &[("VAULT_TOKEN", TOKEN), ("VAULT_CACERT", "bad.pem")],
        "holds no PEM certificate",
    )
    .await;

    // Unreachable: the address and where it came from.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}", listener.local_addr().expect("addr"))
    };
    refused(
        &world,
        home.path(),
        good,
        &[("VAULT_TOKEN", TOKEN), ("VAULT_ADDR", &closed)],
        &format!("the Vault at `{closed}` (from `VAULT_ADDR`) cannot be reached"),
    )
    .await;

    // Sealed.
    vault.set_sealed(true);
    refused(
        &world,
        home.path(),
        good,
        &token,
        &format!("the Vault at `{url}` (from `vault address=`) is sealed"),
    )
    .await;
    vault.set_sealed(false);

    // No address anywhere.
    world.edit("project.mirage", |t| {
        t.replace(&format!("address=\"{url}\""), "")
    });
    refused(
        &world,
        home.path(),
        good,
        &token,
        "no Vault address is configured",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_token_is_kept_renewed_and_replaced_in_a_long_process() {
    // `mirage serve` reads secrets many times in one process: one login,
    // renew-self when a third of the TTL is left, a new login when renewal
    // fails.
    let vault = vault().await;
    vault.add_approle(
        "approle",
        "role-serve",
        SECRET_ID,
        Policy::paths(&["secret/data/shop/*"]),
        Duration::from_secs(3),
    );
    let url = vault.url();
    let env: std::collections::HashMap<&str, String> = [
        ("VAULT_ADDR", url),
        ("VAULT_ROLE_ID", "role-serve".to_owned()),
        ("VAULT_SECRET_ID", SECRET_ID.to_owned()),
    ]
    .into_iter()
    .collect();
    let providers = Providers::with_env(Arc::new(move |name: &str| env.get(name).cloned()));
    let mut place = Place::default();
    place.settings.vault.auth = Some("approle".into());
    let wanted = vec![SecretRef {
        scheme: "vault".into(),
        location: "secret/shop/db#user".into(),
    }];
    let read = |providers: &Providers| {
        let (providers, place, wanted) = (providers.clone(), place.clone(), wanted.clone());
        async move {
            let answers = providers.read(&place, &wanted).await;
            answers[0]
                .as_ref()
                .map(|v| v.expose() == DB_USER)
                .unwrap_or(false)
        }
    };
    assert!(read(&providers).await);
    assert!(read(&providers).await);
    assert_eq!(
        (vault.logins(), vault.renewals()),
        (1, 0),
        "{:?}",
        vault.log()
    );
    tokio::time::sleep(Duration::from_millis(2_300)).await;
    assert!(read(&providers).await);
    assert_eq!(
        (vault.logins(), vault.renewals()),
        (1, 1),
        "renewed: {:?}",
        vault.log()
    );
    vault.revoke_logins();
    tokio::time::sleep(Duration::from_millis(2_300)).await;
    assert!(read(&providers).await);
    assert_eq!(
        (vault.logins(), vault.renewals()),
        (2, 2),
        "renewal refused, so a new login: {:?}",
        vault.log()
    );
}

/// A CA and a certificate for `127.0.0.1` signed by it, made with the
/// `openssl` command: `(ca.pem, server.pem, server.key)`.
fn certificates(dir: &std::path::Path) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("the `openssl` command (needed to make test certificates)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Mirage test CA",
    ]);
    openssl(&ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    openssl(&csr);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("ext.cnf");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    let read = |name: &str| std::fs::read(dir.join(name)).expect("a certificate file");
    (read("ca.pem"), read("server.pem"), read("server.key"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vault_over_https_is_trusted_through_its_ca_file() {
    let certs = tempfile::tempdir().expect("certs");
    let (ca, cert, key) = certificates(certs.path());
    let vault = VaultServer::start_tls(&cert, &key)
        .await
        .expect("HTTPS Vault");
    vault.put("secret", "shop/db", json!({"url": DB_URL, "user": DB_USER}));
    vault.put("secret", "shop/stripe", json!({"api_key": STRIPE_V1}));
    vault.add_token(TOKEN, Policy::paths(&["secret/data/shop/*"]));
    assert!(vault.url().starts_with("https://"));
    let settings = format!("address=\"{}\" ca-cert=\"certs/ca.pem\"", vault.url());
    let world = World::with_files(&[("project.mirage", &project(&settings))]).await;
    std::fs::create_dir(world.path().join("certs")).expect("certs dir");
    std::fs::write(world.path().join("certs/ca.pem"), &ca).expect("ca.pem");
    let home = tempfile::tempdir().expect("home");

    let trusted = plan(&world, home.path(), &[("VAULT_TOKEN", TOKEN)]).await;
    assert_eq!(
        trusted.code,
        Some(2),
        "{}{}",
        trusted.stdout,
        trusted.stderr
    );
    assert_eq!(vault.reads(), 3, "{:?}", vault.log());

    // Without the CA, the certificate is not trusted, and the message says why.
    world.edit("project.mirage", |t| {
        t.replace(" ca-cert=\"certs/ca.pem\"", "")
    });
    let untrusted = plan(&world, home.path(), &[("VAULT_TOKEN", TOKEN)]).await;
    assert_eq!(
        untrusted.code,
        Some(1),
        "{}{}",
        untrusted.stdout,
        untrusted.stderr
    );
    assert!(
        untrusted
            .stderr
            .contains("cannot be reached (connection failed:")
            && untrusted.stderr.contains("UnknownIssuer")
            && untrusted
                .stderr
                .contains("point `VAULT_CACERT` or `ca-cert=` at that CA's PEM file"),
        "{}",
        untrusted.stderr
    );
    // VAULT_CACERT does the same as `ca-cert=`.
    let from_env = plan(
        &world,
        home.path(),
        &[("VAULT_TOKEN", TOKEN), ("VAULT_CACERT", "certs/ca.pem")],
    )
    .await;
    assert_eq!(
        from_env.code,
        Some(2),
        "{}{}",
        from_env.stdout,
        from_env.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn paths_are_read_concurrently_within_a_bound() {
    let vault = vault().await;
    let mut vars = String::new();
    for p in 0..20 {
        vault.put(
            "secret",
            &format!("shop/p{p}"),
            json!({"a": format!("value-a-{p}"), "b": format!("value-b-{p}")}),
        );
        vars.push_str(&format!(
            "        A_{p} (secret)\"vault:secret/shop/p{p}#a\"\n"
        ));
        vars.push_str(&format!(
            "        B_{p} (secret)\"vault:secret/shop/p{p}#b\"\n"
        ));
    }
    vault.set_latency(Duration::from_millis(50));
    let text = format!(
        "project \"many\" {{\n    secrets {{\n        vault address=\"{}\"\n    }}\n}}\n\nservice \"api\" {{\n    image \"nginx:1.27\"\n    vars {{\n{vars}    }}\n}}\n\nenvironment \"production\"\n",
        vault.url()
    );
    let world = World::with_files(&[("project.mirage", &text)]).await;
    let home = tempfile::tempdir().expect("home");
    let started = std::time::Instant::now();
    let out = plan(&world, home.path(), &[("VAULT_TOKEN", TOKEN)]).await;
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
    assert_eq!(vault.reads(), 20, "40 keys of 20 paths: {:?}", vault.log());
    let most = vault.most_in_flight();
    assert!(
        (2..=8).contains(&most),
        "paths are fetched at once, at most 8: {most}"
    );
    // 20 × 50 ms one at a time would be 1 s of Vault alone.
    eprintln!("plan with 20 paths at 50 ms: {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_test_vault_answers_as_vault_documents() {
    // Response shapes from developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2
    // and …/api-docs#http-status-codes, over plain HTTP.
    let vault = vault().await;
    let http = reqwest::Client::new();
    let url = vault.url();
    let get = |path: &str, token: &str| {
        let request = http
            .get(format!("{url}/v1/{path}"))
            .header("X-Vault-Token", token);
        async move {
            let response = request.send().await.expect("the test Vault answers");
            let status = response.status().as_u16();
            (
                status,
                response
                    .json::<serde_json::Value>()
                    .await
                    .unwrap_or_default(),
            )
        }
    };
    let (status, body) = get("secret/data/shop/stripe", TOKEN).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["data"]["api_key"], STRIPE_V2);
    assert_eq!(body["data"]["metadata"]["version"], 2);
    assert_eq!(body["data"]["metadata"]["deletion_time"], "");
    assert_eq!(body["data"]["metadata"]["destroyed"], false);
    let (_, body) = get("secret/data/shop/stripe?version=1", TOKEN).await;
    assert_eq!(body["data"]["data"]["api_key"], STRIPE_V1);
    assert_eq!(
        get("secret/data/shop/none", TOKEN).await,
        (404, json!({"errors": []}))
    );
    assert_eq!(
        get("secret/data/shop/db", "hvs.unknown").await,
        (403, json!({"errors": ["permission denied"]}))
    );
    // A write through the API, a soft delete, then a destroy.
    let written: serde_json::Value = http
        .post(format!("{url}/v1/secret/data/shop/db"))
        .header("X-Vault-Token", TOKEN)
        .json(&json!({"data": {"url": "x"}}))
        .send()
        .await
        .expect("write")
        .json()
        .await
        .expect("json");
    assert_eq!(written["data"]["version"], 2, "{written}");
    let deleted = http
        .delete(format!("{url}/v1/secret/data/shop/db"))
        .header("X-Vault-Token", TOKEN)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status().as_u16(), 204);
    let (status, body) = get("secret/data/shop/db", TOKEN).await;
    assert_eq!(status, 404);
    assert_eq!(body["data"]["data"], serde_json::Value::Null);
    assert_ne!(body["data"]["metadata"]["deletion_time"], "");
    // The reading token's policy covers `secret/data/shop/*` only.
    let refused = http
        .post(format!("{url}/v1/secret/destroy/shop/db"))
        .header("X-Vault-Token", TOKEN)
        .json(&json!({"versions": [1]}))
        .send()
        .await
        .expect("destroy");
    assert_eq!(refused.status().as_u16(), 403);
    vault.add_token("hvs.admin", Policy::all());
    let destroyed = http
        .post(format!("{url}/v1/secret/destroy/shop/db"))
        .header("X-Vault-Token", "hvs.admin")
        .json(&json!({"versions": [1]}))
        .send()
        .await
        .expect("destroy");
    assert_eq!(destroyed.status().as_u16(), 204);
    let (status, body) = get("secret/data/shop/db?version=1", TOKEN).await;
    assert_eq!(
        (status, &body["data"]["metadata"]["destroyed"]),
        (404, &json!(true))
    );
    // Sealed: 503, and health says so.
    vault.set_sealed(true);
    assert_eq!(
        get("secret/data/shop/stripe", TOKEN).await,
        (503, json!({"errors": ["Vault is sealed"]}))
    );
    let (status, health) = get("sys/health", "").await;
    assert_eq!((status, &health["sealed"]), (503, &json!(true)));
    vault.set_sealed(false);
    let (status, health) = get("sys/health", "").await;
    assert_eq!((status, &health["sealed"]), (200, &json!(false)));
}
