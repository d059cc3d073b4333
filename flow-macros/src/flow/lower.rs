//! Lowers the syntax tree to flow-core's [`FlowSpec`], remembering the span of every element
//! so that the validator's diagnostics land on the right token.

use flow_core::{
    ActionCatalog, Deadline, Edge, Element, FlowSpec, StateKind, StateSpec, StepSpec, WaitSpec,
};
use proc_macro2::Span;

use super::ast::{Arm, FlowInput, Item, StepNext, path_span};

/// Spans of the elements of a lowered flow, indexed like the [`FlowSpec`].
pub(crate) struct SpanMap {
    flow: Span,
    starts: Vec<Span>,
    states: Vec<StateSpans>,
}

struct StateSpans {
    name: Span,
    action: Option<Span>,
    edges: Vec<(Span, Span)>,
    deadline_target: Option<Span>,
}

impl SpanMap {
    /// The span a diagnostic about `element` points at.
    pub(crate) fn span(&self, element: Element) -> Span {
        let state = |index: usize| self.states.get(index);
        let found = match element {
            Element::Flow => None,
            Element::Start(index) => self.starts.get(index).copied(),
            Element::State(index) => state(index).map(|s| s.name),
            Element::Action(index) => state(index).and_then(|s| s.action.or(Some(s.name))),
            Element::Instruction { state: index, edge } => {
                state(index).and_then(|s| s.edges.get(edge)).map(|e| e.0)
            }
            Element::Target { state: index, edge } => {
                state(index).and_then(|s| s.edges.get(edge)).map(|e| e.1)
            }
            Element::DeadlineTarget(index) => state(index).and_then(|s| s.deadline_target),
        };
        found.unwrap_or(self.flow)
    }
}

/// The flow as a [`FlowSpec`] (with an unknown action catalog: rustc checks actions) and the
/// spans of its elements.
pub(crate) fn lower(input: &FlowInput) -> (FlowSpec, SpanMap) {
    let mut spec = FlowSpec {
        name: input.name.to_string(),
        version: input.version,
        start: Vec::new(),
        states: Vec::new(),
        actions: ActionCatalog::Unknown,
    };
    let mut spans = SpanMap {
        flow: input.name.span(),
        starts: Vec::new(),
        states: Vec::new(),
    };
    for item in &input.items {
        match item {
            Item::Start(state) => {
                spec.start.push(state.to_string());
                spans.starts.push(state.span());
            }
            Item::End { success, states } => {
                for state in states {
                    spec.states.push(StateSpec {
                        name: state.to_string(),
                        kind: if *success {
                            StateKind::Success
                        } else {
                            StateKind::Failure
                        },
                    });
                    spans.states.push(StateSpans {
                        name: state.span(),
                        action: None,
                        edges: Vec::new(),
                        deadline_target: None,
                    });
                }
            }
            Item::Wait(wait) => {
                spec.states.push(StateSpec {
                    name: wait.state.to_string(),
                    kind: StateKind::Wait(WaitSpec {
                        event: super::ast::path_text(&wait.event),
                        deadline: wait.deadline().map(|deadline| Deadline {
                            after: deadline.after,
                            target: deadline.target.to_string(),
                        }),
                        edges: lower_arms(&wait.arms),
                    }),
                });
                spans.states.push(StateSpans {
                    name: wait.state.span(),
                    action: None,
                    edges: arm_spans(&wait.arms),
                    deadline_target: wait.deadline().map(|d| d.target.span()),
                });
            }
            Item::Step(step) => {
                let (edges, edge_spans) = match &step.next {
                    StepNext::Arms(arms) => (lower_arms(arms), arm_spans(arms)),
                    StepNext::Direct(target) => (
                        vec![Edge {
                            instruction: None,
                            target: target.to_string(),
                        }],
                        vec![(target.span(), target.span())],
                    ),
                };
                spec.states.push(StateSpec {
                    name: step.state.to_string(),
                    kind: StateKind::Step(StepSpec {
                        action: action_name(&step.action),
                        edges,
                    }),
                });
                spans.states.push(StateSpans {
                    name: step.state.span(),
                    action: Some(path_span(&step.action)),
                    edges: edge_spans,
                    deadline_target: None,
                });
            }
        }
    }
    (spec, spans)
}

/// The name an action is known by: its fn's name, the last segment of the path.
pub(crate) fn action_name(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|segment| segment.ident.to_string())
        .unwrap_or_default()
}

fn lower_arms(arms: &[Arm]) -> Vec<Edge> {
    arms.iter()
        .map(|arm| Edge {
            instruction: Some(arm.instruction.to_string()),
            target: arm.target.to_string(),
        })
        .collect()
}

fn arm_spans(arms: &[Arm]) -> Vec<(Span, Span)> {
    arms.iter()
        .map(|arm| (arm.instruction.span(), arm.target.span()))
        .collect()
}
