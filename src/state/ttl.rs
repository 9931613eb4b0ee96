//! Deadlines of ephemeral environments (pull-request previews): when they
//! should be destroyed.

use super::db::{Conn, Row, values};

use super::error::StateError;
use super::store::Store;
use super::time::Timestamp;

/// The deadline of one environment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TtlEntry {
    /// The project name.
    pub project: String,
    /// The environment name.
    pub environment: String,
    /// When it expires.
    pub expires_at: Timestamp,
    /// Who set the deadline, as `user@host`.
    pub set_by: String,
}

/// Writes (or moves) the deadline of `environment` on `conn` — `None`
/// removes it —, inside the caller's transaction: the one statement for
/// deadlines that records of previews and serve's environments write
/// together with their own rows.
pub(super) fn write_deadline(
    conn: &mut dyn Conn,
    project: &str,
    environment: &str,
    expires_at: Option<Timestamp>,
    set_by: &str,
    now: i64,
) -> Result<u64, StateError> {
    match expires_at {
        Some(expires_at) => conn.execute(
            "INSERT INTO environment_ttls (project, environment, expires_at, set_by, set_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (project, environment) DO UPDATE SET \
               expires_at = excluded.expires_at, set_by = excluded.set_by, \
               set_at = excluded.set_at",
            values![project, environment, expires_at.0, set_by, now],
        ),
        None => conn.execute(
            "DELETE FROM environment_ttls WHERE project = ?1 AND environment = ?2",
            values![project, environment],
        ),
    }
}

impl Store {
    /// Set (or move) the deadline of an environment.
    pub fn set_ttl(
        &self,
        project: &str,
        environment: &str,
        expires_at: Timestamp,
        set_by: &str,
    ) -> Result<(), StateError> {
        let now = self.now().0;
        self.with(|conn| {
            write_deadline(conn, project, environment, Some(expires_at), set_by, now)
        })?;
        Ok(())
    }

    /// Remove the deadline of an environment (made permanent, or
    /// destroyed). Returns whether there was one.
    pub fn clear_ttl(&self, project: &str, environment: &str) -> Result<bool, StateError> {
        let removed = self.with(|conn| write_deadline(conn, project, environment, None, "", 0))?;
        Ok(removed > 0)
    }

    /// The deadline of an environment, if any.
    pub fn ttl(&self, project: &str, environment: &str) -> Result<Option<TtlEntry>, StateError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM environment_ttls WHERE project = ?1 AND environment = ?2"
        );
        let row = self.with(|conn| conn.query_opt(&sql, values![project, environment]))?;
        row.map(|row| read_row(&row)).transpose()
    }

    /// Every deadline, soonest first.
    pub fn ttls(&self) -> Result<Vec<TtlEntry>, StateError> {
        self.select_ttls(i64::MAX)
    }

    /// Environments whose deadline is at or before `now`, soonest first.
    pub fn expired(&self, now: Timestamp) -> Result<Vec<TtlEntry>, StateError> {
        self.select_ttls(now.0)
    }

    fn select_ttls(&self, until: i64) -> Result<Vec<TtlEntry>, StateError> {
        let sql = format!("SELECT {COLUMNS} FROM environment_ttls WHERE expires_at <= ?1");
        let rows = self.with(|conn| conn.query(&sql, values![until]))?;
        let mut entries = rows.iter().map(read_row).collect::<Result<Vec<_>, _>>()?;
        // Sorted here: the backends' text collations differ.
        entries.sort_by(|a, b| {
            (a.expires_at, &a.project, &a.environment).cmp(&(
                b.expires_at,
                &b.project,
                &b.environment,
            ))
        });
        Ok(entries)
    }
}

const COLUMNS: &str = "project, environment, expires_at, set_by";

fn read_row(row: &Row) -> Result<TtlEntry, StateError> {
    Ok(TtlEntry {
        project: row.text(0)?,
        environment: row.text(1)?,
        expires_at: Timestamp(row.int(2)?),
        set_by: row.text(3)?,
    })
}
