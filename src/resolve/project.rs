//! From declarations to the model: name lookups, chains, one instance per
//! service per environment, reference checks and dependency edges.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::block::{Block, Key, Set, Val};
use super::chain::{self, Kind};
use super::decl::{Decls, EnvDecl, PreviewDecl};
use super::instance::{self, Steps};
use super::suggest::did_you_mean;
use super::value;
use super::variable::RAILWAY_PROVIDED;
use super::{At, Keep};
use crate::diagnostic::{Diagnostic, FileId, SourceFiles, Span};
use crate::model::{
    self, Dependency, DependencyReason, Environment, Level, Origin, PreviewSettings, Valued,
    VarRef, VarValue,
};
use crate::syntax::Ident;

/// A `--var` override ready to merge: the service it targets (all when
/// `None`) and the assignment.
pub struct OverrideVar {
    pub service: Option<String>,
    pub var: (String, Set<VarValue>),
}

/// Per service, the names of its variables (see [`Keep::Names`]).
pub type VariableNames = BTreeMap<String, BTreeSet<String>>;

/// Resolve every environment, keeping what `keep` says. When the project
/// declares none, the services are still resolved once, as in an
/// environment with no layer, so that what does not depend on an
/// environment is checked: that detached environment is returned beside
/// the project (it is not one of its environments: nothing is applied to
/// it).
pub fn resolve(
    decls: &Decls,
    files: &SourceFiles,
    overrides: &[OverrideVar],
    keep: &Keep,
    checker: &mut super::rules::Checker,
    diags: &mut Vec<Diagnostic>,
) -> (model::Project, Option<Environment>, VariableNames) {
    let steps = Steps { files };
    let tmap = chain::index(&decls.templates);
    let lmap = chain::index(&decls.layers);
    let smap = chain::index(&decls.services);
    let tchains = chain::chains(&decls.templates, &tmap, Kind::Template, diags);
    let lchains = chain::chains(&decls.layers, &lmap, Kind::Layer, diags);
    let mut template_used = vec![false; decls.templates.len()];
    let mut layer_used = vec![false; decls.layers.len()];
    let service_names: Vec<&str> = decls
        .services
        .iter()
        .map(|s| s.name.value.as_str())
        .collect();

    // The template chain of each service.
    let mut service_templates: Vec<Vec<usize>> = Vec::new();
    // Services whose template is unknown: a missing source may be the
    // template's, so it is not reported twice.
    let mut unknown_from = vec![false; decls.services.len()];
    for (si, s) in decls.services.iter().enumerate() {
        let chain = match &s.parent {
            None => Vec::new(),
            Some(from) => match tmap.get(from.value.as_str()) {
                Some(&t) => tchains[t].clone(),
                None => {
                    unknown_from[si] = true;
                    diags.push(chain::unknown_name(
                        Kind::Template,
                        &from.value,
                        s.file,
                        from.span,
                        tmap.keys().copied(),
                    ));
                    Vec::new()
                }
            },
        };
        for &t in &chain {
            template_used[t] = true;
        }
        service_templates.push(chain);
    }
    // Service names used in blocks must exist.
    let all_blocks = decls
        .templates
        .iter()
        .chain(&decls.services)
        .chain(&decls.layers)
        .map(|d| (d.file, &d.block))
        .chain(decls.environments.iter().map(|e| (e.file, &e.block)));
    for (file, block) in all_blocks {
        check_service_names(file, block, &service_names, diags);
        for (ident, inner) in &block.services {
            if !smap.contains_key(ident.value.as_str()) {
                diags.push(unknown_service(
                    file,
                    ident.span,
                    &ident.value,
                    &service_names,
                ));
            }
            check_service_names(file, inner, &service_names, diags);
        }
    }
    // The layer chain of each environment.
    let mut env_layers: Vec<Vec<usize>> = Vec::new();
    for e in &decls.environments {
        let chain = match &e.layer {
            None => Vec::new(),
            Some(l) => match lmap.get(l.value.as_str()) {
                Some(&i) => lchains[i].clone(),
                None => {
                    diags.push(chain::unknown_name(
                        Kind::Layer,
                        &l.value,
                        e.file,
                        l.span,
                        lmap.keys().copied(),
                    ));
                    Vec::new()
                }
            },
        };
        for &l in &chain {
            layer_used[l] = true;
        }
        env_layers.push(chain);
    }
    for (i, t) in decls.templates.iter().enumerate() {
        if !template_used[i] && !t.is_std {
            diags.push(
                Diagnostic::warning(
                    "mirage::resolve::unused_template",
                    t.file,
                    t.name.span,
                    format!("template `{}` is never used", t.name.value),
                )
                .with_help("use it with `service \"…\" from=\"…\"` or remove it"),
            );
        }
    }
    for (i, l) in decls.layers.iter().enumerate() {
        if !layer_used[i] {
            diags.push(
                Diagnostic::warning(
                    "mirage::resolve::unused_layer",
                    l.file,
                    l.name.span,
                    format!("layer `{}` is never used", l.name.value),
                )
                .with_help(
                    "use it with `environment \"…\" layer=\"…\"` (or `extends=`), or remove it",
                ),
            );
        }
    }

    let mut project = model::Project {
        paths: files.iter().map(|(_, f)| f.path.clone()).collect(),
        services: service_names.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    match &decls.project {
        Some(p) => {
            project.name = Some(Valued {
                value: p.name.value.to_string(),
                origin: Origin::single(steps.step(
                    &Level::Project,
                    At {
                        file: p.file,
                        span: p.name.span,
                    },
                )),
            });
            project.workspace = p.workspace.as_ref().map(|(w, at)| Valued {
                value: w.clone(),
                origin: Origin::single(steps.step(&Level::Project, *at)),
            });
            project.region = p.region.as_ref().map(|(r, at)| Valued {
                value: r.clone(),
                origin: Origin::single(steps.step(&Level::Project, *at)),
            });
            project.secrets = p.secrets.clone();
            project.plan = p.plan.map(|(plan, at)| Valued {
                value: plan,
                origin: Origin::single(steps.step(&Level::Project, at)),
            });
        }
        // An empty or unparsable file is not also missing a project.
        None if decls.services.is_empty() && decls.environments.is_empty() => {}
        None => {
            if let Some((id, _)) = files.iter().next() {
                diags.push(
                    Diagnostic::error(
                        "mirage::resolve::missing_project",
                        id,
                        Span::at(0),
                        "no `project` is declared",
                    )
                    .with_help("add `project \"name\" { }` to one of the files"),
                );
            }
        }
    }

    let environment_names: Vec<&str> = decls
        .environments
        .iter()
        .map(|e| e.name.value.as_str())
        .collect();
    let template_names: Vec<&str> = decls
        .environments
        .iter()
        .filter(|e| is_template(e))
        .map(|e| e.name.value.as_str())
        .collect();
    project.moves = super::moved::resolve(
        &decls.moves,
        &service_names,
        &environment_names,
        &template_names,
        &steps,
        diags,
    );
    check_previews(decls, &service_names, diags);
    let project_shared: &[(String, Set<VarValue>)] = decls
        .project
        .as_ref()
        .map(|p| p.shared.as_slice())
        .unwrap_or(&[]);
    // Levels are built once and borrowed by every instance's stack: cloning
    // them (template and layer names) per instance showed in profiles.
    let template_levels: Vec<Level> = decls
        .templates
        .iter()
        .map(|t| Level::Template(t.name.value.to_string()))
        .collect();
    let layer_service_levels: Vec<Level> = decls
        .layers
        .iter()
        .map(|l| Level::LayerService(l.name.value.to_string()))
        .collect();
    let cx = EnvCx {
        decls,
        steps: &steps,
        service_templates: &service_templates,
        unknown_from: &unknown_from,
        template_levels: &template_levels,
        layer_service_levels: &layer_service_levels,
        project_shared,
        overrides,
        service_names: &service_names,
        project_region: project.region.as_ref(),
    };
    let mut names = VariableNames::new();
    for (decl, chain) in decls.environments.iter().zip(&env_layers) {
        if let Keep::Instance { environment, .. } = keep
            && decl.name.value != environment.as_str()
        {
            continue;
        }
        let (env, lights) = resolve_environment(&cx, decl, chain, keep, checker, diags);
        // With `Keep::Names`: keep the names, free the rest before the next
        // environment builds its own.
        for light in lights {
            let known = names.entry(light.name).or_default();
            known.extend(
                light
                    .variables
                    .into_iter()
                    .map(|(n, _)| n)
                    .filter(|n| !RAILWAY_PROVIDED.contains(&n.as_str())),
            );
        }
        project.environments.push(env);
    }
    let detached = if decls.environments.is_empty() {
        no_environment(decls, files, diags);
        let none = EnvDecl {
            name: Ident {
                value: "".into(),
                span: Span::at(0),
            },
            file: FileId(0),
            layer: None,
            ephemeral: None,
            ttl: None,
            preview: None,
            block: Block::default(),
        };
        let (mut env, lights) = resolve_environment(&cx, &none, &[], keep, checker, diags);
        for light in lights {
            names.entry(light.name).or_default().extend(
                light
                    .variables
                    .into_iter()
                    .map(|(n, _)| n)
                    .filter(|n| !RAILWAY_PROVIDED.contains(&n.as_str())),
            );
        }
        env.declared = None;
        Some(env)
    } else {
        None
    };
    (project, detached, names)
}
/// A project with services but no environment applies nothing: say so,
/// at the project's name (or the first service). A file that could not be
/// read or parsed may hold the missing `environment`, so a project with
/// such an error is not warned about.
fn no_environment(decls: &Decls, files: &SourceFiles, diags: &mut Vec<Diagnostic>) {
    let unread = |code: &str| {
        code.starts_with("mirage::syntax::")
            || matches!(
                code,
                "mirage::resolve::unreadable_file"
                    | "mirage::resolve::not_utf8"
                    | "mirage::resolve::missing_import"
            )
    };
    if diags.iter().any(|d| unread(d.code)) {
        return;
    }
    let at = match (&decls.project, decls.services.first()) {
        (Some(p), _) => (p.file, p.name.span),
        (None, Some(s)) => (s.file, s.name.span),
        (None, None) => return,
    };
    if files.is_empty() {
        return;
    }
    let what = match decls.services.len() {
        0 => "the project declares no environment".to_string(),
        1 => "the project declares no environment, so its service is never applied".to_string(),
        n => format!("the project declares no environment, so none of its {n} services is applied"),
    };
    let help = if decls.services.is_empty() {
        "add an environment, e.g. `environment \"production\"`"
    } else {
        "add an environment, e.g. `environment \"production\"`; until then the services are checked as declared"
    };
    diags.push(
        Diagnostic::warning("mirage::resolve::no_environment", at.0, at.1, what)
            .with_label("nothing will be applied")
            .with_help(help),
    );
}

/// What every environment's resolution reads.
struct EnvCx<'a> {
    decls: &'a Decls,
    steps: &'a Steps<'a>,
    service_templates: &'a [Vec<usize>],
    unknown_from: &'a [bool],
    template_levels: &'a [Level],
    layer_service_levels: &'a [Level],
    project_shared: &'a [(String, Set<VarValue>)],
    overrides: &'a [OverrideVar],
    service_names: &'a [&'a str],
    project_region: Option<&'a Valued<String>>,
}

