//! Writes whose outcome is unknown are never blindly repeated.
//!
//! The real `mirage` binary applies `examples/saas` against the emulator
//! while its fault knobs lose answers: the connection dropped *after* the
//! emulator carried a request out (its effect is committed, the answer
//! never arrives), 5xx answers before or after execution, 429s with
//! `Retry-After`. Every time, the emulator must end up holding exactly one
//! of each resource (counted over GraphQL), everything on it owned in the
//! state database, nothing replaced, and a plan with no changes. Then:
//! duplicates made by someone else are refused by plan, and the fault
//! suite runs 20 seeded applies at 20 % of requests dropped after
//! execution.

use crate::railway_support;
use crate::support;

use std::time::{Duration, Instant};

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

/// What a clean apply of `examples/saas` makes.
async fn expected() -> Census {
    let world = World::applied("saas").await;
    let census = census(&world).await;
    assert_eq!(census.projects, 1);
    assert!(census.volumes >= 4, "{census:?}");
    census
}

async fn set_faults(world: &World, faults: Value) {
    let (status, body) = world
        .harness
        .admin_status("faults", json!({ "faults": faults }))
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn faults_injected(world: &World) -> u64 {
    world.harness.stats().await["faults_injected"]
        .as_u64()
        .expect("a fault counter")
}

fn assert_no_replace(run: &Run, what: &str) {
    assert!(
        !run.stdout.contains("to replace") && !run.stdout.contains('±'),
        "{what}: a replacement was planned\n{}",
        run.stdout
    );
}

/// Everything that must hold after an apply that met faults.
async fn assert_exactly_once(world: &World, expected: &Census, what: &str) {
    world.assert_no_changes(what).await;
    assert_eq!(&census(world).await, expected, "{what}");
    world.assert_all_owned(PROJECT, what).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_to_each_kind_of_creation_is_read_back() {
    let expected = expected().await;
    for operation in [
        "projectCreate",
        "environmentCreate",
        "serviceCreate",
        "volumeCreate",
    ] {
        let world = World::with_example("saas").await;
        // The first such request is carried out, then its connection is
        // dropped: the answer never arrives.
        set_faults(
            &world,
            json!([{"kind": "drop", "after": true, "operation": operation, "nth": 1}]),
        )
        .await;
        let run = world.mirage(&["apply", ".", "--auto-approve"]).await;
        assert_eq!(faults_injected(&world).await, 1, "{operation}");
        assert_no_replace(&run, operation);
        assert_exactly_once(&world, &expected, operation).await;
        let run = run.ok(operation);
        assert!(
            run.stderr.contains("read back: it exists"),
            "{operation}: the apply says it read the lost creation back\n{}",
            run.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_5xx_answer_to_a_creation_is_read_back_not_resent() {
    let expected = expected().await;
    for (operation, status, body, after, found) in [
        // Carried out, then a gateway error: found on the read-back.
        ("serviceCreate", 502, true, true, "read back: it exists"),
        ("volumeCreate", 503, false, true, "read back: it exists"),
        // Refused before execution: not found, so created (a fresh write).
        (
            "environmentCreate",
            500,
            true,
            false,
            "read back: it does not exist, creating it",
        ),
    ] {
        let what = format!("{status} on {operation} (after execution: {after})");
        let world = World::with_example("saas").await;
        set_faults(
            &world,
            json!([{"kind": "status", "status": status, "body": body, "after": after,
                    "operation": operation, "nth": 1}]),
        )
        .await;
        let run = world.mirage(&["apply", ".", "--auto-approve"]).await;
        assert_eq!(faults_injected(&world).await, 1, "{what}");
        assert_no_replace(&run, &what);
        assert_exactly_once(&world, &expected, &what).await;
        let run = run.ok(&what);
        assert!(run.stderr.contains(found), "{what}\n{}", run.stderr);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn new_volumes_whose_size_was_not_written_are_not_replaced() {
    let expected = expected().await;
    let world = World::with_example("saas").await;
    // The volumes are created (Railway's default size, 5000 MB), then the
    // commit that sizes them (`cache` wants 1 GB) fails before it is
    // carried out.
    set_faults(
        &world,
        json!([{"kind": "status", "status": 503, "body": true,
                "operation": "environmentPatchCommit", "nth": 1}]),
    )
    .await;
    let first = world.mirage(&["apply", ".", "--auto-approve"]).await;
    assert_eq!(first.code, Some(1), "{}{}", first.stdout, first.stderr);
    // Making a volume nobody sized smaller is not a replacement.
    let second = world.apply().await;
    assert_no_replace(&second, "the apply after the failed commit");
    assert_exactly_once(&world, &expected, "a failed sizing commit").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_creation_is_retried_after_retry_after() {
    let expected = expected().await;
    let world = World::with_example("saas").await;
    // HTTP 429 refuses the request: it was not carried out.
    set_faults(
        &world,
        json!([{"kind": "status", "status": 429, "body": true, "retry_after": 1,
                "operation": "serviceCreate", "nth": 1}]),
    )
    .await;
    let started = Instant::now();
    let run = world.apply().await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "`Retry-After: 1` was honoured: {:?}",
        started.elapsed()
    );
    assert_eq!(faults_injected(&world).await, 1);
    assert!(
        !run.stderr.contains("read back"),
        "a refused request needs no read-back\n{}",
        run.stderr
    );
    // Refused once, then carried out once: no duplicate.
    assert_exactly_once(&world, &expected, "429 on serviceCreate").await;
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
            crate::support::mirage_command()
                .args(["plan", "."])
                .current_dir(&path)
                .env("MIRAGE_RAILWAY_URL", url)
                .env("RAILWAY_API_TOKEN", "scripted")
                .env_remove("RAILWAY_TOKEN")
                .env("NO_COLOR", "1")
                // Secrets are read before Railway is.
                .env("STRIPE_KEY", support::STRIPE)
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

/// The fault suite: 20 applies of `examples/saas`, each against a fresh
/// emulator that drops the connection after carrying out 20 % of requests
/// (seeded per run), re-run until the apply succeeds (at most 10 times).
#[tokio::test(flavor = "multi_thread")]
async fn twenty_applies_at_twenty_percent_lost_answers_converge() {
    const RUNS: u64 = 20;
    const ATTEMPTS: usize = 10;
    let expected = expected().await;
    let run_one = |seed: u64| {
        let expected = &expected;
        async move {
            let world = World::with_example("saas").await;
            set_faults(
                &world,
                json!([{"kind": "drop", "after": true, "rate": 0.2, "seed": seed}]),
            )
            .await;
            let mut log = String::new();
            let mut converged = false;
            for attempt in 1..=ATTEMPTS {
                let run = world.mirage(&["apply", ".", "--auto-approve"]).await;
                log.push_str(&format!(
                    "--- seed {seed}, apply {attempt}: exit {:?}\n{}{}",
                    run.code, run.stdout, run.stderr
                ));
                assert_no_replace(&run, &format!("seed {seed}, apply {attempt}\n{log}"));
                if run.code == Some(0) {
                    converged = true;
                    break;
                }
            }
            assert!(
                converged,
                "seed {seed}: no convergence in {ATTEMPTS} applies\n{log}"
            );
            let injected = faults_injected(&world).await;
            let applies = log.matches("--- seed").count();
            eprintln!("seed {seed}: converged after {applies} applies, {injected} answers lost");
            set_faults(&world, json!([])).await;
            let what = format!("seed {seed} ({injected} answers lost)");
            assert_exactly_once(&world, expected, &what).await;
            injected
        }
    };
    let mut injected = 0;
    // Four worlds at a time: the binaries mostly wait on each other.
    for first in (0..RUNS).step_by(4) {
        let batch = (first..(first + 4).min(RUNS)).map(|seed| run_one(seed + 1));
        injected += futures_util::future::join_all(batch)
            .await
            .into_iter()
            .sum::<u64>();
    }
    assert!(injected >= RUNS, "only {injected} answers were lost in all");
}
