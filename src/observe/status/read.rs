//! The read behind `mirage status`: one request for every asked
//! environment, one more (aliased) for the details of failed deployments.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Value, json};

use super::{
    DeploymentReport, EnvironmentReport, Health, Healthcheck, Management, Problem, RegionReplicas,
    Replicas, Report, ServiceReport, SourceReport, guidance, health_of,
};
use crate::engine::{self, Connection, Context, Failure};
use crate::railway::{Client, Effect};
use crate::state::{ResourceKey, ResourceKind};

/// What to read.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The environments (empty: the declared ones and those Railway has).
    pub environments: Vec<String>,
    /// Only these `(environment, service)` pairs (`None`: every service).
    pub only: Option<BTreeSet<(String, String)>>,
    /// Read the details (last log lines, events) of failed deployments:
    /// one more request when something failed.
    pub details: bool,
}

/// A declared service and the replicas the files want per region.
pub type DeclaredService = (String, Vec<RegionReplicas>);

/// What the files and the state database say, to read Railway against.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// The project's name.
    pub project: String,
    /// Railway's id of the project (`None`: not on Railway).
    pub project_id: Option<String>,
    /// Declared environments, in the files' order: their services with
    /// the replicas wanted per region the files say.
    pub declared: Vec<(String, Vec<DeclaredService>)>,
    /// `(environment, service)` pairs the state database records as
    /// Mirage's.
    pub owned: BTreeSet<(String, String)>,
}

/// The one read of every environment (`$id`: the project's id).
pub const STATUS_QUERY: &str = "query Status($id: String!) { project(id: $id) { id name \
    environments { edges { node { id name \
    serviceInstances { edges { node { serviceId serviceName source { repo image } \
    builder healthcheckPath healthcheckTimeout numReplicas region \
    restartPolicyType restartPolicyMaxRetries \
    latestDeployment { id status createdAt meta instances { id status } } \
    domains { serviceDomains { domain } customDomains { domain } } } } } } } } } }";

/// How many log lines of a failed deployment are shown.
const LOG_LINES: usize = 10;

/// The files of the project in `dir`, its state, a connection, and the
/// project's id (one request when the state database does not know it).
pub async fn read_project(context: &Context, dir: &Path) -> Result<(Scope, Connection), Failure> {
    let loaded = engine::load(dir)?;
    let store = engine::open_store(context, dir)?;
    let mut scope = scope_of(&loaded.project, &loaded.name, &store)?;
    drop(store);
    let connection = engine::connect(context, dir).await?;
    if scope.project_id.is_none() {
        scope.project_id = connection
            .client
            .find_projects_by_name(&loaded.name, None)
            .await
            .map_err(|e| read_failed(format!("cannot list projects: {e}")))?
            .first()
            .map(|p| p.id.inner().to_owned());
    }
    Ok((scope, connection))
}

/// What the files (`project`, called `name`) and the state database
/// (`store`) say: declared environments and services, the project's id
/// when recorded, the services Mirage owns. Reads nothing from Railway.
pub fn scope_of(
    project: &crate::model::Project,
    name: &str,
    store: &crate::state::Store,
) -> Result<Scope, Failure> {
    let owned = engine::owned(store, name)?;
    let project_id = store
        .owned(&ResourceKey {
            project: name.to_owned(),
            environment: None,
            kind: ResourceKind::Project,
            service: None,
            name: name.to_owned(),
        })
        .map_err(|e| Failure::state(&e))?
        .and_then(|r| r.railway_id);
    let declared = project
        .environments
        .iter()
        .filter(|e| !e.is_template())
        .map(|e| {
            let services = e
                .services
                .iter()
                .map(|s| (s.name.clone(), regions_of(project, s)))
                .collect();
            (e.name.clone(), services)
        })
        .collect();
    Ok(Scope {
        project: name.to_owned(),
        project_id,
        declared,
        owned: owned.services,
    })
}

