//! The operating system's credential store (macOS Keychain, Windows
//! Credential Manager, the Secret Service or the kernel keyring on Linux),
//! for `mirage login`'s Railway token and the store's master key.
//! (Issue #21: being written; until then no keyring is available.)

use super::SecretString;

/// The service name entries are kept under.
pub const SERVICE: &str = "mirage";

/// Why the keyring could not be used. Never holds a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    /// No keyring on this machine (no Secret Service, no kernel keyring,
    /// or disabled with `MIRAGE_KEYRING=off`).
    #[error("no OS keyring is available: {0}")]
    Unavailable(String),
    /// The keyring refused or failed.
    #[error("the OS keyring failed: {0}")]
    Failed(String),
}

/// The entry `account` (`railway-token`, `master-key`), if there is one.
pub fn get(_account: &str) -> Result<Option<SecretString>, KeyringError> {
    Err(KeyringError::Unavailable("not written yet".into()))
}

/// Keeps `value` as the entry `account`.
pub fn set(_account: &str, _value: &SecretString) -> Result<(), KeyringError> {
    Err(KeyringError::Unavailable("not written yet".into()))
}

/// Removes the entry `account`; whether there was one.
pub fn delete(_account: &str) -> Result<bool, KeyringError> {
    Err(KeyringError::Unavailable("not written yet".into()))
}
