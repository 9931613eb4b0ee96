//! Railway's sealed variables and rotation by keyed digests (issue #21):
//! `NAME (secret)"env:X" sealed=#true` is written with `isSealed`, Railway
//! (the emulator) never returns its value again, plans compare the desired
//! value's HMAC digest with the one recorded at the last write, a rotation
//! shows as `(sensitive) (changed)` and an unchanged secret is not written
//! again. Neither values nor their digests reach plan output, plan JSON,
//! saved plans or (in clear) the state database.

use crate::support;

use serde_json::{Value, json};
use support::{Db, World};

const SEALED: &str = "sealed_value_NEVER_PRINT_7c1f";
const ROTATED: &str = "sealed_value_ROTATED_NEVER_PRINT_2b9d";
const PLAIN: &str = "plain_secret_NEVER_PRINT_40aa";
const PLAIN_ROTATED: &str = "plain_secret_ROTATED_NEVER_PRINT_e51c";

const PROJECT: &str = r#"project "vaulted"

service "api" {
    image "nginx:1.27"
    vars {
        MODE "production"
        API_KEY (secret)"env:API_KEY" sealed=#true
        DB_PASSWORD (secret)"env:DB_PASSWORD"
        SESSION (generate)"secret(32)" sealed=#true
    }
}

environment "production" {
    shared-vars {
        SHARED_TOKEN (secret)"env:API_KEY" sealed=#true
    }
}
"#;

fn secrets<'a>(sealed: &'a str, plain: &'a str) -> [(&'static str, &'a str); 2] {
    [("API_KEY", sealed), ("DB_PASSWORD", plain)]
}

async fn api_variables(world: &World) -> (String, String, Value) {
    let (_, env_id) = world.environment_id("vaulted", "production").await;
    let service_id = world.service_id(&env_id, "api").await;
    let (config, _) = world.harness.config(&env_id).await;
    let vars = config["services"][&service_id]["variables"].clone();
    (env_id, service_id, vars)
}

