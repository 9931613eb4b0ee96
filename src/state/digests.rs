//! Keyed digests of secret values (schema version 11): each project's
//! HMAC key, created on first use, and the digest of the value Mirage last
//! wrote to each sealed variable (Railway never returns a sealed value, so
//! this is what a plan compares the desired value with). Never a value.

use std::collections::BTreeMap;

use super::db::values;
use super::error::StateError;
use super::store::Store;
use crate::secrets::digest::{Digest, DigestKey};

/// Where a variable lives: `(environment, service, name)`; `service` is
/// `None` for a shared variable.
pub type VariableKey = (String, Option<String>, String);

impl Store {
    /// `project`'s digest key, created (32 random bytes) on first use. Two
    /// runs creating it at once agree on one: the first insert wins and
    /// both read it back.
    pub fn digest_key(&self, project: &str) -> Result<DigestKey, StateError> {
        if let Some(key) = self.read_digest_key(project)? {
            return Ok(key);
        }
        let key = DigestKey::generate().ok_or_else(|| {
            StateError::Invalid(
                "the system's random source failed: cannot create the project's digest key".into(),
            )
        })?;
        let hex = key.to_hex();
        self.with(|conn| {
            let now = format!("(({}) / 1000)", conn.dialect().now_ms());
            conn.execute(
                &format!(
                    "INSERT INTO secret_digest_keys (project, key_hex, created_at) \
                     VALUES (?1, ?2, {now}) ON CONFLICT (project) DO NOTHING"
                ),
                values![project, hex.as_str()],
            )
        })?;
        self.read_digest_key(project)?.ok_or_else(|| {
            StateError::Invalid(format!("the digest key of `{project}` was not recorded"))
        })
    }

    fn read_digest_key(&self, project: &str) -> Result<Option<DigestKey>, StateError> {
        let row = self.with(|conn| {
            conn.query_opt(
                "SELECT key_hex FROM secret_digest_keys WHERE project = ?1",
                values![project],
            )
        })?;
        match row {
            None => Ok(None),
            Some(row) => {
                let text = zeroize::Zeroizing::new(row.text(0)?);
                DigestKey::from_hex(&text).map(Some).ok_or_else(|| {
                    StateError::Invalid(format!("the digest key of `{project}` is malformed"))
                })
            }
        }
    }

    /// The digests recorded for `project`'s sealed variables.
    pub fn secret_digests(
        &self,
        project: &str,
    ) -> Result<BTreeMap<VariableKey, Digest>, StateError> {
        let rows = self.with(|conn| {
            conn.query(
                "SELECT environment, service, name, digest_hex FROM secret_digests \
                 WHERE project = ?1",
                values![project],
            )
        })?;
        let mut out = BTreeMap::new();
        for row in rows {
            let service = row.text(1)?;
            let Some(digest) = Digest::from_hex(&row.text(3)?) else {
                // A malformed record compares as none: the value is written again.
                continue;
            };
            out.insert(
                (
                    row.text(0)?,
                    (!service.is_empty()).then_some(service),
                    row.text(2)?,
                ),
                digest,
            );
        }
        Ok(out)
    }

    /// Records the digest of the value just written to a sealed variable.
    pub fn record_secret_digest(
        &self,
        project: &str,
        (environment, service, name): &VariableKey,
        digest: &Digest,
    ) -> Result<(), StateError> {
        let service = service.as_deref().unwrap_or("");
        let hex = digest.to_hex();
        self.with(|conn| {
            let now = format!("(({}) / 1000)", conn.dialect().now_ms());
            conn.execute(
                &format!(
                    "INSERT INTO secret_digests \
                     (project, environment, service, name, digest_hex, written_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, {now}) \
                     ON CONFLICT (project, environment, service, name) \
                     DO UPDATE SET digest_hex = excluded.digest_hex, written_at = excluded.written_at"
                ),
                values![project, environment.as_str(), service, name.as_str(), hex.as_str()],
            )
        })?;
        Ok(())
    }

    /// Forgets the digest of a variable no longer there (removed).
    pub fn forget_secret_digest(
        &self,
        project: &str,
        (environment, service, name): &VariableKey,
    ) -> Result<(), StateError> {
        let service = service.as_deref().unwrap_or("");
        self.with(|conn| {
            conn.execute(
                "DELETE FROM secret_digests WHERE project = ?1 AND environment = ?2 \
                 AND service = ?3 AND name = ?4",
                values![project, environment.as_str(), service, name.as_str()],
            )
        })?;
        Ok(())
    }
}
