//! `mirage discover [DIR]`: list a repository's deployable services, or
//! their dependency graph.

use std::path::PathBuf;
use std::process::ExitCode;

use super::report;
use super::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE};
use crate::discover::{self, render};

/// Examples shown by `mirage discover --help`.
pub const AFTER_HELP: &str = "\
Examples:
  mirage discover                        the services of the repository here
  mirage discover ../shop --json         machine-readable (see docs/discover.md)
  mirage discover --graph --format dot | dot -Tsvg > graph.svg
  mirage discover --graph --format mermaid

Exit codes: 0 success, 1 a manifest or Dockerfile has errors, 2 usage error.";

/// Output format of `--graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum GraphFormat {
    /// An indented list.
    #[default]
    Text,
    /// Graphviz `dot`.
    Dot,
    /// Mermaid.
    Mermaid,
}

/// Arguments of `mirage discover`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The repository to search.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// Print the services as JSON.
    #[arg(long, conflicts_with = "graph")]
    pub json: bool,

    /// Print the dependency graph instead of the list.
    #[arg(long)]
    pub graph: bool,

    /// Format of the graph.
    #[arg(long, value_enum, default_value_t = GraphFormat::Text, requires = "graph")]
    pub format: GraphFormat,
}

/// Run `mirage discover`.
pub fn run(args: Args) -> ExitCode {
    if !args.dir.is_dir() {
        report::print_error(&format!("`{}` is not a directory", args.dir.display()));
        return ExitCode::from(EXIT_USAGE);
    }
    let discovery = match discover::discover(&args.dir) {
        Ok(d) => d,
        Err(error) => {
            report::print_error(&error.to_string());
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    if args.json {
        let json = render::to_json(&discovery);
        report::write_stdout_exact(&format!(
            "{}\n",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        ));
    } else {
        if !discovery.diagnostics.is_empty() {
            report::print_diagnostics(&discovery.files, &discovery.diagnostics);
        }
        let text = if args.graph {
            let format = match args.format {
                GraphFormat::Text => render::GraphFormat::Text,
                GraphFormat::Dot => render::GraphFormat::Dot,
                GraphFormat::Mermaid => render::GraphFormat::Mermaid,
            };
            render::render_graph(&discovery, format)
        } else {
            render::render_list(&discovery)
        };
        report::write_stdout(&text);
    }
    ExitCode::from(if discovery.has_errors() {
        EXIT_FAILURE
    } else {
        EXIT_OK
    })
}
