//! The state database through its public API, on both backends: real
//! SQLite files and a real PostgreSQL server (`support::postgres`; those
//! tests skip, saying so, without one). Migrations, ownership, history,
//! locks between two connections, TTLs, and that a redacted secret never
//! reaches the database's bytes.

use crate::support;

use std::path::Path;
use std::time::{Duration, Instant};

use mirage::state::{
    Actor, ApplyId, ApplyResult, HistoryFilter, Location, LockError, NewApply, Origin, OwnedFilter,
    Resource, ResourceKey, ResourceKind, SCHEMA_VERSION, StateError, Store, Timestamp,
};

use support::Db;

crate::on_both_backends!(
    ownership_round_trips_and_answers_the_planners_questions,
    ownership_is_shared_between_connections,
    many_records_and_a_key_given_twice_are_recorded_at_once,
    applies_are_recorded_with_who_when_plan_and_result,
    a_second_connection_fails_at_once_while_the_lock_is_held,
    a_waiting_acquire_gets_the_lock_when_the_holder_releases_it,
    a_waiting_acquire_gives_up_after_its_timeout,
    a_broken_lock_is_not_released_by_its_old_guard_and_the_break_is_recorded,
    a_lock_is_stale_only_when_its_process_is_gone_from_this_host,
    a_lock_whose_lease_ran_out_is_taken_over_and_its_guard_knows,
    a_held_lock_outlives_its_lease_while_its_holder_renews_it,
    ttls_are_set_moved_listed_and_expire,
    a_state_is_copied_whole_and_a_non_empty_target_is_refused,
);

fn actor(user: &str) -> Actor {
    Actor {
        user: user.to_owned(),
        host: "laptop".to_owned(),
        pid: 4242,
    }
}

fn key(
    environment: Option<&str>,
    kind: ResourceKind,
    service: Option<&str>,
    name: &str,
) -> ResourceKey {
    ResourceKey {
        project: "shop".to_owned(),
        environment: environment.map(str::to_owned),
        kind,
        service: service.map(str::to_owned),
        name: name.to_owned(),
    }
}

fn resource(key: ResourceKey, railway_id: Option<&str>) -> Resource {
    Resource {
        environment_id: key.environment.as_ref().map(|e| format!("env-{e}")),
        key,
        project_id: Some("prj-1".to_owned()),
        railway_id: railway_id.map(str::to_owned),
        origin: Origin::Created,
        created_by: "alice@laptop".to_owned(),
        created_at: Timestamp(1_795_797_602),
    }
}

fn tables(path: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut statement = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

// ------------------------------------------------------------ migrations

#[test]
fn opening_creates_the_directory_and_migrates_an_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".mirage/state.db");
    let store = Store::open(&path).unwrap();
    assert!(path.is_file());
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.path(), Some(path.as_path()));
    drop(store);
    assert_eq!(
        tables(&path),
        [
            "api_tokens",
            "applies",
            "apply_environments",
            "audit_log",
            "auth_logins",
            "auth_sessions",
            "drift_state",
            "environment_ttls",
            "job_events",
            "job_queues",
            "jobs",
            "lock_breaks",
            "locks",
            "owned_resources",
            "previews",
            "project_credentials",
            "project_members",
            "schema_migrations",
            "secret_digest_keys",
            "secret_digests",
            "secret_versions",
            "serve_environments",
            "users",
            "webhook_deliveries"
        ]
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // Opening again migrates nothing and keeps one row per migration.
    Store::open(&path).unwrap();
    // Every migration this binary knows, once, up to the newest (versions
    // may have gaps: see `mirage::state::MIGRATIONS`).
    let (count, distinct, max): (i64, i64, i64) = conn
        .query_row(
            "SELECT COUNT(*), COUNT(DISTINCT version), MAX(version) FROM schema_migrations",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (count, distinct, max),
        (
            mirage::state::MIGRATIONS as i64,
            mirage::state::MIGRATIONS as i64,
            SCHEMA_VERSION
        )
    );
}

#[test]
fn a_version_1_database_is_migrated_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    {
        // What mirage wrote at schema version 1, built from the shipped file.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY, \
             name TEXT NOT NULL, applied_at BIGINT NOT NULL);",
        )
        .unwrap();
        conn.execute_batch(include_str!("../../src/state/migrations/0001_initial.sql"))
            .unwrap();
        conn.execute_batch(
            "INSERT INTO schema_migrations VALUES (1, 'initial', 0);
             INSERT INTO owned_resources (project, environment, kind, service, name, railway_id,
               origin, created_by, created_at, updated_at)
             VALUES ('shop', 'production', 'service', '', 'api', 'svc-1', 'created',
               'alice@laptop', 100, 100);",
        )
        .unwrap();
    }
    assert!(!tables(&path).contains(&"environment_ttls".to_owned()));
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let api = store
        .owned(&key(Some("production"), ResourceKind::Service, None, "api"))
        .unwrap()
        .expect("the version 1 row survives");
    assert_eq!(api.railway_id.as_deref(), Some("svc-1"));
    assert_eq!(api.created_at, Timestamp(100));
    // The table version 2 adds works.
    store
        .set_ttl("shop", "pr-1", Timestamp(5), "alice@laptop")
        .unwrap();
    assert_eq!(store.ttls().unwrap().len(), 1);
}

