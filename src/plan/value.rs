//! Values in a plan. Sensitive values are a separate type that cannot be
//! formatted, serialised with its content, or compared by printing.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::model::{Generator, SecretRef};
use crate::secrets::digest::Digest;

/// A value that must never be shown: a secret read at apply time, a value
/// Railway (or Mirage) generates, or a value read back from Railway for a
/// sensitive variable. `Debug` and `Display` print `(sensitive)`; it
/// serialises as its source only.
#[derive(Clone, PartialEq, Eq)]
pub enum Sensitive {
    /// A secret fetched from its source (`env:NAME`) when applying.
    Secret(SecretRef),
    /// A random value generated once on creation and kept afterwards.
    Generated(Generator),
    /// A value as Railway holds it (or, for a sealed variable, as Mirage
    /// last wrote it): only its keyed digest (HMAC-SHA256 under the
    /// project's key) is kept, never the value; never serialised.
    Actual(Digest),
}

impl Sensitive {
    /// The fingerprint of a text that is not secret (FNV-1a; a saved plan's
    /// JSON): never used on a secret value, which is only ever digested
    /// with a key ([`crate::secrets::digest`]).
    pub fn fingerprint(text: &str) -> u64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in text.as_bytes() {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash
    }

    /// Where the value comes from, safe to show (`env:STRIPE_KEY`,
    /// `secret(32)`, `railway`).
    pub fn source(&self) -> String {
        match self {
            Sensitive::Secret(secret) => secret.to_string(),
            Sensitive::Generated(generator) => generator.expression(),
            Sensitive::Actual(_) => "railway".to_owned(),
        }
    }
}

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive)")
    }
}

impl fmt::Display for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive)")
    }
}

impl Serialize for Sensitive {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("sensitive", &true)?;
        map.serialize_entry("source", &self.source())?;
        map.end()
    }
}

/// One side of an attribute change.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum PlanValue {
    /// A value safe to show, as JSON (the shape `EnvironmentConfig` uses).
    Plain(Value),
    /// A value never shown.
    Sensitive(Sensitive),
}

impl PlanValue {
    /// The text shown in a plan: compact JSON for numbers, booleans and
    /// objects; strings unquoted when they hold a line break (diffed line by
    /// line), quoted otherwise.
    pub fn display(&self) -> String {
        match self {
            PlanValue::Plain(Value::String(text)) => format!("{text:?}"),
            PlanValue::Plain(value) => value.to_string(),
            PlanValue::Sensitive(_) => "(sensitive)".to_owned(),
        }
    }

    /// The multi-line text of a long string, for a line diff.
    pub fn multiline(&self) -> Option<&str> {
        match self {
            PlanValue::Plain(Value::String(text)) if text.contains('\n') || text.len() > 80 => {
                Some(text)
            }
            _ => None,
        }
    }

    /// Whether the value must not be shown.
    pub fn is_sensitive(&self) -> bool {
        matches!(self, PlanValue::Sensitive(_))
    }
}
