//! A flow as a Mermaid `stateDiagram-v2`, for rustdoc and dashboards.
//!
//! Transitions are labelled `action / Instruction` (just `action` for a catch-all), wait
//! transitions with the event variant, deadlines `after 48h`. Success ends lead to `[*]`;
//! success ends, failure ends, waits and pivot steps each get a style class. With a known
//! action catalog, each step's compensation (or its being the pivot) is a note beside it.
//! The output depends only on the spec, so it can be compared and committed.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::time::Duration;

use crate::spec::{ActionCatalog, Effect, FlowSpec, StateKind};

/// The Mermaid `stateDiagram-v2` source of `spec`, one statement a line.
pub fn render_mermaid(spec: &FlowSpec) -> String {
    let mut diagram = Diagram {
        text: String::from("stateDiagram-v2\n"),
    };
    let mut starts = HashSet::new();
    for start in spec.start.iter().filter(|start| starts.insert(*start)) {
        diagram.indented(format_args!("[*] --> {start}"));
    }
    for state in &spec.states {
        let name = &state.name;
        match &state.kind {
            StateKind::Step(step) => {
                for edge in &step.edges {
                    match &edge.instruction {
                        Some(instruction) => diagram.indented(format_args!(
                            "{name} --> {}: {} / {instruction}",
                            edge.target, step.action
                        )),
                        None => diagram
                            .indented(format_args!("{name} --> {}: {}", edge.target, step.action)),
                    }
                }
            }
            StateKind::Wait(wait) => {
                for edge in &wait.edges {
                    let label = edge.instruction.as_deref().unwrap_or(&wait.event);
                    diagram.indented(format_args!("{name} --> {}: {label}", edge.target));
                }
                if let Some(deadline) = &wait.deadline {
                    diagram.indented(format_args!(
                        "{name} --> {}: after {}",
                        deadline.target,
                        compact(deadline.after)
                    ));
                }
            }
            StateKind::Success => diagram.indented(format_args!("{name} --> [*]")),
            StateKind::Failure => {}
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

/// `duration` in the largest unit that shows it exactly, as the flow DSL writes durations:
/// `48h`, `5m`, `90s`, `250ms`.
fn compact(duration: Duration) -> String {
    const UNITS: [(u128, &str); 6] = [
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "us"),
        (1, "ns"),
    ];
    let nanos = duration.as_nanos();
    if nanos == 0 {
        return "0s".to_owned();
    }
    let (size, unit) = UNITS
        .iter()
        .find(|(size, _)| nanos.is_multiple_of(*size))
        .copied()
        // Every whole number of nanoseconds is a multiple of one nanosecond.
        .unwrap_or((1, "ns"));
    format!("{}{unit}", nanos / size)
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn durations_use_the_largest_exact_unit() {
        let cases = [
            (Duration::from_secs(48 * 3600), "48h"),
            (Duration::from_secs(300), "5m"),
            (Duration::from_secs(90), "90s"),
            (Duration::from_millis(250), "250ms"),
            (Duration::from_millis(1500), "1500ms"),
            (Duration::from_micros(7), "7us"),
            (Duration::ZERO, "0s"),
        ];
        for (duration, text) in cases {
            assert_eq!(compact(duration), text);
        }
    }
}
