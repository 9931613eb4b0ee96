//! Importing: recording what already exists on Railway and the files
//! declare (the project, its environments, service instances and their
//! volumes, matched by name; and the variables and custom domains the files
//! declare) as Mirage's, so that the next plan manages it fully,
//! destruction included. Nothing is written to Railway.

use super::Failure;
use super::context::Context;
use super::prepare::Session;
use crate::apply::record::{key, resource, volume_key};
use crate::plan::{Action, Plan};
use crate::state::{self, Origin, Resource, ResourceKind};

/// What an import recorded.
#[derive(Clone, Debug)]
pub struct Imported {
    /// Newly recorded as Mirage's.
    pub imported: Vec<Resource>,
    /// Already Mirage's before.
    pub already: usize,
    /// Resources on Railway the files do not declare (left alone).
    pub unmanaged: usize,
}

/// Imports what `session`'s plan found on Railway and the files declare.
pub fn import(context: &Context, session: &Session) -> Result<Imported, Failure> {
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
    let mut imported = Vec::new();
    let mut already = 0;
    for candidate in importable(&session.plan, &context.actor) {
        match store.owned(&candidate.key) {
            Ok(Some(_)) => already += 1,
            Ok(None) => imported.push(candidate),
            Err(error) => return Err(Failure::state(&error)),
        }
    }
    store
        .record_all(&imported)
        .map_err(|error| Failure::state(&error))?;
    // The variables and custom domains the files declare are managed too:
    // removing one from the files later removes it.
    crate::apply::record::record_managed(store, &session.plan, &context.actor)
        .map_err(|error| Failure::state(&error))?;
    Ok(Imported {
        imported,
        already,
        unmanaged: session.plan.unmanaged.len(),
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
