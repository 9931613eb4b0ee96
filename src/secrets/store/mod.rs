//! `store:NAME`: Mirage's own encrypted store of secrets, in the state
//! database (SQLite or PostgreSQL). Each version of a secret is sealed
//! with a data key of its own wrapped by a master key that never enters
//! the database ([`crate::secrets::envelope`], AES-256-GCM from aws-lc-rs);
//! the sealing context names the secret's scope, owner, name and version,
//! so a sealed text moved to another row does not open. The master keys
//! are found by [`master::load`]; `mirage secret` manages the store
//! ([`manage`]); a `store:` reference reads the newest version of a
//! project secret ([`read`]).

pub mod manage;
pub mod master;

use super::EnvelopeError;
use super::providers::Providers;
use super::source::{Place, Read, Unreadable};
use crate::model::SecretRef;
use crate::state::{SecretKey, SecretScope, StateError};

/// Why the store could not do what was asked. Never holds a value or a
/// key.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum StoreError {
    /// No master key is configured anywhere.
    #[error("no master key for Mirage's secret store: {why}")]
    #[diagnostic(
        code(mirage::secrets::no_master_key),
        help(
            "make one with `mirage secret key generate` (kept in the OS keyring, or `--to-file FILE` and `MIRAGE_MASTER_KEY_FILE=FILE`), or set `MIRAGE_MASTER_KEY` to `head -c 32 /dev/urandom | base64`; keep it outside the database"
        )
    )]
    NoMasterKey {
        /// Where it was looked for last.
        why: String,
    },
    /// A master key was given but cannot be used.
    #[error("the master key from {from} cannot be used: {problem}")]
    #[diagnostic(
        code(mirage::secrets::bad_master_key),
        help(
            "a master key is 32 bytes in base64 (`mirage secret key generate`); a key file is one key a line, the newest first, readable only by its owner (`chmod 600`)"
        )
    )]
    MasterKey {
        /// Where it came from.
        from: String,
        /// What is wrong with it.
        problem: String,
    },
    /// No secret of that name.
    #[error("there is no secret `{name}` in the store of {owner}")]
    #[diagnostic(code(mirage::secrets::unknown_secret), help("{help}"))]
    Unknown {
        /// The name asked for.
        name: String,
        /// `project `shop`` or `user `alice``.
        owner: String,
        /// What to do (with the closest name, if any).
        help: String,
    },
    /// The secret was removed with `mirage secret rm`.
    #[error("the secret `{name}` of {owner} was removed (by {by})")]
    #[diagnostic(
        code(mirage::secrets::removed_secret),
        help("set it again with `mirage secret set {name}`")
    )]
    Removed {
        /// Its name.
        name: String,
        /// Whose.
        owner: String,
        /// Who removed it.
        by: String,
    },
    /// Sealed with a master key not given now.
    #[error(
        "the secret `{name}` (version {version}) was sealed with master key `{key_id}`, which is not among the master keys given (the current one is `{current}`)"
    )]
    #[diagnostic(
        code(mirage::secrets::unknown_master_key),
        help(
            "use the master key it was sealed with; after a rotation, give the old key in `MIRAGE_PREVIOUS_MASTER_KEYS` and run `mirage secret rekey`"
        )
    )]
    UnknownKey {
        /// The secret.
        name: String,
        /// Its version.
        version: i64,
        /// The fingerprint it was sealed with.
        key_id: String,
        /// The fingerprint of the current key.
        current: String,
    },
    /// Authentication failed: altered, moved or a different key.
    #[error(
        "the secret `{name}` (version {version}) does not open: its sealed text was altered or moved from another record, or the master key is not the one it was sealed with"
    )]
    #[diagnostic(
        code(mirage::secrets::does_not_open),
        help(
            "set it again with `mirage secret set {name}`; if every secret fails, check that the master key is the right one"
        )
    )]
    DoesNotOpen {
        /// The secret.
        name: String,
        /// Its version.
        version: i64,
    },
    /// Sealing failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The state database.
    #[error(transparent)]
    #[diagnostic(transparent)]
    State(#[from] StateError),
}

/// The sealing context of version `version` of `key`: its scope, owner
/// (length-prefixed, so no owner and name can be cut two ways), name and
/// version.
pub fn context(key: &SecretKey, version: i64) -> String {
    format!(
        "store/{}/{}:{}/{}/v{version}",
        key.scope.as_str(),
        key.owner.len(),
        key.owner,
        key.name
    )
}

/// `project `shop`` or `user `alice``, for messages.
pub fn owner_shown(key: &SecretKey) -> String {
    format!("{} `{}`", key.scope.as_str(), key.owner)
}

/// Reads each `store:` reference: the newest version of the project
/// secret of that name, opened with the master keys of [`master::load`].
pub fn read(providers: &Providers, place: &Place, refs: &[SecretRef]) -> Vec<Read> {
    let unreadable = |error: &StoreError| {
        use miette::Diagnostic as _;
        Unreadable::new(
            error.to_string(),
            error.help().map(|h| h.to_string()).unwrap_or_default(),
        )
    };
    let Some(store) = &place.store else {
        let why = Unreadable::new(
            "no state database is open to read the store from",
            "run the command where the project's state database is reachable (`--state`, `MIRAGE_STATE`)",
        );
        return refs.iter().map(|_| Err(why.clone())).collect();
    };
    let keyring = match master::load(providers) {
        Ok(keyring) => keyring,
        Err(error) => {
            let why = unreadable(&error);
            return refs.iter().map(|_| Err(why.clone())).collect();
        }
    };
    refs.iter()
        .map(|secret| {
            let key = SecretKey {
                scope: SecretScope::Project,
                owner: place.project.clone(),
                name: secret.location.clone(),
            };
            manage::open(store, &keyring, &key)
                .map(|(_, value)| value)
                .map_err(|error| unreadable(&error))
        })
        .collect()
}
