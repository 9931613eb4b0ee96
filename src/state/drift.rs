//! The drift `mirage serve` last found in each project (schema version 9):
//! what its scheduled plan of the declared environments showed, so that
//! "drift appeared" and "drift cleared" are told once across replicas.
//!
//! A check reads the row, then moves it from the fingerprint it read to
//! the one it found with a conditional update: of two replicas recording
//! the same change, only the first sees a transition.

use super::db::values;
use super::error::StateError;
use super::store::Store;

/// The drift last recorded for a project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriftRecord {
    /// The project.
    pub project: String,
    /// The drift's fingerprint; empty when there was none.
    pub fingerprint: String,
    /// What drifted (names and change kinds, never values).
    pub summary: String,
    /// Since when (whole seconds since the Unix epoch) the fingerprint is
    /// what it is.
    pub since: i64,
    /// When the project was last checked (whole seconds).
    pub checked_at: i64,
}

/// What recording a check changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DriftTransition {
    /// There was no drift (or no record) and now there is.
    Appeared,
    /// The drift is another one than before.
    Changed,
    /// There was drift and now there is none.
    Cleared,
    /// Nothing to tell: the same as recorded, or another replica recorded
    /// this change first.
    Unchanged,
}

impl Store {
    /// The drift recorded for `project`, if it was ever checked.
    pub fn drift(&self, project: &str) -> Result<Option<DriftRecord>, StateError> {
        let row = self.with(|conn| {
            conn.query_opt(
                "SELECT project, fingerprint, summary, since, checked_at \
                 FROM drift_state WHERE project = ?1",
                values![project],
            )
        })?;
        row.map(|row| {
            Ok(DriftRecord {
                project: row.text(0)?,
                fingerprint: row.text(1)?,
                summary: row.text(2)?,
                since: row.int(3)?,
                checked_at: row.int(4)?,
            })
        })
        .transpose()
    }

    /// Records that a check of `project` found `fingerprint` (empty: no
    /// drift) described by `summary`; says which transition this call
    /// made — [`DriftTransition::Unchanged`] when another replica made it
    /// first.
    pub fn record_drift(
        &self,
        project: &str,
        fingerprint: &str,
        summary: &str,
    ) -> Result<DriftTransition, StateError> {
        let before = self.drift(project)?;
        let now = |dialect: super::db::Dialect| format!("(({}) / 1000)", dialect.now_ms());
        let Some(before) = before else {
            let inserted = self.with(|conn| {
                let now = now(conn.dialect());
                conn.execute(
                    &format!(
                        "INSERT INTO drift_state (project, fingerprint, summary, since, checked_at) \
                         VALUES (?1, ?2, ?3, {now}, {now}) ON CONFLICT (project) DO NOTHING"
                    ),
                    values![project, fingerprint, summary],
                )
            })?;
            return Ok(if inserted == 1 && !fingerprint.is_empty() {
                DriftTransition::Appeared
            } else if inserted == 1 {
                DriftTransition::Unchanged
            } else {
                // Another replica recorded the first check: compare again.
                return self.record_drift(project, fingerprint, summary);
            });
        };
        if before.fingerprint == fingerprint {
            self.with(|conn| {
                let now = now(conn.dialect());
                conn.execute(
                    &format!(
                        "UPDATE drift_state SET checked_at = {now} \
                         WHERE project = ?1 AND fingerprint = ?2"
                    ),
                    values![project, fingerprint],
                )
            })?;
            return Ok(DriftTransition::Unchanged);
        }
        let moved = self.with(|conn| {
            let now = now(conn.dialect());
            conn.execute(
                &format!(
                    "UPDATE drift_state SET fingerprint = ?2, summary = ?3, since = {now}, \
                     checked_at = {now} WHERE project = ?1 AND fingerprint = ?4"
                ),
                values![project, fingerprint, summary, before.fingerprint.as_str()],
            )
        })?;
        Ok(match moved {
            0 => DriftTransition::Unchanged,
            _ if fingerprint.is_empty() => DriftTransition::Cleared,
            _ if before.fingerprint.is_empty() => DriftTransition::Appeared,
            _ => DriftTransition::Changed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_is_told_once_when_it_appears_changes_and_clears() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.drift("shop").unwrap(), None);
        assert_eq!(
            store.record_drift("shop", "", "").unwrap(),
            DriftTransition::Unchanged
        );
        assert_eq!(
            store.record_drift("shop", "a", "web: update").unwrap(),
            DriftTransition::Appeared
        );
        assert_eq!(
            store.record_drift("shop", "a", "web: update").unwrap(),
            DriftTransition::Unchanged
        );
        assert_eq!(
            store.record_drift("shop", "b", "api: update").unwrap(),
            DriftTransition::Changed
        );
        let record = store.drift("shop").unwrap().unwrap();
        assert_eq!(record.fingerprint, "b");
        assert_eq!(record.summary, "api: update");
        assert!(record.since > 1_700_000_000 && record.since < 100_000_000_000);
        assert_eq!(
            store.record_drift("shop", "", "").unwrap(),
            DriftTransition::Cleared
        );
        assert_eq!(
            store.record_drift("shop", "", "").unwrap(),
            DriftTransition::Unchanged
        );
        // A first check that finds drift tells it.
        assert_eq!(
            store.record_drift("other", "x", "web: create").unwrap(),
            DriftTransition::Appeared
        );
    }
}
