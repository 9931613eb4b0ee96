//! The state database: what Mirage owns on Railway, the history of applies,
//! per-environment locks and the deadlines of ephemeral environments.
//!
//! Railway is the source of truth (decision 1 in the architecture): this
//! database never describes the desired or actual configuration of a
//! resource. It records only what Railway cannot tell us:
//!
//! * **ownership** — which resources Mirage created or adopted, with their
//!   Railway IDs, so that Mirage never deletes what it did not create
//!   ([`Store::record`], [`Store::is_owned`], [`Store::owned_in_environment`]);
//! * **history** — every apply with who ran it, when, the plan (already
//!   redacted) and its result, the start of the audit log
//!   ([`Store::begin_apply`], [`Store::finish_apply`], [`Store::history`]);
//! * **locks** — one per (project, environment), across processes and
//!   machines, as leases renewed while their holder runs
//!   ([`Store::acquire`], [`Store::break_lock`]);
//! * **TTLs** — when an ephemeral environment should be destroyed
//!   ([`Store::set_ttl`], [`Store::expired`]);
//! * **previews** — which environment is which pull request's preview,
//!   from which template, with what was last deployed
//!   ([`Store::record_preview`], [`Store::previews`]); their deadlines are
//!   TTLs, written and removed with them.
//! * **jobs** — `mirage serve`'s durable jobs, claimed with leases by
//!   any replica ([`Store::enqueue_job`], [`Store::claim_job`]), and the
//!   webhook deliveries it accepted ([`Store::record_delivery`]).
//! * **stored secrets** — the versions of the secrets of Mirage's own
//!   store (`mirage secret`, `store:NAME`), sealed
//!   ([`Store::add_secret_version`], [`Store::latest_secret`]).
//!
//! **No secret ever enters this database in clear text.** No function here
//! takes a secret value: callers pass plans whose sensitive values are
//! already redacted, and secrets already sealed.
//!
//! Two backends sit behind the one API ([`Location`] says which): SQLite
//! (rusqlite, WAL), the embedded default, one file per project; and
//! PostgreSQL (tokio-postgres, rustls), which a team's laptops, CI runners
//! and services share. The API speaks in Mirage's own types, never in a
//! driver's; every query is written once, in the SQL both accept
//! (`db.rs`), and each backend has its own versioned migrations.
//! Nothing outside this room can tell which backend it has. Keys are
//! *names* (project name, environment name), as Railway identity is by
//! name; Railway IDs are stored beside them.

mod actor;
mod audit;
mod copy;
mod credentials;
mod db;
mod deliveries;
mod digests;
mod drift;
mod environments;
mod error;
mod history;
mod identity;
mod jobs;
mod location;
mod lock;
mod migrate;
mod ownership;
mod postgres;
mod previews;
mod secrets;
// Serve's browser sign-in.
mod signin;
mod store;
mod time;
mod ttl;

pub use actor::Actor;
pub use audit::{AuditEntry, AuditFilter, AuditOutcome, AuditRecord, MAX_AUDIT_PAGE};
pub use copy::Copied;
pub use credentials::Credential;
pub use digests::VariableKey;
pub use drift::{DriftRecord, DriftTransition};
pub use environments::{JobEvent, NewServeEnvironment, ServeEnvironment};
pub use error::{LockError, StateError};
pub use history::{ApplyId, ApplyRecord, ApplyResult, HistoryFilter, NewApply};
pub(crate) use identity::new_id;
pub use identity::{
    ApiTokenRecord, MemberChange, MemberRecord, NewApiToken, TokenOwner, UserProfile, UserRecord,
};
pub use jobs::{Claim, Enqueued, Job, JobId, JobState, NewJob, Renewal};
pub use location::Location;
pub use lock::{LockBreak, LockGuard, LockInfo};
pub use migrate::MIGRATIONS;
pub use migrate::SCHEMA_VERSION;
pub use ownership::{Origin, OwnedFilter, Resource, ResourceKey, ResourceKind};
pub use previews::{NewPreview, PreviewRecord};
pub use secrets::{SecretKey, SecretScope, SecretVersion};
pub use signin::{PendingLogin, SessionRecord};
pub use store::{DEFAULT_LEASE, DEFAULT_RELATIVE_PATH, STATE_ENV_VAR, Store};
pub use time::{Clock, FixedClock, SystemClock, Timestamp};
pub use ttl::TtlEntry;
