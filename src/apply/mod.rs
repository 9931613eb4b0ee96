//! Executing a [`Plan`] on Railway, in the fewest requests:
//!
//! 0. one read of the `configEtag` of every existing environment it will
//!    write, refusing everything if one changed since the plan ([`etag`]);
//! 1. the project (`projectCreate`), when missing;
//! 2. every new environment, aliased in one request;
//! 3. every new service, aliased in one request (project-wide);
//! 4. every new volume, aliased in one request;
//! 5. one `environmentPatchCommit` per environment carrying all its
//!    settings, variables, domains, volumes and TCP proxies, aliased
//!    together; an environment holding someone's staged changes gets
//!    `environmentStageChanges(merge: true)` + `environmentPatchCommitStaged`
//!    so theirs are kept. Railway deploys each changed service once per
//!    commit, not once per variable.
//!
//! Partial failure: what failed is reported, what depends on it is
//! skipped, everything else goes on. Names are identity, so running again
//! converges without duplicates.
//!
//! A creation whose outcome is unknown (a reset, a timeout or a 5xx after
//! the request went out) is never sent again blindly: the apply reads back
//! — one request per batch — and continues from what exists ([`recover`]).

pub mod etag;
pub mod gone;
pub mod outcome;
pub mod patch;
pub mod progress;
pub mod record;
pub mod recover;

use std::collections::{BTreeMap, BTreeSet};

use cynic::MutationBuilder;

use crate::plan::diff::SecretLookup;
use crate::plan::{Action, Plan};
use crate::railway::Client;
use crate::railway::ops::common::IdVariables;
use crate::railway::ops::environment::EnvironmentDelete;
use crate::railway::ops::environment::{
    EnvironmentCreate, EnvironmentCreateInput, EnvironmentCreateVariables, EnvironmentPatchCommit,
    EnvironmentPatchCommitStaged, EnvironmentPatchCommitStagedVariables,
    EnvironmentPatchCommitVariables, EnvironmentStageChanges, EnvironmentStageChangesVariables,
};
use crate::railway::ops::project::{
    ProjectCreate, ProjectCreateInput, ProjectCreateVariables, ProjectScheduleDelete,
};
use crate::railway::ops::service::{
    ServiceCreate, ServiceCreateInput, ServiceCreateVariables, ServiceDelete,
    ServiceDeleteVariables, ServiceSourceInput,
};
use crate::railway::ops::volume::{
    VolumeCreate, VolumeCreateInput, VolumeCreateVariables, VolumeDelete, VolumeDeleteVariables,
};
use crate::railway::schema::EnvironmentConfig;

pub use outcome::{Outcome, Step};
pub use progress::{Observer, Progress};

/// The outcome of one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Done.
    Done,
    /// Railway refused it, or it may not have happened.
    Failed(String),
    /// Not attempted because something it depends on failed.
    Skipped(String),
}

/// What an apply did, step by step.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// `(step, status)` in the order they were attempted.
    pub steps: Vec<(Step, Status)>,
    /// Railway ids of what this apply created: `(kind, name, environment,
    /// id)`, for the state database's ownership records.
    pub created: Vec<(String, String, Option<String>, String)>,
    /// Why the apply stopped between two phases, leaving the rest unsent
    /// (the observer said not to go on: its lock was lost).
    pub stopped: Option<String>,
}

impl Report {
    /// Whether every step succeeded (and the apply was not stopped).
    pub fn succeeded(&self) -> bool {
        self.stopped.is_none() && self.steps.iter().all(|(_, s)| *s == Status::Done)
    }

    /// Asks the observer whether to go on; when not, records why and
    /// says so. Called between phases, before each one's writes.
    fn stop(&mut self, progress: &Progress<'_>) -> bool {
        match progress.proceed() {
            Ok(()) => false,
            Err(why) => {
                progress.note(&format!("stopped before the next write to Railway: {why}"));
                self.stopped = Some(why);
                true
            }
        }
    }

    /// Whether `step` was attempted and done.
    pub fn is_done(&self, step: &Step) -> bool {
        self.steps
            .iter()
            .any(|(s, status)| s == step && *status == Status::Done)
    }

    /// What became of each resource of `plan` (this report's plan), in the
    /// plan's own units: see [`Outcome`].
    pub fn outcome(&self, plan: &Plan) -> Outcome {
        Outcome::of(plan, self)
    }

