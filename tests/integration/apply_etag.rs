//! The `configEtag` re-check before an apply writes after a confirmation
//! prompt: an environment changed through the emulator's API between the
//! plan and the apply is refused, nothing is written, and a fresh plan then
//! applies. Without a prompt (`--auto-approve`) the plan's read is the check
//! and a one-variable change stays one read + one write.

use crate::support;

use mirage::apply::{self, Progress, Status};
use mirage::plan::{self, Filter, Owned};
use mirage::railway::{Client, ClientOptions, Credentials, Token};
use support::World;

fn client(world: &World) -> Client {
    let options = ClientOptions {
        credentials: Some(Credentials::Account(Token::new(
            world.harness.token.clone(),
        ))),
        ..ClientOptions::default()
    }
    .with_endpoint(world.harness.emu.url());
    Client::new(options).expect("client")
}

/// The plan of the world's files against what the emulator holds now.
async fn plan_now(world: &World, client: &Client, project_id: &str) -> plan::Plan {
    let analysis = mirage::resolve::load_dir(&world.path());
    assert!(!analysis.has_errors());
    let snapshot = client.read_project(project_id).await.expect("read");
    plan::diff(
        &analysis.project,
        Some(&snapshot),
        &Owned::default(),
        &Filter::default(),
        &plan::env_secrets,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_between_plan_and_apply_is_refused() {
    let world = World::applied("quickstart").await;
    world.edit("main.mirage", |t| t.replace("nginx:1.27", "nginx:1.28"));
    let (project, env) = world.environment_id("quickstart", "production").await;
    let web = world.service_id(&env, "web").await;
    let client = client(&world);
    let plan = plan_now(&world, &client, &project).await;
    assert!(plan.has_changes());
    // Someone changes the environment after the plan read it.
    world.touch(&env).await;
    let report =
        apply::apply_rechecked(&client, &plan, &plan::env_secrets, &Progress::quiet()).await;
    assert!(!report.succeeded());
    let (resource, status) = &report.steps[0];
    assert_eq!(*resource, apply::Step::Environment("production".into()));
    let Status::Failed(reason) = status else {
        panic!("refused: {status:?}")
    };
    assert!(
        reason.contains("changed on Railway since the plan read it")
            && reason.contains("nothing was applied"),
        "{reason}"
    );
    assert_eq!(report.steps.len(), 1, "nothing else was attempted");
    let (config, _) = world.harness.config(&env).await;
    assert_eq!(config["services"][&web]["source"]["image"], "nginx:1.27");
    // A plan made now applies, keeping the other person's change.
    let plan = plan_now(&world, &client, &project).await;
    let report = apply::apply(&client, &plan, &plan::env_secrets, &Progress::quiet()).await;
    assert!(report.succeeded(), "{:?}", report.steps);
    let (config, _) = world.harness.config(&env).await;
    assert_eq!(config["services"][&web]["source"]["image"], "nginx:1.28");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_re_check_costs_one_read_and_auto_approve_skips_it() {
    let world = World::applied("quickstart").await;
    world.edit("main.mirage", |t| t.replace("nginx:1.27", "nginx:1.28"));
    let (project, _) = world.environment_id("quickstart", "production").await;
    let client = client(&world);
    let plan = plan_now(&world, &client, &project).await;
    let before = client.requests_sent();
    let report =
        apply::apply_rechecked(&client, &plan, &plan::env_secrets, &Progress::quiet()).await;
    assert!(report.succeeded(), "{:?}", report.steps);
    assert_eq!(
        client.requests_sent() - before,
        2,
        "one etag read, one commit"
    );
    // The next change, applied at once after its plan: the commit alone.
    world.edit("main.mirage", |t| t.replace("nginx:1.28", "nginx:1.29"));
    let plan = plan_now(&world, &client, &project).await;
    let before = client.requests_sent();
    let report = apply::apply(&client, &plan, &plan::env_secrets, &Progress::quiet()).await;
    assert!(report.succeeded(), "{:?}", report.steps);
    assert_eq!(client.requests_sent() - before, 1, "one commit");
}