#[test]
fn a_database_from_a_newer_mirage_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    drop(Store::open(&path).unwrap());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "INSERT INTO schema_migrations VALUES (?1, 'from the future', 0)",
            [SCHEMA_VERSION + 7],
        )
        .unwrap();
    }
    let error = Store::open(&path).unwrap_err();
    match &error {
        StateError::NewerSchema {
            found, supported, ..
        } => {
            assert_eq!(*found, SCHEMA_VERSION + 7);
            assert_eq!(*supported, SCHEMA_VERSION);
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.contains(&format!(
            "newer than the {SCHEMA_VERSION} this mirage knows"
        )),
        "{message}"
    );
    assert!(message.contains("state.db"), "{message}");
    let help = miette::Diagnostic::help(&error).unwrap().to_string();
    assert!(help.contains("upgrade mirage"), "{help}");
}

#[test]
fn a_file_that_is_not_a_database_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    std::fs::write(
        &path,
        "this is not sqlite, just some text long enough to have a header page",
    )
    .unwrap();
    assert!(Store::open(&path).is_err());
}

// ------------------------------------------------------------ ownership

fn ownership_round_trips_and_answers_the_planners_questions(db: &Db) {
    let store = db.open();
    let project = resource(
        key(None, ResourceKind::Project, None, "shop"),
        Some("prj-1"),
    );
    let production = resource(
        key(None, ResourceKind::Environment, None, "production"),
        Some("env-production"),
    );
    let api = resource(
        key(Some("production"), ResourceKind::Service, None, "api"),
        Some("svc-api"),
    );
    let domain = resource(
        key(
            Some("production"),
            ResourceKind::Domain,
            Some("api"),
            "api.example.com",
        ),
        Some("dom-1"),
    );
    let variable = resource(
        key(
            Some("production"),
            ResourceKind::Variable,
            Some("api"),
            "DATABASE_URL",
        ),
        None,
    );
    let worker = resource(
        key(Some("production"), ResourceKind::Service, None, "worker"),
        Some("svc-worker"),
    );
    let staging_api = resource(
        key(Some("staging"), ResourceKind::Service, None, "api"),
        Some("svc-api"),
    );
    store.record(&project).unwrap();
    store
        .record_all(&[
            production.clone(),
            api.clone(),
            domain.clone(),
            variable.clone(),
            worker.clone(),
            staging_api.clone(),
        ])
        .unwrap();

    // Round trip, including the `None`s of a variable.
    assert_eq!(
        store.owned(&variable.key).unwrap().as_ref(),
        Some(&variable)
    );
    assert_eq!(store.owned(&domain.key).unwrap().as_ref(), Some(&domain));
    assert!(store.is_owned(&api.key).unwrap());
    assert!(
        !store
            .is_owned(&key(Some("production"), ResourceKind::Service, None, "db"))
            .unwrap()
    );
    // The same name as another kind is another resource.
    assert!(
        !store
            .is_owned(&key(Some("production"), ResourceKind::Volume, None, "api"))
            .unwrap()
    );

    // By Railway ID.
    assert_eq!(
        store.owned_by_railway_id("dom-1").unwrap().as_ref(),
        Some(&domain)
    );
    assert_eq!(store.owned_by_railway_id("nope").unwrap(), None);

    // Everything in an environment: not the environment itself, not staging.
    let in_production = store.owned_in_environment("shop", "production").unwrap();
    assert_eq!(
        in_production,
        vec![
            api.clone(),
            worker.clone(),
            domain.clone(),
            variable.clone()
        ]
    );
    assert_eq!(
        store.owned_in_environment("other", "production").unwrap(),
        []
    );

    // Filters.
    let of_api = store
        .list_owned(&OwnedFilter {
            environment: Some("production".into()),
            service: Some("api".into()),
            ..OwnedFilter::default()
        })
        .unwrap();
    assert_eq!(of_api, vec![api.clone(), domain.clone(), variable.clone()]);
    let services = store
        .list_owned(&OwnedFilter {
            kind: Some(ResourceKind::Service),
            ..OwnedFilter::default()
        })
        .unwrap();
    assert_eq!(services.len(), 3);
    assert_eq!(store.list_owned(&OwnedFilter::default()).unwrap().len(), 7);

    // Re-recording (re-created after a failure) moves the ID and keeps who
    // created it and when, even if the caller says otherwise.
    let mut again = api.clone();
    again.railway_id = Some("svc-api-2".into());
    again.created_by = "bob@ci".into();
    again.created_at = Timestamp(1);
    again.origin = Origin::Adopted;
    store.record(&again).unwrap();
    let stored = store.owned(&api.key).unwrap().unwrap();
    assert_eq!(stored.railway_id.as_deref(), Some("svc-api-2"));
    assert_eq!(stored.created_by, "alice@laptop");
    assert_eq!(stored.created_at, api.created_at);
    assert_eq!(stored.origin, Origin::Created);
    // A `None` ID does not erase a known one.
    let mut unknown = api.clone();
    unknown.railway_id = None;
    store.record(&unknown).unwrap();
    assert_eq!(
        store
            .owned(&api.key)
            .unwrap()
            .unwrap()
            .railway_id
            .as_deref(),
        Some("svc-api-2")
    );

    // Forget one, then a whole environment (with its own record).
    assert!(store.forget(&domain.key).unwrap());
    assert!(!store.forget(&domain.key).unwrap());
    assert_eq!(store.forget_environment("shop", "production").unwrap(), 4);
    assert_eq!(
        store.list_owned(&OwnedFilter::default()).unwrap(),
        vec![project, staging_api]
    );
}

