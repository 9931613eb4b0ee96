//! The state database's share of plan and apply, SQLite against
//! PostgreSQL: statements per operation and wall time of a first apply of
//! 20 environments × 30 services and of a plan with no changes, through
//! the engine (`prepare` + `apply`, as `mirage apply` runs them) against
//! the in-process emulator. Each backend gets a fresh emulator, so the
//! difference between the two is the state database's.
//!
//! PostgreSQL: `MIRAGE_BENCH_POSTGRES_URL` (a database to use, emptied
//! first is not done: give a new one), else a server started on loopback
//! with the installed PostgreSQL (as the tests do). Run with
//! `cargo bench --profile dev --bench state`; results go to
//! `docs/benchmarks.md` (`## State database: SQLite and PostgreSQL`).

#[path = "../tests/integration/support/postgres.rs"]
#[allow(dead_code)]
mod postgres;

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mirage::emulator::{Emulator, Options};
use mirage::engine::{
    self, ApplyOptions, Context, Discard, EndpointSource, Lock, Railway, Secrets, Selection,
};
use mirage::railway::{ClientOptions, Credentials, Token};
use mirage::state::{Actor, Location};

const ENVIRONMENTS: usize = 20;
const SERVICES: usize = 30;
const ROUNDS: usize = 5;

fn project_text() -> String {
    let mut text = String::from("project \"bench\"\n\n");
    for s in 0..SERVICES {
        let _ = writeln!(
            text,
            "service \"svc{s:02}\" {{\n    image \"nginx:1.27\"\n    port 8080\n    vars {{\n        LOG_LEVEL \"info\"\n    }}\n}}\n"
        );
    }
    for e in 0..ENVIRONMENTS {
        let _ = writeln!(text, "environment \"env{e:02}\"");
    }
    text
}

/// What one backend cost.
struct Measured {
    open_times: Vec<Duration>,
    apply_statements: u64,
    apply_time: Duration,
    plan_statements: u64,
    plan_times: Vec<Duration>,
}

async fn measure(dir: &Path, state: Location) -> Measured {
    let emulator = Emulator::start(Options {
        clock: Duration::ZERO,
        ..Options::default()
    })
    .await
    .expect("emulator");
    let options = ClientOptions {
        credentials: Some(Credentials::Account(Token::new("bench"))),
        requests_per_second: 0.0,
        ..ClientOptions::default()
    }
    .with_endpoint(emulator.url());
    let context = Context {
        state: Some(state),
        events: Arc::new(Discard),
        ..Context::new(
            Railway::Remote {
                options,
                endpoint_from: EndpointSource::Flag,
            },
            Actor {
                user: "bench".into(),
                host: "bench".into(),
                pid: std::process::id(),
            },
            Arc::new(|_: &mirage::model::SecretRef| Err("no secrets".into())),
        )
    };
    let selection = Selection::default();

    // A first apply of everything, with its locks, intent, outcome and
    // history, as `mirage apply` does it.
    let start = Instant::now();
    let mut session = engine::prepare(
        &context,
        dir,
        &selection,
        Lock::Take { wait: None },
        Secrets::Read,
    )
    .await
    .expect("prepare");
    let plan = session.plan.clone();
    let applied = engine::apply(&context, &session, &plan, ApplyOptions::default())
        .await
        .expect("apply");
    assert!(applied.succeeded, "{}", applied.summary);
    session.release().expect("release");
    let apply_statements = session.store.statements();
    let apply_time = start.elapsed();
    drop(session);

    // Plans with no changes: open the state, read what is owned, read
    // Railway, diff.
    let mut plan_times = Vec::new();
    let mut plan_statements = 0;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let session = engine::prepare(&context, dir, &selection, Lock::None, Secrets::Read)
            .await
            .expect("plan");
        plan_times.push(start.elapsed());
        assert!(!session.plan.has_changes());
        plan_statements = session.store.statements();
    }
    // Opening alone: connect (PostgreSQL: thread, TLS set-up, start-up
    // and authentication) and the schema check.
    let mut open_times = Vec::new();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let store = engine::open_store(&context, dir).expect("open");
        open_times.push(start.elapsed());
        drop(store);
    }
    emulator.shutdown().await;
    Measured {
        open_times,
        apply_statements,
        apply_time,
        plan_statements,
        plan_times,
    }
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.mirage"), project_text()).expect("write project");
    let sqlite = measure(dir.path(), Location::File(dir.path().join("state.db"))).await;

    let _server;
    let url = match std::env::var("MIRAGE_BENCH_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => match postgres::PrivateServer::start() {
            Ok(server) => {
                let url = server.database();
                _server = server;
                url
            }
            Err(why) => {
                eprintln!("skipping PostgreSQL: {why}");
                return;
            }
        },
    };
    let pg = measure(dir.path(), Location::parse(&url)).await;

    println!(
        "project: {ENVIRONMENTS} environments × {SERVICES} services; emulator in process, no added latency; PostgreSQL on loopback"
    );
    println!(
        "| operation | SQLite statements | SQLite time | PostgreSQL statements | PostgreSQL time | added by PostgreSQL |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| first apply (prepare + apply + release) | {} | {:.0} ms | {} | {:.0} ms | {:+.0} ms |",
        sqlite.apply_statements,
        ms(sqlite.apply_time),
        pg.apply_statements,
        ms(pg.apply_time),
        ms(pg.apply_time) - ms(sqlite.apply_time)
    );
    let (open_sqlite, open_pg) = (median(&sqlite.open_times), median(&pg.open_times));
    println!(
        "| open the state (median of {ROUNDS}) | 2 | {:.1} ms | 2 | {:.1} ms | {:+.1} ms |",
        ms(open_sqlite),
        ms(open_pg),
        ms(open_pg) - ms(open_sqlite)
    );
    let (plan_sqlite, plan_pg) = (median(&sqlite.plan_times), median(&pg.plan_times));
    println!(
        "| plan, no changes (median of {ROUNDS}) | {} | {:.1} ms | {} | {:.1} ms | {:+.1} ms |",
        sqlite.plan_statements,
        ms(plan_sqlite),
        pg.plan_statements,
        ms(plan_pg),
        ms(plan_pg) - ms(plan_sqlite)
    );
}
