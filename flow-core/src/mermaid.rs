//! A flow as a Mermaid `stateDiagram-v2`, for rustdoc and dashboards.
//!
//! Transitions are labelled `action / Instruction` (just `action` for a catch-all), wait
//! transitions with the event variant, deadlines `after 48h`. Success ends lead to `[*]`;
//! success ends, failure ends, waits and pivot steps each get a style class. With a known
//! action catalog, each step's compensation (or its being the pivot) is a note beside it.
//! The output depends only on the spec, so it can be compared and committed.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use crate::diagram::{DiagramFigures, NoFigures, edges_of};
use crate::spec::{ActionCatalog, Effect, FlowSpec, StateKind};

/// The Mermaid `stateDiagram-v2` source of `spec`, one statement a line.
pub fn render_mermaid(spec: &FlowSpec) -> String {
    render_mermaid_with(spec, &NoFigures)
}

/// [`render_mermaid`] with `figures` printed on it: each edge's after its label
/// (`reserve_stock / Reserved · 72.0%`), each state's as the state's description line.
pub fn render_mermaid_with(spec: &FlowSpec, figures: &dyn DiagramFigures) -> String {
    let mut diagram = Diagram {
        text: String::from("stateDiagram-v2\n"),
    };
    let mut starts = HashSet::new();
    for start in spec.start.iter().filter(|start| starts.insert(*start)) {
        diagram.indented(format_args!("[*] --> {start}"));
    }
    let mut described = HashSet::new();
    for state in &spec.states {
        let name = &state.name;
        if described.insert(name.as_str())
            && let Some(figure) = figures.state(name)
        {
            diagram.indented(format_args!("{name}: {figure}"));
        }
        for edge in edges_of(state) {
            match figures.edge(edge.from, edge.trigger, edge.to) {
                Some(figure) => diagram.indented(format_args!(
                    "{name} --> {}: {} · {figure}",
                    edge.to, edge.label
                )),
                None => diagram.indented(format_args!("{name} --> {}: {}", edge.to, edge.label)),
            }
        }
        if matches!(state.kind, StateKind::Success) {
            diagram.indented(format_args!("{name} --> [*]"));
        }
    }

    let mut pivots = Vec::new();
    if let ActionCatalog::Known(catalog) = &spec.actions {
        let mut actions = HashMap::with_capacity(catalog.len());
        for action in catalog {
            // The first of two entries of one name wins, as in the validator.
            actions.entry(action.name.as_str()).or_insert(action);
        }
        let mut noted = HashSet::new();
        for state in &spec.states {
            let StateKind::Step(step) = &state.kind else {
                continue;
            };
            let Some(action) = actions.get(step.action.as_str()) else {
                continue;
            };
            if !noted.insert(&state.name) {
                continue;
            }
            if action.effect == Effect::Pivot {
                pivots.push(state.name.as_str());
                diagram.indented(format_args!("note right of {}: pivot", state.name));
            } else if let Some(compensation) = &action.compensation {
                diagram.indented(format_args!(
                    "note right of {}: compensate {compensation}",
                    state.name
                ));
            }
        }
    }

    let of_kind = |wanted: fn(&StateKind) -> bool| {
        let mut seen = HashSet::new();
        spec.states
            .iter()
            .filter(|state| wanted(&state.kind) && seen.insert(state.name.as_str()))
            .map(|state| state.name.as_str())
            .collect::<Vec<_>>()
    };
    let classes = [
        (
            "success",
            "fill:#d3f9d8,stroke:#2f9e44",
            of_kind(|kind| matches!(kind, StateKind::Success)),
        ),
        (
            "failure",
            "fill:#ffe3e3,stroke:#e03131",
            of_kind(|kind| matches!(kind, StateKind::Failure)),
        ),
        (
            "wait",
            "fill:#fff3bf,stroke:#f08c00",
            of_kind(|kind| matches!(kind, StateKind::Wait(_))),
        ),
        ("pivot", "stroke-width:3px,font-weight:bold", pivots),
    ];
    for (class, style, members) in &classes {
        if !members.is_empty() {
            diagram.indented(format_args!("classDef {class} {style}"));
        }
    }
    for (class, _, members) in &classes {
        if !members.is_empty() {
            diagram.indented(format_args!("class {} {class}", members.join(",")));
        }
    }
    diagram.text
}