fn ownership_is_shared_between_connections(db: &Db) {
    let writer = db.open();
    let reader = db.open();
    let api = resource(
        key(Some("production"), ResourceKind::Service, None, "api"),
        Some("svc-api"),
    );
    writer.record(&api).unwrap();
    assert_eq!(reader.owned_by_railway_id("svc-api").unwrap(), Some(api));
}

#[test]
fn an_unknown_kind_in_the_file_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = Store::open(&path).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "INSERT INTO owned_resources (project, kind, name, origin, created_by, created_at,
               updated_at) VALUES ('shop', 'spaceship', 'x', 'created', 'a@b', 0, 0)",
        )
        .unwrap();
    let error = store.list_owned(&OwnedFilter::default()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("unknown resource kind `spaceship`"),
        "{error}"
    );
}

fn many_records_and_a_key_given_twice_are_recorded_at_once(db: &Db) {
    let store = db.open();
    let mut records: Vec<Resource> = (0..300)
        .map(|n| {
            resource(
                key(
                    Some("production"),
                    ResourceKind::Variable,
                    Some("api"),
                    &format!("VAR_{n:03}"),
                ),
                None,
            )
        })
        .collect();
    // The same key again, now with the id the first lacked.
    let api = key(Some("production"), ResourceKind::Service, None, "api");
    records.insert(0, resource(api.clone(), None));
    records.push(resource(api.clone(), Some("svc-api")));
    let before = store.statements();
    store.record_all(&records).unwrap();
    // In batches, not a statement per row (each is a round trip on
    // PostgreSQL): BEGIN, 5 inserts, COMMIT.
    assert_eq!(store.statements() - before, 7);
    assert_eq!(
        store
            .owned_in_environment("shop", "production")
            .unwrap()
            .len(),
        301
    );
    let recorded = store.owned(&api).unwrap().unwrap();
    assert_eq!(recorded.railway_id.as_deref(), Some("svc-api"));
}

// ------------------------------------------------------------ history

fn applies_are_recorded_with_who_when_plan_and_result(db: &Db) {
    let store = db.open();
    let alice = actor("alice");
    let before = Timestamp::now();
    let plan = serde_json::json!({"version": 1, "changes": [{"op": "create", "service": "api"}]});
    let first = store
        .begin_apply(&NewApply {
            project: "shop",
            environments: &["production".into(), "staging".into()],
            actor: &alice,
            plan: &plan,
        })
        .unwrap();
    let second = store
        .begin_apply(&NewApply {
            project: "shop",
            environments: &["staging".into()],
            actor: &actor("bob"),
            plan: &serde_json::json!({"version": 1, "changes": []}),
        })
        .unwrap();
    let other = store
        .begin_apply(&NewApply {
            project: "blog",
            environments: &["production".into()],
            actor: &alice,
            plan: &serde_json::json!({}),
        })
        .unwrap();
    assert!(first < second && second < other);
    store
        .finish_apply(
            first,
            ApplyResult::Partial,
            "2 created, 1 failed: `api` domain",
        )
        .unwrap();

    let record = store.apply(first).unwrap().unwrap();
    assert_eq!(record.project, "shop");
    assert_eq!(record.environments, ["production", "staging"]);
    assert_eq!(record.actor, "alice@laptop");
    assert_eq!(record.pid, 4242);
    assert!(record.started_at >= before);
    assert!(record.finished_at.unwrap() >= record.started_at);
    assert_eq!(record.result, Some(ApplyResult::Partial));
    assert_eq!(
        record.summary.as_deref(),
        Some("2 created, 1 failed: `api` domain")
    );
    assert_eq!(record.plan, plan);

    // Unfinished (running, or its process died).
    let running = store.apply(second).unwrap().unwrap();
    assert_eq!((running.result, running.finished_at), (None, None));

    let ids = |filter: HistoryFilter| -> Vec<ApplyId> {
        store
            .history(&filter)
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect()
    };
    assert_eq!(ids(HistoryFilter::default()), [other, second, first]);
    assert_eq!(
        ids(HistoryFilter {
            project: Some("shop".into()),
            ..HistoryFilter::default()
        }),
        [second, first]
    );
    assert_eq!(
        ids(HistoryFilter {
            environment: Some("production".into()),
            ..HistoryFilter::default()
        }),
        [other, first]
    );
    assert_eq!(
        ids(HistoryFilter {
            limit: Some(1),
            ..HistoryFilter::default()
        }),
        [other]
    );
    assert!(store.apply(ApplyId(999)).unwrap().is_none());
    let error = store
        .finish_apply(ApplyId(999), ApplyResult::Succeeded, "")
        .unwrap_err();
    assert!(error.to_string().contains("no apply number 999"), "{error}");
}

