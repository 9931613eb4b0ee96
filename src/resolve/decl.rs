//! Top-level declarations: `project`, `import`, `template`, `service`,
//! `layer` and `environment`, read from every file, with duplicate names
//! reported at the second definition.

use std::collections::HashMap;
use std::sync::Arc;

use super::block::{self, Block, Context, Set, Val, check_props, read_block, read_vars};
use super::suggest::did_you_mean;
use super::value::check_name;
use super::{At, Cx};
use crate::diagnostic::{Diagnostic, FileId, Span};
use crate::model::{Plan, VarValue};
use crate::settings::{self, Place, Type};
use crate::syntax::{Document, Ident, Node, Value};

/// `project "name" { … }`.
#[derive(Debug)]
pub struct ProjectDecl {
    pub name: Ident,
    pub file: FileId,
    pub workspace: Option<(String, At)>,
    pub region: Option<(String, At)>,
    pub plan: Option<(Plan, At)>,
    pub shared: Vec<(String, Set<VarValue>)>,
    pub secrets: crate::model::SecretSettings,
}

/// `template`, `service` and `layer` share this shape: a name, an optional
/// parent (`extends=` / `from=`) and a block.
#[derive(Debug)]
pub struct Decl {
    pub name: Ident,
    pub file: FileId,
    /// `extends=` of templates and layers, `from=` of services.
    pub parent: Option<Ident>,
    pub block: Block,
    /// Declared in a standard-library file.
    pub is_std: bool,
    /// The declaration holds a syntax error (so settings may be missing).
    pub broken: bool,
}

/// `environment "name" layer=… ephemeral=… ttl=… { … }`.
#[derive(Debug)]
pub struct EnvDecl {
    pub name: Ident,
    pub file: FileId,
    pub layer: Option<Ident>,
    pub ephemeral: Option<(bool, At)>,
    pub ttl: Option<(u64, At)>,
    /// `preview … { … }` at the top of the block.
    pub preview: Option<PreviewDecl>,
    pub block: Block,
}

/// `preview name="pr-{number}" max-live=10 source="staging" drafts=#false
/// { services "api" "web" }` in a template (an ephemeral environment).
/// Each value is already checked on its own; what needs the other
/// declarations (names of environments and services) is checked by
/// `project`.
#[derive(Debug, Default)]
pub struct PreviewDecl {
    /// The node's name, for diagnostics about the whole node.
    pub span: Span,
    /// `name=`, with the span of its string.
    pub name: Option<(String, Span)>,
    pub max_live: Option<u32>,
    /// `source=`.
    pub source: Option<Ident>,
    pub drafts: Option<bool>,
    /// `services "a" "b"`: each name with its span.
    pub services: Option<Vec<(String, Span)>>,
}

/// Everything declared in the project.
#[derive(Debug, Default)]
pub struct Decls {
    pub project: Option<ProjectDecl>,
    pub templates: Vec<Decl>,
    pub services: Vec<Decl>,
    pub layers: Vec<Decl>,
    pub environments: Vec<EnvDecl>,
    pub moves: Vec<super::moved::MoveDecl>,
}

