//! Templates for previews (`environment "pr" ephemeral=#true`) against the
//! emulator, through the real binary: plans list the template and never
//! apply it, `--env TEMPLATE` is refused with a pointer to `mirage preview
//! up`, `config`/`graph` still show it, and an environment of the
//! template's name that an older Mirage applied is kept, and said so.

use crate::support;

use serde_json::{Value, json};
use support::World;

/// The environment names of project `name` on the emulator.
async fn environment_names(world: &World, name: &str) -> Vec<String> {
    let mut names: Vec<String> = world
        .project(name)
        .await
        .environments
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn the_saas_template_is_listed_and_never_applied() {
    let world = World::with_example("saas").await;
    let plan = world.plan().await;
    assert_eq!(plan.code, Some(2), "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout.contains(
            "template \"pr\": previews \"pr-{number}\" (ttl 72h, at most 10 live), made by `mirage preview up`"
        ),
        "{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("environment \"pr\""),
        "{}",
        plan.stdout
    );
    let markdown = world
        .mirage(&["plan", ".", "--format", "markdown"])
        .await
        .ok("plan --format markdown");
    assert!(
        markdown.stdout.contains(
            "- template `pr`: previews `pr-{number}` (ttl 72h, at most 10 live), made by `mirage preview up`"
        ),
        "{}",
        markdown.stdout
    );
    let json_plan = world
        .mirage(&["plan", ".", "--format", "json"])
        .await
        .ok("plan --format json");
    let parsed: Value = serde_json::from_str(&json_plan.stdout).expect("the plan is JSON");
    assert_eq!(
        parsed["templates"],
        json!([{
            "name": "pr",
            "name_pattern": "pr-{number}",
            "ttl_seconds": 259200,
            "max_live": 10,
            "source": null,
            "services": ["db", "cache", "api", "web"],
            "drafts": false
        }])
    );
    let environments: Vec<&str> = parsed["environments"]
        .as_array()
        .expect("environments")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(environments, ["production", "staging"]);

    world.apply().await;
    assert_eq!(
        environment_names(&world, "acme-shop").await,
        ["production", "staging"],
        "no `pr` environment is created"
    );
    let again = world.plan().await;
    assert_eq!(again.code, Some(0), "{}", again.stdout);
    assert!(again.stdout.contains("template \"pr\""), "{}", again.stdout);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn env_naming_a_template_is_refused_but_config_and_graph_show_it() {
    let world = World::with_example("saas").await;
    for command in [
        &["plan", ".", "--env", "pr"][..],
        &["apply", ".", "--env", "pr", "--auto-approve"],
        &["destroy", ".", "--env", "pr", "--auto-approve"],
    ] {
        let run = world.mirage(command).await;
        assert_eq!(
            run.code,
            Some(2),
            "{command:?}: {}{}",
            run.stdout,
            run.stderr
        );
        assert!(
            run.stderr
                .contains("`pr` is a template for previews, never applied as an environment"),
            "{command:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("mirage preview up --pr N"),
            "{command:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("`pr-123`"),
            "{command:?}: {}",
            run.stderr
        );
    }
    assert!(
        world.projects().await.is_empty(),
        "nothing was created on Railway"
    );
    let config = world
        .mirage(&["config", ".", "--env", "pr", "--json"])
        .await
        .ok("config --env pr");
    let parsed: Value = serde_json::from_str(&config.stdout).expect("config is JSON");
    let pr = &parsed["environments"]["pr"];
    assert_eq!(pr["preview"]["name"], "pr-{number}");
    assert_eq!(pr["preview"]["maxLive"], 10);
    assert_eq!(
        pr["services"]["web"]["variables"]["PREVIEW_URL"],
        "https://pr-{number}.shop.example"
    );
    assert_eq!(
        pr["services"]["web"]["networking"]["customDomains"]
            .as_object()
            .map(|d| d.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["{environment}.shop.example".to_owned()]),
        "a template keeps the pattern: each preview puts its name in it"
    );
    let graph = world
        .mirage(&["graph", ".", "--env", "pr"])
        .await
        .ok("graph --env pr");
    assert!(graph.stdout.contains("api"), "{}", graph.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn environments_named_as_previews_are_listed_under_their_template() {
    let world = World::applied("saas").await;
    let (project_id, _) = world.environment_id("acme-shop", "staging").await;
    for name in ["pr-7", "pr-007", "other"] {
        world
            .harness
            .gql(
                "mutation($p: String!, $n: String!) { environmentCreate(input: {projectId: $p, name: $n}) { id } }",
                json!({"p": project_id, "n": name}),
            )
            .await
            .data();
    }
    let plan = world.plan().await;
    assert_eq!(plan.code, Some(0), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("    live previews: \"pr-7\"\n"),
        "{}",
        plan.stdout
    );
    // `pr-007` is no name the pattern gives; it and `other` are unmanaged.
    assert!(
        plan.stdout.contains("environment \"pr-007\"\n"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("environment \"other\"\n"),
        "{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("environment \"pr-7\"\n"),
        "a preview is not listed as unmanaged: {}",
        plan.stdout
    );
}

/// Before templates, `apply` made `pr` as an ordinary environment. Once it
/// is a template again the plan keeps that environment and its services
/// (never updated, never destroyed) and says so.
#[tokio::test(flavor = "multi_thread")]
async fn an_environment_applied_before_it_became_a_template_is_kept() {
    let world = World::with_example("saas").await;
    let as_template = std::fs::read_to_string(world.path().join("environments.mirage"))
        .expect("environments.mirage");
    // What an older Mirage saw: `pr` as a literal environment.
    std::fs::write(
        world.path().join("environments.mirage"),
        "environment \"production\" layer=\"prod\" {\n    service \"api\" {\n        replicas 4\n        domain \"api.shop.example\"\n    }\n    service \"web\" {\n        domain \"shop.example\"\n    }\n}\nenvironment \"staging\" layer=\"dev\"\nenvironment \"pr\" layer=\"dev\"\n",
    )
    .expect("write");
    world.apply().await;
    assert_eq!(
        environment_names(&world, "acme-shop").await,
        ["pr", "production", "staging"]
    );
    let (_, pr) = world.environment_id("acme-shop", "pr").await;
    let (before, _) = world.harness.config(&pr).await;

    std::fs::write(world.path().join("environments.mirage"), as_template).expect("write");
    let plan = world.plan().await;
    assert_eq!(plan.code, Some(0), "nothing to apply: {}", plan.stdout);
    assert!(
        plan.stdout.contains(
            "    environment \"pr\" exists on Railway (Mirage created it before it became a template, with "
        ),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("kept as it is, never updated nor destroyed by a plan"),
        "{}",
        plan.stdout
    );
    let json_plan = world
        .mirage(&["plan", ".", "--format", "json"])
        .await
        .ok("plan --format json");
    let parsed: Value = serde_json::from_str(&json_plan.stdout).expect("JSON");
    let existing = &parsed["templates"][0]["existing"];
    assert_eq!(existing["id"], json!(pr));
    assert_eq!(existing["created_by_mirage"], json!(true));
    assert_eq!(
        existing["owned_services"],
        json!(["api", "cache", "db", "web", "worker"])
    );
    world
        .mirage(&["apply", ".", "--auto-approve", "--allow-destroy"])
        .await
        .ok("apply");
    let (after, _) = world.harness.config(&pr).await;
    assert_eq!(before, after, "`pr` was neither changed nor destroyed");
    assert_eq!(
        environment_names(&world, "acme-shop").await,
        ["pr", "production", "staging"]
    );
}

/// A template's secrets are its previews' to read: planning the project
/// reads only what it applies, so a secret only previews use need not be
/// set where plans run.
#[tokio::test(flavor = "multi_thread")]
async fn a_secret_only_the_template_uses_is_not_read_by_plans() {
    let world = World::with_files(&[(
        "main.mirage",
        "project \"shop\"\nservice \"api\" {\n    image \"nginx:1.27\"\n}\nenvironment \"staging\"\nenvironment \"pr\" ephemeral=#true {\n    vars {\n        PREVIEW_TOKEN (secret)\"env:MIRAGE_TEST_PREVIEW_ONLY\"\n    }\n}\n",
    )])
    .await;
    let plan = world
        .mirage_without(
            &["plan", ".", "--detailed-exitcode"],
            &["MIRAGE_TEST_PREVIEW_ONLY"],
        )
        .await;
    assert_eq!(plan.code, Some(2), "{}{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("template \"pr\""), "{}", plan.stdout);
    world
        .mirage_without(
            &["apply", ".", "--auto-approve"],
            &["MIRAGE_TEST_PREVIEW_ONLY"],
        )
        .await
        .ok("apply");
    assert_eq!(environment_names(&world, "shop").await, ["staging"]);
}
