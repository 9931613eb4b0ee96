//! The first half of every operation: resolve the project, check what the
//! request names, read the secrets, take the locks, connect, read Railway
//! and diff. What it leaves is a [`Session`] the second half (apply,
//! destroy, import) works on.

use std::path::Path;
use std::time::Duration;

use super::connect::{Connection, connect};
use super::context::Context;
use super::failure::diagnostic_of;
use super::{Event, Failure, select};
use crate::apply;
use crate::diagnostic::{Diagnostic, SourceFiles};
use crate::plan::{self, Filter, Owned, Plan};
use crate::railway::Snapshot;
use crate::resolve;
use crate::state;

/// What a request selects: every environment and service instance, or
/// only some.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Only these environments (none: all).
    pub environments: Vec<String>,
    /// Only these service instances, as `ENV/SERVICE` (none: all).
    pub targets: Vec<String>,
}

/// Whether the selected environments are locked before Railway is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// No lock: a plan that writes nothing.
    None,
    /// Lock every selected environment, waiting up to `wait` for a lock
    /// another run holds (`None`: fail at once).
    Take {
        /// How long to wait.
        wait: Option<Duration>,
    },
}

/// Whether every secret the plan uses is read before Railway is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Secrets {
    /// Read them all; one that cannot be read stops the operation.
    Read,
    /// Do not read them (a destroy, a preview of the plan).
    Skip,
    /// Read those that can be read, skip the others (an import compares
    /// values where it can).
    BestEffort,
}

/// A planned project, with what the rest of the operation needs.
#[derive(Debug)]
pub struct Session {
    /// The client (and local emulator).
    pub connection: Connection,
    /// The plan.
    pub plan: Plan,
    /// The state database.
    pub store: state::Store,
    /// The resolved model.
    pub model: crate::model::Project,
    /// The project's files (for located diagnostics).
    pub files: SourceFiles,
    /// Railway's state (`None`: the project does not exist).
    pub snapshot: Option<Snapshot>,
    /// What Mirage owns in the project (records of what Railway no longer
    /// has left out).
    pub owned: Owned,
    /// Locks held on the planned environments, taken before Railway was
    /// read so the plan cannot go stale under another apply.
    pub locks: Vec<state::LockGuard>,
    /// Every secret the plan uses, read before Railway was (empty with
    /// [`Secrets::Skip`]).
    pub secrets: plan::secrets::Resolved,
    /// The project's digest key and the digests of its sealed variables:
    /// what the plan compared secret values with, and what an apply
    /// records the digests of the sealed values it writes with.
    pub digests: plan::Digests,
}

impl Session {
    /// Releases the locks (dropping the session does too, silently).
    pub fn release(&mut self) -> Result<(), Failure> {
        let mut first = None;
        for guard in self.locks.drain(..) {
            if let Err(error) = guard.release()
                && first.is_none()
            {
                first = Some(Failure::state(&error));
            }
        }
        first.map_or(Ok(()), Err)
    }
}

/// Opens the state database of the project in `dir`.
pub fn open_store(context: &Context, dir: &Path) -> Result<state::Store, Failure> {
    state::Store::connect(&context.state_location(dir))
        .map(|store| {
            store
                .with_clock(context.clock.clone())
                .with_lease(context.lock_lease)
        })
        .map_err(|error| Failure::state(&error))
}

/// When Mirage owns nothing in some of `environments` (all of the
/// project's when empty) of a project that exists on Railway: a sentence
/// saying so, naming the state database, for plan and destroy to print
/// instead of "no changes". A fresh checkout without the shared state
/// reads as "everything matches" otherwise, and removes nothing.
pub fn owns_nothing(session: &Session, environments: &[String]) -> Option<String> {
    let snapshot = session.snapshot.as_ref()?;
    let owned = session
        .store
        .list_owned(&state::OwnedFilter {
            project: Some(session.plan.project.clone()),
            ..state::OwnedFilter::default()
        })
        .ok()?;
    let wanted: Vec<String> = if environments.is_empty() {
        session
            .model
            .environments
            .iter()
            .map(|e| e.name.clone())
            .filter(|name| snapshot.environments.contains_key(name))
            .collect()
    } else {
        environments
            .iter()
            .filter(|name| snapshot.environments.contains_key(*name))
            .cloned()
            .collect()
    };
    let empty: Vec<&String> = wanted
        .iter()
        .filter(|env| {
            !owned.iter().any(|r| {
                r.key.environment.as_ref() == Some(*env)
                    || (r.key.kind == state::ResourceKind::Environment && &r.key.name == *env)
            })
        })
        .collect();
    if empty.is_empty() {
        return None;
    }
    let place = empty
        .iter()
        .map(|e| format!("`{e}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "Mirage owns nothing in {place} in this state (`{}`); if the project was applied from elsewhere, point MIRAGE_STATE at the shared state or run `mirage import --all`.",
        session.store.location()
    ))
}

