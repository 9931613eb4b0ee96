//! `mirage status` and `mirage apply --wait`: the real binary against the
//! emulator over HTTP, deployments driven by the emulator's clock and its
//! `outcomes` knob; the requests a status read takes counted by the
//! emulator's `/_emulator/stats`.

use serde_json::{Value, json};

use crate::support::World;

const SHOP: &str = r#"
project "shop"

service "web" {
    image "nginx:1.27"
    healthcheck "/health" timeout=20
    replicas 2
}

service "worker" {
    image "busybox:1.36"
    start "sh -c 'sleep 3600'"
}

environment "production"
environment "staging"
"#;

async fn shop() -> World {
    World::with_files(&[("project.mirage", SHOP)]).await
}

/// [`shop`] applied with the emulator's deployment outcomes forced by
/// service name (`{"web": "FAILED"}`).
async fn shop_applied_with(outcomes: Value) -> World {
    let world = shop().await;
    world.harness.admin("outcomes", outcomes).await;
    world.apply().await;
    world
}

/// Deployments take `ms` per phase (queued, building, deploying) from now on.
async fn phases(world: &World, ms: u64) {
    world.harness.admin("clock", json!({ "step_ms": ms })).await;
}

fn parse(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("JSON ({e}): {stdout}"))
}

fn service<'a>(report: &'a Value, env: &str, name: &str) -> &'a Value {
    report["environments"]
        .as_array()
        .expect("environments")
        .iter()
        .find(|e| e["name"] == env)
        .and_then(|e| {
            e["services"]
                .as_array()
                .expect("services")
                .iter()
                .find(|s| s["name"] == name)
        })
        .unwrap_or_else(|| panic!("no {env}/{name} in {report:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn until_healthy_waits_for_the_deployments_of_an_apply_and_exits_0() {
    let world = shop().await;
    phases(&world, 400).await;
    world.apply().await;
    let waited = world
        .mirage(&[
            "status",
            ".",
            "--until-healthy",
            "--timeout",
            "1m",
            "--poll",
            "1s",
        ])
        .await;
    assert_eq!(waited.code, Some(0), "{}\n{}", waited.stdout, waited.stderr);
    assert!(waited.stdout.contains("Healthy."), "{}", waited.stdout);
    assert!(
        waited.stderr.contains("→ SUCCESS"),
        "the changes are reported while waiting: {}",
        waited.stderr
    );
    let report = parse(
        &world
            .mirage(&["status", ".", "--json"])
            .await
            .ok("status")
            .stdout,
    );
    let web = service(&report, "production", "web");
    assert_eq!(web["health"], "healthy");
    assert_eq!(web["management"], "managed");
    assert_eq!(web["deployment"]["status"], "SUCCESS");
    assert_eq!(web["replicas"]["wanted"], 2);
    assert_eq!(web["replicas"]["running"], 2);
    assert_eq!(web["source"]["source"], "image:nginx:1.27");
    assert_eq!(web["healthcheck"]["path"], "/health");
    assert!(web["deployment"]["age_seconds"].is_u64(), "{web:#}");
    assert_eq!(report["healthy"], true);
    assert_eq!(report["project"], "shop");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_build_is_explained_with_its_builder_and_last_build_lines() {
    let world = shop_applied_with(json!({"web": "FAILED"})).await;
    let status = world.mirage(&["status", ".", "--env", "production"]).await;
    assert_eq!(status.code, Some(1), "{}\n{}", status.stdout, status.stderr);
    let out = &status.stdout;
    assert!(
        out.contains("FAILED: the build or deployment failed"),
        "{out}"
    );
    assert!(out.contains("builder: "), "{out}");
    assert!(out.contains("build log (last"), "{out}");
    assert!(out.contains("reason: BUILD_IMAGE"), "{out}");
    assert!(out.contains("Not healthy: production/web."), "{out}");
    assert!(
        !out.contains("staging"),
        "only the asked environment: {out}"
    );

    let report = parse(
        &world
            .mirage(&["status", ".", "--env", "production", "--json"])
            .await
            .stdout,
    );
    let problem = &service(&report, "production", "web")["problem"];
    assert_eq!(problem["status"], "FAILED");
    assert!(problem["builder"].is_string(), "{problem:#}");
    assert!(
        !problem["build_log"].as_array().expect("lines").is_empty(),
        "{problem:#}"
    );
    assert_eq!(report["healthy"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_is_explained_with_the_restart_policy_and_the_exit_reason() {
    let world = shop_applied_with(json!({"worker": "CRASHED"})).await;
    let status = world.mirage(&["status", ".", "--env", "staging"]).await;
    assert_eq!(status.code, Some(1), "{}\n{}", status.stdout, status.stderr);
    let out = &status.stdout;
    assert!(
        out.contains("CRASHED: the service crashed after it started"),
        "{out}"
    );
    assert!(out.contains("restart policy: ON_FAILURE"), "{out}");
    assert!(out.contains("deploy log (last"), "{out}");
    assert!(out.contains("exited with code 1"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_the_files_do_not_declare_is_shown_unmanaged() {
    let world = shop().await;
    world.apply().await;
    let (project_id, env_id) = world.environment_id("shop", "production").await;
    let created = world
        .harness
        .gql(
            "mutation($p: String!, $e: String!) { serviceCreate(input: {projectId: $p, environmentId: $e, name: \"by-hand\", source: {image: \"redis:7\"}}) { id } }",
            json!({"p": project_id, "e": env_id}),
        )
        .await;
    created.data();
    let status = world.mirage(&["status", ".", "--env", "production"]).await;
    assert!(status.stdout.contains("[unmanaged]"), "{}", status.stdout);
    let report = parse(
        &world
            .mirage(&["status", ".", "--env", "production", "--json"])
            .await
            .stdout,
    );
    assert_eq!(
        service(&report, "production", "by-hand")["management"],
        "unmanaged"
    );
    assert_eq!(
        service(&report, "production", "web")["management"],
        "managed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_status_read_takes_one_request_and_one_more_when_something_failed() {
    let world = shop().await;
    world.apply().await;
    let before = world.harness.requests().await;
    world.mirage(&["status", "."]).await.ok("status");
    assert_eq!(
        world.harness.requests().await - before,
        1,
        "healthy: one read"
    );

    world
        .harness
        .admin("outcomes", json!({"web": "FAILED", "worker": "CRASHED"}))
        .await;
    world.edit("project.mirage", |t| {
        t.replace("nginx:1.27", "nginx:1.28")
            .replace("sleep 3600", "sleep 7200")
    });
    world.apply().await;
    let before = world.harness.requests().await;
    let status = world.mirage(&["status", ".", "--json"]).await;
    assert_eq!(status.code, Some(1));
    assert_eq!(
        world.harness.requests().await - before,
        2,
        "four failures: one read and one aliased read of their details"
    );
    assert_eq!(parse(&status.stdout)["requests"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn until_healthy_gives_up_at_the_timeout_saying_what_it_waited_for() {
    let world = shop().await;
    phases(&world, 3_600_000).await;
    world.apply().await;
    let waited = world
        .mirage(&[
            "status",
            ".",
            "--env",
            "staging",
            "--until-healthy",
            "--timeout",
            "2s",
            "--poll",
            "1s",
        ])
        .await;
    assert_eq!(waited.code, Some(1), "{}\n{}", waited.stdout, waited.stderr);
    assert!(
        waited.stderr.contains("timed out after 2s"),
        "{}",
        waited.stderr
    );
    assert!(
        waited.stderr.contains("staging/web") && waited.stderr.contains("staging/worker"),
        "{}",
        waited.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_wait_reports_the_deployments_it_triggered() {
    let world = shop().await;
    phases(&world, 300).await;
    let applied = world
        .mirage(&["apply", ".", "--auto-approve", "--wait=1m"])
        .await;
    assert_eq!(
        applied.code,
        Some(0),
        "{}\n{}",
        applied.stdout,
        applied.stderr
    );
    assert!(
        applied.stderr.contains("Waiting up to 1m"),
        "{}",
        applied.stderr
    );
    assert!(applied.stdout.contains("Healthy."), "{}", applied.stdout);

    // One service changes and its deployment fails: only it is waited for.
    world
        .harness
        .admin("outcomes", json!({"worker": "FAILED"}))
        .await;
    world.edit("project.mirage", |t| t.replace("sleep 3600", "sleep 7200"));
    let failed = world
        .mirage(&["apply", ".", "--auto-approve", "--wait"])
        .await;
    assert_eq!(failed.code, Some(1), "{}\n{}", failed.stdout, failed.stderr);
    assert!(
        failed
            .stderr
            .contains("the apply's deployments are not healthy"),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stdout.contains("production/worker"),
        "{}",
        failed.stdout
    );
    assert!(
        !failed.stdout.contains("  web "),
        "web did not change: {}",
        failed.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_healthcheck_is_explained_with_its_path_and_timeout() {
    let world = shop_applied_with(json!({"web": "HEALTHCHECK_FAILED"})).await;
    let status = world.mirage(&["status", ".", "--env", "production"]).await;
    assert_eq!(status.code, Some(1), "{}\n{}", status.stdout, status.stderr);
    let out = &status.stdout;
    assert!(
        out.contains("FAILED: the healthcheck did not pass"),
        "{out}"
    );
    assert!(out.contains("healthcheck: /health, timeout 20s"), "{out}");
    assert!(out.contains("reason: HEALTHCHECK"), "{out}");
    assert!(!out.contains("builder: "), "not a build failure: {out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn approval_is_a_problem_and_sleeping_is_not() {
    let world = shop().await;
    world
        .harness
        .admin(
            "outcomes",
            json!({"web": "NEEDS_APPROVAL", "worker": "SLEEPING"}),
        )
        .await;
    world.apply().await;
    let status = world.mirage(&["status", ".", "--env", "staging"]).await;
    assert_eq!(status.code, Some(1), "{}\n{}", status.stdout, status.stderr);
    let out = &status.stdout;
    assert!(
        out.contains("NEEDS_APPROVAL: its deployment waits for approval"),
        "{out}"
    );
    assert!(out.contains("SLEEPING: it sleeps (serverless)"), "{out}");
    assert!(out.contains("Not healthy: staging/web."), "{out}");
    let report = parse(
        &world
            .mirage(&["status", ".", "--env", "staging", "--json"])
            .await
            .stdout,
    );
    assert_eq!(
        service(&report, "staging", "web")["health"],
        "needs-approval"
    );
    assert_eq!(service(&report, "staging", "worker")["health"], "healthy");
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_off_a_terminal_appends_a_line_per_change() {
    let world = shop().await;
    phases(&world, 400).await;
    world.apply().await;
    let watched = world
        .mirage(&[
            "status",
            ".",
            "--env",
            "staging",
            "--watch",
            "--until-healthy",
            "--poll",
            "1s",
        ])
        .await;
    assert_eq!(
        watched.code,
        Some(0),
        "{}\n{}",
        watched.stdout,
        watched.stderr
    );
    assert!(
        watched.stdout.contains("staging/web: ") && watched.stdout.contains("→ SUCCESS"),
        "{}",
        watched.stdout
    );
    assert!(
        !watched.stdout.contains("\u{1b}[2J"),
        "no redrawing off a terminal: {}",
        watched.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn subscriptions_wake_the_wait_without_polling() {
    let world = shop().await;
    phases(&world, 400).await;
    world.apply().await;
    let started = std::time::Instant::now();
    // Reading again only every 60 s: the deployments' subscriptions must
    // say when they change.
    let waited = world
        .mirage(&[
            "status",
            ".",
            "--env",
            "staging",
            "--until-healthy",
            "--poll",
            "60s",
            "--refresh",
            "60s",
        ])
        .await;
    assert_eq!(waited.code, Some(0), "{}\n{}", waited.stdout, waited.stderr);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "woken by the subscriptions, not by a read a minute later ({:?})",
        started.elapsed()
    );
    assert!(
        !waited.stderr.contains("note: following"),
        "{}",
        waited.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_subscription_falls_back_to_polling() {
    let world = shop().await;
    phases(&world, 3000).await;
    world.apply().await;
    let waiting = world.mirage(&[
        "status",
        ".",
        "--env",
        "staging",
        "--until-healthy",
        "--poll",
        "1s",
        "--refresh",
        "60s",
    ]);
    let drop = async {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        world.harness.admin("subscriptions/drop", json!({})).await
    };
    let (waited, dropped) = tokio::join!(waiting, drop);
    assert!(dropped["dropped"].as_u64().unwrap_or(0) > 0, "{dropped}");
    assert_eq!(waited.code, Some(0), "{}\n{}", waited.stdout, waited.stderr);
    assert!(
        waited
            .stderr
            .contains("note: following by reading the status every 1s"),
        "{}",
        waited.stderr
    );
    assert!(waited.stdout.contains("Healthy."), "{}", waited.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_environment_is_a_usage_error_with_the_closest_name() {
    let world = shop().await;
    world.apply().await;
    let run = world.mirage(&["status", ".", "--env", "prodution"]).await;
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("the files declare no environment `prodution`")
            && run.stderr.contains("did you mean `production`?"),
        "{}",
        run.stderr
    );
}
