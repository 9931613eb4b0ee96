//! Mirage's encrypted store of secrets: one row per version of a secret,
//! its value only ever sealed (`secrets::envelope`: the text here is
//! `mirage-sealed:v1:…`). Like [`super::credentials`], this room never
//! sees a master key nor a value in clear: `secrets::store` seals before
//! and opens after. Each change is written with its audit entry in one
//! transaction.

use super::audit::{self, AuditEntry};
use super::db::{Dialect, Row, values};
use super::error::StateError;
use super::store::Store;
use super::time::Timestamp;

/// Whose a stored secret is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretScope {
    /// A project's: what `(secret)"store:NAME"` reads.
    Project,
    /// One user's own (their Railway, GitHub or registry tokens).
    User,
}

impl SecretScope {
    /// `project` or `user`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretScope::Project => "project",
            SecretScope::User => "user",
        }
    }

    fn parse(text: &str) -> Result<SecretScope, StateError> {
        match text {
            "project" => Ok(SecretScope::Project),
            "user" => Ok(SecretScope::User),
            other => Err(StateError::Invalid(format!(
                "unknown secret scope `{other}`"
            ))),
        }
    }
}

/// Which secret: its scope, its owner (the project's name, or the user)
/// and its name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretKey {
    /// Project or user.
    pub scope: SecretScope,
    /// The project's name or the user.
    pub owner: String,
    /// The secret's name.
    pub name: String,
}

/// One version of a secret as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretVersion {
    /// Which secret.
    pub key: SecretKey,
    /// 1, 2, … in the order they were set.
    pub version: i64,
    /// The sealed text (never the value); `None` once removed.
    pub sealed: Option<String>,
    /// The fingerprint of the master key that sealed it.
    pub key_id: Option<String>,
    /// Who set it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
    /// Who removed it, when it was.
    pub deleted_by: Option<String>,
    /// When it was removed.
    pub deleted_at: Option<Timestamp>,
}

impl std::fmt::Debug for SecretVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretVersion")
            .field("key", &self.key)
            .field("version", &self.version)
            .field("key_id", &self.key_id)
            .field("created_by", &self.created_by)
            .field("deleted_at", &self.deleted_at)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str =
    "scope, owner, name, version, sealed, key_id, created_by, created_at, deleted_by, deleted_at";

fn read(row: &Row) -> Result<SecretVersion, StateError> {
    Ok(SecretVersion {
        key: SecretKey {
            scope: SecretScope::parse(&row.text(0)?)?,
            owner: row.text(1)?,
            name: row.text(2)?,
        },
        version: row.int(3)?,
        sealed: row.opt_text(4)?,
        key_id: row.opt_text(5)?,
        created_by: row.text(6)?,
        created_at: Timestamp(row.int(7)?),
        deleted_by: row.opt_text(8)?,
        deleted_at: row.opt_int(9)?.map(Timestamp),
    })
}

impl Store {
    /// Every version of `key`, oldest first.
    pub fn secret_versions(&self, key: &SecretKey) -> Result<Vec<SecretVersion>, StateError> {
        self.with(|conn| {
            conn.query(
                &format!(
                    "SELECT {COLUMNS} FROM secret_versions \
                     WHERE scope = ?1 AND owner = ?2 AND name = ?3 ORDER BY version"
                ),
                values![key.scope.as_str(), key.owner.as_str(), key.name.as_str()],
            )?
            .iter()
            .map(read)
            .collect()
        })
    }

    /// The newest version of `key`, removed or not.
    pub fn latest_secret(&self, key: &SecretKey) -> Result<Option<SecretVersion>, StateError> {
        self.with(|conn| {
            conn.query_opt(
                &format!(
                    "SELECT {COLUMNS} FROM secret_versions \
                     WHERE scope = ?1 AND owner = ?2 AND name = ?3 ORDER BY version DESC LIMIT 1"
                ),
                values![key.scope.as_str(), key.owner.as_str(), key.name.as_str()],
            )?
            .map(|row| read(&row))
            .transpose()
        })
    }

    /// The newest version of each secret of `owner` in `scope`, sorted by
    /// name (the sealed texts left out: listing needs none; removed ones
    /// have a `deleted_at`).
    pub fn latest_secrets(
        &self,
        scope: SecretScope,
        owner: &str,
    ) -> Result<Vec<SecretVersion>, StateError> {
        let mut rows: Vec<SecretVersion> = self.with(|conn| {
            conn.query(
                "SELECT scope, owner, name, version, NULL, key_id, created_by, created_at, \
                 deleted_by, deleted_at FROM secret_versions s \
                 WHERE scope = ?1 AND owner = ?2 AND version = \
                 (SELECT MAX(version) FROM secret_versions v \
                  WHERE v.scope = s.scope AND v.owner = s.owner AND v.name = s.name)",
                values![scope.as_str(), owner],
            )?
            .iter()
            .map(read)
            .collect::<Result<_, _>>()
        })?;
        rows.sort_by(|a, b| a.key.name.cmp(&b.key.name));
        Ok(rows)
    }