/// The services Mirage owns in `project`, by environment, and the volumes
/// an unfinished apply created (owned, still without a Railway id).
pub fn owned(store: &state::Store, project: &str) -> Result<Owned, Failure> {
    let filter = state::OwnedFilter {
        project: Some(project.to_owned()),
        ..state::OwnedFilter::default()
    };
    let resources = store
        .list_owned(&filter)
        .map_err(|error| Failure::state(&error))?;
    let mut owned = Owned::default();
    for r in resources {
        match (r.key.kind, r.key.environment) {
            (state::ResourceKind::Service, Some(env)) => {
                owned.services.insert((env, r.key.name));
            }
            (state::ResourceKind::Volume, Some(env)) if r.railway_id.is_none() => {
                owned.unsized_volumes.insert((env, r.key.name));
            }
            (state::ResourceKind::Environment, None) if r.origin == state::Origin::Created => {
                owned.created_environments.insert(r.key.name);
            }
            (state::ResourceKind::Project, None) if r.origin == state::Origin::Created => {
                owned.created_project = true;
            }
            (state::ResourceKind::Variable, Some(env)) => {
                owned.variables.insert((env, r.key.service, r.key.name));
            }
            (state::ResourceKind::Domain, Some(env)) => {
                if let Some(service) = r.key.service {
                    owned.domains.insert((env, service, r.key.name));
                }
            }
            _ => {}
        }
    }
    Ok(owned)
}

/// Plans the project in `dir` for `selection`: reads secrets, writes
/// nothing and takes no lock.
pub async fn plan(context: &Context, dir: &Path, selection: &Selection) -> Result<Plan, Failure> {
    prepare(context, dir, selection, Lock::None, Secrets::Read)
        .await
        .map(|session| session.plan)
}

/// A resolved project without errors: what [`prepare_loaded`] plans.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The resolved model.
    pub project: crate::model::Project,
    /// The project's files (for located diagnostics).
    pub files: SourceFiles,
    /// The project's name.
    pub name: String,
}

/// Resolves the project in `dir`: the model, refused when the files have
/// errors or name no project.
pub fn load(dir: &Path) -> Result<Loaded, Failure> {
    select::directory(dir)?;
    let analysis = resolve::load_dir(dir);
    if analysis.has_errors() {
        return Err(Failure::located(
            &analysis.files,
            analysis.diagnostics,
            Some(Diagnostic::general(
                "mirage::engine::project_has_errors",
                "the project has errors; fix them before planning",
            )),
        ));
    }
    let Some(name) = analysis.project.name.as_ref().map(|n| n.value.clone()) else {
        return Err(Failure::error(
            "mirage::engine::no_project_name",
            "the project has no name",
            Some("add `project \"name\"` to a `.mirage` file"),
        ));
    };
    Ok(Loaded {
        project: analysis.project,
        files: analysis.files,
        name,
    })
}

/// Resolves the project in `dir`, checks what `selection` names, reads
/// the secrets (with [`Secrets::Read`]), locks the selected environments
/// (with [`Lock::Take`]), reads Railway and diffs.
///
/// With a lock, records of what Railway no longer has (removed by hand, or
/// by a run that was stopped) are forgotten; without, only ignored.
pub async fn prepare(
    context: &Context,
    dir: &Path,
    selection: &Selection,
    lock: Lock,
    secrets: Secrets,
) -> Result<Session, Failure> {
    let loaded = load(dir)?;
    prepare_loaded(context, dir, loaded, selection, lock, secrets).await
}