/// Read the declarations of every document.
pub fn read_decls(
    files: &crate::diagnostic::SourceFiles,
    documents: &[Arc<Document>],
    is_std: &[bool],
    diags: &mut Vec<Diagnostic>,
) -> Decls {
    let mut decls = Decls::default();
    let mut names: HashMap<(&'static str, String), (FileId, Span)> = HashMap::new();
    for (i, doc) in documents.iter().enumerate() {
        let file = FileId(i as u32);
        let syntax_errors = diags
            .iter()
            .filter(|d| d.file() == Some(file) && d.code.starts_with("mirage::syntax::"))
            .map(|d| d.span())
            .collect();
        let mut cx = Cx {
            file,
            diags,
            syntax_errors,
            text: files.get(file).text.clone(),
        };
        for node in &doc.nodes {
            read_top(&mut cx, node, is_std[i], &mut decls, &mut names);
        }
    }
    decls
}

fn read_top(
    cx: &mut Cx,
    node: &Node,
    is_std: bool,
    decls: &mut Decls,
    names: &mut HashMap<(&'static str, String), (FileId, Span)>,
) {
    let kind = node.name.value.as_str();
    let kind: &'static str = match settings::names(Place::TopLevel).find(|k| *k == kind) {
        Some(k) => k,
        None => {
            let help = did_you_mean(kind, settings::names(Place::TopLevel), || {
                "the top level holds `project`, `import`, `template`, `service`, `layer`, `environment` and `moved`".into()
            });
            let message = if block::is_service_setting(kind) {
                format!(
                    "`{kind}` must be inside a `service`, `template`, `layer` or `environment` block"
                )
            } else {
                format!("unknown node `{kind}`")
            };
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::unknown_node",
                    cx.file,
                    node.name.span,
                    message,
                )
                .with_help(help),
            );
            return;
        }
    };
    if kind == "moved" {
        if let Some(m) = super::moved::read(cx, node) {
            decls.moves.push(m);
        }
        return;
    }
    if kind == "import" {
        check_props(cx, node, &[]);
        match node.first_arg().map(|e| &e.value) {
            Some(Value::String(_)) => {}
            _ => {
                cx.push(
                    Diagnostic::error(
                        "mirage::resolve::missing_value",
                        cx.file,
                        node.name.span,
                        "`import` needs a path string",
                    )
                    .with_help(
                        "write `import \"std/postgres\"` or `import \"./lib/common.mirage\"`",
                    ),
                );
            }
        }
        if node.args().nth(1).is_some() || node.children.is_some() {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::unexpected_argument",
                    cx.file,
                    node.span,
                    "`import` takes one path",
                )
                .with_help("write one `import` per file"),
            );
        }
        return;
    }
    let Some(name) = decl_name(cx, node, kind) else {
        return;
    };
    let key = (kind, name.value.to_string());
    if let Some(&(first_file, first_span)) = names.get(&key) {
        cx.push(
            Diagnostic::error(
                "mirage::resolve::duplicate_definition",
                cx.file,
                name.span,
                format!("{kind} `{}` is defined twice", name.value),
            )
            .with_label("defined again here")
            .with_related(first_file, first_span, "first defined here")
            .with_help(format!(
                "rename one of them; {kind} names are unique in a project"
            )),
        );
        return;
    }
    if kind == "project"
        && let Some(p) = &decls.project
    {
        cx.push(
            Diagnostic::error(
                "mirage::resolve::duplicate_definition",
                cx.file,
                name.span,
                "a project is declared twice",
            )
            .with_related(p.file, p.name.span, "first declared here")
            .with_help("keep one `project` node for the directory"),
        );
        return;
    }
    names.insert(key, (cx.file, name.span));
    let file = cx.file;
    match kind {
        "project" => {
            check_props(cx, node, &[]);
            let mut project = ProjectDecl {
                name,
                file,
                workspace: None,
                region: None,
                plan: None,
                shared: Vec::new(),
                secrets: crate::model::SecretSettings::default(),
            };
            for child in node.child_nodes() {
                let at = At {
                    file,
                    span: child.span,
                };
                let ty = settings::decl(&child.name.value, Place::Project)
                    .and_then(|d| d.args.ty())
                    .unwrap_or(Type::Str);
                let value = |cx: &mut Cx| {
                    block::arg(cx, child)
                        .and_then(|e| block::typed(cx, e, ty))
                        .and_then(|v| v.str())
                        .map(|s| (s, at))
                };
                match child.name.value.as_str() {
                    "workspace" => project.workspace = value(cx),
                    "region" => project.region = value(cx),
                    "plan" => project.plan = read_plan(cx, child).map(|p| (p, at)),
                    "shared-vars" => project.shared.extend(read_vars(cx, child)),
                    "secrets" => project.secrets = super::secrets::read(cx, child),
                    other => {
                        let help = did_you_mean(other, settings::names(Place::Project), || {
                            "a project holds `workspace`, `region`, `plan`, `shared-vars` and `secrets`".into()
                        });
                        cx.push(
                            Diagnostic::error(
                                "mirage::resolve::unknown_node",
                                file,
                                child.name.span,
                                format!("unknown setting `{other}` in a project"),
                            )
                            .with_help(help),
                        );
                    }
                }
            }
            decls.project = Some(project);
        }
        "template" | "service" | "layer" => {
            let parent_key = if kind == "service" { "from" } else { "extends" };
            let props = settings::decl(kind, Place::TopLevel).map_or(&[][..], |d| d.props);
            block::check_prop_names(cx, node, props.iter().map(|p| p.name));
            extra_args(cx, node);
            let parent = typed_prop(cx, node, props, parent_key).and_then(|(v, e)| {
                v.str().map(|value| Ident {
                    value: value.into(),
                    span: e.value_span,
                })
            });
            let context = match kind {
                "template" => Context::Template,
                "service" => Context::Service,
                _ => Context::ProjectWide,
            };
            let block = read_block(cx, node.child_nodes(), context);
            let decl = Decl {
                name,
                file,
                parent,
                block,
                is_std,
                broken: cx.broken(node.span),
            };
            match kind {
                "template" => decls.templates.push(decl),
                "service" => decls.services.push(decl),
                _ => decls.layers.push(decl),
            }
        }
        _ => {
            let props = settings::decl(kind, Place::TopLevel).map_or(&[][..], |d| d.props);
            block::check_prop_names(cx, node, props.iter().map(|p| p.name));
            extra_args(cx, node);
            let layer = typed_prop(cx, node, props, "layer").and_then(|(v, e)| {
                v.str().map(|value| Ident {
                    value: value.into(),
                    span: e.value_span,
                })
            });
            let ephemeral = typed_prop(cx, node, props, "ephemeral")
                .and_then(|(v, e)| v.bool().map(|b| (b, At { file, span: e.span })));
            let ttl = typed_prop(cx, node, props, "ttl")
                .and_then(|(v, e)| v.u64().map(|t| (t, At { file, span: e.span })));
            if ttl.is_some() && !ephemeral.is_some_and(|(e, _)| e) {
                let span = node.prop("ttl").map(|e| e.span).unwrap_or(node.span);
                cx.push(
                    Diagnostic::warning(
                        "mirage::resolve::ttl_without_ephemeral",
                        file,
                        span,
                        "`ttl` only applies to ephemeral environments",
                    )
                    .with_help("add `ephemeral=#true`, or remove `ttl`"),
                );
            }
            let is_template = ephemeral.is_some_and(|(e, _)| e);
            let (preview, rest) = read_preview(cx, node.child_nodes(), is_template);
            let block = match rest {
                Some(rest) => read_block(cx, &rest, Context::ProjectWide),
                None => read_block(cx, node.child_nodes(), Context::ProjectWide),
            };
            decls.environments.push(EnvDecl {
                name,
                file,
                layer,
                ephemeral,
                ttl,
                preview,
                block,
            });
        }
    }
}