fn no_value_in(what: &str, text: &str) {
    for value in [SEALED, ROTATED, PLAIN, PLAIN_ROTATED] {
        assert!(
            !text.contains(value),
            "{what} shows a secret value:\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sealed_secret_is_written_sealed_converges_and_is_never_returned() {
    let world = World::with_files(&[("main.mirage", PROJECT)]).await;
    let env = secrets(SEALED, PLAIN);
    let plan = world.mirage_with(&["plan", "."], &env).await.ok("plan");
    assert!(
        plan.stdout
            .contains("+ variables.API_KEY = (sensitive) (sealed)"),
        "{}",
        plan.stdout
    );
    no_value_in("the plan", &(plan.stdout.clone() + &plan.stderr));
    let applied = world
        .mirage_with(&["apply", ".", "--auto-approve"], &env)
        .await
        .ok("apply");
    no_value_in("the apply", &(applied.stdout.clone() + &applied.stderr));

    // Railway holds it sealed and never returns its value, decrypted or not.
    let (env_id, service_id, vars) = api_variables(&world).await;
    assert_eq!(vars["API_KEY"]["isSealed"], json!(true), "{vars}");
    assert!(vars["API_KEY"].get("value").is_none(), "{vars}");
    assert_eq!(vars["SESSION"]["isSealed"], json!(true), "{vars}");
    assert!(vars["SESSION"].get("value").is_none(), "{vars}");
    assert_eq!(vars["DB_PASSWORD"]["value"], json!(PLAIN), "{vars}");
    let queried = world
        .harness
        .gql(
            "query($e: String!, $p: String!, $s: String!) { \
               variables(environmentId: $e, projectId: $p, serviceId: $s) \
               forDeploy: variablesForServiceDeployment(environmentId: $e, projectId: $p, serviceId: $s) }",
            json!({"e": env_id, "p": world.environment_id("vaulted", "production").await.0, "s": service_id}),
        )
        .await;
    let data = queried.data().to_string();
    assert!(
        !data.contains(SEALED),
        "a query returned the sealed value: {data}"
    );
    assert!(
        !data.contains("API_KEY"),
        "sealed variables are absent: {data}"
    );
    assert!(data.contains(PLAIN), "unsealed ones are there: {data}");

    let (config, _) = world.harness.config(&env_id).await;
    let shared = &config["sharedVariables"]["SHARED_TOKEN"];
    assert_eq!(shared["isSealed"], json!(true), "{shared}");
    assert!(shared.get("value").is_none(), "{shared}");

    // Write-only, yet the plan converges: the digest recorded at the write.
    let again = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &env)
        .await;
    assert_eq!(again.code, Some(0), "{}{}", again.stdout, again.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn rotation_is_changed_by_digests_and_an_unchanged_secret_is_not_rewritten() {
    let world = World::with_files(&[("main.mirage", PROJECT)]).await;
    let env = secrets(SEALED, PLAIN);
    world
        .mirage_with(&["apply", ".", "--auto-approve"], &env)
        .await
        .ok("apply");

    // Unchanged: an apply writes nothing (it costs what a plan costs: the
    // reads) and Railway's config is as it was.
    let (env_id, _, _) = api_variables(&world).await;
    let (_, etag) = world.harness.config(&env_id).await;
    let r0 = world.harness.requests().await;
    world.mirage_with(&["plan", "."], &env).await.ok("plan");
    let r1 = world.harness.requests().await;
    world
        .mirage_with(&["apply", ".", "--auto-approve"], &env)
        .await
        .ok("apply unchanged");
    let r2 = world.harness.requests().await;
    assert_eq!(
        r2 - r1,
        r1 - r0,
        "the apply sent nothing but the plan's reads"
    );
    assert_eq!(
        world.harness.config(&env_id).await.1,
        etag,
        "nothing was written"
    );

    // The sealed secret rotated: changed, without either value.
    let rotated = secrets(ROTATED, PLAIN);
    let plan = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &rotated)
        .await;
    assert_eq!(plan.code, Some(2), "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout
            .contains("~ variables.API_KEY = (sensitive) (changed) (sealed)"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("~ sharedVariables.SHARED_TOKEN = (sensitive) (changed) (sealed)"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("DB_PASSWORD"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("SESSION"), "{}", plan.stdout);
    no_value_in("the plan", &(plan.stdout.clone() + &plan.stderr));
    world
        .mirage_with(&["apply", ".", "--auto-approve"], &rotated)
        .await
        .ok("apply the rotation");
    let r3 = world.harness.requests().await;
    assert!(r3 - r2 > r1 - r0, "the rotation was written");
    assert_ne!(world.harness.config(&env_id).await.1, etag, "written");
    let (_, _, vars) = api_variables(&world).await;
    assert_eq!(vars["API_KEY"]["isSealed"], json!(true), "{vars}");
    let plan = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &rotated)
        .await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);

    // A secret that is not sealed, rotated: found by comparing digests.
    let both = secrets(ROTATED, PLAIN_ROTATED);
    let plan = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &both)
        .await;
    assert_eq!(plan.code, Some(2), "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout
            .contains("~ variables.DB_PASSWORD = (sensitive) (changed)"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("API_KEY"), "{}", plan.stdout);
    world
        .mirage_with(&["apply", ".", "--auto-approve"], &both)
        .await
        .ok("apply");
    let (_, _, vars) = api_variables(&world).await;
    assert_eq!(vars["DB_PASSWORD"]["value"], json!(PLAIN_ROTATED));
    let plan = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &both)
        .await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_value_or_digest_reaches_plan_json_saved_plans_or_the_database() {
    let world = World::with_files(&[("main.mirage", PROJECT)]).await;
    world
        .mirage_with(&["apply", ".", "--auto-approve"], &secrets(SEALED, PLAIN))
        .await
        .ok("apply");
    let rotated = secrets(ROTATED, PLAIN_ROTATED);
    let json_plan = world
        .mirage_with(&["plan", ".", "--json"], &rotated)
        .await
        .ok("plan --json");
    let out = world.path().join("rotation.plan");
    world
        .mirage_with(&["plan", ".", "--out", out.to_str().unwrap()], &rotated)
        .await
        .ok("plan --out");
    let saved = std::fs::read_to_string(&out).expect("saved plan");

    // The digests that matter: under the project's key, of every value.
    let store = mirage::state::Store::open(world.path().join(".mirage/state.db")).expect("db");
    let key = store.digest_key("vaulted").expect("the key was created");
    let digests: Vec<String> = [SEALED, ROTATED, PLAIN, PLAIN_ROTATED]
        .iter()
        .map(|v| mirage::secrets::digest::digest(&key, v).to_hex())
        .collect();
    for (what, text) in [("plan JSON", &json_plan.stdout), ("saved plan", &saved)] {
        no_value_in(what, text);
        for digest in &digests {
            assert!(!text.contains(digest.as_str()), "{what} holds a digest");
        }
        assert!(text.contains("\"sensitive\": true") || text.contains("\"sensitive\":true"));
    }
    let parsed: Value = serde_json::from_str(&json_plan.stdout).expect("json");
    assert!(parsed.to_string().contains("\"sealed\":true"), "{parsed}");

    // The database: digests only, never a value in clear.
    let recorded = store.secret_digests("vaulted").expect("digests");
    assert_eq!(
        recorded.len(),
        2,
        "one sealed secret written to a service and a shared variable: {recorded:?}"
    );
    drop(store);
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(world.path().join(".mirage")).expect(".mirage") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            bytes.extend(std::fs::read(&path).expect("read"));
        }
    }
    for value in [SEALED, ROTATED, PLAIN, PLAIN_ROTATED] {
        assert!(
            !bytes.windows(value.len()).any(|w| w == value.as_bytes()),
            "the state database holds `{value}` in clear"
        );
    }
    let sealed_digest = &digests[0];
    assert!(
        bytes
            .windows(sealed_digest.len())
            .any(|w| w == sealed_digest.as_bytes()),
        "the digest of the value written is what is recorded"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unsealing_warns_removing_works_and_copies_leave_sealed_out() {
    let world = World::with_files(&[("main.mirage", PROJECT)]).await;
    let env = secrets(SEALED, PLAIN);
    world
        .mirage_with(&["apply", ".", "--auto-approve"], &env)
        .await
        .ok("apply");

    // The files no longer seal it: a warning, and no rewrite loop.
    world.edit("main.mirage", |t| {
        t.replace(
            r#"(secret)"env:API_KEY" sealed=#true"#,
            r#"(secret)"env:API_KEY""#,
        )
    });
    let plan = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &env)
        .await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stderr
            .contains("is sealed on Railway but not in the files"),
        "{}",
        plan.stderr
    );

    // Railway refuses unsealing.
    let (env_id, service_id, _) = api_variables(&world).await;
    let refused = world
        .harness
        .commit(
            &env_id,
            json!({"services": {&service_id: {"variables": {"API_KEY": {"value": "x", "isSealed": false}}}}}),
        )
        .await;
    assert!(
        refused.error().contains("cannot be unsealed"),
        "{}",
        refused.error()
    );

    // An environment made from this one does not get sealed variables.
    let (project_id, _) = world.environment_id("vaulted", "production").await;
    let created = world
        .harness
        .gql(
            "mutation($p: String!, $s: String!) { environmentCreate(input: {projectId: $p, name: \"copy\", sourceEnvironmentId: $s}) { id } }",
            json!({"p": project_id, "s": env_id}),
        )
        .await;
    let copy_id = created.data()["environmentCreate"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (copy, _) = world.harness.config(&copy_id).await;
    let copied = &copy["services"][&service_id]["variables"];
    assert!(copied.get("API_KEY").is_none(), "{copied}");
    assert!(copied.get("SESSION").is_none(), "{copied}");
    assert_eq!(copied["MODE"]["value"], json!("production"), "{copied}");
    assert!(
        copy["sharedVariables"].get("SHARED_TOKEN").is_none(),
        "{copy}"
    );

    // A plain variable sealed by hand: written once (nothing recorded to
    // compare with), then recorded — a warning, no rewrite loop.
    world
        .harness
        .commit(
            &env_id,
            json!({"services": {&service_id: {"variables": {"MODE": {"isSealed": true}}}}}),
        )
        .await
        .data();
    let plan = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &env)
        .await;
    assert_eq!(plan.code, Some(2), "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout
            .contains("~ variables.MODE = (sensitive) (changed) (sealed)"),
        "{}",
        plan.stdout
    );
    assert!(plan.stderr.contains("`MODE` of `api`"), "{}", plan.stderr);
    world
        .mirage_with(&["apply", ".", "--auto-approve"], &env)
        .await
        .ok("apply");
    let plan = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &env)
        .await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);

    // Removing a sealed variable works.
    world.edit("main.mirage", |t| {
        t.replace("        API_KEY (secret)\"env:API_KEY\"\n", "")
    });
    let plan = world.mirage_with(&["plan", "."], &env).await.ok("plan");
    assert!(
        plan.stdout.contains("- variables.API_KEY"),
        "{}",
        plan.stdout
    );
    world
        .mirage_with(&["apply", ".", "--auto-approve", "--allow-destroy"], &env)
        .await
        .ok("apply the removal");
    let (_, _, vars) = api_variables(&world).await;
    assert!(vars.get("API_KEY").is_none(), "{vars}");
    let plan = world
        .mirage_with(&["plan", ".", "--detailed-exitcode"], &env)
        .await;
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_secret_and_generated_values_can_be_sealed() {
    let world = World::with_files(&[(
        "main.mirage",
        "project \"p\"\nservice \"api\" {\n    image \"nginx\"\n    vars {\n        MODE \"x\" sealed=#true\n        KEY (secret)\"env:K\" sealed=\"yes\"\n    }\n}\nenvironment \"production\"\n",
    )])
    .await;
    let run = world.mirage_with(&["plan", "."], &[("K", "v")]).await;
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("mirage::resolve::sealed_plain_value"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("mirage::resolve::invalid_value_type"),
        "{}",
        run.stderr
    );
    assert_eq!(world.harness.requests().await, 0);
}

