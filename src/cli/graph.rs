//! `mirage graph`: the service dependency graph of an environment, from
//! `depends-on` and from `${{service.VAR}}` references, as text, Graphviz
//! DOT or Mermaid; edges say why they exist.
//!
//! Exit codes as for `mirage config`: 1 when the project has errors, 2 for
//! usage errors (unknown `--env`, missing directory).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use petgraph::visit::EdgeRef;

use super::{report, select};
use crate::model::{DependencyReason, Environment};
use crate::resolve::dependency_graph;

/// Output formats of `mirage graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum GraphFormat {
    /// One line per dependency, then a deploy order.
    #[default]
    Text,
    /// Graphviz DOT (`mirage graph --format dot | dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart (renders in GitHub Markdown).
    Mermaid,
}

/// Arguments of `mirage graph`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The project directory: every `*.mirage` file directly inside it.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// The environment (optional when the project has only one).
    #[arg(long, short, value_name = "ENV")]
    pub env: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
    pub format: GraphFormat,

    /// How problems are printed: `--max-errors`, `--message-format`.
    #[command(flatten)]
    pub limits: report::Limits,
}

/// Run `mirage graph`.
pub fn run(args: Args) -> ExitCode {
    let project = match super::config::load(&args.dir, Vec::new()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let env = match &args.env {
        Some(name) => match select::environment(&project, name) {
            Ok(env) => env,
            Err(code) => return code,
        },
        None => match project.environments.as_slice() {
            [only] => only,
            [] => {
                report::print_error(
                    "the project declares no environment\n  help: add `environment \"production\"`",
                );
                return ExitCode::from(super::EXIT_FAILURE);
            }
            many => {
                report::print_error(&format!(
                    "the project has several environments; choose one with `--env`\n  help: environments: {}",
                    select::list(many.iter().map(|e| e.name.as_str()))
                ));
                return ExitCode::from(super::EXIT_USAGE);
            }
        },
    };
    let text = match args.format {
        GraphFormat::Text => render_text(env),
        GraphFormat::Dot => render_dot(env),
        GraphFormat::Mermaid => render_mermaid(env),
    };
    report::write_stdout(&text);
    ExitCode::SUCCESS
}

/// Edges with their reasons merged: (from, to) → ["depends-on", "URL → db.URL"].
fn edges(env: &Environment) -> BTreeMap<(usize, usize), Vec<String>> {
    let graph = dependency_graph(env);
    let mut out: BTreeMap<(usize, usize), Vec<String>> = BTreeMap::new();
    for e in graph.edge_references() {
        let why = match &e.weight().reason {
            DependencyReason::DependsOn => "depends-on".to_string(),
            DependencyReason::Reference {
                variable,
                target_variable,
            } => {
                format!("{variable} → {}.{target_variable}", graph[e.target()])
            }
        };
        let reasons = out
            .entry((e.source().index(), e.target().index()))
            .or_default();
        if !reasons.contains(&why) {
            reasons.push(why);
        }
    }
    out
}

/// Text: every dependency with its reasons, then an order to deploy in.
pub fn render_text(env: &Environment) -> String {
    let names: Vec<&str> = env.services.iter().map(|s| s.name.as_str()).collect();
    let edges = edges(env);
    let mut out = format!(
        "environment `{}`: {} services, {} dependencies\n",
        env.name,
        names.len(),
        edges.len()
    );
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for (i, name) in names.iter().enumerate() {
        let deps: Vec<_> = edges.iter().filter(|((a, _), _)| *a == i).collect();
        if deps.is_empty() {
            out.push_str(&format!("  {name:width$}    (no dependencies)\n"));
        }
        for ((_, b), reasons) in deps {
            out.push_str(&format!(
                "  {name:width$} → {}  ({})\n",
                names[*b],
                reasons.join(", ")
            ));
        }
    }
    let graph = dependency_graph(env);
    if let Ok(order) = petgraph::algo::toposort(&graph, None) {
        let order: Vec<&str> = order.iter().rev().map(|n| graph[*n]).collect();
        out.push_str(&format!("deploy order: {}\n", order.join(", ")));
    }
    out
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Graphviz DOT.
pub fn render_dot(env: &Environment) -> String {
    let mut out = format!(
        "digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box];\n",
        quote(&env.name)
    );
    for s in &env.services {
        out.push_str(&format!("  \"{}\";\n", quote(&s.name)));
    }
    for ((a, b), reasons) in edges(env) {
        out.push_str(&format!(
            "  \"{}\" -> \"{}\" [label=\"{}\"];\n",
            quote(&env.services[a].name),
            quote(&env.services[b].name),
            // Each reason on its own line: DOT's `\n` inside a label, so
            // the reasons are escaped one by one and joined after.
            reasons
                .iter()
                .map(|r| quote(r))
                .collect::<Vec<_>>()
                .join("\\n")
        ));
    }
    out.push_str("}\n");
    out
}

/// A Mermaid flowchart; node ids are positional so any name is safe.
pub fn render_mermaid(env: &Environment) -> String {
    let mut out = String::from("flowchart LR\n");
    for (i, s) in env.services.iter().enumerate() {
        out.push_str(&format!("  s{i}[\"{}\"]\n", s.name.replace('"', "#quot;")));
    }
    for ((a, b), reasons) in edges(env) {
        out.push_str(&format!(
            "  s{a} -->|\"{}\"| s{b}\n",
            reasons.join(", ").replace('"', "#quot;")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::load_dir;
    use std::path::Path;

    fn production() -> Environment {
        let analysis = load_dir(Path::new("tests/resolve/dependencies"));
        assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
        analysis
            .project
            .environment("production")
            .cloned()
            .expect("production")
    }

    #[test]
    fn text_lists_edges_with_reasons_and_order() {
        let text = render_text(&production());
        assert_eq!(
            text,
            "environment `production`: 3 services, 3 dependencies\n\
             \x20 db         (no dependencies)\n\
             \x20 migrate → db  (DATABASE_URL → db.DATABASE_URL)\n\
             \x20 api     → db  (DATABASE_URL → db.DATABASE_URL)\n\
             \x20 api     → migrate  (depends-on)\n\
             deploy order: db, migrate, api\n"
        );
    }

    #[test]
    fn dot_and_mermaid() {
        let env = production();
        let dot = render_dot(&env);
        assert!(
            dot.contains("\"api\" -> \"migrate\" [label=\"depends-on\"];"),
            "{dot}"
        );
        assert!(dot.starts_with("digraph \"production\" {"));
        let mermaid = render_mermaid(&env);
        assert!(mermaid.contains("s2 -->|\"depends-on\"| s1"), "{mermaid}");
        assert!(mermaid.contains("s0[\"db\"]"));
    }
}
