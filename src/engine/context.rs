//! What an operation runs with: where Railway is and with which token,
//! where the state lives, who is acting, how secrets are read, what time it
//! is, and where progress goes. Every front end builds one explicitly (the
//! CLI from its flags and the process environment); the engine reads no
//! environment variable and no global.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::railway::ClientOptions;
use crate::state::{self, Actor, Clock};

use super::Event;

/// Where Railway is.
#[derive(Clone, Debug)]
pub enum Railway {
    /// A GraphQL endpoint (Railway itself, or any emulator) with its token.
    Remote {
        /// Endpoint, credentials, retries, rate limit.
        options: ClientOptions,
        /// Where the endpoint came from (worded into connection errors).
        endpoint_from: EndpointSource,
    },
    /// The built-in emulator, started in this process on a loopback socket,
    /// its data in `DIR/.mirage/emulator.sqlite` so runs build on each other.
    Local,
}

/// Where a remote endpoint was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointSource {
    /// An `--endpoint` flag (or the service's configuration).
    Flag,
    /// The `MIRAGE_RAILWAY_URL` environment variable.
    Environment,
    /// Railway's public API.
    Default,
}

/// Receives the engine's progress events. The CLI draws them with
/// indicatif; the service will send them as server-sent events; tests
/// collect them. Must not block for long: it is called between requests.
pub trait EventSink: Send + Sync {
    /// One event.
    fn emit(&self, event: Event);
}

/// A sink that drops every event (benchmarks, library use).
#[derive(Clone, Copy, Debug, Default)]
pub struct Discard;

impl EventSink for Discard {
    fn emit(&self, _event: Event) {}
}

/// A sink that keeps every event, for tests and for front ends that report
/// after the fact.
#[derive(Debug, Default)]
pub struct Collect(std::sync::Mutex<Vec<Event>>);

impl Collect {
    /// The events received so far.
    pub fn events(&self) -> Vec<Event> {
        self.0.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl EventSink for Collect {
    fn emit(&self, event: Event) {
        if let Ok(mut events) = self.0.lock() {
            events.push(event);
        }
    }
}

/// Reads secrets (`env:NAME`, `vault:…`, …): [`crate::secrets::Providers`]
/// in the CLI and `mirage serve`, a closure in tests.
pub type SecretProvider = Arc<dyn crate::secrets::Source>;

/// Everything an operation needs besides its arguments.
#[derive(Clone)]
pub struct Context {
    /// Where Railway is.
    pub railway: Railway,
    /// The state database: a file or a PostgreSQL URL; `None` is the
    /// project's own (`DIR/.mirage/state.db`).
    pub state: Option<state::Location>,
    /// How long a lock outlives its holder's last renewal.
    pub lock_lease: Duration,
    /// Who is acting (history, locks, ownership records).
    pub actor: Actor,
    /// How secrets are read.
    pub secrets: SecretProvider,
    /// What time it is (history, locks, TTLs).
    pub clock: Arc<dyn Clock>,
    /// Where progress goes.
    pub events: Arc<dyn EventSink>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials stay out: `ClientOptions`' Debug redacts tokens, but
        // nothing here needs them.
        f.debug_struct("Context")
            .field("local", &matches!(self.railway, Railway::Local))
            .field("state", &self.state)
            .field("actor", &self.actor)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// A context for `railway`, acting as `actor` and reading secrets with
    /// `secrets`, with the system clock, the project's own state database
    /// and no progress output; change the fields that differ.
    pub fn new(railway: Railway, actor: Actor, secrets: SecretProvider) -> Context {
        Context {
            railway,
            state: None,
            lock_lease: state::DEFAULT_LEASE,
            actor,
            secrets,
            clock: Arc::new(state::SystemClock),
            events: Arc::new(Discard),
        }
    }

    /// The state database of the project in `dir`.
    pub fn state_location(&self, dir: &Path) -> state::Location {
        self.state
            .clone()
            .unwrap_or_else(|| state::Location::File(dir.join(state::DEFAULT_RELATIVE_PATH)))
    }
}
