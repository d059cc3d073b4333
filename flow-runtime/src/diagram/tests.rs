//! What a reader of a diagram sees: the figures of a known snapshot on the right edges and
//! states, DOT that a parser accepts, SVG that is well-formed, one box per state, and the
//! same bytes every time.

use flow_core::FlowSpec;

use super::*;
use crate::document::{DocumentOrigin, FlowDocument};
use crate::stats::{EdgeSnapshot, FlowSnapshot, LatencySnapshot, StateSnapshot, StatsSnapshot};

/// A loan flow with a branch, a wait with a deadline, and a loop back for more documents.
const LOAN: &str = r#"
[[flow]]
name = "Loan"
data = "json"
start = "Applied"
success = ["Paid"]
failure = ["Rejected"]

[[flow.state]]
name = "Applied"
action = "score"
on = { Low = "Approved", High = "Review", Missing = "Documents" }

[[flow.state]]
name = "Documents"
wait = "Upload"
timeout = "7d"
on_timeout = "Rejected"
on = { Uploaded = "Applied" }

[[flow.state]]
name = "Review"
wait = "Decision"
timeout = "48h"
on_timeout = "Rejected"
on = { Approve = "Approved", Deny = "Rejected" }

[[flow.state]]
name = "Approved"
action = "pay_out"
next = "Paid"
"#;

fn loan() -> FlowSpec {
    FlowDocument::parse(LOAN, DocumentOrigin::named("loan.toml"))
        .expect("the loan document is valid")
        .flows
        .remove(0)
        .spec
}

fn state(
    name: &str,
    entered: u64,
    failed: u64,
    edges: &[(Option<&str>, &str, u64)],
) -> StateSnapshot {
    let ratio = |part: u64| {
        if entered == 0 {
            0.0
        } else {
            part as f64 / entered as f64
        }
    };
    StateSnapshot {
        state: name.to_owned(),
        entered,
        succeeded: entered - failed,
        failed,
        retried: 0,
        compensated: 0,
        unmatched: 0,
        failure_rate: ratio(failed),
        injected: Default::default(),
        latency: LatencySnapshot {
            count: 0,
            sum_seconds: 0.0,
            p50_seconds: 0.0,
            p99_seconds: 0.0,
            buckets: Vec::new(),
        },
        edges: edges
            .iter()
            .map(|&(instruction, to, count)| EdgeSnapshot {
                instruction: instruction.map(str::to_owned),
                to: to.to_owned(),
                count,
                conversion_rate: ratio(count),
            })
            .collect(),
    }
}

/// 200 applications: 150 low risk, 40 to review, 10 missing documents; 8 of 190 payouts
/// failed; 5 reviews expired.
fn snapshot() -> StatsSnapshot {
    StatsSnapshot {
        flows: vec![FlowSnapshot {
            flow: "Loan".to_owned(),
            version: 1,
            labels: Vec::new(),
            states: vec![
                state(
                    "Applied",
                    200,
                    0,
                    &[
                        (Some("Low"), "Approved", 150),
                        (Some("High"), "Review", 40),
                        (Some("Missing"), "Documents", 10),
                    ],
                ),
                state(
                    "Documents",
                    10,
                    0,
                    &[
                        (Some("Uploaded"), "Applied", 6),
                        (Some("Deadline"), "Rejected", 4),
                    ],
                ),
                state(
                    "Review",
                    40,
                    0,
                    &[
                        (Some("Approve"), "Approved", 30),
                        (Some("Deny"), "Rejected", 5),
                        (Some("Deadline"), "Rejected", 5),
                    ],
                ),
                state("Approved", 180, 8, &[(None, "Paid", 172)]),
                state("Paid", 172, 0, &[]),
                state("Rejected", 14, 0, &[]),
            ],
        }],
    }
}

fn live() -> Figures {
    Figures::from_snapshot(&loan(), &snapshot()).with_instances([("Review", 3), ("Documents", 1)])
}

#[test]
fn mermaid_edges_carry_the_conversion_of_the_snapshot_and_states_their_failure_rate() {
    let mermaid = render(&loan(), DiagramFormat::Mermaid, &live());
    for line in [
        "    Applied --> Approved: score / Low · 75.0% (150)\n",
        "    Applied --> Review: score / High · 20.0% (40)\n",
        "    Applied --> Documents: score / Missing · 5.0% (10)\n",
        "    Review --> Rejected: after 48h · 12.5% (5)\n",
        "    Review --> Rejected: Deny · 12.5% (5)\n",
        "    Documents --> Applied: Uploaded · 60.0% (6)\n",
        "    Approved --> Paid: pay_out · 95.6% (172)\n",
        "    Approved: 180 in · 4.4% failed\n",
        "    Review: 40 in · 0.0% failed · 3 now\n",
    ] {
        assert!(mermaid.contains(line), "missing {line:?} in\n{mermaid}");
    }
    let plain = render(&loan(), DiagramFormat::Mermaid, &Figures::none());
    assert_eq!(plain, flow_core::render_mermaid(&loan()));
    assert!(!plain.contains('%'));
}

