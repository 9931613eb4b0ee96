//! The operating system's credential store (macOS Keychain, Windows
//! Credential Manager, the Secret Service or the kernel keyring on Linux),
//! for `mirage login`'s Railway token and the store's master key.
//!
//! Through the `keyring` crate. On Linux the Secret Service (GNOME
//! Keyring, KWallet) is tried first, because it keeps entries across
//! reboots; when no Secret Service answers (a server, a container, an SSH
//! session without D-Bus) the kernel keyring is used, which the kernel
//! keeps in memory only (its persistent keyring lasts a few days, and not
//! past a reboot). `MIRAGE_KEYRING=off` turns the whole keyring off: tests
//! use it, and so can a user whose keyring prompts at the wrong moment.

use super::SecretString;

/// The service name entries are kept under.
pub const SERVICE: &str = "mirage";

/// The variable that turns the keyring off (`off`, `0`, `false`, `no`).
pub const DISABLE_ENV_VAR: &str = "MIRAGE_KEYRING";

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

/// Whether `MIRAGE_KEYRING` turns the keyring off.
pub fn disabled() -> bool {
    std::env::var(DISABLE_ENV_VAR).is_ok_and(|value| {
        matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "off" | "0" | "false" | "no"
        )
    })
}

/// The name of the Linux kernel keyring, which keeps entries in memory
/// only (callers warn about it).
pub const KERNEL_KEYRING: &str = "the Linux kernel keyring";

/// One credential store this platform may have, in the order tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Store {
    /// The D-Bus Secret Service (GNOME Keyring, KWallet).
    #[cfg(target_os = "linux")]
    SecretService,
    /// The Linux kernel's keyutils keyring (in memory).
    #[cfg(target_os = "linux")]
    KernelKeyring,
    /// The platform's own (Keychain, Credential Manager).
    #[cfg(not(target_os = "linux"))]
    Native,
}

impl Store {
    /// Every store of this platform, best first.
    fn all() -> &'static [Store] {
        #[cfg(target_os = "linux")]
        {
            &[Store::SecretService, Store::KernelKeyring]
        }
        #[cfg(not(target_os = "linux"))]
        {
            &[Store::Native]
        }
    }

    /// What a person calls it.
    fn name(self) -> &'static str {
        match self {
            #[cfg(target_os = "linux")]
            Store::SecretService => "the Secret Service keyring",
            #[cfg(target_os = "linux")]
            Store::KernelKeyring => KERNEL_KEYRING,
            #[cfg(not(target_os = "linux"))]
            Store::Native => native_name(),
        }
    }

    /// The entry `account` of this store.
    fn entry(self, account: &str) -> keyring::Result<keyring::Entry> {
        match self {
            #[cfg(target_os = "linux")]
            Store::SecretService => Ok(keyring::Entry::new_with_credential(Box::new(
                keyring::secret_service::SsCredential::new_with_target(None, SERVICE, account)?,
            ))),
            #[cfg(target_os = "linux")]
            Store::KernelKeyring => Ok(keyring::Entry::new_with_credential(Box::new(
                keyring::keyutils::KeyutilsCredential::new_with_target(None, SERVICE, account)?,
            ))),
            #[cfg(not(target_os = "linux"))]
            Store::Native => keyring::Entry::new(SERVICE, account),
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn native_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "the macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "the Windows Credential Manager"
    } else {
        "the OS keyring"
    }
}

/// A `keyring` error as words, never with the bytes of a value (a
/// `BadEncoding` error carries them).
fn describe(error: &keyring::Error) -> String {
    match error {
        keyring::Error::BadEncoding(_) => "the entry is not UTF-8 text".to_owned(),
        keyring::Error::Ambiguous(items) => {
            format!("{} entries match; remove the extra ones", items.len())
        }
        other => other.to_string(),
    }
}

/// Whether `error` says the store cannot be reached at all (as opposed to
/// a store that answered and refused).
fn unreachable(error: &keyring::Error) -> bool {
    matches!(
        error,
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_)
    )
}

/// A store's refusal, as [`KeyringError::Failed`].
fn failed(store: &Store, error: &keyring::Error) -> KeyringError {
    KeyringError::Failed(format!("{}: {}", store.name(), describe(error)))
}