    fn push(&mut self, progress: &Progress<'_>, step: Step, status: Status) {
        progress.step(&step, &status);
        self.steps.push((step, status));
    }
}

/// Applies `plan` after re-reading the `configEtag` of every environment
/// it will write (one aliased query), refusing everything when one changed
/// since the plan read it. Use it when time passed between the read and the
/// write — a person reading the plan at a confirmation prompt; right after
/// the read (`--auto-approve`, a saved plan checked on load) the read itself
/// is the check and [`apply`] saves the request.
pub async fn apply_rechecked(
    client: &Client,
    plan: &Plan,
    secrets: SecretLookup<'_>,
    progress: &Progress<'_>,
) -> Report {
    let mut report = Report::default();
    // Nobody changed what the plan read (see `etag`).
    let refusal = match etag::stale_environments(client, plan).await {
        Ok(stale) if stale.is_empty() => None,
        Ok(stale) => Some((
            stale,
            "it changed on Railway since the plan read it (its `configEtag` differs); nothing was applied: run `mirage plan` again and review the new plan".to_owned(),
        )),
        Err(error) => Some((
            plan.environments.iter().map(|e| e.name.clone()).collect(),
            format!("cannot re-check its `configEtag` before writing: {error}"),
        )),
    };
    if let Some((environments, reason)) = refusal {
        for environment in environments {
            report.push(
                progress,
                Step::Environment(environment),
                Status::Failed(reason.clone()),
            );
        }
        return report;
    }
    apply(client, plan, secrets, progress).await
}

