//! `extends=` chains of templates and layers: unknown parents and loops.

use std::collections::HashMap;

use super::decl::Decl;
use super::stdlib;
use super::suggest::did_you_mean;
use crate::diagnostic::Diagnostic;

/// Which kind of declaration a chain links.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Templates (`extends=`).
    Template,
    /// Layers (`extends=`).
    Layer,
}

/// Name → index of each declaration.
pub fn index(decls: &[Decl]) -> HashMap<&str, usize> {
    let mut map = HashMap::new();
    for (i, d) in decls.iter().enumerate() {
        map.entry(d.name.value.as_str()).or_insert(i);
    }
    map
}

/// For every declaration, its chain of ancestors root first, ending with
/// itself. Unknown parents and loops are reported once, at the `extends=`
/// that is wrong; the chain then stops there.
pub fn chains(
    decls: &[Decl],
    map: &HashMap<&str, usize>,
    kind: Kind,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Vec<usize>> {
    let mut out = Vec::with_capacity(decls.len());
    for i in 0..decls.len() {
        let mut path = vec![i];
        let mut cur = i;
        while let Some(parent) = &decls[cur].parent {
            let Some(&p) = map.get(parent.value.as_str()) else {
                if cur == i {
                    diags.push(unknown(kind, &decls[cur], map));
                }
                break;
            };
            if let Some(pos) = path.iter().position(|&x| x == p) {
                let cycle = &path[pos..];
                // Report the loop once: from its first declaration.
                if cycle.iter().min() == Some(&i) && cycle.contains(&i) {
                    diags.push(cycle_diag(kind, decls, cycle));
                }
                break;
            }
            path.push(p);
            cur = p;
        }
        path.reverse();
        out.push(path);
    }
    out
}

fn unknown(kind: Kind, decl: &Decl, map: &HashMap<&str, usize>) -> Diagnostic {
    let parent = decl
        .parent
        .as_ref()
        .map(|p| (p.value.as_str(), p.span))
        .unwrap_or_default();
    unknown_name(kind, parent.0, decl.file, parent.1, map.keys().copied())
}

/// `unknown_template` / `unknown_layer` with a suggestion.
pub fn unknown_name<'a>(
    kind: Kind,
    name: &str,
    file: crate::diagnostic::FileId,
    span: crate::diagnostic::Span,
    known: impl Iterator<Item = &'a str>,
) -> Diagnostic {
    let (code, what) = match kind {
        Kind::Template => ("mirage::resolve::unknown_template", "template"),
        Kind::Layer => ("mirage::resolve::unknown_layer", "layer"),
    };
    let std_name = name.strip_prefix("std/");
    let help = if kind == Kind::Template && std_name.is_some_and(|n| stdlib::source(n).is_some()) {
        format!("add `import \"{name}\"` to use the standard-library template")
    } else {
        did_you_mean(name, known, || {
            format!("declare it with `{what} \"{name}\" {{ … }}`")
        })
    };
    Diagnostic::error(code, file, span, format!("unknown {what} `{name}`")).with_help(help)
}

fn cycle_diag(kind: Kind, decls: &[Decl], cycle: &[usize]) -> Diagnostic {
    let what = if kind == Kind::Template {
        "template"
    } else {
        "layer"
    };
    let names: Vec<&str> = cycle
        .iter()
        .map(|&i| decls[i].name.value.as_str())
        .collect();
    let first = &decls[cycle[0]];
    let span = first
        .parent
        .as_ref()
        .map(|p| p.span)
        .unwrap_or(first.name.span);
    let target = |i: usize| decls[cycle[(i + 1) % cycle.len()]].name.value.clone();
    let mut d = Diagnostic::error(
        "mirage::resolve::extends_cycle",
        first.file,
        span,
        format!(
            "{what}s extend each other in a loop: {} → {}",
            names.join(" → "),
            names[0]
        ),
    )
    .with_label(format!("`{}` extends `{}`", names[0], target(0)))
    .with_help(format!(
        "remove one `extends=` so that the {what}s form a chain"
    ));
    for (k, &i) in cycle.iter().enumerate().skip(1) {
        let decl = &decls[i];
        let span = decl
            .parent
            .as_ref()
            .map(|p| p.span)
            .unwrap_or(decl.name.span);
        d = d.with_related(
            decl.file,
            span,
            format!("`{}` extends `{}`", decl.name.value, target(k)),
        );
    }
    d
}