/// [`prepare`] of a project already resolved — and possibly reshaped: the
/// preview lifecycle plans the project as one pull request's preview sees
/// it ([`crate::model::Project::preview`]), whose only environment is the
/// preview, so only that environment is locked, read for changes and
/// written.
pub async fn prepare_loaded(
    context: &Context,
    dir: &Path,
    loaded: Loaded,
    selection: &Selection,
    lock: Lock,
    secrets: Secrets,
) -> Result<Session, Failure> {
    let Loaded {
        project,
        files,
        name,
    } = loaded;
    let analysis = Analysis { project, files };
    select::environments(&analysis.project, &selection.environments)?;
    // Connected first: a project token narrows the selection to its
    // environment before secrets, locks and the read.
    let connection = connect(context, dir).await?;
    let selection = &connection.scoped(&analysis.project, &name, selection)?;
    let store = open_store(context, dir)?;
    // A target may name a service the files no longer declare but Mirage
    // still owns: removing it alone is what a target is for.
    let recorded = owned(&store, &name)?;
    let filter = Filter {
        environments: selection.environments.clone(),
        targets: select::targets(&analysis.project, &selection.targets, &recorded.services)?,
    };
    let place = crate::secrets::Place {
        dir: dir.to_path_buf(),
        project: name.clone(),
        settings: analysis.project.secrets.clone(),
        store: Some(store.clone()),
    };
    let secrets = match secrets {
        Secrets::Skip => plan::secrets::Resolved::default(),
        Secrets::BestEffort => {
            plan::secrets::read_every(&analysis.project, context.secrets.as_ref(), &place).await
        }
        Secrets::Read => {
            plan::secrets::resolve(&analysis.project, &filter, context.secrets.as_ref(), &place)
                .await
                .map_err(
                |diagnostics| {
                    Failure::located(
                        &analysis.files,
                        diagnostics,
                        Some(Diagnostic::general(
                            "mirage::plan::secrets_missing",
                            "cannot plan without every secret it uses; nothing was read from Railway or written",
                        )),
                    )
                },
            )?
        }
    };
    let locks = match lock {
        Lock::None => Vec::new(),
        Lock::Take { wait } => {
            take_locks(context, &store, &analysis.project, &name, &filter, wait)?
        }
    };
    let known_id = known_project_id(&store, &name);
    let snapshot = match read(&connection, &name, known_id.as_deref()).await {
        Ok(snapshot) => snapshot,
        Err(ReadError::Failed(failure)) => return Err(failure),
        Err(ReadError::DuplicateProjects(ids)) => {
            let conflict = plan::conflicts::duplicate_projects(&analysis.project, &name, ids);
            return Err(conflicts_failure(&analysis.files, &[conflict]));
        }
    };
    // Several resources of one name on Railway: refuse rather than pick.
    if let Some(snapshot) = &snapshot {
        let conflicts = plan::conflicts::conflicts(&analysis.project, snapshot, &filter);
        if !conflicts.is_empty() {
            return Err(conflicts_failure(&analysis.files, &conflicts));
        }
        let blocked = plan::conflicts::blocked_moves(&analysis.project, snapshot);
        if !blocked.is_empty() {
            return Err(Failure::located(&analysis.files, blocked, None));
        }
    }
    // Records of what Railway no longer has: forgotten by the operations
    // that write (they hold the locks), ignored by a plan.
    let gone = match &snapshot {
        Some(snapshot) => apply::gone::find(&store, &name, snapshot).unwrap_or_else(|error| {
            context.events.emit(Event::Problem(diagnostic_of(
                &error,
                "mirage::state::database",
            )));
            Vec::new()
        }),
        None => Vec::new(),
    };
    // Only in the environments this run holds: another run may be
    // creating what this run's read of Railway came too early to see.
    let forgettable: Vec<apply::gone::Gone> = gone
        .iter()
        .filter(|item| {
            let environment = match item {
                apply::gone::Gone::Environment(env)
                | apply::gone::Gone::Service(env, _)
                | apply::gone::Gone::Volume(env, _) => env,
            };
            locks
                .iter()
                .any(|guard| &guard.info().environment == environment)
        })
        .cloned()
        .collect();
    if !forgettable.is_empty() {
        match apply::gone::forget(&store, &name, &forgettable) {
            Ok(()) => {
                for item in &forgettable {
                    context.events.emit(Event::Forgotten(item.to_string()));
                }
            }
            Err(error) => context.events.emit(Event::Problem(diagnostic_of(
                &error,
                "mirage::state::database",
            ))),
        }
    }
    let mut owned = owned(&store, &name)?;
    apply::gone::exclude(&mut owned, &gone);
    let sealed_anywhere = snapshot.as_ref().is_some_and(has_sealed)
        || analysis.project.environments.iter().any(|e| {
            !e.sealed_shared.is_empty() || e.services.iter().any(|s| !s.sealed.is_empty())
        });
    let digests = digests(context, &store, &name, &secrets, sealed_anywhere);
    let mut plan = plan::diff::diff_with(
        &analysis.project,
        snapshot.as_ref(),
        &owned,
        &filter,
        &|secret| secrets.get(secret),
        &digests,
    );
    if let Some(snapshot) = &snapshot {
        for warning in sealed_elsewhere(&analysis.project, snapshot, &filter) {
            context.events.emit(Event::Problem(warning));
        }
    }
    leave_out_previews(context, &store, &mut plan);
    Ok(Session {
        connection,
        plan,
        store,
        model: analysis.project,
        files: analysis.files,
        snapshot,
        owned,
        locks,
        secrets,
        digests,
    })
}

