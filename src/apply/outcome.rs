//! What an apply did, in two units: the steps it took (requests' worth of
//! work: a project, an environment, a service created project-wide, one
//! config patch per environment…), and the resources of the plan those
//! steps made real — the unit of "Plan: 19 to create, 8 to change", so that
//! the closing line can be read against the plan ("Apply complete: 19
//! created, 8 changed, 0 destroyed").

use std::fmt;

use super::{Report, Status};
use crate::plan::{Action, Plan};

/// One step of an apply: what it acted on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Creating the project.
    Project(String),
    /// Creating an environment (or, refused before writing, all of it).
    Environment(String),
    /// Creating a service, project-wide.
    Service(String),
    /// A service instance's part of its environment's patch (skipped or
    /// failed on its own).
    Instance {
        /// The service.
        service: String,
        /// The environment.
        environment: String,
    },
    /// Creating the volume of a service instance.
    Volume {
        /// The service.
        service: String,
        /// The environment.
        environment: String,
    },
    /// Removing the volume a replacement replaces.
    VolumeReplaced {
        /// The service.
        service: String,
        /// The environment.
        environment: String,
    },
    /// The config patch of an environment.
    Config(String),
    /// Removing a service instance from an environment.
    Destroy {
        /// The service.
        service: String,
        /// The environment.
        environment: String,
    },
    /// Deleting a service no environment has any more.
    DeleteService(String),
    /// Deleting a volume no environment has any more.
    DeleteVolume(String),
    /// Renaming a service (`moved`).
    RenameService {
        /// Its name before.
        from: String,
        /// Its name after.
        to: String,
    },
    /// Renaming an environment (`moved`).
    RenameEnvironment {
        /// Its name before.
        from: String,
        /// Its name after.
        to: String,
    },
    /// Deleting an environment Mirage created (`destroy --env`).
    DeleteEnvironment(String),
    /// Scheduling the project's deletion (`destroy --all`).
    DeleteProject(String),
}

impl fmt::Display for Step {
    /// How progress lines name the step: `service "api" in "production"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Project(name) => write!(f, "project \"{name}\""),
            Step::Environment(name) => write!(f, "environment \"{name}\""),
            Step::Service(name) => write!(f, "service \"{name}\""),
            Step::Instance {
                service,
                environment,
            } => write!(f, "service \"{service}\" in \"{environment}\""),
            Step::Volume {
                service,
                environment,
            } => write!(f, "volume of \"{service}\" in \"{environment}\""),
            Step::VolumeReplaced {
                service,
                environment,
            } => write!(
                f,
                "volume of \"{service}\" in \"{environment}\" (replace: destroy)"
            ),
            Step::Config(environment) => write!(f, "environment \"{environment}\" config"),
            Step::Destroy {
                service,
                environment,
            } => write!(f, "service \"{service}\" in \"{environment}\" (destroy)"),
            Step::DeleteService(name) => {
                write!(f, "service \"{name}\" (delete: in no environment any more)")
            }
            Step::DeleteVolume(name) => {
                write!(
                    f,
                    "volume of \"{name}\" (delete: in no environment any more)"
                )
            }
            Step::RenameService { from, to } => write!(f, "service \"{from}\" renamed \"{to}\""),
            Step::RenameEnvironment { from, to } => {
                write!(f, "environment \"{from}\" renamed \"{to}\"")
            }
            Step::DeleteEnvironment(name) => write!(f, "environment \"{name}\" (destroy)"),
            Step::DeleteProject(name) => write!(f, "project \"{name}\" (destroy)"),
        }
    }
}

/// How one resource of the plan ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum End {
    Done,
    Skipped,
    Failed,
}

/// The resources of a plan by how their apply ended, in the plan's units
/// (the project, environments, service instances: what
/// [`Plan::summary`] counts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Created.
    pub created: usize,
    /// Changed.
    pub changed: usize,
    /// Destroyed.
    pub destroyed: usize,
    /// Destroyed and created again.
    pub replaced: usize,
    /// Attempted and failed (or may not have happened).
    pub failed: usize,
    /// Not attempted: something they depend on failed.
    pub skipped: usize,
    /// The steps taken (`Report::steps`).
    pub steps: usize,
    /// Of those, the ones not done (failed or skipped).
    pub steps_not_done: usize,
}

