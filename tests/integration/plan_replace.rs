//! `±` replace: a volume asked to shrink (Railway grows volumes in place
//! but cannot shrink one) plans as a replacement, counted in the summary,
//! refused under `protect` and without `--allow-destroy` off a terminal,
//! and applied as delete + create.

use crate::support;

use support::{World, golden};

/// The `saas` example applied, then its database volume shrunk.
async fn shrunk() -> World {
    let world = World::applied("saas").await;
    world.edit("services.mirage", |t| {
        t.replace("volume size=\"10GB\"", "volume size=\"5GB\"")
    });
    world
}

/// The id of the volume mounted by `service` in `env`.
async fn volume_of(world: &World, env: &str, service: &str) -> (String, serde_json::Value) {
    let (_, env_id) = world.environment_id("acme-shop", env).await;
    let service_id = world.service_id(&env_id, service).await;
    let (config, _) = world.harness.config(&env_id).await;
    let mounts = config["services"][&service_id]["volumeMounts"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert_eq!(mounts.len(), 1, "one volume: {config}");
    let (id, mount) = mounts.into_iter().next().expect("a volume");
    let size = config["volumes"][&id]["sizeMB"].clone();
    assert_eq!(mount["mountPath"], "/var/lib/postgresql/data", "{config}");
    (id, size)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shrunk_volume_is_replaced() {
    let world = shrunk().await;
    let plan = world.plan().await;
    assert_eq!(plan.code, Some(2), "{}", plan.stdout);
    golden("saas.replace.txt", &plan.stdout);
    let (old, _) = volume_of(&world, "staging", "db").await;
    // Off a terminal, destruction needs `--allow-destroy`.
    let refused = world
        .mirage(&["apply", ".", "--auto-approve", "--env", "staging"])
        .await;
    assert_eq!(refused.code, Some(1), "{}", refused.stdout);
    assert!(
        refused.stderr.contains("--allow-destroy"),
        "{}",
        refused.stderr
    );
    // `production` is protected: nothing in it is replaced.
    let protected = world
        .mirage(&["apply", ".", "--auto-approve", "--allow-destroy"])
        .await;
    assert_eq!(protected.code, Some(1), "{}", protected.stdout);
    assert!(
        protected.stderr.contains("is protected"),
        "{}",
        protected.stderr
    );
    assert_eq!(volume_of(&world, "staging", "db").await.0, old);
    // Allowed: delete, then create, mounted at the same path.
    let applied = world
        .mirage(&[
            "apply",
            ".",
            "--auto-approve",
            "--allow-destroy",
            "--env",
            "staging",
        ])
        .await
        .ok("apply the replacement");
    assert!(
        applied.stdout.contains("Apply complete"),
        "{}",
        applied.stdout
    );
    let (new, size) = volume_of(&world, "staging", "db").await;
    assert_ne!(new, old, "a new volume");
    assert_eq!(size.as_f64(), Some(5000.0), "the new size");
    let again = world
        .mirage(&["plan", ".", "--env", "staging", "--detailed-exitcode"])
        .await;
    assert_eq!(again.code, Some(0), "{}", again.stdout);
    world.assert_no_duplicates("acme-shop").await;
}
