//! Ownership: the resources Mirage created or adopted, with their Railway
//! IDs. The planner destroys only what is recorded here.

use std::fmt;
use std::str::FromStr;

use super::db::{Conn, Row, values};

use super::error::StateError;
use super::store::Store;
use super::time::Timestamp;

/// The kind of a Railway resource Mirage can own.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    /// A Railway project.
    Project,
    /// An environment of a project.
    Environment,
    /// A service (project-wide on Railway; recorded per environment when
    /// Mirage created it for one environment only).
    Service,
    /// A volume attached to a service.
    Volume,
    /// A domain (Railway-generated or custom) of a service.
    Domain,
    /// A TCP proxy of a service.
    TcpProxy,
    /// A variable of a service or a shared variable (by name only; the
    /// value is never stored).
    Variable,
}

impl ResourceKind {
    /// Every kind, in the order the CLI lists them.
    pub const ALL: [ResourceKind; 7] = [
        ResourceKind::Project,
        ResourceKind::Environment,
        ResourceKind::Service,
        ResourceKind::Volume,
        ResourceKind::Domain,
        ResourceKind::TcpProxy,
        ResourceKind::Variable,
    ];

    /// The stable name stored in the database and printed: `tcp-proxy`…
    pub const fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Project => "project",
            ResourceKind::Environment => "environment",
            ResourceKind::Service => "service",
            ResourceKind::Volume => "volume",
            ResourceKind::Domain => "domain",
            ResourceKind::TcpProxy => "tcp-proxy",
            ResourceKind::Variable => "variable",
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ResourceKind {
    type Err = StateError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ResourceKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| StateError::Invalid(format!("unknown resource kind `{text}`")))
    }
}

/// How a resource came to be Mirage's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Mirage created it.
    Created,
    /// It existed and `mirage import` adopted it.
    Adopted,
}

impl Origin {
    /// The stable name stored in the database: `created` or `adopted`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Origin::Created => "created",
            Origin::Adopted => "adopted",
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What identifies an owned resource: names, as on Railway.
///
/// * a project: `environment` and `service` are `None`, `name` is the
///   project name;
/// * an environment: `environment` is `None`, `name` is its name;
/// * a service: `service` is `None`, `name` is the service name,
///   `environment` the one it was created for (`None` when project-wide);
/// * a volume, domain, TCP proxy or variable: `service` names the service
///   it belongs to (`None` for shared variables), `name` the resource
///   (mount path, host name, application port, variable name).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct ResourceKey {
    /// The project name.
    pub project: String,
    /// The environment name, for resources inside one environment.
    pub environment: Option<String>,
    /// The kind.
    pub kind: ResourceKind,
    /// The owning service's name, for resources of a service.
    pub service: Option<String>,
    /// The resource's own name.
    pub name: String,
}

/// An owned resource as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Resource {
    /// What identifies it.
    pub key: ResourceKey,
    /// The Railway ID of the project it lives in, when known.
    pub project_id: Option<String>,
    /// The Railway ID of its environment, when it lives in one.
    pub environment_id: Option<String>,
    /// Its own Railway ID (`None` for variables, which have none).
    pub railway_id: Option<String>,
    /// Created by Mirage or adopted.
    pub origin: Origin,
    /// Who recorded it, as `user@host`.
    pub created_by: String,
    /// When it was first recorded.
    pub created_at: Timestamp,
}

/// Which owned resources to list; `None` fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnedFilter {
    /// Only this project (by name).
    pub project: Option<String>,
    /// Only this environment (by name); project-wide resources excluded.
    pub environment: Option<String>,
    /// Only this service's resources (and the service itself).
    pub service: Option<String>,
    /// Only this kind.
    pub kind: Option<ResourceKind>,
}

impl Store {
    /// Record `resource` as owned. Recording a key that is already present
    /// updates its Railway IDs (a resource re-created after a failure) but
    /// keeps its first `origin`, `created_by` and `created_at`.
    pub fn record(&self, resource: &Resource) -> Result<(), StateError> {
        let now = self.now();
        self.with(|conn| insert(conn, resource, now))
    }

    /// Record several resources in one transaction (all or none).
    pub fn record_all(&self, resources: &[Resource]) -> Result<(), StateError> {
        if resources.is_empty() {
            return Ok(());
        }
        let now = self.now();
        // One statement per batch of rows, not per row: on PostgreSQL each
        // statement is a round trip, and a first apply records a thousand.
        // A key given twice is merged first (one upsert cannot touch a row
        // twice): its first record, with the IDs the later ones add.
        let mut merged: Vec<Resource> = Vec::with_capacity(resources.len());
        let mut index = std::collections::HashMap::new();
        for resource in resources {
            match index.get(&resource.key) {
                Some(&at) => {
                    let first: &mut Resource = &mut merged[at];
                    first.project_id = resource.project_id.clone().or(first.project_id.take());
                    first.environment_id = resource
                        .environment_id
                        .clone()
                        .or(first.environment_id.take());
                    first.railway_id = resource.railway_id.clone().or(first.railway_id.take());
                }
                None => {
                    index.insert(resource.key.clone(), merged.len());
                    merged.push(resource.clone());
                }
            }
        }
        self.transaction(|tx| {
            for chunk in merged.chunks(ROWS_PER_INSERT) {
                insert_rows(tx, chunk, now)?;
            }
            Ok(())
        })
    }

