//! Environments `mirage serve` created from a template for a person, and
//! the progress events of serve's jobs (schema version 8).
//!
//! A serve-created environment is recorded when the request is accepted
//! ([`Store::reserve_serve_environment`]): the primary key makes two
//! requests for one name one environment, and a job stopped half-way
//! leaves a record destroy and GC find. Its deadline lives in
//! `environment_ttls` like a preview's, written and removed in the same
//! transaction as the record.

use super::db::{Row, values};
use super::error::StateError;
use super::store::Store;
use super::time::Timestamp;

/// An environment created through serve, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServeEnvironment {
    /// The project name.
    pub project: String,
    /// The environment's name.
    pub environment: String,
    /// Railway's id, once created.
    pub environment_id: Option<String>,
    /// The template it was made from.
    pub template: String,
    /// Who asked for it (a user id).
    pub owner: String,
    /// When it was asked for.
    pub created_at: Timestamp,
    /// When it expires (`None`: no deadline).
    pub expires_at: Option<Timestamp>,
}

/// What [`Store::reserve_serve_environment`] records.
#[derive(Debug, Clone, Copy)]
pub struct NewServeEnvironment<'a> {
    /// The project name.
    pub project: &'a str,
    /// The environment's name.
    pub environment: &'a str,
    /// The template.
    pub template: &'a str,
    /// Who asks for it (a user id).
    pub owner: &'a str,
    /// Its deadline (`None`: none).
    pub expires_at: Option<Timestamp>,
}

/// One progress event of a job.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JobEvent {
    /// The job.
    pub job: i64,
    /// Its place among the job's events, from 1.
    pub seq: i64,
    /// When (whole seconds).
    pub time: Timestamp,
    /// What kind of event (`step`, `note`, `problem`, `done`, …).
    pub kind: String,
    /// The resource it is about, when one (`service pr-1/api`).
    pub resource: Option<String>,
    /// What happened (never a secret).
    pub message: String,
}

const COLUMNS: &str = "e.project, e.environment, e.environment_id, e.template, e.owner, \
    e.created_at, t.expires_at";

const FROM: &str = "serve_environments e LEFT JOIN environment_ttls t \
    ON t.project = e.project AND t.environment = e.environment";

fn read_environment(row: &Row) -> Result<ServeEnvironment, StateError> {
    Ok(ServeEnvironment {
        project: row.text(0)?,
        environment: row.text(1)?,
        environment_id: row.opt_text(2)?,
        template: row.text(3)?,
        owner: row.text(4)?,
        created_at: Timestamp(row.int(5)?),
        expires_at: row.opt_int(6)?.map(Timestamp),
    })
}

impl Store {
    /// Records an environment asked for through serve, with its deadline,
    /// in one transaction. `Ok(false)`: the project already has a
    /// serve-created environment of that name (nothing written).
    pub fn reserve_serve_environment(
        &self,
        new: &NewServeEnvironment<'_>,
    ) -> Result<bool, StateError> {
        let now = self.now().0;
        self.transaction(|conn| {
            let inserted = conn.execute(
                "INSERT INTO serve_environments (project, environment, template, owner, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (project, environment) DO NOTHING",
                values![new.project, new.environment, new.template, new.owner, now],
            )?;
            if inserted == 0 {
                return Ok(false);
            }
            super::ttl::write_deadline(
                conn,
                new.project,
                new.environment,
                new.expires_at,
                new.owner,
                now,
            )?;
            Ok(true)
        })
    }

    /// Records Railway's id of a serve-created environment.
    pub fn set_serve_environment_id(
        &self,
        project: &str,
        environment: &str,
        environment_id: &str,
    ) -> Result<(), StateError> {
        self.with(|conn| {
            conn.execute(
                "UPDATE serve_environments SET environment_id = ?3 \
                 WHERE project = ?1 AND environment = ?2",
                values![project, environment, environment_id],
            )
        })?;
        Ok(())
    }

    /// The serve-created environment `environment` of `project`.
    pub fn serve_environment(
        &self,
        project: &str,
        environment: &str,
    ) -> Result<Option<ServeEnvironment>, StateError> {
        let sql =
            format!("SELECT {COLUMNS} FROM {FROM} WHERE e.project = ?1 AND e.environment = ?2");
        let row = self.with(|conn| conn.query_opt(&sql, values![project, environment]))?;
        row.map(|row| read_environment(&row)).transpose()
    }

    /// Every serve-created environment of `project`, oldest first.
    pub fn serve_environments(&self, project: &str) -> Result<Vec<ServeEnvironment>, StateError> {
        let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE e.project = ?1");
        let rows = self.with(|conn| conn.query(&sql, values![project]))?;
        let mut list = rows
            .iter()
            .map(read_environment)
            .collect::<Result<Vec<_>, _>>()?;
        list.sort_by(|a, b| (a.created_at, &a.environment).cmp(&(b.created_at, &b.environment)));
        Ok(list)
    }

    /// Forgets a serve-created environment and its deadline, in one
    /// transaction. Returns whether it was recorded.
    pub fn forget_serve_environment(
        &self,
        project: &str,
        environment: &str,
    ) -> Result<bool, StateError> {
        self.transaction(|conn| {
            let removed = conn.execute(
                "DELETE FROM serve_environments WHERE project = ?1 AND environment = ?2",
                values![project, environment],
            )?;
            super::ttl::write_deadline(conn, project, environment, None, "", 0)?;
            Ok(removed > 0)
        })
    }

    /// Appends an event to job `job`'s progress; returns its `seq`.
    pub fn append_job_event(
        &self,
        job: i64,
        kind: &str,
        resource: Option<&str>,
        message: &str,
    ) -> Result<i64, StateError> {
        let now = self.now().0;
        self.transaction(|conn| {
            let seq = conn
                .query_one(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM job_events WHERE job = ?1",
                    values![job],
                )?
                .int(0)?;
            conn.execute(
                "INSERT INTO job_events (job, seq, time, kind, resource, message) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                values![job, seq, now, kind, resource, message],
            )?;
            Ok(seq)
        })
    }

    /// The events of job `job` after `after_seq` (0: all), in order.
    pub fn job_events(&self, job: i64, after_seq: i64) -> Result<Vec<JobEvent>, StateError> {
        let rows = self.with(|conn| {
            conn.query(
                "SELECT job, seq, time, kind, resource, message FROM job_events \
                 WHERE job = ?1 AND seq > ?2 ORDER BY seq",
                values![job, after_seq],
            )
        })?;
        rows.iter()
            .map(|row| {
                Ok(JobEvent {
                    job: row.int(0)?,
                    seq: row.int(1)?,
                    time: Timestamp(row.int(2)?),
                    kind: row.text(3)?,
                    resource: row.opt_text(4)?,
                    message: row.text(5)?,
                })
            })
            .collect()
    }
}
