//! `moved service="old" to="new"` / `moved environment="old" to="new"`: a
//! rename written down, so that the plan renames the service or environment
//! on Railway (keeping its data, volumes included) instead of destroying
//! the old one and creating the new one. A `moved` whose old name no longer
//! exists on Railway does nothing and may stay in the files.

use std::collections::HashMap;

use super::At;
use super::Cx;
use super::block::check_props;
use super::instance::Steps;
use super::suggest::did_you_mean;
use crate::diagnostic::{Diagnostic, FileId, Span};
use crate::model::{Level, Move, MoveKind, Origin};
use crate::syntax::{Node, Value};

/// A `moved` node as written.
#[derive(Debug, Clone)]
pub struct MoveDecl {
    /// Service or environment.
    pub kind: MoveKind,
    /// The old name and its span.
    pub from: (String, Span),
    /// The new name and its span.
    pub to: (String, Span),
    /// The file.
    pub file: FileId,
    /// The whole node.
    pub span: Span,
}

/// Reads one `moved` node; problems are reported and give `None`.
pub fn read(cx: &mut Cx, node: &Node) -> Option<MoveDecl> {
    check_props(cx, node, &["service", "environment", "to"]);
    let string = |cx: &mut Cx, key: &str| -> Option<(String, Span)> {
        let entry = node.prop(key)?;
        match &entry.value {
            Value::String(s) if !s.is_empty() => Some((s.to_string(), entry.value_span)),
            other => {
                cx.push(
                    Diagnostic::error(
                        "mirage::resolve::invalid_value_type",
                        cx.file,
                        entry.value_span,
                        format!("expected a name, found a {}", other.kind()),
                    )
                    .with_help(format!("write `{key}=\"name\"`")),
                );
                None
            }
        }
    };
    let service = string(cx, "service");
    let environment = string(cx, "environment");
    let to = string(cx, "to");
    let (kind, from) = match (service, environment) {
        (Some(from), None) => (MoveKind::Service, from),
        (None, Some(from)) => (MoveKind::Environment, from),
        (Some(_), Some(_)) | (None, None) => {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::invalid_move",
                    cx.file,
                    node.name.span,
                    "`moved` names one service or one environment",
                )
                .with_help(
                    "write `moved service=\"old\" to=\"new\"` or `moved environment=\"old\" to=\"new\"`",
                ),
            );
            return None;
        }
    };
    let Some(to) = to else {
        cx.push(
            Diagnostic::error(
                "mirage::resolve::missing_value",
                cx.file,
                node.name.span,
                "`moved` needs the new name",
            )
            .with_help(format!("write `to=\"new name\"` after `{}`", kind.noun())),
        );
        return None;
    };
    if from.0 == to.0 {
        cx.push(
            Diagnostic::error(
                "mirage::resolve::invalid_move",
                cx.file,
                to.1,
                format!("`{}` is moved to itself", to.0),
            )
            .with_help("remove this `moved`"),
        );
        return None;
    }
    if node.args().next().is_some() || node.children.is_some() {
        cx.push(
            Diagnostic::error(
                "mirage::resolve::unexpected_argument",
                cx.file,
                node.span,
                "`moved` takes only `service=`/`environment=` and `to=`",
            )
            .with_help("write `moved service=\"old\" to=\"new\"`"),
        );
    }
    Some(MoveDecl {
        kind,
        from,
        to,
        file: cx.file,
        span: node.span,
    })
}

/// Checks the moves against the declared names and turns them into the
/// model's: the new name must be declared, the old one must not, and a
/// name moves at most once.
pub fn resolve(
    decls: &[MoveDecl],
    services: &[&str],
    environments: &[&str],
    templates: &[&str],
    steps: &Steps<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Move> {
    let mut seen: HashMap<(MoveKind, &str), (FileId, Span)> = HashMap::new();
    let mut out = Vec::new();
    for m in decls {
        let declared: &[&str] = match m.kind {
            MoveKind::Service => services,
            MoveKind::Environment => environments,
        };
        let noun = m.kind.noun();
        let mut ok = true;
        if m.kind == MoveKind::Environment && templates.contains(&m.to.0.as_str()) {
            ok = false;
            diags.push(
                Diagnostic::error(
                    "mirage::resolve::moved_template",
                    m.file,
                    m.to.1,
                    format!(
                        "`{}` is moved to template `{}`, which is never applied as an environment",
                        m.from.0, m.to.0
                    ),
                )
                .with_help("a template makes previews and has no environment on Railway to rename into; remove this `moved` (delete the old environment in Railway if it is no longer needed)"),
            );
        }
        if !declared.contains(&m.to.0.as_str()) {
            ok = false;
            let help = did_you_mean(&m.to.0, declared.iter().copied(), || {
                format!("`to=` names the {noun} as the files declare it now")
            });
            diags.push(
                Diagnostic::error(
                    "mirage::resolve::moved_to_unknown",
                    m.file,
                    m.to.1,
                    format!(
                        "`{}` is moved to `{}`, which is not a declared {noun}",
                        m.from.0, m.to.0
                    ),
                )
                .with_help(help),
            );
        }
        if declared.contains(&m.from.0.as_str()) {
            ok = false;
            diags.push(
                Diagnostic::error(
                    "mirage::resolve::moved_from_declared",
                    m.file,
                    m.from.1,
                    format!("`{}` is moved, but a {noun} of that name is still declared", m.from.0),
                )
                .with_help(format!(
                    "a renamed {noun}'s old name must be gone from the files; remove this `moved` if `{}` is a new {noun}",
                    m.from.0
                )),
            );
        }
        for (name, span) in [(&m.from.0, m.from.1), (&m.to.0, m.to.1)] {
            if let Some(&(file, first)) = seen.get(&(m.kind, name.as_str())) {
                ok = false;
                diags.push(
                    Diagnostic::error(
                        "mirage::resolve::duplicate_move",
                        m.file,
                        span,
                        format!("{noun} `{name}` takes part in two `moved`"),
                    )
                    .with_related(file, first, "first moved here")
                    .with_help("a name is renamed at most once; keep one `moved` per rename (write `a` → `c` directly instead of `a` → `b` → `c`)"),
                );
            }
        }
        seen.insert((m.kind, m.from.0.as_str()), (m.file, m.from.1));
        seen.insert((m.kind, m.to.0.as_str()), (m.file, m.to.1));
        if ok {
            out.push(Move {
                kind: m.kind,
                from: m.from.0.clone(),
                to: m.to.0.clone(),
                origin: Origin::single(steps.step(
                    &Level::Project,
                    At {
                        file: m.file,
                        span: m.span,
                    },
                )),
            });
        }
    }
    out
}
