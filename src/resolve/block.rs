//! The settings of one block (`template`, `service`, a layer or environment
//! and their `service S` blocks) read from the tree, validated where they
//! are written, and kept as a list of assignments to merge later.
//!
//! A block never knows where it sits in the precedence chain; `instance.rs`
//! stacks blocks in order and the last assignment of a key wins.

use std::collections::HashMap;

pub(crate) use super::At;
use super::Cx;
use super::regions;
use super::setting;
use super::suggest::did_you_mean;
use super::value;
use super::variable::parse_var_value;
use crate::diagnostic::{Diagnostic, Span};
use crate::model::VarValue;
use crate::settings::{self, Args, Read, SETTINGS, Setting, Type};
use crate::syntax::{Entry, Ident, Node, Number, Value};

/// Where a block sits, which decides the nodes it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// `template "x" { … }`.
    Template,
    /// `service "x" { … }`.
    Service,
    /// The top of a `layer` or `environment`: settings for every service,
    /// plus `shared-vars`, `protect` and `service S` blocks.
    ProjectWide,
    /// `service S { … }` inside a layer or environment.
    Scoped,
}

pub use crate::settings::{Key, Val};

/// One assignment: a value, or `None` for `#null` (remove what an earlier
/// level set).
#[derive(Debug, Clone)]
pub struct Set<T> {
    /// The value; `None` removes.
    pub val: Option<T>,
    /// Where it is written.
    pub at: At,
    /// A variable declared `sealed=#true` (Railway never returns its
    /// value); always `false` for settings.
    pub sealed: bool,
}

/// The settings of one block.
#[derive(Debug, Clone, Default)]
pub struct Block {
    /// Single-valued settings, in source order.
    pub settings: Vec<(Key, Set<Val>)>,
    /// `vars { … }`.
    pub vars: Vec<(String, Set<VarValue>)>,
    /// `regions { … }` (`multiRegionConfig`).
    pub regions: Vec<(String, Set<u64>)>,
    /// `shared-vars { … }` (project-wide contexts only).
    pub shared: Vec<(String, Set<VarValue>)>,
    /// `service S { … }` blocks (project-wide contexts only).
    pub services: Vec<(Ident, Block)>,
    /// A `repo` or `image` was written but is invalid (already reported), so
    /// a missing source is not reported again.
    pub invalid_source: bool,
}

impl Block {
    /// The last assignment of `key` in this block.
    pub fn get(&self, key: Key) -> Option<&Set<Val>> {
        self.settings
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, s)| s)
    }
}

/// Read the children of `node` as a block of `context`.
pub fn read_block(cx: &mut Cx, nodes: &[Node], context: Context) -> Block {
    let mut block = Block::default();
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for node in nodes {
        let name = node.name.value.as_str();
        let Some(setting) =
            settings::setting(name).filter(|s| s.at.per_service || context == Context::ProjectWide)
        else {
            unknown_node(cx, node, context);
            continue;
        };
        if context == Context::ProjectWide && !setting.at.project_wide {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::not_allowed_here",
                    cx.file,
                    node.name.span,
                    format!("`{name}` cannot be set for every service at once"),
                )
                .with_help(format!("move `{name}` into a `service \"…\" {{ }}` block")),
            );
            continue;
        }
        // Repeated nodes are mistakes, except those that add to a list.
        if !setting.repeats {
            if let Some(first) = seen.get(name) {
                cx.push(
                    Diagnostic::error(
                        "mirage::resolve::duplicate_setting",
                        cx.file,
                        node.name.span,
                        format!("`{name}` is set twice in this block"),
                    )
                    .with_related(cx.file, *first, "first set here")
                    .with_help(
                        "remove one of them; to override a value, set it in a layer or environment",
                    ),
                );
                continue;
            }
            seen.insert(name, node.name.span);
        }
        read_setting(cx, node, setting, &mut block);
    }
    // `repo` and `image` both write the source; one block may hold one.
    let sources: Vec<&Set<Val>> = block
        .settings
        .iter()
        .filter(|(k, s)| *k == Key::Source && s.val.is_some())
        .map(|(_, s)| s)
        .collect();
    if let [first, second, ..] = sources.as_slice() {
        cx.push(
            Diagnostic::error(
                "mirage::resolve::two_sources",
                cx.file,
                second.at.span,
                "a service has exactly one source, this block sets two",
            )
            .with_label("second source")
            .with_related(first.at.file, first.at.span, "first source")
            .with_help("keep either `repo` or `image`"),
        );
    }
    block
}

