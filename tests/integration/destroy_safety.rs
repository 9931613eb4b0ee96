//! The destroy-and-removal safety suite: for every way Mirage removes
//! something (`destroy`, a service removed from the files, `--target`),
//! every environment and resource it was not asked to touch is unchanged,
//! byte for byte, on the emulator.
//!
//! What is compared is everything the emulator holds for the project: each
//! environment's whole decrypted config and `configEtag`, its volume
//! instances, and the project's services and volumes.

use crate::support;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use support::World;

/// Everything the emulator holds for one project, by environment name.
#[derive(Debug, PartialEq)]
struct Everything {
    /// Per environment: config, `configEtag` and volume instances.
    environments: BTreeMap<String, Value>,
    /// The project's services `(name, id)`.
    services: Vec<(String, String)>,
    /// The project's volumes `(name, id)`.
    volumes: Vec<(String, String)>,
}

async fn everything(world: &World, project: &str) -> Everything {
    let remote = world.project(project).await;
    let mut environments = BTreeMap::new();
    for (name, id) in &remote.environments {
        let reply = world
            .harness
            .gql(
                "query($e: String!) { environment(id: $e) { config(decryptVariables: true) configEtag volumeInstances { edges { node { id volumeId serviceId mountPath sizeMB region } } } } }",
                json!({"e": id}),
            )
            .await;
        environments.insert(name.clone(), reply.data()["environment"].clone());
    }
    let reply = world
        .harness
        .gql(
            "query($p: String!) { project(id: $p) { volumes { edges { node { id name } } } } }",
            json!({"p": remote.id}),
        )
        .await;
    let volumes = reply.data()["project"]["volumes"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            (
                e["node"]["name"].as_str().unwrap_or_default().to_owned(),
                e["node"]["id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    Everything {
        environments,
        services: remote.services,
        volumes,
    }
}

/// Fails unless every environment but `touched` is exactly as before.
fn assert_untouched(before: &Everything, after: &Everything, touched: &str) {
    for (name, was) in &before.environments {
        if name == touched {
            continue;
        }
        let now = after
            .environments
            .get(name)
            .unwrap_or_else(|| panic!("environment `{name}` disappeared"));
        assert_eq!(
            was, now,
            "environment `{name}` changed although only `{touched}` was asked for"
        );
    }
}

/// The names of the services with an instance in `env`.
fn services_in(all: &Everything, env: &str) -> Vec<String> {
    let config = &all.environments[env]["config"]["services"];
    let ids: Vec<&String> = config
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    let mut names: Vec<String> = all
        .services
        .iter()
        .filter(|(_, id)| ids.contains(&id))
        .map(|(name, _)| name.clone())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn destroy_in_one_environment_leaves_every_other_untouched() {
    let world = World::applied("saas").await;
    let before = everything(&world, "acme-shop").await;
    assert!(
        !services_in(&before, "production").is_empty(),
        "production has services"
    );
    world
        .mirage(&["destroy", ".", "--env", "staging", "--auto-approve"])
        .await
        .ok("destroy staging");
    let after = everything(&world, "acme-shop").await;
    assert_untouched(&before, &after, "staging");
    // Mirage created staging and owned everything in it: it is deleted.
    assert!(!after.environments.contains_key("staging"));
    // Other environments keep the services, so the services themselves
    // stay; staging's volumes (its own) are deleted, every other is kept.
    assert_eq!(before.services, after.services);
    let staging_volumes: Vec<String> = before.environments["staging"]["volumeInstances"]["edges"]
        .as_array()
        .expect("volume instances")
        .iter()
        .map(|e| e["node"]["volumeId"].as_str().expect("an id").to_owned())
        .collect();
    assert!(!staging_volumes.is_empty(), "staging had volumes to remove");
    let kept: Vec<(String, String)> = before
        .volumes
        .iter()
        .filter(|(_, id)| !staging_volumes.contains(id))
        .cloned()
        .collect();
    assert_eq!(after.volumes, kept);
    // Production plans clean: nothing to create again.
    let plan = world
        .mirage(&["plan", ".", "--env", "production", "--detailed-exitcode"])
        .await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_removed_from_the_files_is_removed_only_where_asked() {
    let world = World::applied("saas").await;
    world.edit("services.mirage", |text| {
        let start = text.find("service \"worker\"").expect("the worker");
        text[..start].to_owned()
    });
    let before = everything(&world, "acme-shop").await;
    let applied = world
        .mirage(&[
            "apply",
            ".",
            "--env",
            "staging",
            "--auto-approve",
            "--allow-destroy",
        ])
        .await
        .ok("apply staging");
    assert!(
        applied.stdout.contains("- service \"worker\""),
        "{}",
        applied.stdout
    );
    let after = everything(&world, "acme-shop").await;
    assert_untouched(&before, &after, "staging");
    assert!(!services_in(&after, "staging").contains(&"worker".to_owned()));
    assert!(services_in(&after, "production").contains(&"worker".to_owned()));
    // The others still have it, so the service itself is kept.
    assert_eq!(before.services, after.services);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_targeted_removal_touches_only_its_target() {
    let world = World::applied("saas").await;
    world.edit("services.mirage", |text| {
        let start = text.find("service \"worker\"").expect("the worker");
        text[..start].to_owned()
    });
    let before = everything(&world, "acme-shop").await;
    world
        .mirage(&[
            "apply",
            ".",
            "--target",
            "staging/worker",
            "--auto-approve",
            "--allow-destroy",
        ])
        .await
        .ok("apply the target");
    let after = everything(&world, "acme-shop").await;
    assert_untouched(&before, &after, "staging");
    let mut expected = services_in(&before, "staging");
    expected.retain(|name| name != "worker");
    assert_eq!(services_in(&after, "staging"), expected);
}

const TWO_ENVIRONMENTS: &str = r#"
project "two"

service "db" {
    image "postgres:16"
    volume "/var/lib/postgresql/data" size="1GB"
}

service "web" {
    image "nginx:1.27"
    vars { GREETING "hello" }
}

environment "a"
environment "b"
"#;

#[tokio::test(flavor = "multi_thread")]
async fn the_last_environment_destroyed_deletes_the_services_and_volumes() {
    let world = World::with_files(&[("project.mirage", TWO_ENVIRONMENTS)]).await;
    world.apply().await;
    let before = everything(&world, "two").await;
    assert_eq!(before.services.len(), 2);
    assert_eq!(before.volumes.len(), 2, "one volume per environment");

    world
        .mirage(&["destroy", ".", "--env", "a", "--auto-approve"])
        .await
        .ok("destroy a");
    let middle = everything(&world, "two").await;
    assert_untouched(&before, &middle, "a");
    assert_eq!(middle.services, before.services, "b still has them");
    assert_eq!(middle.volumes.len(), 1, "a's volume is gone, b's is kept");

    world
        .mirage(&["destroy", ".", "--env", "b", "--auto-approve"])
        .await
        .ok("destroy b");
    let after = everything(&world, "two").await;
    assert_eq!(
        after.services,
        Vec::<(String, String)>::new(),
        "no environment keeps them"
    );
    assert_eq!(after.volumes, Vec::<(String, String)>::new());
    // Nothing owned is left; applying again brings everything back.
    world.apply().await;
    world.assert_no_changes("after re-creating").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_added_by_hand_elsewhere_is_not_deleted_with_mirages() {
    let world = World::with_files(&[("project.mirage", TWO_ENVIRONMENTS)]).await;
    world.apply().await;
    // Someone removes `b` from the files, and keeps using `web` in an
    // environment Mirage does not manage.
    let (project_id, _) = world.environment_id("two", "a").await;
    let reply = world
        .harness
        .gql(
            "mutation($p: String!) { environmentCreate(input: {projectId: $p, name: \"manual\"}) { id } }",
            json!({"p": project_id}),
        )
        .await;
    let manual = reply.data()["environmentCreate"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let (_, a) = world.environment_id("two", "a").await;
    let web = world.service_id(&a, "web").await;
    world
        .harness
        .commit(
            &manual,
            json!({"services": {web: {"isCreated": true, "source": {"image": "nginx:1.27"}}}}),
        )
        .await
        .data();
    let before = everything(&world, "two").await;
    assert_eq!(services_in(&before, "manual"), vec!["web".to_owned()]);
    world
        .mirage(&["destroy", ".", "--env", "a", "--auto-approve"])
        .await
        .ok("destroy a");
    world
        .mirage(&["destroy", ".", "--env", "b", "--auto-approve"])
        .await
        .ok("destroy b");
    let after = everything(&world, "two").await;
    assert_eq!(
        before.environments["manual"], after.environments["manual"],
        "the unmanaged environment is untouched"
    );
    let web_only: Vec<(String, String)> = before
        .services
        .iter()
        .filter(|(name, _)| name == "web")
        .cloned()
        .collect();
    assert_eq!(
        after.services, web_only,
        "`manual` still uses `web`: it is kept; `db` is used nowhere and deleted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_protected_service_is_never_destroyed() {
    let text =
        TWO_ENVIRONMENTS.replace("service \"web\" {", "service \"web\" {\n    protect #true");
    let world = World::with_files(&[("project.mirage", &text)]).await;
    world.apply().await;
    let before = everything(&world, "two").await;
    let refused = world
        .mirage(&["destroy", ".", "--env", "a", "--auto-approve"])
        .await;
    assert_eq!(
        refused.code,
        Some(1),
        "{}{}",
        refused.stdout,
        refused.stderr
    );
    assert!(
        refused.stderr.contains("service `web` is protected"),
        "{}",
        refused.stderr
    );
    assert_eq!(before, everything(&world, "two").await, "nothing changed");
}

#[tokio::test(flavor = "multi_thread")]
async fn variables_and_domains_set_by_hand_are_never_removed() {
    let world = World::applied("saas").await;
    let (_, production) = world.environment_id("acme-shop", "production").await;
    let api = world.service_id(&production, "api").await;
    world
        .harness
        .commit(
            &production,
            json!({
                "sharedVariables": {"HAND_SHARED": {"value": "s"}},
                "services": {api: {
                    "variables": {"HAND": {"value": "set by a person"}},
                    "networking": {"customDomains": {"hand.shop.example": {"port": 3000}}}
                }}
            }),
        )
        .await
        .data();
    let plan = world.mirage(&["plan", ".", "--detailed-exitcode"]).await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);
    for listed in [
        "variable \"HAND\" of service \"api\" in \"production\"",
        "variable \"HAND_SHARED\" in \"production\"",
        "domain \"hand.shop.example\" of service \"api\" in \"production\"",
    ] {
        assert!(plan.stdout.contains(listed), "{listed}:\n{}", plan.stdout);
    }
    let before = everything(&world, "acme-shop").await;
    world
        .mirage(&["apply", ".", "--auto-approve", "--allow-destroy"])
        .await
        .ok("apply");
    assert_eq!(before, everything(&world, "acme-shop").await);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_variable_mirage_manages_is_removed_as_a_destroy() {
    let world = World::with_files(&[("project.mirage", TWO_ENVIRONMENTS)]).await;
    world.apply().await;
    world.edit("project.mirage", |text| {
        text.replace("    vars { GREETING \"hello\" }\n", "")
    });
    let before = everything(&world, "two").await;
    let refused = world.mirage(&["apply", ".", "--auto-approve"]).await;
    assert_eq!(
        refused.code,
        Some(1),
        "{}{}",
        refused.stdout,
        refused.stderr
    );
    assert!(
        refused.stdout.contains("- variables.GREETING"),
        "{}",
        refused.stdout
    );
    assert!(
        refused.stderr.contains("--allow-destroy"),
        "{}",
        refused.stderr
    );
    assert_eq!(before, everything(&world, "two").await, "nothing changed");
    world
        .mirage(&[
            "apply",
            ".",
            "--env",
            "a",
            "--auto-approve",
            "--allow-destroy",
        ])
        .await
        .ok("apply with --allow-destroy");
    let after = everything(&world, "two").await;
    assert_untouched(&before, &after, "a");
    let (_, a) = world.environment_id("two", "a").await;
    let web = world.service_id(&a, "web").await;
    assert!(
        after.environments["a"]["config"]["services"][&web]["variables"]
            .get("GREETING")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_protected_environment_keeps_its_variables() {
    let text = TWO_ENVIRONMENTS.replace(
        "environment \"a\"",
        "environment \"a\" {\n    protect #true\n}",
    );
    let world = World::with_files(&[("project.mirage", &text)]).await;
    world.apply().await;
    world.edit("project.mirage", |text| {
        text.replace("    vars { GREETING \"hello\" }\n", "")
    });
    let before = everything(&world, "two").await;
    let refused = world
        .mirage(&["apply", ".", "--auto-approve", "--allow-destroy"])
        .await;
    assert_eq!(
        refused.code,
        Some(1),
        "{}{}",
        refused.stdout,
        refused.stderr
    );
    assert!(
        refused.stderr.contains(
            "environment `a` is protected: refusing to remove `variables.GREETING` of service `web`"
        ),
        "{}",
        refused.stderr
    );
    assert_eq!(before, everything(&world, "two").await, "nothing changed");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_environment_mirage_created_is_deleted_with_its_services() {
    let world = World::with_files(&[("project.mirage", TWO_ENVIRONMENTS)]).await;
    world.apply().await;
    let before = everything(&world, "two").await;
    let destroyed = world
        .mirage(&["destroy", ".", "--env", "a", "--auto-approve"])
        .await
        .ok("destroy a");
    assert!(
        destroyed.stdout.contains("- environment \"a\""),
        "the plan says the environment goes: {}",
        destroyed.stdout
    );
    let after = everything(&world, "two").await;
    assert!(!after.environments.contains_key("a"), "a is deleted");
    assert_untouched(&before, &after, "a");
    assert_eq!(after.services, before.services, "b keeps both services");
    // Nothing of `a` is recorded any more, and the files still declare it:
    // the next plan creates it again.
    let state = world
        .mirage(&["state", "list", "--json"])
        .await
        .ok("state list");
    let listing: Value = serde_json::from_str(&state.stdout).expect("json");
    assert!(
        listing["owned"]
            .as_array()
            .expect("owned")
            .iter()
            .all(|r| r["key"]["environment"] != "a" && r["key"]["name"] != "a"),
        "{}",
        state.stdout
    );
    let plan = world.plan().await;
    assert!(
        plan.stdout.contains("+ environment \"a\""),
        "{}",
        plan.stdout
    );
    world.apply().await;
    world.assert_no_changes("a re-created").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_environment_holding_what_mirage_does_not_own_is_kept() {
    let world = World::with_files(&[("project.mirage", TWO_ENVIRONMENTS)]).await;
    world.apply().await;
    let (project_id, a) = world.environment_id("two", "a").await;
    let legacy = world
        .harness
        .service(&project_id, "legacy", "redis:7")
        .await;
    world
        .harness
        .commit(
            &a,
            json!({"services": {legacy.clone(): {"isCreated": true, "source": {"image": "redis:7"}}}}),
        )
        .await
        .data();
    let before = everything(&world, "two").await;
    let destroyed = world
        .mirage(&["destroy", ".", "--env", "a", "--auto-approve"])
        .await
        .ok("destroy a");
    assert!(
        destroyed
            .stdout
            .contains("environment `a` is kept: it holds services Mirage does not own (`legacy`)"),
        "{}",
        destroyed.stdout
    );
    let after = everything(&world, "two").await;
    assert_untouched(&before, &after, "a");
    assert_eq!(services_in(&after, "a"), vec!["legacy".to_owned()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_adopted_environment_is_kept() {
    let world = World::with_files(&[("project.mirage", TWO_ENVIRONMENTS)]).await;
    world.apply().await;
    // The state is lost; `import` adopts everything by name.
    std::fs::remove_dir_all(world.path().join(".mirage")).expect("remove the state");
    world.mirage(&["import", ".", "--all"]).await.ok("import");
    let before = everything(&world, "two").await;
    let destroyed = world
        .mirage(&["destroy", ".", "--env", "a", "--auto-approve"])
        .await
        .ok("destroy a");
    assert!(
        destroyed
            .stdout
            .contains("environment `a` is kept: Mirage did not create it"),
        "{}",
        destroyed.stdout
    );
    let after = everything(&world, "two").await;
    assert!(after.environments.contains_key("a"));
    assert_untouched(&before, &after, "a");
    assert_eq!(services_in(&after, "a"), Vec::<String>::new());
}

async fn deleted_at(world: &World, project_id: &str) -> Value {
    world
        .harness
        .gql(
            "query($p: String!) { project(id: $p) { deletedAt } }",
            json!({"p": project_id}),
        )
        .await
        .data()["project"]["deletedAt"]
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn destroy_all_deletes_a_project_mirage_created_and_owns_whole() {
    let world = World::with_files(&[("project.mirage", TWO_ENVIRONMENTS)]).await;
    world.apply().await;
    let (project_id, _) = world.environment_id("two", "a").await;
    let refused = world.mirage(&["destroy", ".", "--all"]).await;
    assert_eq!(refused.code, Some(1), "asks first: {}", refused.stderr);
    assert_eq!(deleted_at(&world, &project_id).await, Value::Null);
    let destroyed = world
        .mirage(&["destroy", ".", "--all", "--auto-approve"])
        .await
        .ok("destroy --all");
    assert!(
        destroyed.stdout.contains("- project \"two\""),
        "{}",
        destroyed.stdout
    );
    assert!(
        deleted_at(&world, &project_id).await.is_string(),
        "scheduled for deletion"
    );
    let state = world
        .mirage(&["state", "list", "--json"])
        .await
        .ok("state list");
    let listing: Value = serde_json::from_str(&state.stdout).expect("json");
    assert_eq!(listing["owned"], json!([]), "{}", state.stdout);
    // A new apply makes a new project of that name.
    world.apply().await;
    world.assert_no_changes("re-created").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn destroy_all_refuses_a_project_holding_what_mirage_does_not_own() {
    let world = World::with_files(&[("project.mirage", TWO_ENVIRONMENTS)]).await;
    world.apply().await;
    let (project_id, _) = world.environment_id("two", "a").await;
    world
        .harness
        .gql(
            "mutation($p: String!) { environmentCreate(input: {projectId: $p, name: \"manual\"}) { id } }",
            json!({"p": project_id}),
        )
        .await
        .data();
    let before = everything(&world, "two").await;
    let refused = world
        .mirage(&["destroy", ".", "--all", "--auto-approve"])
        .await;
    assert_eq!(
        refused.code,
        Some(1),
        "{}{}",
        refused.stdout,
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("environment `manual` was not created by Mirage"),
        "{}",
        refused.stderr
    );
    assert_eq!(before, everything(&world, "two").await, "nothing changed");
    assert_eq!(deleted_at(&world, &project_id).await, Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn destroy_all_refuses_a_protected_environment() {
    let text = TWO_ENVIRONMENTS.replace(
        "environment \"b\"",
        "environment \"b\" {\n    protect #true\n}",
    );
    let world = World::with_files(&[("project.mirage", &text)]).await;
    world.apply().await;
    let (project_id, _) = world.environment_id("two", "a").await;
    let before = everything(&world, "two").await;
    let refused = world
        .mirage(&["destroy", ".", "--all", "--auto-approve"])
        .await;
    assert_eq!(
        refused.code,
        Some(1),
        "{}{}",
        refused.stdout,
        refused.stderr
    );
    assert!(
        refused.stderr.contains("environment `b` is protected"),
        "{}",
        refused.stderr
    );
    assert_eq!(before, everything(&world, "two").await);
    assert_eq!(deleted_at(&world, &project_id).await, Value::Null);
}
