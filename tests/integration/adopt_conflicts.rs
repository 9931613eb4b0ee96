//! `mirage import` and per-value conflicts: a project applied, its state
//! lost, then changed on Railway by hand (through the emulator's API), so
//! that the files and Railway disagree on values of resources to adopt.
//! The real binary, over HTTP: the conflicts listed with `file:line` and
//! both values, `--prefer files` (the next apply makes Railway match) and
//! `--prefer railway` (the files edited, comments kept, an override where
//! the value is shared), and secrets never shown.

use crate::support;

use mirage::state::{OwnedFilter, ResourceKind, Store};
use serde_json::json;
use support::World;

const SECRET_IN_FILES: &str = "files_NEVER_PRINT_0c1d";
const SECRET_ON_RAILWAY: &str = "railway_NEVER_PRINT_9e8f";

const SHOP: &str = r#"// The shop.
project "shop"

service "web" {
    image "nginx:1.27"
    // How it starts.
    start "nginx -g 'daemon off;'"
    vars {
        // Chatty by default.
        LOG_LEVEL "info"
    }
}

service "worker" {
    image "redis:7"
}

environment "production" {
    service "web" {
        vars {
            // Where the users are.
            REGION_NOTE "eu"
        }
    }
}

environment "staging"
"#;

/// `SHOP` (with `extra` appended to the `web` service's `vars`), applied,
/// with its state then lost: everything is on Railway and nothing is
/// Mirage's. Returns the world and production's id.
async fn applied_then_forgotten(extra_vars: &str) -> (World, String) {
    let text = SHOP.replace(
        "        LOG_LEVEL \"info\"\n",
        &format!("        LOG_LEVEL \"info\"\n{extra_vars}"),
    );
    let world = World::with_files(&[("shop.mirage", &text)]).await;
    world
        .mirage_with(
            &["apply", ".", "--auto-approve"],
            &[("SHOP_API_KEY", SECRET_IN_FILES)],
        )
        .await
        .ok("apply");
    std::fs::remove_dir_all(world.path().join(".mirage")).expect("forget the state");
    let (_, production) = world.environment_id("shop", "production").await;
    (world, production)
}

/// Someone changes `web` in production by hand.
async fn change_web(world: &World, production: &str, patch: serde_json::Value) {
    let web = world.service_id(production, "web").await;
    world
        .harness
        .commit(production, json!({"services": {web: patch}}))
        .await
        .data();
}