/// Whether any variable of `snapshot` is sealed on Railway.
fn has_sealed(snapshot: &Snapshot) -> bool {
    let sealed = |vars: Option<&serde_json::Value>| {
        vars.and_then(serde_json::Value::as_object)
            .is_some_and(|m| m.values().any(|v| v.get("isSealed") == Some(&true.into())))
    };
    snapshot.environments.values().any(|env| {
        sealed(env.config.get("sharedVariables"))
            || env
                .config
                .get("services")
                .and_then(serde_json::Value::as_object)
                .is_some_and(|services| services.values().any(|s| sealed(s.get("variables"))))
    })
}

/// Stable code of a variable sealed on Railway that the files do not seal.
pub const SEALED_ON_RAILWAY: &str = "mirage::plan::sealed_on_railway";

/// The project's digest key (created on first use) and the digests of its
/// sealed variables, read only when the plan has secrets or sealed
/// variables to compare: a plan without either never writes to the state
/// database. A database that cannot give them is a warning, and the plan
/// compares under a key of this run only (every sealed variable is then
/// written again).
fn digests(
    context: &Context,
    store: &state::Store,
    project: &str,
    secrets: &plan::secrets::Resolved,
    sealed_anywhere: bool,
) -> plan::Digests {
    if secrets.is_empty() && !sealed_anywhere {
        return plan::Digests::ephemeral();
    }
    let read = store.digest_key(project).and_then(|key| {
        Ok(plan::Digests {
            key,
            recorded: store.secret_digests(project)?,
            stored: true,
        })
    });
    read.unwrap_or_else(|error| {
        context.events.emit(Event::Problem(diagnostic_of(
            &error,
            "mirage::state::database",
        )));
        plan::Digests::ephemeral()
    })
}

/// Warnings for variables sealed on Railway that the files declare
/// without `sealed=#true`: Railway cannot unseal them, so they stay sealed
/// (the plan compares them with what Mirage last wrote).
fn sealed_elsewhere(
    project: &crate::model::Project,
    snapshot: &Snapshot,
    filter: &Filter,
) -> Vec<Diagnostic> {
    let sealed_on = |vars: Option<&serde_json::Value>, name: &str| {
        vars.and_then(|v| v.get(name))
            .and_then(|v| v.get("isSealed"))
            .and_then(serde_json::Value::as_bool)
            == Some(true)
    };
    let warn = |environment: &str, service: Option<&str>, name: &str| {
        let at = match service {
            Some(service) => format!("variable `{name}` of `{service}` in `{environment}`"),
            None => format!("shared variable `{name}` in `{environment}`"),
        };
        Diagnostic::general(
            SEALED_ON_RAILWAY,
            format!("{at} is sealed on Railway but not in the files; Railway cannot unseal it, so it stays sealed"),
        )
        .as_warning()
        .with_help(format!("add `sealed=#true` to `{name}` in the files"))
    };
    let mut out = Vec::new();
    for environment in &project.environments {
        if environment.is_template() || !filter.environment(&environment.name) {
            continue;
        }
        let Some(actual) = snapshot.environment(&environment.name) else {
            continue;
        };
        if filter.targets.is_empty() {
            for name in environment.shared_variables.keys() {
                if !environment.sealed_shared.contains(name)
                    && sealed_on(actual.config.get("sharedVariables"), name)
                {
                    out.push(warn(&environment.name, None, name));
                }
            }
        }
        for instance in &environment.services {
            if !filter.service(&environment.name, &instance.name) {
                continue;
            }
            let Some(config) = snapshot
                .service_id(&instance.name)
                .and_then(|id| actual.service_config(id))
            else {
                continue;
            };
            for name in instance.variables.keys() {
                if !instance.sealed.contains(name) && sealed_on(config.get("variables"), name) {
                    out.push(warn(&environment.name, Some(&instance.name), name));
                }
            }
        }
    }
    out
}

