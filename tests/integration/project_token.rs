//! A project token (`RAILWAY_TOKEN`) is scoped by Railway to one
//! environment of one project (API-NOTES §1): with one, plan and apply read
//! and change that environment only — the real binary against the emulator
//! over HTTP, on a project with two environments (issue #14).

use serde_json::json;

use crate::support::World;

const FILES: &str = r#"project "scoped"

service "api" {
    image "nginx:1.27"
    vars {
        LOG_LEVEL "info"
    }
}

environment "production"
environment "staging"
"#;

/// A project token for environment `env` of the applied project `scoped`.
async fn project_token(world: &World, env: &str) -> String {
    let (project_id, environment_id) = world.environment_id("scoped", env).await;
    let reply = world
        .harness
        .gql(
            "mutation($p: String!, $e: String!) { projectTokenCreate(input: {projectId: $p, environmentId: $e, name: \"ci\"}) }",
            json!({"p": project_id, "e": environment_id}),
        )
        .await;
    reply.data()["projectTokenCreate"]
        .as_str()
        .expect("a project token")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_token_plans_and_applies_its_own_environment_only() {
    let world = World::with_files(&[("main.mirage", FILES)]).await;
    world.apply().await;
    let token = project_token(&world, "staging").await;
    let scoped = [("RAILWAY_TOKEN", token.as_str())];

    // Nothing changed yet: the token reads staging alone and finds it in
    // line with the files.
    let plan = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &scoped)
        .await;
    assert_eq!(
        plan.code,
        Some(0),
        "plan with a project token\n{}{}",
        plan.stdout,
        plan.stderr
    );

    // A change in every environment: the token plans staging's part only.
    world.edit("main.mirage", |text| {
        text.replace("LOG_LEVEL \"info\"", "LOG_LEVEL \"debug\"")
    });
    let plan = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &scoped)
        .await;
    assert_eq!(plan.code, Some(2), "{}{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("staging"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("production"), "{}", plan.stdout);
    assert!(
        plan.stderr.contains("project token") && plan.stderr.contains("`staging`"),
        "the plan says whose token it is\n{}",
        plan.stderr
    );

    world
        .mirage_with(&["apply", ".", "--auto-approve"], &scoped)
        .await
        .ok("apply with a project token");
    let plan = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &scoped)
        .await;
    assert_eq!(
        plan.code,
        Some(0),
        "after the apply\n{}{}",
        plan.stdout,
        plan.stderr
    );

    // Production was not touched: the account still sees its change.
    let account = world.plan().await;
    assert_eq!(
        account.code,
        Some(2),
        "{}{}",
        account.stdout,
        account.stderr
    );
    assert!(account.stdout.contains("production"), "{}", account.stdout);
    assert!(!account.stdout.contains("staging"), "{}", account.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_environment_or_project_is_refused_naming_the_tokens_own() {
    let world = World::with_files(&[("main.mirage", FILES)]).await;
    world.apply().await;
    let token = project_token(&world, "staging").await;
    let scoped = [("RAILWAY_TOKEN", token.as_str())];

    let run = world
        .mirage_with(&["plan", ".", "--env", "production"], &scoped)
        .await;
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "the project token (`RAILWAY_TOKEN`) is for environment `staging` of project `scoped`, not `production`"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(&token), "the token was printed");

    let run = world
        .mirage_with(
            &["apply", ".", "--target", "production/api", "--auto-approve"],
            &scoped,
        )
        .await;
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("not `production`"), "{}", run.stderr);

    // Files of another project: refused before anything is planned.
    world.edit("main.mirage", |text| {
        text.replace("project \"scoped\"", "project \"other\"")
    });
    let run = world.mirage_with(&["plan", "."], &scoped).await;
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "the project token (`RAILWAY_TOKEN`) is for project `scoped`, but the files declare `other`"
        ),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_project_token_is_a_clear_failure_that_does_not_show_it() {
    let world = World::with_files(&[("main.mirage", FILES)]).await;
    world.apply().await;
    let run = world
        .mirage_with(
            &["plan", "."],
            &[("RAILWAY_TOKEN", "not-a-project-token-NEVER_PRINT")],
        )
        .await;
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("cannot tell what the project token (`RAILWAY_TOKEN`) is for"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("NEVER_PRINT"), "{}", run.stderr);
}
