//! Several resources of one name on Railway, made by anyone, are refused
//! by plan with every id, never silently picked.

mod railway_support;
mod support;

use railway_support::{Reply, Server};
use serde_json::{Value, json};
use support::{Run, World};

const PROJECT: &str = "acme-shop";
const CONFLICT: &str = "mirage::plan::duplicate_on_railway";

/// What the emulator holds for the project, counted over GraphQL.
#[derive(Debug, PartialEq, Eq)]
struct Census {
    /// Projects called `acme-shop`.
    projects: usize,
    /// Environment names, sorted (a duplicate shows twice).
    environments: Vec<String>,
    /// Service names, sorted.
    services: Vec<String>,
    /// Volumes of the project.
    volumes: usize,
}

async fn census(world: &World) -> Census {
    let reply = world
        .harness
        .gql(
            "{ projects { edges { node { name environments { edges { node { name } } } services { edges { node { name } } } volumes { edges { node { id } } } } } } }",
            json!({}),
        )
        .await;
    let projects: Vec<Value> = reply.data()["projects"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|edge| edge["node"].clone())
        .filter(|node| node["name"] == PROJECT)
        .collect();
    let names = |key: &str| -> Vec<String> {
        let mut names: Vec<String> = projects
            .iter()
            .flat_map(|p| p[key]["edges"].as_array().cloned().unwrap_or_default())
            .map(|edge| edge["node"]["name"].as_str().unwrap_or_default().to_owned())
            .collect();
        names.sort();
        names
    };
    Census {
        projects: projects.len(),
        environments: names("environments"),
        services: names("services"),
        volumes: projects
            .iter()
            .map(|p| p["volumes"]["edges"].as_array().map_or(0, Vec::len))
            .sum(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_projects_of_one_name_are_refused_with_their_ids() {
    let world = World::with_example("saas").await;
    let (first, _) = world.harness.project(PROJECT).await;
    let (second, _) = world.harness.project(PROJECT).await;
    let plan = world.plan().await;
    assert_eq!(plan.code, Some(1), "{}{}", plan.stdout, plan.stderr);
    for wanted in [CONFLICT, &first, &second, "help:", "project.mirage"] {
        assert!(
            plan.stderr.contains(wanted),
            "plan names {wanted}:\n{}",
            plan.stderr
        );
    }
    let apply = world.mirage(&["apply", ".", "--auto-approve"]).await;
    assert_eq!(apply.code, Some(1), "apply refuses too");
    assert_eq!(census(&world).await.projects, 2, "nothing was created");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_volumes_on_one_service_instance_are_refused_with_their_ids() {
    let world = World::applied("saas").await;
    let (project_id, staging) = world.environment_id(PROJECT, "staging").await;
    let db = world.service_id(&staging, "db").await;
    let (config, _) = world.harness.config(&staging).await;
    let first = config["services"][&db]["volumeMounts"]
        .as_object()
        .and_then(|mounts| mounts.keys().next().cloned())
        .expect("db has a volume in staging");
    // Someone adds a second volume to `db` in staging.
    let reply = world
        .harness
        .gql(
            "mutation($i: VolumeCreateInput!) { volumeCreate(input: $i) { id } }",
            json!({"i": {"projectId": project_id, "mountPath": "/extra", "serviceId": db,
                         "environmentId": staging}}),
        )
        .await;
    let second = reply.data()["volumeCreate"]["id"]
        .as_str()
        .expect("a volume id")
        .to_owned();
    let plan = world.plan().await;
    assert_eq!(plan.code, Some(1), "{}{}", plan.stdout, plan.stderr);
    for wanted in [
        CONFLICT,
        &first,
        &second,
        "`db`",
        "`staging`",
        "help:",
        "services.mirage",
    ] {
        assert!(
            plan.stderr.contains(wanted),
            "plan names {wanted}:\n{}",
            plan.stderr
        );
    }
    // Production is untouched by the conflict in staging.
    let production = world
        .mirage(&["plan", ".", "--env", "production", "--detailed-exitcode"])
        .await;
    assert_eq!(production.code, Some(0), "{}", production.stderr);
}

/// One environment's entry in a scripted project snapshot.
fn environment(id: &str, name: &str) -> Value {
    json!({"node": {"id": id, "name": name, "isEphemeral": false, "unmergedChangesCount": 0,
                    "configEtag": format!("etag-{id}"),
                    "config": {"services": {}, "sharedVariables": {}, "volumes": {}}}})
}

fn named(id: &str, name: &str) -> Value {
    json!({"node": {"id": id, "name": name}})
}

/// Plans against a scripted Railway that holds `environments` and
/// `services` (the emulator refuses duplicate names, as Railway's
/// dashboard does, so only a scripted answer can hold them).
fn plan_against(environments: Vec<Value>, services: Vec<Value>) -> (Run, Vec<String>) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let page = json!({"hasNextPage": false, "endCursor": null});
    let listing = json!({"data": {"projects": {"edges": [{"node": {
        "id": "p-1", "name": PROJECT, "description": null, "deletedAt": null,
        "environments": {"edges": []}, "services": {"edges": []}}}], "pageInfo": page}}});
    let snapshot = json!({"data": {"project": {"id": "p-1", "name": PROJECT,
        "environments": {"edges": environments, "pageInfo": page},
        "services": {"edges": services, "pageInfo": page},
        "volumes": {"edges": [], "pageInfo": page}}}});
    runtime.block_on(async {
        let server = Server::start(vec![Reply::json(listing), Reply::json(snapshot)]).await;
        let dir = tempfile::tempdir().expect("tempdir");
        support::copy_dir(&support::repo_root().join("examples/saas"), dir.path())
            .expect("copy the example");
        let url = server.url.clone();
        let path = dir.path().to_path_buf();
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new(support::mirage_bin())
                .args(["plan", "."])
                .current_dir(&path)
                .env("MIRAGE_RAILWAY_URL", url)
                .env("RAILWAY_API_TOKEN", "scripted")
                .env_remove("RAILWAY_TOKEN")
                .env("NO_COLOR", "1")
                .output()
                .expect("running mirage")
        })
        .await
        .expect("the binary runs");
        let queries = server
            .received()
            .iter()
            .map(|r| r.query().to_owned())
            .collect();
        (
            Run {
                code: output.status.code(),
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            },
            queries,
        )
    })
}

#[test]
fn two_services_or_environments_of_one_name_are_refused_with_their_ids() {
    let production = environment("e-prod", "production");
    // Two services called `api`.
    let (plan, queries) = plan_against(
        vec![production.clone()],
        vec![
            named("s-api-1", "api"),
            named("s-api-2", "api"),
            named("s-web", "web"),
        ],
    );
    assert_eq!(queries.len(), 2, "one listing, one read: {queries:?}");
    assert_eq!(plan.code, Some(1), "{}{}", plan.stdout, plan.stderr);
    for wanted in [
        CONFLICT,
        "2 services are called `api`",
        "`s-api-1`",
        "`s-api-2`",
        "help:",
        "services.mirage",
    ] {
        assert!(plan.stderr.contains(wanted), "{wanted}:\n{}", plan.stderr);
    }
    assert!(!plan.stderr.contains("s-web"), "{}", plan.stderr);

    // Two environments called `staging`.
    let (plan, _) = plan_against(
        vec![
            production,
            environment("e-stg-1", "staging"),
            environment("e-stg-2", "staging"),
        ],
        vec![],
    );
    assert_eq!(plan.code, Some(1), "{}{}", plan.stdout, plan.stderr);
    for wanted in [
        CONFLICT,
        "2 environments are called `staging`",
        "`e-stg-1`",
        "`e-stg-2`",
        "help:",
        "environments.mirage",
    ] {
        assert!(plan.stderr.contains(wanted), "{wanted}:\n{}", plan.stderr);
    }
}