    /// The owned resource with this key, if any.
    pub fn owned(&self, key: &ResourceKey) -> Result<Option<Resource>, StateError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM owned_resources WHERE project = ?1 AND environment = ?2 \
             AND kind = ?3 AND service = ?4 AND name = ?5"
        );
        let row = self.with(|conn| {
            conn.query_opt(
                &sql,
                values![
                    &key.project,
                    key.environment.as_deref().unwrap_or(""),
                    key.kind.as_str(),
                    key.service.as_deref().unwrap_or(""),
                    &key.name,
                ],
            )
        })?;
        row.map(|row| read_row(&row)?.into_resource()).transpose()
    }

    /// Whether the resource with this key is Mirage's.
    pub fn is_owned(&self, key: &ResourceKey) -> Result<bool, StateError> {
        Ok(self.owned(key)?.is_some())
    }

    /// The owned resource with this Railway ID, if any.
    pub fn owned_by_railway_id(&self, railway_id: &str) -> Result<Option<Resource>, StateError> {
        let sql = format!("SELECT {COLUMNS} FROM owned_resources WHERE railway_id = ?1");
        let rows = self.with(|conn| conn.query(&sql, values![railway_id]))?;
        let mut found = Vec::new();
        for row in &rows {
            found.push(read_row(row)?.into_resource()?);
        }
        // The first recorded, in one order on both backends (their text
        // collations differ, so the order is not left to SQL).
        Ok(found
            .into_iter()
            .min_by(|a, b| (a.created_at, &a.key).cmp(&(b.created_at, &b.key))))
    }

    /// Every owned resource inside environment `environment` of project
    /// `project` (not the environment itself, nor project-wide resources),
    /// sorted by kind, service and name.
    pub fn owned_in_environment(
        &self,
        project: &str,
        environment: &str,
    ) -> Result<Vec<Resource>, StateError> {
        self.list_owned(&OwnedFilter {
            project: Some(project.to_owned()),
            environment: Some(environment.to_owned()),
            ..OwnedFilter::default()
        })
    }

    /// Owned resources matching `filter`, sorted by project, environment,
    /// kind (in [`ResourceKind::ALL`] order), service and name.
    pub fn list_owned(&self, filter: &OwnedFilter) -> Result<Vec<Resource>, StateError> {
        // `CAST(? AS TEXT)`: PostgreSQL cannot tell the type of a
        // parameter that is only compared with NULL.
        let sql = format!(
            "SELECT {COLUMNS} FROM owned_resources \
             WHERE (CAST(?1 AS TEXT) IS NULL OR project = ?1) \
               AND (CAST(?2 AS TEXT) IS NULL OR environment = ?2) \
               AND (CAST(?3 AS TEXT) IS NULL OR service = ?3 OR (kind = 'service' AND name = ?3)) \
               AND (CAST(?4 AS TEXT) IS NULL OR kind = ?4)"
        );
        let rows = self.with(|conn| {
            conn.query(
                &sql,
                values![
                    filter.project.as_deref(),
                    filter.environment.as_deref(),
                    filter.service.as_deref(),
                    filter.kind.map(ResourceKind::as_str),
                ],
            )
        })?;
        let mut resources = Vec::with_capacity(rows.len());
        for row in &rows {
            resources.push(read_row(row)?.into_resource()?);
        }
        resources.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(resources)
    }

    /// Forget one resource (after destroying it, or to hand it back).
    /// Returns whether it was recorded.
    pub fn forget(&self, key: &ResourceKey) -> Result<bool, StateError> {
        let removed = self.with(|conn| {
            conn.execute(
                "DELETE FROM owned_resources WHERE project = ?1 AND environment = ?2 \
                 AND kind = ?3 AND service = ?4 AND name = ?5",
                values![
                    &key.project,
                    key.environment.as_deref().unwrap_or(""),
                    key.kind.as_str(),
                    key.service.as_deref().unwrap_or(""),
                    &key.name,
                ],
            )
        })?;
        Ok(removed > 0)
    }

    /// Forget service `service` in environment `environment` of `project`
    /// and everything recorded under it there (its volume, domains, TCP
    /// proxies and variables), after its instance was removed. Returns how
    /// many records were removed.
    pub fn forget_service(
        &self,
        project: &str,
        environment: &str,
        service: &str,
    ) -> Result<usize, StateError> {
        let removed = self.with(|conn| {
            conn.execute(
                "DELETE FROM owned_resources WHERE project = ?1 AND environment = ?2 \
                 AND (service = ?3 OR (kind = 'service' AND service = '' AND name = ?3))",
                values![project, environment, service],
            )
        })?;
        Ok(count(removed))
    }

    /// Records that service `from` of `project` is now called `to` (a
    /// `moved` rename): its records in every environment, and everything
    /// recorded under it, move to the new name.
    pub fn rename_service(&self, project: &str, from: &str, to: &str) -> Result<(), StateError> {
        self.transaction(|conn| {
            let params = values![project, from, to];
            // Records already made under the new name (this apply's) give
            // way to the old ones, which keep who created them and when.
            conn.execute(
                "DELETE FROM owned_resources WHERE project = ?1 AND kind = 'service' \
                 AND service = '' AND name = ?3 AND environment IN (SELECT environment \
                 FROM owned_resources WHERE project = ?1 AND kind = 'service' AND service = '' \
                 AND name = ?2)",
                params,
            )?;
            conn.execute(
                "DELETE FROM owned_resources WHERE project = ?1 AND service = ?3 \
                 AND EXISTS (SELECT 1 FROM owned_resources o WHERE o.project = ?1 \
                 AND o.service = ?2 AND o.environment = owned_resources.environment \
                 AND o.kind = owned_resources.kind \
                 AND (o.name = owned_resources.name OR (o.kind = 'volume' AND o.name = ?2)))",
                params,
            )?;
            conn.execute(
                "UPDATE owned_resources SET name = ?3 WHERE project = ?1 AND kind = 'service' \
                 AND service = '' AND name = ?2",
                params,
            )?;
            conn.execute(
                "UPDATE owned_resources SET service = ?3, \
                 name = CASE WHEN kind = 'volume' AND name = ?2 THEN ?3 ELSE name END \
                 WHERE project = ?1 AND service = ?2",
                params,
            )?;
            Ok(())
        })
    }

    /// Records that environment `from` of `project` is now called `to`:
    /// its record, everything recorded in it, and its TTL.
    pub fn rename_environment(
        &self,
        project: &str,
        from: &str,
        to: &str,
    ) -> Result<(), StateError> {
        self.transaction(|conn| {
            let params = values![project, from, to];
            conn.execute(
                "DELETE FROM owned_resources WHERE project = ?1 AND environment = ?3 \
                 AND EXISTS (SELECT 1 FROM owned_resources o WHERE o.project = ?1 \
                 AND o.environment = ?2 AND o.kind = owned_resources.kind \
                 AND o.service = owned_resources.service AND o.name = owned_resources.name)",
                params,
            )?;
            conn.execute(
                "DELETE FROM owned_resources WHERE project = ?1 AND kind = 'environment' \
                 AND environment = '' AND name = ?3 AND EXISTS (SELECT 1 FROM owned_resources o \
                 WHERE o.project = ?1 AND o.kind = 'environment' AND o.environment = '' \
                 AND o.name = ?2)",
                params,
            )?;
            conn.execute(
                "UPDATE owned_resources SET name = ?3 WHERE project = ?1 AND kind = 'environment' \
                 AND environment = '' AND name = ?2",
                params,
            )?;
            conn.execute(
                "UPDATE owned_resources SET environment = ?3 WHERE project = ?1 AND environment = ?2",
                params,
            )?;
            conn.execute(
                "DELETE FROM environment_ttls WHERE project = ?1 AND environment = ?3 \
                 AND EXISTS (SELECT 1 FROM environment_ttls t WHERE t.project = ?1 \
                 AND t.environment = ?2)",
                params,
            )?;
            conn.execute(
                "UPDATE environment_ttls SET environment = ?3 WHERE project = ?1 AND environment = ?2",
                params,
            )?;
            Ok(())
        })
    }

    /// Forget everything recorded for `project` (after it was deleted), its
    /// TTLs and previews included. Returns how many ownership records were removed.
    pub fn forget_project(&self, project: &str) -> Result<usize, StateError> {
        let removed = self.transaction(|conn| {
            let removed = conn.execute(
                "DELETE FROM owned_resources WHERE project = ?1",
                values![project],
            )?;
            conn.execute(
                "DELETE FROM environment_ttls WHERE project = ?1",
                values![project],
            )?;
            conn.execute("DELETE FROM previews WHERE project = ?1", values![project])?;
            Ok(removed)
        })?;
        Ok(count(removed))
    }

    /// Forget everything recorded inside environment `environment` of
    /// `project`, and the environment itself (after `mirage destroy`).
    /// Returns how many records were removed. The environment's TTL, if
    /// any, is left to [`Store::clear_ttl`].
    pub fn forget_environment(
        &self,
        project: &str,
        environment: &str,
    ) -> Result<usize, StateError> {
        let removed = self.with(|conn| {
            conn.execute(
                "DELETE FROM owned_resources WHERE project = ?1 AND (environment = ?2 \
                 OR (kind = 'environment' AND environment = '' AND name = ?2))",
                values![project, environment],
            )
        })?;
        Ok(count(removed))
    }
}