/// Applies `plan`. Never panics on Railway's answers; every failure ends up
/// in the report.
pub async fn apply(
    client: &Client,
    plan: &Plan,
    secrets: SecretLookup<'_>,
    progress: &Progress<'_>,
) -> Report {
    let mut report = Report::default();
    // 0. The whole project, when it is torn down: it takes everything in
    //    it, so nothing else is sent.
    if plan.destroy_project {
        delete_project(client, plan, &mut report, progress).await;
        return report;
    }
    // 1. The project.
    let mut env_ids: BTreeMap<String, String> = plan
        .environments
        .iter()
        .filter_map(|e| e.id.clone().map(|id| (e.name.clone(), id)))
        .collect();
    let project_id = match &plan.project_id {
        Some(id) => id.clone(),
        None => {
            let default_env = plan
                .environments
                .iter()
                .find(|e| e.action == Action::Create)
                .map(|e| e.name.clone());
            let build = || {
                ProjectCreate::build(ProjectCreateVariables {
                    input: ProjectCreateInput {
                        name: Some(plan.project.clone()),
                        default_environment_name: default_env.clone(),
                        ..ProjectCreateInput::default()
                    },
                })
            };
            let resource = Step::Project(plan.project.clone());
            match recover::create_project(
                client,
                &plan.project,
                default_env.as_deref(),
                build,
                progress,
            )
            .await
            {
                Ok((created, base_env_id)) => {
                    if let (Some(env), Some(env_id)) = (default_env, base_env_id) {
                        report.created.push((
                            "environment".into(),
                            env.clone(),
                            None,
                            env_id.clone(),
                        ));
                        env_ids.insert(env, env_id);
                    }
                    report.created.push((
                        "project".into(),
                        plan.project.clone(),
                        None,
                        created.id.clone(),
                    ));
                    report.push(progress, resource, Status::Done);
                    created.id
                }
                Err(error) => {
                    report.push(progress, resource, Status::Failed(error));
                    for environment in &plan.environments {
                        report.push(
                            progress,
                            Step::Environment(environment.name.clone()),
                            Status::Skipped("the project was not created".into()),
                        );
                    }
                    return report;
                }
            }
        }
    };
    if report.stop(progress) {
        return report;
    }
    // 1b. Renames written with `moved`: before anything refers to the
    //     new names (ids do not change).
    rename(client, plan, &mut report, progress).await;
    if report.stop(progress) {
        return report;
    }
    // 2. Environments, one aliased request.
    let new_envs: Vec<String> = plan
        .environments
        .iter()
        .filter(|e| e.action == Action::Create && !env_ids.contains_key(&e.name))
        .map(|e| e.name.clone())
        .collect();
    let mut failed_envs: BTreeMap<String, String> = BTreeMap::new();
    if !new_envs.is_empty() {
        let results = recover::create_all(
            client,
            &project_id,
            &new_envs,
            |name| {
                EnvironmentCreate::build(EnvironmentCreateVariables {
                    input: EnvironmentCreateInput {
                        project_id: project_id.clone(),
                        name: name.clone(),
                        skip_initial_deploys: Some(true),
                        ..EnvironmentCreateInput::default()
                    },
                })
            },
            |created| created.environment_create.id.into_inner(),
            |snapshot, name| recover::environment(snapshot, name),
            |name| format!("environment \"{name}\""),
            progress,
        )
        .await;
        for (name, result) in new_envs.into_iter().zip(results) {
            let resource = Step::Environment(name.clone());
            match result {
                Ok(created) => {
                    report.created.push((
                        "environment".into(),
                        name.clone(),
                        None,
                        created.id.clone(),
                    ));
                    env_ids.insert(name, created.id);
                    report.push(progress, resource, Status::Done);
                }
                Err(error) => {
                    failed_envs.insert(name, error.clone());
                    report.push(progress, resource, Status::Failed(error));
                }
            }
        }
    }
    if report.stop(progress) {
        return report;
    }
    // 3. Services, project-wide, one aliased request.
    let mut service_ids: BTreeMap<String, String> = BTreeMap::new();
    let mut new_services: Vec<(String, Option<(String, String)>)> = Vec::new();
    let mut seen = BTreeSet::new();
    for environment in &plan.environments {
        for service in &environment.services {
            if let Some(id) = &service.id {
                service_ids.insert(service.name.clone(), id.clone());
            } else if service.create_service && seen.insert(service.name.as_str()) {
                new_services.push((service.name.clone(), service.source.clone()));
            }
        }
    }
    let mut failed_services: BTreeMap<String, String> = BTreeMap::new();
    if !new_services.is_empty() {
        let results = recover::create_all(
            client,
            &project_id,
            &new_services,
            |(name, source)| {
                let source = source.as_ref().map(|(kind, value)| ServiceSourceInput {
                    image: (kind == "image").then(|| value.clone()),
                    repo: (kind == "repo").then(|| value.clone()),
                });
                ServiceCreate::build(ServiceCreateVariables {
                    input: ServiceCreateInput {
                        project_id: project_id.clone(),
                        name: Some(name.clone()),
                        source,
                        ..ServiceCreateInput::default()
                    },
                })
            },
            |created| created.service_create.id.into_inner(),
            |snapshot, (name, _)| recover::service(snapshot, name),
            |(name, _)| format!("service \"{name}\""),
            progress,
        )
        .await;
        for ((name, _), result) in new_services.into_iter().zip(results) {
            let resource = Step::Service(name.clone());
            match result {
                Ok(created) => {
                    report
                        .created
                        .push(("service".into(), name.clone(), None, created.id.clone()));
                    service_ids.insert(name, created.id);
                    report.push(progress, resource, Status::Done);
                }
                Err(error) => {
                    failed_services.insert(name, error.clone());
                    report.push(progress, resource, Status::Failed(error));
                }
            }
        }
    }
    if report.stop(progress) {
        return report;
    }
    // 4. Volumes: replaced ones removed first — the volume itself when no
    //    other environment has an instance of it, otherwise only its
    //    instance here (an environment patch: `volumeDelete` acts on every
    //    environment) — then every new one, one aliased request each.
    let mut failed_volumes = BTreeSet::new();
    let mut replaced = Vec::new();
    let mut detached = Vec::new();
    for environment in &plan.environments {
        for service in &environment.services {
            let Some(old) = &service.replace_volume else {
                continue;
            };
            let key = (environment.name.clone(), service.name.clone());
            if service.delete_volume {
                replaced.push((key, old.clone()));
            } else if let (Some(env_id), Some(service_id)) =
                (env_ids.get(&environment.name), &service.id)
            {
                detached.push((key, env_id.clone(), service_id.clone(), old.clone()));
            }
        }
    }
    if !replaced.is_empty() {
        let operations = replaced
            .iter()
            .map(|(_, id)| {
                VolumeDelete::build(VolumeDeleteVariables {
                    volume_id: id.clone(),
                })
            })
            .collect();
        let results = batch_results(client.batch(operations).await, replaced.len());
        for (((env, service), _), result) in replaced.into_iter().zip(results) {
            let resource = Step::VolumeReplaced {
                service: service.clone(),
                environment: env.clone(),
            };
            match result {
                Ok(_) => report.push(progress, resource, Status::Done),
                Err(error) => {
                    failed_volumes.insert((env, service));
                    report.push(progress, resource, Status::Failed(error));
                }
            }
        }
    }
    if !detached.is_empty() {
        let operations = detached
            .iter()
            .map(|(_, env_id, service_id, old)| {
                let patch = serde_json::json!({
                    "volumes": { old.as_str(): { "isDeleted": true } },
                    "services": { service_id.as_str(): { "volumeMounts": { old.as_str(): null } } },
                });
                EnvironmentPatchCommit::build(EnvironmentPatchCommitVariables {
                    environment_id: env_id.clone(),
                    patch: Some(EnvironmentConfig(patch)),
                    commit_message: Some(format!(
                        "mirage apply ({}): replace a volume",
                        plan.project
                    )),
                })
            })
            .collect();
        let results = batch_results(client.batch(operations).await, detached.len());
        for (((env, service), ..), result) in detached.into_iter().zip(results) {
            let resource = Step::VolumeReplaced {
                service: service.clone(),
                environment: env.clone(),
            };
            match result {
                Ok(_) => report.push(progress, resource, Status::Done),
                Err(error) => {
                    failed_volumes.insert((env, service));
                    report.push(progress, resource, Status::Failed(error));
                }
            }
        }
    }
    let mut volume_ids: BTreeMap<(String, String), String> = BTreeMap::new();
    // (environment, service, mount path, environment id, service id)
    let mut new_volumes: Vec<(String, String, String, String, String)> = Vec::new();
    for environment in &plan.environments {
        for service in &environment.services {
            if failed_volumes.contains(&(environment.name.clone(), service.name.clone())) {
                continue;
            }
            if let Some(id) = &service.volume_id {
                volume_ids.insert((environment.name.clone(), service.name.clone()), id.clone());
            }
            if let (Some(mount), Some(env_id), Some(service_id)) = (
                &service.create_volume,
                env_ids.get(&environment.name),
                service_ids.get(&service.name),
            ) {
                new_volumes.push((
                    environment.name.clone(),
                    service.name.clone(),
                    mount.clone(),
                    env_id.clone(),
                    service_id.clone(),
                ));
            }
        }
    }
    if !new_volumes.is_empty() {
        let results = recover::create_all(
            client,
            &project_id,
            &new_volumes,
            |(_, _, mount, env_id, service_id)| {
                VolumeCreate::build(VolumeCreateVariables {
                    input: VolumeCreateInput {
                        project_id: project_id.clone(),
                        mount_path: mount.clone(),
                        service_id: Some(service_id.clone()),
                        environment_id: Some(env_id.clone()),
                        region: None,
                    },
                })
            },
            |created| created.volume_create.id.into_inner(),
            // A service instance has at most one volume: "does it have
            // one" is the creation's identity.
            |snapshot, (env, _, _, _, service_id)| recover::volume(snapshot, env, service_id),
            |(env, service, ..)| format!("volume of \"{service}\" in \"{env}\""),
            progress,
        )
        .await;
        for ((env, service, ..), result) in new_volumes.into_iter().zip(results) {
            let resource = Step::Volume {
                service: service.clone(),
                environment: env.clone(),
            };
            match result {
                Ok(created) => {
                    report.created.push((
                        "volume".into(),
                        service.clone(),
                        Some(env.clone()),
                        created.id.clone(),
                    ));
                    volume_ids.insert((env, service), created.id);
                    report.push(progress, resource, Status::Done);
                }
                Err(error) => {
                    failed_volumes.insert((env, service));
                    report.push(progress, resource, Status::Failed(error));
                }
            }
        }
    }
    if report.stop(progress) {
        return report;
    }
    // 5. One patch per environment.
    let mut commits = Vec::new();
    let mut staged = Vec::new();
    for environment in &plan.environments {
        if environment.action == Action::Destroy {
            // Deleted whole below: nothing to patch.
            continue;
        }
        let resource = Step::Config(environment.name.clone());
        let Some(env_id) = env_ids.get(&environment.name) else {
            if environment.services.iter().any(|s| !s.changes.is_empty())
                || !environment.shared.is_empty()
            {
                report.push(
                    progress,
                    resource,
                    Status::Skipped("the environment was not created".into()),
                );
            }
            continue;
        };
        let ids = Lookup {
            environment: &environment.name,
            services: &service_ids,
            volumes: &volume_ids,
        };
        let skip = |name: &str| {
            failed_services.contains_key(name)
                || failed_volumes.contains(&(environment.name.clone(), name.to_owned()))
        };
        for service in &environment.services {
            if !service.changes.is_empty() && skip(&service.name) {
                report.push(
                    progress,
                    Step::Instance {
                        service: service.name.clone(),
                        environment: environment.name.clone(),
                    },
                    Status::Skipped("its service or volume was not created".into()),
                );
            }
        }
        let (patch, unresolved) = patch::environment_patch(environment, &ids, secrets, &skip);
        for missing in unresolved {
            report.push(
                progress,
                Step::Instance {
                    service: missing.service.clone(),
                    environment: environment.name.clone(),
                },
                Status::Failed(missing.reason),
            );
        }
        if patch.as_object().is_none_or(|m| m.is_empty()) {
            continue;
        }
        if environment.unmerged_changes_count > 0 {
            staged.push((resource, environment, env_id.clone(), patch));
        } else {
            commits.push((resource, environment, env_id.clone(), patch));
        }
    }
    let message = Some(format!("mirage apply ({})", plan.project));
    if !commits.is_empty() {
        let operations = commits
            .iter()
            .map(|(_, _, env_id, patch)| {
                EnvironmentPatchCommit::build(EnvironmentPatchCommitVariables {
                    environment_id: env_id.clone(),
                    patch: Some(EnvironmentConfig(patch.clone())),
                    commit_message: message.clone(),
                })
            })
            .collect();
        let results = batch_results(client.batch(operations).await, commits.len());
        for ((resource, environment, _, _), result) in commits.into_iter().zip(results) {
            let status = match result {
                Ok(_) => Status::Done,
                Err(error) => Status::Failed(error),
            };
            report.push(progress, resource, status.clone());
            report_destroys(&mut report, progress, environment, &status);
        }
    }
    for (resource, environment, env_id, patch) in staged {
        let stage = client
            .mutate(EnvironmentStageChanges::build(
                EnvironmentStageChangesVariables {
                    environment_id: env_id.clone(),
                    input: EnvironmentConfig(patch),
                    merge: Some(true),
                },
            ))
            .await;
        let status = match stage {
            Err(error) => Status::Failed(error.to_string()),
            Ok(_) => match client
                .mutate(EnvironmentPatchCommitStaged::build(
                    EnvironmentPatchCommitStagedVariables {
                        environment_id: env_id,
                        commit_message: message.clone(),
                        skip_deploys: None,
                    },
                ))
                .await
            {
                Ok(_) => Status::Done,
                Err(error) => Status::Failed(format!("staged but not committed: {error}")),
            },
        };
        report.push(progress, resource, status.clone());
        report_destroys(&mut report, progress, environment, &status);
    }
    if report.stop(progress) {
        return report;
    }
    // 6. Environments torn down whole, one aliased request.
    delete_environments(client, plan, &env_ids, &mut report, progress).await;
    if report.stop(progress) {
        return report;
    }
    // 7. Services and volumes whose last instance this apply removed.
    delete_unused(client, plan, &project_id, &mut report, progress).await;
    report
}

