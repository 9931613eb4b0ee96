//! What `mirage secret` does to the store: add a version (set, rotate),
//! open the newest, remove a secret, reseal everything under the current
//! master key. Every change is audited (who, what, which name and version,
//! never a value) in the transaction that makes it.

use super::{StoreError, context, owner_shown};
use crate::secrets::{EnvelopeError, Keyring, SecretString};
use crate::state::{AuditEntry, AuditOutcome, SecretKey, SecretScope, SecretVersion, Store};

/// How many times a version number taken by a concurrent writer is
/// retried before giving up.
const ATTEMPTS: usize = 8;

/// The audit entry of `action` on `key` by `by`.
fn audit(key: &SecretKey, action: &str, by: &str, summary: String) -> AuditEntry {
    let (project, target) = match key.scope {
        SecretScope::Project => (Some(key.owner.clone()), key.name.clone()),
        SecretScope::User => (None, format!("user:{}/{}", key.owner, key.name)),
    };
    AuditEntry {
        actor: Some(by.to_owned()),
        actor_role: None,
        via: Some("cli".into()),
        action: action.to_owned(),
        project,
        target: Some(target),
        address: None,
        outcome: AuditOutcome::Ok,
        summary,
        request_id: None,
    }
}

/// Seals `value` as the next version of `key`, set by `by`; the version.
/// `action` names the change in the audit log (`secrets.set`,
/// `secrets.rotate`).
pub fn add(
    store: &Store,
    keyring: &Keyring,
    key: &SecretKey,
    value: &SecretString,
    by: &str,
    action: &str,
) -> Result<i64, StoreError> {
    for _ in 0..ATTEMPTS {
        let version = store.latest_secret(key)?.map_or(0, |v| v.version) + 1;
        let sealed = keyring.seal(value, &context(key, version))?;
        let entry = audit(
            key,
            action,
            by,
            format!(
                "`{}` of {}: version {version} sealed with master key `{}`",
                key.name,
                owner_shown(key),
                keyring.current().id()
            ),
        );
        if store.add_secret_version(key, version, &sealed, keyring.current().id(), by, &entry)? {
            return Ok(version);
        }
    }
    Err(StoreError::State(crate::state::StateError::Invalid(
        format!(
            "another writer kept taking the next version of `{}`; try again",
            key.name
        ),
    )))
}

/// The newest version of `key` and its value.
pub fn open(
    store: &Store,
    keyring: &Keyring,
    key: &SecretKey,
) -> Result<(SecretVersion, SecretString), StoreError> {
    let Some(row) = store.latest_secret(key)? else {
        return Err(unknown(store, key));
    };
    let Some(sealed) = &row.sealed else {
        return Err(StoreError::Removed {
            name: key.name.clone(),
            owner: owner_shown(key),
            by: row
                .deleted_by
                .clone()
                .unwrap_or_else(|| "someone".to_owned()),
        });
    };
    let value = keyring
        .open(sealed, &context(key, row.version))
        .map_err(|error| opening(keyring, &row, error))?;
    Ok((row, value))
}

/// The error of a version that does not open.
fn opening(keyring: &Keyring, row: &SecretVersion, error: EnvelopeError) -> StoreError {
    match error {
        EnvelopeError::UnknownKey { key_id } => StoreError::UnknownKey {
            name: row.key.name.clone(),
            version: row.version,
            key_id,
            current: keyring.current().id().to_owned(),
        },
        EnvelopeError::DoesNotOpen | EnvelopeError::Malformed => StoreError::DoesNotOpen {
            name: row.key.name.clone(),
            version: row.version,
        },
        other => StoreError::Envelope(other),
    }
}

/// "No secret `x`", with the closest name the owner has.
pub fn unknown(store: &Store, key: &SecretKey) -> StoreError {
    let names: Vec<String> = store
        .latest_secrets(key.scope, &key.owner)
        .map(|rows| rows.into_iter().map(|r| r.key.name).collect())
        .unwrap_or_default();
    let flag = if key.scope == SecretScope::User {
        " --user"
    } else {
        ""
    };
    let help = match crate::resolve::suggest::suggest(&key.name, names.iter().map(String::as_str)) {
        Some(close) => format!(
            "did you mean `{close}`? `mirage secret list{flag}` shows the names; `mirage secret set{flag} {}` adds it",
            key.name
        ),
        None => format!(
            "add it with `mirage secret set{flag} {}` (`mirage secret list{flag}` shows the names there are)",
            key.name
        ),
    };
    StoreError::Unknown {
        name: key.name.clone(),
        owner: owner_shown(key),
        help,
    }
}

/// Removes every version's sealed text of `key`, keeping who set each
/// when; how many versions held one. An unknown or already removed
/// secret is an error.
pub fn remove(store: &Store, key: &SecretKey, by: &str) -> Result<u64, StoreError> {
    match store.latest_secret(key)? {
        None => return Err(unknown(store, key)),
        Some(row) if row.sealed.is_none() => {
            return Err(StoreError::Removed {
                name: key.name.clone(),
                owner: owner_shown(key),
                by: row.deleted_by.unwrap_or_else(|| "someone".to_owned()),
            });
        }
        Some(_) => {}
    }
    let entry = audit(
        key,
        "secrets.rm",
        by,
        format!(
            "`{}` of {}: every version's sealed value removed",
            key.name,
            owner_shown(key)
        ),
    );
    Ok(store.remove_secret(key, by, &entry)?)
}

