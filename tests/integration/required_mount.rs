//! `required-mount "/data"` (`deploy.requiredMountPath`), the setting added
//! as one entry of the settings table: planned, written to Railway by the
//! apply, and clean on the next plan — against the emulator over HTTP with
//! the real binary.

use crate::support;

use support::World;

const PROJECT: &str = r#"project "vault"

service "db" {
    image "postgres:17"
    volume "/var/lib/postgresql/data" size="1GB"
    required-mount "/var/lib/postgresql/data"
}

environment "production"
"#;

#[tokio::test(flavor = "multi_thread")]
async fn required_mount_is_planned_applied_and_then_clean() {
    let world = World::with_files(&[("main.mirage", PROJECT)]).await;
    let plan = world.plan().await;
    assert_eq!(plan.code, Some(2), "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout
            .contains("+ deploy.requiredMountPath = \"/var/lib/postgresql/data\""),
        "{}",
        plan.stdout
    );
    world.apply().await;
    let (_, env) = world.environment_id("vault", "production").await;
    let db = world.service_id(&env, "db").await;
    let (config, _) = world.harness.config(&env).await;
    assert_eq!(
        config["services"][&db]["deploy"]["requiredMountPath"], "/var/lib/postgresql/data",
        "{config}"
    );
    world
        .assert_no_changes("after applying `required-mount`")
        .await;
}
