//! `registry-credentials` of a private image: the password is a secret
//! reference, shown as `(sensitive)` in every plan format, written to
//! `deploy.registryCredentials` by the apply, compared without being shown,
//! and never printed or stored.

use crate::support;

use serde_json::Value;
use support::World;

const PASSWORD: &str = "registry_pw_NEVER_PRINT_51d0";
const ROTATED: &str = "registry_pw_ROTATED_NEVER_PRINT_93e2";

const PROJECT: &str = r#"project "private"

service "app" {
    image "ghcr.io/acme/private-app:1.0.0"
    registry-credentials username="ci-bot" password=(secret)"env:REGISTRY_PASSWORD"
}

environment "production"
environment "staging"
"#;

#[tokio::test(flavor = "multi_thread")]
async fn registry_credentials_go_to_railway_and_never_show() {
    let world = World::with_files(&[("main.mirage", PROJECT)]).await;
    let secret = [("REGISTRY_PASSWORD", PASSWORD)];
    let mut outputs = Vec::new();
    let plan = world.mirage_with(&["plan", "."], &secret).await.ok("plan");
    assert!(
        plan.stdout
            .contains("deploy.registryCredentials.username = \"ci-bot\""),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("deploy.registryCredentials.password = (sensitive)"),
        "{}",
        plan.stdout
    );
    outputs.push(plan.stdout + &plan.stderr);
    let json = world
        .mirage_with(&["plan", ".", "--json"], &secret)
        .await
        .ok("plan --json");
    let parsed: Value = serde_json::from_str(&json.stdout).expect("plan JSON");
    let changes = parsed["environments"][0]["services"][0]["changes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let password = changes
        .iter()
        .find(|c| c["path"][2] == "password")
        .expect("a password change");
    assert_eq!(password["new"]["sensitive"], true, "{password}");
    assert_eq!(password["new"]["source"], "env:REGISTRY_PASSWORD");
    outputs.push(json.stdout);
    let applied = world
        .mirage_with(&["apply", ".", "--auto-approve"], &secret)
        .await
        .ok("apply");
    outputs.push(applied.stdout + &applied.stderr);
    // Railway holds the credentials in both environments.
    let project = world.project("private").await;
    let app = &project.services[0].1;
    for (_, env) in &project.environments {
        let (config, _) = world.harness.config(env).await;
        let credentials = &config["services"][app]["deploy"]["registryCredentials"];
        assert_eq!(credentials["username"], "ci-bot", "{config}");
        assert_eq!(credentials["password"], PASSWORD);
    }
    let again = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &secret)
        .await;
    assert_eq!(again.code, Some(0), "{}", again.stdout);
    // A rotated password is a change, shown without either value.
    let rotated = [("REGISTRY_PASSWORD", ROTATED)];
    let plan = world.mirage_with(&["plan", "."], &rotated).await.ok("plan");
    assert!(
        plan.stdout
            .contains("~ deploy.registryCredentials.password = (sensitive) (changed)"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("username"), "{}", plan.stdout);
    outputs.push(plan.stdout + &plan.stderr);
    let applied = world
        .mirage_with(&["apply", ".", "--auto-approve"], &rotated)
        .await
        .ok("apply rotated");
    outputs.push(applied.stdout + &applied.stderr);
    let (config, _) = world.harness.config(&project.environments[0].1).await;
    assert_eq!(
        config["services"][app]["deploy"]["registryCredentials"]["password"],
        ROTATED
    );
    for file in ["state.db", "state.db-wal"] {
        if let Ok(bytes) = std::fs::read(world.path().join(".mirage").join(file)) {
            outputs.push(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    for output in &outputs {
        assert!(
            !output.contains(PASSWORD) && !output.contains(ROTATED),
            "a registry password leaked:\n{output}"
        );
    }
}

#[test]
fn a_plain_text_registry_password_is_refused() {
    support::Test::new()
        .file(
            "main.mirage",
            &PROJECT.replace("(secret)\"env:REGISTRY_PASSWORD\"", "\"hunter2\""),
        )
        .args(["check", "."])
        .status(1)
        .stderr_contains("mirage::resolve::plain_secret")
        .run();
}
