//! `env:NAME`: an environment variable of the command.

use super::SecretString;
use super::providers::Providers;
use super::source::{Read, Unreadable};
use crate::model::SecretRef;

/// Reads each `env:` reference.
pub fn read(providers: &Providers, refs: &[SecretRef]) -> Vec<Read> {
    refs.iter()
        .map(|secret| {
            let name = &secret.location;
            match providers.var(name) {
                Some(value) => Ok(SecretString::new(value)),
                None => Err(Unreadable::new(
                    format!("the environment variable `{name}` is not set"),
                    format!("set `{name}` in the environment of this command"),
                )),
            }
        })
        .collect()
}
