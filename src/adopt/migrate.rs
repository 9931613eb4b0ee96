//! `mirage migrate`: Railway's `railway.json` / `railway.toml` ("config as
//! code", deprecated by Railway) → `.mirage` service blocks.
//!
//! A config file is read into a spanned tree ([`tree`]), every field
//! checked against the format of `/work/shared/railway/CONFIG-AS-CODE.md`
//! and turned into the service's `EnvironmentConfig` JSON (`build` /
//! `deploy`, `source.rootDirectory`): the same shape Railway holds, so the
//! setting lines come from the one shared mapping, [`super::nodes`]. Each
//! `environments.<name>` override becomes that environment's `service "S"`
//! block; the reserved `environments.pr` becomes the preview template
//! (`environment "pr" ephemeral=#true`). What no setting can say is listed,
//! each with the file, line and column of its key; a broken file (syntax,
//! unknown field, wrong type, unknown builder) is a located diagnostic.

pub mod tree;

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use self::tree::{Spanned, Tree};
use super::nodes;
use crate::diagnostic::{Diagnostic, FileId, SourceFiles, Span};

/// The largest config file read (a real one is under 4 KiB).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Something of a config file no `.mirage` setting says, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Note {
    /// The config file (as given or found).
    pub file: String,
    /// 1-based line of the key.
    pub line: usize,
    /// 1-based column of the key.
    pub column: usize,
    /// The dotted key (`deploy.runtime`, `environments.pr.deploy.region`).
    pub key: String,
    /// Why it is not written (one lowercase sentence).
    pub why: String,
}

/// One config file converted.
#[derive(Clone, Debug, PartialEq)]
pub struct Converted {
    /// The config file.
    pub file: String,
    /// The service's name in the `.mirage` files.
    pub service: String,
    /// The service's config, as Railway's `EnvironmentConfig` holds it.
    pub base: Value,
    /// Per-environment overrides (only the keys the environment sets),
    /// `pr` included.
    pub environments: BTreeMap<String, Value>,
    /// The `.mirage` text (unformatted: [`super::write`] formats).
    pub text: String,
    /// What could not be said.
    pub notes: Vec<Note>,
}

/// The format of a config file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `railway.json`.
    Json,
    /// `railway.toml`.
    Toml,
}

impl Format {
    /// From the file name: `.toml` is TOML, anything else JSON.
    pub fn of(path: &str) -> Format {
        if path.to_ascii_lowercase().ends_with(".toml") {
            Format::Toml
        } else {
            Format::Json
        }
    }
}

/// Whether `name` can be a Mirage service name (letters, digits, `-`, `_`).
pub fn valid_service_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Convert one config file already in `files` (`file`). `service` is the
/// name of the service; `root` its directory relative to the repository
/// root (`None` or `""` at the root).
pub fn convert(
    files: &SourceFiles,
    file: FileId,
    service: &str,
    root: Option<&str>,
) -> Result<Converted, Vec<Diagnostic>> {
    let source = files.get(file);
    let path = source.path.display().to_string();
    let text = &source.text;
    let parsed = match Format::of(&path) {
        Format::Json => tree::json(text).map_err(|e| (e, "JSON")),
        Format::Toml => tree::toml(text).map_err(|e| (e, "TOML")),
    };
    let top = match parsed {
        Ok(top) => top,
        Err(((offset, message), what)) => {
            return Err(vec![
                Diagnostic::error(
                    "mirage::adopt::invalid_config_syntax",
                    file,
                    Span::at(offset.min(text.len())),
                    format!("`{path}` is not valid {what}: {message}"),
                )
                .with_help("fix the syntax; the other config files are still converted"),
            ]);
        }
    };
    let mut cx = Cx {
        file,
        path: path.clone(),
        files,
        errors: Vec::new(),
        notes: Vec::new(),
    };
    let mut base = Map::new();
    let mut environments = BTreeMap::new();
    match &top.value {
        Tree::Object(entries) => {
            for (key, key_span, value) in entries {
                match key.as_str() {
                    "$schema" => cx.schema(*key_span, value),
                    "build" | "deploy" => cx.section(key, key, *key_span, value, &mut base),
                    "environments" => cx.environments(value, &mut environments),
                    _ => cx.unknown(
                        key,
                        *key_span,
                        &["$schema", "build", "deploy", "environments"],
                    ),
                }
            }
        }
        other => cx.wrong_type("the file", top.span, other, "an object"),
    }
    if !cx.errors.is_empty() {
        return Err(cx.errors);
    }
    if let Some(root) = root.filter(|r| !r.is_empty()) {
        base.insert("source".to_owned(), json!({ "rootDirectory": root }));
    }
    let base = Value::Object(base);
    let text = render(service, &base, &environments, &path, &mut cx.notes);
    // The shared mapping's notes name a key, not a place: the key's place
    // in the file (or its closest parent's).
    for note in cx.notes.iter_mut().filter(|n| n.line == 0) {
        if let Some(span) = locate(&top, &note.key) {
            (note.line, note.column) = cx.files.get(cx.file).line_col(span.start);
        }
    }
    Ok(Converted {
        file: path,
        service: service.to_owned(),
        base,
        environments,
        text,
        notes: cx.notes,
    })
}