impl Outcome {
    /// What became of each resource `plan` counts, from the steps of
    /// `report`: done when every step it needed that was taken is done,
    /// failed when one of them failed, not attempted when one was skipped
    /// or none was taken (an apply refused before writing takes none).
    pub fn of(plan: &Plan, report: &Report) -> Outcome {
        let status = |step: &Step| {
            report
                .steps
                .iter()
                .filter(|(s, _)| s == step)
                .map(|(_, status)| match status {
                    Status::Done => End::Done,
                    Status::Skipped(_) => End::Skipped,
                    Status::Failed(_) => End::Failed,
                })
                .max()
        };
        let worst = |steps: &[Step]| {
            steps
                .iter()
                .filter_map(status)
                .max()
                .unwrap_or(End::Skipped)
        };
        let mut outcome = Outcome {
            steps: report.steps.len(),
            steps_not_done: report
                .steps
                .iter()
                .filter(|(_, status)| *status != Status::Done)
                .count(),
            ..Outcome::default()
        };
        let mut count = |action: Action, end: End| match (end, action) {
            (_, Action::None) => {}
            (End::Failed, _) => outcome.failed += 1,
            (End::Skipped, _) => outcome.skipped += 1,
            (End::Done, Action::Create) => outcome.created += 1,
            (End::Done, Action::Update) => outcome.changed += 1,
            (End::Done, Action::Destroy) => outcome.destroyed += 1,
            (End::Done, Action::Replace) => outcome.replaced += 1,
        };
        if plan.create_project {
            count(
                Action::Create,
                worst(&[Step::Project(plan.project.clone())]),
            );
        }
        let delete_project = Step::DeleteProject(plan.project.clone());
        if plan.destroy_project {
            count(Action::Destroy, worst(std::slice::from_ref(&delete_project)));
        }
        for environment in &plan.environments {
            let env = environment.name.clone();
            let config = Step::Config(env.clone());
            let created_with_project = report
                .created
                .iter()
                .any(|(kind, name, ..)| kind == "environment" && *name == env);
            match environment.action {
                // The project's first environment comes with the project.
                Action::Create if created_with_project => count(Action::Create, End::Done),
                Action::None if !environment.shared.is_empty() => count(
                    Action::Update,
                    worst(&[Step::Environment(env.clone()), config.clone()]),
                ),
                Action::Destroy => count(
                    Action::Destroy,
                    worst(&[
                        Step::DeleteEnvironment(env.clone()),
                        delete_project.clone(),
                    ]),
                ),
                action => {
                    let mut needed = vec![Step::Environment(env.clone())];
                    if let Some(from) = &environment.renamed_from {
                        needed.push(Step::RenameEnvironment {
                            from: from.clone(),
                            to: env.clone(),
                        });
                    }
                    count(action, worst(&needed));
                }
            }
            for service in &environment.services {
                let instance = (service.name.clone(), env.clone());
                let step =
                    |make: fn(String, String) -> Step| make(instance.0.clone(), instance.1.clone());
                // A refusal before writing names the environment.
                let mut needed = vec![Step::Environment(env.clone())];
                if service.action == Action::Destroy {
                    needed.push(step(|service, environment| Step::Destroy {
                        service,
                        environment,
                    }));
                    // Deleting what no environment keeps any more can only
                    // fail the destruction; "kept: an environment has it
                    // again" does not undo it.
                    let deletes = [
                        Step::DeleteService(service.name.clone()),
                        Step::DeleteVolume(service.name.clone()),
                    ];
                    let delete_failed = deletes.iter().any(|d| status(d) == Some(End::Failed));
                    let end = if delete_failed {
                        End::Failed
                    } else {
                        worst(&needed)
                    };
                    count(service.action, end);
                    continue;
                }
                if service.create_service {
                    needed.push(Step::Service(service.name.clone()));
                }
                if let Some(from) = &service.renamed_from {
                    needed.push(Step::RenameService {
                        from: from.clone(),
                        to: service.name.clone(),
                    });
                }
                needed.push(step(|service, environment| Step::VolumeReplaced {
                    service,
                    environment,
                }));
                needed.push(step(|service, environment| Step::Volume {
                    service,
                    environment,
                }));
                needed.push(step(|service, environment| Step::Instance {
                    service,
                    environment,
                }));
                if !service.changes.is_empty() {
                    needed.push(config.clone());
                }
                count(service.action, worst(&needed));
            }
        }
        outcome
    }

    /// Whether any resource failed or was not attempted.
    pub fn incomplete(&self) -> bool {
        self.failed > 0 || self.skipped > 0
    }

    /// `19 created, 8 changed, 0 destroyed` (`, 1 replaced` when the plan
    /// replaces), then `; 2 failed, 1 not attempted` when some did not
    /// happen, and `(12 requests)` when `requests` is known.
    pub fn line(&self, requests: Option<u64>) -> String {
        let mut line = format!(
            "{} created, {} changed, {} destroyed",
            self.created, self.changed, self.destroyed
        );
        if self.replaced > 0 {
            line.push_str(&format!(", {} replaced", self.replaced));
        }
        if self.incomplete() {
            line.push_str(&format!(
                "; {} failed, {} not attempted",
                self.failed, self.skipped
            ));
        } else if self.steps_not_done > 0 {
            // Every resource is as planned, but a clean-up step was not
            // done (a service kept because an environment has it again).
            let s = if self.steps_not_done == 1 { "" } else { "s" };
            line.push_str(&format!("; {} step{s} not done", self.steps_not_done));
        }
        if let Some(requests) = requests {
            let s = if requests == 1 { "" } else { "s" };
            line.push_str(&format!(" ({requests} request{s})"));
        }
        line
    }
}