/// The `preview` node among an environment's children, read, and the
/// other children (`None`: there was no `preview`, read them all).
fn read_preview(
    cx: &mut Cx,
    nodes: &[Node],
    is_template: bool,
) -> (Option<PreviewDecl>, Option<Vec<Node>>) {
    if !nodes.iter().any(|n| n.name.value == "preview") {
        return (None, None);
    }
    let mut preview: Option<PreviewDecl> = None;
    let mut rest = Vec::with_capacity(nodes.len());
    for node in nodes {
        if node.name.value != "preview" {
            rest.push(node.clone());
            continue;
        }
        if let Some(first) = &preview {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::duplicate_setting",
                    cx.file,
                    node.name.span,
                    "`preview` is set twice in this environment",
                )
                .with_related(cx.file, first.span, "first set here")
                .with_help("keep one `preview` node per template"),
            );
            continue;
        }
        if !is_template {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::preview_without_ephemeral",
                    cx.file,
                    node.name.span,
                    "`preview` describes the previews of a template, and this environment is not one",
                )
                .with_help(
                    "add `ephemeral=#true` to the environment to make it a template for previews, or remove `preview`",
                ),
            );
        }
        preview = Some(read_preview_node(cx, node));
    }
    (preview, Some(rest))
}

/// One `preview` node: its properties, then its `services` child.
fn read_preview_node(cx: &mut Cx, node: &Node) -> PreviewDecl {
    let decl = settings::decl("preview", Place::Environment);
    let props = decl.map_or(&[][..], |d| d.props);
    block::check_prop_names(cx, node, props.iter().map(|p| p.name));
    block::no_args(cx, node);
    let mut out = PreviewDecl {
        span: node.name.span,
        ..PreviewDecl::default()
    };
    if let Some((Val::Str(pattern), e)) = typed_prop(cx, node, props, "name") {
        match crate::model::check_name_pattern(&pattern) {
            Ok(()) => out.name = Some((pattern, e.value_span)),
            Err(problem) => {
                let span = block::span_within(&cx.text, e.value_span, &pattern, problem.range);
                let help = match problem.kind {
                    "missing" => {
                        "put the pull request's number in the name, e.g. `name=\"pr-{number}\"`"
                    }
                    "twice" => "write `{number}` once",
                    "unknown" => {
                        "a name pattern holds `{template}` (the template's name) and `{number}` (the pull request's)"
                    }
                    _ => "environment names hold letters, digits, `-` and `_`",
                };
                cx.push(
                    Diagnostic::error(
                        "mirage::resolve::invalid_preview_name",
                        cx.file,
                        span,
                        format!("invalid preview name pattern `{pattern}`"),
                    )
                    .with_label(problem.reason)
                    .with_help(help),
                );
            }
        }
    }
    out.max_live = typed_prop(cx, node, props, "max-live")
        .and_then(|(v, _)| v.u64())
        .and_then(|n| u32::try_from(n).ok());
    out.source = typed_prop(cx, node, props, "source").and_then(|(v, e)| {
        v.str().map(|value| Ident {
            value: value.into(),
            span: e.value_span,
        })
    });
    out.drafts = typed_prop(cx, node, props, "drafts").and_then(|(v, _)| v.bool());
    let mut services_at: Option<Span> = None;
    for child in node.child_nodes() {
        let name = child.name.value.as_str();
        if name != "services" {
            let help = did_you_mean(name, settings::names(Place::Preview), || {
                "`preview { }` holds `services \"a\" \"b\"`; settings of previews go in the template's block".into()
            });
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::unknown_node",
                    cx.file,
                    child.name.span,
                    format!("unknown setting `{name}` in `preview`"),
                )
                .with_help(help),
            );
            continue;
        }
        if let Some(first) = services_at {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::duplicate_setting",
                    cx.file,
                    child.name.span,
                    "`services` is set twice in this `preview`",
                )
                .with_related(cx.file, first, "first set here")
                .with_help("list every service in one `services` node"),
            );
            continue;
        }
        services_at = Some(child.name.span);
        block::check_props(cx, child, &[]);
        if child.children.is_some() {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::unexpected_argument",
                    cx.file,
                    child.span,
                    "`services` takes names, not a block",
                )
                .with_help("write `services \"api\" \"web\"`"),
            );
        }
        let mut names = Vec::new();
        let mut ok = true;
        for e in child.args() {
            match &e.value {
                Value::String(s) => names.push((s.to_string(), e.value_span)),
                other => {
                    ok = false;
                    block::type_error(cx, e, "a service name", other);
                }
            }
        }
        if names.is_empty() && ok {
            block::missing(cx, child, "at least one service name");
        } else if ok {
            out.services = Some(names);
        }
    }
    out
}

