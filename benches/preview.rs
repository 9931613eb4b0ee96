//! Pull-request previews against the emulator with 50 ms added latency, for
//! the `saas` example (five services: two built from the repo, a worker,
//! Postgres and Redis with volumes): Railway requests and wall time of a
//! `preview up` that creates the preview, of one after a push (a new
//! commit), and of a `preview down`. Run with `cargo bench --bench
//! preview`; results go to `docs/benchmarks.md` (`## Previews`).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mirage::emulator::{Emulator, Options};
use mirage::engine::{
    self, ApplyOptions, Context, EndpointSource, Lock, Railway, Secrets, Selection,
};
use mirage::model::PullRequest;
use mirage::preview::{self, Fate, UpRequest};
use mirage::railway::{ClientOptions, Credentials, Token};
use mirage::state::Actor;

/// Pull requests brought up, pushed to and closed.
const RUNS: u64 = 5;

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(run());
}

/// The saas example with generated domains instead of custom ones (a
/// custom domain is attached once in all of Railway), its previews with
/// all five services.
fn project(dir: &Path) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/saas");
    for entry in std::fs::read_dir(&example).expect("the saas example") {
        let path = entry.expect("an entry").path();
        // Only the project's files (a local run leaves `.mirage/` beside them).
        if path.extension().is_none_or(|e| e != "mirage") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a project file");
        let text: Vec<String> = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("domain \""))
            .map(|line| {
                if line.trim() == "start \"node dist/server.js\"" {
                    format!("{line}\n    generated-domain")
                } else if line.trim() == "services \"db\" \"cache\" \"api\" \"web\"" {
                    // The measure is a five-service preview: the
                    // example leaves its worker out; the bench keeps it.
                    format!("{line} \"worker\"")
                } else {
                    line.to_owned()
                }
            })
            .collect();
        let name = path.file_name().expect("a file name");
        std::fs::write(dir.join(name), text.join("\n")).expect("write a project file");
    }
}

async fn run() {
    let dir = tempfile::tempdir().expect("tempdir");
    project(dir.path());
    let emulator = Emulator::start(Options {
        clock: Duration::ZERO,
        latency: Duration::from_millis(50),
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
    let context = Context::new(
        Railway::Remote {
            options,
            endpoint_from: EndpointSource::Flag,
        },
        Actor::current(),
        Arc::new(|_: &mirage::model::SecretRef| Ok("sk_bench_value".to_owned())),
    );
    // Production and staging first, as a project has before its previews.
    let selection = Selection {
        environments: vec!["production".into(), "staging".into()],
        targets: Vec::new(),
    };
    let mut session = engine::prepare(
        &context,
        dir.path(),
        &selection,
        Lock::Take { wait: None },
        Secrets::Read,
    )
    .await
    .expect("prepared");
    let plan = session.plan.clone();
    let applied = engine::apply(&context, &session, &plan, ApplyOptions::default())
        .await
        .expect("applied");
    assert!(applied.succeeded, "{}", applied.summary);
    session.release().expect("released");

    let mut rows = Vec::new();
    for number in 1..=RUNS {
        let request = |sha: &str| UpRequest {
            pr: PullRequest {
                number,
                branch: format!("feat/{number}"),
                sha: Some(sha.to_owned()),
                repo: Some("acme/shop".to_owned()),
            },
            template: None,
            wait: Some(Duration::from_secs(60)),
            poll: Duration::from_millis(200),
            lock_wait: None,
        };
        let started = Instant::now();
        let up = preview::up(&context, dir.path(), &request("aaaaaaa"))
            .await
            .expect("up");
        let up_time = started.elapsed();
        assert!(up.problem.is_none(), "{:?}", up.problem);
        let started = Instant::now();
        let push = preview::up(&context, dir.path(), &request("bbbbbbb"))
            .await
            .expect("push");
        let push_time = started.elapsed();
        assert!(push.problem.is_none(), "{:?}", push.problem);
        let started = Instant::now();
        let down = preview::down(&context, dir.path(), number, None, None)
            .await
            .expect("down");
        let down_time = started.elapsed();
        let down_requests = match &down.previews[0].fate {
            Fate::Destroyed { requests, .. } => *requests,
            other => panic!("not destroyed: {other:?}"),
        };
        rows.push((
            up.requests,
            up_time,
            push.requests,
            push_time,
            down_requests,
            down_time,
        ));
    }
    let median = |mut values: Vec<Duration>| {
        values.sort();
        values[values.len() / 2]
    };
    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1000.0);
    println!("| operation | Railway requests | wall time (median of {RUNS}) |");
    println!("|---|---|---|");
    println!(
        "| `preview up` (creates `pr-N`, 5 services) | {} | {} |",
        rows[0].0,
        ms(median(rows.iter().map(|r| r.1).collect()))
    );
    println!(
        "| `preview up` after a push (new commit) | {} | {} |",
        rows[0].2,
        ms(median(rows.iter().map(|r| r.3).collect()))
    );
    println!(
        "| `preview down` | {} | {} |",
        rows[0].4,
        ms(median(rows.iter().map(|r| r.5).collect()))
    );
    assert!(
        rows.iter().all(|r| r.0 <= 6),
        "a preview up stays within 6 requests: {:?}",
        rows.iter().map(|r| r.0).collect::<Vec<_>>()
    );
}