/// One environment: its own settings, then one instance per service (only
/// the one [`Keep::Instance`] names, if it names one).
///
/// With [`Keep::Names`] the environment comes back without instances, and
/// what the checks kept of each instead.
fn resolve_environment(
    cx: &EnvCx,
    e: &EnvDecl,
    chain: &[usize],
    keep: &Keep,
    checker: &mut super::rules::Checker,
    diags: &mut Vec<Diagnostic>,
) -> (Environment, Vec<Light>) {
    let EnvCx {
        decls,
        steps,
        service_templates,
        unknown_from,
        template_levels,
        layer_service_levels,
        project_shared,
        overrides,
        service_names,
        project_region,
    } = *cx;
    let override_level = Level::Override;
    let (service_level, environment_level, environment_service_level) = (
        Level::Service,
        Level::Environment,
        Level::EnvironmentService,
    );
    let layers: Vec<(Level, &Block)> = chain
        .iter()
        .map(|&l| {
            (
                Level::Layer(decls.layers[l].name.value.to_string()),
                &decls.layers[l].block,
            )
        })
        .collect();
    let mut env = Environment {
        name: e.name.value.to_string(),
        declared: Some(Origin::single(steps.step(
            &Level::Environment,
            At {
                file: e.file,
                span: e.name.span,
            },
        ))),
        layers: layers
            .iter()
            .map(|(l, _)| match l {
                Level::Layer(n) => n.clone(),
                _ => String::new(),
            })
            .collect(),
        ephemeral: e.ephemeral.map(|(b, at)| Valued {
            value: b,
            origin: Origin::single(steps.step(&Level::Environment, at)),
        }),
        ttl_seconds: e.ttl.map(|(t, at)| Valued {
            value: t,
            origin: Origin::single(steps.step(&Level::Environment, at)),
        }),
        preview: is_template(e).then(|| preview_settings(e.preview.as_ref())),
        ..Default::default()
    };
    // Environment-wide values: protect and shared variables.
    let mut wide: Vec<(Level, &Block)> = layers.clone();
    wide.push((Level::Environment, &e.block));
    let env_bool = |key: Key| -> Option<Valued<bool>> {
        let sets: Vec<(&Level, &Set<Val>)> = wide
            .iter()
            .filter_map(|(l, b)| b.get(key).map(|s| (l, s)))
            .collect();
        match sets.last() {
            Some((
                _,
                Set {
                    val: Some(Val::Bool(p)),
                    ..
                },
            )) => Some(Valued {
                value: *p,
                origin: steps.origin(&sets),
            }),
            _ => None,
        }
    };
    env.protect = env_bool(Key::Protect);
    if env.is_template()
        && let Some(p) = env.protect.as_ref().filter(|p| p.value)
    {
        diags.push(protected_template(e, None, &p.origin));
    }
    env.private_network = env_bool(Key::PrivateNetwork);
    let mut shared: BTreeMap<&str, Vec<(&Level, &Set<VarValue>)>> = BTreeMap::new();
    let project_level = Level::Project;
    for (name, set) in project_shared {
        shared.entry(name).or_default().push((&project_level, set));
    }
    for (level, block) in &wide {
        for (name, set) in &block.shared {
            shared.entry(name).or_default().push((level, set));
        }
    }
    for (name, sets) in &shared {
        if let Some((
            _,
            Set {
                val: Some(v),
                sealed,
                ..
            },
        )) = sets.last()
        {
            if *sealed {
                env.sealed_shared.insert(name.to_string());
            }
            env.shared_variables.insert(
                name.to_string(),
                Valued {
                    value: v.clone(),
                    origin: steps.origin(sets),
                },
            );
        }
    }

    let only = match keep {
        Keep::Instance { service, .. } => Some(service.as_str()),
        _ => None,
    };
    let mut lights: Vec<Light> = Vec::new();
    match keep {
        Keep::Names => lights.reserve_exact(decls.services.len()),
        Keep::Instance { .. } => env.services.reserve_exact(1),
        Keep::Everything => env.services.reserve_exact(decls.services.len()),
    }
    for (si, s) in decls.services.iter().enumerate() {
        if only.is_some_and(|o| s.name.value != o) {
            continue;
        }
        let mut stack: Vec<(&Level, &Block)> =
            Vec::with_capacity(service_templates[si].len() + 2 * layers.len() + 3);
        for &t in &service_templates[si] {
            stack.push((&template_levels[t], &decls.templates[t].block));
        }
        stack.push((&service_level, &s.block));
        for (k, (level, block)) in layers.iter().enumerate() {
            stack.push((level, block));
            for (ident, inner) in &block.services {
                if ident.value == s.name.value {
                    stack.push((&layer_service_levels[chain[k]], inner));
                }
            }
        }
        stack.push((&environment_level, &e.block));
        for (ident, inner) in &e.block.services {
            if ident.value == s.name.value {
                stack.push((&environment_service_level, inner));
            }
        }
        let mut merged = instance::merge(&stack);
        for o in overrides.iter().filter(|o| o.service.is_none()) {
            instance::add_vars(&mut merged, &override_level, std::slice::from_ref(&o.var));
        }
        for o in overrides
            .iter()
            .filter(|o| o.service.as_deref() == Some(s.name.value.as_str()))
        {
            instance::add_vars(&mut merged, &override_level, std::slice::from_ref(&o.var));
        }
        let templates = service_templates[si]
            .iter()
            .map(|&t| decls.templates[t].name.value.to_string())
            .collect();
        let mut inst = instance::build(&s.name.value, templates, &merged, steps);
        if let Some(settings) = &env.preview {
            check_preview_domains(e, settings, &inst, diags);
            if !env.is_protected()
                && let Some(p) = inst.protect.as_ref().filter(|p| p.value)
            {
                diags.push(protected_template(e, Some(&inst.name), &p.origin));
            }
        }
        // `domain "api.{environment}.shop.example"`: each environment its own.
        // A template keeps the pattern: each preview puts its own name there
        // (`Project::preview`).
        if !e.name.value.is_empty()
            && env.preview.is_none()
            && let Some(domains) = &mut inst.networking.custom_domains
        {
            for d in &mut domains.value {
                d.domain = value::expand_domain(&d.domain, &e.name.value);
            }
        }
        inst.declared = Some(Origin::single(steps.step(
            &Level::Service,
            At {
                file: s.file,
                span: s.name.span,
            },
        )));
        if inst.source.is_none()
            && !unknown_from[si]
            && !stack.iter().any(|(_, b)| b.invalid_source)
            && !s.broken
            && !service_templates[si]
                .iter()
                .any(|&t| decls.templates[t].broken)
        {
            diags.push(
                Diagnostic::error("mirage::resolve::no_source", s.file, s.name.span, format!("service `{}` has no source", s.name.value))
                    .with_help("add `repo \"owner/name\"` or `image \"name:tag\"` to the service or to its template"),
            );
        }
        if inst.deploy.region.is_none()
            && let Some(r) = project_region
        {
            inst.deploy.region = Some(r.clone());
        }
        // Dependencies: `depends-on`, then references.
        if let Some((
            level,
            Set {
                val: Some(Val::Names(names)),
                at,
                ..
            },
        )) = merged.settings.get(&Key::DependsOn).and_then(|v| v.last())
        {
            for (name, span) in names {
                inst.dependencies.push(Dependency {
                    target: name.clone(),
                    reason: DependencyReason::DependsOn,
                    origin: Origin::single(steps.step(
                        level,
                        At {
                            file: at.file,
                            span: *span,
                        },
                    )),
                });
            }
        }
        for (var, value) in &inst.variables {
            for r in value.value.references() {
                // `${{api.X}}` inside `api` is its own variable, not an edge.
                if let VarRef::Service { service, name } = r
                    && *service != s.name.value
                {
                    inst.dependencies.push(Dependency {
                        target: service.clone(),
                        reason: DependencyReason::Reference {
                            variable: var.clone(),
                            target_variable: name.clone(),
                        },
                        origin: value.origin.clone(),
                    });
                }
            }
        }
        if let Some(keep) = env.preview.as_ref().and_then(|p| p.services.as_ref())
            && keep.contains(&inst.name)
        {
            for d in &inst.dependencies {
                if keep.contains(&d.target) {
                    continue;
                }
                let Some(step) = d.origin.effective() else {
                    continue;
                };
                diags.push(
                    Diagnostic::error(
                        "mirage::resolve::preview_missing_dependency",
                        step.file,
                        step.span,
                        format!(
                            "service `{}` depends on `{}`, which previews of template `{}` do not get",
                            inst.name, d.target, e.name.value
                        ),
                    )
                    .with_help(format!(
                        "add `{}` to the template's `preview {{ services … }}`, or leave `{}` out too",
                        d.target, inst.name
                    )),
                );
            }
        }
        checker.instance(&env, &inst, diags);
        if *keep == Keep::Names {
            // Only what the checks read; the rest of the instance (most of
            // its memory) goes now.
            lights.push(Light {
                name: inst.name,
                variables: inst.variables.into_iter().collect(),
                dependencies: inst.dependencies,
            });
        } else {
            env.services.push(inst);
        }
    }
    if only.is_none() {
        let checked: Vec<Checked> = if *keep == Keep::Names {
            lights.iter().map(Light::checked).collect()
        } else {
            env.services.iter().map(Checked::of).collect()
        };
        check_references(&checked, &env.shared_variables, service_names, diags);
        diags.extend(super::graph::cycle_diagnostics(
            checked.iter().map(|c| (c.name, c.dependencies)),
        ));
    }
    (env, lights)
}