fn unknown_node(cx: &mut Cx, node: &Node, context: Context) {
    let name = node.name.value.as_str();
    let candidates: Vec<&str> = SETTINGS
        .iter()
        .filter(|s| s.at.per_service || context == Context::ProjectWide)
        .map(|s| s.name)
        .collect();
    let help = if matches!(name, "service" | "shared-vars") {
        format!("`{name}` belongs at the top of a `layer` or `environment` block")
    } else if name == "preview" {
        "`preview` belongs at the top of an `environment` block with `ephemeral=#true` (a template for previews)".to_owned()
    } else {
        did_you_mean(name, candidates.iter().copied(), || {
            "see docs/language.md for the settings a service accepts".into()
        })
    };
    let where_ = match context {
        Context::Template => "template",
        Context::Service | Context::Scoped => "service",
        Context::ProjectWide => "layer or environment",
    };
    cx.push(
        Diagnostic::error(
            "mirage::resolve::unknown_node",
            cx.file,
            node.name.span,
            format!("unknown setting `{name}` in a {where_}"),
        )
        .with_help(help),
    );
}

fn read_setting(cx: &mut Cx, node: &Node, setting: &'static Setting, block: &mut Block) {
    let at = At {
        file: cx.file,
        span: node.span,
    };
    let name = setting.name;
    // `name #null` removes whatever a lower level set, for every key the
    // node controls.
    if let Some(first) = node.first_arg()
        && first.value.is_null()
        && node.entries.len() == 1
        && node.children.is_none()
    {
        for key in setting.keys() {
            block.settings.push((
                key,
                Set {
                    val: None,
                    at,
                    sealed: false,
                },
            ));
        }
        if setting.fields.is_empty() {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::invalid_value_type",
                    cx.file,
                    first.value_span,
                    format!("`{name}` cannot be removed with `#null`"),
                )
                .with_help("remove single keys inside the block instead: `NAME #null`"),
            );
        }
        return;
    }
    if setting.read == Read::Generic {
        return generic(cx, node, setting, at, block);
    }
    match name {
        "repo" => setting::repo::read(cx, node, at, block),
        "image" => setting::image::read(cx, node, at, block),
        "commit" => setting::commit::read(cx, node, at, block),
        "builder" => setting::builder::read(cx, node, at, block),
        "regions" => setting::regions::read(cx, node, at, block),
        "cron" => setting::cron::read(cx, node, at, block),
        "restart" => setting::restart::read(cx, node, at, block),
        "registry-credentials" => setting::credentials::read(cx, node, at, block),
        "generated-domain" => setting::generated_domain::read(cx, node, at, block),
        "domain" => setting::domain::read(cx, node, at, block),
        "volume" => setting::volume::read(cx, node, at, block),
        "backups" => setting::backups::read(cx, node, at, block),
        "depends-on" => setting::depends_on::read(cx, node, at, block),
        "vars" | "shared-vars" => {
            no_entries(cx, node);
            let vars = read_vars(cx, node);
            if name == "vars" {
                block.vars.extend(vars);
            } else {
                block.shared.extend(vars);
            }
        }
        "service" => {
            check_props(cx, node, &[]);
            let Some(entry) = arg(cx, node) else { return };
            let Value::String(s) = &entry.value else {
                type_error(cx, entry, "a service name", &entry.value);
                return;
            };
            let ident = Ident {
                value: s.clone(),
                span: entry.value_span,
            };
            let inner = read_block(cx, node.child_nodes(), Context::Scoped);
            block.services.push((ident, inner));
        }
        // A special setting without a reader is a bug of the table:
        // `tests::every_special_setting_has_a_reader`.
        _ => {}
    }
}

