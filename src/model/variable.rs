//! Variable values: plain text, Railway references, secret references and
//! Railway-side generators.
//!
//! A variable may also be *sealed* (`NAME (secret)"env:X" sealed=#true`):
//! Railway hands its value to builds and deployments but never returns it
//! again, and it cannot be unsealed. Only secret and generated values may
//! be sealed. The flag is kept beside the values, by name
//! ([`crate::model::ServiceInstance::sealed`],
//! [`crate::model::Environment::sealed_shared`]), so that what reads a value
//! is unchanged; plans treat a sealed variable as write-only.

use std::fmt;

/// The value of a service or shared variable, unrendered (Railway resolves
/// references itself; Mirage compares them as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarValue {
    /// A literal string.
    Plain(String),
    /// A string containing `${{…}}` references, with the references found
    /// in it (also dependency edges when they name another service).
    Reference(String, Vec<VarRef>),
    /// A secret to be read at apply time from its source; the value itself
    /// never enters the model.
    Secret(SecretRef),
    /// A value Railway generates once and keeps (`secret(32)`).
    Generated(Generator),
}

impl VarValue {
    /// Whether the value must never be printed.
    pub fn is_sensitive(&self) -> bool {
        matches!(self, VarValue::Secret(_) | VarValue::Generated(_))
    }

    /// The value as shown to people: plain and reference text as written,
    /// `(sensitive)` for secrets and generated values.
    pub fn display(&self) -> &str {
        match self {
            VarValue::Plain(s) | VarValue::Reference(s, _) => s,
            VarValue::Secret(_) | VarValue::Generated(_) => "(sensitive)",
        }
    }

    /// References in this value (empty unless it is a reference).
    pub fn references(&self) -> &[VarRef] {
        match self {
            VarValue::Reference(_, refs) => refs,
            _ => &[],
        }
    }
}

/// One `${{…}}` reference inside a variable value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VarRef {
    /// `${{NAME}}`: a variable of the same service.
    Own(String),
    /// `${{shared.NAME}}`: a shared variable of the environment.
    Shared(String),
    /// `${{service.NAME}}`: a variable of another service.
    Service {
        /// The referenced service.
        service: String,
        /// The referenced variable.
        name: String,
    },
}

/// Where a secret comes from (`env:NAME`, later `vault:mount/path#key`,
/// `store:name`). Holds the source only; the value is fetched at apply time.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SecretRef {
    /// The scheme before the colon (`env`).
    pub scheme: String,
    /// Everything after the colon (`STRIPE_KEY`).
    pub location: String,
}

impl fmt::Debug for SecretRef {
    // Only the source is shown, never a value (there is none to show), and
    // the output is marked so nobody mistakes it for the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretRef({}:{}, sensitive)", self.scheme, self.location)
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scheme, self.location)
    }
}

/// A Railway variable generator: Railway creates the value once (on first
/// deploy) and keeps it, so no password is ever written in a file.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Generator {
    /// Number of characters.
    pub length: u32,
    /// The alphabet to draw from; Railway's default when `None`.
    pub alphabet: Option<String>,
}

impl Generator {
    /// The generator expression Railway expects (`secret(32)` or
    /// `secret(32, "abc")`).
    pub fn expression(&self) -> String {
        match &self.alphabet {
            Some(alphabet) => format!("secret({}, \"{}\")", self.length, alphabet),
            None => format!("secret({})", self.length),
        }
    }
}

impl fmt::Debug for Generator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Generator({})", self.expression())
    }
}