/// The diagram's source as it is written.
struct Diagram {
    text: String,
}

impl Diagram {
    /// Appends one statement on its own indented line.
    fn indented(&mut self, statement: std::fmt::Arguments<'_>) {
        // Writing to a `String` cannot fail.
        let _ = writeln!(self.text, "    {statement}");
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::diagram::EdgeTrigger;
    use crate::validate::fixtures::*;

    #[test]
    fn a_small_flow_renders_states_edges_ends_and_saga_notes() {
        let mut spec = flow(
            &["Created"],
            vec![
                step(
                    "Created",
                    "reserve_stock",
                    &[("Reserved", "Review"), ("OutOfStock", "Rejected")],
                ),
                wait_for(
                    "Review",
                    "Decision",
                    Some((Duration::from_secs(90), "Rejected")),
                    &[("Approved", "Paid")],
                ),
                step_any("Paid", "ship", "Shipped"),
                success("Shipped"),
                failure("Rejected"),
            ],
        );
        spec.actions = ActionCatalog::Known(vec![
            action("reserve_stock", &["Reserved", "OutOfStock"]).compensate("release_stock"),
            action("ship", &["Sent"]).pivot().retried(),
        ]);
        let expected = "\
stateDiagram-v2
    [*] --> Created
    Created --> Review: reserve_stock / Reserved
    Created --> Rejected: reserve_stock / OutOfStock
    Review --> Paid: Approved
    Review --> Rejected: after 90s
    Paid --> Shipped: ship
    Shipped --> [*]
    note right of Created: compensate release_stock
    note right of Paid: pivot
    classDef success fill:#d3f9d8,stroke:#2f9e44
    classDef failure fill:#ffe3e3,stroke:#e03131
    classDef wait fill:#fff3bf,stroke:#f08c00
    classDef pivot stroke-width:3px,font-weight:bold
    class Shipped success
    class Rejected failure
    class Review wait
    class Paid pivot
";
        assert_eq!(render_mermaid(&spec), expected);
    }

    #[test]
    fn without_a_catalog_there_are_no_saga_notes_and_unused_classes_are_left_out() {
        let mut spec = checkout();
        spec.states.push(failure("Cancelled"));
        let diagram = render_mermaid(&spec);
        assert!(!diagram.contains("note"));
        assert!(!diagram.contains("pivot"));
        assert!(diagram.contains("    Review --> Expired: after 48h\n"));
        assert!(diagram.contains("    Paid --> Shipped: ship\n"));
        assert!(diagram.ends_with(
            "    class Shipped success\n    class Rejected,Expired,Cancelled failure\n    \
             class Review wait\n"
        ));
    }

    /// Figures that name what they were asked about, to see where each lands.
    struct Echo;

    impl DiagramFigures for Echo {
        fn edge(&self, from: &str, trigger: EdgeTrigger<'_>, to: &str) -> Option<String> {
            match trigger {
                EdgeTrigger::Deadline => Some(format!("{from}~{to} late")),
                EdgeTrigger::Instruction(_) if from == "Created" => Some("72.0%".to_owned()),
                EdgeTrigger::Instruction(_) => None,
            }
        }

        fn state(&self, state: &str) -> Option<String> {
            (state == "Paid").then(|| "fail 3.1%".to_owned())
        }
    }

    #[test]
    fn figures_follow_edge_labels_and_describe_states() {
        let diagram = render_mermaid_with(&checkout(), &Echo);
        assert!(
            diagram.contains("    Created --> StockReserved: reserve_stock / Reserved · 72.0%\n")
        );
        assert!(diagram.contains("    Review --> Expired: after 48h · Review~Expired late\n"));
        assert!(diagram.contains("    Paid: fail 3.1%\n    Paid --> Shipped: ship\n"));
        assert_eq!(
            render_mermaid_with(&checkout(), &NoFigures),
            render_mermaid(&checkout())
        );
    }
}