/// Replicas wanted per region, as the files say.
fn regions_of(
    project: &crate::model::Project,
    service: &crate::model::ServiceInstance,
) -> Vec<RegionReplicas> {
    if !service.deploy.multi_region_config.is_empty() {
        return service
            .deploy
            .multi_region_config
            .iter()
            .map(|(region, n)| RegionReplicas {
                region: region.clone(),
                wanted: n.value,
            })
            .collect();
    }
    let region = service
        .deploy
        .region
        .as_ref()
        .or(project.region.as_ref())
        .map(|r| r.value.clone());
    match region {
        Some(region) => vec![RegionReplicas {
            region,
            wanted: service.deploy.num_replicas.as_ref().map_or(1, |n| n.value),
        }],
        None => Vec::new(),
    }
}

fn read_failed(message: String) -> Failure {
    Failure::error(
        "mirage::observe::read_failed",
        message,
        Some("check the connection to Railway and the token, then run the command again"),
    )
}

/// Reads the status of `request`'s environments in `scope`: one request,
/// and one more when `request.details` and a deployment failed. `now` is
/// the time the ages are counted at (seconds since 1970).
pub async fn read(
    client: &Client,
    scope: &Scope,
    request: &Request,
    now: i64,
) -> Result<Report, Failure> {
    let before = client.requests_sent();
    let mut on_railway: Vec<(String, String, Vec<Value>)> = Vec::new();
    if let Some(id) = &scope.project_id {
        let envelope = client
            .execute(
                STATUS_QUERY,
                &json!({ "id": id }),
                Some("Status"),
                Effect::Read,
            )
            .await
            .map_err(|e| read_failed(format!("cannot read project `{}`: {e}", scope.project)))?;
        if let Some(error) = envelope.errors.as_ref().and_then(|e| e.first()) {
            return Err(read_failed(format!(
                "cannot read project `{}`: {}",
                scope.project,
                error.classify()
            )));
        }
        let project = envelope
            .data
            .as_ref()
            .and_then(|d| d.get("project"))
            .filter(|p| !p.is_null());
        for edge in array(project, "/environments/edges") {
            let node = &edge["node"];
            let (Some(id), Some(name)) = (node["id"].as_str(), node["name"].as_str()) else {
                continue;
            };
            let instances = array(Some(node), "/serviceInstances/edges")
                .into_iter()
                .map(|e| e["node"].clone())
                .collect();
            on_railway.push((name.to_owned(), id.to_owned(), instances));
        }
    }
    let wanted = |name: &str| {
        request.environments.is_empty() || request.environments.iter().any(|e| e == name)
    };
    let mut names: Vec<String> = scope
        .declared
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| wanted(n))
        .collect();
    let mut extra: Vec<String> = on_railway
        .iter()
        .map(|(n, _, _)| n.clone())
        .filter(|n| !names.contains(n) && wanted(n))
        .collect();
    extra.sort();
    names.extend(extra);
    let mut environments = Vec::new();
    for name in names {
        let declared = scope.declared.iter().find(|(n, _)| *n == name);
        let railway = on_railway.iter().find(|(n, _, _)| *n == name);
        let mut services: BTreeMap<String, ServiceReport> = BTreeMap::new();
        for node in railway.map(|(_, _, i)| i.as_slice()).unwrap_or_default() {
            let Some(service) = node["serviceName"].as_str() else {
                continue;
            };
            let regions = declared
                .and_then(|(_, s)| s.iter().find(|(n, _)| n == service))
                .map(|(_, r)| r.clone());
            let management = Management::of(
                regions.is_some(),
                scope.owned.contains(&(name.clone(), service.to_owned())),
            );
            services.insert(
                service.to_owned(),
                service_report(node, management, regions.unwrap_or_default(), now),
            );
        }
        for (service, _) in declared.map(|(_, s)| s.as_slice()).unwrap_or_default() {
            services
                .entry(service.clone())
                .or_insert_with(|| ServiceReport {
                    name: service.clone(),
                    service_id: None,
                    management: Management::Declared,
                    health: Health::Missing,
                    source: None,
                    deployment: None,
                    replicas: None,
                    healthcheck: None,
                    urls: Vec::new(),
                    problem: Some(Problem {
                        status: "MISSING".to_owned(),
                        title: "it is not on Railway".to_owned(),
                        help: "the files declare it and Railway does not have it: `mirage apply` creates it".to_owned(),
                        builder: None,
                        restart_policy: None,
                        healthcheck: None,
                        reason: None,
                        build_log: Vec::new(),
                        deploy_log: Vec::new(),
                    }),
                });
        }
        let services = services
            .into_values()
            .filter(|s| {
                request
                    .only
                    .as_ref()
                    .is_none_or(|only| only.contains(&(name.clone(), s.name.clone())))
            })
            .collect();
        environments.push(EnvironmentReport {
            id: railway.map(|(_, id, _)| id.clone()),
            declared: declared.is_some(),
            name,
            services,
        });
    }
    let mut report = Report {
        project: scope.project.clone(),
        project_id: scope.project_id.clone(),
        read_at: now,
        environments,
        healthy: false,
        requests: 0,
    };
    if request.details {
        details(client, &mut report).await;
    }
    report.settle();
    report.requests = client.requests_sent().saturating_sub(before);
    Ok(report)
}

