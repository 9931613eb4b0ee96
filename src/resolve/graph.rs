//! The service dependency graph of one environment (petgraph): explicit
//! `depends-on` plus every `${{service.VAR}}` reference, and its cycles.

use std::collections::{HashMap, HashSet, VecDeque};

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::diagnostic::Diagnostic;
use crate::model::{Dependency, DependencyReason, Environment};

/// The dependency graph of an environment: one node per service, one edge
/// per dependency (from the dependent to the service it needs). Borrows the
/// environment: it is built for every environment on every analysis (each
/// keystroke in an editor), and copying names and provenance showed.
pub fn dependency_graph(env: &Environment) -> DiGraph<&str, &Dependency> {
    graph_of(
        env.services
            .iter()
            .map(|s| (s.name.as_str(), s.dependencies.as_slice())),
    )
}

/// The dependency graph of services given as (name, dependencies), in
/// order.
pub fn graph_of<'a>(
    services: impl ExactSizeIterator<Item = (&'a str, &'a [Dependency])> + Clone,
) -> DiGraph<&'a str, &'a Dependency> {
    let mut graph = DiGraph::with_capacity(services.len(), services.len());
    let mut index: HashMap<&str, NodeIndex> = HashMap::with_capacity(services.len());
    for (name, _) in services.clone() {
        index.insert(name, graph.add_node(name));
    }
    for (name, dependencies) in services {
        let Some(&from) = index.get(name) else {
            continue;
        };
        for d in dependencies {
            if let Some(&to) = index.get(d.target.as_str()) {
                graph.add_edge(from, to, d);
            }
        }
    }
    graph
}

/// The shortest cycle through the first node of a strongly connected
/// component, as edges in order (BFS restricted to the component).
pub fn cycle_in<N, E>(graph: &DiGraph<N, E>, scc: &[NodeIndex]) -> Vec<EdgeIndex> {
    let Some(&start) = scc.first() else {
        return Vec::new();
    };
    let members: HashSet<NodeIndex> = scc.iter().copied().collect();
    let mut parent: HashMap<NodeIndex, EdgeIndex> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        let mut edges: Vec<_> = graph.edges(node).collect();
        edges.sort_by_key(|e| e.id());
        for e in edges {
            let target = e.target();
            if !members.contains(&target) {
                continue;
            }
            if target == start {
                let mut cycle = vec![e.id()];
                let mut cur = node;
                while cur != start {
                    let Some(&pe) = parent.get(&cur) else { break };
                    cycle.push(pe);
                    cur = graph.edge_endpoints(pe).map(|(a, _)| a).unwrap_or(start);
                }
                cycle.reverse();
                return cycle;
            }
            if target != start && !parent.contains_key(&target) {
                parent.insert(target, e.id());
                queue.push_back(target);
            }
        }
    }
    Vec::new()
}

/// One `dependency_cycle` diagnostic per cycle of the graph of `services`
/// (name, dependencies), each edge a label.
pub fn cycle_diagnostics<'a>(
    services: impl ExactSizeIterator<Item = (&'a str, &'a [Dependency])> + Clone,
) -> Vec<Diagnostic> {
    let graph = graph_of(services);
    let mut out = Vec::new();
    for mut scc in petgraph::algo::tarjan_scc(&graph) {
        let self_loop = scc.len() == 1 && graph.find_edge(scc[0], scc[0]).is_some();
        if scc.len() < 2 && !self_loop {
            continue;
        }
        // Start from the service declared first, for stable output.
        scc.sort();
        let cycle = cycle_in(&graph, &scc);
        let names: Vec<&str> = cycle
            .iter()
            .filter_map(|&e| graph.edge_endpoints(e).map(|(a, _)| graph[a]))
            .collect();
        let mut labels = cycle.iter().filter_map(|&e| {
            let (a, b) = graph.edge_endpoints(e)?;
            let dep = graph[e];
            let step = dep.origin.effective()?;
            let why = match &dep.reason {
                DependencyReason::DependsOn => {
                    format!("`{}` depends on `{}` here", graph[a], graph[b])
                }
                DependencyReason::Reference {
                    variable,
                    target_variable,
                } => format!(
                    "`{}` references `{}.{target_variable}` in `{variable}`",
                    graph[a], graph[b]
                ),
            };
            Some((step.file, step.span, why))
        });
        let Some((file, span, label)) = labels.next() else {
            continue;
        };
        let mut path = names.join(" → ");
        if let Some(first) = names.first() {
            path = format!("{path} → {first}");
        }
        let mut d = Diagnostic::error(
            "mirage::resolve::dependency_cycle",
            file,
            span,
            format!("services depend on each other in a loop: {path}"),
        )
        .with_label(label)
        .with_help("break the loop: remove a `depends-on` or a `${{service.VAR}}` reference");
        for (f, s, l) in labels {
            d = d.with_related(f, s, l);
        }
        out.push(d);
    }
    out
}
