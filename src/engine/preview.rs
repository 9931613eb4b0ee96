//! What the preview lifecycle (`src/preview/`) asks of Railway beyond a
//! plan and an apply: an environment copied from another
//! (`environmentCreate(sourceEnvironmentId)`), a deploy of one commit to
//! the preview's repo services, and the preview's status — each one
//! request.

use cynic::MutationBuilder;
use serde_json::{Value, json};

use super::context::Context;
use super::prepare::Session;
use super::{Failure, owned};
use crate::apply::record::{key, resource};
use crate::diagnostic::Diagnostic;
use crate::plan::{self, Action, Filter, ServicePlan};
use crate::railway::ops::environment::{
    EnvironmentCreate, EnvironmentCreateInput, EnvironmentCreateVariables,
};
use crate::railway::{Client, Effect, RailwayError};
use crate::state::{Origin, ResourceKind};

/// One service instance of a preview, as Railway has it now.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct InstanceStatus {
    /// The service name.
    pub name: String,
    /// Railway's id of the service.
    pub service_id: String,
    /// Whether it has a source (an image or a repo): only those deploy.
    pub deployable: bool,
    /// Its latest deployment, if any.
    pub deployment: Option<DeploymentStatus>,
    /// `https://` URLs: its service domains, then its custom domains.
    pub urls: Vec<String>,
}

/// The latest deployment of a service instance.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DeploymentStatus {
    /// Railway's id.
    pub id: String,
    /// Railway's status, as Railway spells it (`SUCCESS`, `BUILDING`, …).
    pub status: String,
    /// The commit it deployed, when Railway says.
    pub commit: Option<String>,
}

/// A preview's environment as Railway has it now.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct EnvironmentStatus {
    /// Railway's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its service instances, by name.
    pub services: Vec<InstanceStatus>,
}

const STATUS_QUERY: &str = "query PreviewStatus($id: String!) { environment(id: $id) { id name \
    serviceInstances { edges { node { serviceId serviceName source { repo image } \
    latestDeployment { id status meta } \
    domains { serviceDomains { domain } customDomains { domain } } } } } } }";

/// The status of environment `environment_id`, in one request: each
/// service instance's latest deployment and URLs. `Ok(None)` when Railway
/// has no such environment (deleted, by hand or otherwise).
pub async fn status(
    client: &Client,
    environment_id: &str,
) -> Result<Option<EnvironmentStatus>, RailwayError> {
    let envelope = client
        .execute(
            STATUS_QUERY,
            &json!({ "id": environment_id }),
            Some("PreviewStatus"),
            Effect::Read,
        )
        .await?;
    if let Some(error) = envelope.errors.as_ref().and_then(|e| e.first()) {
        return match error.classify() {
            RailwayError::NotFound { .. } => Ok(None),
            other => Err(other),
        };
    }
    let Some(environment) = envelope
        .data
        .as_ref()
        .and_then(|d| d.get("environment"))
        .filter(|e| !e.is_null())
    else {
        return Ok(None);
    };
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let services = instances(environment);
    Ok(Some(EnvironmentStatus {
        id: text(environment, "id").unwrap_or_else(|| environment_id.to_owned()),
        name: text(environment, "name").unwrap_or_default(),
        services,
    }))
}