// ------------------------------------------------------------ locks

fn a_second_connection_fails_at_once_while_the_lock_is_held(db: &Db) {
    let first = db.open();
    let second = db.open();
    let guard = first
        .acquire("shop", "production", &actor("alice"), None)
        .unwrap();
    assert_eq!(guard.info().holder, actor("alice"));

    let error = second
        .acquire("shop", "production", &actor("bob"), None)
        .unwrap_err();
    let LockError::Held {
        holder,
        pid,
        since,
        environment,
        ..
    } = &error
    else {
        panic!("expected Held, got {error:?}");
    };
    assert_eq!((holder.as_str(), *pid), ("alice@laptop", 4242));
    assert_eq!(environment, "production");
    assert_eq!(*since, guard.info().since);
    assert_eq!(
        error.to_string(),
        format!("environment `production` is locked by alice@laptop (pid 4242) since {since}")
    );
    // The help says what to do: this holder runs on another machine.
    let help = miette::Diagnostic::help(&error).map(|h| h.to_string());
    assert_eq!(
        help.as_deref(),
        Some(
            "it runs on another machine: wait for it (`--lock-timeout SECONDS`); if that run is gone, its lock expires once its lease runs out, or break it now with `mirage state unlock production --force`"
        )
    );
    // Other environments and projects are independent.
    let staging = second
        .acquire("shop", "staging", &actor("bob"), None)
        .unwrap();
    let blog = second
        .acquire("blog", "production", &actor("bob"), None)
        .unwrap();
    assert_eq!(second.locks().unwrap().len(), 3);

    drop(guard);
    assert_eq!(first.lock_info("shop", "production").unwrap(), None);
    let taken = second
        .acquire("shop", "production", &actor("bob"), None)
        .unwrap();
    assert_eq!(
        first
            .lock_info("shop", "production")
            .unwrap()
            .unwrap()
            .holder
            .user,
        "bob"
    );
    taken.release().unwrap();
    staging.release().unwrap();
    drop(blog);
    assert_eq!(first.locks().unwrap(), []);
}

fn a_waiting_acquire_gets_the_lock_when_the_holder_releases_it(db: &Db) {
    let first = db.open();
    let second = db.open();
    let guard = first
        .acquire("shop", "production", &actor("alice"), None)
        .unwrap();
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        drop(guard);
    });
    let guard = second
        .acquire(
            "shop",
            "production",
            &actor("bob"),
            Some(Duration::from_secs(30)),
        )
        .unwrap();
    assert_eq!(guard.info().holder.user, "bob");
    releaser.join().unwrap();
}

fn a_waiting_acquire_gives_up_after_its_timeout(db: &Db) {
    let first = db.open();
    let second = db.open();
    let _guard = first
        .acquire("shop", "production", &actor("alice"), None)
        .unwrap();
    let start = Instant::now();
    let error = second
        .acquire(
            "shop",
            "production",
            &actor("bob"),
            Some(Duration::from_millis(400)),
        )
        .unwrap_err();
    // It did wait (this bounds behaviour, it is not a speed assertion).
    assert!(start.elapsed() >= Duration::from_millis(400));
    assert!(matches!(error, LockError::Held { .. }), "{error:?}");
}

fn a_broken_lock_is_not_released_by_its_old_guard_and_the_break_is_recorded(db: &Db) {
    let store = db.open();
    let old = store
        .acquire("shop", "production", &actor("alice"), None)
        .unwrap();
    let broken = store
        .break_lock("shop", "production", &actor("carol"), "--force")
        .unwrap()
        .unwrap();
    assert_eq!(broken.holder, actor("alice"));
    assert_eq!(
        store
            .break_lock("shop", "production", &actor("carol"), "--force")
            .unwrap(),
        None
    );
    // Audited: who broke whose lock, and why.
    let breaks = store.lock_breaks().unwrap();
    assert_eq!(breaks.len(), 1);
    assert_eq!(
        (
            breaks[0].holder.as_str(),
            breaks[0].broken_by.as_str(),
            breaks[0].reason.as_str()
        ),
        ("alice@laptop", "carol@laptop", "--force")
    );
    let new = store
        .acquire("shop", "production", &actor("bob"), None)
        .unwrap();
    // The old holder finishing must not free the new holder's lock.
    drop(old);
    assert_eq!(
        store
            .lock_info("shop", "production")
            .unwrap()
            .unwrap()
            .holder
            .user,
        "bob"
    );
    drop(new);
    assert_eq!(store.lock_info("shop", "production").unwrap(), None);
}

