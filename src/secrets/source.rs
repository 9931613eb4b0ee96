//! What reads secrets: a [`Source`] is handed every reference a command
//! needs at once (so Vault is asked once per path, not once per key) and
//! answers each with its value or why it cannot be read.

use std::path::PathBuf;

use futures_util::future::BoxFuture;

use super::SecretString;
use crate::model::{SecretRef, SecretSettings};

/// Why one secret cannot be read: never holds a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// What went wrong (`the file \`x\` does not exist`).
    pub reason: String,
    /// What to do about it.
    pub help: String,
}

impl Unreadable {
    /// A failure with its help.
    pub fn new(reason: impl Into<String>, help: impl Into<String>) -> Unreadable {
        Unreadable {
            reason: reason.into(),
            help: help.into(),
        }
    }
}

/// One answer of a [`Source`].
pub type Read = Result<SecretString, Unreadable>;

/// Where the secrets are read for: the project's directory (`file:` paths
/// are relative to it), its name and `secrets` settings, and its state
/// database (`store:`).
#[derive(Debug, Clone, Default)]
pub struct Place {
    /// The project directory.
    pub dir: PathBuf,
    /// The project's name (the scope of its `store:` secrets).
    pub project: String,
    /// `project { secrets { … } }`.
    pub settings: SecretSettings,
    /// The state database, when one is open.
    pub store: Option<crate::state::Store>,
}

/// Reads secrets.
pub trait Source: Send + Sync {
    /// One answer per reference of `wanted`, in its order.
    fn read<'a>(&'a self, place: &'a Place, wanted: &'a [SecretRef]) -> BoxFuture<'a, Vec<Read>>;
}

/// A closure over one reference is a source (tests, fixed values).
impl<F> Source for F
where
    F: Fn(&SecretRef) -> Result<String, String> + Send + Sync,
{
    fn read<'a>(&'a self, _: &'a Place, wanted: &'a [SecretRef]) -> BoxFuture<'a, Vec<Read>> {
        let answers = wanted
            .iter()
            .map(|secret| {
                self(secret)
                    .map(SecretString::new)
                    .map_err(|reason| Unreadable::new(reason, "provide the secret"))
            })
            .collect();
        Box::pin(async move { answers })
    }
}
