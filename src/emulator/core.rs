//! The shared heart of a running emulator: the state behind a lock, the
//! store that persists it, the clock and the knobs.

use std::io::Write;
use std::sync::{Mutex, RwLock};

use super::clock::{Clock, SplitMix};
use super::deploy::LogRate;
use super::knobs::Knobs;
use super::ops::{ApiResult, Tick};
use super::state::State;
use super::store::Store;

/// Shared by every request of one emulator.
pub struct Core {
    state: RwLock<State>,
    store: Mutex<Store>,
    /// The emulator's clock.
    pub clock: Clock,
    /// Faults, latency, rate limits and counters.
    pub knobs: Knobs,
    /// Accepted account tokens; empty means any non-empty bearer token.
    pub account_tokens: Vec<String>,
    /// Accepted workspace (team) tokens: bearer tokens that reach the
    /// local workspace but are no user (`me` refuses them).
    pub workspace_tokens: Vec<String>,
    /// The runtime log rate over time (`/_emulator/logs`).
    pub log_rate: LogRate,
    /// Bumped to close every open subscription websocket at once
    /// (`/_emulator/subscriptions/drop`); each socket holds a receiver.
    pub drops: tokio::sync::watch::Sender<u64>,
}

impl Core {
    /// A core over a store, starting from what the store holds.
    pub fn new(
        store: Store,
        state: State,
        clock: Clock,
        knobs: Knobs,
        account_tokens: Vec<String>,
    ) -> Self {
        Core {
            state: RwLock::new(state),
            store: Mutex::new(store),
            clock,
            knobs,
            account_tokens,
            workspace_tokens: Vec::new(),
            log_rate: LogRate::new(0.0),
            drops: tokio::sync::watch::channel(0).0,
        }
    }

    /// Runs `f` with shared access to the state.
    pub fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        let guard = self.state.read().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }

    /// Runs an operation on a draft of the state; the draft replaces the
    /// state (and is persisted) only if the operation succeeds, so a refused
    /// request leaves nothing half-done.
    pub fn write<T>(&self, f: impl FnOnce(&mut State, &mut Tick) -> ApiResult<T>) -> ApiResult<T> {
        let mut guard = self.state.write().unwrap_or_else(|e| e.into_inner());
        let mut draft = guard.clone();
        let mut tick = Tick {
            now: self.clock.now_ms(),
            step_ms: self.clock.step_ms(),
            rng: SplitMix::from_entropy(),
        };
        let out = f(&mut draft, &mut tick)?;
        *guard = draft;
        self.persist(&guard);
        Ok(out)
    }

    /// Replaces the whole state (admin reset).
    pub fn reset(&self) {
        let mut guard = self.state.write().unwrap_or_else(|e| e.into_inner());
        *guard = State::default();
        self.persist(&guard);
    }

    fn persist(&self, state: &State) {
        let store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = store.save(state) {
            // Never `eprintln!`: it panics when standard error is closed.
            let _ = writeln!(
                std::io::stderr(),
                "mirage emulator: could not save state: {e}"
            );
        }
    }
}
