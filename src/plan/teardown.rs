//! Plans of `mirage destroy`: what to remove to tear down one environment
//! or the whole project, touching nothing Mirage does not own.
//!
//! * One environment: every service instance Mirage owns there is removed
//!   (with its volume); the environment itself is deleted too when Mirage
//!   created it and nothing that is not Mirage's remains in it.
//! * The project: only when Mirage created it and owns everything in it —
//!   every environment created by Mirage, every service instance owned. The
//!   project is then scheduled for deletion (Railway keeps it for a grace
//!   period), which takes everything with it.
//!
//! Pure, like [`super::diff()`]: no IO.

use super::diff::Owned;
use super::types::{Action, EnvironmentPlan, Plan, ServicePlan, Unmanaged};
use crate::model::Project;
use crate::railway::{EnvironmentState, Snapshot};

/// What to tear down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    /// One environment, by name.
    Environment(&'a str),
    /// The whole project.
    Project,
}

/// A teardown plan with what it leaves in place and why.
#[derive(Clone, Debug)]
pub struct Teardown {
    /// The plan to apply.
    pub plan: Plan,
    /// Sentences about what is kept ("environment `staging` is kept: Mirage
    /// did not create it").
    pub kept: Vec<String>,
}

/// Why a project cannot be torn down as a whole: lines naming what is not
/// Mirage's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal(pub Vec<String>);

/// Plans the teardown of `scope`. `base` is a plan of the same project
/// (for its identity); `snapshot` is Railway's state (`None`: the project
/// does not exist, nothing to do).
pub fn teardown(
    base: &Plan,
    model: &Project,
    snapshot: Option<&Snapshot>,
    owned: &Owned,
    scope: Scope<'_>,
) -> Result<Teardown, Refusal> {
    let mut plan = Plan {
        create_project: false,
        destroy_project: false,
        environments: Vec::new(),
        templates: Vec::new(),
        unmanaged: Vec::new(),
        ..base.clone()
    };
    let mut kept = Vec::new();
    let Some(snapshot) = snapshot else {
        return Ok(Teardown { plan, kept });
    };
    match scope {
        Scope::Environment(name) => {
            if let Some(actual) = snapshot.environment(name) {
                let environment = environment_teardown(&mut plan, model, snapshot, owned, actual);
                if environment.action != Action::Destroy {
                    kept.push(if owned.created_environments.contains(name) {
                        let foreign: Vec<String> = plan
                            .unmanaged
                            .iter()
                            .map(|u| format!("`{}`", u.name))
                            .collect();
                        format!(
                            "environment `{name}` is kept: it holds services Mirage does not own ({})",
                            foreign.join(", ")
                        )
                    } else {
                        format!(
                            "environment `{name}` is kept: Mirage did not create it (only what Mirage owns in it is removed)"
                        )
                    });
                }
                plan.environments.push(environment);
            }
        }
        Scope::Project => {
            let refusal = project_refusal(snapshot, owned);
            if !refusal.is_empty() {
                return Err(Refusal(refusal));
            }
            for actual in snapshot.environments.values() {
                let environment = environment_teardown(&mut plan, model, snapshot, owned, actual);
                plan.environments.push(environment);
            }
            plan.destroy_project = true;
        }
    }
    plan.settle_deletions(snapshot);
    Ok(Teardown { plan, kept })
}

/// The removal of everything Mirage owns in one environment, and of the
/// environment itself when Mirage created it and owns all of it.
fn environment_teardown(
    plan: &mut Plan,
    model: &Project,
    snapshot: &Snapshot,
    owned: &Owned,
    actual: &EnvironmentState,
) -> EnvironmentPlan {
    let name = actual.name.as_str();
    let declared = model.environment(name);
    let mut services = Vec::new();
    let mut foreign = 0;
    for id in actual.service_ids() {
        let Some(service) = snapshot.service_name(id) else {
            continue;
        };
        if owned
            .services
            .contains(&(name.to_owned(), service.to_owned()))
        {
            let mut removal = ServicePlan::destroy(service, id, actual);
            removal.protected = declared
                .and_then(|e| e.services.iter().find(|s| s.name == service))
                .is_some_and(|s| s.is_protected());
            services.push(removal);
        } else {
            foreign += 1;
            plan.unmanaged.push(Unmanaged {
                kind: "service".into(),
                name: service.to_owned(),
                environment: Some(name.to_owned()),
                service: None,
            });
        }
    }
    let delete_environment = owned.created_environments.contains(name) && foreign == 0;
    EnvironmentPlan {
        name: name.to_owned(),
        action: if delete_environment {
            Action::Destroy
        } else {
            Action::None
        },
        id: Some(actual.id.clone()),
        renamed_from: None,
        config_etag: Some(actual.config_etag.clone()),
        unmerged_changes_count: actual.unmerged_changes_count,
        protected: declared.is_some_and(|e| e.is_protected()),
        shared: Vec::new(),
        managed_shared: Vec::new(),
        services,
    }
}

/// What stops the whole project from being deleted: it must be Mirage's,
/// and so must every environment and service instance in it.
fn project_refusal(snapshot: &Snapshot, owned: &Owned) -> Vec<String> {
    let mut out = Vec::new();
    if !owned.created_project {
        out.push(format!(
            "project `{}` was not created by Mirage (it was adopted, or Mirage's state does not record it)",
            snapshot.project_name
        ));
    }
    for (name, actual) in &snapshot.environments {
        if !owned.created_environments.contains(name) {
            out.push(format!("environment `{name}` was not created by Mirage"));
        }
        for id in actual.service_ids() {
            let service = snapshot.service_name(id).unwrap_or(id);
            if !owned.services.contains(&(name.clone(), service.to_owned())) {
                out.push(format!("service `{service}` in `{name}` is not Mirage's"));
            }
        }
    }
    out
}
