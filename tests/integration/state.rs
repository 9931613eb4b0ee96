//! The state database through its public API, on real files: migrations,
//! ownership, history, locks between two connections, TTLs, and that a
//! redacted secret never reaches the file.

use std::path::Path;
use std::time::{Duration, Instant};

use mirage::state::{
    Actor, ApplyId, ApplyResult, HistoryFilter, LockError, NewApply, Origin, OwnedFilter, Resource,
    ResourceKey, ResourceKind, SCHEMA_VERSION, StateError, Store, Timestamp,
};

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
            "applies",
            "apply_environments",
            "environment_ttls",
            "locks",
            "owned_resources",
            "schema_migrations"
        ]
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // Opening again migrates nothing and keeps one row per migration.
    Store::open(&path).unwrap();
    let count: i64 = conn
        .query_row("SELECT COUNT(*) FROM schema_migrations", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(count, SCHEMA_VERSION);
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
    assert_eq!(store.schema_version().unwrap(), 2);
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
        message.contains("newer than the 2 this mirage knows"),
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

#[test]
fn ownership_round_trips_and_answers_the_planners_questions() {
    let store = Store::open_in_memory().unwrap();
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

#[test]
fn ownership_is_shared_between_connections_to_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let writer = Store::open(&path).unwrap();
    let reader = Store::open(&path).unwrap();
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

// ------------------------------------------------------------ history

#[test]
fn applies_are_recorded_with_who_when_plan_and_result() {
    let store = Store::open_in_memory().unwrap();
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

#[test]
fn a_second_connection_fails_at_once_while_the_lock_is_held() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let first = Store::open(&path).unwrap();
    let second = Store::open(&path).unwrap();
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
            "it runs on another machine: wait for it (`--lock-timeout SECONDS`), or if that apply is gone for good, `mirage state unlock production --force`"
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

#[test]
fn a_waiting_acquire_gets_the_lock_when_the_holder_releases_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let first = Store::open(&path).unwrap();
    let second = Store::open(&path).unwrap();
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

#[test]
fn a_waiting_acquire_gives_up_after_its_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let first = Store::open(&path).unwrap();
    let second = Store::open(&path).unwrap();
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

#[test]
fn a_broken_lock_is_not_released_by_its_old_guard() {
    let store = Store::open_in_memory().unwrap();
    let old = store
        .acquire("shop", "production", &actor("alice"), None)
        .unwrap();
    let broken = store.break_lock("shop", "production").unwrap().unwrap();
    assert_eq!(broken.holder, actor("alice"));
    assert_eq!(store.break_lock("shop", "production").unwrap(), None);
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

#[test]
fn a_lock_is_stale_only_when_its_process_is_gone_from_this_host() {
    let store = Store::open_in_memory().unwrap();
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

#[test]
fn ttls_are_set_moved_listed_and_expire() {
    let store = Store::open_in_memory().unwrap();
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