/// A setting read from the table alone: its argument into its first field,
/// each property into the next.
fn generic(cx: &mut Cx, node: &Node, setting: &Setting, at: At, block: &mut Block) {
    let mut fields = setting.fields.iter();
    if setting.args == Args::None {
        no_args(cx, node);
    }
    check_prop_names(cx, node, setting.props.iter().map(|p| p.name));
    match setting.args {
        Args::None => {
            if node.props().next().is_none() {
                let names: Vec<String> = setting
                    .props
                    .iter()
                    .map(|p| format!("`{}=`", p.name))
                    .collect();
                let what = match names.split_last() {
                    Some((last, rest)) if !rest.is_empty() => {
                        format!("{} or {last}", rest.join(", "))
                    }
                    _ => names.concat(),
                };
                missing(cx, node, &what);
            }
        }
        Args::One(ty) => {
            let field = fields.next();
            let v = arg(cx, node).and_then(|e| typed(cx, e, ty));
            if let Some(f) = field {
                put(block, at, f.key, v);
            }
        }
        Args::OneOrProps(ty, what) => {
            let field = fields.next();
            if node.first_arg().is_some() {
                let v = arg(cx, node).and_then(|e| typed(cx, e, ty));
                if let Some(f) = field {
                    put(block, at, f.key, v);
                }
            } else if node.props().next().is_none() {
                missing(cx, node, what);
            }
        }
        Args::Many(ty) => {
            let field = fields.next();
            let mut list = Some(Vec::new());
            for e in node.args() {
                match typed(cx, e, ty) {
                    Some(Val::Str(s)) => list.as_mut().map(|l: &mut Vec<String>| l.push(s)),
                    _ => {
                        list = None;
                        break;
                    }
                };
            }
            if list.as_ref().is_some_and(Vec::is_empty) {
                missing(cx, node, "at least one string");
                list = None;
            }
            if let Some(f) = field {
                put(block, at, f.key, list.map(Val::List));
            }
        }
        Args::Block => no_entries(cx, node),
    }
    for (prop, field) in setting.props.iter().zip(fields) {
        if let Some(e) = node.prop(prop.name) {
            let v = typed(cx, e, prop.ty);
            put(block, at, field.key, v);
        }
    }
}

/// The value at `e` read as `ty`; reports what is wrong with it.
pub fn typed(cx: &mut Cx, e: &Entry, ty: Type) -> Option<Val> {
    match ty {
        Type::Str => string_entry(cx, e).map(Val::Str),
        Type::Bool => match &e.value {
            Value::Bool(b) => Some(Val::Bool(*b)),
            other => {
                type_error(cx, e, ty.expected(), other);
                None
            }
        },
        Type::Int { lo, hi } => int_entry(cx, e, lo.into(), hi.into()).map(Val::U64),
        Type::Seconds { min } => seconds(cx, e, min).map(Val::U64),
        Type::Duration => match &e.value {
            Value::String(s) => duration(cx, e, s).map(Val::U64),
            other => {
                type_error(cx, e, ty.expected(), other);
                None
            }
        },
        Type::Port => port(cx, e).map(|p| Val::U64(p.into())),
        Type::Region => string_entry(cx, e)
            .filter(|r| check_region_at(cx, e.value_span, r))
            .map(Val::Str),
        Type::Size => size(cx, e).map(Val::U64),
        Type::MountPath => string_entry(cx, e)
            .filter(|m| mount_path(cx, e, m))
            .map(Val::Str),
        Type::Cpu => match e.value.as_f64() {
            Some(c) if c > 0.0 && c <= 64.0 => Some(Val::F64(c)),
            Some(c) => {
                out_of_range(cx, e.value_span, format!("{c} vCPUs"), "between 0 and 64");
                None
            }
            None => {
                type_error(cx, e, ty.expected(), &e.value);
                None
            }
        },
        Type::Name(_) => match &e.value {
            Value::String(s) => Some(Val::Str(s.to_string())),
            other => {
                type_error(cx, e, ty.expected(), other);
                None
            }
        },
        Type::OneOf(_) | Type::Secret | Type::Import | Type::Map | Type::Free => {
            string_entry(cx, e).map(Val::Str)
        }
    }
}

