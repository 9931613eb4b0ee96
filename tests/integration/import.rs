//! `mirage import`: resources made on Railway by hand (through the
//! emulator's API) that the `.mirage` files declare become Mirage's, so
//! the next plan manages them (destruction included); what the files do
//! not declare is left alone. Adopting is deliberate (`--all` or a
//! selection; a bare import refuses off a terminal), partial imports leave
//! the rest unmanaged, and every view (plan, `state list --railway`, `ls`,
//! the dashboard) marks what is not Mirage's.

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
        before
            .stdout
            .contains("~ service \"web\" [declared, not owned]"),
        "{}",
        before.stdout
    );
    assert!(before.stdout.contains("mirage import"), "{}", before.stdout);
    assert!(
        before.stdout.contains("Not Mirage's: 1 unmanaged (on Railway, not in the files: left alone), 1 declared and not owned; `mirage import --all` adopts what the files declare"),
        "{}",
        before.stdout
    );

    let imported = world.mirage(&["import", ".", "--all"]).await.ok("import");
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

    // The plan is the same real differences, nothing created twice, and
    // `web` is no longer marked. Before the import, the plan also said
    // that this state owns nothing there (and how to fix that); after it,
    // it does not.
    let after = world.mirage(&["plan", "."]).await.ok("plan");
    let note = "Mirage owns nothing in `production` in this state (`./.mirage/state.db`); if the project was applied from elsewhere, point MIRAGE_STATE at the shared state or run `mirage import --all`.\n";
    assert!(before.stdout.ends_with(note), "{}", before.stdout);
    let unmarked = before
        .stdout
        .replace(note, "")
        .replace(" [declared, not owned]", "")
        .replace(
            "\nDeclared, not Mirage's yet (never destroyed until imported):\n  service \"web\" in \"production\"\n",
            "",
        )
        .replace(", 1 declared and not owned", "");
    assert_eq!(unmarked, after.stdout);
    world.apply().await;
    world
        .assert_no_changes("after importing and applying")
        .await;
    let remote = world.assert_no_duplicates("quickstart").await;
    assert_eq!(remote.services.len(), 2);

    // Importing again adds nothing.
    let again = world
        .mirage(&["import", ".", "--all"])
        .await
        .ok("import again");
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
    let run = world.mirage(&["import", ".", "--all"]).await;
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("there is no project `quickstart` on Railway"),
        "{}",
        run.stderr
    );
}

const TWO: &str = r#"project "two"

service "web" {
    image "nginx:1.27"
}

service "worker" {
    image "redis:7"
}

environment "production"
environment "staging"
"#;

/// `TWO` applied, then its state lost: all on Railway, nothing Mirage's.
async fn two_forgotten() -> World {
    let world = World::with_files(&[("two.mirage", TWO)]).await;
    world.apply().await;
    std::fs::remove_dir_all(world.path().join(".mirage")).expect("forget the state");
    world
}

