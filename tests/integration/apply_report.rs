//! What apply, destroy and `state` say afterwards, against the emulator
//! over HTTP: the closing line counts in the plan's units (so "Plan: 19 to
//! create" is followed by "19 created", even when some fail); a destroy
//! with nothing of Mirage's says so; records of what Railway no longer has
//! are forgotten, not listed; history names who applied.

use crate::support;

use serde_json::json;
use support::{Run, UNSET, World};

/// `(create, change, destroy)` from "Plan: 3 to create, 1 to change, 0 to
/// destroy.".
fn planned(run: &Run) -> (usize, usize, usize) {
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("Plan: "))
        .unwrap_or_else(|| panic!("no plan line:\n{}", run.stdout));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    (numbers[0], numbers[1], numbers[2])
}

/// The closing line (`Apply complete: …` or `Destroy …`).
fn closing<'a>(run: &'a Run, verb: &str) -> &'a str {
    run.stdout
        .lines()
        .find(|l| l.starts_with(verb))
        .unwrap_or_else(|| panic!("no `{verb}` line:\n{}{}", run.stdout, run.stderr))
}

/// The line without its request count, which depends on the batching.
fn without_requests(line: &str) -> &str {
    line.split(" (").next().unwrap_or(line)
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_counts_what_the_plan_counted() {
    let world = World::with_example("saas").await;
    let first = world
        .mirage(&["apply", ".", "--auto-approve"])
        .await
        .ok("apply");
    let (create, change, destroy) = planned(&first);
    // The template `pr` is not applied: project, two environments, five
    // services in each.
    assert_eq!((create, change, destroy), (13, 0, 0), "{}", first.stdout);
    let line = closing(&first, "Apply complete");
    assert_eq!(
        without_requests(line),
        "Apply complete: 13 created, 0 changed, 0 destroyed",
        "{line}"
    );
    assert!(line.ends_with(" requests)."), "{line}");
    // A change to every instance, and a new service in every environment.
    world.edit("layers.mirage", |text| {
        text.replace("TZ \"UTC\"", "TZ \"Europe/Paris\"")
    });
    world.edit("services.mirage", |text| {
        text + "\nservice \"docs\" {\n    image \"nginx:1.27\"\n}\n"
    });
    let second = world.apply().await;
    assert_eq!(planned(&second), (2, 10, 0), "{}", second.stdout);
    assert_eq!(
        without_requests(closing(&second, "Apply complete")),
        "Apply complete: 2 created, 10 changed, 0 destroyed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partial_apply_accounts_for_every_planned_resource() {
    let world = World::with_example("saas").await;
    // The config commits fail before Railway carries them out: the project,
    // environments and services exist, no instance got its settings.
    let (status, body) = world
        .harness
        .admin_status(
            "faults",
            json!({"faults": [{"kind": "status", "status": 503, "body": true,
                               "operation": "environmentPatchCommit", "nth": 1}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let run = world.mirage(&["apply", ".", "--auto-approve"]).await;
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert_eq!(planned(&run), (13, 0, 0));
    assert_eq!(
        without_requests(closing(&run, "Apply incomplete")),
        "Apply incomplete: 3 created, 0 changed, 0 destroyed; 10 failed, 0 not attempted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn destroy_with_nothing_of_mirages_says_so() {
    let world = World::with_example("quickstart").await;
    world.apply().await;
    let destroyed = world
        .mirage(&["destroy", ".", "-e", "production", "--auto-approve"])
        .await
        .ok("destroy");
    assert_eq!(planned(&destroyed), (0, 0, 2));
    assert_eq!(
        without_requests(closing(&destroyed, "Destroy complete")),
        // The service instance, and the environment itself: Mirage
        // created `production` and nothing else is in it.
        "Destroy complete: 0 created, 0 changed, 2 destroyed"
    );
    let again = world
        .mirage(&["destroy", ".", "-e", "production", "--auto-approve"])
        .await
        .ok("destroy again");
    // The environment is gone from Railway: nothing suggests the state
    // is the wrong one, so no advice about shared state.
    assert_eq!(
        again.stdout,
        "Nothing to destroy: Mirage owns nothing in `production` in this state (`./.mirage/state.db`).\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn records_of_what_railway_no_longer_has_are_forgotten() {
    let world = World::with_example("quickstart").await;
    world.apply().await;
    let (_, env) = world.environment_id("quickstart", "production").await;
    let web = world.service_id(&env, "web").await;
    // Someone deletes the service in Railway's dashboard.
    delete_service(&world, &web).await;
    let listed = world.mirage(&["state", "list"]).await.ok("state list");
    assert!(listed.stdout.contains(&web), "{}", listed.stdout);
    // The next command that writes notices, says so, and forgets it.
    let applied = world.apply().await;
    assert!(
        applied
            .stderr
            .contains("note: forgot service `web` in `production`: Railway no longer has it"),
        "{}",
        applied.stderr
    );
    let listed = world.mirage(&["state", "list"]).await.ok("state list");
    assert!(!listed.stdout.contains(&web), "{}", listed.stdout);
    // The apply made the instance again: it is Mirage's, with its new id.
    let web_again = world.service_id(&env, "web").await;
    assert!(listed.stdout.contains(&web_again), "{}", listed.stdout);
    world.assert_no_changes("after forgetting").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_made_by_hand_under_a_forgotten_name_is_not_destroyed() {
    let world = World::with_example("quickstart").await;
    world.apply().await;
    let (project, env) = world.environment_id("quickstart", "production").await;
    let web = world.service_id(&env, "web").await;
    // Someone deletes Mirage's `web` and makes a `web` of their own; the
    // files stop declaring `web`.
    delete_service(&world, &web).await;
    let theirs = world.harness.service(&project, "web", "redis:7").await;
    world
        .harness
        .commit(
            &env,
            json!({"services": {theirs: {"source": {"image": "redis:7"}}}}),
        )
        .await
        .data();
    world.edit("main.mirage", |text| {
        text.replace("service \"web\"", "service \"site\"")
    });
    let plan = world.plan().await;
    assert!(
        plan.stdout.contains("service \"web\" in \"production\""),
        "theirs is listed as unmanaged:\n{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("- service \"web\""),
        "a service Mirage never made is planned for destruction:\n{}",
        plan.stdout
    );
}

/// Deletes a service the way Railway's dashboard does.
async fn delete_service(world: &World, id: &str) {
    world
        .harness
        .gql(
            "mutation($id: String!) { serviceDelete(id: $id) }",
            json!({"id": id}),
        )
        .await
        .data();
}

#[tokio::test(flavor = "multi_thread")]
async fn history_names_the_ci_actor_or_the_git_user() {
    let world = World::with_example("quickstart").await;
    let home = tempfile::tempdir().expect("a home");
    let gitconfig = home.path().join("gitconfig");
    std::fs::write(&gitconfig, "[user]\n\temail = alice@example.com\n").expect("a git config");
    let gitconfig = gitconfig.display().to_string();
    let git = [
        ("GIT_CONFIG_GLOBAL", gitconfig.as_str()),
        ("GIT_CONFIG_NOSYSTEM", "1"),
        ("GITHUB_ACTOR", "octocat"),
    ];
    world
        .mirage_with(&["apply", ".", "--auto-approve"], &git)
        .await
        .ok("apply as octocat");
    world.edit("main.mirage", |text| {
        text.replace("nginx:1.27", "nginx:1.28")
    });
    // Off CI: none of the CI variables the test's own machine may set.
    let mut off_ci = git[..2].to_vec();
    for name in [
        "MIRAGE_ACTOR",
        "GITHUB_ACTOR",
        "GITLAB_USER_LOGIN",
        "CIRCLE_USERNAME",
        "BUILDKITE_BUILD_CREATOR_EMAIL",
    ] {
        off_ci.push((name, UNSET));
    }
    world
        .mirage_with(&["apply", ".", "--auto-approve"], &off_ci)
        .await
        .ok("apply as alice");
    let shown = world
        .mirage(&["state", "show", "production"])
        .await
        .ok("state show");
    let history: Vec<&str> = shown
        .stdout
        .lines()
        .filter(|l| l.starts_with("apply #"))
        .collect();
    assert_eq!(history.len(), 2, "{}", shown.stdout);
    assert!(
        history
            .iter()
            .any(|l| l.starts_with("apply #1 by octocat@")),
        "{history:?}"
    );
    assert!(
        history
            .iter()
            .any(|l| l.starts_with("apply #2 by alice@example.com on ")),
        "{history:?}"
    );
    assert!(!shown.stdout.contains("unknown@"), "{}", shown.stdout);
}