fn a_lock_is_stale_only_when_its_process_is_gone_from_this_host(db: &Db) {
    let store = db.open();
    let mut here = Actor::current();
    let alive = store.acquire("shop", "production", &here, None).unwrap();
    assert!(!alive.info().is_stale());
    // A pid that cannot exist (above Linux's pid_max limit of 2^22).
    here.pid = 4_194_304 + 17;
    let dead = store.acquire("shop", "staging", &here, None).unwrap();
    assert_eq!(dead.info().is_stale(), Path::new("/proc/self").exists());
    // Another host: cannot tell, so never stale.
    let elsewhere = Actor {
        host: "some-other-machine".into(),
        ..here
    };
    let remote = store.acquire("shop", "preview", &elsewhere, None).unwrap();
    assert!(!remote.info().is_stale());
}

// ------------------------------------------------------------ TTLs

fn ttls_are_set_moved_listed_and_expire(db: &Db) {
    let store = db.open();
    let now = Timestamp(1_795_797_602);
    store
        .set_ttl("shop", "pr-1", Timestamp(now.0 - 60), "ci@runner")
        .unwrap();
    store
        .set_ttl(
            "shop",
            "pr-2",
            now.add(Duration::from_secs(3600)),
            "ci@runner",
        )
        .unwrap();
    store.set_ttl("shop", "pr-3", now, "ci@runner").unwrap();
    let expired: Vec<String> = store
        .expired(now)
        .unwrap()
        .into_iter()
        .map(|t| t.environment)
        .collect();
    assert_eq!(expired, ["pr-1", "pr-3"]);
    assert_eq!(store.ttls().unwrap().len(), 3);
    // Moving pr-1's deadline into the future un-expires it.
    store
        .set_ttl(
            "shop",
            "pr-1",
            now.add(Duration::from_secs(60)),
            "alice@laptop",
        )
        .unwrap();
    let moved = store.ttl("shop", "pr-1").unwrap().unwrap();
    assert_eq!(
        (moved.expires_at, moved.set_by.as_str()),
        (Timestamp(now.0 + 60), "alice@laptop")
    );
    assert_eq!(store.expired(now).unwrap().len(), 1);
    assert_eq!(store.expired(Timestamp(now.0 + 3600)).unwrap().len(), 3);
    assert!(store.clear_ttl("shop", "pr-3").unwrap());
    assert!(!store.clear_ttl("shop", "pr-3").unwrap());
    assert_eq!(store.expired(now).unwrap(), []);
    assert_eq!(store.ttl("shop", "pr-3").unwrap(), None);
}

// ------------------------------------------------------------ secrets

#[test]
fn a_redacted_secret_never_reaches_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let secret = "sk_live_MIRAGE_SECRET_MARKER_51f0c2";
    let store = Store::open(&path).unwrap();
    // What a caller has: a variable whose value is the secret. Everything it
    // passes to the store is redacted, as the API requires.
    let redact = |value: &str| {
        if value == secret {
            "(sensitive)"
        } else {
            value
        }
        .to_owned()
    };
    let plan = serde_json::json!({
        "version": 1,
        "environments": [{"name": "production", "services": [{"name": "api", "variables": [
            {"name": "STRIPE_KEY", "old": null, "new": redact(secret), "sensitive": true},
            {"name": "PORT", "old": null, "new": redact("8080")}
        ]}]}]
    });
    let id = store
        .begin_apply(&NewApply {
            project: "shop",
            environments: &["production".into()],
            actor: &actor("alice"),
            plan: &plan,
        })
        .unwrap();
    store
        .record(&resource(
            key(
                Some("production"),
                ResourceKind::Variable,
                Some("api"),
                "STRIPE_KEY",
            ),
            None,
        ))
        .unwrap();
    store
        .finish_apply(id, ApplyResult::Succeeded, "1 variable set on `api`")
        .unwrap();
    let _lock = store
        .acquire("shop", "production", &actor("alice"), None)
        .unwrap();
    store
        .set_ttl("shop", "production", Timestamp(1), "alice@laptop")
        .unwrap();

    // Read every byte SQLite wrote: the database, its write-ahead log and
    // shared-memory index, before and after a checkpoint.
    let grep = |needle: &str| -> bool {
        ["state.db", "state.db-wal", "state.db-shm"]
            .iter()
            .any(|name| {
                std::fs::read(dir.path().join(name))
                    .map(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
                    .unwrap_or(false)
            })
    };
    // The control: what was stored is found, so the grep can find things.
    assert!(grep("STRIPE_KEY"));
    assert!(grep("(sensitive)"));
    assert!(!grep(secret));
    drop(_lock);
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    drop(conn);
    assert!(grep("STRIPE_KEY"));
    assert!(!grep(secret));
}

#[test]
fn many_openers_of_a_new_file_never_see_it_empty() {
    // A new database appears whole (built aside, linked into place), so a
    // concurrent opener never mistakes it for a truncated one.
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".mirage/state.db");
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
        let openers: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    Store::open(&path).map(|store| store.schema_version().unwrap())
                })
            })
            .collect();
        for opener in openers {
            let version = opener.join().unwrap();
            assert!(version.is_ok(), "round {round}: {version:?}");
        }
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.contains(".new-"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }
}