/// Whether `m` (the string at `e`) is an absolute path; reports
/// `invalid_mount_path` if not.
pub fn mount_path(cx: &mut Cx, e: &Entry, m: &str) -> bool {
    if !m.starts_with('/') {
        cx.push(
            Diagnostic::error(
                "mirage::resolve::invalid_mount_path",
                cx.file,
                e.value_span,
                format!("mount path `{m}` is not absolute"),
            )
            .with_help("write an absolute path such as `/data`"),
        );
    }
    m.starts_with('/')
}

pub fn put(block: &mut Block, at: At, key: Key, val: Option<Val>) {
    if let Some(v) = val {
        block.settings.push((
            key,
            Set {
                val: Some(v),
                at,
                sealed: false,
            },
        ));
    }
}

/// `vars { NAME value … }` children.
pub fn read_vars(cx: &mut Cx, node: &Node) -> Vec<(String, Set<VarValue>)> {
    let mut out: Vec<(String, Set<VarValue>)> = Vec::new();
    let mut seen: HashMap<String, Span> = HashMap::new();
    for child in node.child_nodes() {
        let name = &child.name.value;
        if !value::is_var_name(name) {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::invalid_variable_name",
                    cx.file,
                    child.name.span,
                    format!("`{name}` is not a valid variable name"),
                )
                .with_help(
                    "variable names start with a letter or `_` and hold letters, digits and `_`",
                ),
            );
            continue;
        }
        if let Some(first) = seen.get(name.as_str()) {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::duplicate_setting",
                    cx.file,
                    child.name.span,
                    format!("variable `{name}` is set twice in this block"),
                )
                .with_related(cx.file, *first, "first set here")
                .with_help("remove one of them"),
            );
            continue;
        }
        seen.insert(name.to_string(), child.name.span);
        // The one property a variable takes: `sealed=#true`.
        let other_props = child
            .props()
            .any(|e| e.name.as_ref().is_none_or(|k| k.value != "sealed"));
        if child.children.is_some() || other_props {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::unexpected_argument",
                    cx.file,
                    child.span,
                    format!("variable `{name}` takes exactly one value"),
                )
                .with_help(format!(
                    "write `{name} \"value\"` (the only property a variable takes is `sealed=#true`)"
                )),
            );
            continue;
        }
        let Some(entry) = arg(cx, child) else {
            continue;
        };
        let at = At {
            file: cx.file,
            span: child.span,
        };
        let Ok(v) = parse_var_value(cx, entry) else {
            continue;
        };
        let Ok(sealed) = read_sealed(cx, child, name, v.as_ref()) else {
            continue;
        };
        out.push((name.to_string(), Set { val: v, at, sealed }));
    }
    out
}

/// The `sealed=` property of variable `name`: `#true` or `#false`, and
/// only on a secret or generated value (a sealed value is one nobody
/// should read again: a plain value is in the files for anyone to read).
fn read_sealed(
    cx: &mut Cx,
    child: &Node,
    name: &str,
    value: Option<&VarValue>,
) -> Result<bool, ()> {
    let Some(entry) = child
        .props()
        .filter(|e| e.name.as_ref().is_some_and(|k| k.value == "sealed"))
        .last()
    else {
        return Ok(false);
    };
    let Value::Bool(sealed) = entry.value else {
        type_error(cx, entry, "`#true` or `#false`", &entry.value);
        return Err(());
    };
    if sealed && !matches!(value, Some(VarValue::Secret(_) | VarValue::Generated(_))) {
        cx.push(
            Diagnostic::error(
                SEALED_PLAIN,
                cx.file,
                entry.span,
                format!("variable `{name}` is sealed but its value is written in the files"),
            )
            .with_label("only a secret or generated value can be sealed")
            .with_help(format!(
                "seal a secret reference, as in `{name} (secret)\"env:{name}\" sealed=#true`, or remove `sealed=#true`"
            )),
        );
        return Err(());
    }
    Ok(sealed)
}

