//! The providers of the CLI and of `mirage serve`, one per scheme:
//! `env:`, `file:`, `cmd:`, `vault:` and `store:`. Each scheme's
//! references are read together.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::source::{Place, Read, Source, Unreadable};
use super::{cmd, env, file, store, vault};
use crate::model::SecretRef;

/// Looks an environment variable up (the process's, or a map in tests).
pub type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Every provider, reading environment variables through one lookup (the
/// values of `env:` references and the `VAULT_*` and `MIRAGE_MASTER_KEY`
/// settings alike).
#[derive(Clone)]
pub struct Providers {
    env: Lookup,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Providers")
    }
}

impl Providers {
    /// Providers reading this process's environment.
    pub fn from_process() -> Providers {
        Providers::with_env(Arc::new(|name: &str| std::env::var(name).ok()))
    }

    /// Providers reading environment variables through `env`.
    pub fn with_env(env: Lookup) -> Providers {
        Providers { env }
    }

    /// The environment variable `name`, if set.
    pub fn var(&self, name: &str) -> Option<String> {
        (self.env)(name)
    }
}

impl Source for Providers {
    fn read<'a>(&'a self, place: &'a Place, wanted: &'a [SecretRef]) -> BoxFuture<'a, Vec<Read>> {
        Box::pin(async move {
            let mut by_scheme: HashMap<&str, Vec<usize>> = HashMap::new();
            for (index, secret) in wanted.iter().enumerate() {
                by_scheme
                    .entry(secret.scheme.as_str())
                    .or_default()
                    .push(index);
            }
            let mut answers: Vec<Option<Read>> = vec![None; wanted.len()];
            for (scheme, indices) in by_scheme {
                let refs: Vec<SecretRef> = indices.iter().map(|i| wanted[*i].clone()).collect();
                let read = match scheme {
                    "env" => env::read(self, &refs),
                    "file" => file::read(place, &refs),
                    "cmd" => cmd::read(place, &refs).await,
                    "vault" => vault::read(self, place, &refs).await,
                    "store" => store::read(self, place, &refs),
                    other => refs
                        .iter()
                        .map(|_| {
                            Err(Unreadable::new(
                                format!("`{other}:` is not a kind of secret Mirage reads"),
                                "use `env:`, `file:`, `cmd:`, `vault:` or `store:`",
                            ))
                        })
                        .collect(),
                };
                for (index, answer) in indices.into_iter().zip(read) {
                    answers[index] = Some(answer);
                }
            }
            answers
                .into_iter()
                .map(|a| {
                    a.unwrap_or_else(|| {
                        Err(Unreadable::new(
                            "the provider gave no answer",
                            "report this as a bug",
                        ))
                    })
                })
                .collect()
        })
    }
}
