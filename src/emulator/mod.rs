//! A local, stateful Railway that speaks the same GraphQL API.
//!
//! `mirage emulator` and `--local` run it so anyone can try Mirage without a
//! Railway account, and every end-to-end test of plan/apply runs against it
//! over HTTP. It follows `API-NOTES.md`: each environment's
//! `EnvironmentConfig` JSON is the source of truth, patches merge with
//! `null` deleting, `configEtag` follows the config, variables are masked
//! unless decrypted, deployments progress on a clock and write logs, and
//! errors have Railway's shapes and status codes. See `docs/emulator.md`.

pub mod changeset;
pub mod clock;
pub mod conformance;
pub mod core;
pub mod deploy;
pub mod extras;
pub mod http;
pub mod knobs;
pub mod limits;
pub mod logfilter;
pub mod ops;
pub mod patch;
pub mod push;
pub mod render;
pub mod resources;
pub mod rules;
// The schema types mirror Railway's public GraphQL schema one to one; its
// descriptions (`../shared/railway/schema.graphql`) are their documentation.
// async-graphql turns `///` comments on these types, fields and variants into
// SDL descriptions, so documenting each one here would make the emulator's
// SDL describe Railway's API in words that differ from Railway's.
#[allow(missing_docs)]
pub mod schema;
pub mod server;
pub mod state;
pub mod store;
pub mod vault;
pub mod views;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use knobs::{Drawn, FaultKind, FaultRule, RateLimit};

/// How to run an emulator.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The SQLite file to keep state in; in memory when `None`.
    pub data: Option<PathBuf>,
    /// How long each deployment phase (queued, building, deploying) lasts.
    pub clock: Duration,
    /// Faults to inject from the start.
    pub faults: Vec<FaultRule>,
    /// Latency added to every GraphQL request.
    pub latency: Duration,
    /// A rate limit (none by default).
    pub rate_limit: Option<RateLimit>,
    /// Accepted account tokens; empty accepts any non-empty bearer token.
    pub tokens: Vec<String>,
    /// Accepted workspace (team) tokens: bearer tokens that list and
    /// change the local workspace's projects but that `me` refuses, as
    /// Railway does.
    pub workspace_tokens: Vec<String>,
    /// Runtime log lines per second per replica of every running
    /// deployment (`/_emulator/logs`); 0 writes none.
    pub log_rate: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data: None,
            clock: Duration::from_secs(1),
            faults: vec![],
            latency: Duration::ZERO,
            rate_limit: None,
            tokens: vec![],
            workspace_tokens: vec![],
            log_rate: 0.0,
        }
    }
}

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The listen address could not be bound.
    #[error("cannot listen on `{addr}`: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The data file could not be opened or read.
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// Entry point for starting emulators.
pub struct Emulator;

impl Emulator {
    /// Starts an emulator on a real socket and returns at once; it serves
    /// in the background until the handle is shut down or dropped.
    pub async fn start(options: Options) -> Result<RunningEmulator, EmulatorError> {
        let store = store::Store::open(options.data.as_deref())?;
        let state = store.load()?.unwrap_or_default();
        let clock = clock::Clock::new(options.clock.as_millis() as u64);
        let knobs = knobs::Knobs::new(options.latency, options.rate_limit, options.faults.clone());
        let mut core = core::Core::new(store, state, clock, knobs, options.tokens.clone());
        core.workspace_tokens = options.workspace_tokens.clone();
        let core = Arc::new(core);
        core.log_rate.set(options.log_rate, i64::MIN);
        let schema = schema::build(Some(core.clone()));
        let listener =
            TcpListener::bind(options.listen)
                .await
                .map_err(|source| EmulatorError::Bind {
                    addr: options.listen,
                    source,
                })?;
        let addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                addr: options.listen,
                source,
            })?;
        let router = http::router(http::App {
            core: core.clone(),
            schema,
        });
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(server::serve(listener, router, rx));
        Ok(RunningEmulator {
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

/// A running emulator.
pub struct RunningEmulator {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The GraphQL endpoint, `http://ADDR/graphql/v2`.
    pub fn url(&self) -> String {
        format!("http://{}/graphql/v2", self.addr)
    }

    /// The WebSocket endpoint for subscriptions, `ws://ADDR/graphql/v2`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/graphql/v2", self.addr)
    }

    /// The base URL of the admin API, `http://ADDR/_emulator`.
    pub fn admin_url(&self) -> String {
        format!("http://{}/_emulator", self.addr)
    }

    /// Stops serving and waits until the listener is closed.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The emulator's schema as SDL (the subset of Railway's schema it serves).
pub fn sdl() -> String {
    schema::build(None).sdl()
}