/// Where the dotted `key` is written in the file: its own key, or that of
/// the deepest parent the file has.
fn locate(top: &Spanned, key: &str) -> Option<Span> {
    let mut at = top;
    let mut found = None;
    for part in key.split('.') {
        let Tree::Object(entries) = &at.value else {
            break;
        };
        let Some((_, span, value)) = entries.iter().find(|(k, _, _)| k == part) else {
            break;
        };
        found = Some(*span);
        at = value;
    }
    found
}

/// The `.mirage` text of one converted service.
fn render(
    service: &str,
    base: &Value,
    environments: &BTreeMap<String, Value>,
    path: &str,
    notes: &mut Vec<Note>,
) -> String {
    let mut out = format!(
        "// Migrated from `{}` by `mirage migrate`.\nservice {} {{\n",
        path.replace('\n', " "),
        nodes::string(service)
    );
    let lines = settings(base, path, "", notes);
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("}\n");
    for (name, overrides) in environments {
        let lines = settings(overrides, path, &format!("environments.{name}."), notes);
        let head = if name == "pr" {
            "// Railway's `environments.pr`: the overrides of every pull-request\n\
             // environment. Mirage's previews are made from this template.\n\
             environment \"pr\" ephemeral=#true {\n"
                .to_owned()
        } else {
            format!("environment {} {{\n", nodes::string(name))
        };
        out.push('\n');
        out.push_str(&head);
        out.push_str(&format!("service {} {{\n", nodes::string(service)));
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str("}\n}\n");
    }
    out
}

