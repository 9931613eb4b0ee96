//! Provenance: where an effective value was set, and what it overrode.

use std::fmt;

use crate::diagnostic::{FileId, Span};

/// A level of the precedence chain, lowest first (see `docs/language.md`,
/// "Precedence").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// The project block (default region, project-wide shared variables).
    Project,
    /// A template of the service's `from=` chain.
    Template(String),
    /// The `service` block itself.
    Service,
    /// A layer's project-wide settings.
    Layer(String),
    /// A layer's `service S` block.
    LayerService(String),
    /// The `environment` block's project-wide settings.
    Environment,
    /// The `environment` block's `service S` block.
    EnvironmentService,
    /// A command-line `--var` override.
    Override,
    /// A value Mirage derived (e.g. `PORT` from `port`).
    Derived,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Level::Project => write!(f, "project"),
            Level::Template(name) => write!(f, "template `{name}`"),
            Level::Service => write!(f, "service"),
            Level::Layer(name) => write!(f, "layer `{name}`"),
            Level::LayerService(name) => write!(f, "layer `{name}` service block"),
            Level::Environment => write!(f, "environment"),
            Level::EnvironmentService => write!(f, "environment service block"),
            Level::Override => write!(f, "command-line override"),
            Level::Derived => write!(f, "derived"),
        }
    }
}

/// One place that set a value: the level and the exact source location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The precedence level.
    pub level: Level,
    /// The file (an index into [`Project::paths`](super::Project::paths)).
    pub file: FileId,
    /// The bytes that set the value.
    pub span: Span,
    /// 1-based line of `span.start`.
    pub line: u32,
}

/// Where an effective value comes from.
///
/// `chain` lists every place that set this value, in precedence order; the
/// last step is the one in effect, the earlier ones were overridden (or, for
/// a `#null`, removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Every setting of this value, lowest precedence first; never empty.
    pub chain: Vec<Step>,
}

impl Origin {
    /// An origin with a single step.
    pub fn single(step: Step) -> Self {
        Origin { chain: vec![step] }
    }

    /// The step in effect.
    pub fn effective(&self) -> Option<&Step> {
        self.chain.last()
    }
}

/// A value with its provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct Valued<T> {
    /// The effective value.
    pub value: T,
    /// Where it was set.
    pub origin: Origin,
}