/// No store could be reached: the last one's reason.
fn none_reached(last: Option<String>) -> KeyringError {
    KeyringError::Unavailable(
        last.unwrap_or_else(|| "no credential store on this platform".to_owned()),
    )
}

fn refuse_if_disabled() -> Result<(), KeyringError> {
    if disabled() {
        return Err(KeyringError::Unavailable(format!(
            "turned off with `{DISABLE_ENV_VAR}=off`"
        )));
    }
    Ok(())
}

/// The entry `account` (`railway-token`, `master-key`), if there is one.
pub fn get(account: &str) -> Result<Option<SecretString>, KeyringError> {
    Ok(get_where(account)?.map(|(value, _)| value))
}

/// [`get`], with the name of the store that held it ("the macOS
/// Keychain"), for messages that say where a value came from.
pub fn get_where(account: &str) -> Result<Option<(SecretString, &'static str)>, KeyringError> {
    refuse_if_disabled()?;
    let mut answered = false;
    let mut last = None;
    for store in Store::all() {
        let read = store.entry(account).and_then(|entry| entry.get_password());
        match read {
            Ok(value) => return Ok(Some((SecretString::new(value), store.name()))),
            Err(keyring::Error::NoEntry) => answered = true,
            Err(error) if unreachable(&error) => {
                last = Some(format!("{}: {}", store.name(), describe(&error)));
            }
            Err(error) => return Err(failed(store, &error)),
        }
    }
    if answered {
        Ok(None)
    } else {
        Err(none_reached(last))
    }
}

/// Keeps `value` as the entry `account`.
pub fn set(account: &str, value: &SecretString) -> Result<(), KeyringError> {
    set_where(account, value).map(|_| ())
}

/// [`set`], returning the name of the store that kept it: the first that
/// can be reached (on Linux, the Secret Service, else the kernel keyring).
pub fn set_where(account: &str, value: &SecretString) -> Result<&'static str, KeyringError> {
    refuse_if_disabled()?;
    let mut last = None;
    for store in Store::all() {
        // Read back what was written: a kernel keyring that a container's
        // seccomp profile blocks answers `NoEntry` to the write itself, or
        // accepts it and loses it; either way the next store is tried.
        let written = store.entry(account).and_then(|entry| {
            entry.set_password(value.expose())?;
            let back = zeroize::Zeroizing::new(entry.get_password()?);
            if back.as_str() == value.expose() {
                Ok(())
            } else {
                Err(keyring::Error::NoStorageAccess(
                    "what was written did not read back".into(),
                ))
            }
        });
        match written {
            Ok(()) => return Ok(store.name()),
            Err(error) if unreachable(&error) || matches!(error, keyring::Error::NoEntry) => {
                last = Some(format!("{}: {}", store.name(), describe(&error)));
            }
            Err(error) => return Err(failed(store, &error)),
        }
    }
    Err(none_reached(last))
}

/// Removes the entry `account` from every store that holds it; whether
/// there was one.
pub fn delete(account: &str) -> Result<bool, KeyringError> {
    refuse_if_disabled()?;
    let mut removed = false;
    let mut answered = false;
    let mut last = None;
    for store in Store::all() {
        let deleted = store
            .entry(account)
            .and_then(|entry| entry.delete_credential());
        match deleted {
            Ok(()) => {
                removed = true;
                answered = true;
            }
            Err(keyring::Error::NoEntry) => answered = true,
            Err(error) if unreachable(&error) => {
                last = Some(format!("{}: {}", store.name(), describe(&error)));
            }
            Err(error) => return Err(failed(store, &error)),
        }
    }
    if answered {
        Ok(removed)
    } else {
        Err(none_reached(last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_encoding_is_described_without_its_bytes() {
        let error = keyring::Error::BadEncoding(b"hunter2-sentinel".to_vec());
        let text = describe(&error);
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("104"), "{text}"); // not the bytes as numbers
    }

    #[test]
    fn only_unreachable_stores_are_skipped() {
        let gone = keyring::Error::NoStorageAccess("no D-Bus".into());
        assert!(unreachable(&gone));
        assert!(!unreachable(&keyring::Error::NoEntry));
        assert!(!unreachable(&keyring::Error::TooLong("user".into(), 10)));
    }
}
