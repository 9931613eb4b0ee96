//! The engine: Mirage's operations — [`plan()`], [`prepare`] then
//! [`apply()`], [`destroy::plan`], [`import()`] — for every front end (the
//! CLI and the preview lifecycle now, which plans a reshaped project with
//! [`prepare_loaded`] and asks Railway the rest through [`preview`]; the
//! team service and the language server's code actions next).
//!
//! An operation takes an explicit [`Context`] (where Railway is and with
//! which token, the state database, who acts, how secrets are read, the
//! clock, where progress goes): the engine reads no environment variable
//! and no global, and never prints. Progress is a stream of typed
//! [`Event`]s; a failure is one [`Failure`] of [`Diagnostic`]s, whatever
//! room it came from. Front ends keep argument parsing, rendering and exit
//! codes.
//!
//! ```text
//!  cli / serve / previews ──▶ engine ──▶ resolve ─▶ model
//!                               │  ├───▶ plan (diff, teardown: pure)
//!                               │  ├───▶ apply (writes, records)
//!                               │  ├───▶ railway (client) / emulator (--local)
//!                               │  └───▶ state (ownership, locks, history)
//!                               └─ events ─▶ front end (indicatif, SSE, tests)
//! ```

pub mod apply;
pub mod connect;
pub mod context;
pub mod destroy;
pub mod failure;
pub mod import;
pub mod prepare;
pub mod preview;
pub mod select;

pub use apply::{
    Applied, ApplyOptions, apply, apply_whole, check_destroy, check_protected, check_saved, settle,
};
pub use connect::{Connection, connect};
pub use context::{Collect, Context, Discard, EndpointSource, EventSink, Railway, SecretProvider};
pub use failure::{Exit, Failure};
pub use import::{Imported, import};
pub use prepare::{
    Loaded, Lock, Secrets, Selection, Session, load, open_store, owned, owns_nothing, plan,
    prepare, prepare_loaded,
};

use crate::diagnostic::Diagnostic;

/// What happens during an operation, in order. Front ends render these
/// (a spinner with lines, server-sent events); the engine never prints.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The lock of an environment was taken over from a holder whose
    /// process is no longer running, or whose lease ran out.
    LockTakenOver {
        /// Whether its lease ran out (else its process was gone).
        lease_expired: bool,
        /// The environment.
        environment: String,
        /// Who held it (`user@host`).
        holder: String,
        /// The holder's process id.
        pid: u32,
    },
    /// A record of something Railway no longer has was forgotten (removed
    /// by hand, or by a run that was stopped).
    Forgotten(String),
    /// Writing to Railway begins.
    ApplyStarted,
    /// One step of an apply ended.
    Step {
        /// What.
        step: crate::apply::Step,
        /// How.
        status: crate::apply::Status,
    },
    /// Something that happened on the way (a lost response read back).
    Note(String),
    /// Writing to Railway ended.
    ApplyFinished,
    /// A step of the preview lifecycle besides the apply: a commit
    /// deployed, a wait for deployments.
    Preview(String),
    /// A problem that does not stop the operation (a record that could
    /// not be written).
    Problem(Diagnostic),
}
