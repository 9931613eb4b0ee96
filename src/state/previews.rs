//! Pull-request previews: which environment is which pull request's
//! preview, from which template, and what was last deployed to it.
//!
//! The deadline of a preview is its row in `environment_ttls` (the one
//! store of deadlines, [`Store::set_ttl`]): recording a preview writes both
//! in one transaction, forgetting it removes both.

use super::db::{Conn, Row, values};
use super::error::StateError;
use super::store::Store;
use super::time::Timestamp;

/// A preview as recorded, with its deadline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PreviewRecord {
    /// The project name.
    pub project: String,
    /// The template (ephemeral environment) it was made from.
    pub template: String,
    /// The pull request's number.
    pub number: u64,
    /// The environment it lives in (`pr-123`).
    pub environment: String,
    /// Railway's id of that environment, once known.
    pub environment_id: Option<String>,
    /// The pull request's head branch.
    pub branch: String,
    /// The last commit deployed (asked for), when given.
    pub sha: Option<String>,
    /// The pull request's repository (`owner/name`), when given.
    pub repo: Option<String>,
    /// Who created it, as `user@host`.
    pub created_by: String,
    /// When it was first brought up.
    pub created_at: Timestamp,
    /// When it was last brought up (a push).
    pub updated_at: Timestamp,
    /// When it expires (`None`: no TTL).
    pub expires_at: Option<Timestamp>,
}

/// What [`Store::record_preview`] records.
#[derive(Debug, Clone, Copy)]
pub struct NewPreview<'a> {
    /// The project name.
    pub project: &'a str,
    /// The template.
    pub template: &'a str,
    /// The pull request's number.
    pub number: u64,
    /// The environment.
    pub environment: &'a str,
    /// Railway's id of the environment, when known.
    pub environment_id: Option<&'a str>,
    /// The head branch.
    pub branch: &'a str,
    /// The head commit.
    pub sha: Option<&'a str>,
    /// The repository.
    pub repo: Option<&'a str>,
    /// Who brings it up, as `user@host`.
    pub actor: &'a str,
    /// Its new deadline (`None`: none, and any old one is removed).
    pub expires_at: Option<Timestamp>,
}

impl Store {
    /// Records a preview being brought up: created the first time (its
    /// `created_at` then kept), updated on every later call with the new
    /// branch and commit, and its deadline set to `expires_at` — a push
    /// extends the TTL. An environment id already known is kept when none
    /// is given.
    pub fn record_preview(&self, preview: &NewPreview<'_>) -> Result<(), StateError> {
        let now = self.now().0;
        let number = number_value(preview.number)?;
        self.transaction(|conn| {
            conn.execute(
                "INSERT INTO previews (project, template, number, environment, environment_id, \
                 branch, sha, repo, created_by, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10) \
                 ON CONFLICT (project, template, number) DO UPDATE SET \
                   environment = excluded.environment, \
                   environment_id = COALESCE(excluded.environment_id, previews.environment_id), \
                   branch = excluded.branch, sha = excluded.sha, repo = excluded.repo, \
                   updated_at = excluded.updated_at",
                values![
                    preview.project,
                    preview.template,
                    number,
                    preview.environment,
                    preview.environment_id,
                    preview.branch,
                    preview.sha,
                    preview.repo,
                    preview.actor,
                    now
                ],
            )?;
            super::ttl::write_deadline(
                conn,
                preview.project,
                preview.environment,
                preview.expires_at,
                preview.actor,
                now,
            )?;
            Ok(())
        })
    }

    /// Records Railway's id of a preview's environment once it is known.
    pub fn set_preview_environment_id(
        &self,
        project: &str,
        environment: &str,
        environment_id: &str,
    ) -> Result<(), StateError> {
        self.with(|conn| {
            conn.execute(
                "UPDATE previews SET environment_id = ?3 WHERE project = ?1 AND environment = ?2",
                values![project, environment, environment_id],
            )
        })?;
        Ok(())
    }

