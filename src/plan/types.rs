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
    /// A variable written sealed (`isSealed`): Railway never returns its
    /// value again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sealed: bool,
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
    /// The service's name on Railway when a `moved` renames it to `name`
    /// (project-wide, `serviceUpdate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// The source image or repo given at creation.
    pub source: Option<(String, String)>,
    /// Whether a volume must be created for it (`volumeCreate`).
    pub create_volume: Option<String>,
    /// The volume id, when one exists (and is kept).
    pub volume_id: Option<String>,
    /// The id of a volume to delete before its replacement is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_volume: Option<String>,
    /// Whether the volume being removed (destroyed with the service, or
    /// replaced) has no instance in any other environment, so the volume
    /// itself may be deleted. When false only its instance in this
    /// environment is removed (an environment patch): `volumeDelete` acts
    /// on every environment.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete_volume: bool,
    /// For a destroy: whether no other environment keeps the service, so
    /// that once its instances are removed the service itself is deleted.
    /// The instance in this environment is always removed with an
    /// environment patch (`services.<id>.isDeleted`), never with
    /// `serviceDelete`, which on a non-fork environment acts on all of them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete_service: bool,
    /// Whether the files protect this instance (`protect #true`): it is
    /// never destroyed or replaced.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protected: bool,
    /// Changed attributes (all of them for a create).
    pub changes: Vec<Change>,
    /// Who manages the instance Railway has: `declared` when the files
    /// declare it and the state database does not own it yet (`mirage
    /// import` adopts it); absent when it is Mirage's or to be created.
    #[serde(skip_serializing_if = "Management::is_managed")]
    pub management: Management,
    /// The variables and custom domains the files declare for this
    /// instance: Mirage manages them, and records them as its own when it
    /// applies, so that removing one from the files later removes it on
    /// Railway. (Not part of the plan's JSON.)
    #[serde(skip)]
    pub managed: Managed,
}

/// Names of the variables and custom domains the files declare for one
/// service instance (or, for shared variables, one environment).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Managed {
    /// Variable names.
    pub variables: Vec<String>,
    /// Custom domain host names.
    pub domains: Vec<String>,
}

impl ServicePlan {
    /// The removal of the instance of service `name` (Railway id `id`) from
    /// `environment`, with the volume mounted there, if any. Whether the
    /// service and volume objects may be deleted too is decided for the
    /// whole plan by [`Plan::settle_deletions`].
    pub fn destroy(name: &str, id: &str, environment: &crate::railway::EnvironmentState) -> Self {
        let volume_id = environment
            .service_config(id)
            .and_then(|config| config.get("volumeMounts"))
            .and_then(serde_json::Value::as_object)
            .and_then(|mounts| mounts.keys().next().cloned());
        ServicePlan {
            name: name.to_owned(),
            action: Action::Destroy,
            id: Some(id.to_owned()),
            create_service: false,
            renamed_from: None,
            source: None,
            create_volume: None,
            volume_id,
            replace_volume: None,
            delete_volume: false,
            delete_service: false,
            protected: false,
            changes: Vec::new(),
            management: Management::Managed,
            managed: Managed::default(),
        }
    }
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
    /// The environment's name on Railway when a `moved` renames it to
    /// `name` (`environmentRename`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// `configEtag` read, to refuse a stale saved plan.
    pub config_etag: Option<String>,
    /// Changes staged by someone else: stage ours with merge instead.
    pub unmerged_changes_count: i32,
    /// Whether destruction is forbidden here.
    pub protected: bool,
    /// Shared-variable changes (paths from the environment config root).
    pub shared: Vec<Change>,
    /// The shared variables the files declare (see [`ServicePlan::managed`]).
    #[serde(skip)]
    pub managed_shared: Vec<String>,
    /// Services, in the model's order, then the ones to destroy.
    pub services: Vec<ServicePlan>,
}

/// A resource on Railway that Mirage does not manage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Unmanaged {
    /// `service`, `environment`, `variable` or `domain`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The environment, for a service instance, a variable or a domain.
    pub environment: Option<String>,
    /// The service a variable or domain belongs to (absent for a shared
    /// variable, a service or an environment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

