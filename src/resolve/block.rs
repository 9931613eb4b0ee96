//! The settings of one block (`template`, `service`, a layer or environment
//! and their `service S` blocks) read from the tree, validated where they
//! are written, and kept as a list of assignments to merge later.
//!
//! A block never knows where it sits in the precedence chain; `instance.rs`
//! stacks blocks in order and the last assignment of a key wins.

use std::collections::HashMap;

use super::Cx;
use super::suggest::did_you_mean;
use super::value;
use super::variable::{parse_secret, parse_var_value};
use super::{At, regions};
use crate::diagnostic::{Diagnostic, Span};
use crate::discover::image::parse_image;
use crate::model::{CustomDomain, RegistryCredentials, RestartPolicy, Source, VarValue};
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

/// A setting that merges as one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

/// A validated setting value.
#[derive(Debug, Clone)]
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

/// One assignment: a value, or `None` for `#null` (remove what an earlier
/// level set).
#[derive(Debug, Clone)]
pub struct Set<T> {
    /// The value; `None` removes.
    pub val: Option<T>,
    /// Where it is written.
    pub at: At,
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

const SERVICE_NODES: &[&str] = &[
    "repo",
    "image",
    "branch",
    "commit",
    "check-suites",
    "upstream-url",
    "config-file",
    "backups",
    "root",
    "builder",
    "build-command",
    "dockerfile",
    "watch-patterns",
    "nixpacks-config",
    "nixpacks-plan",
    "railpack-version",
    "build-environment",
    "start",
    "pre-deploy",
    "healthcheck",
    "replicas",
    "region",
    "regions",
    "cron",
    "restart",
    "sleep",
    "registry-credentials",
    "limits",
    "overlap",
    "draining",
    "ipv6-egress",
    "generated-domain",
    "domain",
    "tcp-proxy",
    "private-hostname",
    "volume",
    "port",
    "protect",
    "depends-on",
    "vars",
];
const PROJECT_WIDE_EXTRA: &[&str] = &["shared-vars", "service", "private-network"];

/// Read the children of `node` as a block of `context`.
pub fn read_block(cx: &mut Cx, nodes: &[Node], context: Context) -> Block {
    let mut block = Block::default();
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for node in nodes {
        let name = node.name.value.as_str();
        let known = SERVICE_NODES.contains(&name)
            || (context == Context::ProjectWide && PROJECT_WIDE_EXTRA.contains(&name));
        if !known {
            unknown_node(cx, node, context);
            continue;
        }
        if context == Context::ProjectWide && matches!(name, "repo" | "image" | "root") {
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
        if !matches!(name, "domain" | "service") {
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
        read_setting(cx, node, context, &mut block);
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
    let mut candidates: Vec<&str> = SERVICE_NODES.to_vec();
    if context == Context::ProjectWide {
        candidates.extend(PROJECT_WIDE_EXTRA);
    }
    let help = if matches!(name, "service" | "shared-vars") {
        format!("`{name}` belongs at the top of a `layer` or `environment` block")
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

fn read_setting(cx: &mut Cx, node: &Node, context: Context, block: &mut Block) {
    let at = At {
        file: cx.file,
        span: node.span,
    };
    let name = node.name.value.as_str();
    // `name #null` removes whatever a lower level set, for every key the
    // node controls.
    if let Some(first) = node.first_arg()
        && first.value.is_null()
        && node.entries.len() == 1
        && node.children.is_none()
    {
        for key in keys_of(name) {
            block.settings.push((*key, Set { val: None, at }));
        }
        if name == "vars" || name == "regions" || name == "shared-vars" || name == "service" {
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
    match name {
        "repo" => {
            check_props(cx, node, &["branch", "root"]);
            let repo = string_arg(cx, node).filter(|r| {
                let ok = r.split('/').count() == 2
                    && r.split('/')
                        .all(|p| !p.is_empty() && !p.contains(char::is_whitespace));
                if !ok {
                    let span = node.first_arg().map(|e| e.value_span).unwrap_or(node.span);
                    cx.push(
                        Diagnostic::error(
                            "mirage::resolve::invalid_repo",
                            cx.file,
                            span,
                            format!("`{r}` is not a GitHub repository"),
                        )
                        .with_help(
                            "write the repository as `owner/name`, e.g. `repo \"acme/shop\"`",
                        ),
                    );
                }
                ok
            });
            block.invalid_source |= repo.is_none();
            put(
                block,
                at,
                Key::Source,
                repo.map(|r| Val::Source(Source::Repo(r))),
            );
            put(
                block,
                at,
                Key::Branch,
                string_prop(cx, node, "branch").map(Val::Str),
            );
            put(
                block,
                at,
                Key::Root,
                string_prop(cx, node, "root").map(Val::Str),
            );
        }
        "image" => {
            check_props(cx, node, &[]);
            let image = string_arg(cx, node).filter(|i| match parse_image(i) {
                Ok(_) => true,
                Err(error) => {
                    let span = node
                        .first_arg()
                        .map(|e| span_within(&cx.text, e.value_span, i, error.range.clone()))
                        .unwrap_or(node.span);
                    cx.push(
                        Diagnostic::error(
                            "mirage::resolve::invalid_image",
                            cx.file,
                            span,
                            format!("invalid image reference `{i}`"),
                        )
                        .with_label(error.message)
                        .with_help(error.help),
                    );
                    false
                }
            });
            block.invalid_source |= image.is_none();
            put(
                block,
                at,
                Key::Source,
                image.map(|i| Val::Source(Source::Image(i))),
            );
        }
        "branch" | "root" | "build-command" | "dockerfile" | "nixpacks-config"
        | "nixpacks-plan" | "railpack-version" | "build-environment" | "start"
        | "private-hostname" | "upstream-url" | "config-file" => {
            check_props(cx, node, &[]);
            let key = match name {
                "branch" => Key::Branch,
                "upstream-url" => Key::UpstreamUrl,
                "config-file" => Key::ConfigFile,
                "root" => Key::Root,
                "build-command" => Key::BuildCommand,
                "dockerfile" => Key::Dockerfile,
                "nixpacks-config" => Key::NixpacksConfig,
                "nixpacks-plan" => Key::NixpacksPlan,
                "railpack-version" => Key::RailpackVersion,
                "build-environment" => Key::BuildEnvironment,
                "start" => Key::Start,
                _ => Key::PrivateEndpoint,
            };
            put(block, at, key, string_arg(cx, node).map(Val::Str));
        }
        "builder" => {
            check_props(cx, node, &[]);
            let v = string_arg(cx, node).and_then(|b| match value::parse_builder(&b) {
                Some(r) => Some(r.to_string()),
                None => {
                    bad_enum(
                        cx,
                        node,
                        "mirage::resolve::unknown_builder",
                        "builder",
                        &b,
                        value::BUILDERS.iter().map(|(b, _)| *b),
                    );
                    None
                }
            });
            put(block, at, Key::Builder, v.map(Val::Str));
        }
        "watch-patterns" | "pre-deploy" => {
            check_props(cx, node, &[]);
            let list = string_args(cx, node);
            let key = if name == "pre-deploy" {
                Key::PreDeploy
            } else {
                Key::WatchPatterns
            };
            put(block, at, key, list.map(Val::List));
        }
        "depends-on" => {
            check_props(cx, node, &[]);
            let mut names = Vec::new();
            for e in node.args() {
                match &e.value {
                    Value::String(s) => names.push((s.to_string(), e.value_span)),
                    other => type_error(cx, e, "a service name", other),
                }
            }
            if names.is_empty() {
                missing(cx, node, "at least one service name");
            } else {
                put(block, at, Key::DependsOn, Some(Val::Names(names)));
            }
        }
        "healthcheck" => {
            check_props(cx, node, &["timeout"]);
            if node.first_arg().is_some() {
                put(
                    block,
                    at,
                    Key::HealthPath,
                    string_arg(cx, node).map(Val::Str),
                );
            } else if node.prop("timeout").is_none() {
                missing(cx, node, "a path such as `\"/healthz\"`");
            }
            if let Some(e) = node.prop("timeout") {
                // A zero timeout would fail every deployment at once.
                put(
                    block,
                    at,
                    Key::HealthTimeout,
                    seconds(cx, e, 1).map(Val::U64),
                );
            }
        }
        "replicas" => {
            check_props(cx, node, &[]);
            put(
                block,
                at,
                Key::Replicas,
                int_arg(cx, node, 0, 50).map(Val::U64),
            );
        }
        "region" => {
            check_props(cx, node, &[]);
            put(
                block,
                at,
                Key::Region,
                string_arg(cx, node)
                    .filter(|r| check_region(cx, node.first_arg(), r))
                    .map(Val::Str),
            );
        }
        "regions" => {
            no_entries(cx, node);
            for child in node.child_nodes() {
                let region = &child.name.value;
                let first = child.first_arg();
                if !check_region_at(cx, child.name.span, region) {
                    continue;
                }
                let at = At {
                    file: cx.file,
                    span: child.span,
                };
                match first.map(|e| &e.value) {
                    Some(Value::Null) => block
                        .regions
                        .push((region.to_string(), Set { val: None, at })),
                    _ => {
                        if let Some(n) = int_arg(cx, child, 0, 50) {
                            block
                                .regions
                                .push((region.to_string(), Set { val: Some(n), at }));
                        }
                    }
                }
            }
        }
        "cron" => {
            check_props(cx, node, &[]);
            let v = string_arg(cx, node).filter(|c| match value::check_cron(c) {
                Ok(()) => true,
                Err(reason) => {
                    let span = node.first_arg().map(|e| e.value_span).unwrap_or(node.span);
                    cx.push(
                        Diagnostic::error("mirage::resolve::invalid_cron", cx.file, span, format!("invalid cron schedule `{c}`"))
                            .with_label(reason)
                            .with_help("write five fields: minute hour day-of-month month day-of-week, e.g. `*/15 * * * *`"),
                    );
                    false
                }
            });
            put(block, at, Key::Cron, v.map(Val::Str));
        }
        "restart" => {
            check_props(cx, node, &["max-retries"]);
            if node.first_arg().is_some() {
                let v = string_arg(cx, node).and_then(|p| match value::parse_restart(&p) {
                    Some(r) => Some(r),
                    None => {
                        bad_enum(
                            cx,
                            node,
                            "mirage::resolve::invalid_restart_policy",
                            "restart policy",
                            &p,
                            value::RESTART_POLICIES,
                        );
                        None
                    }
                });
                put(block, at, Key::Restart, v.map(Val::Restart));
            } else if node.prop("max-retries").is_none() {
                missing(cx, node, "a policy: `always`, `never` or `on-failure`");
            }
            if let Some(e) = node.prop("max-retries") {
                put(
                    block,
                    at,
                    Key::RestartRetries,
                    int_entry(cx, e, 0, 1000).map(Val::U64),
                );
            }
        }
        "commit" => {
            check_props(cx, node, &[]);
            let sha = string_arg(cx, node).filter(|c| {
                let ok = (7..=40).contains(&c.len()) && c.chars().all(|x| x.is_ascii_hexdigit());
                if !ok {
                    let span = node.first_arg().map(|e| e.value_span).unwrap_or(node.span);
                    cx.push(
                        Diagnostic::error(
                            "mirage::resolve::invalid_value_type",
                            cx.file,
                            span,
                            format!("`{c}` is not a commit SHA"),
                        )
                        .with_help("write 7 to 40 hexadecimal digits, e.g. `commit \"4f2a9c1\"`"),
                    );
                }
                ok
            });
            put(block, at, Key::Commit, sha.map(Val::Str));
        }
        "backups" => {
            check_props(cx, node, &[]);
            let list = string_args(cx, node).filter(|l| {
                let bad: Vec<&String> = l
                    .iter()
                    .filter(|b| !["daily", "weekly", "monthly"].contains(&b.as_str()))
                    .collect();
                for b in &bad {
                    let span = node
                        .args()
                        .find(|e| e.value.as_str() == Some(b.as_str()))
                        .map(|e| e.value_span)
                        .unwrap_or(node.span);
                    let help = did_you_mean(b, ["daily", "weekly", "monthly"], || {
                        "backup schedules are `daily`, `weekly` and `monthly`".into()
                    });
                    cx.push(
                        Diagnostic::error(
                            "mirage::resolve::invalid_value_type",
                            cx.file,
                            span,
                            format!("unknown backup schedule `{b}`"),
                        )
                        .with_help(help),
                    );
                }
                bad.is_empty()
            });
            put(block, at, Key::Backups, list.map(Val::List));
        }
        "sleep" | "ipv6-egress" | "protect" | "check-suites" | "private-network" => {
            check_props(cx, node, &[]);
            let key = match name {
                "sleep" => Key::Sleep,
                "ipv6-egress" => Key::Ipv6,
                "check-suites" => Key::CheckSuites,
                "private-network" => Key::PrivateNetwork,
                _ => Key::Protect,
            };
            put(block, at, key, bool_arg(cx, node).map(Val::Bool));
        }
        "registry-credentials" => {
            no_args(cx, node);
            check_props(cx, node, &["username", "password"]);
            let username = string_prop(cx, node, "username");
            let password = match node.prop("password") {
                Some(e) if e.ty.as_ref().is_some_and(|t| t.value == "secret") => match &e.value {
                    Value::String(s) => parse_secret(cx, e, s).ok(),
                    other => {
                        type_error(cx, e, "a secret source string", other);
                        None
                    }
                },
                Some(e) => {
                    cx.push(
                        Diagnostic::error(
                            "mirage::resolve::plain_secret",
                            cx.file,
                            e.value_span,
                            "a registry password must be a secret reference",
                        )
                        .with_help("write `password=(secret)\"env:REGISTRY_PASSWORD\"`; passwords never go in files"),
                    );
                    None
                }
                None => None,
            };
            if username.is_none() && node.prop("username").is_none() {
                missing(cx, node, "`username=`");
            }
            if node.prop("password").is_none() {
                missing(cx, node, "`password=(secret)\"env:NAME\"`");
            }
            if let (Some(username), Some(password)) = (username, password) {
                put(
                    block,
                    at,
                    Key::RegistryCredentials,
                    Some(Val::Credentials(RegistryCredentials { username, password })),
                );
            }
        }
        "limits" => {
            no_args(cx, node);
            check_props(cx, node, &["cpu", "memory", "disk"]);
            if node.props().next().is_none() {
                missing(cx, node, "`cpu=`, `memory=` or `disk=`");
            }
            if let Some(e) = node.prop("cpu") {
                match e.value.as_f64() {
                    Some(c) if c > 0.0 && c <= 64.0 => {
                        put(block, at, Key::LimitCpu, Some(Val::F64(c)))
                    }
                    Some(c) => {
                        out_of_range(cx, e.value_span, format!("{c} vCPUs"), "between 0 and 64")
                    }
                    None => type_error(cx, e, "a number of vCPUs", &e.value),
                }
            }
            for (prop, key) in [("memory", Key::LimitMemory), ("disk", Key::LimitDisk)] {
                if let Some(e) = node.prop(prop) {
                    put(block, at, key, size(cx, e).map(Val::U64));
                }
            }
        }
        "overlap" | "draining" => {
            check_props(cx, node, &[]);
            let key = if name == "overlap" {
                Key::Overlap
            } else {
                Key::Draining
            };
            let v = arg(cx, node).and_then(|e| seconds(cx, e, 0));
            put(block, at, key, v.map(Val::U64));
        }
        "generated-domain" => {
            no_args(cx, node);
            check_props(cx, node, &["port"]);
            let port = node.prop("port").map(|e| port(cx, e));
            match port {
                Some(None) => {}
                Some(p) => put(block, at, Key::ServiceDomain, Some(Val::ServiceDomain(p))),
                None => put(
                    block,
                    at,
                    Key::ServiceDomain,
                    Some(Val::ServiceDomain(None)),
                ),
            }
        }
        "domain" => {
            check_props(cx, node, &["port"]);
            let domain = string_arg(cx, node).filter(|d| match value::check_domain(d) {
                Ok(()) => true,
                Err(reason) => {
                    let span = node.first_arg().map(|e| e.value_span).unwrap_or(node.span);
                    cx.push(
                        Diagnostic::error("mirage::resolve::invalid_domain", cx.file, span, reason)
                            .with_help("write a host name such as `api.shop.example` (`{environment}` stands for the environment's name); for a generated `*.up.railway.app` domain write `generated-domain`"),
                    );
                    false
                }
            });
            let port = node.prop("port").and_then(|e| port(cx, e));
            if let Some(domain) = domain {
                // All `domain` nodes of a block form one list.
                let existing = block
                    .settings
                    .iter_mut()
                    .rev()
                    .find(|(k, s)| *k == Key::CustomDomains && s.val.is_some());
                match existing {
                    Some((
                        _,
                        Set {
                            val: Some(Val::Domains(list)),
                            at: first,
                        },
                    )) => {
                        first.span = first.span.cover(node.span);
                        if list.iter().any(|d| d.domain == domain) {
                            cx.push(
                                Diagnostic::error(
                                    "mirage::resolve::duplicate_setting",
                                    cx.file,
                                    node.span,
                                    format!("domain `{domain}` is listed twice"),
                                )
                                .with_help("remove one of them"),
                            );
                        } else {
                            list.push(CustomDomain { domain, port });
                        }
                    }
                    _ => put(
                        block,
                        at,
                        Key::CustomDomains,
                        Some(Val::Domains(vec![CustomDomain { domain, port }])),
                    ),
                }
            }
        }
        "tcp-proxy" | "port" => {
            check_props(cx, node, &[]);
            let key = if name == "port" {
                Key::Port
            } else {
                Key::TcpProxy
            };
            let v = arg(cx, node).and_then(|e| port(cx, e));
            put(block, at, key, v.map(|p| Val::U64(p.into())));
        }
        "volume" => {
            check_props(cx, node, &["size"]);
            if node.first_arg().is_some() {
                let mount = string_arg(cx, node).filter(|m| {
                    if !m.starts_with('/') {
                        let span = node.first_arg().map(|e| e.value_span).unwrap_or(node.span);
                        cx.push(
                            Diagnostic::error(
                                "mirage::resolve::invalid_mount_path",
                                cx.file,
                                span,
                                format!("mount path `{m}` is not absolute"),
                            )
                            .with_help("write an absolute path such as `/data`"),
                        );
                    }
                    m.starts_with('/')
                });
                put(block, at, Key::VolumeMount, mount.map(Val::Str));
            } else if node.prop("size").is_none() {
                missing(cx, node, "a mount path such as `\"/data\"`");
            }
            if let Some(e) = node.prop("size") {
                put(
                    block,
                    at,
                    Key::VolumeSize,
                    size(cx, e).map(|b| Val::U64(b.div_ceil(1_000_000))),
                );
            }
        }
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
        _ => {}
    }
    let _ = context;
}

fn put(block: &mut Block, at: At, key: Key, val: Option<Val>) {
    if let Some(v) = val {
        block.settings.push((key, Set { val: Some(v), at }));
    }
}

/// The keys a node sets, for `name #null`.
fn keys_of(name: &str) -> &'static [Key] {
    match name {
        "repo" => &[Key::Source, Key::Branch, Key::Root],
        "image" => &[Key::Source],
        "branch" => &[Key::Branch],
        "commit" => &[Key::Commit],
        "check-suites" => &[Key::CheckSuites],
        "upstream-url" => &[Key::UpstreamUrl],
        "config-file" => &[Key::ConfigFile],
        "backups" => &[Key::Backups],
        "private-network" => &[Key::PrivateNetwork],
        "root" => &[Key::Root],
        "builder" => &[Key::Builder],
        "build-command" => &[Key::BuildCommand],
        "dockerfile" => &[Key::Dockerfile],
        "watch-patterns" => &[Key::WatchPatterns],
        "nixpacks-config" => &[Key::NixpacksConfig],
        "nixpacks-plan" => &[Key::NixpacksPlan],
        "railpack-version" => &[Key::RailpackVersion],
        "build-environment" => &[Key::BuildEnvironment],
        "start" => &[Key::Start],
        "pre-deploy" => &[Key::PreDeploy],
        "healthcheck" => &[Key::HealthPath, Key::HealthTimeout],
        "replicas" => &[Key::Replicas],
        "region" => &[Key::Region],
        "cron" => &[Key::Cron],
        "restart" => &[Key::Restart, Key::RestartRetries],
        "sleep" => &[Key::Sleep],
        "registry-credentials" => &[Key::RegistryCredentials],
        "limits" => &[Key::LimitCpu, Key::LimitMemory, Key::LimitDisk],
        "overlap" => &[Key::Overlap],
        "draining" => &[Key::Draining],
        "ipv6-egress" => &[Key::Ipv6],
        "generated-domain" => &[Key::ServiceDomain],
        "domain" => &[Key::CustomDomains],
        "tcp-proxy" => &[Key::TcpProxy],
        "private-hostname" => &[Key::PrivateEndpoint],
        "volume" => &[Key::VolumeMount, Key::VolumeSize, Key::Backups],
        "port" => &[Key::Port],
        "protect" => &[Key::Protect],
        "depends-on" => &[Key::DependsOn],
        _ => &[],
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
        if child.children.is_some() || child.props().next().is_some() {
            cx.push(
                Diagnostic::error(
                    "mirage::resolve::unexpected_argument",
                    cx.file,
                    child.span,
                    format!("variable `{name}` takes exactly one value"),
                )
                .with_help(format!("write `{name} \"value\"`")),
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
        if let Ok(v) = parse_var_value(cx, entry) {
            out.push((name.to_string(), Set { val: v, at }));
        }
    }
    out
}

// ----- small readers: each reports its own diagnostic and returns None ----

/// Unknown properties on `node` → `unknown_property` with suggestions.
pub fn check_props(cx: &mut Cx, node: &Node, allowed: &[&str]) {
    for e in node.props() {
        let Some(key) = &e.name else { continue };
        if !allowed.contains(&key.value.as_str()) {
            let help = did_you_mean(&key.value, allowed.iter().copied(), || {
                if allowed.is_empty() {
                    format!("`{}` takes no properties", node.name.value)
                } else {
                    format!(
                        "`{}` accepts {}",
                        node.name.value,
                        allowed
                            .iter()
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

fn no_args(cx: &mut Cx, node: &Node) {
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

fn no_entries(cx: &mut Cx, node: &Node) {
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

fn missing(cx: &mut Cx, node: &Node, what: &str) {
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

fn type_error(cx: &mut Cx, e: &Entry, expected: &str, found: &Value) {
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

fn out_of_range(cx: &mut Cx, span: Span, what: String, range: &str) {
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
fn span_within(text: &str, literal: Span, decoded: &str, range: std::ops::Range<usize>) -> Span {
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

fn string_entry(cx: &mut Cx, e: &Entry) -> Option<String> {
    match &e.value {
        Value::String(s) => Some(s.to_string()),
        other => {
            type_error(cx, e, "a string", other);
            None
        }
    }
}

fn string_prop(cx: &mut Cx, node: &Node, key: &str) -> Option<String> {
    node.prop(key).and_then(|e| string_entry(cx, e))
}

fn string_args(cx: &mut Cx, node: &Node) -> Option<Vec<String>> {
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

fn bool_arg(cx: &mut Cx, node: &Node) -> Option<bool> {
    let e = arg(cx, node)?;
    match &e.value {
        Value::Bool(b) => Some(*b),
        other => {
            type_error(cx, e, "`#true` or `#false`", other);
            None
        }
    }
}

fn int_arg(cx: &mut Cx, node: &Node, lo: i128, hi: i128) -> Option<u64> {
    let e = arg(cx, node)?;
    int_entry(cx, e, lo, hi)
}

fn int_entry(cx: &mut Cx, e: &Entry, lo: i128, hi: i128) -> Option<u64> {
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

fn port(cx: &mut Cx, e: &Entry) -> Option<u16> {
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
fn seconds(cx: &mut Cx, e: &Entry, min: u64) -> Option<u64> {
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

fn size(cx: &mut Cx, e: &Entry) -> Option<u64> {
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

fn bad_enum<'a>(
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

fn check_region(cx: &mut Cx, e: Option<&Entry>, region: &str) -> bool {
    let span = e.map(|e| e.value_span).unwrap_or_default();
    check_region_at(cx, span, region)
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
    SERVICE_NODES.contains(&name)
}

/// Every node a `service` block accepts, then the extra ones of a layer or
/// environment's top (for the language server's schema test).
pub fn service_setting_names() -> impl Iterator<Item = &'static str> {
    SERVICE_NODES.iter().chain(PROJECT_WIDE_EXTRA).copied()
}