/// Stable code of `sealed=#true` on a value that is not a secret.
pub const SEALED_PLAIN: &str = "mirage::resolve::sealed_plain_value";

// ----- small readers: each reports its own diagnostic and returns None ----

/// Unknown properties on `node` → `unknown_property` with suggestions.
pub fn check_props(cx: &mut Cx, node: &Node, allowed: &[&str]) {
    check_prop_names(cx, node, allowed.iter().copied());
}

/// [`check_props`] over any list of names.
pub fn check_prop_names<'a>(
    cx: &mut Cx,
    node: &Node,
    allowed: impl Iterator<Item = &'a str> + Clone,
) {
    for e in node.props() {
        let Some(key) = &e.name else { continue };
        if !allowed.clone().any(|a| a == key.value.as_str()) {
            let help = did_you_mean(&key.value, allowed.clone(), || {
                if allowed.clone().next().is_none() {
                    format!("`{}` takes no properties", node.name.value)
                } else {
                    format!(
                        "`{}` accepts {}",
                        node.name.value,
                        allowed
                            .clone()
                            .map(|a| format!("`{a}=`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            });
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::unknown_property",
                    cx.file,
                    key.span,
                    format!("unknown property `{}` on `{}`", key.value, node.name.value),
                )
                .with_help(help),
            );
        }
    }
}

pub(super) fn no_args(cx: &mut Cx, node: &Node) {
    if let Some(e) = node.first_arg() {
        cx.push(
            Diagnostic::error(
                "mirage::resolve::unexpected_argument",
                cx.file,
                e.span,
                format!("`{}` takes no arguments", node.name.value),
            )
            .with_help("use the properties documented in docs/language.md"),
        );
    }
}

pub(super) fn no_entries(cx: &mut Cx, node: &Node) {
    if let Some(e) = node.entries.first() {
        cx.push(
            Diagnostic::error(
                "mirage::resolve::unexpected_argument",
                cx.file,
                e.span,
                format!("`{}` takes a `{{ … }}` block, not values", node.name.value),
            )
            .with_help(format!("write `{} {{ NAME \"value\" }}`", node.name.value)),
        );
    }
}

pub(super) fn missing(cx: &mut Cx, node: &Node, what: &str) {
    if cx.broken(node.span) {
        return;
    }
    cx.push(
        Diagnostic::error(
            "mirage::resolve::missing_value",
            cx.file,
            node.name.span,
            format!("`{}` needs {what}", node.name.value),
        )
        .with_help("see docs/language.md for this setting"),
    );
}

/// The single argument of `node`; reports a missing one and extra ones.
pub fn arg<'n>(cx: &mut Cx, node: &'n Node) -> Option<&'n Entry> {
    let mut args = node.args();
    let first = args.next();
    if let Some(extra) = args.next() {
        cx.push(
            Diagnostic::error(
                "mirage::resolve::unexpected_argument",
                cx.file,
                extra.span,
                format!("`{}` takes one value", node.name.value),
            )
            .with_help("remove the extra value, or quote a value that contains spaces"),
        );
    }
    if first.is_none() {
        missing(cx, node, "a value");
    }
    first
}

pub(super) fn type_error(cx: &mut Cx, e: &Entry, expected: &str, found: &Value) {
    cx.push(
        Diagnostic::error(
            "mirage::resolve::invalid_value_type",
            cx.file,
            e.value_span,
            format!("expected {expected}, found a {}", found.kind()),
        )
        .with_help(format!("write {expected} here")),
    );
}

pub(super) fn out_of_range(cx: &mut Cx, span: Span, what: String, range: &str) {
    cx.push(
        Diagnostic::error(
            "mirage::resolve::out_of_range",
            cx.file,
            span,
            format!("{what} is out of range"),
        )
        .with_help(format!("use a value {range}")),
    );
}

/// The single argument as a string.
/// The source bytes of `range` (a byte range of the decoded string
/// `decoded`) inside the literal at `literal`: exact when the literal spells
/// the string verbatim (quoted without escapes, raw, or bare), the whole
/// literal otherwise. An empty range (a missing part) becomes one character
/// wide when possible so that it stays visible.
pub(super) fn span_within(
    text: &str,
    literal: Span,
    decoded: &str,
    range: std::ops::Range<usize>,
) -> Span {
    let Some(at) = text
        .get(literal.start..literal.end)
        .and_then(|source| source.find(decoded))
    else {
        return literal;
    };
    let start = literal.start + at + range.start.min(decoded.len());
    let end = literal.start + at + range.end.min(decoded.len());
    if start == end {
        let next = text[start..].chars().next().map_or(0, char::len_utf8);
        return Span::new(start, (start + next).min(literal.end));
    }
    Span::new(start, end)
}

pub fn string_arg(cx: &mut Cx, node: &Node) -> Option<String> {
    let e = arg(cx, node)?;
    string_entry(cx, e)
}

pub(super) fn string_entry(cx: &mut Cx, e: &Entry) -> Option<String> {
    match &e.value {
        Value::String(s) => Some(s.to_string()),
        other => {
            type_error(cx, e, "a string", other);
            None
        }
    }
}

pub(super) fn string_prop(cx: &mut Cx, node: &Node, key: &str) -> Option<String> {
    node.prop(key).and_then(|e| string_entry(cx, e))
}

pub(super) fn string_args(cx: &mut Cx, node: &Node) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for e in node.args() {
        out.push(string_entry(cx, e)?);
    }
    if out.is_empty() {
        missing(cx, node, "at least one string");
        return None;
    }
    Some(out)
}

pub(super) fn int_arg(cx: &mut Cx, node: &Node, lo: i128, hi: i128) -> Option<u64> {
    let e = arg(cx, node)?;
    int_entry(cx, e, lo, hi)
}

pub(super) fn int_entry(cx: &mut Cx, e: &Entry, lo: i128, hi: i128) -> Option<u64> {
    match &e.value {
        Value::Number(Number::Integer(n)) if (lo..=hi).contains(n) => Some(*n as u64),
        Value::Number(Number::Integer(n)) => {
            out_of_range(
                cx,
                e.value_span,
                n.to_string(),
                &format!("from {lo} to {hi}"),
            );
            None
        }
        Value::Number(Number::BigInteger(n)) => {
            out_of_range(cx, e.value_span, n.clone(), &format!("from {lo} to {hi}"));
            None
        }
        other => {
            type_error(cx, e, "a whole number", other);
            None
        }
    }
}

pub(super) fn port(cx: &mut Cx, e: &Entry) -> Option<u16> {
    let n = match &e.value {
        Value::Number(Number::Integer(n)) => *n,
        Value::Number(Number::BigInteger(_)) => i128::MAX,
        other => {
            type_error(cx, e, "a port number", other);
            return None;
        }
    };
    match value::check_port(n) {
        Ok(p) => Some(p),
        Err(reason) => {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::invalid_port",
                    cx.file,
                    e.value_span,
                    reason,
                )
                .with_help("use a port from 1 to 65535"),
            );
            None
        }
    }
}

