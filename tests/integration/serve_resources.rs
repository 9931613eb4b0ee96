//! Sizes of a serve-created environment's services (issue #18, room
//! `resources`): a creator asks for replicas, CPU and memory within what
//! the template gives each service; the create's job applies them to
//! exactly that environment on the emulator, and nothing else moves.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::preview::{context, environment, everything_but_previews, shop};
use mirage::engine::{self, Context, Lock, Secrets, Selection};
use mirage::serve::Lifecycle;
use mirage::serve::environments::{self as envs, CreateRequest, ResourceOverride};
use mirage::serve::previews::Cancel;
use mirage::state::{FixedClock, Timestamp};

const START: Timestamp = Timestamp(1_900_000_000);

fn request(name: &str, resources: BTreeMap<String, ResourceOverride>) -> CreateRequest {
    CreateRequest {
        project: "acme-shop".to_owned(),
        template: "pr".to_owned(),
        name: name.to_owned(),
        variables: BTreeMap::new(),
        ttl: Some(Duration::from_secs(3600)),
        owner: "user_alice".to_owned(),
        services: None,
        resources,
    }
}

fn sized(replicas: Option<u32>, cpu: Option<f64>, memory: Option<&str>) -> ResourceOverride {
    ResourceOverride {
        replicas,
        cpu,
        memory: memory.map(str::to_owned),
    }
}

/// Accepts `request` and runs its job as the worker does.
async fn create(context: &Context, dir: &Path, request: &CreateRequest) {
    let loaded = engine::load(dir).expect("the files");
    let store = engine::open_store(context, dir).expect("the state");
    envs::create(&loaded, &store, request, 3).expect("accepted");
    let claim = store
        .claim_job("acme-shop", "test-worker", Duration::from_secs(60))
        .expect("a claim")
        .expect("a job");
    let lifecycle = Lifecycle::new(
        context.clone(),
        dir.to_path_buf(),
        mirage::github::ClientOptions::default(),
    );
    let result = mirage::serve::jobs::run(&lifecycle, &claim.job, &Cancel::new()).await;
    let state = if result.is_ok() {
        mirage::state::JobState::Done
    } else {
        mirage::state::JobState::Failed
    };
    store
        .finish_job(
            &claim,
            state,
            result.as_ref().err().map(|e| e.message.as_str()),
        )
        .expect("finished");
    result.expect("the job ran");
}