crate::on_both_backends!(the_digest_key_is_made_once_and_digests_are_recorded_and_forgotten);

fn the_digest_key_is_made_once_and_digests_are_recorded_and_forgotten(db: &Db) {
    use mirage::secrets::digest::digest;
    let store = db.open();
    let key = store.digest_key("shop").expect("made");
    let again = db.open().digest_key("shop").expect("read");
    assert_eq!(
        digest(&key, "v"),
        digest(&again, "v"),
        "one key per project"
    );
    let other = store.digest_key("other").expect("made");
    assert_ne!(digest(&key, "v"), digest(&other, "v"), "a key per project");
    let at = (
        "production".to_owned(),
        Some("api".to_owned()),
        "KEY".to_owned(),
    );
    let shared = ("production".to_owned(), None, "KEY".to_owned());
    store
        .record_secret_digest("shop", &at, &digest(&key, "one"))
        .expect("record");
    store
        .record_secret_digest("shop", &at, &digest(&key, "two"))
        .expect("record again");
    store
        .record_secret_digest("shop", &shared, &digest(&key, "three"))
        .expect("record shared");
    let recorded = store.secret_digests("shop").expect("read");
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[&at], digest(&key, "two"));
    assert_eq!(recorded[&shared], digest(&key, "three"));
    store.forget_secret_digest("shop", &at).expect("forget");
    assert_eq!(store.secret_digests("shop").expect("read").len(), 1);
    assert!(store.secret_digests("other").expect("read").is_empty());
}

