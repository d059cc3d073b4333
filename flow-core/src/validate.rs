//! The one validator of flows: `flow!` calls it at compile time, the runtime when it loads a
//! flow from configuration.
//!
//! ```
//! use flow_core::{DiagnosticCode, Edge, Element, FlowSpec, StateKind, StateSpec, StepSpec};
//!
//! let spec = FlowSpec {
//!     name: "Checkout".into(),
//!     version: 1,
//!     start: vec!["Paid".into()],
//!     states: vec![
//!         StateSpec {
//!             name: "Paid".into(),
//!             kind: StateKind::Step(StepSpec {
//!                 action: "ship".into(),
//!                 edges: vec![Edge { instruction: None, target: "Shiped".into() }],
//!             }),
//!         },
//!         StateSpec { name: "Shipped".into(), kind: StateKind::Success },
//!     ],
//!     actions: Default::default(),
//! };
//! let diagnostics = flow_core::validate(&spec);
//! assert_eq!(diagnostics[0].code, DiagnosticCode::UnknownState);
//! assert_eq!(diagnostics[0].element, Element::Target { state: 0, edge: 0 });
//! assert_eq!(diagnostics[0].message, "unknown state `Shiped`");
//! assert_eq!(diagnostics[0].help, "did you mean `Shipped`?");
//! ```
//!
//! The checks are passes over shared indexes, one file each: `declarations` (states and
//! start), `transitions` (one way out per instruction), `graph` (dead ends, reachability,
//! traps), and, when the action catalog is known, `actions` and `saga`. Each mistake is
//! reported once, at its cause: a misspelt state counts as the state it resembles everywhere
//! else, and states that only lead into a reported problem are not reported again.
//!
//! Everything is linear in the size of the flow (hash maps by name, graph searches), apart
//! from one search per pivot step.

mod actions;
mod declarations;
#[cfg(test)]
pub(crate) mod fixtures;
mod graph;
mod index;
mod saga;
mod transitions;
mod wording;

use crate::diagnostic::{Diagnostic, DiagnosticCode, Element};
use crate::spec::{ActionCatalog, FlowSpec};

use self::index::{ActionIndex, FlowIndex};

/// Every problem of `spec`, in source order of the elements at fault (start declarations
/// first, then each state with its action, deadline and edges); empty for a valid flow.
pub fn validate(spec: &FlowSpec) -> Vec<Diagnostic> {
    validate_with_loose_ends(spec, &[])
}

/// [`validate`], as if each state declaration marked in `loose_ends` (indexed like
/// `spec.states`) might also lead to a state its edges do not name: a step that may not map
/// every instruction of its action. The reachability and trap diagnostics such an edge could
/// make vanish are left out.
///
/// `flow!` cannot know an action's instructions, so it validates twice, with and without its
/// steps marked: a graph diagnostic found only without them waits until rustc has checked
/// that every instruction is mapped, since a missing mapping line may be its cause.
pub fn validate_with_loose_ends(spec: &FlowSpec, loose_ends: &[bool]) -> Vec<Diagnostic> {
    let index = FlowIndex::new(spec);
    let mut report = Report::default();
    declarations::check(spec, &index, &mut report);
    transitions::check(spec, &mut report);
    let actions = match &spec.actions {
        ActionCatalog::Known(catalog) => Some(ActionIndex::new(catalog)),
        ActionCatalog::Unknown => None,
    };
    let mut open = match &actions {
        Some(actions) => actions::open_steps(spec, &index, actions),
        None => vec![false; index.node_count()],
    };
    for (declaration, _) in loose_ends.iter().enumerate().filter(|(_, loose)| **loose) {
        if let Some(&node) = index.node_of_declaration.get(declaration) {
            open[node] = true;
        }
    }
    graph::check(spec, &index, &open, &mut report);
    if let Some(actions) = &actions {
        actions::check(spec, actions, &mut report);
        saga::check(spec, &index, actions, &mut report);
    }
    report.into_sorted()
}

/// The diagnostics collected by the passes.
#[derive(Debug, Default)]
struct Report {
    diagnostics: Vec<Diagnostic>,
}

impl Report {
    fn push(
        &mut self,
        code: DiagnosticCode,
        element: Element,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diagnostics.push(Diagnostic {
            code,
            element,
            message: message.into(),
            help: help.into(),
        });
    }

    /// The diagnostics by source position; a stable sort keeps the passes' order for
    /// diagnostics of one element.
    fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.diagnostics
            .sort_by_key(|diagnostic| source_position(diagnostic.element));
        self.diagnostics
    }
}

/// Where an element appears in a flow's source, as a sortable key: the flow's name, then the
/// `start` declarations, then each state: its name, its action or deadline, then its edges,
/// instruction before target.
fn source_position(element: Element) -> (usize, usize, usize) {
    match element {
        Element::Flow => (0, 0, 0),
        Element::Start(index) => (1, index, 0),
        Element::State(state) => (2, state, 0),
        Element::Action(state) | Element::DeadlineTarget(state) => (2, state, 1),
        Element::Instruction { state, edge } => (2, state, 2 + 2 * edge),
        Element::Target { state, edge } => (2, state, 3 + 2 * edge),
    }
}

