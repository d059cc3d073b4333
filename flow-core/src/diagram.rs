//! What every diagram of a flow draws, whatever its format: the edges of each state with the
//! words they are labelled with, and the figures (live statistics) a renderer may print
//! beside states and edges. Mermaid ([`crate::mermaid`]) and the runtime's DOT and SVG
//! renderers all read edges from here, so a flow reads the same in every format.

use std::time::Duration;

use crate::spec::{StateKind, StateSpec};

/// What takes an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeTrigger<'a> {
    /// An instruction of a step's action, or an event of a wait; `None` for a catch-all edge
    /// (`Paid => ship => Shipped;`).
    Instruction(Option<&'a str>),
    /// A wait's deadline passed.
    Deadline,
}

/// One edge as diagrams draw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagramEdge<'a> {
    /// The state it leaves.
    pub from: &'a str,
    /// The state it leads to.
    pub to: &'a str,
    /// What takes it.
    pub trigger: EdgeTrigger<'a>,
    /// Its words: `action / Instruction` (just `action` for a catch-all), the event variant
    /// of a wait (the event type for a catch-all), `after 48h` for a deadline.
    pub label: String,
}

/// The edges leaving `state`, in declaration order, the deadline of a wait last. Ends have
/// none.
pub fn edges_of(state: &StateSpec) -> Vec<DiagramEdge<'_>> {
    let from = state.name.as_str();
    match &state.kind {
        StateKind::Step(step) => step
            .edges
            .iter()
            .map(|edge| DiagramEdge {
                from,
                to: &edge.target,
                trigger: EdgeTrigger::Instruction(edge.instruction.as_deref()),
                label: match &edge.instruction {
                    Some(instruction) => format!("{} / {instruction}", step.action),
                    None => step.action.clone(),
                },
            })
            .collect(),
        StateKind::Wait(wait) => {
            let mut edges: Vec<DiagramEdge<'_>> = wait
                .edges
                .iter()
                .map(|edge| DiagramEdge {
                    from,
                    to: &edge.target,
                    trigger: EdgeTrigger::Instruction(edge.instruction.as_deref()),
                    label: edge
                        .instruction
                        .as_deref()
                        .unwrap_or(&wait.event)
                        .to_owned(),
                })
                .collect();
            if let Some(deadline) = &wait.deadline {
                edges.push(DiagramEdge {
                    from,
                    to: &deadline.target,
                    trigger: EdgeTrigger::Deadline,
                    label: format!("after {}", compact(deadline.after)),
                });
            }
            edges
        }
        StateKind::Success | StateKind::Failure => Vec::new(),
    }
}

/// Figures printed on a diagram beside the graph: live statistics, a simulation's funnel.
/// Each answer is short text (`72.0%`, `fail 3.1%`); `None` prints nothing.
pub trait DiagramFigures {
    /// The figure of the edge from `from` taken by `trigger` to `to`.
    fn edge(&self, from: &str, trigger: EdgeTrigger<'_>, to: &str) -> Option<String>;
    /// The figure of `state`.
    fn state(&self, state: &str) -> Option<String>;
}

/// No figures: a plain diagram.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFigures;

impl DiagramFigures for NoFigures {
    fn edge(&self, _from: &str, _trigger: EdgeTrigger<'_>, _to: &str) -> Option<String> {
        None
    }

    fn state(&self, _state: &str) -> Option<String> {
        None
    }
}

/// `duration` in the largest unit that shows it exactly, as the flow DSL writes durations:
/// `48h`, `5m`, `90s`, `250ms`.
pub(crate) fn compact(duration: Duration) -> String {
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
    fn edges_carry_the_words_of_the_dsl_and_the_deadline_comes_last() {
        let spec = checkout();
        let words: Vec<(String, String, String)> = spec
            .states
            .iter()
            .flat_map(edges_of)
            .map(|edge| (edge.from.to_owned(), edge.label, edge.to.to_owned()))
            .collect();
        assert!(words.contains(&("Paid".into(), "ship".into(), "Shipped".into())));
        let review: Vec<_> = spec
            .states
            .iter()
            .filter(|state| state.name == "Review")
            .flat_map(edges_of)
            .collect();
        let last = review.last().expect("the review wait has edges");
        assert_eq!(last.trigger, EdgeTrigger::Deadline);
        assert_eq!(last.label, "after 48h");
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
