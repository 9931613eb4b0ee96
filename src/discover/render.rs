//! Rendering discovery results: a table for people, and the dependency
//! graph as an indented tree, Graphviz `dot` or Mermaid.

use std::fmt::Write;

use super::{Build, Discovery, Kind, Service};

/// The service list as aligned text, one service per line.
pub fn render_list(discovery: &Discovery) -> String {
    let mut out = String::new();
    if discovery.services.is_empty() {
        out.push_str("no services found\n");
        return out;
    }
    let rows: Vec<[String; 6]> = discovery
        .services
        .iter()
        .map(|s| {
            [
                s.service.clone(),
                s.path.clone(),
                match s.kind {
                    Kind::App => "app".into(),
                    Kind::Library => "library".into(),
                },
                describe_build(s),
                s.ports
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                s.dependencies
                    .iter()
                    .map(|d| short(discovery, d))
                    .collect::<Vec<_>>()
                    .join(","),
            ]
        })
        .collect();
    let header = ["SERVICE", "PATH", "KIND", "BUILD", "PORTS", "DEPENDS ON"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut line = |cells: &[String]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{:<width$}  ", cell, width = widths[i]);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&header.map(String::from));
    for row in &rows {
        line(row);
    }
    if !discovery.tools.is_empty() {
        let _ = writeln!(out, "\nfound with: {}", discovery.tools.join(", "));
    }
    out
}

fn describe_build(s: &Service) -> String {
    match &s.build {
        Build::Dockerfile { path, .. } if !s.variants.is_empty() => {
            let names: Vec<&str> = s.variants.iter().map(|v| v.name.as_str()).collect();
            format!("{path} (variants: {})", names.join(", "))
        }
        Build::Dockerfile { path, .. } => path.clone(),
        Build::Package {
            manager,
            start: Some(_),
        } => format!("{manager} start"),
        Build::Package {
            manager,
            start: None,
        } => manager.clone(),
        Build::Cargo => "cargo".into(),
        Build::Go => "go".into(),
    }
}

/// The Railway name of the service called `name`.
fn short(discovery: &Discovery, name: &str) -> String {
    discovery
        .service(name)
        .map(|s| s.service.clone())
        .unwrap_or_else(|| name.to_string())
}

/// Output format of `discover --graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// Each service with its dependencies indented below it.
    Text,
    /// Graphviz.
    Dot,
    /// Mermaid `graph LR`.
    Mermaid,
}

/// The dependency graph; an edge goes from a service to what it depends on.
pub fn render_graph(discovery: &Discovery, format: GraphFormat) -> String {
    let mut out = String::new();
    match format {
        GraphFormat::Text => {
            for s in &discovery.services {
                let _ = writeln!(out, "{} ({})", s.service, s.path);
                for d in &s.dependencies {
                    let _ = writeln!(out, "  -> {}", short(discovery, d));
                }
            }
        }
        GraphFormat::Dot => {
            out.push_str("digraph services {\n  rankdir=LR;\n");
            for s in &discovery.services {
                let shape = if s.kind == Kind::App {
                    "box"
                } else {
                    "ellipse"
                };
                let _ = writeln!(out, "  \"{}\" [shape={shape}];", escape(&s.service));
            }
            for s in &discovery.services {
                for d in &s.dependencies {
                    let _ = writeln!(
                        out,
                        "  \"{}\" -> \"{}\";",
                        escape(&s.service),
                        escape(&short(discovery, d))
                    );
                }
            }
            out.push_str("}\n");
        }
        GraphFormat::Mermaid => {
            out.push_str("graph LR\n");
            let id = |name: &str| name.replace(|c: char| !c.is_ascii_alphanumeric(), "_");
            for s in &discovery.services {
                let (open, close) = if s.kind == Kind::App {
                    ("[", "]")
                } else {
                    ("([", "])")
                };
                let _ = writeln!(out, "  {}{open}\"{}\"{close}", id(&s.service), s.service);
            }
            for s in &discovery.services {
                for d in &s.dependencies {
                    let _ = writeln!(out, "  {} --> {}", id(&s.service), id(&short(discovery, d)));
                }
            }
        }
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The discovery as JSON: tools, services and diagnostics (with file, line
/// and column), the shape `mirage discover --json` prints.
pub fn to_json(discovery: &Discovery) -> serde_json::Value {
    let diagnostics: Vec<serde_json::Value> = discovery
        .diagnostics
        .iter()
        .map(|d| {
            let file = discovery.files.get(d.file().unwrap_or_default());
            let (line, column) = file.line_col(d.span().start);
            serde_json::json!({
                "code": d.code,
                "severity": if d.is_error() { "error" } else { "warning" },
                "file": file.path.to_string_lossy().replace('\\', "/"),
                "line": line,
                "column": column,
                "message": d.message,
                "help": d.help,
            })
        })
        .collect();
    serde_json::json!({
        "tools": discovery.tools,
        "services": discovery.services,
        "diagnostics": diagnostics,
    })
}