/// Whole seconds (at least `min`), or a duration string (`30s`, `5m`).
pub(super) fn seconds(cx: &mut Cx, e: &Entry, min: u64) -> Option<u64> {
    match &e.value {
        Value::Number(Number::Integer(n)) if (i128::from(min)..=86_400 * 365).contains(n) => {
            Some(*n as u64)
        }
        Value::Number(_) => {
            out_of_range(
                cx,
                e.value_span,
                "this number of seconds".into(),
                &format!("from {min} to one year (31536000)"),
            );
            None
        }
        Value::String(s) => duration(cx, e, s),
        other => {
            type_error(cx, e, "seconds or a duration such as `30s`", other);
            None
        }
    }
}

/// A duration string at `e`.
pub fn duration(cx: &mut Cx, e: &Entry, text: &str) -> Option<u64> {
    match value::parse_duration(text) {
        Ok(s) => Some(s),
        Err(reason) => {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::invalid_duration",
                    cx.file,
                    e.value_span,
                    format!("invalid duration `{text}`"),
                )
                .with_label(reason)
                .with_help("write a number and a unit: `30s`, `30m`, `72h`, `3d`"),
            );
            None
        }
    }
}

pub(super) fn size(cx: &mut Cx, e: &Entry) -> Option<u64> {
    let Value::String(s) = &e.value else {
        type_error(cx, e, "a size such as `\"5GB\"`", &e.value);
        return None;
    };
    match value::parse_size(s) {
        Ok(b) => Some(b),
        Err(reason) => {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::invalid_size",
                    cx.file,
                    e.value_span,
                    format!("invalid size `{s}`"),
                )
                .with_label(reason)
                .with_help("write a number and a unit: `512MB`, `5GB`"),
            );
            None
        }
    }
}

