//! Creations whose outcome is unknown are never blindly sent again.
//!
//! A write whose request may have reached Railway and whose answer did not
//! say what happened — a reset or timeout after sending, a lost response, a
//! 5xx — may have been carried out. Sending it again could make a second
//! project, service or volume. Instead the apply reads back (names are
//! identity; a service instance has at most one volume) and continues from
//! what exists:
//!
//! * found: it was created by this apply; its id is used and recorded as
//!   Mirage's, like any other creation;
//! * not found: it was not carried out; it is created again (a fresh write,
//!   itself subject to the same rule);
//! * found several times: a conflict, reported with every id, never
//!   resolved by picking one.
//!
//! The read-back costs one request for a whole batch (one read of the
//! project, as a plan does; for the project itself, one listing of
//! projects), and only happens after an ambiguous failure: a normal apply
//! costs nothing more.

use crate::railway::batch::Outcome;
use crate::railway::ops::project::{ProjectCreate, ProjectCreateVariables};
use crate::railway::{Client, DuplicateKind, RailwayError, Snapshot};

use super::Progress;

/// Rounds of "create, then read back what was lost" before giving up.
const ROUNDS: usize = 3;

/// What a read-back found for one item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// Exactly one, with this id.
    One(String),
    /// None: the write was not carried out.
    Missing,
    /// Several: a conflict (their ids).
    Several(Vec<String>),
}

/// A resource that exists after a creation step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created {
    /// Railway's id.
    pub id: String,
    /// Whether it was found on a read-back after its response was lost
    /// (rather than returned by the creation).
    pub recovered: bool,
}

/// Looks an environment up by name.
pub fn environment(snapshot: &Snapshot, name: &str) -> Found {
    if let Some(duplicate) = snapshot.duplicate(DuplicateKind::Environment, name, None) {
        return Found::Several(duplicate.ids.clone());
    }
    snapshot
        .environment(name)
        .map_or(Found::Missing, |e| Found::One(e.id.clone()))
}

/// Looks a service up by name.
pub fn service(snapshot: &Snapshot, name: &str) -> Found {
    if let Some(duplicate) = snapshot.duplicate(DuplicateKind::Service, name, None) {
        return Found::Several(duplicate.ids.clone());
    }
    snapshot
        .service_id(name)
        .map_or(Found::Missing, |id| Found::One(id.to_owned()))
}

/// Looks up the volume of service `service_id` in environment
/// `environment`: a service instance has at most one volume on Railway, so
/// "does it have one" is the identity of a volume creation.
pub fn volume(snapshot: &Snapshot, environment: &str, service_id: &str) -> Found {
    let Some(state) = snapshot.environment(environment) else {
        return Found::Missing;
    };
    match state.volume_ids(service_id).as_slice() {
        [] => Found::Missing,
        [id] => Found::One((*id).to_owned()),
        ids => {
            let mut ids: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
            ids.sort();
            Found::Several(ids)
        }
    }
}

fn several(ids: &[String]) -> String {
    let ids: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
    format!(
        "the outcome of its creation was unknown, and reading it back found {} (ids {}): Mirage does not pick one; delete the extra one on Railway, then run apply again",
        ids.len(),
        ids.join(", ")
    )
}

