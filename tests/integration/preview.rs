//! Pull-request previews end to end: the real `mirage` binary (and the
//! preview room as a library, where the clock must be fixed) against the
//! emulator over HTTP, with the project's real state database.
//!
//! The project is the `saas` example (five services, a `pr` template with
//! `ttl="72h"`) with its custom domains replaced by generated ones.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Harness, STRIPE, World};
use mirage::engine::{Context, EndpointSource, Railway};
use mirage::model::PullRequest;
use mirage::preview::{self, Fate, GcReason, UpRequest};
use mirage::railway::{ClientOptions, Credentials, Token};
use mirage::state::{Actor, FixedClock, ResourceKind, Store, Timestamp};

/// The saas example, custom domains replaced by generated ones (a custom
/// domain is attached once in all of Railway), production and staging
/// applied.
pub(crate) async fn shop_with(harness: Harness) -> World {
    let world = World::with_harness("saas", harness).await;
    for file in ["services.mirage", "environments.mirage"] {
        world.edit(file, |text| {
            text.lines()
                .filter(|line| !line.trim_start().starts_with("domain \""))
                .map(|line| {
                    if line.trim() == "start \"node dist/server.js\"" {
                        format!("{line}\n    generated-domain")
                    } else {
                        line.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        });
    }
    world
        .mirage(&[
            "apply",
            ".",
            "--env",
            "production",
            "--env",
            "staging",
            "--auto-approve",
        ])
        .await
        .ok("apply production and staging");
    world
}

pub(crate) async fn shop() -> World {
    shop_with(Harness::start().await).await
}

/// Every environment of `acme-shop` but the previews, by name, with its
/// whole config (variables decrypted) and service instances; and the
/// project's services.
pub(crate) async fn everything_but_previews(world: &World) -> (BTreeMap<String, Value>, Value) {
    let reply = world
        .harness
        .gql(
            "{ projects { edges { node { name services { edges { node { id name } } } environments { edges { node { id name config(decryptVariables: true) serviceInstances { edges { node { serviceName source { repo image } } } } } } } } } } }",
            json!({}),
        )
        .await;
    let data = reply.data();
    let project = data["projects"]["edges"]
        .as_array()
        .expect("projects")
        .iter()
        .map(|e| &e["node"])
        .find(|p| p["name"] == "acme-shop")
        .expect("the project")
        .clone();
    let environments = project["environments"]["edges"]
        .as_array()
        .expect("environments")
        .iter()
        .map(|e| e["node"].clone())
        .filter(|e| !e["name"].as_str().unwrap_or_default().starts_with("pr-"))
        .map(|e| (e["name"].as_str().unwrap_or_default().to_owned(), e))
        .collect();
    (environments, project["services"].clone())
}

/// The environment called `name` of `acme-shop`: its id, if it exists.
pub(crate) async fn environment(world: &World, name: &str) -> Option<String> {
    world
        .projects()
        .await
        .into_iter()
        .find(|(n, _)| n == "acme-shop")
        .and_then(|(_, p)| {
            p.environments
                .into_iter()
                .find(|(n, _)| n == name)
                .map(|(_, id)| id)
        })
}

/// `source.branch` of every service instance with a repo in `env_id`.
pub(crate) async fn branches(world: &World, env_id: &str) -> BTreeMap<String, String> {
    let (config, _) = world.harness.config(env_id).await;
    let (_, services) = everything_but_previews(world).await;
    let names: BTreeMap<String, String> = services["edges"]
        .as_array()
        .expect("services")
        .iter()
        .map(|e| {
            (
                e["node"]["id"].as_str().unwrap_or_default().to_owned(),
                e["node"]["name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    config["services"]
        .as_object()
        .expect("services in the config")
        .iter()
        .filter(|(_, s)| s["source"]["repo"].is_string())
        .map(|(id, s)| {
            (
                names.get(id).cloned().unwrap_or_default(),
                s["source"]["branch"].as_str().unwrap_or("main").to_owned(),
            )
        })
        .collect()
}

/// The latest deployment's commit of every service in `env_id` that has one.
pub(crate) async fn commits(world: &World, env_id: &str) -> BTreeMap<String, String> {
    let reply = world
        .harness
        .gql(
            "query($e: String!) { environment(id: $e) { serviceInstances { edges { node { serviceName latestDeployment { meta } } } } } }",
            json!({"e": env_id}),
        )
        .await;
    reply.data()["environment"]["serviceInstances"]["edges"]
        .as_array()
        .expect("instances")
        .iter()
        .filter_map(|e| {
            let node = &e["node"];
            let commit = node["latestDeployment"]["meta"]["commitHash"].as_str()?;
            Some((
                node["serviceName"].as_str().unwrap_or_default().to_owned(),
                commit.to_owned(),
            ))
        })
        .collect()
}

fn store(world: &World) -> Store {
    Store::open(world.path().join(".mirage/state.db")).expect("the state database")
}

fn owned_in(store: &Store, environment: &str) -> usize {
    store
        .list_owned(&mirage::state::OwnedFilter::default())
        .expect("ownership")
        .iter()
        .filter(|r| {
            r.key.environment.as_deref() == Some(environment)
                || (r.key.kind == ResourceKind::Environment && r.key.name == environment)
        })
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn up_creates_updates_and_down_destroys_only_the_preview() {
    let world = shop().await;
    let before = everything_but_previews(&world).await;

    // Opened: the preview is created from the template, recorded, healthy.
    let up = world
        .mirage(&[
            "preview", "up", "--pr", "7", "--branch", "feat/x", "--sha", "aaaaaaa", ".",
        ])
        .await
        .ok("preview up");
    assert!(
        up.stdout.contains("Preview `pr-7` created"),
        "{}",
        up.stdout
    );
    assert!(up.stdout.contains("Status: ready"), "{}", up.stdout);
    assert!(
        up.stdout.contains("https://api-pr-7-") && up.stdout.contains(".up.railway.app"),
        "the URLs are printed: {}",
        up.stdout
    );
    let env_id = environment(&world, "pr-7").await.expect("pr-7 exists");
    let followed = branches(&world, &env_id).await;
    assert_eq!(
        followed.len(),
        2,
        "api and web (the example leaves the worker out of previews): {followed:?}"
    );
    assert!(
        followed.values().all(|b| b == "feat/x"),
        "repo services follow the PR's branch: {followed:?}"
    );
    let record = store(&world)
        .preview("acme-shop", "pr", 7)
        .unwrap()
        .expect("recorded");
    assert_eq!(record.environment_id.as_deref(), Some(env_id.as_str()));
    assert_eq!(record.sha.as_deref(), Some("aaaaaaa"));
    let first_deadline = record.expires_at.expect("a deadline");
    // now + ttl, "now" being the start of the run (the record is written
    // again with the environment's id a moment later: a second may tick
    // in between on a loaded machine).
    let ahead = first_deadline.0 - record.updated_at.0;
    assert!(
        (72 * 3600 - 5..=72 * 3600).contains(&ahead),
        "now + ttl: {ahead} s ahead"
    );

    // A plan of the project does not call the preview unmanaged.
    let plan = world.mirage(&["plan", ".", "--env", "production"]).await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);
    let plan = world.mirage(&["plan", ".", "--json"]).await;
    let json: Value = serde_json::from_str(&plan.stdout).expect("plan JSON");
    let unmanaged: Vec<&Value> = json["unmanaged"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    assert!(
        !unmanaged.iter().any(|u| u["name"] == "pr-7"),
        "a live preview is not an unmanaged environment: {unmanaged:?}"
    );

    // Synchronize: a new commit is deployed, the record follows.
    std::thread::sleep(Duration::from_millis(1100));
    let again = world
        .mirage(&[
            "preview", "up", "--pr", "7", "--branch", "feat/x", "--sha", "bbbbbbbb", "--format",
            "json", ".",
        ])
        .await
        .ok("preview up again");
    let outcome: Value = serde_json::from_str(&again.stdout).expect("JSON");
    assert_eq!(outcome["created"], false);
    assert_eq!(outcome["preview"]["health"], "ready");
    let deployed: Vec<&str> = outcome["deployed"]
        .as_array()
        .expect("deployed")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(deployed, ["api", "web"]);
    let commits = commits(&world, &env_id).await;
    for service in ["api", "web"] {
        assert_eq!(
            commits.get(service).map(String::as_str),
            Some("bbbbbbbb"),
            "{commits:?}"
        );
    }
    let record = store(&world)
        .preview("acme-shop", "pr", 7)
        .unwrap()
        .expect("still recorded");
    assert_eq!(record.sha.as_deref(), Some("bbbbbbbb"));
    assert!(
        record.expires_at.expect("deadline") > first_deadline,
        "a push extends the TTL"
    );
    assert_eq!(environment(&world, "pr-7").await, Some(env_id.clone()));
    world.assert_no_duplicates("acme-shop").await;

    // Listed.
    let list = world
        .mirage(&["preview", "list", "."])
        .await
        .ok("preview list");
    assert!(list.stdout.contains("#7"), "{}", list.stdout);
    assert!(list.stdout.contains("feat/x"), "{}", list.stdout);
    assert!(list.stdout.contains("ready"), "{}", list.stdout);

    // Closed: the preview is gone, and nothing else changed.
    let down = world
        .mirage(&["preview", "down", "--pr", "7", "."])
        .await
        .ok("preview down");
    assert!(
        down.stdout.contains("Destroyed preview `pr-7`"),
        "{}",
        down.stdout
    );
    assert_eq!(environment(&world, "pr-7").await, None);
    let store = store(&world);
    assert_eq!(owned_in(&store, "pr-7"), 0, "ownership forgotten");
    assert_eq!(store.preview("acme-shop", "pr", 7).unwrap(), None);
    assert_eq!(store.ttl("acme-shop", "pr-7").unwrap(), None);
    let after = everything_but_previews(&world).await;
    assert_eq!(
        before, after,
        "every other environment and service is as it was"
    );

    // Down of a preview that does not exist: a clear no-op.
    let noop = world
        .mirage(&["preview", "down", "--pr", "7", "."])
        .await
        .ok("preview down again");
    assert!(noop.stdout.contains("nothing to do"), "{}", noop.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_preview_up_costs_at_most_six_requests_and_its_markdown_is_the_comment() {
    let world = shop().await;
    let run = world
        .mirage(&[
            "preview", "up", "--pr", "12", "--branch", "feat/y", "--sha", "abcdef1", "--format",
            "json", ".",
        ])
        .await
        .ok("preview up");
    let outcome: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let requests = outcome["requests"].as_u64().expect("a count");
    assert!(
        requests <= 6,
        "{requests} Railway requests for a 5-service preview"
    );
    let markdown = world
        .mirage(&[
            "preview", "up", "--pr", "12", "--branch", "feat/y", "--sha", "abcdef1", "--format",
            "markdown", ".",
        ])
        .await
        .ok("preview up (markdown)");
    let body = markdown.stdout;
    assert!(
        body.starts_with("### :white_check_mark: Preview `pr-12` is ready"),
        "{body}"
    );
    assert!(
        body.contains("| `api` | :white_check_mark: ready | <https://api-pr-12-"),
        "{body}"
    );
    assert!(
        body.contains("Last commit deployed: `abcdef1` on `feat/y`"),
        "{body}"
    );
    assert!(body.contains("Expires: "), "{body}");
    assert!(!body.contains(STRIPE), "no secret in the comment");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_preview_removed_by_hand_is_forgotten() {
    let world = shop().await;
    world
        .mirage(&[
            "preview",
            "up",
            "--pr",
            "3",
            "--branch",
            "feat/z",
            "--no-wait",
            ".",
        ])
        .await
        .ok("preview up");
    let env_id = environment(&world, "pr-3").await.expect("pr-3");
    world
        .harness
        .gql(
            "mutation($id: String!) { environmentDelete(id: $id) }",
            json!({"id": env_id}),
        )
        .await
        .data();
    let list = world
        .mirage(&["preview", "list", "."])
        .await
        .ok("preview list");
    assert!(list.stdout.contains("gone"), "{}", list.stdout);
    let down = world
        .mirage(&["preview", "down", "--pr", "3", "."])
        .await
        .ok("preview down");
    assert!(down.stdout.contains("already gone"), "{}", down.stdout);
    let store = store(&world);
    assert_eq!(store.preview("acme-shop", "pr", 3).unwrap(), None);
    assert_eq!(owned_in(&store, "pr-3"), 0);
}

pub(crate) async fn set_faults(world: &World, faults: Value) {
    let (status, body) = world
        .harness
        .admin_status("faults", json!({ "faults": faults }))
        .await;
    assert_eq!(status, 200, "{body}");
}

pub(crate) async fn faults_injected(world: &World) -> u64 {
    world.harness.stats().await["faults_injected"]
        .as_u64()
        .expect("a fault counter")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fault_during_up_is_retried_or_fails_clearly_and_a_second_up_repairs_it() {
    let world = shop().await;
    // The answer to the environment's creation is lost after Railway
    // carried it out: read back, not created twice.
    set_faults(
        &world,
        json!([{"kind": "drop", "after": true, "operation": "environmentCreate", "nth": 1}]),
    )
    .await;
    world
        .mirage(&["preview", "up", "--pr", "8", "--branch", "feat/e", "."])
        .await
        .ok("preview up through a lost answer");
    assert_eq!(faults_injected(&world).await, 1);
    // The preview's config commit is refused (not carried out): a clear
    // failure...
    set_faults(
        &world,
        json!([{"kind": "status", "status": 503, "body": true,
                "operation": "environmentPatchCommit", "nth": 1}]),
    )
    .await;
    let failed = world
        .mirage(&[
            "preview",
            "up",
            "--pr",
            "9",
            "--branch",
            "feat/f",
            "--no-wait",
            "--message-format",
            "json",
            ".",
        ])
        .await;
    assert_eq!(failed.code, Some(1), "{}{}", failed.stdout, failed.stderr);
    assert_eq!(faults_injected(&world).await, 2);
    assert!(
        failed.stdout.contains("mirage::preview::apply_incomplete"),
        "{}",
        failed.stdout
    );
    assert!(
        failed.stdout.contains("run `mirage preview up` again"),
        "{}",
        failed.stdout
    );
    // ...that the next up repairs, without duplicates.
    set_faults(&world, json!([])).await;
    let repaired = world
        .mirage(&["preview", "up", "--pr", "9", "--branch", "feat/f", "."])
        .await
        .ok("the second preview up");
    assert!(
        repaired.stdout.contains("Status: ready"),
        "{}",
        repaired.stdout
    );
    let project = world.assert_no_duplicates("acme-shop").await;
    for name in ["pr-8", "pr-9"] {
        assert_eq!(
            project
                .environments
                .iter()
                .filter(|(n, _)| n == name)
                .count(),
            1,
            "{name}"
        );
        let env_id = environment(&world, name).await.expect("exists");
        assert_eq!(branches(&world, &env_id).await.len(), 2, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wait_that_runs_out_names_the_services_not_healthy() {
    // Each deployment phase lasts a minute: nothing is healthy in 1 s.
    let harness = Harness::with(mirage::emulator::Options {
        clock: Duration::from_secs(60),
        ..mirage::emulator::Options::default()
    })
    .await;
    let world = shop_with(harness).await;
    let run = world
        .mirage(&[
            "preview",
            "up",
            "--pr",
            "5",
            "--branch",
            "feat/slow",
            "--wait",
            "1s",
            "--format",
            "markdown",
            ".",
        ])
        .await;
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("was not healthy after 1s"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`api`"), "{}", run.stderr);
    assert!(run.stderr.contains("--wait 20m"), "{}", run.stderr);
    // The comment says so too, with the status per service.
    assert!(
        run.stdout.starts_with("### :x: Preview `pr-5` is failed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("> the deployments go on"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("| `api` | :hourglass_flowing_sand:"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_with_a_code_before_railway_is_asked() {
    let world = shop().await;
    let requests = world.harness.requests().await;
    for (args, code) in [
        (
            vec!["--pr", "0", "--branch", "x"],
            "mirage::preview::bad_number",
        ),
        (
            vec!["--pr", "abc", "--branch", "x"],
            "mirage::preview::bad_number",
        ),
        (
            vec!["--pr", "1", "--branch", "feat x"],
            "mirage::preview::bad_branch",
        ),
        (
            vec!["--pr", "1", "--branch", "feat\nx"],
            "mirage::preview::bad_branch",
        ),
        (
            vec!["--pr", "1", "--branch", "x", "--sha", "zzz"],
            "mirage::preview::bad_sha",
        ),
        (
            vec!["--pr", "1", "--branch", "x", "--template", "staging"],
            "mirage::preview::no_such_template",
        ),
        (
            vec!["--pr", "1", "--branch", "x", "--wait", "soon"],
            "mirage::preview::bad_wait",
        ),
    ] {
        let mut full = vec!["preview", "up"];
        full.extend(args.iter().copied());
        full.push(".");
        let run = world.mirage(&full).await;
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("help:"), "{args:?}: {}", run.stderr);
        full.extend(["--message-format", "json"]);
        let json = world.mirage(&full).await;
        assert_eq!(json.code, Some(2), "{args:?}: {}", json.stderr);
        assert!(
            json.stdout.contains(&format!("\"{code}\"")),
            "{args:?}: {}",
            json.stdout
        );
        // A newline given on the command line does not forge a line.
        assert!(
            !run.stderr.lines().any(|l| l.starts_with('x')),
            "{args:?}: {}",
            run.stderr
        );
    }
    let down = world.mirage(&["preview", "down", "--pr", "-3", "."]).await;
    assert_ne!(down.code, Some(0), "{}", down.stderr);
    assert_eq!(
        world.harness.requests().await,
        requests,
        "nothing was sent to Railway"
    );
    // No template in the project.
    let quickstart = World::with_example("quickstart").await;
    let run = quickstart
        .mirage(&[
            "preview",
            "up",
            "--pr",
            "1",
            "--branch",
            "x",
            "--message-format",
            "json",
            ".",
        ])
        .await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stdout.contains("mirage::preview::no_template"),
        "{}",
        run.stdout
    );
    // Two templates and no `--template`.
    world.edit("environments.mirage", |text| {
        format!("{text}\nenvironment \"qa\" layer=\"dev\" ephemeral=#true ttl=\"24h\"\n")
    });
    let run = world
        .mirage(&[
            "preview",
            "up",
            "--pr",
            "1",
            "--branch",
            "x",
            "--message-format",
            "json",
            ".",
        ])
        .await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stdout.contains("mirage::preview::ambiguous_template"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("`pr`, `qa`"), "{}", run.stdout);
}

/// A context for `world`'s emulator, its state in the project directory,
/// its clock `clock`.
pub(crate) fn context(world: &World, clock: Arc<FixedClock>) -> Context {
    context_at(&world.harness.emu.url(), &world.harness.token, clock)
}

/// A context for the emulator at `url` with account token `token`.
pub(crate) fn context_at(url: &str, token: &str, clock: Arc<FixedClock>) -> Context {
    let options = ClientOptions {
        credentials: Some(Credentials::Account(Token::new(token))),
        requests_per_second: 0.0,
        ..ClientOptions::default()
    }
    .with_endpoint(url);
    Context {
        clock,
        ..Context::new(
            Railway::Remote {
                options,
                endpoint_from: EndpointSource::Flag,
            },
            Actor::current(),
            Arc::new(|secret: &mirage::model::SecretRef| {
                if secret.location == "STRIPE_KEY" {
                    Ok(STRIPE.to_owned())
                } else {
                    Err("not set".to_owned())
                }
            }),
        )
    }
}

fn request(number: u64) -> UpRequest {
    UpRequest {
        pr: PullRequest {
            number,
            branch: format!("feat/{number}"),
            sha: None,
            repo: Some("acme/shop".to_owned()),
        },
        template: None,
        wait: Some(Duration::from_secs(30)),
        poll: Duration::from_millis(100),
        lock_wait: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn gc_destroys_expired_previews_and_evicts_the_oldest_beyond_max_live() {
    let world = shop().await;
    let start = Timestamp(1_900_000_000);
    let clock = Arc::new(FixedClock::at(start));
    let context = context(&world, clock.clone());
    let dir = world.path();
    for number in 1..=4 {
        let outcome = preview::up(&context, &dir, &request(number))
            .await
            .expect("preview up");
        assert!(outcome.problem.is_none(), "{:?}", outcome.problem);
        clock.advance(Duration::from_secs(3600));
    }
    // A push to #1 an hour later extends its TTL to now + 72h.
    let pushed = preview::up(&context, &dir, &request(1))
        .await
        .expect("push");
    assert_eq!(
        pushed.preview.record.expires_at,
        Some(Timestamp(start.0 + 4 * 3600 + 72 * 3600))
    );
    // 72 h 30 min after the start: #2 (created at +1 h) has expired, #1
    // was extended.
    clock.advance(Duration::from_secs(72 * 3600 - 4 * 3600 + 1800 + 3600));
    let dry = preview::gc(&context, &dir, true, None)
        .await
        .expect("dry run");
    let planned: Vec<(u64, GcReason)> = dry
        .collected
        .iter()
        .map(|h| (h.preview.number, h.reason.clone().expect("a reason")))
        .collect();
    assert_eq!(planned, [(2, GcReason::Expired)]);
    assert!(
        environment(&world, "pr-2").await.is_some(),
        "a dry run destroys nothing"
    );
    let outcome = preview::gc(&context, &dir, false, None).await.expect("gc");
    assert_eq!(outcome.collected.len(), 1);
    assert!(matches!(outcome.collected[0].fate, Fate::Destroyed { .. }));
    assert_eq!(outcome.kept, 3);
    assert_eq!(environment(&world, "pr-2").await, None);
    assert_eq!(store(&world).preview("acme-shop", "pr", 2).unwrap(), None);
    // With `max-live=2` (the template's; given as data here), the oldest
    // of the three live ones is evicted: #1 was created first, whatever
    // its push.
    let mut loaded = mirage::engine::load(&dir).expect("loads");
    for environment in &mut loaded.project.environments {
        if let Some(settings) = &mut environment.preview {
            settings.max_live = Some(2);
        }
    }
    let outcome = preview::gc_loaded(&context, &dir, &loaded, false, None)
        .await
        .expect("gc");
    let evicted: Vec<(u64, GcReason)> = outcome
        .collected
        .iter()
        .map(|h| (h.preview.number, h.reason.clone().expect("a reason")))
        .collect();
    assert_eq!(evicted, [(1, GcReason::Evicted { max_live: 2 })]);
    assert_eq!(outcome.kept, 2);
    assert_eq!(environment(&world, "pr-1").await, None);
    for number in [3, 4] {
        assert!(environment(&world, &format!("pr-{number}")).await.is_some());
    }
    let before = everything_but_previews(&world).await;
    let again = preview::gc_loaded(&context, &dir, &loaded, false, None)
        .await
        .expect("gc again");
    assert!(again.collected.is_empty(), "nothing more to collect");
    assert_eq!(before, everything_but_previews(&world).await);
    world.assert_no_duplicates("acme-shop").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_preview_from_a_source_is_a_copy_with_only_its_services_and_goes_whole() {
    let world = shop().await;
    let before = everything_but_previews(&world).await;
    let clock = Arc::new(FixedClock::at(Timestamp(1_900_000_000)));
    let context = context(&world, clock);
    let dir = world.path();
    // `preview source="staging" { services "api" "db" }`, given as data.
    let mut loaded = mirage::engine::load(&dir).expect("loads");
    for environment in &mut loaded.project.environments {
        if let Some(settings) = &mut environment.preview {
            settings.source = Some("staging".to_owned());
            settings.services = Some(vec!["api".to_owned(), "db".to_owned()]);
        }
    }
    let outcome = preview::up_loaded(&context, &dir, loaded.clone(), &request(21))
        .await
        .expect("preview up");
    assert!(outcome.problem.is_none(), "{:?}", outcome.problem);
    let names: Vec<&str> = outcome
        .preview
        .services
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["api", "db"],
        "the copy keeps only the preview's services"
    );
    let env_id = environment(&world, "pr-21").await.expect("pr-21");
    let reply = world
        .harness
        .gql(
            "query($e: String!) { environment(id: $e) { sourceEnvironment { name } } }",
            json!({"e": env_id}),
        )
        .await;
    assert_eq!(
        reply.data()["environment"]["sourceEnvironment"]["name"],
        "staging",
        "created with sourceEnvironmentId"
    );
    assert_eq!(
        branches(&world, &env_id)
            .await
            .get("api")
            .map(String::as_str),
        Some("feat/21")
    );
    world.assert_no_duplicates("acme-shop").await;
    // A second up changes nothing more and creates nothing twice.
    let again = preview::up_loaded(&context, &dir, loaded.clone(), &request(21))
        .await
        .expect("preview up again");
    assert!(!again.created);
    world.assert_no_duplicates("acme-shop").await;
    let down = preview::down(&context, &dir, 21, None, None)
        .await
        .expect("preview down");
    assert!(
        matches!(down.previews[0].fate, Fate::Destroyed { .. }),
        "{down:?}"
    );
    assert_eq!(environment(&world, "pr-21").await, None);
    assert_eq!(owned_in(&store(&world), "pr-21"), 0);
    assert_eq!(before, everything_but_previews(&world).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn previews_of_two_pull_requests_come_up_at_once() {
    // 50 ms per request: the two runs overlap for their whole length.
    let harness = Harness::with(mirage::emulator::Options {
        clock: Duration::ZERO,
        latency: Duration::from_millis(50),
        ..mirage::emulator::Options::default()
    })
    .await;
    let world = shop_with(harness).await;
    let (a, b) = tokio::join!(
        world.mirage(&["preview", "up", "--pr", "31", "--branch", "feat/a", "."]),
        world.mirage(&["preview", "up", "--pr", "32", "--branch", "feat/b", "."]),
    );
    let (a, b) = (a.ok("preview up #31"), b.ok("preview up #32"));
    assert!(a.stdout.contains("Status: ready"), "{}", a.stdout);
    assert!(b.stdout.contains("Status: ready"), "{}", b.stdout);
    world.assert_no_duplicates("acme-shop").await;
    let numbers: Vec<u64> = store(&world)
        .previews(Some("acme-shop"))
        .unwrap()
        .iter()
        .map(|p| p.number)
        .collect();
    assert_eq!(numbers.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_preview_of_a_project_not_applied_yet_is_refused() {
    let world = World::with_example("saas").await;
    let run = world
        .mirage(&[
            "preview",
            "up",
            "--pr",
            "1",
            "--branch",
            "x",
            "--message-format",
            "json",
            ".",
        ])
        .await;
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("mirage::preview::no_project"),
        "{}",
        run.stdout
    );
    assert!(world.projects().await.is_empty(), "nothing was created");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_diagnostics_read_as_recorded() {
    let world = World::with_example("saas").await;
    let mut text = String::new();
    for args in [
        &["up", "--pr", "0", "--branch", "x"][..],
        &["up", "--pr", "abc", "--branch", "x"],
        &["up", "--pr", "12", "--branch", "feat x"],
        &["up", "--pr", "12", "--branch", "feat\nx"],
        &["up", "--pr", "12", "--branch", "x", "--sha", "abc"],
        &["up", "--pr", "12", "--branch", "x", "--repo", "acme"],
        &["up", "--pr", "12", "--branch", "x", "--template", "prod"],
        &["up", "--pr", "12", "--branch", "x", "--wait", "soon"],
        &["down", "--pr", "x1"],
    ] {
        let mut full = vec!["preview"];
        full.extend(args.iter().copied());
        full.push(".");
        let run = world.mirage(&full).await;
        text.push_str(&format!(
            "$ mirage preview {}\n[exit {:?}]\n{}\n",
            args.join(" ").replace('\n', "\\n"),
            run.code,
            run.stderr
        ));
    }
    insta::assert_snapshot!("bad_input", text);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_preview_locks_only_its_own_environment() {
    let world = shop().await;
    // An apply of production is running (its lock held, by a process that
    // is alive: this one).
    let held = store(&world)
        .acquire("acme-shop", "production", &Actor::current(), None)
        .expect("production locked");
    world
        .mirage(&["preview", "up", "--pr", "41", "--branch", "feat/l", "."])
        .await
        .ok("preview up beside a locked production");
    world
        .mirage(&["preview", "down", "--pr", "41", "."])
        .await
        .ok("preview down beside a locked production");
    // The preview's own lock is taken: a held one stops the run.
    let preview_lock = store(&world)
        .acquire("acme-shop", "pr-42", &Actor::current(), None)
        .expect("pr-42 locked");
    let blocked = world
        .mirage(&[
            "preview",
            "up",
            "--pr",
            "42",
            "--branch",
            "feat/m",
            "--message-format",
            "json",
            ".",
        ])
        .await;
    assert_eq!(
        blocked.code,
        Some(1),
        "{}{}",
        blocked.stdout,
        blocked.stderr
    );
    assert!(
        blocked.stdout.contains("mirage::state::locked"),
        "{}",
        blocked.stdout
    );
    assert_eq!(environment(&world, "pr-42").await, None);
    preview_lock.release().expect("released");
    held.release().expect("released");
}
