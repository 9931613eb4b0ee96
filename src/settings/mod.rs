//! The one declarative table of the settings a `.mirage` block accepts:
//! for each, its node name, arguments and properties with their types, where
//! it may be written, its documentation (one line and an example), the
//! Railway `EnvironmentConfig` path it maps to and how the plan shows it.
//!
//! Everything else reads this table: the resolver (which nodes exist, their
//! types, what `name #null` removes, how a value lands in the model), the
//! language server (completion and hover), the model → Railway mapping
//! ([`railway`], shared by `plan::desired` and [`ConfigView`]) and a
//! test that holds `docs/language.md` to it. Adding a setting is one entry
//! in [`table`] (plus its [`Key`] and model field) and one test.
//!
//! The room sits between `model` (which it maps) and `resolve`/`ide`/`plan`
//! (which read it); it reads no files and prints nothing.

mod decls;
pub mod railway;
mod table;
mod view;

use serde_json::Value;

use crate::diagnostic::Span;
use crate::model::{
    CustomDomain, Origin, RegistryCredentials, RestartPolicy, ServiceInstance, Source, Valued,
};

pub use decls::{DECLS, Decl, PLANS, Place, decl, names};
pub use table::SETTINGS;
pub use view::{ConfigView, EnvironmentView, ServiceView};

/// A setting that merges as one value. Merging follows this order, so the
/// volume's keys come before the backups that attach to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Key {
    Source,
    Branch,
    Commit,
    CheckSuites,
    UpstreamUrl,
    ConfigFile,
    PrivateNetwork,
    Root,
    Builder,
    BuildCommand,
    Dockerfile,
    WatchPatterns,
    NixpacksConfig,
    NixpacksPlan,
    RailpackVersion,
    BuildEnvironment,
    Start,
    PreDeploy,
    HealthPath,
    HealthTimeout,
    Replicas,
    Region,
    Cron,
    Restart,
    RestartRetries,
    Sleep,
    RegistryCredentials,
    LimitCpu,
    LimitMemory,
    LimitDisk,
    Overlap,
    Draining,
    Ipv6,
    RequiredMount,
    ServiceDomain,
    CustomDomains,
    TcpProxy,
    PrivateEndpoint,
    VolumeMount,
    VolumeSize,
    // After the volume keys: merging follows `Key` order and backups attach
    // to the mounted volume.
    Backups,
    Port,
    Protect,
    DependsOn,
}

/// A validated setting value, as the resolver keeps it before merging.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub enum Val {
    Str(String),
    U64(u64),
    F64(f64),
    Bool(bool),
    List(Vec<String>),
    Source(Source),
    Restart(RestartPolicy),
    Credentials(RegistryCredentials),
    Domains(Vec<CustomDomain>),
    ServiceDomain(Option<u16>),
    /// `depends-on` names with their spans (for unknown names and cycles).
    Names(Vec<(String, Span)>),
}

impl Val {
    /// The string, if this is one.
    pub fn str(&self) -> Option<String> {
        match self {
            Val::Str(s) => Some(s.clone()),
            _ => None,
        }
    }
    /// The whole number, if this is one.
    pub fn u64(&self) -> Option<u64> {
        match self {
            Val::U64(n) => Some(*n),
            _ => None,
        }
    }
    /// The boolean, if this is one.
    pub fn bool(&self) -> Option<bool> {
        match self {
            Val::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// The list, if this is one.
    pub fn list(&self) -> Option<Vec<String>> {
        match self {
            Val::List(l) => Some(l.clone()),
            _ => None,
        }
    }
}

/// Where a setting may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Where {
    /// In `template` and `service` blocks and the `service "S"` blocks of
    /// layers and environments.
    pub per_service: bool,
    /// At the top of a `layer` or `environment` (for every service at once).
    pub project_wide: bool,
}

/// Per service and project-wide: most settings.
pub const EVERYWHERE: Where = Where {
    per_service: true,
    project_wide: true,
};
/// Only for one service (`repo`, `image`, `root`).
pub const PER_SERVICE: Where = Where {
    per_service: true,
    project_wide: false,
};
/// Only at the top of a layer or environment.
pub const PROJECT_WIDE: Where = Where {
    per_service: false,
    project_wide: true,
};

/// The type of an argument or property value. Each has one reader in the
/// resolver with its own diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// A string.
    Str,
    /// `#true` or `#false`.
    Bool,
    /// A whole number in `lo..=hi`.
    Int {
        /// Smallest accepted.
        lo: i64,
        /// Largest accepted.
        hi: i64,
    },
    /// Whole seconds (at least `min`) or a duration string (`30s`).
    Seconds {
        /// Smallest accepted.
        min: u64,
    },
    /// A duration string only (`"72h"`).
    Duration,
    /// A port, 1–65535.
    Port,
    /// A Railway region.
    Region,
    /// A size such as `5GB`.
    Size,
    /// An absolute path such as `/data`.
    MountPath,
    /// One of a fixed list (checked by the setting's own reader).
    OneOf(&'static [&'static str]),
    /// A number of vCPUs.
    Cpu,
    /// A secret reference (`(secret)"env:NAME"`).
    Secret,
    /// The name of a template, layer or service.
    Name(NameKind),
    /// A `std/…` module or a relative path.
    Import,
    /// A `{ … }` block of free names (`vars`, `regions`).
    Map,
    /// Nothing to check here: the setting's own reader does.
    Free,
}

/// What a name refers to, for completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum NameKind {
    Template,
    Service,
    Layer,
    Environment,
}