/// Records that `by` read the value of `key` (`mirage secret get`).
pub fn record_read(
    store: &Store,
    key: &SecretKey,
    version: i64,
    by: &str,
) -> Result<(), StoreError> {
    store.record_audit(&audit(
        key,
        "secrets.get",
        by,
        format!(
            "`{}` of {}: version {version} shown",
            key.name,
            owner_shown(key)
        ),
    ))?;
    Ok(())
}

/// What a rekey did.
#[derive(Debug, Default)]
pub struct Rekeyed {
    /// Versions now sealed with the current key.
    pub resealed: usize,
    /// Versions that could not be opened, with why (left as they were).
    pub failed: Vec<StoreError>,
}

/// Reseals every version of every secret (both scopes, every owner)
/// sealed with another master key than the current one; each row is
/// swapped only if unchanged meanwhile. Audited once, by `by`.
pub fn rekey(store: &Store, keyring: &Keyring, by: &str) -> Result<Rekeyed, StoreError> {
    let current = keyring.current().id().to_owned();
    let mut done = Rekeyed::default();
    for row in store.secrets_not_sealed_with(&current)? {
        let Some(sealed) = &row.sealed else { continue };
        let context = context(&row.key, row.version);
        match keyring.reseal(sealed, &context) {
            Ok(new) => {
                if store.reseal_secret(&row, sealed, &new, &current)? {
                    done.resealed += 1;
                }
            }
            Err(error) => done.failed.push(opening(keyring, &row, error)),
        }
    }
    store.record_audit(&AuditEntry {
        actor: Some(by.to_owned()),
        actor_role: None,
        via: Some("cli".into()),
        action: "secrets.rekey".into(),
        project: None,
        target: None,
        address: None,
        outcome: if done.failed.is_empty() {
            AuditOutcome::Ok
        } else {
            AuditOutcome::Failed
        },
        summary: format!(
            "{} versions resealed with master key `{current}`, {} could not be opened",
            done.resealed,
            done.failed.len()
        ),
        request_id: None,
    })?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MasterKey;

    fn key(name: &str) -> SecretKey {
        SecretKey {
            scope: SecretScope::Project,
            owner: "shop".into(),
            name: name.into(),
        }
    }

    fn keys(byte: u8, previous: &[u8]) -> Keyring {
        Keyring::new(
            MasterKey::from_bytes([byte; 32]),
            previous
                .iter()
                .map(|b| MasterKey::from_bytes([*b; 32]))
                .collect(),
        )
    }

    #[test]
    fn versions_round_trip_and_rows_do_not_open_elsewhere() {
        let store = Store::open_in_memory().unwrap();
        let ring = keys(1, &[]);
        let db = key("db-url");
        let v1 = SecretString::new("first-value".into());
        let v2 = SecretString::new("second-value".into());
        assert_eq!(
            add(&store, &ring, &db, &v1, "alice", "secrets.set").unwrap(),
            1
        );
        assert_eq!(
            add(&store, &ring, &db, &v2, "alice", "secrets.rotate").unwrap(),
            2
        );
        let (row, value) = open(&store, &ring, &db).unwrap();
        assert_eq!((row.version, value.expose()), (2, "second-value"));
        // The sealed text of version 1 under version 2's context (a row
        // edited to hold another's ciphertext) does not open.
        let versions = store.secret_versions(&db).unwrap();
        let first = versions[0].sealed.clone().unwrap();
        assert!(ring.open(&first, &context(&db, 2)).is_err());
        let user = SecretKey {
            scope: SecretScope::User,
            ..db.clone()
        };
        assert!(ring.open(&first, &context(&user, 1)).is_err());
        assert!(matches!(
            open(&store, &ring, &key("db-ur")),
            Err(StoreError::Unknown { help, .. }) if help.contains("did you mean `db-url`")
        ));
        assert!(matches!(
            open(&store, &keys(2, &[]), &db),
            Err(StoreError::UnknownKey { version: 2, .. })
        ));
        assert_eq!(remove(&store, &db, "bob").unwrap(), 2);
        assert!(matches!(
            open(&store, &ring, &db),
            Err(StoreError::Removed { by, .. }) if by == "bob"
        ));
        // Set again after removal: a new version, numbered on.
        assert_eq!(
            add(&store, &ring, &db, &v1, "alice", "secrets.set").unwrap(),
            3
        );
    }

    #[test]
    fn rekey_moves_every_version_to_the_current_key() {
        let store = Store::open_in_memory().unwrap();
        let old = keys(1, &[]);
        for name in ["a", "b"] {
            for n in 0..2 {
                let value = SecretString::new(format!("{name}-{n}"));
                add(&store, &old, &key(name), &value, "alice", "secrets.set").unwrap();
            }
        }
        let rotating = keys(2, &[1]);
        let done = rekey(&store, &rotating, "alice").unwrap();
        assert_eq!((done.resealed, done.failed.len()), (4, 0));
        assert_eq!(rekey(&store, &rotating, "alice").unwrap().resealed, 0);
        let new_only = keys(2, &[]);
        assert_eq!(
            open(&store, &new_only, &key("b")).unwrap().1.expose(),
            "b-1"
        );
        // Without the previous key a rekey reports what it cannot open.
        let store2 = Store::open_in_memory().unwrap();
        add(
            &store2,
            &old,
            &key("a"),
            &SecretString::new("x".into()),
            "a",
            "s",
        )
        .unwrap();
        let done = rekey(&store2, &new_only, "alice").unwrap();
        assert_eq!(done.resealed, 0);
        assert!(matches!(done.failed[..], [StoreError::UnknownKey { .. }]));
    }
}