// ------------------------------------------------------------ leases

/// The child of [`a_lock_whose_lease_ran_out_is_taken_over_and_its_guard_knows`]:
/// with `MIRAGE_TEST_HOLD_LOCK` set to a location, takes the lock of
/// `shop/production` as a holder on another machine, says `LOCK-HELD`, and
/// waits to be killed. Without it, does nothing.
#[test]
fn lease_holder_child() {
    let Ok(location) = std::env::var("MIRAGE_TEST_HOLD_LOCK") else {
        return;
    };
    let store = Store::connect(&Location::parse(&location))
        .unwrap()
        .with_lease(Duration::from_secs(2));
    let elsewhere = Actor {
        user: "ci".into(),
        host: "runner-that-dies".into(),
        pid: std::process::id(),
    };
    let _guard = store
        .acquire("shop", "production", &elsewhere, None)
        .unwrap();
    println!("\nLOCK-HELD");
    std::thread::sleep(Duration::from_secs(120));
}

fn a_lock_whose_lease_ran_out_is_taken_over_and_its_guard_knows(db: &Db) {
    // A real holder in another process, on "another machine" (so its
    // pid cannot be checked), killed with SIGKILL: only its lease ends it.
    let location = match db.location() {
        Location::File(path) => path.display().to_string(),
        Location::Postgres { url, .. } => url,
    };
    db.open(); // migrated before the child races for it
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "state::lease_holder_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("MIRAGE_TEST_HOLD_LOCK", &location)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    assert!(
        lines.any(|line| line.is_ok_and(|l| l.contains("LOCK-HELD"))),
        "the child took the lock"
    );
    // Renewed while it runs: still held after more than a lease.
    std::thread::sleep(Duration::from_millis(2500));
    let store = db.open().with_lease(Duration::from_secs(2));
    let error = store
        .acquire("shop", "production", &actor("bob"), None)
        .unwrap_err();
    assert!(matches!(error, LockError::Held { .. }), "{error:?}");
    assert!(
        !store
            .lock_info("shop", "production")
            .unwrap()
            .unwrap()
            .expired
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let killed = Instant::now();
    let guard = store
        .acquire(
            "shop",
            "production",
            &actor("bob"),
            Some(Duration::from_secs(20)),
        )
        .unwrap();
    let waited = killed.elapsed();
    let previous = guard.took_over().expect("it says whose lock it took over");
    assert_eq!(previous.holder.host, "runner-that-dies");
    assert!(previous.expired);
    // Not before the lease (2 s, less the part of it the child had
    // already used since its last renewal) and not much after.
    assert!(waited <= Duration::from_secs(10), "{waited:?}");
    let breaks = store.lock_breaks().unwrap();
    assert_eq!(breaks[0].reason, "taken over: its lease ran out");
    assert_eq!(breaks[0].broken_by, "bob@laptop");
    guard.check().unwrap();

    // A guard whose lock was broken knows it, and says so.
    store
        .break_lock("shop", "production", &actor("carol"), "--force")
        .unwrap();
    let error = guard.check().unwrap_err();
    assert!(
        error
            .to_string()
            .contains("the lock of environment `production` was lost"),
        "{error}"
    );
    assert_eq!(
        miette::Diagnostic::code(&error)
            .map(|c| c.to_string())
            .as_deref(),
        Some("mirage::state::lock_lost")
    );
}

fn a_held_lock_outlives_its_lease_while_its_holder_renews_it(db: &Db) {
    let holder = db.open().with_lease(Duration::from_millis(600));
    let other = db.open();
    let guard = holder
        .acquire("shop", "production", &actor("alice"), None)
        .unwrap();
    std::thread::sleep(Duration::from_millis(2000));
    let info = other.lock_info("shop", "production").unwrap().unwrap();
    assert!(!info.expired, "renewed by its heartbeat");
    assert!(
        other
            .acquire("shop", "production", &actor("bob"), None)
            .is_err()
    );
    guard.check().unwrap();
    guard.release().unwrap();
    assert_eq!(other.lock_info("shop", "production").unwrap(), None);
}

// ------------------------------------------------------------ migrate