pub(super) fn bad_enum<'a>(
    cx: &mut Cx,
    node: &Node,
    code: &'static str,
    what: &str,
    found: &str,
    options: impl IntoIterator<Item = &'a str> + Clone,
) {
    let span = node.first_arg().map(|e| e.value_span).unwrap_or(node.span);
    let list = options
        .clone()
        .into_iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let help = did_you_mean(found, options, || format!("use one of {list}"));
    cx.push(
        Diagnostic::error(code, cx.file, span, format!("unknown {what} `{found}`")).with_help(help),
    );
}

/// Whether `region` is a Railway region; reports `unknown_region` if not.
pub fn check_region_at(cx: &mut Cx, span: Span, region: &str) -> bool {
    if regions::is_region(region) {
        return true;
    }
    let help = did_you_mean(region, regions::names(), || {
        format!(
            "Railway regions are {}",
            regions::names()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    cx.push(
        Diagnostic::error(
            "mirage::resolve::unknown_region",
            cx.file,
            span,
            format!("unknown region `{region}`"),
        )
        .with_help(help),
    );
    false
}

/// Whether `name` is a setting of service blocks (for a clearer message
/// when one is written at the top level).
pub fn is_service_setting(name: &str) -> bool {
    settings::setting(name).is_some_and(|s| s.at.per_service)
}

/// Property `e` (named `name`) of a declaration, read as the table types
/// it: a value of the wrong kind says how to write the property.
pub fn typed_prop(cx: &mut Cx, e: &Entry, name: &str, ty: Type) -> Option<Val> {
    let kind_ok = match ty {
        Type::Bool => matches!(e.value, Value::Bool(_)),
        Type::Int { .. } | Type::Seconds { .. } | Type::Port | Type::Cpu => true,
        _ => matches!(e.value, Value::String(_)),
    };
    if !kind_ok {
        let (code, help) = match ty {
            Type::Bool => (
                "mirage::resolve::invalid_value_type",
                format!("write `{name}=#true`"),
            ),
            Type::Duration => (
                "mirage::resolve::invalid_duration",
                format!("write `{name}=\"72h\"` or `{name}=\"3d\"`"),
            ),
            Type::Name(_) => (
                "mirage::resolve::invalid_value_type",
                format!("write `{name}=\"name\"`"),
            ),
            _ => (
                "mirage::resolve::invalid_value_type",
                format!("write {} here", ty.expected()),
            ),
        };
        cx.push(
            Diagnostic::error(
                code,
                cx.file,
                e.value_span,
                format!("expected {}, found a {}", ty.expected(), e.value.kind()),
            )
            .with_help(help),
        );
        return None;
    }
    typed(cx, e, ty)
}
