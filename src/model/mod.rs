//! Plain data for the desired state of a Railway project, every value with
//! its provenance. Produced by [`resolve`](crate::resolve), read by `config`,
//! `graph` and (later) `plan::diff`, which compares it with Railway's
//! `EnvironmentConfig` JSON.
//!
//! Field names follow `EnvironmentConfig` where a setting maps to a Railway
//! key (`num_replicas` ↔ `deploy.numReplicas`); Mirage-only concepts (layers,
//! templates, TTL, protect) are named as in the language.

mod instance;
mod origin;
mod preview;
mod secrets;
mod service;
mod variable;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use origin::{Level, Origin, Step, Valued};
pub use preview::{
    DEFAULT_NAME_PATTERN, NAME_PLACEHOLDERS, PatternProblem, PreviewSettings, PullRequest,
    VARIABLE_PLACEHOLDERS, check_name_pattern, expand_variable_text,
};
pub use secrets::{CommandSettings, DEFAULT_COMMAND_TIMEOUT, SecretSettings, VaultSettings};
pub use service::{
    Build, CustomDomain, Dependency, DependencyReason, Deploy, Limits, Networking,
    RegistryCredentials, RestartPolicy, ServiceInstance, Source, Volume,
};
pub use variable::{Generator, SecretRef, VarRef, VarValue};

/// The desired state of one Railway project.
#[derive(Debug, Clone, Default)]
pub struct Project {
    /// The project name (`project "shop"`).
    pub name: Option<Valued<String>>,
    /// The Railway workspace (team), if given.
    pub workspace: Option<Valued<String>>,
    /// The default region of service instances.
    pub region: Option<Valued<String>>,
    /// The Railway plan the project's workspace is on (`plan "pro"`): decides
    /// the limits `mirage check` holds the project to. Mirage-only.
    pub plan: Option<Valued<Plan>>,
    /// Every service declared in the project, in source order.
    pub services: Vec<String>,
    /// Every environment, in source order, each with all its instances.
    pub environments: Vec<Environment>,
    /// Renames written down with `moved`: the plan renames on Railway
    /// instead of destroying and creating.
    pub moves: Vec<Move>,
    /// How secrets are read (`project { secrets { … } }`).
    pub secrets: SecretSettings,
    /// Display paths of the source files, indexed by [`FileId`](crate::diagnostic::FileId);
    /// lets an [`Origin`] be shown without the source table.
    pub paths: Vec<PathBuf>,
}

/// What a `moved` renames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MoveKind {
    /// A service (project-wide on Railway).
    Service,
    /// An environment.
    Environment,
}

impl MoveKind {
    /// `service` or `environment`.
    pub const fn noun(self) -> &'static str {
        match self {
            MoveKind::Service => "service",
            MoveKind::Environment => "environment",
        }
    }
}

/// `moved service="old" to="new"`: `old` on Railway is `new` in the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// Service or environment.
    pub kind: MoveKind,
    /// The name on Railway before the rename.
    pub from: String,
    /// The name in the files.
    pub to: String,
    /// Where the `moved` is written.
    pub origin: Origin,
}

impl Project {
    /// The old name of service or environment `name`, if a `moved` renamed it.
    pub fn moved_from(&self, kind: MoveKind, name: &str) -> Option<&str> {
        self.moves
            .iter()
            .find(|m| m.kind == kind && m.to == name)
            .map(|m| m.from.as_str())
    }
}

/// A Railway subscription plan, for the limits that depend on it (volume
/// sizes, restart policies). See `docs/railway-assumptions.md`, "Railway's
/// rules".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Plan {
    /// The free plan.
    Free,
    /// A workspace trialling Railway.
    Trial,
    /// The Hobby plan.
    Hobby,
    /// The Pro (and team) plan.
    Pro,
    /// An Enterprise agreement: limits are negotiated.
    Enterprise,
}

impl Plan {
    /// Every plan, as written in `.mirage` files.
    pub const ALL: [(&'static str, Plan); 5] = [
        ("free", Plan::Free),
        ("trial", Plan::Trial),
        ("hobby", Plan::Hobby),
        ("pro", Plan::Pro),
        ("enterprise", Plan::Enterprise),
    ];

    /// The plan written as `name`.
    pub fn parse(name: &str) -> Option<Plan> {
        Plan::ALL.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }

    /// How the plan is written.
    pub fn as_str(self) -> &'static str {
        Plan::ALL
            .iter()
            .find(|(_, p)| *p == self)
            .map_or("pro", |(n, _)| n)
    }
}

impl Project {
    /// The environment with this name.
    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name == name)
    }
}

/// One Railway environment and the effective settings of every service in it.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// The environment name.
    pub name: String,
    /// Where `environment "…"` is declared.
    pub declared: Option<Origin>,
    /// The layer chain, root first, ending at the environment's own layer
    /// (Mirage-only concept).
    pub layers: Vec<String>,
    /// Whether this environment is a template for short-lived copies
    /// (per pull request). Mirage-only concept.
    pub ephemeral: Option<Valued<bool>>,
    /// Time to live of ephemeral copies, in seconds. Mirage-only concept.
    pub ttl_seconds: Option<Valued<u64>>,
    /// What previews made from this template get (`Some` exactly when the
    /// environment is ephemeral). Mirage-only concept.
    pub preview: Option<PreviewSettings>,
    /// Whether destroying anything in this environment is forbidden.
    /// Mirage-only concept.
    pub protect: Option<Valued<bool>>,
    /// Whether the private network is on (`privateNetworkDisabled` is its
    /// negation).
    pub private_network: Option<Valued<bool>>,
    /// `sharedVariables`: variables every service may reference as
    /// `${{shared.NAME}}`.
    pub shared_variables: BTreeMap<String, Valued<VarValue>>,
    /// The names of `shared_variables` declared `sealed=#true`.
    pub sealed_shared: std::collections::BTreeSet<String>,
    /// Every service of the project as configured in this environment, in
    /// declaration order.
    pub services: Vec<ServiceInstance>,
}

impl Environment {
    /// The instance of the service with this name.
    pub fn service(&self, name: &str) -> Option<&ServiceInstance> {
        self.services.iter().find(|s| s.name == name)
    }

    /// Whether destroying in this environment is forbidden.
    pub fn is_protected(&self) -> bool {
        self.protect.as_ref().is_some_and(|p| p.value)
    }
}
