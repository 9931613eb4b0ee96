//! `mirage import`: resources made on Railway by hand (through the
//! emulator's API) that the `.mirage` files declare become Mirage's, so
//! the next plan manages them (destruction included); what the files do
//! not declare is left alone.

use crate::support;

use mirage::state::{OwnedFilter, ResourceKind, Store};
use serde_json::json;
use support::World;

#[tokio::test(flavor = "multi_thread")]
async fn import_adopts_what_the_files_declare() {
    let world = World::with_example("quickstart").await;
    // Made by hand: the project (its default environment is `production`),
    // `web` half configured, and `legacy`, which the files do not declare.
    let (project, env) = world.harness.project("quickstart").await;
    let web = world.harness.service(&project, "web", "nginx:1.27").await;
    let legacy = world.harness.service(&project, "legacy", "redis:7").await;
    world
        .harness
        .commit(
            &env,
            json!({"services": {web.clone(): {"variables": {"PORT": {"value": "80"}}}}}),
        )
        .await
        .data();
    let before = world.mirage(&["plan", "."]).await.ok("plan");
    assert!(!before.stdout.contains("+ project"), "{}", before.stdout);
    assert!(
        before.stdout.contains("~ service \"web\""),
        "{}",
        before.stdout
    );
    assert!(before.stdout.contains("mirage import"), "{}", before.stdout);

    let imported = world.mirage(&["import", "."]).await.ok("import");
    for line in [
        "imported project \"quickstart\"",
        "imported environment \"production\"",
        "imported service \"web\" in \"production\"",
        "Import complete: 3 imported, 0 already Mirage's.",
        "1 resource(s) on Railway are not declared",
    ] {
        assert!(imported.stdout.contains(line), "{}", imported.stdout);
    }
    assert!(!imported.stdout.contains("legacy"), "{}", imported.stdout);
    let store = Store::open(world.path().join(".mirage/state.db")).expect("state");
    let owned = store.list_owned(&OwnedFilter::default()).expect("owned");
    let web_record = owned
        .iter()
        .find(|r| r.key.kind == ResourceKind::Service && r.key.name == "web")
        .expect("web is owned");
    assert_eq!(web_record.railway_id.as_deref(), Some(web.as_str()));
    assert_eq!(web_record.origin.as_str(), "adopted");
    assert!(owned.iter().all(|r| r.key.name != "legacy"));
    drop(store);

    // The plan is the same real differences, nothing created twice.
    // Before the import, the plan also said that this state owns nothing
    // there (and how to fix that); after it, it does not.
    let after = world.mirage(&["plan", "."]).await.ok("plan");
    let note = "Mirage owns nothing in `production` in this state (`./.mirage/state.db`); if the project was applied from elsewhere, point MIRAGE_STATE at the shared state or run `mirage import`.\n";
    assert!(before.stdout.ends_with(note), "{}", before.stdout);
    assert_eq!(before.stdout.replace(note, ""), after.stdout);
    world.apply().await;
    world
        .assert_no_changes("after importing and applying")
        .await;
    let remote = world.assert_no_duplicates("quickstart").await;
    assert_eq!(remote.services.len(), 2);

    // Importing again adds nothing.
    let again = world.mirage(&["import", "."]).await.ok("import again");
    assert!(
        again.stdout.contains("0 imported, 3 already Mirage's"),
        "{}",
        again.stdout
    );

    // Managed now: removing `web` from the files destroys it; `legacy`
    // stays untouched.
    world.edit("main.mirage", |text| {
        let start = text.find("service \"web\"").expect("web block");
        let end = text[start..].find("}\n").expect("block end") + start + 2;
        format!("{}{}", &text[..start], &text[end..])
    });
    let plan = world.mirage(&["plan", "."]).await.ok("plan");
    assert!(plan.stdout.contains("- service \"web\""), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("service \"legacy\" in \"production\""),
        "legacy is still listed as unmanaged: {}",
        plan.stdout
    );
    let (config, _) = world.harness.config(&env).await;
    assert!(config["services"].get(&legacy).is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn import_needs_the_project_on_railway() {
    let world = World::with_example("quickstart").await;
    let run = world.mirage(&["import", "."]).await;
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("there is no project `quickstart` on Railway"),
        "{}",
        run.stderr
    );
}