    /// Adds version `version` of `key`, sealed as `sealed` by master key
    /// `key_id`, with `audit` in the same transaction. `false` (nothing
    /// written) when that version exists already: another writer got
    /// there first, and the caller seals again for the next number.
    pub fn add_secret_version(
        &self,
        key: &SecretKey,
        version: i64,
        sealed: &str,
        key_id: &str,
        by: &str,
        audit: &AuditEntry,
    ) -> Result<bool, StateError> {
        let now = self.now();
        self.transaction(|tx| {
            let added = tx.execute(
                &format!(
                    "INSERT INTO secret_versions ({COLUMNS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, NULL) \
                     ON CONFLICT (scope, owner, name, version) DO NOTHING"
                ),
                values![
                    key.scope.as_str(),
                    key.owner.as_str(),
                    key.name.as_str(),
                    version,
                    sealed,
                    key_id,
                    by,
                    now.0
                ],
            )?;
            if added == 1 {
                audit::insert(tx, now, audit)?;
            }
            Ok(added == 1)
        })
    }

    /// Removes the sealed text of every version of `key` and marks each
    /// removed, with `audit` in the same transaction; how many versions
    /// held a sealed text.
    pub fn remove_secret(
        &self,
        key: &SecretKey,
        by: &str,
        audit: &AuditEntry,
    ) -> Result<u64, StateError> {
        let now = self.now();
        self.with(|conn| {
            if conn.dialect() == Dialect::Sqlite {
                // The removed ciphertexts' bytes are zeroed rather than
                // left in free space (the write-ahead log keeps the old
                // pages until its next checkpoint).
                conn.batch("PRAGMA secure_delete = ON")?;
            }
            Ok(())
        })?;
        self.transaction(|tx| {
            let removed = tx.execute(
                "UPDATE secret_versions SET sealed = NULL, key_id = NULL, \
                 deleted_by = ?4, deleted_at = ?5 \
                 WHERE scope = ?1 AND owner = ?2 AND name = ?3 AND sealed IS NOT NULL",
                values![
                    key.scope.as_str(),
                    key.owner.as_str(),
                    key.name.as_str(),
                    by,
                    now.0
                ],
            )?;
            audit::insert(tx, now, audit)?;
            Ok(removed)
        })
    }

    /// Every version, of every scope and owner, still sealed and not by
    /// master key `key_id` (what a rekey reseals).
    pub fn secrets_not_sealed_with(&self, key_id: &str) -> Result<Vec<SecretVersion>, StateError> {
        self.with(|conn| {
            conn.query(
                &format!(
                    "SELECT {COLUMNS} FROM secret_versions \
                     WHERE sealed IS NOT NULL AND key_id <> ?1 \
                     ORDER BY scope, owner, name, version"
                ),
                values![key_id],
            )?
            .iter()
            .map(read)
            .collect()
        })
    }

    /// Replaces the sealed text of one version if it is still `old` (a
    /// concurrent rekey or removal wins); whether it was replaced.
    pub fn reseal_secret(
        &self,
        row: &SecretVersion,
        old: &str,
        new: &str,
        key_id: &str,
    ) -> Result<bool, StateError> {
        let changed = self.with(|conn| {
            conn.execute(
                "UPDATE secret_versions SET sealed = ?5, key_id = ?6 \
                 WHERE scope = ?1 AND owner = ?2 AND name = ?3 AND version = ?4 AND sealed = ?7",
                values![
                    row.key.scope.as_str(),
                    row.key.owner.as_str(),
                    row.key.name.as_str(),
                    row.version,
                    new,
                    key_id,
                    old
                ],
            )
        })?;
        Ok(changed == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::AuditOutcome;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            actor: Some("alice".into()),
            actor_role: None,
            via: Some("cli".into()),
            action: action.into(),
            project: Some("shop".into()),
            target: Some("db-url".into()),
            address: None,
            outcome: AuditOutcome::Ok,
            summary: "x".into(),
            request_id: None,
        }
    }

    fn key(name: &str) -> SecretKey {
        SecretKey {
            scope: SecretScope::Project,
            owner: "shop".into(),
            name: name.into(),
        }
    }

    #[test]
    fn versions_are_added_once_listed_and_removed_keeping_history() {
        let store = Store::open_in_memory().unwrap();
        let db = key("db-url");
        let add = |v: i64| {
            store
                .add_secret_version(&db, v, &format!("sealed-{v}"), "k1", "alice", &entry("s"))
                .unwrap()
        };
        assert!(add(1));
        assert!(!add(1), "a version is written once");
        assert!(add(2));
        store
            .add_secret_version(&key("api"), 1, "sealed-a", "k2", "bob", &entry("s"))
            .unwrap();
        let latest = store.latest_secrets(SecretScope::Project, "shop").unwrap();
        assert_eq!(
            latest
                .iter()
                .map(|r| (r.key.name.as_str(), r.version, r.sealed.is_none()))
                .collect::<Vec<_>>(),
            vec![("api", 1, true), ("db-url", 2, true)],
            "listed without their sealed texts"
        );
        assert!(
            store
                .latest_secrets(SecretScope::User, "shop")
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.secrets_not_sealed_with("k1").unwrap().len(), 1);
        let row = store.latest_secret(&db).unwrap().unwrap();
        assert!(!store.reseal_secret(&row, "stale", "new", "k2").unwrap());
        assert!(store.reseal_secret(&row, "sealed-2", "new", "k2").unwrap());
        assert_eq!(store.remove_secret(&db, "carol", &entry("rm")).unwrap(), 2);
        let versions = store.secret_versions(&db).unwrap();
        assert_eq!(versions.len(), 2);
        assert!(versions.iter().all(|v| v.sealed.is_none()
            && v.key_id.is_none()
            && v.deleted_by.as_deref() == Some("carol")));
        // Three additions and the removal were audited; the refused
        // duplicate was not.
        let audit = store
            .audit(&crate::state::AuditFilter {
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(audit.len(), 4);
    }
}