fn array(value: Option<&Value>, pointer: &str) -> Vec<Value> {
    value
        .and_then(|v| v.pointer(pointer))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn text(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn parse_time(value: &str) -> Option<i64> {
    time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp)
}

fn service_report(
    node: &Value,
    management: Management,
    regions: Vec<RegionReplicas>,
    now: i64,
) -> ServiceReport {
    let name = text(node, "/serviceName").unwrap_or_default();
    let source = match (text(node, "/source/repo"), text(node, "/source/image")) {
        (Some(repo), _) => Some(format!("repo:{repo}")),
        (None, Some(image)) => Some(format!("image:{image}")),
        (None, None) => None,
    };
    let latest = node.get("latestDeployment").filter(|d| !d.is_null());
    let deployment = latest.and_then(|d| {
        let created_at = text(d, "/createdAt").as_deref().and_then(parse_time);
        Some(DeploymentReport {
            id: text(d, "/id")?,
            status: text(d, "/status")?,
            created_at,
            age_seconds: created_at.map(|at| u64::try_from(now - at).unwrap_or(0)),
        })
    });
    let commit = latest.and_then(|d| text(d, "/meta/commitHash"));
    let health = match (&source, &deployment) {
        (_, Some(d)) => health_of(&d.status),
        (None, None) => Health::NoSource,
        (Some(_), None) => Health::Deploying,
    };
    let healthcheck = text(node, "/healthcheckPath").map(|path| Healthcheck {
        path,
        timeout_seconds: node["healthcheckTimeout"].as_u64(),
    });
    let running = latest
        .map(|d| array(Some(d), "/instances"))
        .unwrap_or_default()
        .iter()
        .filter(|i| i["status"].as_str() == Some("RUNNING"))
        .count();
    let replicas = deployment.as_ref().map(|_| Replicas {
        running: u32::try_from(running).unwrap_or(u32::MAX),
        wanted: node["numReplicas"]
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(1),
        regions,
        region: text(node, "/region"),
    });
    let mut urls = Vec::new();
    for kind in ["serviceDomains", "customDomains"] {
        let mut hosts: Vec<String> = array(Some(node), &format!("/domains/{kind}"))
            .iter()
            .filter_map(|d| text(d, "/domain"))
            .collect();
        hosts.sort();
        urls.extend(hosts.into_iter().map(|h| format!("https://{h}")));
    }
    let problem = deployment.as_ref().and_then(|d| {
        let guidance = guidance(&d.status)?;
        let restart_policy = text(node, "/restartPolicyType").map(|policy| {
            match node["restartPolicyMaxRetries"].as_u64() {
                Some(n) if policy == "ON_FAILURE" => format!("{policy}, {n} retries"),
                _ => policy,
            }
        });
        Some(Problem {
            status: d.status.clone(),
            title: guidance.title.to_owned(),
            help: guidance.help.to_owned(),
            builder: (d.status == "FAILED")
                .then(|| text(node, "/builder"))
                .flatten(),
            restart_policy: (d.status == "CRASHED").then_some(restart_policy).flatten(),
            healthcheck: None,
            reason: None,
            build_log: Vec::new(),
            deploy_log: Vec::new(),
        })
    });
    ServiceReport {
        name,
        service_id: text(node, "/serviceId"),
        management,
        health,
        source: source.map(|source| SourceReport { source, commit }),
        deployment,
        replicas,
        healthcheck,
        urls,
        problem,
    }
}

/// Fills the failed deployments' problems with their last build and
/// deploy log lines and the failing step of their events, in one aliased
/// request. A failure to read them is not the status's failure: the
/// problem stays without them.
async fn details(client: &Client, report: &mut Report) {
    let failed: Vec<(usize, usize, String)> = report
        .environments
        .iter()
        .enumerate()
        .flat_map(|(e, env)| {
            env.services.iter().enumerate().filter_map(move |(s, svc)| {
                let d = svc.deployment.as_ref()?;
                matches!(d.status.as_str(), "FAILED" | "CRASHED").then(|| (e, s, d.id.clone()))
            })
        })
        .collect();
    if failed.is_empty() {
        return;
    }
    let mut document = String::from("query StatusDetails(");
    let mut variables = serde_json::Map::new();
    for (index, (_, _, id)) in failed.iter().enumerate() {
        if index > 0 {
            document.push_str(", ");
        }
        document.push_str(&format!("$d{index}: String!"));
        variables.insert(format!("d{index}"), json!(id));
    }
    document.push_str(") {");
    for index in 0..failed.len() {
        document.push_str(&format!(
            " b{index}: buildLogs(deploymentId: $d{index}, limit: {LOG_LINES}) {{ message }} \
             l{index}: deploymentLogs(deploymentId: $d{index}, limit: {LOG_LINES}) {{ message }} \
             e{index}: deploymentEvents(id: $d{index}, first: 50) {{ edges {{ node {{ step payload {{ error reason }} }} }} }}"
        ));
    }
    document.push_str(" }");
    let Ok(envelope) = client
        .execute(
            &document,
            &Value::Object(variables),
            Some("StatusDetails"),
            Effect::Read,
        )
        .await
    else {
        return;
    };
    let Some(data) = envelope.data else {
        return;
    };
    let lines = |alias: String| -> Vec<String> {
        data.get(&alias)
            .and_then(Value::as_array)
            .map(|lines| {
                lines
                    .iter()
                    .filter_map(|l| l["message"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    for (index, (e, s, _)) in failed.iter().enumerate() {
        let service = &mut report.environments[*e].services[*s];
        let healthcheck = service.healthcheck.clone();
        let Some(problem) = service.problem.as_mut() else {
            continue;
        };
        let build_log = lines(format!("b{index}"));
        let deploy_log = lines(format!("l{index}"));
        let failing = array(data.get(format!("e{index}")), "/edges")
            .into_iter()
            .map(|e| e["node"].clone())
            .find(|n| text(n, "/payload/error").is_some());
        let mut healthcheck_failed = false;
        if let Some(step) = &failing {
            let name = step["step"].as_str().unwrap_or("a step");
            let error = text(step, "/payload/error").unwrap_or_default();
            problem.reason = Some(format!("{name}: {error}"));
            healthcheck_failed = name == "HEALTHCHECK" && problem.status == "FAILED";
        }
        if healthcheck_failed {
            problem.title = "the healthcheck did not pass".to_owned();
            problem.help = "Railway did not route to it: the healthcheck path must answer 200 within the timeout. Read the lines below and its deploy logs, fix the path or the app (or the timeout), then redeploy.".to_owned();
            problem.healthcheck = healthcheck;
            problem.builder = None;
        }
        // A failed build or healthcheck: the last build lines (Railway
        // writes its healthcheck report there). A crash or a failed
        // healthcheck: the last deploy lines, the app's own.
        if problem.status == "FAILED" {
            problem.build_log = build_log;
        }
        if problem.status == "CRASHED" || healthcheck_failed {
            problem.deploy_log = deploy_log;
        }
    }
}