/// The setting lines of one service config, its unmapped keys as notes.
///
/// The shared mapping leaves out values equal to Railway's defaults (a
/// generated file need not repeat them), but a config file that writes one
/// overrides the dashboard's value on every deploy, so it is said here:
/// the restart policy, `sleep #false`, `ipv6-egress #false`, `replicas 1`,
/// and an empty `preDeployCommand` in an environment (`pre-deploy #null`,
/// which drops the command the service would inherit). `root` is written
/// here too: the mapping writes it only beside a `repo`, and a config file
/// names no source.
fn settings(config: &Value, path: &str, prefix: &str, notes: &mut Vec<Note>) -> Vec<String> {
    let mut for_nodes = config.clone();
    let root = for_nodes
        .get_mut("source")
        .and_then(Value::as_object_mut)
        .and_then(|s| s.remove("rootDirectory"));
    if let Some(obj) = for_nodes.as_object_mut()
        && obj
            .get("source")
            .is_some_and(|s| s.as_object().is_some_and(Map::is_empty))
    {
        obj.remove("source");
    }
    let nodes = nodes::settings(nodes::Input {
        service: &for_nodes,
        volumes: None,
        project_region: None,
    });
    for unmapped in nodes.unmapped {
        notes.push(Note {
            file: path.to_owned(),
            line: 0,
            column: 0,
            key: format!("{prefix}{}", unmapped.path),
            why: unmapped.why,
        });
    }
    let has = |name: &str| nodes.lines.iter().any(|l| l.setting == name);
    let deploy = |key: &str| config.get("deploy").and_then(|d| d.get(key));
    let mut first = Vec::new();
    if let Some(Value::String(root)) = root {
        first.push(format!("root {}", nodes::string(&root)));
    }
    let mut extra = Vec::new();
    if !has("restart")
        && let Some(Value::String(policy)) = deploy("restartPolicyType")
    {
        let mut text = format!(
            "restart {}",
            nodes::string(&policy.to_ascii_lowercase().replace('_', "-"))
        );
        if let Some(n) = deploy("restartPolicyMaxRetries").and_then(Value::as_u64) {
            text.push_str(&format!(" max-retries={n}"));
        }
        extra.push(text);
    }
    for (setting, key) in [
        ("sleep", "sleepApplication"),
        ("ipv6-egress", "ipv6EgressEnabled"),
    ] {
        if !has(setting) && deploy(key) == Some(&Value::Bool(false)) {
            extra.push(format!("{setting} #false"));
        }
    }
    if !has("replicas")
        && !has("region")
        && !has("regions")
        && let Some(n) = deploy("numReplicas").and_then(Value::as_u64)
    {
        extra.push(format!("replicas {n}"));
    }
    if !has("pre-deploy")
        && deploy("preDeployCommand").is_some_and(|v| v.as_array().is_some_and(Vec::is_empty))
    {
        if prefix.is_empty() {
            notes.push(Note {
                file: path.to_owned(),
                line: 0,
                column: 0,
                key: "deploy.preDeployCommand".to_owned(),
                why: "an empty list says nothing on the service: no pre-deploy command is written"
                    .to_owned(),
            });
        } else {
            extra.push("pre-deploy #null".to_owned());
        }
    }
    first
        .into_iter()
        .chain(nodes.lines.into_iter().map(|l| l.text))
        .chain(extra)
        .collect()
}

/// What a field of `build` / `deploy` holds.
#[derive(Clone, Copy)]
enum Kind {
    /// A string, copied.
    Str,
    /// A list of strings.
    Strings,
    /// A string or a list of strings (`preDeployCommand`).
    StrOrStrings,
    /// A non-negative integer.
    Uint,
    /// A non-negative integer, or a string of digits (`overlapSeconds`).
    Seconds,
    /// A boolean.
    Bool,
    /// The builder.
    Builder,
    /// The restart policy.
    Restart,
    /// `multiRegionConfig`.
    Regions,
    /// `limitOverride`.
    Limits,
    /// `nixpacksPlan`: any JSON, kept as JSON text.
    Plan,
    /// `deploy.region`: folded into `multiRegionConfig`.
    Region,
    /// Understood but not said by any setting: the reason.
    Unmapped(&'static str),
}

const BUILD: &[(&str, Kind)] = &[
    ("builder", Kind::Builder),
    ("watchPatterns", Kind::Strings),
    ("buildCommand", Kind::Str),
    ("dockerfilePath", Kind::Str),
    ("railpackVersion", Kind::Str),
    ("nixpacksConfigPath", Kind::Str),
    ("nixpacksPlan", Kind::Plan),
    ("buildEnvironment", Kind::Str),
    (
        "nixpacksVersion",
        Kind::Unmapped(
            "no setting pins the Nixpacks version: set the `NIXPACKS_VERSION` variable in `vars` instead",
        ),
    ),
    (
        "dockerBuildTarget",
        Kind::Unmapped(
            "no setting says a Docker build target (Railway does not document this key)",
        ),
    ),
];

const DEPLOY: &[(&str, Kind)] = &[
    ("startCommand", Kind::Str),
    ("preDeployCommand", Kind::StrOrStrings),
    ("multiRegionConfig", Kind::Regions),
    ("healthcheckPath", Kind::Str),
    ("healthcheckTimeout", Kind::Uint),
    ("restartPolicyType", Kind::Restart),
    ("restartPolicyMaxRetries", Kind::Uint),
    ("cronSchedule", Kind::Str),
    ("overlapSeconds", Kind::Seconds),
    ("drainingSeconds", Kind::Seconds),
    ("numReplicas", Kind::Uint),
    ("sleepApplication", Kind::Bool),
    ("region", Kind::Region),
    ("limitOverride", Kind::Limits),
    ("requiredMountPath", Kind::Str),
    ("ipv6EgressEnabled", Kind::Bool),
    (
        "runtime",
        Kind::Unmapped("the deployment runtime is Railway's choice; no setting says it"),
    ),
    (
        "useLegacyStacker",
        Kind::Unmapped("the legacy stacker is Railway's choice; no setting says it"),
    ),
    (
        "preDeployTimeoutSeconds",
        Kind::Unmapped("no setting says the pre-deploy timeout"),
    ),
    (
        "registryCredentials",
        Kind::Unmapped(
            "registry credentials hold a password: write `registry-credentials username=\"…\" password=(secret)\"env:NAME\"` by hand",
        ),
    ),
];

struct Cx<'a> {
    file: FileId,
    path: String,
    files: &'a SourceFiles,
    errors: Vec<Diagnostic>,
    notes: Vec<Note>,
}