#[cfg(test)]
mod tests {

    use super::fixtures::*;
    use super::*;
    use crate::spec::{Edge, StateKind, StateSpec, StepSpec};

    #[test]
    fn the_checkout_flow_is_valid_with_and_without_its_catalog() {
        let spec = checkout();
        assert_eq!(validate(&spec), []);

        let mut spec = checkout();
        spec.actions = ActionCatalog::Known(checkout_actions());
        assert_eq!(validate(&spec), []);
    }

    #[test]
    fn all_mistakes_of_a_flow_are_reported_at_once_in_source_order() {
        let mut spec = checkout();
        spec.start.push("Paid".to_owned());
        spec.states[2] = step_any("Paid", "ship", "Shiped");
        spec.states.push(success("Rejected"));
        let diagnostics = validate(&spec);
        assert_eq!(
            codes(&diagnostics),
            [
                (DiagnosticCode::DoubleStart, Element::Start(1)),
                (
                    DiagnosticCode::UnknownState,
                    Element::Target { state: 2, edge: 0 }
                ),
                (DiagnosticCode::DuplicateState, Element::State(7)),
            ]
        );
    }

    #[test]
    fn loose_ends_hide_what_an_unmapped_instruction_may_cause() {
        // `Orphan` is only unreachable if `Created` maps all it can return; the trap of
        // `Ping` and `Pong` holds whatever `Created` returns.
        let spec = flow(
            &["Created"],
            vec![
                step("Created", "check", &[("Ok", "Ping")]),
                step_any("Ping", "ping", "Pong"),
                step_any("Pong", "pong", "Ping"),
                step_any("Orphan", "ship", "Done"),
                success("Done"),
            ],
        );
        let all = [
            (DiagnosticCode::Unreachable, Element::State(3)),
            (DiagnosticCode::Unreachable, Element::State(4)),
            (DiagnosticCode::NoEndReachable, Element::State(1)),
        ];
        let mut found = codes(&validate(&spec));
        found.sort_by_key(|(_, element)| source_position(*element));
        let mut expected = all.to_vec();
        expected.sort_by_key(|(_, element)| source_position(*element));
        assert_eq!(found, expected);
        assert_eq!(
            codes(&validate_with_loose_ends(
                &spec,
                &[true, false, false, false, false]
            )),
            [(DiagnosticCode::NoEndReachable, Element::State(1))]
        );
    }

    #[test]
    fn every_diagnostic_reads_as_a_sentence_with_help() {
        let mut spec = checkout();
        spec.start.clear();
        spec.states.push(step("Limbo", "wait", &[]));
        for diagnostic in validate(&spec) {
            assert!(!diagnostic.message.ends_with('.'), "{diagnostic}");
            assert!(diagnostic.message.contains('`'), "{diagnostic}");
            assert!(!diagnostic.help.is_empty(), "{diagnostic}");
        }
    }

    /// A chain of 500 steps, each with two transitions: forward and to a shared failure.
    fn large_flow(states: usize) -> FlowSpec {
        let name = |index: usize| format!("State{index}");
        let mut declared: Vec<StateSpec> = (0..states)
            .map(|index| StateSpec {
                name: name(index),
                kind: StateKind::Step(StepSpec {
                    action: format!("action{index}"),
                    edges: vec![
                        Edge {
                            instruction: Some("Next".to_owned()),
                            target: if index + 1 == states {
                                "Done".to_owned()
                            } else {
                                name(index + 1)
                            },
                        },
                        Edge {
                            instruction: Some("Fail".to_owned()),
                            target: "Failed".to_owned(),
                        },
                    ],
                }),
            })
            .collect();
        declared.push(success("Done"));
        declared.push(failure("Failed"));
        flow(&["State0"], declared)
    }

    #[test]
    fn a_valid_flow_of_500_states_has_no_diagnostics() {
        // Its speed is measured by the macro-expansion benchmark, not here.
        assert_eq!(validate(&large_flow(500)), []);
    }

    #[test]
    fn a_large_closed_cycle_is_one_diagnostic_with_a_short_message() {
        let mut spec = large_flow(500);
        // The last step loops back to the first; no state can fail any more.
        for state in &mut spec.states {
            if let StateKind::Step(step) = &mut state.kind {
                step.edges.truncate(1);
            }
        }
        if let StateKind::Step(step) = &mut spec.states[499].kind {
            step.edges[0].target = "State0".to_owned();
        }
        spec.states.truncate(500);
        let diagnostics = validate(&spec);
        assert_eq!(
            codes(&diagnostics),
            [(DiagnosticCode::NoEndReachable, Element::State(0))]
        );
        assert_eq!(
            diagnostics[0].message,
            "no end state can be reached from `State0`, `State1`, `State2`, `State3`, `State4` \
             and 495 more: they only lead to one another"
        );
    }
}