/// The live previews of the project are the preview lifecycle's, not
/// unmanaged environments: they are left out of the plan's unmanaged list
/// (`mirage preview list` shows them).
fn leave_out_previews(context: &Context, store: &state::Store, plan: &mut Plan) {
    let previews = match store.previews(Some(&plan.project)) {
        Ok(previews) => previews,
        Err(error) => {
            context.events.emit(Event::Problem(diagnostic_of(
                &error,
                "mirage::state::database",
            )));
            return;
        }
    };
    plan.unmanaged.retain(|item| {
        item.kind != "environment" || !previews.iter().any(|p| p.environment == item.name)
    });
}

/// The parts of a resolved project [`prepare_loaded`] works with.
struct Analysis {
    project: crate::model::Project,
    files: SourceFiles,
}

/// Locks every selected environment, in one order for every process so
/// two applies cannot deadlock.
fn take_locks(
    context: &Context,
    store: &state::Store,
    project: &crate::model::Project,
    name: &str,
    filter: &Filter,
    wait: Option<Duration>,
) -> Result<Vec<state::LockGuard>, Failure> {
    // A template is never applied: nothing of it to lock (a preview
    // locks its own name).
    let mut names: Vec<&str> = project
        .environments
        .iter()
        .filter(|e| !e.is_template())
        .map(|e| e.name.as_str())
        .filter(|e| {
            (filter.environments.is_empty() || filter.environments.iter().any(|f| f == e))
                && (filter.targets.is_empty() || filter.targets.iter().any(|(t, _)| t == e))
        })
        .collect();
    names.sort_unstable();
    let mut locks = Vec::new();
    for environment in names {
        let guard = store
            .acquire(name, environment, &context.actor, wait)
            .map_err(|error| Failure::of(&error, "mirage::state::locked"))?;
        if let Some(stale) = guard.took_over() {
            context.events.emit(Event::LockTakenOver {
                lease_expired: stale.expired,
                environment: stale.environment.clone(),
                holder: stale.holder.to_string(),
                pid: stale.holder.pid,
            });
        }
        locks.push(guard);
    }
    Ok(locks)
}

/// The Railway id of the project recorded when Mirage created it: lets a
/// plan cost one request instead of listing projects first.
fn known_project_id(store: &state::Store, project: &str) -> Option<String> {
    let key = state::ResourceKey {
        project: project.to_owned(),
        environment: None,
        kind: state::ResourceKind::Project,
        service: None,
        name: project.to_owned(),
    };
    store.owned(&key).ok().flatten().and_then(|r| r.railway_id)
}

/// Duplicates found on Railway: located at their declaration when the
/// files declare the name, general otherwise.
fn conflicts_failure(files: &SourceFiles, conflicts: &[plan::conflicts::Conflict]) -> Failure {
    let mut diagnostics: Vec<Diagnostic> = conflicts
        .iter()
        .filter_map(plan::conflicts::Conflict::diagnostic)
        .collect();
    for conflict in conflicts.iter().filter(|c| c.declared.is_none()) {
        diagnostics.push(
            Diagnostic::general(plan::conflicts::CODE, conflict.duplicate.describe())
                .with_help(conflict.help()),
        );
    }
    Failure::located(files, diagnostics, None)
}

/// Why the project could not be read.
enum ReadError {
    /// Railway could not be read.
    Failed(Failure),
    /// Several live projects carry the name: their ids.
    DuplicateProjects(Vec<String>),
}

/// Finds the project by name (names are identity) and reads it whole: one
/// request when its id is known and it still carries that name, otherwise
/// the project list first.
async fn read(
    connection: &Connection,
    name: &str,
    known_id: Option<&str>,
) -> Result<Option<Snapshot>, ReadError> {
    let client = &connection.client;
    if let Some(id) = known_id
        && let Ok(snapshot) = client.read_project(id).await
        && snapshot.project_name == name
    {
        return Ok(Some(snapshot));
    }
    let railway = |message: String| {
        ReadError::Failed(Failure::error(
            "mirage::railway::read_failed",
            message,
            None,
        ))
    };
    let found = client
        .find_projects_by_name(name, None)
        .await
        .map_err(|e| railway(format!("cannot list projects: {e}")))?;
    match found.as_slice() {
        [] => Ok(None),
        [project] => client
            .read_project(project.id.inner())
            .await
            .map(Some)
            .map_err(|e| railway(format!("cannot read project `{name}`: {e}"))),
        _ => {
            let mut ids: Vec<String> = found.iter().map(|p| p.id.inner().to_owned()).collect();
            ids.sort();
            Err(ReadError::DuplicateProjects(ids))
        }
    }
}
