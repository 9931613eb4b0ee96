//! Serve's environments room end to end: environments created from a
//! template through durable jobs, destroyed, extended and collected, the
//! project's overview and its cache — the domain functions against the
//! emulator over HTTP, with the project's real state database (and the
//! state code on SQLite and PostgreSQL).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::preview::{context, environment, everything_but_previews, set_faults, shop};
use crate::support::{self, STRIPE, World};
use mirage::engine::{self, Context, Lock, Secrets, Selection};
use mirage::serve::Lifecycle;
use mirage::serve::Previews;
use mirage::serve::catalog::{self, Catalog, Kind};
use mirage::serve::environments::{self as envs, CreateRequest, Override};
use mirage::serve::previews::Cancel;
use mirage::state::{FixedClock, Location, NewServeEnvironment, Store, Timestamp};

const START: Timestamp = Timestamp(1_900_000_000);

fn request(name: &str) -> CreateRequest {
    CreateRequest {
        project: "acme-shop".to_owned(),
        template: "pr".to_owned(),
        name: name.to_owned(),
        variables: BTreeMap::from([
            (
                "PREVIEW_URL".to_owned(),
                Override::Value(format!("https://{name}.shop.example")),
            ),
            (
                "STRIPE_KEY".to_owned(),
                Override::Secret {
                    secret: "env:STRIPE_KEY".to_owned(),
                },
            ),
        ]),
        ttl: Some(Duration::from_secs(3600)),
        owner: "user_alice".to_owned(),
        services: None,
        resources: BTreeMap::new(),
    }
}

/// Creates `name` through serve: the request, then its job claimed from
/// the queue and run as the worker runs it. Returns the job's id.
async fn create(context: &Context, dir: &Path, request: &CreateRequest) -> i64 {
    let loaded = engine::load(dir).expect("the files");
    let store = engine::open_store(context, dir).expect("the state");
    let accepted = envs::create(&loaded, &store, request, 3).expect("accepted");
    run_next(context, dir, &store).await;
    accepted.job
}

/// Claims the project's next job and runs it; `Err` is the job's error.
async fn try_run_next(
    context: &Context,
    dir: &Path,
    store: &Store,
) -> Result<(), mirage::serve::PreviewError> {
    let claim = store
        .claim_job("acme-shop", "test-worker", Duration::from_secs(60))
        .expect("a claim")
        .expect("a job to run");
    // As the worker runs it: through the queue's dispatch and the
    // service's real lifecycle.
    let lifecycle = lifecycle(context, dir);
    let result = mirage::serve::jobs::run(&lifecycle, &claim.job, &Cancel::new()).await;
    let state = if result.is_ok() {
        mirage::state::JobState::Done
    } else {
        mirage::state::JobState::Failed
    };
    let error = result.as_ref().err().map(|e| e.message.clone());
    store
        .finish_job(&claim, state, error.as_deref())
        .expect("finished");
    result
}

fn lifecycle(context: &Context, dir: &Path) -> Lifecycle {
    Lifecycle::new(
        context.clone(),
        dir.to_path_buf(),
        mirage::github::ClientOptions::default(),
    )
}

async fn run_next(context: &Context, dir: &Path, store: &Store) {
    try_run_next(context, dir, store)
        .await
        .expect("the job ran");
}

/// Every environment but `except`, as [`everything_but_previews`] reads it.
async fn everything_but(world: &World, except: &[&str]) -> (BTreeMap<String, Value>, Value) {
    let (mut environments, services) = everything_but_previews(world).await;
    environments.retain(|name, _| !except.contains(&name.as_str()));
    (environments, services)
}

/// The variables of service `service` in environment `env_id`.
async fn variables(world: &World, env_id: &str, service: &str) -> Value {
    let (config, _) = world.harness.config(env_id).await;
    let id = world.service_id(env_id, service).await;
    config["services"][&id]["variables"].clone()
}

