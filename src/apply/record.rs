//! Ownership records around an apply, written so that a process killed at
//! any point leaves nothing orphaned:
//!
//! 1. [`record_intent`], **before** any write: every resource the plan will
//!    create is recorded as Mirage's, without a Railway id yet. If the
//!    process dies after Railway created it but before the id came back,
//!    the next plan finds it by name (names are identity) and it is already
//!    owned.
//! 2. [`record_outcome`], after the apply: the ids Railway returned, the
//!    ids of owned resources recorded without one (filled from the plan,
//!    which read them), and what was destroyed is forgotten.
//!
//! A record whose creation never happened (a failure before Railway saw
//! it) stays until the next apply creates the resource; it never causes a
//! destroy, because only what exists on Railway is ever destroyed.
//!
//! A new volume gets its id recorded only once its size is written (the
//! environment's config commit): until then it has Railway's default size,
//! which nobody chose, and a plan must not call making it smaller a
//! replacement — whatever stopped the apply in between (a kill, a lost
//! response, a refused commit).

use crate::plan::{Action, Plan};
use crate::state::{
    self, Actor, Origin, OwnedFilter, Resource, ResourceKey, ResourceKind, StateError, Store,
};

use super::{Report, Step};

/// The key of a resource of `plan`'s project.
pub fn key(
    plan: &Plan,
    kind: ResourceKind,
    environment: Option<&str>,
    service: Option<&str>,
    name: &str,
) -> ResourceKey {
    ResourceKey {
        project: plan.project.clone(),
        environment: environment.map(str::to_owned),
        kind,
        service: service.map(str::to_owned),
        name: name.to_owned(),
    }
}

/// The key of the volume of `service` in `environment` (one per instance).
pub fn volume_key(plan: &Plan, environment: &str, service: &str) -> ResourceKey {
    key(
        plan,
        ResourceKind::Volume,
        Some(environment),
        Some(service),
        service,
    )
}

/// One ownership record of `plan`'s project.
pub fn resource(
    plan: &Plan,
    key: ResourceKey,
    railway_id: Option<String>,
    origin: Origin,
    actor: &Actor,
) -> Resource {
    Resource {
        key,
        project_id: plan.project_id.clone(),
        environment_id: None,
        railway_id,
        origin,
        created_by: actor.to_string(),
        created_at: state::Timestamp::now(),
    }
}

/// Records, in one transaction, everything `plan` is about to create.
pub fn record_intent(store: &Store, plan: &Plan, actor: &Actor) -> Result<(), StateError> {
    let created = Origin::Created;
    let mut records = Vec::new();
    if plan.create_project {
        let name = plan.project.as_str();
        records.push(resource(
            plan,
            key(plan, ResourceKind::Project, None, None, name),
            None,
            created,
            actor,
        ));
    }
    for environment in &plan.environments {
        let env = environment.name.as_str();
        if environment.action == Action::Create {
            records.push(resource(
                plan,
                key(plan, ResourceKind::Environment, None, None, env),
                None,
                created,
                actor,
            ));
        }
        for service in &environment.services {
            // A new service, or a new instance of an existing one (in a
            // new environment, or one it was missing from): Mirage's.
            if service.create_service || service.action == Action::Create {
                records.push(resource(
                    plan,
                    key(plan, ResourceKind::Service, Some(env), None, &service.name),
                    service.id.clone(),
                    created,
                    actor,
                ));
            }
            if service.create_volume.is_some() {
                records.push(resource(
                    plan,
                    volume_key(plan, env, &service.name),
                    None,
                    created,
                    actor,
                ));
            }
        }
    }
    store.record_all(&records)?;
    record_managed(store, plan, actor)
}

/// Moves the ownership records of what this apply renamed (`moved`) to the
/// new names. Runs first: the other records of the apply use the new names.
fn record_renames(store: &Store, plan: &Plan, report: &Report) -> Result<(), StateError> {
    let mut renamed = std::collections::BTreeSet::new();
    for environment in &plan.environments {
        if let Some(from) = &environment.renamed_from
            && report.is_done(&Step::RenameEnvironment {
                from: from.clone(),
                to: environment.name.clone(),
            })
        {
            store.rename_environment(&plan.project, from, &environment.name)?;
        }
        for service in &environment.services {
            if let Some(from) = &service.renamed_from
                && renamed.insert(from.clone())
                && report.is_done(&Step::RenameService {
                    from: from.clone(),
                    to: service.name.clone(),
                })
            {
                store.rename_service(&plan.project, from, &service.name)?;
            }
        }
    }
    Ok(())
}

