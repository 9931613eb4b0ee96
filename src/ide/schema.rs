//! The `.mirage` nodes and properties with their documentation, for hover
//! and completion, derived from the one settings table (`crate::settings`)
//! that the resolver reads too.

use std::sync::OnceLock;

use crate::settings::{self, Args, NameKind, Place, Prop, Type};

/// Where a node may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The top of a file.
    TopLevel,
    /// Inside `project "…" { }`.
    Project,
    /// Inside `template`, `service`, or a `service "S"` block of a layer or
    /// environment.
    Service,
    /// The top of a `layer` or `environment` block.
    ProjectWide,
    /// Inside `vars`, `shared-vars` or `regions`: free names.
    Map,
    /// Inside an environment's `preview { }`.
    Preview,
}

/// What the first argument of a node holds, for completing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// Anything; nothing to offer.
    Free,
    /// A template name.
    Template,
    /// A service name.
    Service,
    /// A layer name.
    Layer,
    /// An environment name.
    Environment,
    /// A `std/…` module or a relative path.
    Import,
    /// One of a fixed list.
    OneOf(&'static [&'static str]),
    /// A Railway region.
    Region,
}

/// One node of the language, as the language server shows it: derived
/// from the settings table (`crate::settings`), never written here.
#[derive(Debug, Clone)]
pub struct NodeDoc {
    /// The node name.
    pub name: &'static str,
    /// Where it may be written.
    pub scopes: Vec<Scope>,
    /// How it is written.
    pub form: &'static str,
    /// What it means, one or two sentences.
    pub doc: &'static str,
    /// The Railway setting it maps to, or `Mirage-only`.
    pub railway: &'static str,
    /// Its properties with their documentation.
    pub props: &'static [Prop],
    /// What its arguments hold.
    pub arg: Arg,
}

const BOOLS: &[&str] = &["#true", "#false"];
/// Railway's plans (`plan "pro"` in a project).
pub const PLANS: &[&str] = settings::PLANS;

fn arg(args: Args) -> Arg {
    match args.ty() {
        Some(Type::Bool) => Arg::OneOf(BOOLS),
        Some(Type::OneOf(values)) => Arg::OneOf(values),
        Some(Type::Region) => Arg::Region,
        Some(Type::Import) => Arg::Import,
        Some(Type::Name(NameKind::Service)) => Arg::Service,
        Some(Type::Name(NameKind::Template)) => Arg::Template,
        Some(Type::Name(NameKind::Layer)) => Arg::Layer,
        Some(Type::Name(NameKind::Environment)) => Arg::Environment,
        _ => Arg::Free,
    }
}

/// Every node: the declarations (top level, then `project`), then the
/// settings in the table's order.
pub fn nodes() -> &'static [NodeDoc] {
    static NODES: OnceLock<Vec<NodeDoc>> = OnceLock::new();
    NODES.get_or_init(|| {
        let decls = settings::DECLS.iter().map(|d| NodeDoc {
            name: d.name,
            scopes: vec![match d.place {
                Place::TopLevel => Scope::TopLevel,
                Place::Project => Scope::Project,
                // The language server does not tell an environment's block
                // from a layer's; the resolver refuses `preview` in a layer.
                Place::Environment => Scope::ProjectWide,
                Place::Preview => Scope::Preview,
            }],
            form: d.example,
            doc: d.doc,
            railway: d.railway,
            props: d.props,
            arg: arg(d.args),
        });
        let settings = settings::SETTINGS.iter().map(|s| NodeDoc {
            name: s.name,
            scopes: [
                (s.at.per_service, Scope::Service),
                (s.at.project_wide, Scope::ProjectWide),
            ]
            .into_iter()
            .filter_map(|(on, scope)| on.then_some(scope))
            .collect(),
            form: s.example,
            doc: s.doc,
            railway: s.railway,
            props: s.props,
            arg: arg(s.args),
        });
        decls.chain(settings).collect()
    })
}

/// The documentation of node `name` written in `scope`.
pub fn node(name: &str, scope: Scope) -> Option<&'static NodeDoc> {
    nodes()
        .iter()
        .find(|n| n.name == name && n.scopes.contains(&scope))
        .or_else(|| nodes().iter().find(|n| n.name == name))
}

/// Nodes that may be written in `scope`.
pub fn nodes_in(scope: Scope) -> impl Iterator<Item = &'static NodeDoc> {
    nodes().iter().filter(move |n| n.scopes.contains(&scope))
}

/// Markdown documentation of a node, for hover and completion.
pub fn markdown(node: &NodeDoc) -> String {
    if node.railway.contains('`') {
        format!(
            "```kdl\n{}\n```\n{}\n\nRailway: {}",
            node.form, node.doc, node.railway
        )
    } else {
        format!(
            "```kdl\n{}\n```\n{}\n\nRailway: `{}`",
            node.form, node.doc, node.railway
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::analyze;
    use std::path::{Path, PathBuf};

    /// Every service setting in the table is accepted where the table says,
    /// and nothing the resolver accepts is missing from the table.
    #[test]
    fn table_matches_the_resolver() {
        for name in settings::SETTINGS.iter().map(|s| s.name) {
            assert!(
                nodes_in(Scope::Service).any(|n| n.name == name)
                    || nodes_in(Scope::ProjectWide).any(|n| n.name == name),
                "`{name}` missing from the schema table"
            );
        }
        for n in nodes_in(Scope::Service) {
            let text = format!(
                "project \"p\"\nservice \"s\" {{\n    image \"nginx\"\n    {} \n}}\n",
                n.name
            );
            let a = analyze(Path::new("/p"), vec![(PathBuf::from("/p/m.mirage"), text)]);
            assert!(
                !a.diagnostics
                    .iter()
                    .any(|d| d.code == "mirage::resolve::unknown_node"),
                "`{}` is not a service setting",
                n.name
            );
        }
    }

    /// `preview` and its `services` are offered where the resolver reads
    /// them, with their documentation.
    #[test]
    fn preview_nodes_follow_the_declarations() {
        let preview = node("preview", Scope::ProjectWide).expect("preview");
        assert!(nodes_in(Scope::ProjectWide).any(|n| n.name == "preview"));
        let props: Vec<&str> = preview.props.iter().map(|p| p.name).collect();
        assert_eq!(props, ["name", "max-live", "source", "drafts"]);
        assert!(markdown(preview).contains("ephemeral=#true"));
        let inside: Vec<&str> = nodes_in(Scope::Preview).map(|n| n.name).collect();
        assert_eq!(inside, ["services"]);
        assert_eq!(
            node("services", Scope::Preview).map(|n| n.arg),
            Some(Arg::Service)
        );
        let text = "environment \"pr\" ephemeral=#true {\n    preview {\n        services \"api\"\n    }\n}\n";
        let (doc, errors) = crate::syntax::parse_tree(text);
        assert!(errors.is_empty(), "{errors:?}");
        let env = &doc.nodes[0];
        let preview = &env.child_nodes()[0];
        assert_eq!(
            crate::ide::context::scope_of(&[env, preview]),
            Scope::Preview
        );
    }

    #[test]
    fn plans_match_the_model() {
        assert_eq!(
            PLANS.to_vec(),
            crate::model::Plan::ALL.map(|(n, _)| n).to_vec()
        );
    }
}