impl Type {
    /// How a diagnostic names what is expected.
    pub fn expected(self) -> &'static str {
        match self {
            Type::Str | Type::OneOf(_) | Type::Region | Type::MountPath | Type::Free => "a string",
            Type::Bool => "`#true` or `#false`",
            Type::Int { .. } => "a whole number",
            Type::Seconds { .. } => "seconds or a duration such as `30s`",
            Type::Duration => "a duration such as `\"72h\"`",
            Type::Port => "a port number",
            Type::Size => "a size such as `\"5GB\"`",
            Type::Cpu => "a number of vCPUs",
            Type::Secret => "a secret source string",
            Type::Name(NameKind::Layer) => "a layer name",
            Type::Name(_) => "a name",
            Type::Import => "a path string",
            Type::Map => "a `{ … }` block",
        }
    }
}

/// The arguments of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Args {
    /// None: properties only.
    None,
    /// One value of this type.
    One(Type),
    /// One value of this type, optional when a property is given
    /// (`healthcheck timeout=30`, `volume size="5GB"`); the text says what
    /// is missing when neither is.
    OneOrProps(Type, &'static str),
    /// One or more values of this type (a list).
    Many(Type),
    /// A `{ … }` block of children.
    Block,
}

impl Args {
    /// The type of the (first) argument.
    pub fn ty(self) -> Option<Type> {
        match self {
            Args::One(t) | Args::OneOrProps(t, _) | Args::Many(t) => Some(t),
            Args::None | Args::Block => None,
        }
    }
}

/// A property of a node (`timeout=30`).
#[derive(Debug, Clone, Copy)]
pub struct Prop {
    /// The key.
    pub name: &'static str,
    /// Its type.
    pub ty: Type,
    /// One line of documentation.
    pub doc: &'static str,
}

/// How the resolver reads a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// From the table alone: the argument (if any) into the first field,
    /// each property into the next ones.
    Generic,
    /// By the setting's own reader in `resolve/setting/`.
    Special,
}

/// Where a model value goes on Railway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Railway {
    /// A key of the service's `EnvironmentConfig`, at the field's path; the
    /// plan compares it with Railway's and shows `path = value`.
    Config,
    /// Sent by a step of its own (domains, TCP proxy, volume, registry
    /// credentials): the plan shows it under the path with its own rules.
    Step,
    /// Railway does not see it (Mirage-only, or read by the environment).
    Not,
}

/// One value a setting puts in the model, and how it comes out again.
#[derive(Clone, Copy)]
pub struct Field {
    /// The merge key.
    pub key: Key,
    /// Its dotted path: in `EnvironmentConfig` for [`Railway::Config`], in
    /// `mirage config --json` for all.
    pub path: &'static str,
    /// Where it goes on Railway.
    pub railway: Railway,
    /// The value in the model as JSON, with its provenance.
    pub get: fn(&ServiceInstance) -> Option<(Value, &Origin)>,
    /// Store a merged value in the model.
    pub set: fn(&mut ServiceInstance, &Val, Origin),
}

impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Field")
            .field("key", &self.key)
            .field("path", &self.path)
            .finish()
    }
}

/// One setting.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// The node name.
    pub name: &'static str,
    /// Where it may be written.
    pub at: Where,
    /// How it is written: an example.
    pub example: &'static str,
    /// What it means, one line.
    pub doc: &'static str,
    /// What values it takes, as the docs' table says.
    pub value: &'static str,
    /// The Railway keys it maps to, as the docs' table says.
    pub railway: &'static str,
    /// Its arguments.
    pub args: Args,
    /// Its properties.
    pub props: &'static [Prop],
    /// The model values it sets, argument first then properties; all of
    /// them are removed by `name #null`.
    pub fields: &'static [Field],
    /// Generic or its own reader.
    pub read: Read,
    /// Whether it may be written more than once in a block (forming a list).
    pub repeats: bool,
}

impl Setting {
    /// Whether `name #null` may remove it.
    pub fn removable(&self) -> bool {
        self.args != Args::Block
    }

    /// The keys it controls (what `name #null` removes).
    pub fn keys(&self) -> impl Iterator<Item = Key> + '_ {
        self.fields.iter().map(|f| f.key)
    }
}

/// The setting named `name`.
pub fn setting(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.name == name)
}

/// The field that stores `key` (every key has one: `tests::every_key_is_stored`).
pub fn field(key: Key) -> Option<&'static Field> {
    static BY_KEY: std::sync::OnceLock<Vec<&'static Field>> = std::sync::OnceLock::new();
    let all = BY_KEY.get_or_init(|| {
        let mut fields: Vec<&'static Field> = Vec::new();
        for s in SETTINGS {
            for f in s.fields {
                if !fields.iter().any(|g| g.key == f.key) {
                    fields.push(f);
                }
            }
        }
        fields.sort_by_key(|f| f.key);
        fields
    });
    all.binary_search_by_key(&key, |f| f.key)
        .ok()
        .map(|i| all[i])
}

/// `Valued` from a converted value.
fn valued<T>(value: Option<T>, origin: Origin) -> Option<Valued<T>> {
    value.map(|value| Valued { value, origin })
}

/// An optional model value as JSON.
fn json<T: serde::Serialize>(v: &Option<Valued<T>>) -> Option<(Value, &Origin)> {
    v.as_ref().map(|v| {
        (
            serde_json::to_value(&v.value).unwrap_or(Value::Null),
            &v.origin,
        )
    })
}

#[cfg(test)]
mod tests;
