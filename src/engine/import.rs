//! Importing: recording what already exists on Railway and the files
//! declare (the project, its environments, service instances and their
//! volumes, matched by name; and the variables and custom domains the files
//! declare) as Mirage's, so that the next plan manages it fully,
//! destruction included. Nothing is written to Railway.
//!
//! An instance whose values disagree with the files (a conflict, see
//! [`crate::adopt::conflicts`]) is adopted only when the caller says which
//! side wins ([`Prefer`]); otherwise it is left unmanaged and listed.

use super::Failure;
use super::context::Context;
use super::prepare::Session;
use crate::adopt::conflicts::{self, Conflict};
use crate::apply::record::{key, resource, volume_key};
use crate::plan::{Action, Plan};
use crate::state::{self, Origin, Resource, ResourceKind};

/// Which side wins a conflict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Prefer {
    /// Adopt anyway: the next apply makes Railway match the files.
    Files,
    /// The files were edited to say Railway's value (by the caller, with
    /// [`conflicts::prefer_railway`]) before this session was planned.
    Railway,
}

/// What an import adopts.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only these services (all the plan covers when empty).
    pub services: Vec<String>,
    /// How conflicts are settled; `None`: a conflicting instance is not
    /// adopted.
    pub prefer: Option<Prefer>,
    /// List only: record nothing.
    pub dry_run: bool,
}

/// What an import recorded.
#[derive(Clone, Debug)]
pub struct Imported {
    /// Newly recorded as Mirage's (with `dry_run`: what would be).
    pub imported: Vec<Resource>,
    /// Already Mirage's before.
    pub already: usize,
    /// Resources on Railway the files do not declare (left alone).
    pub unmanaged: usize,
    /// The conflicts found (settled when `prefer` was given).
    pub conflicts: Vec<Conflict>,
    /// `(environment, service)` left unmanaged because of a conflict.
    pub held_back: Vec<(String, String)>,
}

/// Imports what `session`'s plan found on Railway and the files declare,
/// as `options` narrow it.
pub fn import(
    context: &Context,
    session: &Session,
    options: &Options,
) -> Result<Imported, Failure> {
    if session.snapshot.is_none() {
        return Err(Failure::error(
            "mirage::import::no_project",
            format!(
                "there is no project `{}` on Railway: nothing to import",
                session.plan.project
            ),
            Some("`mirage apply` creates it"),
        ));
    }
    let store = &session.store;
    let conflicts = match &session.snapshot {
        Some(snapshot) => {
            let lookup = |secret: &crate::model::SecretRef| session.secrets.get(secret);
            conflicts::find(
                &session.plan,
                &session.model,
                snapshot,
                &session.owned,
                &lookup,
            )
        }
        None => Vec::new(),
    }
    .into_iter()
    .filter(|c| {
        options.services.is_empty()
            || c.service
                .as_ref()
                .is_some_and(|s| options.services.contains(s))
    })
    .collect::<Vec<_>>();
    // What is adopted: the selected instances, less those in conflict when
    // nobody said which side wins.
    let mut held_back: Vec<(String, String)> = Vec::new();
    if options.prefer.is_none() {
        for conflict in &conflicts {
            if let Some(service) = &conflict.service {
                let pair = (conflict.environment.clone(), service.clone());
                if !held_back.contains(&pair) {
                    held_back.push(pair);
                }
            }
        }
    }
    let mut plan = session.plan.clone();
    for environment in &mut plan.environments {
        let name = environment.name.clone();
        environment.services.retain(|service| {
            (options.services.is_empty() || options.services.contains(&service.name))
                && !held_back.contains(&(name.clone(), service.name.clone()))
        });
        let shared_conflict = options.prefer.is_none()
            && conflicts
                .iter()
                .any(|c| c.service.is_none() && c.environment == name);
        if !options.services.is_empty() || shared_conflict {
            environment.managed_shared.clear();
        }
    }
    let mut imported = Vec::new();
    let mut already = 0;
    for candidate in importable(&plan, &context.actor) {
        match store.owned(&candidate.key) {
            Ok(Some(_)) => already += 1,
            Ok(None) => imported.push(candidate),
            Err(error) => return Err(Failure::state(&error)),
        }
    }
    if !options.dry_run {
        store
            .record_all(&imported)
            .map_err(|error| Failure::state(&error))?;
        // The variables and custom domains the files declare are managed
        // too: removing one from the files later removes it.
        crate::apply::record::record_managed(store, &plan, &context.actor)
            .map_err(|error| Failure::state(&error))?;
    }
    Ok(Imported {
        imported,
        already,
        unmanaged: session.plan.unmanaged.len(),
        conflicts,
        held_back,
    })
}

/// Everything the plan found on Railway that the model declares, as
/// adopted ownership records.
fn importable(plan: &Plan, actor: &state::Actor) -> Vec<Resource> {
    let adopt = |key, id: &String| resource(plan, key, Some(id.clone()), Origin::Adopted, actor);
    let mut out = Vec::new();
    if let Some(id) = &plan.project_id {
        out.push(adopt(
            key(plan, ResourceKind::Project, None, None, &plan.project),
            id,
        ));
    }
    for environment in &plan.environments {
        let Some(env_id) = &environment.id else {
            continue;
        };
        let env = environment.name.as_str();
        out.push(adopt(
            key(plan, ResourceKind::Environment, None, None, env),
            env_id,
        ));
        for service in &environment.services {
            // A service the model no longer declares is not imported, nor
            // an instance that does not exist in this environment yet.
            if matches!(service.action, Action::Destroy | Action::Create) {
                continue;
            }
            let Some(id) = &service.id else {
                continue;
            };
            out.push(adopt(
                key(plan, ResourceKind::Service, Some(env), None, &service.name),
                id,
            ));
            if let Some(volume) = service
                .volume_id
                .as_ref()
                .or(service.replace_volume.as_ref())
            {
                out.push(adopt(volume_key(plan, env, &service.name), volume));
            }
        }
    }
    out
}