impl Cx<'_> {
    fn note(&mut self, span: Span, key: &str, why: impl Into<String>) {
        let (line, column) = self.files.get(self.file).line_col(span.start);
        self.notes.push(Note {
            file: self.path.clone(),
            line,
            column,
            key: key.to_owned(),
            why: why.into(),
        });
    }

    fn unknown(&mut self, key: &str, span: Span, known: &[&str]) {
        self.errors.push(
            Diagnostic::error(
                "mirage::adopt::unknown_config_field",
                self.file,
                span,
                format!("`{key}` is not a field of Railway's config file"),
            )
            .with_label("unknown field")
            .with_help(format!(
                "the fields here are {}; remove it, or set what it meant in the dashboard or the `.mirage` files",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
    }

    fn wrong_type(&mut self, key: &str, span: Span, found: &Tree, wanted: &str) {
        self.errors.push(
            Diagnostic::error(
                "mirage::adopt::invalid_config_value",
                self.file,
                span,
                format!("`{key}` must be {wanted}, not {}", found.kind()),
            )
            .with_label(format!("expected {wanted}"))
            .with_help("fix the value as Railway's config-as-code reference describes it"),
        );
    }

    fn invalid(&mut self, key: &str, span: Span, message: String) {
        self.errors.push(
            Diagnostic::error(
                "mirage::adopt::invalid_config_value",
                self.file,
                span,
                format!("`{key}`: {message}"),
            )
            .with_help("fix the value as Railway's config-as-code reference describes it"),
        );
    }

    fn schema(&mut self, span: Span, value: &Spanned) {
        let Tree::Str(url) = &value.value else {
            return self.wrong_type("$schema", value.span, &value.value, "a URL");
        };
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .and_then(|rest| rest.split('/').next())
            .unwrap_or("");
        let host = host.strip_prefix("www.").unwrap_or(host);
        if host != "railway.com" && host != "railway.app" {
            self.errors.push(
                Diagnostic::error(
                    "mirage::adopt::unknown_config_schema",
                    self.file,
                    value.span,
                    format!("`$schema` is `{url}`, not Railway's config schema"),
                )
                .with_label("not railway.com or railway.app")
                .with_help(
                    "a Railway config file points at `https://railway.com/railway.schema.json`; is this file Railway's?",
                ),
            );
        }
        let _ = span;
    }

    /// `build` or `deploy` (`shown` is the dotted key for messages), into
    /// `out.<section>`.
    fn section(
        &mut self,
        section: &str,
        shown: &str,
        key_span: Span,
        value: &Spanned,
        out: &mut Map<String, Value>,
    ) {
        let Tree::Object(entries) = &value.value else {
            if value.value == Tree::Null {
                return;
            }
            return self.wrong_type(shown, value.span, &value.value, "an object");
        };
        let table = if section == "build" { BUILD } else { DEPLOY };
        let mut fields = Map::new();
        let mut region: Option<(String, Span)> = None;
        for (key, span, v) in entries {
            let dotted = format!("{shown}.{key}");
            let Some((_, kind)) = table.iter().find(|(k, _)| k == key) else {
                let known: Vec<&str> = table.iter().map(|(k, _)| *k).collect();
                self.unknown(&dotted, *span, &known);
                continue;
            };
            if v.value == Tree::Null {
                self.note(
                    *span,
                    &dotted,
                    "`null` leaves the dashboard's value in place; nothing to write",
                );
                continue;
            }
            if let Some(json) = self.field(*kind, &dotted, *span, v, &mut region) {
                fields.insert(key.clone(), json);
            }
        }
        if let Some((name, span)) = region {
            if fields.contains_key("multiRegionConfig") {
                self.note(
                    span,
                    &format!("{shown}.region"),
                    "`multiRegionConfig` is also given and says the regions",
                );
            } else {
                let replicas = fields
                    .get("numReplicas")
                    .and_then(Value::as_u64)
                    .unwrap_or(1);
                fields.insert(
                    "multiRegionConfig".to_owned(),
                    json!({ name: { "numReplicas": replicas } }),
                );
            }
        }
        let _ = key_span;
        if !fields.is_empty() {
            out.insert(section.to_owned(), Value::Object(fields));
        }
    }

    fn field(
        &mut self,
        kind: Kind,
        key: &str,
        key_span: Span,
        v: &Spanned,
        region: &mut Option<(String, Span)>,
    ) -> Option<Value> {
        let span = v.span;
        match (kind, &v.value) {
            (Kind::Str, Tree::Str(s)) => Some(json!(s)),
            (Kind::Strings | Kind::StrOrStrings, Tree::Array(items)) => {
                let mut out = Vec::new();
                for item in items {
                    match &item.value {
                        Tree::Str(s) => out.push(json!(s)),
                        other => {
                            self.wrong_type(key, item.span, other, "a list of strings");
                            return None;
                        }
                    }
                }
                Some(Value::Array(out))
            }
            (Kind::StrOrStrings, Tree::Str(s)) => Some(json!([s])),
            (Kind::Uint | Kind::Seconds, Tree::Int(n)) if *n >= 0 => Some(json!(n)),
            (Kind::Uint | Kind::Seconds, Tree::Int(n)) => {
                self.invalid(key, span, format!("`{n}` is negative"));
                None
            }
            (Kind::Seconds, Tree::Str(s)) => match s.trim().parse::<u64>() {
                Ok(n) => Some(json!(n)),
                Err(_) => {
                    self.invalid(key, span, format!("`{s}` is not a number of seconds"));
                    None
                }
            },
            (Kind::Bool, Tree::Bool(b)) => Some(json!(b)),
            (Kind::Builder, Tree::Str(s)) => self.builder(key, key_span, span, s),
            (Kind::Restart, Tree::Str(s)) => {
                let upper = s.trim().to_ascii_uppercase().replace('-', "_");
                match upper.as_str() {
                    "ON_FAILURE" | "ALWAYS" | "NEVER" => Some(json!(upper)),
                    _ => {
                        self.invalid(
                            key,
                            span,
                            format!(
                                "`{s}` is not a restart policy: `ON_FAILURE`, `ALWAYS` or `NEVER`"
                            ),
                        );
                        None
                    }
                }
            }
            (Kind::Regions, Tree::Object(regions)) => {
                let mut out = Map::new();
                for (name, name_span, r) in regions {
                    let dotted = format!("{key}.{name}");
                    let Tree::Object(fields) = &r.value else {
                        self.wrong_type(&dotted, r.span, &r.value, "an object `{ numReplicas }`");
                        continue;
                    };
                    let mut replicas = None;
                    for (f, f_span, n) in fields {
                        match (f.as_str(), &n.value) {
                            ("numReplicas", Tree::Int(i)) if *i >= 0 => replicas = Some(*i),
                            ("numReplicas", other) => self.wrong_type(
                                &format!("{dotted}.numReplicas"),
                                n.span,
                                other,
                                "a non-negative integer",
                            ),
                            _ => self.unknown(&format!("{dotted}.{f}"), *f_span, &["numReplicas"]),
                        }
                    }
                    let _ = name_span;
                    out.insert(
                        name.clone(),
                        json!({ "numReplicas": replicas.unwrap_or(1) }),
                    );
                }
                Some(Value::Object(out))
            }
            (Kind::Limits, Tree::Object(entries)) => {
                let mut containers = Map::new();
                for (k, k_span, c) in entries {
                    if k != "containers" {
                        self.unknown(&format!("{key}.{k}"), *k_span, &["containers"]);
                        continue;
                    }
                    let Tree::Object(limits) = &c.value else {
                        self.wrong_type(
                            &format!("{key}.containers"),
                            c.span,
                            &c.value,
                            "an object",
                        );
                        continue;
                    };
                    for (l, l_span, n) in limits {
                        let dotted = format!("{key}.containers.{l}");
                        match (l.as_str(), &n.value) {
                            ("cpu", Tree::Int(i)) if *i >= 0 => {
                                containers.insert(l.clone(), json!(*i as f64));
                            }
                            ("cpu", Tree::Float(f)) if *f >= 0.0 => {
                                containers.insert(l.clone(), json!(f));
                            }
                            ("memoryBytes" | "diskBytes", Tree::Int(i)) if *i >= 0 => {
                                containers.insert(l.clone(), json!(i));
                            }
                            ("cpu" | "memoryBytes" | "diskBytes", other) => {
                                self.wrong_type(&dotted, n.span, other, "a non-negative number")
                            }
                            _ => {
                                self.unknown(&dotted, *l_span, &["cpu", "memoryBytes", "diskBytes"])
                            }
                        }
                    }
                }
                Some(json!({ "containers": containers }))
            }
            (Kind::Plan, Tree::Str(s)) => Some(json!(s)),
            (Kind::Plan, tree @ (Tree::Object(_) | Tree::Array(_))) => {
                Some(json!(tree.to_json().to_string()))
            }
            (Kind::Region, Tree::Str(s)) => {
                *region = Some((s.clone(), key_span));
                None
            }
            (Kind::Unmapped(why), _) => {
                self.note(key_span, key, why);
                None
            }
            (kind, other) => {
                let wanted = match kind {
                    Kind::Str | Kind::Builder | Kind::Restart | Kind::Region => "a string",
                    Kind::Strings => "a list of strings",
                    Kind::StrOrStrings => "a string or a list of strings",
                    Kind::Uint => "a non-negative integer",
                    Kind::Seconds => "a number of seconds",
                    Kind::Bool => "a boolean",
                    Kind::Regions => "an object of regions",
                    Kind::Limits => "an object `{ containers }`",
                    Kind::Plan => "an object or JSON text",
                    Kind::Unmapped(_) => "",
                };
                self.wrong_type(key, span, other, wanted);
                None
            }
        }
    }

    fn builder(&mut self, key: &str, key_span: Span, span: Span, name: &str) -> Option<Value> {
        let upper = name.trim().to_ascii_uppercase();
        match upper.as_str() {
            "RAILPACK" | "DOCKERFILE" | "NIXPACKS" => Some(json!(upper)),
            "HEROKU" | "PAKETO" => {
                self.note(
                    key_span,
                    key,
                    format!(
                        "Railway listed `{upper}` for one day in 2025 and then called it incorrect; Mirage's `builder` is `railpack`, `dockerfile` or `nixpacks`, so the service keeps Railway's default builder"
                    ),
                );
                None
            }
            _ => {
                self.errors.push(
                    Diagnostic::error(
                        "mirage::adopt::unknown_builder",
                        self.file,
                        span,
                        format!("`{name}` is not a Railway builder"),
                    )
                    .with_label("unknown builder")
                    .with_help("Railway's builders are `RAILPACK` (the default), `DOCKERFILE` and the deprecated `NIXPACKS`, in any case"),
                );
                None
            }
        }
    }

    fn environments(&mut self, value: &Spanned, out: &mut BTreeMap<String, Value>) {
        let Tree::Object(envs) = &value.value else {
            return self.wrong_type("environments", value.span, &value.value, "an object");
        };
        for (name, name_span, env) in envs {
            let dotted = format!("environments.{name}");
            if !valid_service_name(name) {
                self.errors.push(
                    Diagnostic::error(
                        "mirage::adopt::invalid_config_value",
                        self.file,
                        *name_span,
                        format!("`{name}` cannot be a Mirage environment name"),
                    )
                    .with_help("environment names hold letters, digits, `-` and `_`; rename the environment first"),
                );
                continue;
            }
            let Tree::Object(sections) = &env.value else {
                self.wrong_type(
                    &dotted,
                    env.span,
                    &env.value,
                    "an object `{ build, deploy }`",
                );
                continue;
            };
            let mut config = Map::new();
            for (key, key_span, v) in sections {
                match key.as_str() {
                    "build" | "deploy" => {
                        self.section(key, &format!("{dotted}.{key}"), *key_span, v, &mut config)
                    }
                    _ => self.unknown(&format!("{dotted}.{key}"), *key_span, &["build", "deploy"]),
                }
            }
            out.insert(name.clone(), Value::Object(config));
        }
    }
}

/// One setting of a converted config file that the `.mirage` files or
/// Railway hold differently (`mirage migrate --check`).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Difference {
    /// The environment.
    pub environment: String,
    /// The service.
    pub service: String,
    /// The dotted key of the service's `EnvironmentConfig`
    /// (`deploy.startCommand`).
    pub key: String,
    /// What the config file says for this environment.
    pub config_file: Value,
    /// What the `.mirage` files say (`null`: nothing).
    pub files: Value,
    /// What Railway holds (`null`: nothing).
    pub railway: Value,
}

/// The config `c` gives environment `environment`: the base with the
/// environment's overrides on top (`pr`'s for an ephemeral environment
/// without overrides of its own, as Railway resolves them).
pub fn resolved(c: &Converted, environment: &str, ephemeral: bool) -> Value {
    let mut out = c.base.clone();
    let overrides = c
        .environments
        .get(environment)
        .or_else(|| ephemeral.then(|| c.environments.get("pr")).flatten());
    if let Some(overrides) = overrides {
        merge(&mut out, overrides);
    }
    out
}

fn merge(into: &mut Value, over: &Value) {
    match (into, over) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                // A region map is replaced whole, as Railway does.
                if k == "multiRegionConfig" {
                    a.insert(k.clone(), v.clone());
                } else {
                    merge(a.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

/// Every leaf of `value` as (dotted key, value); arrays and the region map
/// are leaves.
fn leaves(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) if !prefix.ends_with("multiRegionConfig") => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&key, v, out);
            }
        }
        _ => out.push((prefix.to_owned(), value.clone())),
    }
}

