//! Secret values and how they are kept: a string that cannot be printed
//! ([`SecretString`]) and envelope encryption for what `mirage serve`
//! stores ([`envelope`]). (The providers — env, file, command, Vault —
//! join this room with issue #21.)

pub mod envelope;

use std::fmt;

use zeroize::Zeroizing;

pub use envelope::{EnvelopeError, Keyring, MasterKey};

/// A secret value: no `Display`, a `Debug` that shows nothing of it, and
/// zeroed when dropped. Reading it takes a deliberate
/// [`SecretString::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps a value.
    pub fn new(value: String) -> SecretString {
        SecretString(Zeroizing::new(value))
    }

    /// The value, to hand to what needs it (an HTTP header, a cipher).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}
