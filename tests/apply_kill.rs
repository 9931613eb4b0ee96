//! Kill points: the real `mirage` binary is aborted (`std::process::abort`
//! through the test-only `MIRAGE_TEST_KILL_AFTER_REQUESTS=N` hook, as
//! abrupt as SIGKILL) right after the response to its `N`th request, for
//! every `N` an apply reaches, on two multi-environment examples, a change
//! to an applied project, and a second kill during the re-run. After each
//! kill the stale lock is broken with `mirage state unlock` (which checks
//! the holder is gone) and apply runs again; then the emulator must hold
//! exactly one of each resource, every resource on it must be owned in the
//! state database with the right Railway id (no orphan), everything owned
//! must exist, and a plan must show no changes.

mod support;

use std::collections::BTreeSet;

use mirage::state::{OwnedFilter, ResourceKind, Store};
use support::World;

const KILL: &str = "MIRAGE_TEST_KILL_AFTER_REQUESTS";

/// What happened to one apply run with a kill point.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// The hook fired.
    Killed,
    /// The apply finished before reaching the kill point.
    Finished,
}

/// Runs `mirage apply` with kill point `n`; after a kill, breaks the stale
/// locks it left.
async fn apply_killed_at(world: &World, n: u64) -> Outcome {
    let run = world
        .mirage_with(&["apply", ".", "--auto-approve"], &[(KILL, &n.to_string())])
        .await;
    if run.code.is_some() {
        assert!(
            !run.stderr.contains("killed after request"),
            "an exit code after the hook fired: {}",
            run.stderr
        );
        return Outcome::Finished;
    }
    assert!(
        run.stderr
            .contains(&format!("{KILL}: killed after request {n}")),
        "the process died of something else at kill point {n}:\n{}{}",
        run.stdout,
        run.stderr
    );
    unlock_stale(world).await;
    Outcome::Killed
}

/// `mirage state unlock ENV` (without `--force`) for every lock left.
async fn unlock_stale(world: &World) {
    let locks = {
        let store = Store::open(world.path().join(".mirage/state.db")).expect("state db");
        store.locks().expect("locks")
    };
    for lock in locks {
        world
            .mirage(&["state", "unlock", &lock.environment])
            .await
            .ok("unlocking a dead process's lock");
    }
}

/// Everything that must hold once apply has converged.
async fn assert_converged(world: &World, project: &str, point: &str) {
    world.apply().await;
    world.assert_no_changes(point).await;
    let remote = world.assert_no_duplicates(project).await;
    let store = Store::open(world.path().join(".mirage/state.db")).expect("state db");
    let owned = store
        .list_owned(&OwnedFilter {
            project: Some(project.to_owned()),
            ..OwnedFilter::default()
        })
        .expect("owned");
    let id_of = |kind: ResourceKind, env: Option<&str>, service: Option<&str>, name: &str| {
        let found = owned.iter().find(|r| {
            r.key.kind == kind
                && r.key.environment.as_deref() == env
                && r.key.service.as_deref() == service
                && r.key.name == name
        });
        match found {
            Some(resource) => resource.railway_id.clone().unwrap_or_else(|| {
                panic!("{point}: {kind:?} `{name}` is owned without its Railway id")
            }),
            None => panic!("{point}: {kind:?} `{name}` ({env:?}) is an orphan: not owned"),
        }
    };
    // Everything on the emulator is Mirage's, with the right id.
    assert_eq!(
        id_of(ResourceKind::Project, None, None, project),
        remote.id,
        "{point}"
    );
    let mut on_railway = BTreeSet::new();
    for (env, env_id) in &remote.environments {
        assert_eq!(
            &id_of(ResourceKind::Environment, None, None, env),
            env_id,
            "{point}"
        );
        on_railway.insert((ResourceKind::Environment, env.clone(), env_id.clone()));
        let (config, _) = world.harness.config(env_id).await;
        for (name, service_id) in &remote.services {
            let Some(instance) = config["services"].get(service_id.as_str()) else {
                continue;
            };
            assert_eq!(
                &id_of(ResourceKind::Service, Some(env), None, name),
                service_id,
                "{point}"
            );
            on_railway.insert((ResourceKind::Service, name.clone(), service_id.clone()));
            if let Some(volume) = instance["volumeMounts"]
                .as_object()
                .and_then(|m| m.keys().next())
            {
                assert_eq!(
                    &id_of(ResourceKind::Volume, Some(env), Some(name), name),
                    volume,
                    "{point}"
                );
                on_railway.insert((ResourceKind::Volume, name.clone(), volume.clone()));
            }
        }
    }
    // Everything owned exists on the emulator: variables and domains (kept
    // by name, without an id) in their service's config…
    let mut configs = std::collections::BTreeMap::new();
    for (env, env_id) in &remote.environments {
        configs.insert(env.clone(), world.harness.config(env_id).await.0);
    }
    let service_id = |name: &str| {
        remote
            .services
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| id.clone())
            .unwrap_or_default()
    };
    for resource in &owned {
        let key = &resource.key;
        let (Some(env), true) = (
            key.environment.as_deref(),
            matches!(key.kind, ResourceKind::Variable | ResourceKind::Domain),
        ) else {
            continue;
        };
        let config = &configs[env];
        let found = match (key.kind, key.service.as_deref()) {
            (ResourceKind::Variable, None) => config["sharedVariables"].get(&key.name).is_some(),
            (ResourceKind::Variable, Some(service)) => {
                config["services"][service_id(service)]["variables"]
                    .get(&key.name)
                    .is_some()
            }
            (_, Some(service)) => {
                config["services"][service_id(service)]["networking"]["customDomains"]
                    .get(&key.name)
                    .is_some()
            }
            _ => false,
        };
        assert!(found, "{point}: owned but not on Railway: {resource:?}");
    }
    // …and everything else with its id.
    for resource in &owned {
        if matches!(
            resource.key.kind,
            ResourceKind::Project | ResourceKind::Variable | ResourceKind::Domain
        ) {
            continue;
        }
        let id = resource.railway_id.clone().unwrap_or_default();
        assert!(
            on_railway.contains(&(resource.key.kind, resource.key.name.clone(), id)),
            "{point}: owned but not on Railway: {resource:?}"
        );
    }
}