/// Records the ids this apply learnt and forgets what it destroyed.
pub fn record_outcome(
    store: &Store,
    plan: &Plan,
    report: &Report,
    actor: &Actor,
) -> Result<(), StateError> {
    record_renames(store, plan, report)?;
    let project_id = plan.project_id.clone().or_else(|| {
        report
            .created
            .iter()
            .find(|(kind, ..)| kind == "project")
            .map(|(.., id)| id.clone())
    });
    let with_project = |mut r: Resource| {
        r.project_id.clone_from(&project_id);
        r
    };
    let record = |kind, env: Option<&str>, service: Option<&str>, name: &str, id: &str| {
        with_project(resource(
            plan,
            key(plan, kind, env, service, name),
            Some(id.to_owned()),
            Origin::Created,
            actor,
        ))
    };
    let mut records = Vec::new();
    for (kind, name, environment, id) in &report.created {
        match kind.as_str() {
            "project" => records.push(record(ResourceKind::Project, None, None, name, id)),
            "environment" => records.push(record(ResourceKind::Environment, None, None, name, id)),
            // Until its size is written, a new volume has Railway's
            // default size, which nobody chose: its record keeps no id, so
            // the next plan does not call shrinking it a replacement.
            "volume"
                if environment
                    .as_deref()
                    .is_some_and(|env| size_settled(plan, Some(report), env, name)) =>
            {
                records.push(record(
                    ResourceKind::Volume,
                    environment.as_deref(),
                    Some(name),
                    name,
                    id,
                ));
            }
            "service" => {
                // A service is created project-wide; Mirage owns its
                // instance in every environment of the plan.
                for env in &plan.environments {
                    if env.services.iter().any(|s| s.name == *name) {
                        records.push(record(
                            ResourceKind::Service,
                            Some(&env.name),
                            None,
                            name,
                            id,
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    records.extend(backfill(store, plan, project_id.as_deref(), Some(report))?);
    store.record_all(&records)?;
    if plan.destroy_project && report.is_done(&Step::DeleteProject(plan.project.clone())) {
        store.forget_project(&plan.project)?;
        return Ok(());
    }
    for env in &plan.environments {
        if env.action == Action::Destroy
            && report.is_done(&Step::DeleteEnvironment(env.name.clone()))
        {
            store.forget_environment(&plan.project, &env.name)?;
            store.clear_ttl(&plan.project, &env.name)?;
            continue;
        }
        for service in &env.services {
            let destroyed = report.is_done(&Step::Destroy {
                service: service.name.clone(),
                environment: env.name.clone(),
            });
            if service.action == Action::Destroy && destroyed {
                store.forget_service(&plan.project, &env.name, &service.name)?;
            }
        }
        // Variables and custom domains removed by the environment's patch.
        let committed = report.is_done(&Step::Config(env.name.clone()));
        if !committed {
            continue;
        }
        let removed = env.shared.iter().map(|change| (None, change)).chain(
            env.services
                .iter()
                .filter(|s| s.action != Action::Destroy)
                .flat_map(|s| s.changes.iter().map(move |c| (Some(s.name.as_str()), c))),
        );
        for (service, change) in removed {
            if change.new.is_none()
                && let Some(key) = managed_key(plan, &env.name, service, change)
            {
                store.forget(&key)?;
            }
        }
    }
    Ok(())
}

/// The ownership key of the variable or custom domain `change` is about.
fn managed_key(
    plan: &Plan,
    environment: &str,
    service: Option<&str>,
    change: &crate::plan::Change,
) -> Option<ResourceKey> {
    match change.path.as_slice() {
        [root, name] if root == "variables" || root == "sharedVariables" => Some(key(
            plan,
            ResourceKind::Variable,
            Some(environment),
            service,
            name,
        )),
        [root, kind, host] if root == "networking" && kind == "customDomains" => Some(key(
            plan,
            ResourceKind::Domain,
            Some(environment),
            service,
            host,
        )),
        _ => None,
    }
}

/// Records the variables and custom domains the files declare in the
/// planned environments as Mirage's: from now on, removing one from the
/// files removes it on Railway. A variable set by hand and never declared
/// stays unmanaged and is never removed.
pub fn record_managed(store: &Store, plan: &Plan, actor: &Actor) -> Result<(), StateError> {
    let mut records = Vec::new();
    for environment in &plan.environments {
        let env = environment.name.as_str();
        for name in &environment.managed_shared {
            records.push(resource(
                plan,
                key(plan, ResourceKind::Variable, Some(env), None, name),
                None,
                Origin::Created,
                actor,
            ));
        }
        for service in &environment.services {
            if service.action == Action::Destroy {
                continue;
            }
            let owner = Some(service.name.as_str());
            for name in &service.managed.variables {
                records.push(resource(
                    plan,
                    key(plan, ResourceKind::Variable, Some(env), owner, name),
                    None,
                    Origin::Created,
                    actor,
                ));
            }
            for host in &service.managed.domains {
                records.push(resource(
                    plan,
                    key(plan, ResourceKind::Domain, Some(env), owner, host),
                    None,
                    Origin::Created,
                    actor,
                ));
            }
        }
    }
    store.record_all(&records)
}

/// Fills the Railway ids of owned records that lack one from `plan`
/// (which read them): run on every apply, even one with nothing to do,
/// since the apply that created them may have been killed before it
/// heard back.
pub fn record_known_ids(store: &Store, plan: &Plan) -> Result<(), StateError> {
    let records = backfill(store, plan, plan.project_id.as_deref(), None)?;
    store.record_all(&records)
}

/// Whether the volume of `service` in `environment` has the size the
/// files ask for: the plan does not change its size, or this apply
/// (`report`) committed the environment's config, which carries it.
fn size_settled(plan: &Plan, report: Option<&Report>, environment: &str, service: &str) -> bool {
    let resizes = plan
        .environments
        .iter()
        .filter(|e| e.name == environment)
        .flat_map(|e| e.services.iter())
        .filter(|s| s.name == service)
        .flat_map(|s| s.changes.iter())
        .any(|c| {
            c.path.first().is_some_and(|p| p == "@volume")
                && c.path.last().is_some_and(|p| p == "sizeMB")
        });
    let committed =
        report.is_some_and(|report| report.is_done(&Step::Config(environment.to_owned())));
    !resizes || committed
}

/// Owned records still without a Railway id whose resource the plan found
/// on Railway (an apply killed between the write and the record): the id
/// from the plan. A volume whose size is still to be written (see
/// [`size_settled`]) waits until it is.
fn backfill(
    store: &Store,
    plan: &Plan,
    project_id: Option<&str>,
    report: Option<&Report>,
) -> Result<Vec<Resource>, StateError> {
    let filter = OwnedFilter {
        project: Some(plan.project.clone()),
        ..OwnedFilter::default()
    };
    let mut out = Vec::new();
    for mut owned in store.list_owned(&filter)? {
        if owned.railway_id.is_some() {
            continue;
        }
        let key = &owned.key;
        let env = || {
            plan.environments
                .iter()
                .find(|e| Some(&e.name) == key.environment.as_ref())
        };
        let service = |name: &str| env().and_then(|e| e.services.iter().find(|s| s.name == name));
        let id = match key.kind {
            ResourceKind::Project => project_id.map(str::to_owned),
            ResourceKind::Environment => plan
                .environments
                .iter()
                .find(|e| e.name == key.name)
                .and_then(|e| e.id.clone()),
            ResourceKind::Service => service(&key.name).and_then(|s| s.id.clone()),
            ResourceKind::Volume => key
                .service
                .as_deref()
                .and_then(service)
                .filter(|s| {
                    key.environment
                        .as_deref()
                        .is_some_and(|env| size_settled(plan, report, env, &s.name))
                })
                .and_then(|s| s.volume_id.clone()),
            _ => None,
        };
        if id.is_some() {
            owned.railway_id = id;
            owned.project_id = project_id.map(str::to_owned);
            out.push(owned);
        }
    }
    Ok(out)
}