/// A row count as a `usize`.
fn count(rows: u64) -> usize {
    usize::try_from(rows).unwrap_or(usize::MAX)
}

/// The columns read by [`read_row`], in order.
const COLUMNS: &str = "project, environment, kind, service, name, project_id, environment_id, \
                       railway_id, origin, created_by, created_at";

/// How many rows one `INSERT` of [`Store::record_all`] carries (12
/// parameters each, far below either engine's limit).
const ROWS_PER_INSERT: usize = 64;

fn insert(conn: &mut dyn Conn, resource: &Resource, now: Timestamp) -> Result<(), StateError> {
    insert_rows(conn, std::slice::from_ref(resource), now)
}

/// Records `resources` (no key twice) in one statement.
fn insert_rows(
    conn: &mut dyn Conn,
    resources: &[Resource],
    now: Timestamp,
) -> Result<(), StateError> {
    const COLUMNS_PER_ROW: usize = 12;
    let mut rows = Vec::with_capacity(resources.len());
    let mut params = Vec::with_capacity(resources.len() * COLUMNS_PER_ROW);
    for (n, resource) in resources.iter().enumerate() {
        let first = n * COLUMNS_PER_ROW;
        let placeholders: Vec<String> = (1..=COLUMNS_PER_ROW)
            .map(|c| format!("?{}", first + c))
            .collect();
        rows.push(format!("({})", placeholders.join(", ")));
        let key = &resource.key;
        params.extend_from_slice(values![
            &key.project,
            key.environment.as_deref().unwrap_or(""),
            key.kind.as_str(),
            key.service.as_deref().unwrap_or(""),
            &key.name,
            resource.project_id.as_deref(),
            resource.environment_id.as_deref(),
            resource.railway_id.as_deref(),
            resource.origin.as_str(),
            &resource.created_by,
            resource.created_at.0,
            now.0,
        ]);
    }
    // The update keeps known IDs when the caller passes `None`, and never
    // rewrites who created the resource or when.
    let sql = format!(
        "INSERT INTO owned_resources (project, environment, kind, service, name, project_id, \
         environment_id, railway_id, origin, created_by, created_at, updated_at) \
         VALUES {} \
         ON CONFLICT (project, environment, kind, service, name) DO UPDATE SET \
           project_id = COALESCE(excluded.project_id, owned_resources.project_id), \
           environment_id = COALESCE(excluded.environment_id, owned_resources.environment_id), \
           railway_id = COALESCE(excluded.railway_id, owned_resources.railway_id), \
           updated_at = excluded.updated_at",
        rows.join(", ")
    );
    conn.execute(&sql, &params)?;
    Ok(())
}