/// A template for previews (an `ephemeral=#true` environment): listed by
/// every plan of the project, never applied. `mirage preview up` makes its
/// previews.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TemplatePlan {
    /// The template's name.
    pub name: String,
    /// The name of each preview (`pr-{number}`).
    pub name_pattern: String,
    /// How long a preview lives, in seconds (`ttl=`).
    pub ttl_seconds: Option<u64>,
    /// How many previews may be live at once (`max-live=`).
    pub max_live: Option<u32>,
    /// The environment previews are copied from (`source=`); `None`:
    /// built from the files alone.
    pub source: Option<String>,
    /// The services each preview gets.
    pub services: Vec<String>,
    /// Whether draft pull requests get a preview.
    pub drafts: bool,
    /// Environments on Railway with a name the pattern gives: its
    /// previews, left to `mirage preview`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previews: Vec<String>,
    /// An environment on Railway named as the template itself (an earlier
    /// apply made it when the template was an ordinary environment): never
    /// updated nor destroyed by a plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing: Option<ExistingEnvironment>,
}

/// An environment on Railway named as a template.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExistingEnvironment {
    /// Railway's id.
    pub id: String,
    /// Whether Mirage's state records that Mirage created it.
    pub created_by_mirage: bool,
    /// The service instances in it that Mirage's state records as its own.
    pub owned_services: Vec<String>,
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
    /// Whether the whole project is deleted (`mirage destroy --all`):
    /// Railway schedules it for deletion, with everything in it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub destroy_project: bool,
    /// Environments in the model's order (templates excepted).
    pub environments: Vec<EnvironmentPlan>,
    /// Templates for previews, in the model's order: listed, never applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<TemplatePlan>,
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
        if self.destroy_project {
            count(Action::Destroy);
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

    /// Whether the plan destroys anything (a replacement destroys too, and
    /// so does removing a variable or custom domain Mirage owns).
    pub fn destroys(&self) -> bool {
        let summary = self.summary();
        summary.destroy > 0 || summary.replace > 0 || !self.removals().is_empty()
    }

    /// What the plan removes without destroying a resource: variables and
    /// custom domains, as `(environment, service or None for shared,
    /// path)`.
    pub fn removals(&self) -> Vec<(&str, Option<&str>, String)> {
        let mut out = Vec::new();
        for environment in &self.environments {
            for change in &environment.shared {
                if change.new.is_none() {
                    out.push((environment.name.as_str(), None, change.display_path()));
                }
            }
            for service in &environment.services {
                if service.action == Action::Destroy {
                    continue;
                }
                for change in &service.changes {
                    if change.new.is_none() && change.old.is_some() {
                        out.push((
                            environment.name.as_str(),
                            Some(service.name.as_str()),
                            change.display_path(),
                        ));
                    }
                }
            }
        }
        out
    }

    /// Why this plan must not be applied because it destroys something
    /// protected: one line per refusal, empty when it may go ahead. The
    /// one place the protect rule is written (apply and destroy both ask).
    pub fn protection_violations(&self) -> Vec<String> {
        let mut out = Vec::new();
        for environment in &self.environments {
            if environment.action == Action::Destroy && environment.protected {
                out.push(format!(
                    "environment `{}` is protected: refusing to delete it",
                    environment.name
                ));
            }
            for service in &environment.services {
                let verb = match service.action {
                    Action::Destroy => "destroy",
                    Action::Replace => "replace",
                    _ => continue,
                };
                if environment.protected {
                    out.push(format!(
                        "environment `{}` is protected: refusing to {verb} service `{}`",
                        environment.name, service.name
                    ));
                } else if service.protected {
                    out.push(format!(
                        "service `{}` is protected in `{}`: refusing to {verb} it",
                        service.name, environment.name
                    ));
                }
            }
        }
        for (environment, service, path) in self.removals() {
            let Some(plan) = self.environments.iter().find(|e| e.name == environment) else {
                continue;
            };
            let of = service
                .map(|s| format!(" of service `{s}`"))
                .unwrap_or_default();
            if plan.protected {
                out.push(format!(
                    "environment `{environment}` is protected: refusing to remove `{path}`{of}"
                ));
            } else if let Some(name) = service
                && plan.services.iter().any(|s| s.name == name && s.protected)
            {
                out.push(format!(
                    "service `{name}` is protected in `{environment}`: refusing to remove `{path}`"
                ));
            }
        }
        out
    }

    /// Decides, for the whole plan, which removed services and volumes may
    /// be deleted as objects: only those that no environment on Railway
    /// keeps once the plan is applied. `snapshot` is what the plan read.
    pub fn settle_deletions(&mut self, snapshot: &crate::railway::Snapshot) {
        use std::collections::BTreeSet;
        // (environment, service id) instances this plan removes.
        let mut removed: BTreeSet<(String, String)> = BTreeSet::new();
        let mut removed_volumes: BTreeSet<(String, String)> = BTreeSet::new();
        for environment in &self.environments {
            for service in &environment.services {
                if service.action == Action::Destroy
                    && let Some(id) = &service.id
                {
                    removed.insert((environment.name.clone(), id.clone()));
                    if let Some(volume) = &service.volume_id {
                        removed_volumes.insert((environment.name.clone(), volume.clone()));
                    }
                }
                if let Some(volume) = &service.replace_volume {
                    removed_volumes.insert((environment.name.clone(), volume.clone()));
                }
            }
        }
        let kept_elsewhere = |kind: &str, id: &str, removed: &BTreeSet<(String, String)>| {
            snapshot.environments.iter().any(|(name, state)| {
                let present = state
                    .config
                    .get(kind)
                    .and_then(|entries| entries.get(id))
                    .is_some_and(|entry| {
                        entry.get("isDeleted").and_then(serde_json::Value::as_bool) != Some(true)
                    });
                present && !removed.contains(&(name.clone(), id.to_owned()))
            })
        };
        for environment in &mut self.environments {
            for service in &mut environment.services {
                if service.action == Action::Destroy {
                    service.delete_service = service
                        .id
                        .as_deref()
                        .is_some_and(|id| !kept_elsewhere("services", id, &removed));
                    service.delete_volume = service
                        .volume_id
                        .as_deref()
                        .is_some_and(|id| !kept_elsewhere("volumes", id, &removed_volumes));
                } else if let Some(volume) = &service.replace_volume {
                    service.delete_volume = !kept_elsewhere("volumes", volume, &removed_volumes);
                }
            }
        }
    }
}