/// Whether `e` is a template for previews (`ephemeral=#true`).
fn is_template(e: &EnvDecl) -> bool {
    e.ephemeral.is_some_and(|(b, _)| b)
}

/// The settings of a template's previews: what its `preview` node says,
/// defaults for the rest.
fn preview_settings(decl: Option<&PreviewDecl>) -> PreviewSettings {
    let mut out = PreviewSettings::default();
    let Some(d) = decl else {
        return out;
    };
    if let Some((pattern, _)) = &d.name {
        out.name_pattern.clone_from(pattern);
    }
    out.max_live = d.max_live;
    out.source = d.source.as_ref().map(|s| s.value.to_string());
    out.services = d
        .services
        .as_ref()
        .map(|list| list.iter().map(|(n, _)| n.clone()).collect());
    if let Some(drafts) = d.drafts {
        out.drafts = drafts;
    }
    out
}

/// Where a template's name pattern is written: its `name=`, or (the
/// default pattern, which holds `{template}`) the template's name.
fn pattern_at(e: &EnvDecl) -> Span {
    e.preview
        .as_ref()
        .and_then(|p| p.name.as_ref())
        .map_or(e.name.span, |(_, span)| *span)
}

/// What a template's `preview` names must exist, and the names previews
/// get must be theirs alone: two templates whose patterns can give one
/// name, or a pattern that gives a declared environment's name, would have
/// two owners for one environment.
fn check_previews(decls: &Decls, services: &[&str], diags: &mut Vec<Diagnostic>) {
    let templates: Vec<(&EnvDecl, PreviewSettings)> = decls
        .environments
        .iter()
        .filter(|e| is_template(e))
        .map(|e| (e, preview_settings(e.preview.as_ref())))
        .collect();
    for (e, _) in &templates {
        let Some(p) = &e.preview else { continue };
        if let Some(source) = &p.source {
            match decls
                .environments
                .iter()
                .find(|d| d.name.value == source.value)
            {
                None => {
                    let candidates = decls
                        .environments
                        .iter()
                        .filter(|d| !is_template(d))
                        .map(|d| d.name.value.as_str());
                    let help = did_you_mean(&source.value, candidates, || {
                        "`source=` names a declared environment that is not a template, e.g. `staging`".into()
                    });
                    diags.push(
                        Diagnostic::error(
                            "mirage::resolve::unknown_environment",
                            e.file,
                            source.span,
                            format!("unknown environment `{}`", source.value),
                        )
                        .with_help(help),
                    );
                }
                Some(d) if d.name.value == e.name.value => diags.push(
                    Diagnostic::error(
                        "mirage::resolve::invalid_preview_source",
                        e.file,
                        source.span,
                        format!("template `{}` cannot be the source of its own previews", e.name.value),
                    )
                    .with_help("name an environment that exists on Railway, such as `staging`, or remove `source=` to build previews from the files alone"),
                ),
                Some(d) if is_template(d) => diags.push(
                    Diagnostic::error(
                        "mirage::resolve::invalid_preview_source",
                        e.file,
                        source.span,
                        format!("`{}` is a template, which never exists on Railway to be copied", source.value),
                    )
                    .with_related(d.file, d.name.span, "declared as a template here")
                    .with_help("name an environment that is applied, such as `staging`, or remove `source=` to build previews from the files alone"),
                ),
                Some(_) => {}
            }
        }
        for (name, span) in p.services.iter().flatten() {
            if !services.contains(&name.as_str()) {
                diags.push(unknown_service(e.file, *span, name, services));
            }
        }
    }
    for (i, (e, settings)) in templates.iter().enumerate() {
        for (other, other_settings) in &templates[..i] {
            if let Some(name) = settings.overlap(&e.name.value, other_settings, &other.name.value) {
                diags.push(
                    Diagnostic::error(
                        "mirage::resolve::preview_name_collision",
                        e.file,
                        pattern_at(e),
                        format!(
                            "previews of templates `{}` and `{}` can have the same name, such as `{name}`",
                            other.name.value, e.name.value
                        ),
                    )
                    .with_related(other.file, pattern_at(other), "the other template's names")
                    .with_help("give each template's previews names of their own, e.g. `name=\"{template}-{number}\"`"),
                );
            }
        }
        for d in &decls.environments {
            if let Some(number) = settings.number_of(&e.name.value, &d.name.value) {
                diags.push(
                    Diagnostic::error(
                        "mirage::resolve::preview_name_collision",
                        e.file,
                        pattern_at(e),
                        format!(
                            "the preview of pull request #{number} would be called `{}`, which is a declared environment",
                            d.name.value
                        ),
                    )
                    .with_related(d.file, d.name.span, "declared here")
                    .with_help("change the name pattern (or rename the environment) so that no preview can take a declared environment's name"),
                );
            }
        }
    }
}