/// Kills the first apply of `example` at every request it makes; returns
/// how many kill points there were.
async fn every_kill_point_of_a_first_apply(example: &str, project: &str) -> u64 {
    let mut points = 0;
    for n in 1.. {
        let world = World::with_example(example).await;
        if apply_killed_at(&world, n).await == Outcome::Finished {
            assert_converged(&world, project, &format!("{example}, finished")).await;
            break;
        }
        points += 1;
        assert_converged(&world, project, &format!("{example}, killed after {n}")).await;
    }
    eprintln!("{example}: {points} kill points in a first apply");
    points
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_apply_killed_anywhere_converges_saas() {
    let points = every_kill_point_of_a_first_apply("saas", "acme-shop").await;
    assert!(points >= 5, "only {points} kill points");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_apply_killed_anywhere_converges_microservices() {
    let points = every_kill_point_of_a_first_apply("microservices", "orbit").await;
    assert!(points >= 5, "only {points} kill points");
}

/// A change to an applied project (a new environment, a new service with a
/// volume, a changed variable), killed at every request.
#[tokio::test(flavor = "multi_thread")]
async fn a_change_killed_anywhere_converges() {
    let mut points = 0;
    for n in 1.. {
        let world = World::applied("saas").await;
        world.edit("services.mirage", |t| {
            t.replace("start \"node dist/worker.js\"", "start \"node dist/w.js\"")
                + "\nservice \"search\" {\n    image \"getmeili/meilisearch:v1.10\"\n    volume \"/meili_data\"\n    vars {\n        MEILI_ENV \"production\"\n    }\n}\n"
        });
        // One replica for the new service with a volume in production.
        world.edit("layers.mirage", |t| {
            t.replace(
                "    service \"cache\" {",
                "    service \"search\" {\n        replicas 1\n    }\n    service \"cache\" {",
            )
        });
        world.edit("environments.mirage", |t| {
            t + "\nenvironment \"qa\" layer=\"dev\"\n"
        });
        if apply_killed_at(&world, n).await == Outcome::Finished {
            break;
        }
        points += 1;
        assert_converged(&world, "acme-shop", &format!("change, killed after {n}")).await;
    }
    eprintln!("saas: {points} kill points in a change");
    assert!(points >= 4, "only {points} kill points");
}

/// Killed twice: during the first apply and again during the re-run.
#[tokio::test(flavor = "multi_thread")]
async fn killed_again_while_recovering_converges() {
    for (first, second) in [(2, 2), (3, 3), (4, 2), (5, 3)] {
        let world = World::with_example("microservices").await;
        assert_eq!(apply_killed_at(&world, first).await, Outcome::Killed);
        let _ = apply_killed_at(&world, second).await;
        assert_converged(
            &world,
            "orbit",
            &format!("killed after {first}, then after {second}"),
        )
        .await;
    }
}