/// The service instances of an environment as Railway's GraphQL gives it
/// (`serviceInstances { edges { node { serviceId serviceName source {
/// repo image } latestDeployment { id status meta } domains { … } } } }`),
/// by name.
pub fn instances(environment: &Value) -> Vec<InstanceStatus> {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let mut services = Vec::new();
    let edges = environment
        .pointer("/serviceInstances/edges")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for edge in &edges {
        let Some(node) = edge.get("node") else {
            continue;
        };
        let (Some(name), Some(service_id)) = (text(node, "serviceName"), text(node, "serviceId"))
        else {
            continue;
        };
        let source = node.get("source").filter(|s| !s.is_null());
        let deployable = source.is_some_and(|s| {
            text(s, "repo").is_some_and(|r| !r.is_empty())
                || text(s, "image").is_some_and(|i| !i.is_empty())
        });
        let deployment = node
            .get("latestDeployment")
            .filter(|d| !d.is_null())
            .and_then(|d| {
                Some(DeploymentStatus {
                    id: text(d, "id")?,
                    status: text(d, "status")?,
                    commit: d.get("meta").and_then(|m| text(m, "commitHash")),
                })
            });
        let mut urls = Vec::new();
        for kind in ["serviceDomains", "customDomains"] {
            let list = node
                .pointer(&format!("/domains/{kind}"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut hosts: Vec<String> = list.iter().filter_map(|d| text(d, "domain")).collect();
            hosts.sort();
            urls.extend(hosts.into_iter().map(|h| format!("https://{h}")));
        }
        services.push(InstanceStatus {
            name,
            service_id,
            deployable,
            deployment,
            urls,
        });
    }
    services.sort_by(|a, b| a.name.cmp(&b.name));
    services
}

/// Deploys each of `services` (`(name, service id, commit)`: the commit,
/// or the branch's latest when `None`) in environment `environment_id`, in
/// one aliased request (`serviceInstanceDeployV2(commitSha:)`). Each gets
/// its deployment id, or why not.
pub async fn deploy(
    client: &Client,
    environment_id: &str,
    services: &[(String, String, Option<String>)],
) -> Vec<(String, Result<String, String>)> {
    if services.is_empty() {
        return Vec::new();
    }
    let mut document = String::from("mutation PreviewDeploy($e: String!");
    let mut variables = serde_json::Map::new();
    variables.insert("e".into(), json!(environment_id));
    for (index, (_, id, sha)) in services.iter().enumerate() {
        document.push_str(&format!(", $s{index}: String!, $c{index}: String"));
        variables.insert(format!("s{index}"), json!(id));
        variables.insert(format!("c{index}"), json!(sha));
    }
    document.push_str(") {");
    for index in 0..services.len() {
        document.push_str(&format!(
            " d{index}: serviceInstanceDeployV2(environmentId: $e, serviceId: $s{index}, commitSha: $c{index})"
        ));
    }
    document.push_str(" }");
    let reply = client
        .execute(
            &document,
            &Value::Object(variables),
            Some("PreviewDeploy"),
            Effect::Write,
        )
        .await;
    let envelope = match reply {
        Ok(envelope) => envelope,
        Err(error) => {
            return services
                .iter()
                .map(|(name, _, _)| (name.clone(), Err(error.to_string())))
                .collect();
        }
    };
    let errors = envelope.errors.unwrap_or_default();
    services
        .iter()
        .enumerate()
        .map(|(index, (name, _, _))| {
            let alias = format!("d{index}");
            let id = envelope
                .data
                .as_ref()
                .and_then(|d| d.get(&alias))
                .and_then(Value::as_str)
                .map(str::to_owned);
            let result = match id {
                Some(id) => Ok(id),
                None => Err(errors
                    .iter()
                    .find(|e| {
                        e.path
                            .as_ref()
                            .and_then(|p| p.first())
                            .and_then(Value::as_str)
                            == Some(alias.as_str())
                    })
                    .or(errors.first())
                    .map_or_else(
                        || "Railway returned no deployment".to_owned(),
                        |e| e.classify().to_string(),
                    )),
            };
            (name.clone(), result)
        })
        .collect()
}

/// Creates the session's only environment (a preview not yet on Railway)
/// as a copy of environment `source` (`sourceEnvironmentId`, without
/// deploying what it copies: the apply that follows deploys the preview's
/// own settings), records it and every service instance in it as
/// Mirage's, reads the project again and plans the preview against the
/// copy. Service instances the copy brought that the preview does not
/// have (the template's `services` subset) are planned for removal.
///
/// Intent first: the environment is recorded before it is asked for, so a
/// process killed in between leaves nothing Mirage does not know of.
pub async fn copy_environment(
    context: &Context,
    session: &mut Session,
    source: &str,
) -> Result<(), Failure> {
    let Some(environment) = session.model.environments.first().cloned() else {
        return Ok(());
    };
    let Some(snapshot) = session.snapshot.clone() else {
        return Ok(());
    };
    if snapshot.environment(&environment.name).is_some() {
        return Ok(());
    }
    let Some(source_id) = snapshot.environment(source).map(|e| e.id.clone()) else {
        return Err(Failure::failed(
            Diagnostic::general(
                "mirage::preview::no_source",
                format!(
                    "the preview's source environment `{source}` does not exist on Railway"
                ),
            )
            .with_help(format!(
                "apply `{source}` first (`mirage apply --env {source}`), or change the template's `source`"
            )),
        ));
    };
    let plan = session.plan.clone();
    let name = environment.name.clone();
    let env_record = |id: Option<String>| {
        resource(
            &plan,
            key(&plan, ResourceKind::Environment, None, None, &name),
            id,
            Origin::Created,
            &context.actor,
        )
    };
    session
        .store
        .record(&env_record(None))
        .map_err(|error| Failure::state(&error))?;
    let client = &session.connection.client;
    let created = client
        .mutate(EnvironmentCreate::build(EnvironmentCreateVariables {
            input: EnvironmentCreateInput {
                project_id: snapshot.project_id.clone(),
                name: name.clone(),
                source_environment_id: Some(source_id),
                skip_initial_deploys: Some(true),
                ..EnvironmentCreateInput::default()
            },
        }))
        .await
        .map_err(|error| {
            Failure::error(
                "mirage::preview::copy_failed",
                format!("cannot create environment `{name}` from `{source}`: {error}"),
                Some("run `mirage preview up` again: what was created is found by name"),
            )
        })?;
    let environment_id = created.environment_create.id.into_inner();
    session
        .store
        .record(&env_record(Some(environment_id)))
        .map_err(|error| Failure::state(&error))?;
    let fresh = client
        .read_project(&snapshot.project_id)
        .await
        .map_err(|error| {
            Failure::error(
                "mirage::railway::read_failed",
                format!("cannot read project `{}`: {error}", plan.project),
                None,
            )
        })?;
    // Everything the copy holds is the preview's, so Mirage's to remove.
    if let Some(copy) = fresh.environment(&name) {
        let records: Vec<_> = copy
            .service_ids()
            .into_iter()
            .filter_map(|id| fresh.service_name(id))
            .map(|service| {
                resource(
                    &plan,
                    key(&plan, ResourceKind::Service, Some(&name), None, service),
                    None,
                    Origin::Created,
                    &context.actor,
                )
            })
            .collect();
        session
            .store
            .record_all(&records)
            .map_err(|error| Failure::state(&error))?;
    }
    let owned = owned(&session.store, &plan.project)?;
    let secrets = &session.secrets;
    let mut replanned = plan::diff(
        &session.model,
        Some(&fresh),
        &owned,
        &Filter::default(),
        &|secret| secrets.get(secret),
    );
    replanned.unmanaged.retain(|u| u.kind != "environment");
    if let (Some(copy), Some(env_plan)) = (
        fresh.environment(&name),
        replanned.environments.iter_mut().find(|e| e.name == name),
    ) {
        for id in copy.service_ids() {
            let Some(service) = fresh.service_name(id) else {
                continue;
            };
            if environment.service(service).is_none() {
                env_plan
                    .services
                    .push(ServicePlan::destroy(service, id, copy));
            }
        }
        env_plan.action = if env_plan.action == Action::Create {
            Action::None
        } else {
            env_plan.action
        };
    }
    replanned.settle_deletions(&fresh);
    session.plan = replanned;
    session.snapshot = Some(fresh);
    session.owned = owned;
    Ok(())
}
