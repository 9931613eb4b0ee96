//! End to end: the real `mirage` binary against the emulator over HTTP.
//! Every example converges (plan → apply → plan shows no changes); drift
//! shows; stale saved plans are refused; unmanaged resources are never
//! touched; secrets never appear in any output.

use crate::support;

use serde_json::{Value, json};
use support::{Harness, STRIPE, World};

async fn converges(example: &str) {
    let world = World::with_example(example).await;
    let first = world.plan().await;
    assert_eq!(
        first.code,
        Some(2),
        "a first plan has changes: {}",
        first.stdout
    );
    assert!(first.stdout.contains("to create"), "{}", first.stdout);
    let applied = world
        .mirage(&["apply", ".", "--auto-approve"])
        .await
        .ok("apply");
    assert!(
        applied.stdout.contains("Apply complete"),
        "{}",
        applied.stdout
    );
    let again = world.plan().await;
    assert_eq!(
        again.code,
        Some(0),
        "after apply the plan of `{example}` still has changes:\n{}",
        again.stdout
    );
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn quickstart_converges() {
    converges("quickstart").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn saas_converges() {
    converges("saas").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn microservices_converges() {
    converges("microservices").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn team_service_converges() {
    converges("team-service").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_shows_in_the_next_plan() {
    let world = World::applied("quickstart").await;
    let (_, env) = world.environment_id("quickstart", "production").await;
    let web = world.service_id(&env, "web").await;
    let reply = world
        .harness
        .commit(
            &env,
            json!({"services": {web.clone(): {"variables": {"PORT": {"value": "8080"}, "EXTRA": {"value": "x"}}, "deploy": {"healthcheckPath": "/other"}}}}),
        )
        .await;
    reply.data();
    let plan = world.plan().await;
    assert_eq!(plan.code, Some(2), "{}", plan.stdout);
    assert!(plan.stdout.contains("~ service \"web\""), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("~ variables.PORT: \"8080\" → \"80\""),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("~ deploy.healthcheckPath: \"/other\" → \"/\""),
        "{}",
        plan.stdout
    );
    // A variable set by hand is not Mirage's: listed, never removed.
    assert!(!plan.stdout.contains("variables.EXTRA"), "{}", plan.stdout);
    assert!(
        plan.stdout
            .contains("variable \"EXTRA\" of service \"web\" in \"production\""),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("0 to create, 1 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    // Applying again repairs the drift.
    world
        .mirage(&["apply", ".", "--auto-approve"])
        .await
        .ok("repair");
    let (config, _) = world.harness.config(&env).await;
    assert_eq!(config["services"][&web]["variables"]["PORT"]["value"], "80");
    assert_eq!(config["services"][&web]["variables"]["EXTRA"]["value"], "x");
    let plan = world.plan().await;
    assert_eq!(plan.code, Some(0), "{}", plan.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_saved_plan_is_refused() {
    let world = World::applied("quickstart").await;
    // A change to the files, planned and saved.
    world.edit("main.mirage", |t| {
        t.replace("image \"nginx:1.27\"", "image \"nginx:1.28\"")
    });
    let saved = world
        .mirage(&["plan", ".", "--out", "change.plan"])
        .await
        .ok("plan --out");
    assert!(
        saved
            .stdout
            .contains("source.image: \"nginx:1.27\" → \"nginx:1.28\""),
        "{}",
        saved.stdout
    );
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(world.path().join("change.plan")).expect("plan file"),
    )
    .expect("json");
    assert_eq!(file["kind"], "mirage-plan");
    assert!(file["etags"]["production"].is_string(), "{file}");
    // Someone changes the environment on Railway meanwhile.
    let (_, env) = world.environment_id("quickstart", "production").await;
    world.touch(&env).await;
    let refused = world.mirage(&["apply", "change.plan"]).await;
    assert_eq!(refused.code, Some(1), "{}", refused.stdout);
    assert!(
        refused.stderr.contains("the saved plan is stale"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("`production`"),
        "{}",
        refused.stderr
    );
    // A fresh saved plan applies without a prompt.
    world
        .mirage(&["plan", ".", "--out", "fresh.plan"])
        .await
        .ok("plan");
    let applied = world
        .mirage(&["apply", "fresh.plan"])
        .await
        .ok("apply saved");
    assert!(
        applied.stdout.contains("Apply complete"),
        "{}",
        applied.stdout
    );
    let (config, _) = world.harness.config(&env).await;
    let web = world.service_id(&env, "web").await;
    assert_eq!(config["services"][&web]["source"]["image"], "nginx:1.28");
}

#[tokio::test(flavor = "multi_thread")]
async fn unmanaged_resources_are_listed_and_never_touched() {
    let world = World::applied("quickstart").await;
    let (project, env) = world.environment_id("quickstart", "production").await;
    let legacy = world.harness.service(&project, "legacy", "redis:7").await;
    world
        .harness
        .commit(
            &env,
            json!({"services": {legacy.clone(): {"variables": {"KEEP": {"value": "me"}}}}}),
        )
        .await
        .data();
    let (before, _) = world.harness.config(&env).await;
    let plan = world.mirage(&["plan", "."]).await.ok("plan");
    assert!(
        plan.stdout.contains("service \"legacy\" in \"production\""),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("mirage import"), "{}", plan.stdout);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    world.apply().await;
    let (after, _) = world.harness.config(&env).await;
    assert_eq!(before["services"][&legacy], after["services"][&legacy]);
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_refuses_without_approval_off_a_terminal() {
    let world = World::with_example("quickstart").await;
    let run = world.mirage(&["apply", "."]).await;
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("--auto-approve"), "{}", run.stderr);
    let plan = world.plan().await;
    assert_eq!(plan.code, Some(2), "nothing was applied");
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_appear_in_plans_saved_plans_or_logs() {
    let world = World::with_example("saas").await;
    let mut outputs = Vec::new();
    let text = world.mirage(&["plan", "."]).await.ok("plan");
    assert!(
        text.stdout.contains("variables.STRIPE_KEY = (sensitive)"),
        "{}",
        text.stdout
    );
    outputs.push(text.stdout + &text.stderr);
    let json = world
        .mirage(&["plan", ".", "--json"])
        .await
        .ok("plan --json");
    let parsed: Value = serde_json::from_str(&json.stdout).expect("plan JSON parses");
    assert_eq!(parsed["version"], 1);
    outputs.push(json.stdout + &json.stderr);
    let md = world
        .mirage(&["plan", ".", "--format", "markdown"])
        .await
        .ok("markdown");
    assert!(md.stdout.contains("<details>"), "{}", md.stdout);
    outputs.push(md.stdout + &md.stderr);
    world
        .mirage(&["plan", ".", "--out", "saved.plan"])
        .await
        .ok("plan --out");
    outputs.push(std::fs::read_to_string(world.path().join("saved.plan")).expect("saved plan"));
    let apply = world.mirage(&["apply", "saved.plan"]).await.ok("apply");
    outputs.push(apply.stdout + &apply.stderr);
    // The secret did reach Railway…
    let (_, env) = world.environment_id("acme-shop", "production").await;
    let api = world.service_id(&env, "api").await;
    let (config, _) = world.harness.config(&env).await;
    assert_eq!(
        config["services"][&api]["variables"]["STRIPE_KEY"]["value"],
        STRIPE
    );
    // …and a changed secret shows only as changed.
    world
        .harness
        .commit(&env, json!({"services": {api.clone(): {"variables": {"STRIPE_KEY": {"value": "rotated-by-hand"}}}}}))
        .await
        .data();
    let drift = world.mirage(&["plan", "."]).await.ok("plan after drift");
    assert!(
        drift
            .stdout
            .contains("~ variables.STRIPE_KEY = (sensitive) (changed)"),
        "{}",
        drift.stdout
    );
    assert!(
        !drift.stdout.contains("rotated-by-hand"),
        "{}",
        drift.stdout
    );
    outputs.push(drift.stdout + &drift.stderr);
    let json = world
        .mirage(&["plan", ".", "--json"])
        .await
        .ok("plan --json");
    assert!(!json.stdout.contains("rotated-by-hand"));
    outputs.push(json.stdout);
    // The state database (and its write-ahead log) holds the apply's plan
    // and ownership records, never the value.
    for file in ["state.db", "state.db-wal"] {
        if let Ok(bytes) = std::fs::read(world.path().join(".mirage").join(file)) {
            outputs.push(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    assert!(outputs.len() >= 8, "the state database was read");
    for output in &outputs {
        assert!(!output.contains(STRIPE), "a secret leaked:\n{output}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn destroy_removes_only_what_mirage_owns() {
    let world = World::applied("quickstart").await;
    let (project, env) = world.environment_id("quickstart", "production").await;
    let legacy = world.harness.service(&project, "legacy", "redis:7").await;
    let refused = world.mirage(&["destroy", ".", "--env", "production"]).await;
    assert_eq!(refused.code, Some(1), "no approval off a terminal");
    let destroyed = world
        .mirage(&["destroy", ".", "--env", "production", "--auto-approve"])
        .await
        .ok("destroy");
    assert!(
        destroyed.stdout.contains("- service \"web\""),
        "{}",
        destroyed.stdout
    );
    assert!(
        !destroyed.stdout.contains("- service \"legacy\""),
        "{}",
        destroyed.stdout
    );
    let (config, _) = world.harness.config(&env).await;
    let services = config["services"].as_object().cloned().unwrap_or_default();
    assert_eq!(
        services.len(),
        1,
        "only the unmanaged service is left: {config}"
    );
    assert!(services.contains_key(&legacy));
    // Nothing left to destroy; a plan wants `web` back.
    let again = world
        .mirage(&["destroy", ".", "--env", "production", "--auto-approve"])
        .await
        .ok("destroy again");
    assert!(
        again
            .stdout
            .contains("Nothing to destroy: Mirage owns nothing in `production` in this state (`"),
        "{}",
        again.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_protected_environment_is_never_destroyed() {
    let world = World::applied("microservices").await;
    let refused = world
        .mirage(&["destroy", ".", "--env", "production", "--auto-approve"])
        .await;
    assert_eq!(refused.code, Some(1), "{}", refused.stdout);
    assert!(
        refused.stderr.contains("is protected"),
        "{}",
        refused.stderr
    );
    let plan = world.plan().await;
    assert_eq!(plan.code, Some(0), "nothing was destroyed: {}", plan.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_applies_one_wins_one_is_told() {
    let harness = Harness::with(mirage::emulator::Options {
        clock: std::time::Duration::ZERO,
        latency: std::time::Duration::from_millis(400),
        ..mirage::emulator::Options::default()
    })
    .await;
    let world = World::with_harness("quickstart", harness).await;
    let (a, b) = tokio::join!(
        world.mirage(&["apply", ".", "--auto-approve"]),
        world.mirage(&["apply", ".", "--auto-approve"])
    );
    let codes = [a.code, b.code];
    assert!(
        codes.contains(&Some(0)),
        "one apply wins: {}{}",
        a.stderr,
        b.stderr
    );
    let loser = if a.code == Some(0) { &b } else { &a };
    assert_eq!(loser.code, Some(1), "{}", loser.stdout);
    assert!(
        loser.stderr.contains("is locked by") && loser.stderr.contains("since"),
        "the loser is told who holds the lock since when: {}",
        loser.stderr
    );
    let plan = world.plan().await;
    assert_eq!(plan.code, Some(0), "{}", plan.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_converges_through_transient_errors_and_rate_limits() {
    use mirage::emulator::{FaultKind, FaultRule};
    let fault = |status: u16, seed: u64| FaultRule {
        kind: FaultKind::Status {
            status,
            body: true,
            retry_after: None,
        },
        rate: Some(0.1),
        seed: Some(seed),
        ..FaultRule::default()
    };
    let harness = Harness::with(mirage::emulator::Options {
        clock: std::time::Duration::ZERO,
        faults: vec![fault(502, 7), fault(429, 11)],
        ..mirage::emulator::Options::default()
    })
    .await;
    let world = World::with_harness("saas", harness).await;
    let mut converged = false;
    for _ in 0..8 {
        let _ = world.mirage(&["apply", ".", "--auto-approve"]).await;
        let plan = world.plan().await;
        if plan.code == Some(0) {
            converged = true;
            break;
        }
    }
    assert!(converged, "apply converges despite 20% injected failures");
    let project = world.assert_no_duplicates("acme-shop").await;
    assert_eq!(project.services.len(), 5, "{project:?}");
}
