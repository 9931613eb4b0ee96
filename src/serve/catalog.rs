//! The overview of a served project — its environments (declared,
//! previews, created through serve, and those Railway has that the files
//! do not declare), each with its type, owner, TTL left, services with
//! their source, status and URLs, and counts — read from Railway in a
//! constant number of requests ([`read`]), and cached per project
//! ([`Catalog`]): fresh for a while (30 s by default), dropped by a write
//! through serve ([`Catalog::invalidate`]), and read once when several
//! readers find it cold at the same time.
//!
//! The cache is per replica (decision 9: nothing but the database is
//! shared): another replica's write is seen at the latest when the entry
//! goes stale.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};

use super::environments::{self, Template};
use crate::engine::preview::{DeploymentStatus, InstanceStatus};
use crate::engine::{self, Context, Failure};
use crate::preview::{ServiceHealth, service_health};
use crate::railway::Effect;
use crate::state::{ResourceKey, ResourceKind, Timestamp};

/// How long an overview stays fresh by default.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30);

/// What an environment is to the project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Declared in the files, called `production` or `prod`, or protected.
    Production,
    /// Declared, called `staging` (or starting with it).
    Staging,
    /// Declared, any other.
    Development,
    /// A pull request's preview.
    Preview,
    /// Created through serve from a template, for a person.
    ServeCreated,
    /// On Railway, not declared, not a preview, not created through serve.
    Unmanaged,
}

/// One service instance of an environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceView {
    /// The service.
    pub name: String,
    /// Its source: `repo:owner/name` or `image:ref`, if any.
    pub source: Option<String>,
    /// How it is doing.
    pub health: ServiceHealth,
    /// Its latest deployment.
    pub deployment: Option<DeploymentStatus>,
    /// Its `https://` URLs.
    pub urls: Vec<String>,
    /// How many replicas it runs (Railway's `numReplicas`), when it says.
    pub replicas: Option<u32>,
    /// Its region, when Railway says.
    pub region: Option<String>,
    /// When its latest deployment was made.
    pub deployed_at: Option<Timestamp>,
    /// Whether Mirage manages it ([`Management::of`]: declared in the
    /// files and owned in the state database); `None` where the files say
    /// nothing about it (previews, environments made by `mirage serve`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub management: Option<crate::plan::Management>,
}

/// One environment of the project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnvironmentView {
    /// Its name.
    pub name: String,
    /// Railway's id (`None`: not on Railway, e.g. declared and not applied
    /// yet, or being created).
    pub id: Option<String>,
    /// What it is.
    pub kind: Kind,
    /// The template it was made from (previews, serve-created ones).
    pub template: Option<String>,
    /// Its owner: a serve-created environment's user id, a preview's pull
    /// request (`#123`).
    pub owner: Option<String>,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
    /// Seconds left before it expires (0 once past).
    pub ttl_left_seconds: Option<u64>,
    /// Its service instances on Railway, by name.
    pub services: Vec<ServiceView>,
}

/// Counts of the overview.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Environments listed.
    pub environments: usize,
    /// Services of the project on Railway.
    pub services: usize,
    /// Previews alive (on Railway).
    pub previews: usize,
    /// Environments created through serve.
    pub serve_created: usize,
}

/// The overview of a project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Overview {
    /// The project.
    pub project: String,
    /// Whether the project exists on Railway.
    pub on_railway: bool,
    /// Its environments: declared ones in source order, then previews,
    /// serve-created and unmanaged ones by name.
    pub environments: Vec<EnvironmentView>,
    /// Its templates.
    pub templates: Vec<Template>,
    /// Counts.
    pub counts: Counts,
    /// When it was read from Railway.
    pub read_at: Timestamp,
    /// Railway requests the read took.
    pub requests: u64,
}

const OVERVIEW_QUERY: &str = "query Overview($id: String!) { project(id: $id) { id name \
    services { edges { node { id name } } } \
    environments { edges { node { id name \
    serviceInstances { edges { node { serviceId serviceName source { repo image } \
    numReplicas region latestDeployment { id status meta createdAt } \
    domains { serviceDomains { domain } customDomains { domain } } } } } } } } } }";