/// Renames the services and environments the plan renames (`moved`), one
/// aliased request per kind. A failed rename is reported; the rest of the
/// apply goes on by id, and the next plan shows the rename again.
async fn rename(client: &Client, plan: &Plan, report: &mut Report, progress: &Progress<'_>) {
    use crate::railway::ops::environment::{
        EnvironmentRename, EnvironmentRenameInput, EnvironmentRenameVariables,
    };
    use crate::railway::ops::service::{ServiceUpdate, ServiceUpdateInput, ServiceUpdateVariables};
    let mut services = BTreeMap::new();
    for environment in &plan.environments {
        for service in &environment.services {
            if let (Some(from), Some(id)) = (&service.renamed_from, &service.id) {
                services.insert(id.clone(), (from.clone(), service.name.clone()));
            }
        }
    }
    if !services.is_empty() {
        let renames: Vec<_> = services.into_iter().collect();
        let operations = renames
            .iter()
            .map(|(id, (_, to))| {
                ServiceUpdate::build(ServiceUpdateVariables {
                    id: id.clone(),
                    input: ServiceUpdateInput {
                        name: Some(to.clone()),
                        ..ServiceUpdateInput::default()
                    },
                })
            })
            .collect();
        let results = batch_results(client.batch(operations).await, renames.len());
        for ((_, (from, to)), result) in renames.into_iter().zip(results) {
            let status = match result {
                Ok(_) => Status::Done,
                Err(error) => Status::Failed(error),
            };
            report.push(progress, Step::RenameService { from, to }, status);
        }
    }
    let environments: Vec<(String, String, String)> = plan
        .environments
        .iter()
        .filter_map(|e| Some((e.id.clone()?, e.renamed_from.clone()?, e.name.clone())))
        .collect();
    if !environments.is_empty() {
        let operations = environments
            .iter()
            .map(|(id, _, to)| {
                EnvironmentRename::build(EnvironmentRenameVariables {
                    id: id.clone(),
                    input: EnvironmentRenameInput { name: to.clone() },
                })
            })
            .collect();
        let results = batch_results(client.batch(operations).await, environments.len());
        for ((_, from, to), result) in environments.into_iter().zip(results) {
            let status = match result {
                Ok(_) => Status::Done,
                Err(error) => Status::Failed(error),
            };
            report.push(progress, Step::RenameEnvironment { from, to }, status);
        }
    }
}