/// `plan "pro"`: one of Railway's plans.
fn read_plan(cx: &mut Cx, node: &Node) -> Option<Plan> {
    block::check_props(cx, node, &[]);
    let name = block::string_arg(cx, node)?;
    if let Some(plan) = Plan::parse(&name) {
        return Some(plan);
    }
    let names = Plan::ALL.map(|(n, _)| n);
    let help = did_you_mean(&name, names, || {
        format!(
            "Railway's plans are {}",
            names.map(|n| format!("`{n}`")).join(", ")
        )
    });
    let span = node.first_arg().map_or(node.span, |e| e.value_span);
    cx.push(
        Diagnostic::error(
            "mirage::resolve::unknown_plan",
            cx.file,
            span,
            format!("unknown plan `{name}`"),
        )
        .with_help(help),
    );
    None
}

/// The name argument of a declaration, validated.
fn decl_name(cx: &mut Cx, node: &Node, kind: &str) -> Option<Ident> {
    let Some(e) = node.first_arg() else {
        if cx.broken(node.span) {
            return None;
        }
        cx.push(
            Diagnostic::error(
                "mirage::resolve::missing_value",
                cx.file,
                node.name.span,
                format!("`{kind}` needs a name"),
            )
            .with_help(format!("write `{kind} \"name\" {{ … }}`")),
        );
        return None;
    };
    let Value::String(s) = &e.value else {
        cx.push(
            Diagnostic::error(
                "mirage::resolve::invalid_value_type",
                cx.file,
                e.value_span,
                format!("expected a {kind} name, found a {}", e.value.kind()),
            )
            .with_help(format!("write `{kind} \"name\"`")),
        );
        return None;
    };
    if kind != "project"
        && let Err(reason) = check_name(s, kind == "template")
    {
        cx.push(
            Diagnostic::error(
                "mirage::resolve::invalid_name",
                cx.file,
                e.value_span,
                reason,
            )
            .with_help(
                "use letters, digits, `-` and `_`; names appear in `${{name.VAR}}` references",
            ),
        );
        return None;
    }
    Some(Ident {
        value: s.clone(),
        span: e.value_span,
    })
}

fn extra_args(cx: &mut Cx, node: &Node) {
    if let Some(extra) = node.args().nth(1) {
        cx.push(
            Diagnostic::error(
                "mirage::resolve::unexpected_argument",
                cx.file,
                extra.span,
                format!("`{}` takes one name", node.name.value),
            )
            .with_help("quote names that contain spaces, or remove the extra value"),
        );
    }
}

/// Property `name` of `node`, read as the table (`props`) types it.
fn typed_prop<'n>(
    cx: &mut Cx,
    node: &'n Node,
    props: &[settings::Prop],
    name: &str,
) -> Option<(Val, &'n crate::syntax::Entry)> {
    let ty = props.iter().find(|p| p.name == name)?.ty;
    let e = node.prop(name)?;
    block::typed_prop(cx, e, name, ty).map(|v| (v, e))
}