fn codes(failure: &mirage::engine::Failure) -> Vec<&'static str> {
    failure.diagnostics.iter().map(|d| d.code).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn create_makes_the_template_under_its_name_and_a_second_plan_changes_nothing() {
    let world = shop().await;
    let clock = Arc::new(FixedClock::at(START));
    let context = context(&world, clock.clone());
    let dir = world.path();
    let before = everything_but_previews(&world).await;
    let job = create(&context, &dir, &request("alice-one")).await;
    // On Railway: the template's services, the overrides in place.
    let id = environment(&world, "alice-one").await.expect("created");
    let (config, _) = world.harness.config(&id).await;
    let mut services: Vec<String> = Vec::new();
    for service_id in config["services"].as_object().expect("services").keys() {
        let (_, all) = everything_but_previews(&world).await;
        let name = all["edges"]
            .as_array()
            .expect("services")
            .iter()
            .find(|e| e["node"]["id"] == service_id.as_str())
            .map(|e| e["node"]["name"].as_str().unwrap_or_default().to_owned())
            .expect("a known service");
        services.push(name);
    }
    services.sort();
    assert_eq!(services, ["api", "cache", "db", "web"]);
    let web = variables(&world, &id, "web").await;
    assert_eq!(
        web["PREVIEW_URL"]["value"],
        "https://alice-one.shop.example"
    );
    let api = variables(&world, &id, "api").await;
    assert_eq!(
        api["STRIPE_KEY"]["value"], STRIPE,
        "the secret, read by reference"
    );
    // Recorded with its owner, its id and its deadline.
    let store = engine::open_store(&context, &dir).expect("state");
    let record = store
        .serve_environment("acme-shop", "alice-one")
        .expect("read")
        .expect("recorded");
    assert_eq!(record.owner, "user_alice");
    assert_eq!(record.environment_id.as_deref(), Some(id.as_str()));
    assert_eq!(record.expires_at, Some(Timestamp(START.0 + 3600)));
    assert_eq!(
        envs::owner_of(&store, "acme-shop", "alice-one").expect("owner"),
        Some("user_alice".to_owned())
    );
    // Its progress, in order, ending with the result; no secret in it.
    let progress = envs::progress(&store, "acme-shop", job, 0).expect("progress");
    assert!(progress.finished());
    let seqs: Vec<i64> = progress.events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    let kinds: Vec<&str> = progress.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"apply-started"), "{kinds:?}");
    assert!(kinds.contains(&"step"));
    assert_eq!(
        &kinds[kinds.len() - 3..],
        ["apply-finished", "done", "result"]
    );
    assert!(
        progress
            .events
            .iter()
            .any(|e| e.resource.as_deref() == Some("environment `alice-one`")
                || e.resource
                    .as_deref()
                    .is_some_and(|r| r.contains("alice-one"))),
        "{:?}",
        progress.events
    );
    for event in &progress.events {
        assert!(!event.message.contains(STRIPE), "{event:?}");
    }
    let result = progress.result.expect("a result");
    assert!(result.created >= 5, "{result:?}");
    assert_eq!(result.environment_id.as_deref(), Some(id.as_str()));
    let later = envs::progress(&store, "acme-shop", job, 3).expect("progress");
    assert_eq!(later.events.first().map(|e| e.seq), Some(4));
    // A second plan of it changes nothing.
    let loaded = engine::load(&dir).expect("files");
    let overrides = BTreeMap::from([
        (
            "PREVIEW_URL".to_owned(),
            mirage::model::VarValue::Plain("https://alice-one.shop.example".into()),
        ),
        (
            "STRIPE_KEY".to_owned(),
            mirage::model::VarValue::Secret(mirage::model::SecretRef {
                scheme: "env".into(),
                location: "STRIPE_KEY".into(),
            }),
        ),
    ]);
    let model = loaded
        .project
        .instance("pr", "alice-one", &overrides)
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
    // Nothing else changed; the files' own plan still has no changes.
    assert_eq!(everything_but(&world, &["alice-one"]).await, before);
    world
        .assert_no_changes("after a serve-created environment")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_are_refused_with_codes_before_railway_is_asked() {
    let world = shop().await;
    let context = context(&world, Arc::new(FixedClock::at(START)));
    let dir = world.path();
    let loaded = engine::load(&dir).expect("files");
    let store = engine::open_store(&context, &dir).expect("state");
    store
        .reserve_serve_environment(&NewServeEnvironment {
            project: "acme-shop",
            environment: "taken",
            template: "pr",
            owner: "user_bob",
            expires_at: None,
        })
        .expect("reserved");
    let requests = world.harness.requests().await;
    let with = |change: &dyn Fn(&mut CreateRequest)| {
        let mut r = request("fine-name");
        change(&mut r);
        r
    };
    let cases: Vec<(CreateRequest, Vec<&str>)> = vec![
        (
            with(&|r| r.name = "Bad Name".into()),
            vec!["mirage::serve::bad_environment_name"],
        ),
        (
            with(&|r| r.name = "x\n-forged".into()),
            vec!["mirage::serve::bad_environment_name"],
        ),
        (
            with(&|r| r.name = "a".repeat(41)),
            vec!["mirage::serve::bad_environment_name"],
        ),
        (
            with(&|r| r.name = "production".into()),
            vec!["mirage::serve::reserved_environment_name"],
        ),
        (with(&|r| r.name = "qa".into()), vec![]),
        (
            with(&|r| r.name = "pr-12".into()),
            vec!["mirage::serve::environment_exists"],
        ),
        (
            with(&|r| r.name = "taken".into()),
            vec!["mirage::serve::environment_exists"],
        ),
        (
            with(&|r| r.template = "staging".into()),
            vec!["mirage::serve::no_such_template"],
        ),
        (
            with(&|r| r.ttl = Some(Duration::from_secs(72 * 3600 + 1))),
            vec!["mirage::serve::ttl_too_long"],
        ),
        (
            with(&|r| r.ttl = Some(Duration::ZERO)),
            vec!["mirage::serve::bad_ttl"],
        ),
        (
            with(&|r| {
                r.variables
                    .insert("NOPE".into(), Override::Value("1".into()));
            }),
            vec!["mirage::serve::unknown_variable"],
        ),
        (
            with(&|r| {
                r.variables
                    .insert("STRIPE_KEY".into(), Override::Value("sk_live_clear".into()));
            }),
            vec!["mirage::serve::secret_in_clear"],
        ),
        (
            with(&|r| {
                r.variables.insert(
                    "STRIPE_KEY".into(),
                    Override::Secret {
                        secret: "http://x".into(),
                    },
                );
            }),
            vec!["mirage::serve::bad_secret_reference"],
        ),
        (
            with(&|r| {
                r.variables
                    .insert("PREVIEW_URL".into(), Override::Value("${{ broken".into()));
            }),
            vec!["mirage::serve::bad_override"],
        ),
        (
            with(&|r| {
                r.owner = " ".into();
                r.project = "other".into();
            }),
            vec!["mirage::serve::unknown_project", "mirage::serve::no_owner"],
        ),
    ];
    for (request, expected) in &cases {
        let result = envs::validate(&loaded, &store, request, START);
        match result {
            Ok(_) => assert!(expected.is_empty(), "{request:?} was accepted"),
            Err(failure) => {
                assert_eq!(codes(&failure), *expected, "{request:?}");
                assert_eq!(failure.exit, mirage::engine::Exit::Usage);
                for d in &failure.diagnostics {
                    assert!(!d.message.contains('\n'), "{}", d.message);
                    assert!(!d.message.contains("sk_live_clear"), "{}", d.message);
                    assert!(d.help.is_some(), "{}", d.code);
                }
            }
        }
    }
    // A refused create records and queues nothing.
    let refused = envs::create(&loaded, &store, &cases[0].0, 3).expect_err("refused");
    assert_eq!(codes(&refused), ["mirage::serve::bad_environment_name"]);
    assert_eq!(
        store.serve_environments("acme-shop").expect("list").len(),
        1,
        "only `taken`"
    );
    assert!(
        store
            .claim_job("acme-shop", "w", Duration::from_secs(5))
            .expect("claim")
            .is_none()
    );
    // Destroy and extend refuse what serve did not create.
    for failure in [
        envs::destroy(&loaded, &store, "staging", 3).expect_err("declared"),
        envs::destroy(&loaded, &store, "nothing", 3).expect_err("unknown"),
        envs::extend(&loaded, &store, "production", Duration::from_secs(60), "u").expect_err("no"),
    ] {
        assert_eq!(codes(&failure), ["mirage::serve::not_serve_environment"]);
    }
    assert_eq!(
        world.harness.requests().await,
        requests,
        "Railway was not asked"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn destroy_removes_that_environment_and_nothing_else() {
    let world = shop().await;
    let context = context(&world, Arc::new(FixedClock::at(START)));
    let dir = world.path();
    create(&context, &dir, &request("keep-me")).await;
    create(&context, &dir, &request("drop-me")).await;
    assert!(environment(&world, "drop-me").await.is_some());
    let before = everything_but(&world, &["drop-me"]).await;
    let loaded = engine::load(&dir).expect("files");
    let store = engine::open_store(&context, &dir).expect("state");
    let job = envs::destroy(&loaded, &store, "drop-me", 3).expect("queued");
    run_next(&context, &dir, &store).await;
    assert_eq!(environment(&world, "drop-me").await, None);
    assert_eq!(everything_but(&world, &["drop-me"]).await, before);
    assert_eq!(
        store.serve_environment("acme-shop", "drop-me").unwrap(),
        None
    );
    assert_eq!(store.ttl("acme-shop", "drop-me").unwrap(), None);
    let result = envs::progress(&store, "acme-shop", job, 0)
        .expect("progress")
        .result
        .expect("a result");
    assert!(result.destroyed >= 1, "{result:?}");
    // The same events as a server-sent events body, ending once the job
    // has ended.
    use axum::response::IntoResponse;
    let body = envs::sse(
        store.clone(),
        "acme-shop".to_owned(),
        job,
        0,
        Duration::from_millis(50),
    )
    .into_response()
    .into_body();
    let bytes = tokio::time::timeout(Duration::from_secs(10), axum::body::to_bytes(body, 1 << 20))
        .await
        .expect("the stream ends with the job")
        .expect("a body");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("event: step\n"), "{text}");
    assert!(text.contains("id: 1\n"), "{text}");
    assert!(text.contains("event: result\n"), "{text}");
    assert!(text.trim_end().contains("event: end\ndata: {"), "{text}");
    assert!(text.contains("\"state\":\"done\""), "{text}");
    // Another project's job is unknown.
    let other = envs::progress(&store, "other", job, 0).expect_err("unknown");
    assert_eq!(codes(&other), ["mirage::serve::unknown_job"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_environment_is_collected_and_nothing_else_and_extend_is_bounded() {
    let world = shop().await;
    let clock = Arc::new(FixedClock::at(START));
    let context = context(&world, clock.clone());
    let dir = world.path();
    create(&context, &dir, &request("short-lived")).await;
    let mut long = request("long-lived");
    long.ttl = None; // the template's: 72 hours
    create(&context, &dir, &long).await;
    let loaded = engine::load(&dir).expect("files");
    let store = engine::open_store(&context, &dir).expect("state");
    assert_eq!(
        store
            .serve_environment("acme-shop", "long-lived")
            .unwrap()
            .and_then(|e| e.expires_at),
        Some(Timestamp(START.0 + 72 * 3600))
    );
    // Extend: at once, bounded by the template's TTL.
    let too_long = envs::extend(
        &loaded,
        &store,
        "long-lived",
        Duration::from_secs(73 * 3600),
        "u",
    )
    .expect_err("too long");
    assert_eq!(codes(&too_long), ["mirage::serve::ttl_too_long"]);
    clock.advance(Duration::from_secs(1800));
    let extended = envs::extend(
        &loaded,
        &store,
        "long-lived",
        Duration::from_secs(3600),
        "user_alice",
    )
    .expect("extended");
    assert_eq!(extended.expires_at, Timestamp(START.0 + 1800 + 3600));
    // Nothing is due yet: GC leaves both.
    assert!(envs::gc(&context, &dir).await.expect("gc").is_empty());
    let before = everything_but(&world, &["short-lived"]).await;
    clock.advance(Duration::from_secs(1801));
    // Serve's GC job (previews, then serve-created environments).
    lifecycle(&context, &dir)
        .gc(&Cancel::new())
        .await
        .expect("the GC job");
    assert_eq!(environment(&world, "short-lived").await, None);
    assert!(environment(&world, "long-lived").await.is_some());
    assert_eq!(everything_but(&world, &["short-lived"]).await, before);
    assert_eq!(
        store.serve_environment("acme-shop", "short-lived").unwrap(),
        None
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_creates_of_one_name_at_once_make_one_environment() {
    let world = shop().await;
    let context = context(&world, Arc::new(FixedClock::at(START)));
    let dir = world.path();
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let (context, dir) = (context.clone(), dir.clone());
        tasks.push(tokio::task::spawn_blocking(move || {
            let loaded = engine::load(&dir).expect("files");
            let store = engine::open_store(&context, &dir).expect("state");
            envs::create(&loaded, &store, &request("twice"), 3)
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        match task.await.expect("joined") {
            Ok(_) => accepted += 1,
            Err(failure) => assert_eq!(codes(&failure), ["mirage::serve::environment_exists"]),
        }
    }
    assert_eq!(accepted, 1);
    let store = engine::open_store(&context, &dir).expect("state");
    run_next(&context, &dir, &store).await;
    assert!(
        store
            .claim_job("acme-shop", "w", Duration::from_secs(5))
            .expect("claim")
            .is_none(),
        "one job"
    );
    world.assert_no_duplicates("acme-shop").await;
    assert!(environment(&world, "twice").await.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_during_create_makes_no_duplicate() {
    let world = shop().await;
    let context = context(&world, Arc::new(FixedClock::at(START)));
    let dir = world.path();
    // Railway creates the environment; its answer is lost.
    set_faults(
        &world,
        json!([{"kind": "drop", "after": true, "operation": "environmentCreate", "nth": 1}]),
    )
    .await;
    let loaded = engine::load(&dir).expect("files");
    let store = engine::open_store(&context, &dir).expect("state");
    envs::create(&loaded, &store, &request("lossy"), 3).expect("accepted");
    let claim = store
        .claim_job("acme-shop", "w", Duration::from_secs(60))
        .expect("claim")
        .expect("the job");
    if let Err(error) = envs::run_job(&context, &dir, &claim.job, &Cancel::new()).await {
        // A failed attempt is retried: the retry converges.
        assert!(error.retry, "{error:?}");
        envs::run_job(&context, &dir, &claim.job, &Cancel::new())
            .await
            .expect("the retry");
    }
    assert_eq!(crate::preview::faults_injected(&world).await, 1);
    world.assert_no_duplicates("acme-shop").await;
    let id = environment(&world, "lossy").await.expect("created once");
    assert_eq!(
        store
            .serve_environment("acme-shop", "lossy")
            .unwrap()
            .and_then(|e| e.environment_id),
        Some(id)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_overview_lists_every_environment_and_concurrent_readers_read_once() {
    let world = shop().await;
    let context = context(&world, Arc::new(FixedClock::at(START)));
    let dir = world.path();
    create(&context, &dir, &request("alice-two")).await;
    let catalog = Arc::new(Catalog::new(Duration::from_secs(300)));
    let reads = Arc::new(AtomicUsize::new(0));
    let before = world.harness.requests().await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (catalog, context, dir, reads) =
            (catalog.clone(), context.clone(), dir.clone(), reads.clone());
        tasks.push(tokio::spawn(async move {
            catalog
                .overview("acme-shop", || async {
                    reads.fetch_add(1, Ordering::SeqCst);
                    catalog::read(&context, &dir).await
                })
                .await
        }));
    }
    let mut overviews = Vec::new();
    for task in tasks {
        overviews.push(task.await.expect("joined").expect("an overview"));
    }
    assert_eq!(
        reads.load(Ordering::SeqCst),
        1,
        "one read for eight readers"
    );
    let spent = world.harness.requests().await - before;
    assert!(spent <= 3, "{spent} requests");
    assert_eq!(overviews[0].requests, spent);
    let overview = &overviews[0];
    let kind = |name: &str| {
        overview
            .environments
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.kind)
    };
    assert_eq!(kind("production"), Some(Kind::Production));
    assert_eq!(kind("staging"), Some(Kind::Staging));
    assert_eq!(kind("alice-two"), Some(Kind::ServeCreated));
    assert_eq!(kind("pr"), None, "a template is not an environment");
    let mine = overview
        .environments
        .iter()
        .find(|e| e.name == "alice-two")
        .expect("listed");
    assert_eq!(mine.owner.as_deref(), Some("user_alice"));
    assert_eq!(mine.ttl_left_seconds, Some(3600));
    assert_eq!(mine.services.len(), 4);
    assert!(
        mine.services
            .iter()
            .any(|s| s.source.as_deref() == Some("repo:acme/shop")),
        "{:?}",
        mine.services
    );
    assert_eq!(overview.counts.serve_created, 1);
    assert_eq!(overview.counts.environments, 3);
    assert_eq!(overview.counts.services, 5);
    let template = &overview.templates[0];
    assert_eq!(template.name, "pr");
    assert_eq!(template.ttl_seconds, Some(72 * 3600));
    let stripe = template
        .variables
        .iter()
        .find(|v| v.name == "STRIPE_KEY")
        .expect("STRIPE_KEY");
    assert!(stripe.secret);
    assert!(
        !serde_json::to_string(&overview.templates)
            .unwrap()
            .contains(STRIPE)
    );
    // Cached: no request. Invalidated: one read again.
    let cached = world.harness.requests().await;
    catalog
        .overview("acme-shop", || async { panic!("fresh: not read") })
        .await
        .expect("cached");
    assert_eq!(world.harness.requests().await, cached);
    catalog.invalidate("acme-shop");
    catalog
        .overview("acme-shop", || catalog::read(&context, &dir))
        .await
        .expect("read again");
    assert!(world.harness.requests().await > cached);
}

/// The state code of this room, on each backend available here.
#[test]
fn serve_environments_and_job_events_are_recorded_on_every_backend() {
    let dir = tempfile::tempdir().unwrap();
    let mut locations = vec![("sqlite", Location::File(dir.path().join("state.db")))];
    if let Some(server) = support::postgres() {
        locations.push(("postgres", Location::parse(&server.database())));
    } else if std::env::var_os("MIRAGE_TEST_POSTGRES_REQUIRED").is_some() {
        panic!("PostgreSQL is required here");
    }
    for (backend, location) in locations {
        eprintln!("state of serve-created environments on {backend}");
        let clock = Arc::new(FixedClock::at(START));
        let store = Store::connect(&location).unwrap().with_clock(clock.clone());
        let new = NewServeEnvironment {
            project: "p",
            environment: "e1",
            template: "t",
            owner: "user_1",
            expires_at: Some(Timestamp(START.0 + 60)),
        };
        assert!(store.reserve_serve_environment(&new).unwrap(), "{backend}");
        assert!(
            !store.reserve_serve_environment(&new).unwrap(),
            "{backend}: once"
        );
        store.set_serve_environment_id("p", "e1", "env-id").unwrap();
        let record = store.serve_environment("p", "e1").unwrap().expect(backend);
        assert_eq!(record.environment_id.as_deref(), Some("env-id"));
        assert_eq!(record.expires_at, Some(Timestamp(START.0 + 60)));
        assert_eq!(record.created_at, START);
        assert_eq!(store.expired(Timestamp(START.0 + 60)).unwrap().len(), 1);
        for (kind, resource) in [("step", Some("service `api`")), ("done", None)] {
            store.append_job_event(7, kind, resource, "m").unwrap();
        }
        let events = store.job_events(7, 0).unwrap();
        assert_eq!(
            events
                .iter()
                .map(|e| (e.seq, e.kind.as_str()))
                .collect::<Vec<_>>(),
            [(1, "step"), (2, "done")],
            "{backend}"
        );
        assert_eq!(store.job_events(7, 1).unwrap().len(), 1);
        assert!(store.forget_serve_environment("p", "e1").unwrap());
        assert_eq!(store.serve_environment("p", "e1").unwrap(), None);
        assert_eq!(
            store.ttl("p", "e1").unwrap(),
            None,
            "{backend}: deadline too"
        );
        assert!(!store.forget_serve_environment("p", "e1").unwrap());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_environment_made_by_hand_is_never_taken_over() {
    let world = shop().await;
    let context = context(&world, Arc::new(FixedClock::at(START)));
    let dir = world.path();
    let project = world.project("acme-shop").await;
    let reply = world
        .harness
        .gql(
            "mutation($p: String!) { environmentCreate(input: {projectId: $p, name: \"by-hand\"}) { id } }",
            json!({"p": project.id}),
        )
        .await;
    let by_hand = reply.data()["environmentCreate"]["id"]
        .as_str()
        .expect("created by hand")
        .to_owned();
    let (before, _) = world.harness.config(&by_hand).await;
    let loaded = engine::load(&dir).expect("files");
    let store = engine::open_store(&context, &dir).expect("state");
    envs::create(&loaded, &store, &request("by-hand"), 3).expect("accepted");
    let error = try_run_next(&context, &dir, &store)
        .await
        .expect_err("refused");
    assert!(!error.retry, "{error:?}");
    assert!(error.message.contains("is not Mirage's"), "{error:?}");
    assert_eq!(world.harness.config(&by_hand).await.0, before, "untouched");
    assert_eq!(
        store.serve_environment("acme-shop", "by-hand").unwrap(),
        None,
        "the name is free again"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_answers_the_cli_json_and_an_apply_job_answers_its_counts() {
    let world = shop().await;
    let context = context(&world, Arc::new(FixedClock::at(START)));
    let dir = world.path();
    world.edit("environments.mirage", |text| {
        text.replace(
            "environment \"staging\" layer=\"dev\"",
            "environment \"staging\" layer=\"dev\" {\n    service \"api\" {\n        vars {\n            FROM_SERVE \"1\"\n        }\n    }\n}",
        )
    });
    let plan = envs::plan(&context, &dir).await.expect("a plan");
    let cli = world.mirage(&["plan", ".", "--json"]).await;
    let cli: Value = serde_json::from_str(&cli.stdout).expect("the CLI's JSON");
    assert_eq!(plan, cli, "the same shape as `mirage plan --json`");
    assert!(!plan.to_string().contains(STRIPE), "no secret in the plan");
    assert!(
        plan["summary"]["update"].as_u64().unwrap_or(0) >= 1,
        "{}",
        plan["summary"]
    );
    let store = engine::open_store(&context, &dir).expect("state");
    let job = envs::request_apply(
        &store,
        "acme-shop",
        &envs::ApplyPayload {
            allow_destroy: false,
            by: "user_admin".to_owned(),
        },
        3,
    )
    .expect("queued");
    run_next(&context, &dir, &store).await;
    let result = envs::progress(&store, "acme-shop", job, 0)
        .expect("progress")
        .result
        .expect("a result");
    assert_eq!(
        (result.created, result.changed, result.destroyed),
        (0, 1, 0),
        "{result:?}"
    );
    assert!(result.requests > 0);
    let staging = environment(&world, "staging").await.expect("staging");
    assert_eq!(
        variables(&world, &staging, "api").await["FROM_SERVE"]["value"],
        "1"
    );
    world.assert_no_changes("after the apply job").await;
}

/// A project's own Railway token, stored sealed through serve (as
/// `PUT /api/projects/{p}/railway-token` does), is what its jobs reach
/// Railway with: here the service's own token is one Railway refuses.
#[tokio::test(flavor = "multi_thread")]
async fn jobs_reach_railway_with_the_projects_sealed_token() {
    use mirage::secrets::{Keyring, MasterKey, SecretString};
    use mirage::serve::credentials::{self, ProjectCredentials};

    let harness = support::Harness::with(mirage::emulator::Options {
        clock: Duration::ZERO,
        tokens: vec!["test-account-token".to_owned()],
        ..mirage::emulator::Options::default()
    })
    .await;
    let world = crate::preview::shop_with(harness).await;
    let clock = Arc::new(FixedClock::at(START));
    let dir = world.path();
    // The service's token: Railway does not know it.
    let service = crate::preview::context_at(
        &world.harness.emu.url(),
        "a-token-railway-refuses",
        clock.clone(),
    );
    let loaded = engine::load(&dir).expect("the files");
    let store = engine::open_store(&service, &dir).expect("the state");
    let accepted = envs::create(&loaded, &store, &request("alice-sealed"), 3).expect("accepted");
    let claim = || {
        store
            .claim_job("acme-shop", "test-worker", Duration::from_secs(60))
            .expect("a claim")
    };
    let keyring = Arc::new(Keyring::new(MasterKey::generate().unwrap(), Vec::new()));
    let sealed = Some(ProjectCredentials {
        keyring: keyring.clone(),
        project: "acme-shop".to_owned(),
    });

    // No token stored: the job runs with the service's and is refused.
    let job = claim().expect("the create job");
    let without = lifecycle(&service, &dir).with_credentials(sealed.clone());
    let refused = mirage::serve::jobs::run(&without, &job.job, &Cancel::new())
        .await
        .expect_err("the service's token is refused");
    assert!(refused.retry, "worth retrying: {}", refused.message);
    assert!(
        store
            .retry_job(&job, Duration::ZERO, &refused.message)
            .expect("back in the queue")
    );
    assert_eq!(environment(&world, "alice-sealed").await, None);

    // An admin stores the team's token, sealed: the next attempt uses it.
    credentials::set_railway_token(
        &store,
        &keyring,
        "acme-shop",
        &SecretString::new("test-account-token".to_owned()),
        Some("user_admin"),
    )
    .expect("sealed and stored");
    let dump = std::fs::read(dir.join(".mirage/state.db")).unwrap_or_default();
    assert!(
        !String::from_utf8_lossy(&dump).contains("test-account-token"),
        "the database never holds the token in clear"
    );
    let job = claim().expect("the retry");
    assert_eq!(job.job.id, accepted.job);
    let with = lifecycle(&service, &dir).with_credentials(sealed);
    mirage::serve::jobs::run(&with, &job.job, &Cancel::new())
        .await
        .expect("the job ran with the project's token");
    assert!(environment(&world, "alice-sealed").await.is_some());
}