/// Reads the overview of the project in `dir`: the files, the state
/// database, and Railway in at most three requests (the token's scope,
/// the project's id when the state does not know it, and one read of
/// every environment with its instances, deployments and domains).
pub async fn read(context: &Context, dir: &Path) -> Result<Overview, Failure> {
    let loaded = engine::load(dir)?;
    let store = engine::open_store(context, dir)?;
    let state = |e: crate::state::StateError| Failure::state(&e);
    let previews = store.previews(Some(&loaded.name)).map_err(state)?;
    let created = store.serve_environments(&loaded.name).map_err(state)?;
    // The service instances the state database owns, to mark each one.
    let owned_services: std::collections::BTreeSet<(String, String)> = store
        .list_owned(&crate::state::OwnedFilter {
            project: Some(loaded.name.clone()),
            kind: Some(ResourceKind::Service),
            ..Default::default()
        })
        .map_err(state)?
        .into_iter()
        .filter_map(|r| Some((r.key.environment?, r.key.name)))
        .collect();
    let known_id = store
        .owned(&ResourceKey {
            project: loaded.name.clone(),
            environment: None,
            kind: ResourceKind::Project,
            service: None,
            name: loaded.name.clone(),
        })
        .map_err(state)?
        .and_then(|r| r.railway_id);
    drop(store);
    let connection = engine::connect(context, dir).await?;
    let client = &connection.client;
    let railway = |message: String| Failure::error("mirage::railway::read_failed", message, None);
    let project_id = match known_id {
        Some(id) => Some(id),
        None => {
            let found = client
                .find_projects_by_name(&loaded.name, None)
                .await
                .map_err(|e| railway(format!("cannot list projects: {e}")))?;
            found.first().map(|p| p.id.inner().to_owned())
        }
    };
    let mut on_railway: BTreeMap<String, (String, Vec<Sourced>)> = BTreeMap::new();
    let mut service_count = 0;
    let mut exists = false;
    if let Some(id) = project_id {
        let envelope = client
            .execute(
                OVERVIEW_QUERY,
                &json!({ "id": id }),
                Some("Overview"),
                Effect::Read,
            )
            .await
            .map_err(|e| railway(format!("cannot read project `{}`: {e}", loaded.name)))?;
        if let Some(error) = envelope.errors.as_ref().and_then(|e| e.first()) {
            return Err(railway(format!(
                "cannot read project `{}`: {}",
                loaded.name,
                error.classify()
            )));
        }
        if let Some(project) = envelope
            .data
            .as_ref()
            .and_then(|d| d.get("project"))
            .filter(|p| !p.is_null())
        {
            exists = true;
            service_count = project
                .pointer("/services/edges")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            for edge in project
                .pointer("/environments/edges")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                let node = &edge["node"];
                let (Some(env_id), Some(name)) = (node["id"].as_str(), node["name"].as_str())
                else {
                    continue;
                };
                let instances = engine::preview::instances(node)
                    .into_iter()
                    .map(|i| {
                        let source = sources(node, &i.service_id);
                        let placement = placement(node, &i.service_id);
                        (i, source, placement)
                    })
                    .collect();
                on_railway.insert(name.to_owned(), (env_id.to_owned(), instances));
            }
        }
    }
    let now = context.clock.now();
    let ttl_left = |at: Option<Timestamp>| at.map(|at| u64::try_from(at.0 - now.0).unwrap_or(0));
    let services = |name: &str| -> (Option<String>, Vec<ServiceView>) {
        on_railway
            .get(name)
            .map(|(id, instances)| {
                (
                    Some(id.clone()),
                    instances
                        .iter()
                        .map(|(i, source, placement)| ServiceView {
                            name: i.name.clone(),
                            source: source.clone(),
                            health: service_health(i),
                            deployment: i.deployment.clone(),
                            urls: i.urls.clone(),
                            replicas: placement.replicas,
                            region: placement.region.clone(),
                            deployed_at: placement.deployed_at,
                            management: None,
                        })
                        .collect(),
                )
            })
            .unwrap_or_default()
    };
    let mut environments = Vec::new();
    let mut listed: Vec<String> = Vec::new();
    for env in loaded
        .project
        .environments
        .iter()
        .filter(|e| !e.is_template())
    {
        let kind = if env.name == "production" || env.name == "prod" || env.is_protected() {
            Kind::Production
        } else if env.name.starts_with("staging") {
            Kind::Staging
        } else {
            Kind::Development
        };
        let (id, mut services) = services(&env.name);
        for service in &mut services {
            service.management = Some(crate::plan::Management::of(
                env.services.iter().any(|s| s.name == service.name),
                owned_services.contains(&(env.name.clone(), service.name.clone())),
            ));
        }
        environments.push(EnvironmentView {
            name: env.name.clone(),
            id,
            kind,
            template: None,
            owner: None,
            expires_at: None,
            ttl_left_seconds: None,
            services,
        });
        listed.push(env.name.clone());
    }
    let mut previews_alive = 0;
    for preview in &previews {
        let (id, services) = services(&preview.environment);
        previews_alive += usize::from(id.is_some());
        environments.push(EnvironmentView {
            name: preview.environment.clone(),
            id,
            kind: Kind::Preview,
            template: Some(preview.template.clone()),
            owner: Some(format!("#{}", preview.number)),
            expires_at: preview.expires_at,
            ttl_left_seconds: ttl_left(preview.expires_at),
            services,
        });
        listed.push(preview.environment.clone());
    }
    for record in &created {
        let (id, services) = services(&record.environment);
        environments.push(EnvironmentView {
            name: record.environment.clone(),
            id,
            kind: Kind::ServeCreated,
            template: Some(record.template.clone()),
            owner: Some(record.owner.clone()),
            expires_at: record.expires_at,
            ttl_left_seconds: ttl_left(record.expires_at),
            services,
        });
        listed.push(record.environment.clone());
    }
    for name in on_railway.keys() {
        if listed.contains(name) {
            continue;
        }
        let (id, mut services) = services(name);
        for service in &mut services {
            service.management = Some(crate::plan::Management::Unmanaged);
        }
        environments.push(EnvironmentView {
            name: name.clone(),
            id,
            kind: Kind::Unmanaged,
            template: None,
            owner: None,
            expires_at: None,
            ttl_left_seconds: None,
            services,
        });
    }
    let counts = Counts {
        environments: environments.len(),
        services: service_count,
        previews: previews_alive,
        serve_created: created.len(),
    };
    Ok(Overview {
        project: loaded.name.clone(),
        on_railway: exists,
        templates: environments::templates(&loaded),
        environments,
        counts,
        read_at: now,
        requests: client.requests_sent(),
    })
}

