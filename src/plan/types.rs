//! The plan: what would change, grouped by environment and service.

use serde::Serialize;

use super::value::PlanValue;

/// Version of the plan's JSON format (see `docs/plan-format.md`).
pub const FORMAT_VERSION: u32 = 1;

/// What happens to a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Nothing changes.
    None,
    /// `+`: created.
    Create,
    /// `~`: updated in place.
    Update,
    /// `-`: destroyed.
    Destroy,
    /// `±`: destroyed and created again, because Railway cannot make the
    /// change in place (see `docs/plan-format.md`, "Replace").
    Replace,
}

impl Action {
    /// The marker shown before the resource.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::None => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Destroy => "-",
            Action::Replace => "±",
        }
    }
}

/// One changed attribute.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// Where, inside the service's (or, for shared variables, the
    /// environment's) config: `["deploy", "startCommand"]`. A segment
    /// `@volume` stands for the service's volume id.
    pub path: Vec<String>,
    /// The value Railway has (`None`: absent).
    pub old: Option<PlanValue>,
    /// The value wanted (`None`: removed).
    pub new: Option<PlanValue>,
    /// Whether this change is what forces the resource to be replaced.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replace: bool,
}

impl Change {
    /// The path as shown: `deploy.startCommand`.
    pub fn display_path(&self) -> String {
        self.path
            .iter()
            .map(|s| match s.as_str() {
                "@volume" => "volume",
                "@generated" => "(generated)",
                other => other,
            })
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// A service in one environment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServicePlan {
    /// The service name.
    pub name: String,
    /// What happens to it.
    pub action: Action,
    /// Railway's id, when it exists.
    pub id: Option<String>,
    /// Whether the service is created project-wide (`serviceCreate`) by
    /// this plan, not only its instance in this environment.
    pub create_service: bool,
    /// The source image or repo given at creation.
    pub source: Option<(String, String)>,
    /// Whether a volume must be created for it (`volumeCreate`).
    pub create_volume: Option<String>,
    /// The volume id, when one exists (and is kept).
    pub volume_id: Option<String>,
    /// The id of a volume to delete before its replacement is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_volume: Option<String>,
    /// Changed attributes (all of them for a create).
    pub changes: Vec<Change>,
}

/// One environment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnvironmentPlan {
    /// The name.
    pub name: String,
    /// What happens to the environment itself.
    pub action: Action,
    /// Railway's id, when it exists.
    pub id: Option<String>,
    /// `configEtag` read, to refuse a stale saved plan.
    pub config_etag: Option<String>,
    /// Changes staged by someone else: stage ours with merge instead.
    pub unmerged_changes_count: i32,
    /// Whether destruction is forbidden here.
    pub protected: bool,
    /// Shared-variable changes (paths from the environment config root).
    pub shared: Vec<Change>,
    /// Services, in the model's order, then the ones to destroy.
    pub services: Vec<ServicePlan>,
}

/// A resource on Railway that Mirage does not manage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Unmanaged {
    /// `service` or `environment`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The environment, for a service instance.
    pub environment: Option<String>,
}

/// Everything a plan would do.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// The JSON format's version.
    pub version: u32,
    /// The project name.
    pub project: String,
    /// Railway's id of the project, when it exists.
    pub project_id: Option<String>,
    /// Whether the project must be created.
    pub create_project: bool,
    /// Environments in the model's order.
    pub environments: Vec<EnvironmentPlan>,
    /// What exists on Railway and is not Mirage's.
    pub unmanaged: Vec<Unmanaged>,
}

/// Counts for the summary line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Resources created.
    pub create: usize,
    /// Resources changed.
    pub update: usize,
    /// Resources destroyed.
    pub destroy: usize,
    /// Resources destroyed and created again.
    pub replace: usize,
}

impl Summary {
    /// "3 to create, 2 to change, 0 to destroy", and ", 1 to replace"
    /// when something is.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{} to create, {} to change, {} to destroy",
            self.create, self.update, self.destroy
        );
        if self.replace > 0 {
            line.push_str(&format!(", {} to replace", self.replace));
        }
        line
    }
}

impl Plan {
    /// Counts of created, changed and destroyed resources (project,
    /// environments, service instances).
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        let mut count = |action: Action| match action {
            Action::Create => summary.create += 1,
            Action::Update => summary.update += 1,
            Action::Destroy => summary.destroy += 1,
            Action::Replace => summary.replace += 1,
            Action::None => {}
        };
        if self.create_project {
            count(Action::Create);
        }
        for environment in &self.environments {
            count(environment.action);
            if environment.action == Action::None && !environment.shared.is_empty() {
                count(Action::Update);
            }
            for service in &environment.services {
                count(service.action);
            }
        }
        summary
    }

    /// Whether applying would change anything.
    pub fn has_changes(&self) -> bool {
        self.summary() != Summary::default()
    }

    /// Whether the plan destroys anything (a replacement destroys too).
    pub fn destroys(&self) -> bool {
        let summary = self.summary();
        summary.destroy > 0 || summary.replace > 0
    }
}
