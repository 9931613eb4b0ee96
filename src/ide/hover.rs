//! Hover: the documentation of a node or property, and for a service inside
//! an environment its effective configuration with provenance (the same
//! view as `mirage config --explain`).

use super::context::Path;
use super::index::{Index, Kind, Occurrence};
use super::schema;
use crate::diagnostic::{FileId, Span};
use crate::resolve::Analysis;
use crate::settings::{ConfigView, ServiceView};

/// Markdown for the thing at `offset` of `file`, and the bytes it covers.
pub fn hover(
    analysis: &Analysis,
    index: &Index,
    file: FileId,
    text: &str,
    offset: usize,
) -> Option<(Span, String)> {
    if let Some(occ) = index.at(file, offset) {
        let text = name_hover(analysis, index, occ);
        // Paths relative to the hovered file's directory, as a user reads them.
        let text = match index.paths.get(file.0 as usize).and_then(|p| p.parent()) {
            Some(dir) if !dir.as_os_str().is_empty() => {
                text.replace(&format!("{}/", dir.display()), "")
            }
            _ => text,
        };
        return Some((occ.span, text));
    }
    let doc = analysis.documents.get(file.0 as usize)?;
    let path = Path::find(doc, text, offset);
    let node = path.node?;
    let scope = path.scope();
    if node.name.span.contains(offset) {
        let n = schema::node(&node.name.value, scope)?;
        return Some((node.name.span, schema::markdown(n)));
    }
    let entry = node
        .props()
        .find(|e| e.name.as_ref().is_some_and(|k| k.span.contains(offset)))?;
    let key = entry.name.as_ref()?;
    if scope == schema::Scope::Map && key.value == "sealed" {
        return Some((key.span, SEALED_DOC.to_owned()));
    }
    let n = schema::node(&node.name.value, scope)?;
    let prop = n.props.iter().find(|p| p.name == key.value)?;
    Some((key.span, format!("`{}={}`: {}", key.value, "…", prop.doc)))
}

/// The documentation of a variable's `sealed=` property.
const SEALED_DOC: &str = "`sealed=#true`: Railway gets the variable with `isSealed`, gives its value to builds and deployments and never returns it again (it cannot be unsealed, and environments made from this one do not get it). Only a secret or generated value can be sealed; plans compare the desired value's keyed digest with the one recorded at the last write.";

fn name_hover(analysis: &Analysis, index: &Index, occ: &Occurrence) -> String {
    let mut out = format!("{} `{}`", occ.kind.keyword(), occ.name);
    if let Some(owner) = &occ.owner {
        out.push_str(&format!(" of `{owner}`"));
    }
    let defs = index.definitions(occ);
    for d in &defs {
        let path = index.paths[d.file.0 as usize].display();
        let line = analysis.files.get(d.file).line_col(d.span.start).0;
        out.push_str(&format!("\n\ndeclared at `{path}:{line}`"));
    }
    if occ.kind == Kind::Variable
        && let Some(sealed) = variable_sealed(analysis, occ)
    {
        // The flag only, never a value (a secret is only its reference).
        out.push_str(if sealed {
            "\n\nsealed (`sealed=#true`): Railway is given the value with `isSealed` and never returns it; it cannot be unsealed"
        } else {
            "\n\nnot sealed"
        });
    }
    if occ.kind == Kind::Service {
        let env = occ.env.as_deref().or_else(|| {
            analysis
                .project
                .environments
                .first()
                .map(|e| e.name.as_str())
        });
        if let Some(env) = env.and_then(|e| analysis.project.environment(e))
            && let Some(instance) = env.service(&occ.name)
        {
            let view = ConfigView {
                project: &analysis.project,
                environment: Some(&env.name),
                service: Some(&occ.name),
                explain: true,
            };
            let json =
                serde_json::to_string_pretty(&ServiceView(view, instance)).unwrap_or_default();
            out.push_str(&format!(
                "\n\neffective in environment `{}`:\n```json\n{json}\n```",
                env.name
            ));
        }
    }
    out
}

/// Whether variable `occ` is sealed, in its environment (or the first one):
/// `None` when no environment declares it.
fn variable_sealed(analysis: &Analysis, occ: &Occurrence) -> Option<bool> {
    let project = &analysis.project;
    let environments: Vec<_> = match occ.env.as_deref() {
        Some(name) => project.environment(name).into_iter().collect(),
        None => project.environments.iter().collect(),
    };
    environments
        .into_iter()
        .find_map(|env| match occ.owner.as_deref() {
            Some("shared") | None if env.shared_variables.contains_key(&occ.name) => {
                Some(env.sealed_shared.contains(&occ.name))
            }
            Some(service) => env
                .service(service)
                .filter(|s| s.variables.contains_key(&occ.name))
                .map(|s| s.sealed.contains(&occ.name)),
            None => None,
        })
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::resolve::analyze;

    #[test]
    fn hover_on_a_sealed_variable_says_so_and_shows_no_value() {
        let text = "project \"p\"\nservice \"api\" {\n    image \"nginx\"\n    vars {\n        KEY (secret)\"env:KEY\" sealed=#true\n        MODE \"debug\"\n    }\n}\nenvironment \"production\"\n";
        let a = analyze(
            Path::new("/p"),
            vec![(PathBuf::from("/p/m.mirage"), text.into())],
        );
        let index = Index::new(&a);
        let at = |name: &str| {
            let offset = text.find(name).expect("the name") + 1;
            hover(&a, &index, FileId(0), text, offset)
                .expect("a hover")
                .1
        };
        let key = at("KEY (secret)");
        assert!(key.contains("sealed (`sealed=#true`)"), "{key}");
        assert!(!key.contains("env:KEY\" sealed"), "{key}");
        let mode = at("MODE");
        assert!(mode.contains("not sealed"), "{mode}");
        let prop = at("sealed=");
        assert!(prop.starts_with("`sealed=#true`"), "{prop}");
    }
}