/// Who manages a service instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Management {
    /// The files declare it and the state database records it as Mirage's.
    Managed,
    /// The files declare it, the state database does not own it yet (not
    /// applied, or there before Mirage and not imported).
    Declared,
    /// Railway has it, the files do not declare it: Mirage leaves it alone.
    Unmanaged,
}

impl Management {
    /// The one rule every command shows (plan, status, `state list`,
    /// `ls`, the dashboard): a resource Railway has is Mirage's when the
    /// files declare it and the state database owns it; declared and not
    /// owned, `mirage import` adopts it; not declared, it is left alone.
    pub fn of(declared: bool, owned: bool) -> Management {
        match (declared, owned) {
            (true, true) => Management::Managed,
            (true, false) => Management::Declared,
            (false, _) => Management::Unmanaged,
        }
    }

    /// The mark printed beside a resource that is not Mirage's:
    /// `[declared, not owned]`, `[unmanaged]`; none when managed.
    pub fn mark(self) -> Option<&'static str> {
        match self {
            Management::Managed => None,
            Management::Declared => Some("[declared, not owned]"),
            Management::Unmanaged => Some("[unmanaged]"),
        }
    }

    /// Whether Mirage manages it (for `skip_serializing_if`).
    pub fn is_managed(&self) -> bool {
        *self == Management::Managed
    }
}