/// Deletes the environments the plan tears down (`environmentDelete`
/// takes their service instances and volumes with them).
async fn delete_environments(
    client: &Client,
    plan: &Plan,
    env_ids: &BTreeMap<String, String>,
    report: &mut Report,
    progress: &Progress<'_>,
) {
    let doomed: Vec<(&crate::plan::EnvironmentPlan, &String)> = plan
        .environments
        .iter()
        .filter(|e| e.action == Action::Destroy)
        .filter_map(|e| env_ids.get(&e.name).map(|id| (e, id)))
        .collect();
    if doomed.is_empty() {
        return;
    }
    let operations = doomed
        .iter()
        .map(|(_, id)| EnvironmentDelete::build(IdVariables { id: (*id).clone() }))
        .collect();
    let results = batch_results(client.batch(operations).await, doomed.len());
    for ((environment, _), result) in doomed.into_iter().zip(results) {
        let status = match result {
            Ok(_) => Status::Done,
            Err(error) => Status::Failed(error),
        };
        report_destroys(report, progress, environment, &status);
        report.push(
            progress,
            Step::DeleteEnvironment(environment.name.clone()),
            status,
        );
    }
}

/// Schedules the project for deletion (Railway's grace period, as its CLI
/// does): everything in it goes with it.
async fn delete_project(
    client: &Client,
    plan: &Plan,
    report: &mut Report,
    progress: &Progress<'_>,
) {
    let status = match &plan.project_id {
        None => Status::Skipped("the project does not exist".into()),
        Some(id) => match client
            .mutate(ProjectScheduleDelete::build(IdVariables { id: id.clone() }))
            .await
        {
            Ok(_) => Status::Done,
            Err(error) => Status::Failed(error.to_string()),
        },
    };
    for environment in &plan.environments {
        report_destroys(report, progress, environment, &status);
        report.push(
            progress,
            Step::DeleteEnvironment(environment.name.clone()),
            status.clone(),
        );
    }
    report.push(progress, Step::DeleteProject(plan.project.clone()), status);
}