#[test]
fn a_snapshot_of_another_flow_version_gives_no_figures() {
    let mut other = loan();
    other.version = 2;
    assert!(Figures::from_snapshot(&other, &snapshot()).is_empty());
}

/// DOT's statements as a parser reads them: every string closed, every statement ended,
/// braces balanced; the node and edge statements, by their quoted ids.
fn dot_statements(dot: &str) -> (Vec<String>, Vec<(String, String)>) {
    let body = dot
        .strip_prefix("digraph ")
        .and_then(|rest| rest.trim_end().strip_suffix('}'))
        .expect("a digraph with a closing brace");
    let open = body.find('{').expect("an opening brace");
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut depth = 0i32;
    for c in body[open + 1..].chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            current.push(c);
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' => depth += 1,
            ']' => depth -= 1,
            ';' if depth == 0 => {
                statements.push(std::mem::take(&mut current).trim().to_owned());
                continue;
            }
            _ => {}
        }
        assert!(depth >= 0, "unbalanced brackets");
        current.push(c);
    }
    assert!(!in_string, "a string is not closed");
    assert_eq!(current.trim(), "", "a statement is not ended: {current}");
    let quoted_id = |text: &str| -> Option<(String, usize)> {
        let rest = text.strip_prefix('"')?;
        let end = rest.find('"')?;
        Some((rest[..end].to_owned(), end + 2))
    };
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for statement in statements {
        let Some((id, used)) = quoted_id(&statement) else {
            continue;
        };
        let rest = statement[used..].trim_start();
        if let Some(target) = rest.strip_prefix("->") {
            let (to, _) = quoted_id(target.trim_start()).expect("an edge names its target");
            edges.push((id, to));
        } else if rest.starts_with('[') && id != "[*]" {
            nodes.push(id);
        }
    }
    (nodes, edges)
}