/// Creates every item of `keys` in aliased batches, reading back after
/// each batch whose outcome is unknown (one read of the project per such
/// batch). Returns one result per key, in order: the id, or why not.
///
/// * `build` makes an item's mutation (again, for a re-creation);
/// * `id_of` takes the id from its answer;
/// * `find` looks the item up in the project read back;
/// * `label` names it for the progress notes (`service "api"`).
#[allow(clippy::too_many_arguments)]
pub async fn create_all<K, F, V>(
    client: &Client,
    project_id: &str,
    keys: &[K],
    build: impl Fn(&K) -> cynic::Operation<F, V>,
    id_of: impl Fn(F) -> String,
    find: impl Fn(&Snapshot, &K) -> Found,
    label: impl Fn(&K) -> String,
    progress: &Progress<'_>,
) -> Vec<Result<Created, String>>
where
    F: serde::de::DeserializeOwned,
    V: serde::Serialize,
{
    let mut results: Vec<Option<Result<Created, String>>> = keys.iter().map(|_| None).collect();
    let mut pending: Vec<usize> = (0..keys.len()).collect();
    for _ in 0..ROUNDS {
        if pending.is_empty() {
            break;
        }
        let operations = pending.iter().map(|&i| build(&keys[i])).collect();
        let mut unknown: Vec<(usize, String)> = Vec::new();
        match client.batch(operations).await {
            // Nothing went out (the document could not be built).
            Err(error) => {
                for &i in &pending {
                    results[i] = Some(Err(error.to_string()));
                }
            }
            Ok(items) => {
                // Items after a chunk whose outcome is unknown were not
                // sent: they are read back (and found missing) with it.
                let stopped_unknown = items
                    .iter()
                    .any(|item| matches!(item, Err(e) if e.outcome == Outcome::Unknown));
                for (&i, item) in pending.iter().zip(items) {
                    match item {
                        Ok(answer) => {
                            results[i] = Some(Ok(Created {
                                id: id_of(answer),
                                recovered: false,
                            }));
                        }
                        Err(error)
                            if error.outcome == Outcome::Unknown
                                || (error.outcome == Outcome::NotSent && stopped_unknown) =>
                        {
                            unknown.push((i, error.error.to_string()));
                        }
                        Err(error) => results[i] = Some(Err(error.error.to_string())),
                    }
                }
            }
        }
        pending.clear();
        if unknown.is_empty() {
            break;
        }
        // One read of the project for the whole batch.
        let snapshot = match client.read_project(project_id).await {
            Ok(snapshot) => snapshot,
            Err(read) => {
                for (i, error) in unknown {
                    results[i] = Some(Err(unknown_outcome(&error, &read)));
                }
                break;
            }
        };
        for (i, error) in unknown {
            let what = label(&keys[i]);
            match find(&snapshot, &keys[i]) {
                Found::One(id) => {
                    progress.note(&format!(
                        "{what}: the outcome of its creation was unknown ({error}); read back: it exists (`{id}`), continuing with it"
                    ));
                    results[i] = Some(Ok(Created {
                        id,
                        recovered: true,
                    }));
                }
                Found::Missing => {
                    progress.note(&format!(
                        "{what}: the outcome of its creation was unknown ({error}); read back: it does not exist, creating it"
                    ));
                    pending.push(i);
                }
                Found::Several(ids) => {
                    results[i] = Some(Err(several(&ids)));
                }
            }
        }
    }
    results
        .into_iter()
        .map(|result| {
            result.unwrap_or_else(|| {
                Err(format!(
                    "its creation was lost {ROUNDS} times in a row (each time read back and found missing); run apply again"
                ))
            })
        })
        .collect()
}

/// The failure of an item whose outcome is unknown and could not be read
/// back.
pub fn unknown_outcome(error: &str, read: &RailwayError) -> String {
    format!(
        "{error}; it may have happened, and reading the project back failed ({read}): run apply again to converge"
    )
}

/// Creates the project, reading back (one listing of projects) when the
/// outcome of `projectCreate` is unknown. Returns the project and the id of
/// its default environment `default_environment`, when known.
pub async fn create_project(
    client: &Client,
    name: &str,
    default_environment: Option<&str>,
    build: impl Fn() -> cynic::Operation<ProjectCreate, ProjectCreateVariables>,
    progress: &Progress<'_>,
) -> Result<(Created, Option<String>), String> {
    let what = format!("project \"{name}\"");
    for _ in 0..ROUNDS {
        let error = match client.mutate(build()).await {
            Ok(created) => {
                let project = created.project_create;
                return Ok((
                    Created {
                        id: project.id.into_inner(),
                        recovered: false,
                    },
                    project.base_environment_id,
                ));
            }
            Err(error) if error.may_have_happened() => error,
            Err(error) => return Err(error.to_string()),
        };
        let found = client
            .find_projects_by_name(name, None)
            .await
            .map_err(|read| unknown_outcome(&error.to_string(), &read))?;
        match found.as_slice() {
            [] => progress.note(&format!(
                "{what}: the outcome of its creation was unknown ({error}); read back: it does not exist, creating it"
            )),
            [project] => {
                let id = project.id.inner().to_owned();
                progress.note(&format!(
                    "{what}: the outcome of its creation was unknown ({error}); read back: it exists (`{id}`), continuing with it"
                ));
                let environment = default_environment.and_then(|wanted| {
                    project
                        .environments
                        .edges
                        .iter()
                        .find(|edge| edge.node.name == wanted)
                        .map(|edge| edge.node.id.inner().to_owned())
                });
                return Ok((
                    Created {
                        id,
                        recovered: true,
                    },
                    environment,
                ));
            }
            several_found => {
                let mut ids: Vec<String> = several_found
                    .iter()
                    .map(|p| p.id.inner().to_owned())
                    .collect();
                ids.sort();
                return Err(several(&ids));
            }
        }
    }
    Err(format!(
        "its creation was lost {ROUNDS} times in a row (each time read back and found missing); run apply again"
    ))
}
