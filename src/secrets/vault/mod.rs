//! `vault:MOUNT/PATH#KEY[?version=N]`: a key of a HashiCorp Vault KV
//! version 2 secret. The references of a command are read together: one
//! `GET /v1/MOUNT/data/PATH[?version=N]` per secret path and version,
//! whatever the number of its keys referenced, at most [`AT_ONCE`] at a
//! time, after one sign-in ([`client`]). See docs/secrets.md.

pub mod client;

use std::collections::HashMap;

use serde_json::Value;

use super::SecretString;
use super::providers::Providers;
use super::source::{Place, Read, Unreadable};
use crate::model::SecretRef;

/// A secret path and version: what one request fetches.
type PathKey = (String, String, Option<u64>);
/// A secret's data, or why it cannot be read.
type Fetched = Result<serde_json::Map<String, Value>, Unreadable>;

/// Secret paths fetched at once.
pub const AT_ONCE: usize = 8;

/// A parsed `vault:` location.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    /// The KV v2 engine's mount (`secret`).
    pub mount: String,
    /// The secret's path under the mount (`shop/stripe`).
    pub path: String,
    /// The key inside the secret's data (`api_key`).
    pub key: String,
    /// A version to read instead of the latest.
    pub version: Option<u64>,
}

impl Location {
    /// Parses `MOUNT/PATH#KEY[?version=N]`; `Err` says what is wrong.
    pub fn parse(text: &str) -> Result<Location, &'static str> {
        let (rest, version) = match text.split_once('?') {
            Some((rest, query)) => {
                let Some(n) = query.strip_prefix("version=") else {
                    return Err("the only option is `?version=N`");
                };
                match n.parse::<u64>() {
                    Ok(n) if n >= 1 => (rest, Some(n)),
                    _ => return Err("a version is a whole number from 1"),
                }
            }
            None => (text, None),
        };
        let Some((secret, key)) = rest.split_once('#') else {
            return Err("it names no key: write `MOUNT/PATH#KEY`");
        };
        let Some((mount, path)) = secret.split_once('/') else {
            return Err("it names no path under the mount: write `MOUNT/PATH#KEY`");
        };
        let path = path.trim_matches('/');
        if mount.is_empty() || path.is_empty() || key.is_empty() {
            return Err("the mount, path and key must not be empty: write `MOUNT/PATH#KEY`");
        }
        if secret.contains("//") || secret.split('/').any(|s| s == ".." || s == ".") {
            return Err("a path has no empty, `.` or `..` segments");
        }
        Ok(Location {
            mount: mount.to_owned(),
            path: path.to_owned(),
            key: key.to_owned(),
            version,
        })
    }
}

/// Reads each `vault:` reference, once per secret path and version.
pub async fn read(providers: &Providers, place: &Place, refs: &[SecretRef]) -> Vec<Read> {
    let locations: Vec<Result<Location, Unreadable>> = refs
        .iter()
        .map(|r| {
            Location::parse(&r.location).map_err(|problem| {
                Unreadable::new(
                    format!("the location is malformed: {problem}"),
                    "write `(secret)\"vault:MOUNT/PATH#KEY\"`",
                )
            })
        })
        .collect();
    let failed_all = |why: Unreadable| refs.iter().map(|_| Err(why.clone())).collect();
    let vault = match client::Vault::configure(providers, place) {
        Ok(vault) => vault,
        Err(why) => return failed_all(why),
    };
    let token = match vault.token().await {
        Ok(token) => token,
        Err(why) => return failed_all(why),
    };
    // One request per (mount, path, version), in the order first needed.
    let mut paths: Vec<PathKey> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for l in locations.iter().flatten() {
        let key = (l.mount.clone(), l.path.clone(), l.version);
        if seen.insert(key.clone()) {
            paths.push(key);
        }
    }
    let gate = tokio::sync::Semaphore::new(AT_ONCE);
    let reads = paths.iter().map(|key| {
        let (vault, token, gate) = (&vault, &token, &gate);
        async move {
            let _permit = gate.acquire().await;
            vault.read(token, &key.0, &key.1, key.2).await
        }
    });
    let answers = futures_util::future::join_all(reads).await;
    let mut fetched: HashMap<PathKey, Fetched> = paths.into_iter().zip(answers).collect();
    let answers = locations
        .iter()
        .map(|location| {
            let l = location.as_ref().map_err(Clone::clone)?;
            match fetched.get(&(l.mount.clone(), l.path.clone(), l.version)) {
                Some(Ok(data)) => value_of(l, data),
                Some(Err(why)) => Err(why.clone()),
                None => Err(Unreadable::new(
                    "the secret path was not fetched",
                    "report this as a bug",
                )),
            }
        })
        .collect();
    // The secrets' other keys and these copies are not kept in memory.
    for data in fetched.values_mut().flatten() {
        scrub(data);
    }
    answers
}

/// Overwrites every string of `data` with zeros before it is dropped.
fn scrub(data: &mut serde_json::Map<String, Value>) {
    use zeroize::Zeroize as _;
    for value in data.values_mut() {
        match value {
            Value::String(s) => s.zeroize(),
            Value::Object(inner) => scrub(inner),
            Value::Array(items) => {
                for item in items {
                    if let Value::String(s) = item {
                        s.zeroize();
                    }
                }
            }
            _ => {}
        }
    }
}

/// The value of `l.key` in a secret's data: text, or a number or boolean
/// written as JSON.
fn value_of(l: &Location, data: &serde_json::Map<String, Value>) -> Read {
    let secret = format!("`{}/{}`", l.mount, l.path);
    match data.get(&l.key) {
        Some(Value::String(s)) => Ok(SecretString::new(s.clone())),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(SecretString::new(v.to_string())),
        Some(other) => Err(Unreadable::new(
            format!(
                "the key `{}` of {secret} holds {}, not text",
                l.key,
                match other {
                    Value::Null => "null",
                    Value::Array(_) => "a list",
                    _ => "an object",
                }
            ),
            "a Railway variable is text: store the value as a string",
        )),
        None => {
            let mut keys: Vec<&str> = data.keys().map(String::as_str).collect();
            keys.sort_unstable();
            let keys: Vec<String> = keys.iter().take(20).map(|k| format!("`{k}`")).collect();
            let has = if keys.is_empty() {
                "it holds no keys".to_owned()
            } else {
                format!("its keys: {}", keys.join(", "))
            };
            Err(Unreadable::new(
                format!("{secret} has no key `{}` ({has})", l.key),
                "check the key after `#` (keys are case-sensitive)",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse() {
        let l = Location::parse("secret/shop/stripe#api_key?version=3").unwrap();
        assert_eq!(
            (l.mount.as_str(), l.path.as_str(), l.key.as_str(), l.version),
            ("secret", "shop/stripe", "api_key", Some(3))
        );
        assert!(Location::parse("secret#k").is_err());
        assert!(Location::parse("secret/p").is_err());
        assert!(Location::parse("secret/p#k?version=0").is_err());
        assert!(Location::parse("secret/../p#k").is_err());
        assert!(Location::parse("secret/p#k?ver=1").is_err());
    }
}