fn a_state_is_copied_whole_and_a_non_empty_target_is_refused(db: &Db) {
    let source = db.open();
    let api = resource(
        key(Some("production"), ResourceKind::Service, None, "api"),
        Some("svc-api"),
    );
    source.record(&api).unwrap();
    let plan = serde_json::json!({"version": 1});
    for _ in 0..3 {
        let id = source
            .begin_apply(&NewApply {
                project: "shop",
                environments: &["production".into(), "staging".into()],
                actor: &actor("alice"),
                plan: &plan,
            })
            .unwrap();
        source
            .finish_apply(id, ApplyResult::Succeeded, "1 created")
            .unwrap();
    }
    source
        .set_ttl("shop", "pr-1", Timestamp(99), "ci@runner")
        .unwrap();
    // `mirage serve`'s users, roles, API tokens, audit log and sealed
    // credentials go too: a team moving its state loses none of them.
    let ada = source
        .upsert_user(
            &mirage::state::UserProfile {
                subject: "ada",
                email: Some("ada@example.com"),
                name: None,
            },
            true,
        )
        .unwrap();
    source.set_member("shop", &ada.id, "admin", None).unwrap();
    source
        .create_api_token(&mirage::state::NewApiToken {
            id: "tok_1",
            hash: "0123abcd",
            name: "ci",
            project: "shop",
            role: "member",
            user_id: &ada.id,
            expires_at: Timestamp(4_000_000_000),
        })
        .unwrap();
    for n in 0..2 {
        source
            .record_audit(&mirage::state::AuditEntry {
                actor: Some(ada.id.clone()),
                actor_role: Some("admin".into()),
                via: Some("jwt".into()),
                action: format!("members.set.{n}"),
                project: Some("shop".into()),
                target: None,
                address: None,
                outcome: mirage::state::AuditOutcome::Ok,
                summary: "granted".into(),
                request_id: None,
            })
            .unwrap();
    }
    source
        .set_credential("shop", "railway-token", "sealed-bytes", "key-1", None)
        .unwrap();
    // Into the other backend (another file when there is no server).
    let target_db = match db {
        Db::Sqlite(_) => Db::postgres().unwrap_or_else(Db::sqlite),
        Db::Postgres(_) => Db::sqlite(),
    };
    let target = target_db.open();
    assert!(target.is_empty().unwrap());
    let copied = source.copy_to(&target, false).unwrap();
    assert_eq!((copied.owned, copied.applies, copied.ttls), (1, 3, 1));
    assert_eq!(target.owned_by_railway_id("svc-api").unwrap(), Some(api));
    let history = target.history(&HistoryFilter::default()).unwrap();
    assert_eq!(history, source.history(&HistoryFilter::default()).unwrap());
    assert_eq!(history[0].environments, ["production", "staging"]);
    assert_eq!(target.ttls().unwrap(), source.ttls().unwrap());
    assert_eq!((copied.users, copied.audit), (1, 2));
    assert_eq!(
        target.members("shop").unwrap(),
        source.members("shop").unwrap()
    );
    assert_eq!(
        target.api_tokens("shop").unwrap(),
        source.api_tokens("shop").unwrap()
    );
    let everything = mirage::state::AuditFilter {
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        target.audit(&everything).unwrap(),
        source.audit(&everything).unwrap()
    );
    assert_eq!(
        target.credential("shop", "railway-token").unwrap(),
        source.credential("shop", "railway-token").unwrap()
    );
    // Audit ids go on after the copied ones.
    let next_audit = target
        .record_audit(&mirage::state::AuditEntry {
            actor: None,
            actor_role: None,
            via: None,
            action: "after".into(),
            project: None,
            target: None,
            address: None,
            outcome: mirage::state::AuditOutcome::Ok,
            summary: "after the copy".into(),
            request_id: None,
        })
        .unwrap();
    assert!(next_audit > target.audit(&everything).unwrap()[1].id);
    // Numbers go on after the copied ones.
    let next = target
        .begin_apply(&NewApply {
            project: "shop",
            environments: &[],
            actor: &actor("bob"),
            plan: &plan,
        })
        .unwrap();
    assert_eq!(next, ApplyId(history[0].id.0 + 1));
    // A second copy would overwrite: refused, then forced.
    let error = source.copy_to(&target, false).unwrap_err();
    assert_eq!(
        miette::Diagnostic::code(&error)
            .map(|c| c.to_string())
            .as_deref(),
        Some("mirage::state::migrate_refused")
    );
    assert_eq!(target.history(&HistoryFilter::default()).unwrap().len(), 4);
    source.copy_to(&target, true).unwrap();
    assert_eq!(target.history(&HistoryFilter::default()).unwrap().len(), 3);
    // A source a run is using is refused.
    let _lock = source
        .acquire("shop", "production", &actor("alice"), None)
        .unwrap();
    assert!(source.copy_to(&target, true).is_err());
}

// ------------------------------------------------------------ PostgreSQL only

#[test]
fn postgres_a_database_from_a_newer_mirage_is_refused_untouched() {
    let Some(server) = support::postgres() else {
        return;
    };
    let url = server.database();
    drop(Store::connect(&Location::parse(&url)).unwrap());
    let db = url.rsplit('/').next().unwrap();
    server.sql(
        db,
        &format!(
            "INSERT INTO schema_migrations VALUES ({}, 'from the future', 0)",
            SCHEMA_VERSION + 7
        ),
    );
    let error = Store::connect(&Location::parse(&url)).unwrap_err();
    assert!(
        matches!(&error, StateError::NewerSchema { found, .. } if *found == SCHEMA_VERSION + 7),
        "{error:?}"
    );
    assert!(error.to_string().contains(db), "{error}");
}

