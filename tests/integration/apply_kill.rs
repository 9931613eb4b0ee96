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

use crate::support;

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
    // The killed process's locks stay behind; the next apply on this host
    // sees their holder is gone and takes them over (see
    // `assert_converged`), with no `mirage state unlock` needed.
    Outcome::Killed
}

/// Everything that must hold once apply has converged.
async fn assert_converged(world: &World, project: &str, point: &str) {
    world.apply().await;
    world.assert_no_changes(point).await;
    world.assert_all_owned(project, point).await;
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
