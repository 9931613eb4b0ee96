//! Each project's credentials (its Railway token), stored only sealed
//! (`secrets::envelope`: the text here is `mirage-sealed:v1:…`). This
//! room never sees a master key nor a token in clear: serve seals before
//! and opens after.

use super::db::values;
use super::error::StateError;
use super::store::Store;
use super::time::Timestamp;

/// A sealed credential as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The project.
    pub project: String,
    /// What it is (`railway-token`).
    pub kind: String,
    /// The sealed text (never the secret).
    pub sealed: String,
    /// The fingerprint of the master key that sealed it.
    pub key_id: String,
    /// Who set it (a user id).
    pub set_by: Option<String>,
    /// When.
    pub set_at: Timestamp,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("project", &self.project)
            .field("kind", &self.kind)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "project, kind, sealed, key_id, set_by, set_at";

fn read(row: &super::db::Row) -> Result<Credential, StateError> {
    Ok(Credential {
        project: row.text(0)?,
        kind: row.text(1)?,
        sealed: row.text(2)?,
        key_id: row.text(3)?,
        set_by: row.opt_text(4)?,
        set_at: Timestamp(row.int(5)?),
    })
}

impl Store {
    /// Stores (or replaces) a sealed credential.
    pub fn set_credential(
        &self,
        project: &str,
        kind: &str,
        sealed: &str,
        key_id: &str,
        set_by: Option<&str>,
    ) -> Result<(), StateError> {
        let now = self.now().0;
        self.with(|conn| {
            conn.execute(
                "INSERT INTO project_credentials (project, kind, sealed, key_id, set_by, set_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (project, kind) DO UPDATE SET \
                 sealed = excluded.sealed, key_id = excluded.key_id, set_by = excluded.set_by, \
                 set_at = excluded.set_at",
                values![project, kind, sealed, key_id, set_by, now],
            )
        })?;
        Ok(())
    }

    /// Deletes the credential `kind` of `project`; whether there was one.
    pub fn delete_credential(&self, project: &str, kind: &str) -> Result<bool, StateError> {
        let deleted = self.with(|conn| {
            conn.execute(
                "DELETE FROM project_credentials WHERE project = ?1 AND kind = ?2",
                values![project, kind],
            )
        })?;
        Ok(deleted > 0)
    }

    /// The credential `kind` of `project`.
    pub fn credential(&self, project: &str, kind: &str) -> Result<Option<Credential>, StateError> {
        self.with(|conn| {
            conn.query_opt(
                &format!(
                    "SELECT {COLUMNS} FROM project_credentials WHERE project = ?1 AND kind = ?2"
                ),
                values![project, kind],
            )?
            .map(|row| read(&row))
            .transpose()
        })
    }

    /// Every credential not sealed with master key `key_id` (to reseal).
    pub fn credentials_not_sealed_with(&self, key_id: &str) -> Result<Vec<Credential>, StateError> {
        self.with(|conn| {
            conn.query(
                &format!("SELECT {COLUMNS} FROM project_credentials WHERE key_id <> ?1 ORDER BY project, kind"),
                values![key_id],
            )?
            .iter()
            .map(read)
            .collect()
        })
    }

    /// Replaces the sealed text of a credential if it is still `old` (a
    /// concurrent `PUT` or another replica's reseal wins); whether it was
    /// replaced. `set_by`/`set_at` are kept: the secret did not change.
    pub fn reseal_credential(
        &self,
        project: &str,
        kind: &str,
        old: &str,
        new: &str,
        key_id: &str,
    ) -> Result<bool, StateError> {
        let changed = self.with(|conn| {
            conn.execute(
                "UPDATE project_credentials SET sealed = ?4, key_id = ?5 \
                 WHERE project = ?1 AND kind = ?2 AND sealed = ?3",
                values![project, kind, old, new, key_id],
            )
        })?;
        Ok(changed == 1)
    }
}
