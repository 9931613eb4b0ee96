//! `mirage projects` (issue #19): the account browsed read-only, in one
//! request, by the real binary against the emulator over HTTP — with an
//! account token (every project, with counts), a project token (its own
//! project only), and for a person with no project yet.

use serde_json::{Value, json};

use crate::support::World;

const FILES: &str = r#"project "shop"

service "api" {
    image "nginx:1.27"
}

service "worker" {
    image "busybox:1.36"
    start "sleep 3600"
}

environment "production"
environment "staging"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projects_lists_every_project_with_counts_in_one_request() {
    let world = World::with_files(&[("main.mirage", FILES)]).await;
    world.apply().await;
    // A second project, made by hand on Railway (no files).
    world.harness.project("blog").await;

    let before = world.harness.requests().await;
    let table = world.mirage(&["projects"]).await.ok("projects");
    let after = world.harness.requests().await;
    assert_eq!(
        after - before,
        1,
        "one request lists them\n{}",
        table.stdout
    );
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(lines[0].starts_with("NAME"), "{}", table.stdout);
    assert!(
        lines[1].starts_with("blog ") && lines[2].starts_with("shop "),
        "by name\n{}",
        table.stdout
    );
    let shop: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(&shop[..3], ["shop", "2", "2"], "{}", table.stdout);
    assert!(
        table.stdout.contains("2 projects (1 request)"),
        "{}",
        table.stdout
    );

    let json = world
        .mirage(&["projects", "--json"])
        .await
        .ok("projects --json");
    let parsed: Value = serde_json::from_str(&json.stdout).expect("JSON");
    let shop = parsed["projects"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "shop"))
        .expect("shop listed");
    assert_eq!(shop["environments"], json!(["production", "staging"]));
    assert_eq!(shop["services"], json!(["api", "worker"]));
    assert_eq!(parsed["requests"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_token_sees_its_own_project_and_says_so() {
    let world = World::with_files(&[("main.mirage", FILES)]).await;
    world.apply().await;
    world.harness.project("blog").await;
    let (project_id, environment_id) = world.environment_id("shop", "staging").await;
    let reply = world
        .harness
        .gql(
            "mutation($p: String!, $e: String!) { projectTokenCreate(input: {projectId: $p, environmentId: $e, name: \"ci\"}) }",
            json!({"p": project_id, "e": environment_id}),
        )
        .await;
    let token = reply.data()["projectTokenCreate"]
        .as_str()
        .expect("a project token")
        .to_owned();
    let run = world
        .mirage_with(&["projects"], &[("RAILWAY_TOKEN", token.as_str())])
        .await
        .ok("projects with a project token");
    assert!(
        run.stdout
            .contains("sees environment `staging` of project `shop` only"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("blog"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_project_yet_says_what_to_do() {
    let world = World::with_files(&[]).await;
    let run = world.mirage(&["projects"]).await.ok("projects");
    assert!(
        run.stdout.starts_with("No projects: the token sees none."),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ls_shows_a_projects_environments_and_services_in_two_requests() {
    let world = World::with_files(&[("main.mirage", FILES)]).await;
    world.apply().await;
    world.harness.project("blog").await;

    let before = world.harness.requests().await;
    let run = world.mirage(&["ls", "shop"]).await.ok("ls shop");
    let after = world.harness.requests().await;
    assert_eq!(after - before, 2, "list + read\n{}", run.stdout);
    assert!(
        run.stdout.starts_with("Project `shop` ("),
        "a header\n{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("2 environments, 2 services"),
        "{}",
        run.stdout
    );
    for env in ["production", "staging"] {
        assert!(
            run.stdout.lines().any(|l| l == env),
            "environment `{env}` listed\n{}",
            run.stdout
        );
    }
    let api: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("api "))
        .collect();
    assert_eq!(api.len(), 2, "api in each environment\n{}", run.stdout);
    assert!(api[0].contains("image:nginx:1.27"), "{}", run.stdout);
    // No files are involved; the state database at hand (the apply's)
    // owns every service: nothing is called unmanaged.
    assert!(!run.stdout.contains("unmanaged"), "{}", run.stdout);

    let json = world
        .mirage(&["ls", "shop", "--json"])
        .await
        .ok("ls --json");
    let parsed: Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(parsed["project"], "shop");
    let envs: Vec<&str> = parsed["environments"]
        .as_array()
        .expect("environments")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(envs, ["production", "staging"]);

    // By id too; and without a project, the projects.
    let id = parsed["project_id"].as_str().expect("an id").to_owned();
    world.mirage(&["ls", &id]).await.ok("ls by id");
    let root = world.mirage(&["ls"]).await.ok("ls");
    assert!(root.stdout.starts_with("NAME"), "{}", root.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ls_of_an_unknown_project_suggests_the_closest() {
    let world = World::with_files(&[("main.mirage", FILES)]).await;
    world.apply().await;
    let run = world.mirage(&["ls", "shoop"]).await;
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("no project called `shoop`")
            && run.stderr.contains("did you mean `shop`?"),
        "{}",
        run.stderr
    );
}