#[tokio::test(flavor = "multi_thread")]
async fn sizes_asked_for_reach_that_environment_only_and_a_second_plan_changes_nothing() {
    let world = shop().await;
    let context = context(&world, Arc::new(FixedClock::at(START)));
    let dir = world.path();
    let before = everything_but_previews(&world).await;
    let resources = BTreeMap::from([("api".to_owned(), sized(Some(1), Some(0.5), Some("512MB")))]);
    create(&context, &dir, &request("alice-small", resources.clone())).await;

    // Railway's config of the new environment has them, for `api` only.
    let id = environment(&world, "alice-small").await.expect("created");
    let (config, _) = world.harness.config(&id).await;
    let api = world.service_id(&id, "api").await;
    let deploy = &config["services"][&api]["deploy"];
    assert_eq!(deploy["numReplicas"], 1, "{deploy}");
    assert_eq!(
        deploy["limitOverride"]["containers"]["memoryBytes"], 512_000_000u64,
        "{deploy}"
    );
    assert_eq!(
        deploy["limitOverride"]["containers"]["cpu"], 0.5,
        "{deploy}"
    );
    let web = world.service_id(&id, "web").await;
    assert!(
        config["services"][&web]["deploy"]["limitOverride"].is_null(),
        "{config}"
    );

    // Every other environment is as it was.
    let (mut after, services) = everything_but_previews(&world).await;
    after.remove("alice-small");
    assert_eq!((after, services), before);

    // A second plan of it, through the same instance path, changes
    // nothing.
    let loaded = engine::load(&dir).expect("files");
    let model = envs::instance_of(
        &loaded,
        "pr",
        "alice-small",
        &BTreeMap::new(),
        None,
        &resources,
    )
    .expect("an instance");
    let session = engine::prepare_loaded(
        &context,
        &dir,
        engine::Loaded {
            project: model,
            ..loaded
        },
        &Selection::default(),
        Lock::None,
        Secrets::Read,
    )
    .await
    .expect("planned");
    assert!(!session.plan.has_changes(), "{:?}", session.plan.summary());
    world
        .assert_no_changes("after an environment with its own sizes")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sizes_above_the_template_or_of_no_service_are_refused_with_every_other_problem() {
    let world = shop().await;
    let context = context(&world, Arc::new(FixedClock::at(START)));
    let dir = world.path();
    let loaded = engine::load(&dir).expect("the files");
    let store = engine::open_store(&context, &dir).expect("the state");
    let mut asked = request(
        "Bad_Name",
        BTreeMap::from([
            // The template gives `api` 1 replica (layer `dev`).
            ("api".to_owned(), sized(Some(2), Some(65.0), Some("40GB"))),
            // `db` has a volume: one replica at most.
            ("db".to_owned(), sized(None, Some(0.0), Some("lots"))),
            ("ghost".to_owned(), sized(Some(1), None, None)),
            // `worker` is not one of the template's services.
            ("worker".to_owned(), sized(Some(1), None, None)),
        ]),
    );
    let failure = envs::validate(&loaded, &store, &asked, START).expect_err("refused");
    let messages: Vec<(&str, &str)> = failure
        .diagnostics
        .iter()
        .map(|d| (d.code, d.message.as_str()))
        .collect();
    let has = |code: &str, words: &[&str]| {
        messages
            .iter()
            .any(|(c, m)| *c == code && words.iter().all(|w| m.contains(w)))
    };
    assert!(
        has("mirage::serve::bad_environment_name", &[]),
        "{messages:#?}"
    );
    assert!(
        has(
            "mirage::serve::resource_too_large",
            &["`api`", "replicas 2", "(1)"]
        ),
        "{messages:#?}"
    );
    assert!(
        has(
            "mirage::serve::resource_too_large",
            &["`api`", "65 vCPUs", "64 vCPUs"]
        ),
        "{messages:#?}"
    );
    // No limit in the template: the plan's (Pro, 32 GB per replica).
    assert!(
        has(
            "mirage::serve::resource_too_large",
            &["`api`", "40GB", "32GB"]
        ),
        "{messages:#?}"
    );
    assert!(
        has("mirage::serve::bad_resource", &["`db`", "0 vCPUs"]),
        "{messages:#?}"
    );
    assert!(
        has("mirage::serve::bad_resource", &["`db`", "`lots`"]),
        "{messages:#?}"
    );
    assert!(
        has("mirage::serve::bad_resource", &["`ghost`"]),
        "{messages:#?}"
    );
    assert!(
        has("mirage::serve::bad_resource", &["`worker`"]),
        "{messages:#?}"
    );
    // A deselected service's sizes are refused too; within bounds, none.
    asked.name = "alice-ok".to_owned();
    asked.services = Some(vec!["db".to_owned()]);
    asked.resources = BTreeMap::from([
        ("db".to_owned(), sized(Some(1), None, Some("1GB"))),
        ("api".to_owned(), sized(Some(1), None, None)),
    ]);
    let failure = envs::validate(&loaded, &store, &asked, START).expect_err("refused");
    let codes: Vec<(&str, &str)> = failure
        .diagnostics
        .iter()
        .map(|d| (d.code, d.message.as_str()))
        .collect();
    assert_eq!(codes.len(), 1, "{codes:#?}");
    assert!(codes[0].1.contains("`api` is not selected"), "{codes:#?}");
    asked.resources.remove("api");
    envs::validate(&loaded, &store, &asked, START).expect("within bounds");
    // The preview lists each selected service's sizes and maxima.
    let preview = envs::preview(&loaded, &asked).expect("a preview");
    let db = &preview.resources;
    assert_eq!(db.len(), 1, "{db:?}");
    assert_eq!(db[0].service, "db");
    assert_eq!(db[0].max_replicas, 1);
    assert_eq!(db[0].memory_bytes, Some(1_000_000_000));
    assert_eq!(db[0].max_memory_bytes, 32_000_000_000);
}