fn owned_services(world: &World) -> Vec<(String, String)> {
    let path = world.path().join(".mirage/state.db");
    if !path.exists() {
        return Vec::new();
    }
    let store = Store::open(path).expect("state");
    let mut out: Vec<(String, String)> = store
        .list_owned(&OwnedFilter {
            kind: Some(ResourceKind::Service),
            ..Default::default()
        })
        .expect("owned")
        .into_iter()
        .map(|r| (r.key.environment.unwrap_or_default(), r.key.name))
        .collect();
    out.sort();
    out
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(e, s)| ((*e).to_owned(), (*s).to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn conflicts_are_listed_per_value_and_hold_the_instance_back() {
    let (world, production) =
        applied_then_forgotten("        API_KEY (secret)\"env:SHOP_API_KEY\"\n").await;
    change_web(
        &world,
        &production,
        json!({
            "deploy": {"startCommand": "nginx -g 'daemon on;'"},
            "variables": {
                "LOG_LEVEL": {"value": "debug"},
                "API_KEY": {"value": SECRET_ON_RAILWAY},
            },
        }),
    )
    .await;
    let run = world
        .mirage_with(
            &["import", ".", "--all"],
            &[("SHOP_API_KEY", SECRET_IN_FILES)],
        )
        .await;
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    for line in [
        "production/web deploy.startCommand (./shop.mirage:7): files \"nginx -g 'daemon off;'\" ≠ Railway \"nginx -g 'daemon on;'\"",
        "production/web variables.LOG_LEVEL (./shop.mirage:10): files \"info\" ≠ Railway \"debug\"",
        "production/web variables.API_KEY (./shop.mirage:11): files (sensitive) ≠ Railway (sensitive)",
    ] {
        assert!(run.stdout.contains(line), "{line}\n{}", run.stdout);
    }
    assert!(
        run.stderr
            .contains("the files and Railway disagree on 3 value(s): `production/web` not adopted"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--prefer files"), "{}", run.stderr);
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(SECRET_IN_FILES), "{text}");
        assert!(!text.contains(SECRET_ON_RAILWAY), "{text}");
    }
    // Everything else was adopted; `web` in production stays unmanaged
    // and the plan says so.
    assert_eq!(
        owned_services(&world),
        pairs(&[
            ("production", "worker"),
            ("staging", "web"),
            ("staging", "worker")
        ])
    );
    let plan = world
        .mirage_with(&["plan", "."], &[("SHOP_API_KEY", SECRET_IN_FILES)])
        .await
        .ok("plan");
    assert!(
        plan.stdout
            .contains("service \"web\" in \"production\" [declared, not owned]"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Not Mirage's: 1 declared and not owned"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains(SECRET_ON_RAILWAY), "{}", plan.stdout);

    // `--prefer railway` cannot write a secret's value into a file: it
    // refuses, and writes nothing.
    let before = std::fs::read_to_string(world.path().join("shop.mirage")).expect("read");
    let refused = world
        .mirage_with(
            &["import", ".", "--all", "--prefer", "railway"],
            &[("SHOP_API_KEY", SECRET_IN_FILES)],
        )
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
            .contains("a secret's value is never written to a file"),
        "{}",
        refused.stderr
    );
    for text in [&refused.stdout, &refused.stderr] {
        assert!(!text.contains(SECRET_IN_FILES), "{text}");
        assert!(!text.contains(SECRET_ON_RAILWAY), "{text}");
    }
    let after = std::fs::read_to_string(world.path().join("shop.mirage")).expect("read");
    assert_eq!(before, after);
}

#[tokio::test(flavor = "multi_thread")]
async fn prefer_files_adopts_and_the_next_apply_makes_railway_match() {
    let (world, production) = applied_then_forgotten("").await;
    change_web(
        &world,
        &production,
        json!({
            "deploy": {"startCommand": "nginx -g 'daemon on;'"},
            "variables": {"LOG_LEVEL": {"value": "debug"}},
        }),
    )
    .await;
    let run = world
        .mirage(&["import", ".", "--all", "--prefer", "files"])
        .await
        .ok("import --prefer files");
    assert!(
        run.stdout
            .contains("2 conflict(s) adopted with the files' values"),
        "{}",
        run.stdout
    );
    assert!(owned_services(&world).contains(&("production".to_owned(), "web".to_owned())));
    let plan = world.mirage(&["plan", "."]).await.ok("plan");
    for line in [
        "  ~ service \"web\"\n",
        "~ deploy.startCommand: \"nginx -g 'daemon on;'\" → \"nginx -g 'daemon off;'\"",
        "~ variables.LOG_LEVEL: \"debug\" → \"info\"",
    ] {
        assert!(plan.stdout.contains(line), "{line}\n{}", plan.stdout);
    }
    assert!(
        !plan.stdout.contains("declared, not owned"),
        "{}",
        plan.stdout
    );
    world.apply().await;
    world
        .assert_no_changes("after --prefer files and apply")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn prefer_railway_edits_the_files_in_place_or_as_an_override() {
    let (world, production) = applied_then_forgotten("").await;
    // `LOG_LEVEL` is in the `web` block both environments use: written as
    // production's override. `REGION_NOTE` is production's own: edited in
    // place.
    change_web(
        &world,
        &production,
        json!({"variables": {
            "LOG_LEVEL": {"value": "debug"},
            "REGION_NOTE": {"value": "us"},
        }}),
    )
    .await;
    // Staging too, whose block has no `service "web"` (nor any block).
    let (_, staging) = world.environment_id("shop", "staging").await;
    change_web(
        &world,
        &staging,
        json!({"variables": {"LOG_LEVEL": {"value": "warn"}}}),
    )
    .await;
    let run = world
        .mirage(&["import", ".", "--all", "--prefer", "railway"])
        .await
        .ok("import --prefer railway");
    assert!(
        run.stdout
            .contains("production/web variables.REGION_NOTE (in place) now says Railway's value"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "production/web variables.LOG_LEVEL (override in environment \"production\")"
        ),
        "{}",
        run.stdout
    );
    let edited = std::fs::read_to_string(world.path().join("shop.mirage")).expect("read");
    insta::assert_snapshot!("prefer_railway_variables", edited);
    assert!(owned_services(&world).contains(&("production".to_owned(), "web".to_owned())));
    world.assert_no_changes("after --prefer railway").await;
    let check = world.mirage(&["fmt", "--check", "."]).await;
    assert_eq!(check.code, Some(0), "{}{}", check.stdout, check.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn prefer_railway_rewrites_a_setting_node_with_the_shared_mapping() {
    let (world, production) = applied_then_forgotten("").await;
    change_web(
        &world,
        &production,
        json!({"deploy": {"startCommand": "nginx -g 'daemon on;'"}}),
    )
    .await;
    let run = world
        .mirage(&["import", ".", "--env", "production", "--prefer", "railway"])
        .await;
    // The setting's line comes from `adopt::nodes::settings`, the
    // mapping every adopt command shares. `start` is in the `web` block
    // both environments use: production gets an override, staging keeps
    // the files' value.
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let text = std::fs::read_to_string(world.path().join("shop.mirage")).expect("read");
    insta::assert_snapshot!("prefer_railway_setting", text);
    assert!(owned_services(&world).contains(&("production".to_owned(), "web".to_owned())));
    world.assert_no_changes("after --prefer railway").await;
}
