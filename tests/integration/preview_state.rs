//! The previews table of the state database (schema version 4) through its
//! public API, on both backends (PostgreSQL skips, saying so, without a
//! server): a preview is recorded with its deadline in `environment_ttls`,
//! a push moves both, forgetting removes both, a migrated copy keeps them.

use crate::support;

use mirage::state::{NewPreview, SCHEMA_VERSION, Store, Timestamp};

use support::Db;

crate::on_both_backends!(
    a_preview_is_recorded_with_its_deadline_and_a_push_extends_it,
    forgetting_a_preview_removes_its_deadline_and_nothing_else,
    previews_are_copied_by_a_state_migration,
);

fn clock(at: i64) -> std::sync::Arc<mirage::state::FixedClock> {
    std::sync::Arc::new(mirage::state::FixedClock::at(Timestamp(at)))
}

fn new<'a>(number: u64, env: &'a str, sha: &'a str, expires: i64) -> NewPreview<'a> {
    NewPreview {
        project: "shop",
        template: "pr",
        number,
        environment: env,
        environment_id: None,
        branch: "feat/x",
        sha: Some(sha),
        repo: Some("acme/shop"),
        actor: "ci@runner",
        expires_at: Some(Timestamp(expires)),
    }
}

fn a_preview_is_recorded_with_its_deadline_and_a_push_extends_it(db: &Db) {
    let clock = clock(1_000);
    let store = db.open().with_clock(clock.clone());
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    store
        .record_preview(&new(7, "pr-7", "abc1234", 4_600))
        .unwrap();
    let first = store.preview("shop", "pr", 7).unwrap().expect("recorded");
    assert_eq!(first.environment, "pr-7");
    assert_eq!(first.branch, "feat/x");
    assert_eq!(first.sha.as_deref(), Some("abc1234"));
    assert_eq!(first.created_at, Timestamp(1_000));
    assert_eq!(first.expires_at, Some(Timestamp(4_600)));
    // The deadline is the environment's TTL: one store of deadlines.
    let ttl = store.ttl("shop", "pr-7").unwrap().expect("a ttl");
    assert_eq!(ttl.expires_at, Timestamp(4_600));
    // A push an hour later: new sha, deadline moved, creation kept.
    clock.advance(std::time::Duration::from_secs(3_600));
    store
        .set_preview_environment_id("shop", "pr-7", "env-7")
        .unwrap();
    store
        .record_preview(&new(7, "pr-7", "def5678", 8_200))
        .unwrap();
    let second = db.open().preview("shop", "pr", 7).unwrap().expect("still");
    assert_eq!(second.sha.as_deref(), Some("def5678"));
    assert_eq!(second.created_at, Timestamp(1_000));
    assert_eq!(second.updated_at, Timestamp(4_600));
    assert_eq!(second.expires_at, Some(Timestamp(8_200)));
    assert_eq!(second.environment_id.as_deref(), Some("env-7"));
    assert_eq!(
        store.ttl("shop", "pr-7").unwrap().unwrap().expires_at,
        Timestamp(8_200)
    );
    assert_eq!(
        store.preview_in("shop", "pr-7").unwrap().map(|p| p.number),
        Some(7)
    );
    assert_eq!(store.preview_in("shop", "production").unwrap(), None);
    // Listed oldest first, per project.
    clock.advance(std::time::Duration::from_secs(10));
    store
        .record_preview(&new(3, "pr-3", "aaa1111", 9_000))
        .unwrap();
    let numbers: Vec<u64> = store
        .previews(Some("shop"))
        .unwrap()
        .iter()
        .map(|p| p.number)
        .collect();
    assert_eq!(numbers, [7, 3]);
    assert!(store.previews(Some("other")).unwrap().is_empty());
}

fn forgetting_a_preview_removes_its_deadline_and_nothing_else(db: &Db) {
    let store = db.open().with_clock(clock(1_000));
    store
        .record_preview(&new(1, "pr-1", "abc1234", 2_000))
        .unwrap();
    store
        .record_preview(&new(2, "pr-2", "abc1234", 2_000))
        .unwrap();
    store
        .set_ttl("shop", "staging", Timestamp(9), "alice@laptop")
        .unwrap();
    assert!(store.forget_preview("shop", "pr", 1).unwrap());
    assert!(!store.forget_preview("shop", "pr", 1).unwrap(), "only once");
    assert_eq!(store.preview("shop", "pr", 1).unwrap(), None);
    assert_eq!(store.ttl("shop", "pr-1").unwrap(), None);
    assert!(store.preview("shop", "pr", 2).unwrap().is_some());
    assert!(store.ttl("shop", "pr-2").unwrap().is_some());
    assert!(store.ttl("shop", "staging").unwrap().is_some());
    // A preview without a TTL has no deadline row.
    let mut without = new(4, "pr-4", "abc1234", 0);
    without.expires_at = None;
    store.record_preview(&without).unwrap();
    assert_eq!(store.ttl("shop", "pr-4").unwrap(), None);
    assert_eq!(
        store.preview("shop", "pr", 4).unwrap().unwrap().expires_at,
        None
    );
    // Forgetting the project forgets its previews.
    store.forget_project("shop").unwrap();
    assert!(store.previews(None).unwrap().is_empty());
}

fn previews_are_copied_by_a_state_migration(db: &Db) {
    let store = db.open().with_clock(clock(1_000));
    store
        .record_preview(&new(9, "pr-9", "abc1234", 2_000))
        .unwrap();
    let target_dir = tempfile::tempdir().unwrap();
    let target = Store::open(target_dir.path().join("copy.db")).unwrap();
    let copied = store.copy_to(&target, false).unwrap();
    assert_eq!(copied.previews, 1);
    assert_eq!(copied.ttls, 1);
    assert_eq!(
        target.preview("shop", "pr", 9).unwrap(),
        store.preview("shop", "pr", 9).unwrap()
    );
    // A target holding only a preview is not empty.
    assert!(!target.is_empty().unwrap());
}
