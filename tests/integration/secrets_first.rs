//! Every secret is read before the first write: a secret that cannot be
//! read is an error of `plan` (located at its reference), and `apply`
//! writes nothing — not the 17 resources before the one that needed it.

use crate::support;

use support::World;

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_secret_stops_plan_and_apply_before_anything_is_written() {
    let world = World::with_example("saas").await;
    let plan = world
        .mirage_without(&["plan", ".", "--detailed-exitcode"], &["STRIPE_KEY"])
        .await;
    assert_eq!(plan.code, Some(1), "{}{}", plan.stdout, plan.stderr);
    assert_eq!(plan.stdout, "", "no plan is shown");
    insta::assert_snapshot!("missing_secret_plan", plan.stderr);

    let applied = world
        .mirage_without(&["apply", ".", "--auto-approve"], &["STRIPE_KEY"])
        .await;
    assert_eq!(
        applied.code,
        Some(1),
        "{}{}",
        applied.stdout,
        applied.stderr
    );
    assert!(
        applied.stderr.contains("mirage::plan::secret_unreadable"),
        "{}",
        applied.stderr
    );
    assert_eq!(
        world.harness.requests().await,
        0,
        "Railway was not even read"
    );
    assert!(world.projects().await.is_empty(), "nothing was created");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_unset_later_is_an_error_not_no_changes() {
    let world = World::applied("saas").await;
    let plan = world
        .mirage_without(&["plan", ".", "--env", "production"], &["STRIPE_KEY"])
        .await;
    assert_eq!(plan.code, Some(1), "{}{}", plan.stdout, plan.stderr);
    assert!(
        !plan.stdout.contains("No changes"),
        "an unreadable secret is never `No changes`: {}",
        plan.stdout
    );
    assert!(
        plan.stderr.contains("services.mirage"),
        "located at the reference: {}",
        plan.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_of_environments_not_planned_are_not_needed() {
    // Only `db` and `cache` of staging are targeted: `api`'s secret is not
    // read, and the plan goes ahead.
    let world = World::with_example("saas").await;
    let plan = world
        .mirage_without(
            &[
                "plan",
                ".",
                "--target",
                "staging/db",
                "--target",
                "staging/cache",
            ],
            &["STRIPE_KEY"],
        )
        .await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);
    // And destroy, which writes no secret, never needs one.
    world.apply().await;
    world
        .mirage_without(
            &["destroy", ".", "--env", "staging", "--auto-approve"],
            &["STRIPE_KEY"],
        )
        .await
        .ok("destroy without the secret");
}