/// A custom domain with `{environment}` in a template is attached by every
/// preview with the preview's name: that name must make a host name.
fn check_preview_domains(
    e: &EnvDecl,
    settings: &PreviewSettings,
    inst: &model::ServiceInstance,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(domains) = &inst.networking.custom_domains else {
        return;
    };
    // A pull request number of six digits: most repositories' for years.
    let sample = settings.environment_name(&e.name.value, 123_456);
    for d in &domains.value {
        if !d.domain.contains(value::ENVIRONMENT_PLACEHOLDER) {
            continue;
        }
        let expanded = value::expand_domain(&d.domain, &sample);
        if let Err(reason) = value::check_domain(&expanded) {
            diags.push(
                Diagnostic::error(
                    "mirage::resolve::invalid_preview_name",
                    e.file,
                    pattern_at(e),
                    format!(
                        "a preview named like `{sample}` would attach `{expanded}` (service `{}`), which is not a host name",
                        inst.name
                    ),
                )
                .with_label(reason)
                .with_help("domains with `{environment}` need preview names that are DNS labels: letters, digits and `-` (no `_`), 63 characters at most"),
            );
        }
    }
}

/// `protect` in a template: previews are destroyed when their pull request
/// closes or their TTL expires, and a protected one never could be.
fn protected_template(e: &EnvDecl, service: Option<&str>, origin: &Origin) -> Diagnostic {
    let at = origin
        .effective()
        .map_or((e.file, e.name.span), |s| (s.file, s.span));
    let what = match service {
        Some(s) => format!(
            "service `{s}` is protected in template `{}`, so its previews could never be destroyed",
            e.name.value
        ),
        None => format!(
            "template `{}` is protected, so its previews could never be destroyed",
            e.name.value
        ),
    };
    let mut d = Diagnostic::error("mirage::resolve::protected_template", at.0, at.1, what)
        .with_help("previews are destroyed when their pull request closes or their TTL expires; write `protect #false` in the template (it may inherit `protect` from its layer)");
    if at != (e.file, e.name.span) {
        d = d.with_related(e.file, e.name.span, "the template");
    }
    d
}

