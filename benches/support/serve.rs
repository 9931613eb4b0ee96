//! What the benchmarks of `mirage serve` share: the project applied to an
//! emulator on loopback, an admin's API token, a latency histogram, the
//! process's memory. Include with `#[path = "support/serve.rs"] mod serve_support;`.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mirage::serve;
use mirage::state::{Location, NewApiToken, Store, UserProfile};

/// The emulator on loopback, the project written to `dir` and applied
/// once (state in `state`); the context serve's jobs and API read it with.
pub async fn applied_project(
    dir: &std::path::Path,
    state: &Location,
    text: &str,
    latency: Duration,
) -> (mirage::emulator::RunningEmulator, mirage::engine::Context) {
    use mirage::engine::{self, ApplyOptions, EndpointSource, Lock, Railway, Secrets, Selection};
    use mirage::railway::{ClientOptions, Credentials, Token};
    std::fs::write(dir.join("main.mirage"), text).expect("the project");
    let emulator = mirage::emulator::Emulator::start(mirage::emulator::Options {
        clock: Duration::ZERO,
        latency,
        ..mirage::emulator::Options::default()
    })
    .await
    .expect("emulator");
    let options = ClientOptions {
        credentials: Some(Credentials::Account(Token::new("bench"))),
        requests_per_second: 0.0,
        ..ClientOptions::default()
    }
    .with_endpoint(emulator.url());
    let mut context = engine::Context::new(
        Railway::Remote {
            options,
            endpoint_from: EndpointSource::Flag,
        },
        mirage::state::Actor::current(),
        Arc::new(|_: &mirage::model::SecretRef| Err("no secrets here".to_owned())),
    );
    context.state = Some(state.clone());
    context.events = Arc::new(engine::Discard);
    let mut session = engine::prepare(
        &context,
        dir,
        &Selection::default(),
        Lock::Take { wait: None },
        Secrets::Read,
    )
    .await
    .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
    let plan = session.plan.clone();
    let applied = engine::apply(&context, &session, &plan, ApplyOptions::default())
        .await
        .unwrap_or_else(|f| panic!("{:?}", f.diagnostics));
    assert!(applied.succeeded, "{}", applied.summary);
    session.release().expect("released");
    (emulator, context)
}

/// Latencies in microseconds with three significant digits: bucket
/// `e * 1000 + v / 10^e` where `10^e` brings `v` under 1000. Fixed size,
/// so recording allocates nothing during the run (the RSS measured is
/// the server's, not a growing list of samples).
pub struct Histogram {
    buckets: Vec<AtomicU64>,
    /// The largest latency recorded, in microseconds.
    pub max: AtomicU64,
}

const DECADES: usize = 8;

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Histogram {
        Histogram {
            buckets: (0..DECADES * 1000).map(|_| AtomicU64::new(0)).collect(),
            max: AtomicU64::new(0),
        }
    }

    /// Records one latency.
    pub fn record(&self, latency: Duration) {
        let micros = latency.as_micros().min(u128::from(u64::MAX)) as u64;
        let (mut v, mut e) = (micros, 0usize);
        while v >= 1000 && e + 1 < DECADES {
            v /= 10;
            e += 1;
        }
        let index = e * 1000 + (v as usize).min(999);
        self.buckets[index].fetch_add(1, Ordering::Relaxed);
        self.max.fetch_max(micros, Ordering::Relaxed);
    }

    /// How many were recorded.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }

    /// The upper bound of the bucket holding the `p` quantile.
    pub fn quantile(&self, p: f64) -> Duration {
        let total = self.count();
        if total == 0 {
            return Duration::ZERO;
        }
        let rank = ((total as f64 * p).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (index, bucket) in self.buckets.iter().enumerate() {
            seen += bucket.load(Ordering::Relaxed);
            if seen >= rank {
                let (e, v) = (index / 1000, (index % 1000) as u64);
                return Duration::from_micros((v + 1) * 10u64.pow(e as u32) - 1);
            }
        }
        Duration::from_micros(self.max.load(Ordering::Relaxed))
    }
}

/// This process's resident set size, in MiB (Linux: `/proc/self/status`).
pub fn rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// A number from the environment variable `name`, else `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// An admin of the project and an API token of theirs, stored the way
/// `POST /api/projects/{p}/tokens` stores one (its hash).
pub fn admin_token(store: &Store, project: &str) -> String {
    let user = store
        .upsert_user(
            &UserProfile {
                subject: "bench-admin",
                email: Some("bench-admin@example.com"),
                name: Some("Bench Admin"),
            },
            false,
        )
        .expect("a user")
        .id;
    store
        .set_member(project, &user, "admin", None)
        .expect("an admin");
    // A few more members, so the members page is not empty.
    for n in 0..20 {
        let subject = format!("bench-member-{n}");
        let id = store
            .upsert_user(
                &UserProfile {
                    subject: &subject,
                    email: Some(&format!("{subject}@example.com")),
                    name: None,
                },
                false,
            )
            .expect("a user")
            .id;
        store
            .set_member(project, &id, "viewer", Some(&user))
            .expect("a member");
    }
    let text = format!("mrg_bench{:032x}", fastrand::u128(..));
    store
        .create_api_token(&NewApiToken {
            id: &format!("tok_{:016x}", fastrand::u64(..)),
            hash: &serve::api::token_hash(&text),
            name: "bench",
            project,
            role: "admin",
            user_id: &user,
            expires_at: store.now().add(Duration::from_secs(24 * 3600)),
        })
        .expect("a token");
    text
}

/// What [`served`] started: keep it alive while the bench runs.
pub struct Served {
    /// The service.
    pub running: serve::Running,
    /// An admin's API token of the project.
    pub token: String,
    _emulator: mirage::emulator::RunningEmulator,
    _project: tempfile::TempDir,
}

/// The project `text` (named `project`) applied to an emulator answering
/// after `latency`, then `mirage serve` with `config` on it and an
/// admin's API token.
pub async fn served(config: serve::Config, project: &str, text: &str, latency: Duration) -> Served {
    let dir = tempfile::tempdir().expect("tempdir");
    let (emulator, context) = applied_project(dir.path(), &config.state, text, latency).await;
    let lifecycle = serve::Lifecycle::new(
        context,
        dir.path().to_path_buf(),
        mirage::github::ClientOptions::default(),
    );
    let running = serve::start(config, Arc::new(lifecycle))
        .await
        .expect("serve starts");
    let (store, name) = (running.store().clone(), project.to_owned());
    let token = tokio::task::spawn_blocking(move || admin_token(&store, &name))
        .await
        .expect("setup");
    Served {
        running,
        token,
        _emulator: emulator,
        _project: dir,
    }
}
