//! Secrets: a value that cannot be printed ([`SecretString`]), the
//! providers that read `(secret)"scheme:location"` references ([`env`],
//! [`file`], [`cmd`], [`vault`], [`store`], behind one [`Source`]),
//! envelope encryption ([`envelope`]), the OS keyring ([`keyring`]) and
//! redaction of values from every output ([`redact`]).

pub mod cmd;
pub mod digest;
pub mod env;
pub mod envelope;
pub mod file;
pub mod keyring;
pub mod providers;
pub mod redact;
pub mod source;
pub mod store;
pub mod vault;

use std::fmt;

use zeroize::Zeroizing;

pub use envelope::{EnvelopeError, Keyring, MasterKey};
pub use providers::Providers;
pub use source::{Place, Read, Source, Unreadable};

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

/// The value a provider read as bytes (a file, a command's output): UTF-8
/// text with one trailing line break (`\n` or `\r\n`) removed; `None`
/// when it is not text.
pub fn text_value(bytes: Vec<u8>) -> Option<SecretString> {
    let mut text = String::from_utf8(bytes).ok()?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Some(SecretString::new(text))
}

/// Whether `location` is well formed for `scheme` (checked when the files
/// are read, before anything is fetched); `Err` holds the problem and a
/// help.
pub fn check_location(scheme: &str, location: &str) -> Result<(), (String, &'static str)> {
    if location.is_empty() {
        return Err((
            "it is empty".into(),
            "write the location after the colon, as in `env:STRIPE_KEY`",
        ));
    }
    if location.contains(['\0', '\n', '\r']) {
        return Err((
            "it holds a line break or NUL".into(),
            "write the location on one line",
        ));
    }
    match scheme {
        "env" if !crate::resolve::value::is_var_name(location) => Err((
            "not an environment variable name".into(),
            "write `(secret)\"env:NAME\"` with an environment variable name",
        )),
        "vault" => vault::Location::parse(location).map(|_| ()).map_err(|p| {
            (
                p.to_owned(),
                "write `(secret)\"vault:MOUNT/PATH#KEY\"`, e.g. `vault:secret/shop/stripe#api_key`",
            )
        }),
        "store" if !is_store_name(location) => Err((
            "a store name is 1 to 128 letters, digits, `_`, `-`, `.` and `/`, not starting with `/` or `.`".into(),
            "write `(secret)\"store:NAME\"` with the name given to `mirage secret set`",
        )),
        _ => Ok(()),
    }
}

/// Whether `name` can name a secret of the store: 1 to 128 of ASCII
/// letters, digits, `_`, `-`, `.` and `/`, not starting with `/` or `.`.
pub fn is_store_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && !name.starts_with(['/', '.'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
}
