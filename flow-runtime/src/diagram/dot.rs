//! A flow as Graphviz DOT: `dot -Tsvg` draws it; figures ride on the labels and the
//! failure-rate fill.

use std::fmt::Write;

use flow_core::FlowSpec;

use super::figures::Figures;
use super::graph::{Graph, NodeKind};
use super::palette;

/// The DOT source of `spec` with `figures`, one statement a line.
pub fn render_dot(spec: &FlowSpec, figures: &Figures) -> String {
    let graph = Graph::new(spec, figures);
    let mut out = String::new();
    // Writing to a `String` cannot fail.
    let _ = writeln!(out, "digraph {} {{", quote(&graph.title));
    let _ = writeln!(
        out,
        "    graph [label={}, labelloc=t, rankdir=TB, fontname=\"Helvetica\"];",
        quote(&graph.title)
    );
    out.push_str(
        "    node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];\n",
    );
    out.push_str("    edge [fontname=\"Helvetica\", fontsize=10, color=\"#555555\"];\n");
    if !graph.starts.is_empty() {
        out.push_str("    \"[*]\" [shape=point, width=0.15, label=\"\"];\n");
    }
    for node in &graph.nodes {
        let mut lines = vec![node.name.to_owned()];
        lines.extend(node.detail.map(str::to_owned));
        lines.extend(node.saga.clone());
        lines.extend(node.figure.clone());
        let shape = match node.kind {
            NodeKind::Success | NodeKind::Failure => ", peripheries=2",
            NodeKind::Wait => ", style=\"rounded,filled,dashed\"",
            NodeKind::Step => "",
        };
        let _ = writeln!(
            out,
            "    {} [label={}, fillcolor=\"{}\", color=\"{}\"{shape}];",
            quote(node.name),
            quote(&lines.join("\n")),
            palette::fill(node.kind, node.failure_rate),
            palette::stroke(node.kind),
        );
    }
    for start in &graph.starts {
        let _ = writeln!(out, "    \"[*]\" -> {};", quote(graph.nodes[*start].name));
    }
    for link in &graph.links {
        let label = match &link.figure {
            Some(figure) => format!("{}\n{figure}", link.label),
            None => link.label.clone(),
        };
        let _ = writeln!(
            out,
            "    {} -> {} [label={}];",
            quote(graph.nodes[link.from].name),
            quote(graph.nodes[link.to].name),
            quote(&label)
        );
    }
    out.push_str("}\n");
    out
}

/// `text` as a DOT quoted string: quotes and backslashes escaped, line breaks as `\n`.
fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => {}
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}
