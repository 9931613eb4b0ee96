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
    let n = schema::node(&node.name.value, scope)?;
    let prop = n.props.iter().find(|p| p.name == key.value)?;
    Some((key.span, format!("`{}={}`: {}", key.value, "…", prop.doc)))
}

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