/// A service instance, its source and its placement.
type Sourced = (InstanceStatus, Option<String>, Placement);

/// The source of service `service_id` in environment `node`:
/// `repo:owner/name` or `image:ref`.
fn sources(node: &Value, service_id: &str) -> Option<String> {
    let instance = instance_of(node, service_id)?;
    let source = &instance["source"];
    match (source["repo"].as_str(), source["image"].as_str()) {
        (Some(repo), _) if !repo.is_empty() => Some(format!("repo:{repo}")),
        (_, Some(image)) if !image.is_empty() => Some(format!("image:{image}")),
        _ => None,
    }
}

/// The instance of `service_id` in an environment's node.
fn instance_of<'a>(node: &'a Value, service_id: &str) -> Option<&'a Value> {
    node.pointer("/serviceInstances/edges")?
        .as_array()?
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["serviceId"].as_str() == Some(service_id))
}

/// Where and how often an instance runs, and when it was last deployed.
#[derive(Default)]
struct Placement {
    replicas: Option<u32>,
    region: Option<String>,
    deployed_at: Option<Timestamp>,
}

fn placement(node: &Value, service_id: &str) -> Placement {
    let Some(instance) = instance_of(node, service_id) else {
        return Placement::default();
    };
    Placement {
        replicas: instance["numReplicas"]
            .as_u64()
            .and_then(|n| u32::try_from(n).ok()),
        region: instance["region"].as_str().map(str::to_owned),
        deployed_at: instance
            .pointer("/latestDeployment/createdAt")
            .and_then(Value::as_str)
            .and_then(|t| {
                time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
            })
            .map(|t| Timestamp(t.unix_timestamp())),
    }
}

/// One project's entry: its overview, and the generation it was read at.
#[derive(Default)]
struct Slot {
    generation: AtomicU64,
    cached: tokio::sync::Mutex<Option<(Instant, u64, Arc<Overview>)>>,
}

/// Overviews cached per project (see the module's documentation).
pub struct Catalog {
    ttl: Duration,
    slots: Mutex<HashMap<String, Arc<Slot>>>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Catalog {
    /// A cache keeping overviews fresh for `ttl`.
    pub fn new(ttl: Duration) -> Catalog {
        Catalog {
            ttl,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, project: &str) -> Arc<Slot> {
        self.slots
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(project.to_owned())
            .or_default()
            .clone()
    }

    /// The overview of `project`: the cached one while fresh and not
    /// invalidated, else `read()`'s (one read at a time per project:
    /// readers arriving meanwhile wait for it and share it). A failed read
    /// is not cached.
    pub async fn overview<F, Fut>(&self, project: &str, read: F) -> Result<Arc<Overview>, Failure>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Overview, Failure>>,
    {
        let slot = self.slot(project);
        let mut cached = slot.cached.lock().await;
        let generation = slot.generation.load(Ordering::SeqCst);
        if let Some((at, read_generation, overview)) = cached.as_ref()
            && *read_generation == generation
            && at.elapsed() < self.ttl
        {
            return Ok(overview.clone());
        }
        let overview = Arc::new(read().await?);
        *cached = Some((Instant::now(), generation, overview.clone()));
        Ok(overview)
    }

    /// Drops `project`'s overview (a write through serve): the next reader
    /// reads Railway again, even one whose read began before.
    pub fn invalidate(&self, project: &str) {
        self.slot(project).generation.fetch_add(1, Ordering::SeqCst);
    }
}

impl Default for Catalog {
    fn default() -> Catalog {
        Catalog::new(DEFAULT_TTL)
    }
}