/// What the checks of an environment read of an instance: with
/// [`Keep::Names`], all that is kept of it while its environment is
/// checked.
struct Light {
    name: String,
    /// By name, in order.
    variables: Vec<(String, Valued<VarValue>)>,
    dependencies: Vec<Dependency>,
}

impl Light {
    fn checked(&self) -> Checked<'_> {
        Checked {
            name: &self.name,
            variables: self
                .variables
                .iter()
                .map(|(n, v)| (n.as_str(), v))
                .collect(),
            dependencies: &self.dependencies,
        }
    }
}

/// An instance as the checks see it.
struct Checked<'a> {
    name: &'a str,
    /// By name, in order.
    variables: Vec<(&'a str, &'a Valued<VarValue>)>,
    dependencies: &'a [Dependency],
}

impl<'a> Checked<'a> {
    fn of(s: &'a model::ServiceInstance) -> Self {
        Checked {
            name: &s.name,
            variables: s.variables.iter().map(|(n, v)| (n.as_str(), v)).collect(),
            dependencies: &s.dependencies,
        }
    }

    fn has(&self, variable: &str) -> bool {
        self.variables
            .binary_search_by(|(n, _)| (*n).cmp(variable))
            .is_ok()
    }

    fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.variables.iter().map(|(n, _)| *n)
    }
}