#[test]
fn postgres_many_openers_of_a_new_database_migrate_it_once() {
    let Some(server) = support::postgres() else {
        return;
    };
    let url = server.database();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
    let openers: Vec<_> = (0..8)
        .map(|_| {
            let url = url.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                Store::connect(&Location::parse(&url)).map(|s| s.schema_version().unwrap())
            })
        })
        .collect();
    for opener in openers {
        assert_eq!(opener.join().unwrap().unwrap(), SCHEMA_VERSION);
    }
    let db = url.rsplit('/').next().unwrap();
    // Once each (versions may have gaps: branches own numbers of their own).
    assert_eq!(
        server
            .sql(
                db,
                "SELECT COUNT(*) = COUNT(DISTINCT version), MAX(version) FROM schema_migrations"
            )
            .trim()
            .replace(' ', ""),
        format!("t|{SCHEMA_VERSION}")
    );
}

#[test]
fn postgres_an_unreachable_server_is_an_error_that_shows_no_password() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let location = Location::parse(&format!(
        "postgres://mirage:hunter2-SECRET@127.0.0.1:{port}/state"
    ));
    let error = Store::connect(&location).unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(
        error.to_string().starts_with(&format!(
            "cannot connect to the state database `postgres://mirage@127.0.0.1:{port}/state`"
        )),
        "{error}"
    );
    assert_eq!(
        miette::Diagnostic::code(&error)
            .map(|c| c.to_string())
            .as_deref(),
        Some("mirage::state::connect")
    );
}

#[test]
fn postgres_a_cut_connection_stops_writes_and_the_lock_knows() {
    let Some(server) = support::postgres() else {
        return;
    };
    let url = server.database();
    let store = Store::connect(&Location::parse(&url)).unwrap();
    let guard = store
        .acquire("shop", "production", &actor("alice"), None)
        .unwrap();
    // The server ends every other session on this database (what a
    // failover or a dropped network looks like to the client).
    let db = url.rsplit('/').next().unwrap();
    server.sql(
        "postgres",
        &format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'"),
    );
    std::thread::sleep(Duration::from_millis(200));
    let error = store
        .record(&resource(
            key(Some("production"), ResourceKind::Service, None, "api"),
            None,
        ))
        .unwrap_err();
    assert_eq!(
        miette::Diagnostic::code(&error)
            .map(|c| c.to_string())
            .as_deref(),
        Some("mirage::state::connection_lost"),
        "{error}"
    );
    let error = guard.check().unwrap_err();
    assert!(matches!(error, StateError::LockLost { .. }), "{error:?}");
}

#[test]
fn postgres_a_redacted_secret_never_reaches_the_database_files() {
    let Some(server) = support::postgres() else {
        return;
    };
    let Some(data_dir) = server.data_dir.clone() else {
        eprintln!(
            "skipping: the server's files are not on this machine (MIRAGE_TEST_POSTGRES_URL)"
        );
        return;
    };
    let url = server.database();
    let store = Store::connect(&Location::parse(&url)).unwrap();
    let secret = "sk_live_MIRAGE_PG_SECRET_MARKER_7d3e91";
    write_redacted_history(&store, secret);
    // Everything on disk: tables, indexes, the write-ahead log, after a
    // checkpoint wrote the pages out.
    server.sql("postgres", "CHECKPOINT");
    let grep = |needle: &str| -> bool {
        fn walk(dir: &Path, needle: &[u8]) -> bool {
            std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .any(|entry| {
                    let path = entry.path();
                    if path.is_dir() {
                        walk(&path, needle)
                    } else {
                        std::fs::read(&path)
                            .map(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
                            .unwrap_or(false)
                    }
                })
        }
        walk(&data_dir, needle.as_bytes())
    };
    // The control: what was stored is found, so the grep can find things.
    assert!(grep("STRIPE_KEY_PG_MARKER"));
    assert!(!grep(secret));
}

/// Writes, through every part of the API that stores text, what a caller
/// has after redacting `secret`.
fn write_redacted_history(store: &Store, secret: &str) {
    let redact = |value: &str| {
        if value == secret {
            "(sensitive)"
        } else {
            value
        }
        .to_owned()
    };
    let plan = serde_json::json!({
        "version": 1,
        "environments": [{"name": "production", "services": [{"name": "api", "variables": [
            {"name": "STRIPE_KEY_PG_MARKER", "old": null, "new": redact(secret), "sensitive": true}
        ]}]}]
    });
    let id = store
        .begin_apply(&NewApply {
            project: "shop",
            environments: &["production".into()],
            actor: &actor("alice"),
            plan: &plan,
        })
        .unwrap();
    store
        .record(&resource(
            key(
                Some("production"),
                ResourceKind::Variable,
                Some("api"),
                "STRIPE_KEY_PG_MARKER",
            ),
            None,
        ))
        .unwrap();
    store
        .finish_apply(id, ApplyResult::Succeeded, "1 variable set on `api`")
        .unwrap();
    let _lock = store
        .acquire("shop", "production", &actor("alice"), None)
        .unwrap();
    store
        .set_ttl("shop", "production", Timestamp(1), "alice@laptop")
        .unwrap();
}
