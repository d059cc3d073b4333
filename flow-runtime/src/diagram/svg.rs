//! A flow as a self-contained SVG image: no scripts, no fonts or styles from elsewhere,
//! every text escaped, the same bytes for the same input. Each state is one
//! `<g class="state">` holding one `<rect>` (filled by kind, or by failure rate when figures
//! are known) and its texts; each edge one `<g class="edge">` with a polyline, an arrow
//! head and its label (instruction and figure).

use std::fmt::Write;

use flow_core::FlowSpec;

use super::figures::Figures;
use super::graph::{Graph, Link};
use super::layout::{LayoutEdge, LayoutNode, Point, layout};
use super::palette;

const FONT: &str = "Helvetica, Arial, sans-serif";
/// Rough advance of one character at the sizes used: enough to size boxes without a font.
const NAME_CHAR_WIDTH: f64 = 7.4;
const TEXT_CHAR_WIDTH: f64 = 6.2;
const LINE_HEIGHT: f64 = 14.0;
const BOX_PADDING: f64 = 10.0;
const START_RADIUS: f64 = 6.0;

/// The SVG image of `spec` with `figures`.
pub fn render_svg(spec: &FlowSpec, figures: &Figures) -> String {
    let graph = Graph::new(spec, figures);
    let links = merge_parallel(&graph.links);

    // The start marker is one more node of the layout, above the start states.
    let mut layout_nodes: Vec<LayoutNode> = graph
        .nodes
        .iter()
        .map(|node| {
            let lines = node_lines(node);
            let width = lines
                .iter()
                .enumerate()
                .map(|(at, line)| {
                    let per_char = if at == 0 {
                        NAME_CHAR_WIDTH
                    } else {
                        TEXT_CHAR_WIDTH
                    };
                    line.chars().count() as f64 * per_char
                })
                .fold(0.0, f64::max)
                + 2.0 * BOX_PADDING;
            LayoutNode {
                width: width.max(60.0),
                height: lines.len() as f64 * LINE_HEIGHT + BOX_PADDING,
            }
        })
        .collect();
    let start_marker = layout_nodes.len();
    let mut layout_edges: Vec<LayoutEdge> = links
        .iter()
        .map(|link| {
            let widest = link
                .lines
                .iter()
                .map(|line| line.chars().count())
                .max()
                .unwrap_or(0);
            LayoutEdge {
                from: link.from,
                to: link.to,
                label_width: widest as f64 * TEXT_CHAR_WIDTH,
                label_height: link.lines.len() as f64 * LINE_HEIGHT,
            }
        })
        .collect();
    let mut roots = Vec::new();
    if !graph.starts.is_empty() {
        layout_nodes.push(LayoutNode {
            width: 2.0 * START_RADIUS,
            height: 2.0 * START_RADIUS,
        });
        roots.push(start_marker);
        for &start in &graph.starts {
            layout_edges.push(LayoutEdge {
                from: start_marker,
                to: start,
                label_width: 0.0,
                label_height: 0.0,
            });
        }
    }
    roots.extend(graph.starts.iter().copied());
    let placed = layout(&layout_nodes, &layout_edges, &roots);

    let mut out = String::new();
    // Writing to a `String` cannot fail.
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{FONT}\" font-size=\"11\" role=\"img\">",
        w = number(placed.width),
        h = number(placed.height),
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&graph.title));
    out.push_str(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555555\"/></marker></defs>\n",
    );
    if !graph.starts.is_empty() {
        let at = placed.nodes[start_marker];
        let _ = writeln!(
            out,
            "<circle class=\"start\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"#212529\"/>",
            number(at.x),
            number(at.y),
            number(START_RADIUS)
        );
    }
    for (index, edge) in layout_edges.iter().enumerate() {
        let route = &placed.routes[index];
        let points: Vec<String> = route.points.iter().map(point).collect();
        let is_start = edge.from == start_marker;
        let (from, to) = if is_start {
            ("[*]", graph.nodes[edge.to].name)
        } else {
            (graph.nodes[edge.from].name, graph.nodes[edge.to].name)
        };
        let _ = writeln!(
            out,
            "<g class=\"edge\" data-from=\"{}\" data-to=\"{}\"><polyline points=\"{}\" fill=\"none\" stroke=\"#555555\" stroke-width=\"1.2\" marker-end=\"url(#arrow)\"/>",
            escape(from),
            escape(to),
            points.join(" ")
        );
        if !is_start {
            text_block(
                &mut out,
                route.label,
                &links[index].lines,
                "#343a40",
                "label",
            );
        }
        out.push_str("</g>\n");
    }
    for (index, node) in graph.nodes.iter().enumerate() {
        let centre = placed.nodes[index];
        let size = layout_nodes[index];
        let failure = node
            .failure_rate
            .map(|rate| format!(" data-failure-rate=\"{rate:.4}\""))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<g class=\"state\" data-state=\"{}\" data-kind=\"{}\"{failure}>",
            escape(node.name),
            node.kind.name()
        );
        let (dash, width) = match node.kind {
            super::graph::NodeKind::Wait => (" stroke-dasharray=\"4 2\"", "1.5"),
            super::graph::NodeKind::Success | super::graph::NodeKind::Failure => ("", "2.5"),
            super::graph::NodeKind::Step => ("", "1.5"),
        };
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"{}\" stroke=\"{}\" stroke-width=\"{width}\"{dash}/>",
            number(centre.x - size.width / 2.0),
            number(centre.y - size.height / 2.0),
            number(size.width),
            number(size.height),
            palette::fill(node.kind, node.failure_rate),
            palette::stroke(node.kind),
        );
        let lines = node_lines(node);
        let top = centre.y - size.height / 2.0 + BOX_PADDING / 2.0 + LINE_HEIGHT * 0.75;
        for (at, line) in lines.iter().enumerate() {
            let style = if at == 0 {
                " font-weight=\"bold\" font-size=\"12\""
            } else {
                " fill=\"#495057\""
            };
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\"{style}>{}</text>",
                number(centre.x),
                number(top + at as f64 * LINE_HEIGHT),
                escape(line)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

/// One drawn edge: the edges between one pair of states, their labels one under another.
struct DrawnLink {
    from: usize,
    to: usize,
    lines: Vec<String>,
}

/// Edges between the same two states drawn as one, so labels never lie on each other.
fn merge_parallel(links: &[Link]) -> Vec<DrawnLink> {
    let mut drawn: Vec<DrawnLink> = Vec::new();
    for link in links {
        let text = match &link.figure {
            Some(figure) => format!("{} · {figure}", link.label),
            None => link.label.clone(),
        };
        match drawn
            .iter_mut()
            .find(|known| known.from == link.from && known.to == link.to)
        {
            Some(known) => known.lines.push(text),
            None => drawn.push(DrawnLink {
                from: link.from,
                to: link.to,
                lines: vec![text],
            }),
        }
    }
    drawn
}

/// The text lines of a state's box: its name, its action or event, its saga role, its
/// figures.
fn node_lines(node: &super::graph::Node<'_>) -> Vec<String> {
    let mut lines = vec![node.name.to_owned()];
    lines.extend(node.detail.map(str::to_owned));
    lines.extend(node.saga.clone());
    lines.extend(node.figure.clone());
    lines
}

/// Lines of text centred on `centre`, with a white halo so they read over edges.
fn text_block(out: &mut String, centre: Point, lines: &[String], colour: &str, class: &str) {
    let first = centre.y - (lines.len() as f64 - 1.0) * LINE_HEIGHT / 2.0 + 4.0;
    for (at, line) in lines.iter().enumerate() {
        let _ = write!(
            out,
            "<text class=\"{class}\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{colour}\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
            number(centre.x),
            number(first + at as f64 * LINE_HEIGHT),
            escape(line)
        );
    }
}

/// A coordinate with one decimal at most: short, and the same on every machine.
fn number(value: f64) -> String {
    let tenths = (value * 10.0).round() / 10.0;
    if tenths.fract() == 0.0 {
        format!("{}", tenths as i64)
    } else {
        format!("{tenths:.1}")
    }
}

fn point(at: &Point) -> String {
    format!("{},{}", number(at.x), number(at.y))
}

/// `text` safe inside an element or an attribute.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => escaped.push(c),
        }
    }
    escaped
}