    /// The preview of pull request `number` made from `template`.
    pub fn preview(
        &self,
        project: &str,
        template: &str,
        number: u64,
    ) -> Result<Option<PreviewRecord>, StateError> {
        let number = number_value(number)?;
        let sql = format!("{SELECT} WHERE p.project = ?1 AND p.template = ?2 AND p.number = ?3");
        let row = self.with(|conn| conn.query_opt(&sql, values![project, template, number]))?;
        row.map(|row| read_row(&row)).transpose()
    }

    /// The preview living in `environment`, if that environment is one.
    pub fn preview_in(
        &self,
        project: &str,
        environment: &str,
    ) -> Result<Option<PreviewRecord>, StateError> {
        let sql = format!("{SELECT} WHERE p.project = ?1 AND p.environment = ?2");
        let row = self.with(|conn| conn.query_opt(&sql, values![project, environment]))?;
        row.map(|row| read_row(&row)).transpose()
    }

    /// Every preview of `project` (of every project when `None`), oldest
    /// first.
    pub fn previews(&self, project: Option<&str>) -> Result<Vec<PreviewRecord>, StateError> {
        let rows = self.with(|conn| match project {
            Some(project) => {
                conn.query(&format!("{SELECT} WHERE p.project = ?1"), values![project])
            }
            None => conn.query(SELECT, &[]),
        })?;
        let mut previews = rows.iter().map(read_row).collect::<Result<Vec<_>, _>>()?;
        // Sorted here: the backends' text collations differ.
        previews.sort_by(|a, b| {
            (a.created_at, &a.project, &a.template, a.number).cmp(&(
                b.created_at,
                &b.project,
                &b.template,
                b.number,
            ))
        });
        Ok(previews)
    }

    /// Forgets a preview and its deadline (after its environment was
    /// destroyed, or found gone). Returns whether it was recorded.
    pub fn forget_preview(
        &self,
        project: &str,
        template: &str,
        number: u64,
    ) -> Result<bool, StateError> {
        let number = number_value(number)?;
        self.transaction(|conn| forget(conn, project, template, number))
    }
}

fn forget(
    conn: &mut dyn Conn,
    project: &str,
    template: &str,
    number: i64,
) -> Result<bool, StateError> {
    let environment = conn
        .query_opt(
            "SELECT environment FROM previews WHERE project = ?1 AND template = ?2 AND number = ?3",
            values![project, template, number],
        )?
        .map(|row| row.text(0))
        .transpose()?;
    let Some(environment) = environment else {
        return Ok(false);
    };
    conn.execute(
        "DELETE FROM previews WHERE project = ?1 AND template = ?2 AND number = ?3",
        values![project, template, number],
    )?;
    super::ttl::write_deadline(conn, project, &environment, None, "", 0)?;
    Ok(true)
}

/// A pull-request number as a column value (numbers beyond `i64` are
/// refused, not wrapped).
fn number_value(number: u64) -> Result<i64, StateError> {
    i64::try_from(number)
        .map_err(|_| StateError::Invalid(format!("pull request number {number} is too large")))
}

const SELECT: &str = "SELECT p.project, p.template, p.number, p.environment, p.environment_id, \
     p.branch, p.sha, p.repo, p.created_by, p.created_at, p.updated_at, t.expires_at \
     FROM previews p LEFT JOIN environment_ttls t \
     ON t.project = p.project AND t.environment = p.environment";

fn read_row(row: &Row) -> Result<PreviewRecord, StateError> {
    let number = row.int(2)?;
    Ok(PreviewRecord {
        project: row.text(0)?,
        template: row.text(1)?,
        number: u64::try_from(number)
            .map_err(|_| StateError::Invalid(format!("a preview has number {number}")))?,
        environment: row.text(3)?,
        environment_id: row.opt_text(4)?,
        branch: row.text(5)?,
        sha: row.opt_text(6)?,
        repo: row.opt_text(7)?,
        created_by: row.text(8)?,
        created_at: Timestamp(row.int(9)?),
        updated_at: Timestamp(row.int(10)?),
        expires_at: row.opt_int(11)?.map(Timestamp),
    })
}