fn owned_instances(world: &World) -> Vec<String> {
    let path = world.path().join(".mirage/state.db");
    if !path.exists() {
        return Vec::new();
    }
    let store = Store::open(path).expect("state");
    let mut out: Vec<String> = store
        .list_owned(&OwnedFilter {
            kind: Some(ResourceKind::Service),
            ..Default::default()
        })
        .expect("owned")
        .into_iter()
        .map(|r| format!("{}/{}", r.key.environment.unwrap_or_default(), r.key.name))
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bare_import_off_a_terminal_lists_and_refuses() {
    let world = two_forgotten().await;
    let run = world.mirage(&["import", "."]).await;
    assert_eq!(run.code, Some(2), "{}{}", run.stdout, run.stderr);
    for line in [
        "`mirage import` would adopt (Mirage may then change and destroy them):",
        "  service \"web\" in \"production\"",
        "  service \"worker\" in \"staging\"",
        "pass `--all` to adopt everything listed",
    ] {
        assert!(run.stderr.contains(line), "{line}\n{}", run.stderr);
    }
    assert!(owned_instances(&world).is_empty());
    // `--all` adopts it all.
    world
        .mirage(&["import", ".", "--all"])
        .await
        .ok("import --all");
    assert_eq!(
        owned_instances(&world),
        [
            "production/web",
            "production/worker",
            "staging/web",
            "staging/worker"
        ]
    );
    let plan = world.mirage(&["plan", "."]).await.ok("plan");
    assert!(!plan.stdout.contains("Not Mirage's"), "{}", plan.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partial_import_adopts_the_selection_and_the_plan_marks_the_rest() {
    let world = two_forgotten().await;
    world
        .mirage(&["import", ".", "--env", "staging"])
        .await
        .ok("import --env staging");
    assert_eq!(owned_instances(&world), ["staging/web", "staging/worker"]);
    let plan = world.mirage(&["plan", "."]).await.ok("plan");
    for line in [
        "Declared, not Mirage's yet (never destroyed until imported):\n  service \"web\" in \"production\" [declared, not owned]\n  service \"worker\" in \"production\" [declared, not owned]\n",
        "Not Mirage's: 2 declared and not owned; `mirage import --all` adopts what the files declare",
    ] {
        assert!(plan.stdout.contains(line), "{line}\n{}", plan.stdout);
    }
    let json = world
        .mirage(&["plan", ".", "--json"])
        .await
        .ok("plan --json");
    let plan: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan json");
    let management = |env: &str, service: &str| {
        plan["environments"]
            .as_array()
            .and_then(|e| e.iter().find(|e| e["name"] == env))
            .and_then(|e| e["services"].as_array())
            .and_then(|s| s.iter().find(|s| s["name"] == service))
            .map(|s| s["management"].clone())
            .expect("the service is planned")
    };
    assert_eq!(management("production", "web"), json!("declared"));
    assert_eq!(management("staging", "web"), serde_json::Value::Null);

    // `--services` picks services across the environments.
    world
        .mirage(&["import", ".", "--services", "worker"])
        .await
        .ok("import --services worker");
    assert_eq!(
        owned_instances(&world),
        ["production/worker", "staging/web", "staging/worker"]
    );
    // One not declared is a usage error.
    let unknown = world.mirage(&["import", ".", "--services", "wrker"]).await;
    assert_eq!(unknown.code, Some(2), "{}", unknown.stderr);
    assert!(
        unknown
            .stderr
            .contains("the files declare no service `wrker`"),
        "{}",
        unknown.stderr
    );
    // `--target` picks one instance.
    world
        .mirage(&["import", ".", "--target", "production/web"])
        .await
        .ok("import --target");
    assert_eq!(owned_instances(&world).len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn state_list_railway_and_ls_mark_what_is_not_mirages() {
    let world = two_forgotten().await;
    let (project, _) = world.environment_id("two", "production").await;
    world.harness.service(&project, "legacy", "redis:7").await;
    world
        .mirage(&["import", ".", "--env", "staging"])
        .await
        .ok("import --env staging");
    let listed = world
        .mirage(&["state", "list", "--railway"])
        .await
        .ok("state list --railway");
    for line in [
        "On Railway, not Mirage's:\n",
        "  service \"web\" in \"production\" [declared, not owned]\n",
        "  service \"legacy\" in \"production\" [unmanaged]\n",
        "  service \"legacy\" in \"staging\" [unmanaged]\n",
        "hint: `mirage import --all`",
    ] {
        assert!(listed.stdout.contains(line), "{line}\n{}", listed.stdout);
    }
    let json = world
        .mirage(&["state", "list", "--railway", "--json"])
        .await
        .ok("state list --railway --json");
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(value["declared"].as_array().map(Vec::len), Some(2));
    assert_eq!(value["unmanaged"][0]["management"], json!("unmanaged"));
    // Without `--railway`, the state alone (no Railway read).
    let plain = world.mirage(&["state", "list"]).await.ok("state list");
    assert!(!plain.stdout.contains("On Railway"), "{}", plain.stdout);

    let ls = world.mirage(&["ls", "two"]).await.ok("ls");
    assert!(
        ls.stdout.contains("Marked from the state database"),
        "{}",
        ls.stdout
    );
    let line = |env_heading: &str, service: &str| -> String {
        let section = ls
            .stdout
            .split(&format!("\n{env_heading}\n"))
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        section
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{service} ")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        line("production", "web").ends_with("[unmanaged]"),
        "{}",
        ls.stdout
    );
    assert!(
        line("production", "legacy").ends_with("[unmanaged]"),
        "{}",
        ls.stdout
    );
    assert!(!line("staging", "web").contains('['), "{}", ls.stdout);
    assert!(!line("staging", "web").is_empty(), "{}", ls.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_marks_a_service_that_is_not_mirages() {
    use crate::serve_dashboard_api::caller;
    use crate::support::{serve_config, serve_world};
    let world = crate::preview::shop().await;
    let (project, _) = world.environment_id("acme-shop", "production").await;
    world.harness.service(&project, "legacy", "redis:7").await;
    let running = serve_world(&world, serve_config(&world.path(), "acme-shop")).await;
    let store = running.store().clone();
    let (_, token) = caller(&store, "ada", "admin");
    let response = reqwest::Client::new()
        .get(format!(
            "http://{}/projects/acme-shop/environments/production",
            running.addr()
        ))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    let body = response.text().await.expect("body");
    let row = |name: &str| -> String {
        let start = body
            .find(&format!("<th scope=\"row\">{name}"))
            .unwrap_or_else(|| panic!("a row for `{name}`: {body}"));
        body[start..]
            .split("</th>")
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(row("legacy").contains("[unmanaged]"), "{}", row("legacy"));
    assert!(
        row("web").contains("<th scope=\"row\">web"),
        "{}",
        row("web")
    );
    assert!(!row("web").contains("[unmanaged]") && !row("web").contains("not owned"));
    running.shutdown().await;
}