/// A row as stored, before its strings are checked.
struct RawResource {
    project: String,
    environment: String,
    kind: String,
    service: String,
    name: String,
    project_id: Option<String>,
    environment_id: Option<String>,
    railway_id: Option<String>,
    origin: String,
    created_by: String,
    created_at: i64,
}

fn read_row(row: &Row) -> Result<RawResource, StateError> {
    Ok(RawResource {
        project: row.text(0)?,
        environment: row.text(1)?,
        kind: row.text(2)?,
        service: row.text(3)?,
        name: row.text(4)?,
        project_id: row.opt_text(5)?,
        environment_id: row.opt_text(6)?,
        railway_id: row.opt_text(7)?,
        origin: row.text(8)?,
        created_by: row.text(9)?,
        created_at: row.int(10)?,
    })
}

impl RawResource {
    fn into_resource(self) -> Result<Resource, StateError> {
        let origin = match self.origin.as_str() {
            "created" => Origin::Created,
            "adopted" => Origin::Adopted,
            other => return Err(StateError::Invalid(format!("unknown origin `{other}`"))),
        };
        let non_empty = |text: String| (!text.is_empty()).then_some(text);
        Ok(Resource {
            key: ResourceKey {
                project: self.project,
                environment: non_empty(self.environment),
                kind: self.kind.parse()?,
                service: non_empty(self.service),
                name: self.name,
            },
            project_id: self.project_id,
            environment_id: self.environment_id,
            railway_id: self.railway_id,
            origin,
            created_by: self.created_by,
            created_at: Timestamp(self.created_at),
        })
    }
}
