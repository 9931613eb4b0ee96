//! The engine as a library, the way the coming front ends (previews, the
//! service) will call it: an explicit context per call, no global. Two
//! contexts pointing at two emulators apply at the same time in one
//! process, each to its own; progress arrives as typed events in order; a
//! usage error is a `Failure` of diagnostics, not a printed line.

use std::sync::Arc;

use crate::support::World;
use mirage::engine::{
    self, ApplyOptions, Collect, Context, EndpointSource, Event, Exit, Lock, Railway, Secrets,
    Selection,
};
use mirage::railway::{ClientOptions, Credentials, Token};
use mirage::state::{Actor, FixedClock, Timestamp};

/// A context for `world`'s emulator, its state in the project directory,
/// its events collected, its clock fixed.
fn context(world: &World, events: Arc<Collect>) -> Context {
    let options = ClientOptions {
        credentials: Some(Credentials::Account(Token::new(&world.harness.token))),
        requests_per_second: 0.0,
        ..ClientOptions::default()
    }
    .with_endpoint(world.harness.emu.url());
    Context {
        events,
        clock: Arc::new(FixedClock::at(Timestamp(1_800_000_000))),
        ..Context::new(
            Railway::Remote {
                options,
                endpoint_from: EndpointSource::Flag,
            },
            Actor::current(),
            // The quickstart example has no secret.
            Arc::new(|_: &mirage::model::SecretRef| Err("no secrets in this test".to_owned())),
        )
    }
}

async fn apply(context: &Context, world: &World) -> engine::Applied {
    let lock = Lock::Take { wait: None };
    let mut session = engine::prepare(
        context,
        &world.path(),
        &Selection::default(),
        lock,
        Secrets::Read,
    )
    .await
    .expect("prepared");
    let plan = session.plan.clone();
    let applied = engine::apply(context, &session, &plan, ApplyOptions::default())
        .await
        .expect("applied");
    session.release().expect("locks released");
    applied
}

#[tokio::test(flavor = "multi_thread")]
async fn two_contexts_apply_to_two_railways_at_once() {
    let (a, b) = (
        World::with_example("quickstart").await,
        World::with_example("quickstart").await,
    );
    let (events_a, events_b) = (Arc::new(Collect::default()), Arc::new(Collect::default()));
    let (context_a, context_b) = (context(&a, events_a.clone()), context(&b, events_b.clone()));
    let (applied_a, applied_b) = tokio::join!(apply(&context_a, &a), apply(&context_b, &b));
    assert!(applied_a.succeeded && applied_b.succeeded);
    assert_eq!(applied_a.outcome.created, applied_b.outcome.created);
    // Each Railway holds exactly its own project.
    for world in [&a, &b] {
        world.assert_no_duplicates("quickstart").await;
        world.assert_no_changes("after the engine's apply").await;
    }
    // Progress in order: started, steps, finished; nothing else.
    for events in [events_a.events(), events_b.events()] {
        assert_eq!(events.first(), Some(&Event::ApplyStarted), "{events:?}");
        assert_eq!(events.last(), Some(&Event::ApplyFinished), "{events:?}");
        let steps = &events[1..events.len() - 1];
        assert!(!steps.is_empty());
        assert!(
            steps.iter().all(|e| matches!(
                e,
                Event::Step {
                    status: mirage::apply::Status::Done,
                    ..
                }
            )),
            "{events:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_context_clock_dates_the_history() {
    let world = World::with_example("quickstart").await;
    let context = context(&world, Arc::new(Collect::default()));
    apply(&context, &world).await;
    let store = engine::open_store(&context, &world.path()).expect("state");
    let history = store
        .history(&mirage::state::HistoryFilter::default())
        .expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].started_at, Timestamp(1_800_000_000));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_that_names_nothing_is_a_usage_failure_not_output() {
    let world = World::with_example("quickstart").await;
    let context = context(&world, Arc::new(Collect::default()));
    let selection = Selection {
        environments: vec!["prodution".to_owned()],
        targets: Vec::new(),
    };
    let failure = engine::plan(&context, &world.path(), &selection)
        .await
        .expect_err("an unknown environment");
    assert_eq!(failure.exit, Exit::Usage);
    assert_eq!(failure.diagnostics.len(), 1);
    let diagnostic = &failure.diagnostics[0];
    assert_eq!(diagnostic.code, "mirage::cli::unknown_environment");
    assert_eq!(
        diagnostic.help.as_deref(),
        Some("did you mean `production`?")
    );
    assert!(diagnostic.primary.is_none());
}
