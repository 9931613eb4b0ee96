//! Ownership records whose resource Railway no longer has.
//!
//! A service instance, volume or environment recorded with a Railway id
//! can disappear without Mirage hearing of it: removed by hand in
//! Railway's dashboard, or by an apply or destroy killed between Railway's
//! answer and the record. Such a record is false twice over: `mirage state
//! list` shows something already destroyed, and, as names are identity,
//! a service someone later creates by hand under the same name would be
//! taken for Mirage's and destroyed. Every command that writes forgets them
//! once it has read the project; `plan` leaves the database alone and only
//! ignores them.
//!
//! Only records with a Railway id are judged: one without is the intent of
//! an unfinished creation, kept until an apply creates it.

use std::collections::BTreeSet;
use std::fmt;

use crate::railway::Snapshot;
use crate::state::{OwnedFilter, ResourceKind, StateError, Store};

/// Something Mirage recorded that Railway no longer has.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Gone {
    /// An environment recorded with its id: everything recorded in it
    /// goes with it.
    Environment(String),
    /// A service instance `(environment, service)`, and everything recorded
    /// under it there (volume, variables, domains).
    Service(String, String),
    /// The volume of a service instance `(environment, service)`.
    Volume(String, String),
}

impl fmt::Display for Gone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gone::Environment(env) => write!(f, "environment `{env}`"),
            Gone::Service(env, service) => write!(f, "service `{service}` in `{env}`"),
            Gone::Volume(env, service) => write!(f, "the volume of `{service}` in `{env}`"),
        }
    }
}

/// The records of `project` whose resource `snapshot` (the whole project,
/// just read) no longer holds.
pub fn find(store: &Store, project: &str, snapshot: &Snapshot) -> Result<Vec<Gone>, StateError> {
    let owned = store.list_owned(&OwnedFilter {
        project: Some(project.to_owned()),
        ..OwnedFilter::default()
    })?;
    let mut gone = BTreeSet::new();
    for record in &owned {
        let Some(id) = &record.railway_id else {
            continue;
        };
        let key = &record.key;
        let found = match (key.kind, &key.environment) {
            (ResourceKind::Environment, None) => snapshot
                .environment(&key.name)
                .is_none()
                .then(|| Gone::Environment(key.name.clone())),
            (ResourceKind::Service, Some(env)) => {
                let present = snapshot
                    .environment(env)
                    .is_some_and(|state| state.service_ids().contains(&id.as_str()));
                (!present).then(|| Gone::Service(env.clone(), key.name.clone()))
            }
            (ResourceKind::Volume, Some(env)) => {
                let present = snapshot.environment(env).is_some_and(|state| {
                    state.volume_config(id).is_some_and(|volume| {
                        volume.get("isDeleted").and_then(serde_json::Value::as_bool) != Some(true)
                    })
                });
                key.service
                    .as_ref()
                    .filter(|_| !present)
                    .map(|service| Gone::Volume(env.clone(), service.clone()))
            }
            _ => None,
        };
        gone.extend(found);
    }
    // What an environment's removal covers need not be listed on its own.
    let environments: BTreeSet<String> = gone
        .iter()
        .filter_map(|g| match g {
            Gone::Environment(env) => Some(env.clone()),
            _ => None,
        })
        .collect();
    let services: BTreeSet<(String, String)> = gone
        .iter()
        .filter_map(|g| match g {
            Gone::Service(env, service) => Some((env.clone(), service.clone())),
            _ => None,
        })
        .collect();
    Ok(gone
        .into_iter()
        .filter(|g| match g {
            Gone::Environment(_) => true,
            Gone::Service(env, _) => !environments.contains(env),
            Gone::Volume(env, service) => {
                !environments.contains(env) && !services.contains(&(env.clone(), service.clone()))
            }
        })
        .collect())
}

/// Forgets what [`find`] found.
pub fn forget(store: &Store, project: &str, gone: &[Gone]) -> Result<(), StateError> {
    for item in gone {
        match item {
            Gone::Environment(env) => {
                store.forget_environment(project, env)?;
            }
            Gone::Service(env, service) => {
                store.forget_service(project, env, service)?;
            }
            Gone::Volume(env, service) => {
                store.forget(&crate::state::ResourceKey {
                    project: project.to_owned(),
                    environment: Some(env.clone()),
                    kind: ResourceKind::Volume,
                    service: Some(service.clone()),
                    name: service.clone(),
                })?;
            }
        }
    }
    Ok(())
}

/// `owned` without what is gone (for a plan, which writes nothing).
pub fn exclude(owned: &mut crate::plan::Owned, gone: &[Gone]) {
    for item in gone {
        match item {
            Gone::Environment(env) => {
                owned.services.retain(|(e, _)| e != env);
                owned.unsized_volumes.retain(|(e, _)| e != env);
                owned.variables.retain(|(e, ..)| e != env);
                owned.domains.retain(|(e, ..)| e != env);
            }
            Gone::Service(env, service) => {
                let here = |e: &String, s: &str| e == env && s == service;
                owned.services.retain(|(e, s)| !here(e, s));
                owned.unsized_volumes.retain(|(e, s)| !here(e, s));
                owned
                    .variables
                    .retain(|(e, s, _)| !s.as_deref().is_some_and(|s| here(e, s)));
                owned.domains.retain(|(e, s, _)| !here(e, s));
            }
            Gone::Volume(env, service) => {
                owned
                    .unsized_volumes
                    .retain(|(e, s)| !(e == env && s == service));
            }
        }
    }
}