fn check_service_names(
    file: FileId,
    block: &Block,
    services: &[&str],
    diags: &mut Vec<Diagnostic>,
) {
    for (key, set) in &block.settings {
        if let (Key::DependsOn, Some(Val::Names(names))) = (key, &set.val) {
            for (name, span) in names {
                if !services.contains(&name.as_str()) {
                    diags.push(unknown_service(file, *span, name, services));
                }
            }
        }
    }
}

fn unknown_service(file: FileId, span: Span, name: &str, services: &[&str]) -> Diagnostic {
    let help = did_you_mean(name, services.iter().copied(), || {
        format!("declare it with `service \"{name}\" {{ … }}`")
    });
    Diagnostic::error(
        "mirage::resolve::unknown_service",
        file,
        span,
        format!("unknown service `{name}`"),
    )
    .with_help(help)
}

/// Every `${{…}}` must name a service and a variable that exist here.
fn check_references(
    instances: &[Checked],
    shared_variables: &BTreeMap<String, Valued<VarValue>>,
    services: &[&str],
    diags: &mut Vec<Diagnostic>,
) {
    let by_name: HashMap<&str, &Checked> = instances.iter().map(|s| (s.name, s)).collect();
    let report = |diags: &mut Vec<Diagnostic>, origin: &Origin, message: String, help: String| {
        if let Some(step) = origin.effective() {
            diags.push(
                Diagnostic::error(
                    "mirage::resolve::unknown_variable",
                    step.file,
                    step.span,
                    message,
                )
                .with_help(help),
            );
        }
    };
    let unknown_var = |name: &str, known: &mut dyn Iterator<Item = &str>, whose: &str| {
        did_you_mean(name, known.chain(RAILWAY_PROVIDED.iter().copied()), || {
            format!("{whose} defines no such variable")
        })
    };
    let check = |origin: &Origin,
                 owner: Option<&Checked>,
                 refs: &[VarRef],
                 diags: &mut Vec<Diagnostic>| {
        for r in refs {
            match r {
                VarRef::Own(name) => {
                    let Some(owner) = owner else { continue };
                    if !owner.has(name) && !RAILWAY_PROVIDED.contains(&name.as_str()) {
                        let help = unknown_var(name, &mut owner.names(), "this service");
                        report(
                            diags,
                            origin,
                            format!("unknown variable `{name}` in `${{{{{name}}}}}`"),
                            help,
                        );
                    }
                }
                VarRef::Shared(name) => {
                    if !shared_variables.contains_key(name) {
                        let help = did_you_mean(
                            name,
                            shared_variables.keys().map(String::as_str),
                            || {
                                "declare it in `shared-vars { … }` of the project, a layer or the environment".into()
                            },
                        );
                        report(
                            diags,
                            origin,
                            format!("unknown shared variable `{name}`"),
                            help,
                        );
                    }
                }
                VarRef::Service { service, name } => match by_name.get(service.as_str()) {
                    None => {
                        if let Some(step) = origin.effective() {
                            diags.push(unknown_service(step.file, step.span, service, services));
                        }
                    }
                    Some(target) => {
                        if !target.has(name) && !RAILWAY_PROVIDED.contains(&name.as_str()) {
                            let help =
                                unknown_var(name, &mut target.names(), &format!("`{service}`"));
                            report(
                                diags,
                                origin,
                                format!("service `{service}` has no variable `{name}`"),
                                help,
                            );
                        }
                    }
                },
            }
        }
    };
    for s in instances {
        for (_, v) in &s.variables {
            check(&v.origin, Some(s), v.value.references(), diags);
        }
    }
    for v in shared_variables.values() {
        check(&v.origin, None, v.value.references(), diags);
    }
}