/// One step per service instance the environment's patch removed, with
/// the patch's outcome.
fn report_destroys(
    report: &mut Report,
    progress: &Progress<'_>,
    environment: &crate::plan::EnvironmentPlan,
    status: &Status,
) {
    for service in &environment.services {
        if service.action == Action::Destroy {
            report.push(
                progress,
                Step::Destroy {
                    service: service.name.clone(),
                    environment: environment.name.clone(),
                },
                status.clone(),
            );
        }
    }
}

/// Deletes the services and volumes the plan marked as kept by no other
/// environment, once their instances are gone — after reading the project
/// again (one request) and confirming that no environment has an instance
/// of them now: someone may have added one since the plan read Railway,
/// and `serviceDelete`/`volumeDelete` would take it with them.
async fn delete_unused(
    client: &Client,
    plan: &Plan,
    project_id: &str,
    report: &mut Report,
    progress: &Progress<'_>,
) {
    let removed = |service: &str, environment: &str| {
        report.is_done(&Step::Destroy {
            service: service.to_owned(),
            environment: environment.to_owned(),
        })
    };
    let mut services = BTreeMap::new();
    let mut volumes = BTreeMap::new();
    for environment in &plan.environments {
        for service in &environment.services {
            if service.action != Action::Destroy || !removed(&service.name, &environment.name) {
                continue;
            }
            if service.delete_service
                && let Some(id) = &service.id
            {
                services.insert(id.clone(), service.name.clone());
            }
            if service.delete_volume
                && let Some(id) = &service.volume_id
            {
                volumes.insert(id.clone(), service.name.clone());
            }
        }
    }
    if services.is_empty() && volumes.is_empty() {
        return;
    }
    let in_use = |snapshot: &crate::railway::Snapshot, kind: &str, id: &str| {
        snapshot.environments.values().any(|environment| {
            environment
                .config
                .get(kind)
                .and_then(|entries| entries.get(id))
                .is_some_and(|entry| {
                    entry.get("isDeleted").and_then(serde_json::Value::as_bool) != Some(true)
                })
        })
    };
    let snapshot = match client.read_project(project_id).await {
        Ok(snapshot) => snapshot,
        Err(error) => {
            for name in services.values() {
                report.push(
                    progress,
                    Step::DeleteService(name.clone()),
                    Status::Failed(format!(
                        "not deleted: cannot confirm that no environment uses it: {error}"
                    )),
                );
            }
            return;
        }
    };
    let mut deletes = Vec::new();
    for (id, name) in &services {
        let resource = Step::DeleteService(name.clone());
        if in_use(&snapshot, "services", id) {
            report.push(
                progress,
                resource,
                Status::Skipped("an environment has it again; kept".into()),
            );
        } else {
            deletes.push((resource, id.clone()));
        }
    }
    if !deletes.is_empty() {
        let operations = deletes
            .iter()
            .map(|(_, id)| {
                ServiceDelete::build(ServiceDeleteVariables {
                    id: id.clone(),
                    environment_id: None,
                })
            })
            .collect();
        let results = batch_results(client.batch(operations).await, deletes.len());
        for ((resource, _), result) in deletes.into_iter().zip(results) {
            let status = match result {
                Ok(_) => Status::Done,
                Err(error) => Status::Failed(error),
            };
            report.push(progress, resource, status);
        }
    }
    let mut deletes = Vec::new();
    for (id, name) in &volumes {
        let resource = Step::DeleteVolume(name.clone());
        if in_use(&snapshot, "volumes", id) {
            report.push(
                progress,
                resource,
                Status::Skipped("an environment has it again; kept".into()),
            );
        } else {
            deletes.push((resource, id.clone()));
        }
    }
    if !deletes.is_empty() {
        let operations = deletes
            .iter()
            .map(|(_, id)| {
                VolumeDelete::build(VolumeDeleteVariables {
                    volume_id: id.clone(),
                })
            })
            .collect();
        let results = batch_results(client.batch(operations).await, deletes.len());
        for ((resource, _), result) in deletes.into_iter().zip(results) {
            let status = match result {
                Ok(_) => Status::Done,
                Err(error) => Status::Failed(error),
            };
            report.push(progress, resource, status);
        }
    }
}

struct Lookup<'a> {
    environment: &'a str,
    services: &'a BTreeMap<String, String>,
    volumes: &'a BTreeMap<(String, String), String>,
}

impl patch::Ids for Lookup<'_> {
    fn service(&self, name: &str) -> Option<String> {
        self.services.get(name).cloned()
    }

    fn volume(&self, name: &str) -> Option<String> {
        self.volumes
            .get(&(self.environment.to_owned(), name.to_owned()))
            .cloned()
    }
}

/// Per-item results of a batch, errors as text (a failed request fails
/// every item of it).
fn batch_results<F>(
    results: Result<
        Vec<Result<F, crate::railway::batch::BatchError>>,
        crate::railway::RailwayError,
    >,
    count: usize,
) -> Vec<Result<F, String>> {
    match results {
        Ok(items) => items
            .into_iter()
            .map(|item| {
                item.map_err(|error| match error.outcome {
                    crate::railway::batch::Outcome::Unknown => {
                        format!(
                            "{} (it may have happened: run apply again to converge)",
                            error.error
                        )
                    }
                    _ => error.error.to_string(),
                })
            })
            .collect(),
        Err(error) => (0..count).map(|_| Err(error.to_string())).collect(),
    }
}