fn at<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(value, |v, k| v.get(k))
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        _ => a == b,
    }
}

/// The settings of `expected` (what the config file gives the service in
/// `environment`) that `files` (the `.mirage` files' config of the
/// service there) or `railway` (Railway's) hold differently.
pub fn compare(
    environment: &str,
    service: &str,
    expected: &Value,
    files: Option<&Value>,
    railway: Option<&Value>,
) -> Vec<Difference> {
    let mut keys = Vec::new();
    leaves("", expected, &mut keys);
    let mut out = Vec::new();
    for (key, want) in keys {
        let in_files = files
            .and_then(|f| at(f, &key))
            .cloned()
            .unwrap_or(Value::Null);
        let on_railway = railway
            .and_then(|r| at(r, &key))
            .cloned()
            .unwrap_or(Value::Null);
        if !same(&want, &in_files) || !same(&want, &on_railway) {
            out.push(Difference {
                environment: environment.to_owned(),
                service: service.to_owned(),
                key,
                config_file: want,
                files: in_files,
                railway: on_railway,
            });
        }
    }
    out
}

/// The `EnvironmentConfig` of a service instance as the `.mirage` files
/// give it (what a plan compares), as one JSON object.
pub fn files_config(instance: &crate::model::ServiceInstance) -> Value {
    let mut out = Value::Object(Map::new());
    for (path, value) in crate::settings::railway::config(instance) {
        let mut slot = &mut out;
        for (i, part) in path.iter().enumerate() {
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            let Value::Object(map) = slot else { break };
            if i + 1 == path.len() {
                map.insert(part.clone(), value.clone());
                break;
            }
            slot = map.entry(part.clone()).or_insert(Value::Object(Map::new()));
        }
    }
    out
}