#[test]
fn dot_has_one_node_per_state_and_every_edge_with_its_figure() {
    let dot = render(&loan(), DiagramFormat::Dot, &live());
    let (nodes, edges) = dot_statements(&dot);
    assert_eq!(
        nodes,
        [
            "Applied",
            "Documents",
            "Review",
            "Approved",
            "Paid",
            "Rejected"
        ]
    );
    // Nine edges of the flow and the start's.
    assert_eq!(edges.len(), 10);
    assert!(edges.contains(&("[*]".to_owned(), "Applied".to_owned())));
    assert!(dot.contains(r#""Applied" -> "Approved" [label="score / Low\n75.0% (150)"];"#));
    assert!(dot.contains(r#"label="Approved\npay_out\n180 in · 4.4% failed""#));
}

#[test]
fn dot_quotes_names_a_parser_would_choke_on() {
    let mut spec = loan();
    spec.name = "Loan \"B\" \\ test".to_owned();
    let dot = render(&spec, DiagramFormat::Dot, &Figures::none());
    assert!(dot.starts_with("digraph \"Loan \\\"B\\\" \\\\ test v1\" {"));
    let (nodes, _) = dot_statements(&dot);
    assert_eq!(nodes.len(), 6);
}

/// Checks that `xml` is well-formed (tags nest and close, attributes are quoted, entities
/// known) and returns the start tags' names in order.
fn xml_elements(xml: &str) -> Vec<String> {
    let mut open: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find(['<', '&']) {
        let text = &rest[..at];
        assert!(!text.contains('>'), "a bare `>` in text: {text}");
        rest = &rest[at..];
        if rest.starts_with('&') {
            let end = rest.find(';').expect("an entity ends with `;`");
            let entity = &rest[1..end];
            assert!(
                ["amp", "lt", "gt", "quot", "#39"].contains(&entity),
                "unknown entity &{entity};"
            );
            rest = &rest[end + 1..];
            continue;
        }
        let end = rest.find('>').expect("a tag is closed");
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop().as_deref(), Some(name), "mismatched </{name}>");
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name = tag
            .split_whitespace()
            .next()
            .expect("a tag name")
            .to_owned();
        let mut attributes = tag[name.len()..].trim();
        while !attributes.is_empty() {
            let equals = attributes.find("=\"").expect("attributes are quoted");
            let value_end =
                attributes[equals + 2..].find('"').expect("a closing quote") + equals + 2;
            assert!(!attributes[equals + 2..value_end].contains('<'));
            attributes = attributes[value_end + 1..].trim_start();
        }
        seen.push(name.clone());
        if !self_closing {
            open.push(name);
        }
    }
    assert!(open.is_empty(), "unclosed elements: {open:?}");
    assert_eq!(rest.trim(), "");
    seen
}

#[test]
fn svg_is_well_formed_with_one_box_per_state_and_the_figures_on_its_labels() {
    let svg = render(&loan(), DiagramFormat::Svg, &live());
    let elements = xml_elements(&svg);
    assert_eq!(elements.first().map(String::as_str), Some("svg"));
    assert_eq!(elements.iter().filter(|name| *name == "rect").count(), 6);
    assert_eq!(svg.matches("<g class=\"state\"").count(), 6);
    for name in [
        "Applied",
        "Documents",
        "Review",
        "Approved",
        "Paid",
        "Rejected",
    ] {
        assert!(
            svg.contains(&format!("data-state=\"{name}\"")),
            "no box for {name}"
        );
    }
    assert!(svg.contains(">score / Low · 75.0% (150)</text>"));
    // Two edges from Review to Rejected are drawn as one, their labels one under the other.
    assert!(svg.contains(">Deny · 12.5% (5)</text>"));
    assert!(svg.contains(">after 48h · 12.5% (5)</text>"));
    assert_eq!(
        svg.matches("data-from=\"Review\" data-to=\"Rejected\"")
            .count(),
        1
    );
    // The failing payout is coloured by its failure rate (4.4%: the 1–5% colour).
    assert!(svg.contains(
        "data-state=\"Approved\" data-kind=\"step\" data-failure-rate=\"0.0444\">\n<rect"
    ));
    assert!(svg.contains("fill=\"#ffe8cc\""));
    assert!(!svg.contains("<script"));
}

#[test]
fn svg_escapes_text_and_is_the_same_every_time() {
    let mut spec = loan();
    spec.name = "<Loan & \"Co\">".to_owned();
    let first = render(&spec, DiagramFormat::Svg, &live());
    xml_elements(&first);
    assert!(first.contains("<title>&lt;Loan &amp; &quot;Co&quot;&gt; v1</title>"));
    for _ in 0..3 {
        assert_eq!(render(&spec, DiagramFormat::Svg, &live()), first);
    }
}

#[test]
fn boxes_of_a_fifty_state_flow_never_overlap() {
    let spec = wide_flow(50);
    let svg = render(&spec, DiagramFormat::Svg, &Figures::none());
    xml_elements(&svg);
    let boxes: Vec<(f64, f64, f64, f64)> = svg
        .lines()
        .filter(|line| line.starts_with("<rect "))
        .map(|line| {
            let attribute = |name: &str| -> f64 {
                let start =
                    line.find(&format!(" {name}=\"")).expect("an attribute") + name.len() + 3;
                let end = line[start..].find('"').expect("a quote") + start;
                line[start..end].parse().expect("a number")
            };
            (
                attribute("x"),
                attribute("y"),
                attribute("width"),
                attribute("height"),
            )
        })
        .collect();
    assert_eq!(boxes.len(), 50);
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let apart =
                a.0 + a.2 <= b.0 || b.0 + b.2 <= a.0 || a.1 + a.3 <= b.1 || b.1 + b.3 <= a.1;
            assert!(apart, "boxes {a:?} and {b:?} overlap");
        }
    }
}

/// A flow of `states` states: a chain of checks, each passing on, failing to a shared
/// end, or sending every fifth back to an earlier one.
pub(crate) fn wide_flow(states: usize) -> FlowSpec {
    use std::fmt::Write;
    let steps = states - 2;
    let mut text = String::from(
        "[[flow]]\nname = \"Wide\"\ndata = \"json\"\nstart = \"S0\"\nsuccess = [\"Done\"]\nfailure = [\"Failed\"]\n",
    );
    for step in 0..steps {
        let next = if step + 1 == steps {
            "Done".to_owned()
        } else {
            format!("S{}", step + 1)
        };
        let _ = write!(
            text,
            "\n[[flow.state]]\nname = \"S{step}\"\naction = \"check\"\non = {{ Pass = \"{next}\", Fail = \"Failed\""
        );
        if step % 5 == 4 {
            let _ = write!(text, ", Again = \"S{}\"", step - 3);
        }
        if step % 7 == 3 && step + 3 < steps {
            let _ = write!(text, ", Skip = \"S{}\"", step + 3);
        }
        text.push_str(" }\n");
    }
    FlowDocument::parse(&text, DocumentOrigin::named("wide.toml"))
        .expect("the wide flow is valid")
        .flows
        .remove(0)
        .spec
}
