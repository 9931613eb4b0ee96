//! `moved`: a service or environment renamed in the files is renamed on
//! Railway — same ids, same volumes (so the data in them survives) —
//! instead of being destroyed and created again.

use crate::support;

use serde_json::Value;
use support::World;

const PROJECT: &str = r#"
project "renames"

service "db" {
    image "postgres:16"
    volume "/var/lib/postgresql/data" size="1GB"
    vars { POSTGRES_DB "app" }
}

service "web" {
    image "nginx:1.27"
    vars { DB_NAME "${{db.POSTGRES_DB}}" }
}

environment "stage"
environment "production"
"#;

/// Every environment of the project: `(name, id, config)`.
async fn environments(world: &World, project: &str) -> Vec<(String, String, Value)> {
    let remote = world.project(project).await;
    let mut out = Vec::new();
    for (name, id) in remote.environments {
        let (config, _) = world.harness.config(&id).await;
        out.push((name, id, config));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_renamed_service_keeps_its_id_and_volumes() {
    let world = World::with_files(&[("project.mirage", PROJECT)]).await;
    world.apply().await;
    let before = world.project("renames").await;
    let volumes_before: Vec<Value> = environments(&world, "renames")
        .await
        .into_iter()
        .map(|(_, _, config)| config["volumes"].clone())
        .collect();
    world.edit("project.mirage", |text| {
        text.replace("service \"db\" {", "service \"database\" {")
            .replace("${{db.POSTGRES_DB}}", "${{database.POSTGRES_DB}}")
            + "\nmoved service=\"db\" to=\"database\"\n"
    });
    let plan = world.plan().await;
    assert_eq!(plan.code, Some(2), "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout
            .contains("~ service \"database\" (renamed from \"db\")"),
        "{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("- service") && !plan.stdout.contains("+ service"),
        "a rename destroys and creates nothing: {}",
        plan.stdout
    );
    world
        .mirage(&["apply", ".", "--auto-approve"])
        .await
        .ok("apply the rename (no --allow-destroy needed)");
    let after = world.project("renames").await;
    let id = |project: &support::RemoteProject, name: &str| {
        project
            .services
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| id.clone())
    };
    assert_eq!(id(&after, "database"), id(&before, "db"), "same service");
    assert_eq!(id(&after, "db"), None);
    let volumes_after: Vec<Value> = environments(&world, "renames")
        .await
        .into_iter()
        .map(|(_, _, config)| config["volumes"].clone())
        .collect();
    assert_eq!(volumes_before, volumes_after, "the same volumes");
    world.assert_no_changes("after the rename").await;
    world.assert_all_owned("renames", "after the rename").await;
    // Mirage owns it under its new name: removing it later destroys it.
    world.edit("project.mirage", |text| {
        text.replace("moved service=\"db\" to=\"database\"\n", "")
    });
    world.assert_no_changes("the `moved` may go").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_renamed_environment_keeps_its_id_and_config() {
    let world = World::with_files(&[("project.mirage", PROJECT)]).await;
    world.apply().await;
    let (_, stage_id) = world.environment_id("renames", "stage").await;
    let (config_before, _) = world.harness.config(&stage_id).await;
    world.edit("project.mirage", |text| {
        text.replace("environment \"stage\"", "environment \"staging\"")
            + "\nmoved environment=\"stage\" to=\"staging\"\n"
    });
    let plan = world.plan().await;
    assert!(
        plan.stdout
            .contains("~ environment \"staging\" (renamed from \"stage\")"),
        "{}",
        plan.stdout
    );
    world.apply().await;
    let (_, staging_id) = world.environment_id("renames", "staging").await;
    assert_eq!(staging_id, stage_id, "the same environment");
    let (config_after, _) = world.harness.config(&staging_id).await;
    assert_eq!(config_before, config_after, "its config untouched");
    world.assert_no_changes("after the rename").await;
    world.assert_all_owned("renames", "after the rename").await;
    // It is Mirage's under the new name: destroy deletes it.
    world
        .mirage(&["destroy", ".", "--env", "staging", "--auto-approve"])
        .await
        .ok("destroy staging");
    let remote = world.project("renames").await;
    assert!(
        remote.environments.iter().all(|(n, _)| n != "staging"),
        "{remote:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rename_onto_an_existing_name_is_refused() {
    let world = World::with_files(&[("project.mirage", PROJECT)]).await;
    world.apply().await;
    let (project_id, _) = world.environment_id("renames", "stage").await;
    world
        .harness
        .service(&project_id, "database", "postgres:16")
        .await;
    world.edit("project.mirage", |text| {
        text.replace("service \"db\" {", "service \"database\" {")
            .replace("${{db.POSTGRES_DB}}", "${{database.POSTGRES_DB}}")
            + "\nmoved service=\"db\" to=\"database\"\n"
    });
    let before = environments(&world, "renames").await;
    let plan = world.plan().await;
    assert_eq!(plan.code, Some(1), "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stderr.contains("mirage::plan::move_target_exists"),
        "{}",
        plan.stderr
    );
    let applied = world.mirage(&["apply", ".", "--auto-approve"]).await;
    assert_eq!(applied.code, Some(1));
    assert_eq!(before, environments(&world, "renames").await);
}