/// `std/vault`: a project running HashiCorp Vault on Railway checks,
/// applies and converges, with the healthcheck that passes while Vault is
/// sealed and its storage on a volume.
#[tokio::test(flavor = "multi_thread")]
async fn std_vault_checks_and_converges() {
    let world = World::with_files(&[(
        "main.mirage",
        r#"project "secrets-host"

import "std/vault"

service "vault" from="std/vault"

service "api" {
    image "nginx:1.27"
    vars {
        VAULT_ADDR "${{vault.VAULT_PRIVATE_URL}}"
    }
}

environment "production"
"#,
    )])
    .await;
    world.mirage(&["check", "."]).await.ok("check");
    world.apply().await;
    world.assert_no_changes("std/vault applied").await;
    let (_, env_id) = world.environment_id("secrets-host", "production").await;
    let service_id = world.service_id(&env_id, "vault").await;
    let (config, _) = world.harness.config(&env_id).await;
    let vault = &config["services"][&service_id];
    assert_eq!(
        vault["deploy"]["healthcheckPath"],
        json!("/v1/sys/health?standbyok=true&sealedcode=200&uninitcode=200"),
        "{vault}"
    );
    assert_eq!(vault["source"]["image"], json!("hashicorp/vault:1.20"));
    let mounts = vault["volumeMounts"].as_object().expect("a volume");
    assert!(
        mounts
            .values()
            .any(|m| m["mountPath"] == json!("/vault/file")),
        "{vault}"
    );
    let local = vault["variables"]["VAULT_LOCAL_CONFIG"]["value"]
        .as_str()
        .expect("the config");
    let parsed: Value = serde_json::from_str(local).expect("VAULT_LOCAL_CONFIG is JSON");
    assert_eq!(parsed["storage"]["file"]["path"], json!("/vault/file"));
    assert_eq!(parsed["disable_mlock"], json!(true));
}
