//! Short builders of flows for tests, reading like the `flow!` input they stand for.

use std::time::Duration;

use crate::diagnostic::{Diagnostic, DiagnosticCode, Element};
use crate::retry::RetryPolicy;
use crate::spec::{
    ActionCatalog, ActionSpec, Deadline, Edge, Effect, FlowSpec, StateKind, StateSpec, StepSpec,
    WaitSpec,
};

/// A flow named `Test` with these starts and states, and no action catalog.
pub(crate) fn flow(start: &[&str], states: Vec<StateSpec>) -> FlowSpec {
    FlowSpec {
        name: "Test".to_owned(),
        version: 1,
        start: start.iter().map(|name| (*name).to_owned()).collect(),
        states,
        actions: ActionCatalog::Unknown,
    }
}

fn edges(edges: &[(&str, &str)]) -> Vec<Edge> {
    edges
        .iter()
        .map(|(instruction, target)| Edge {
            instruction: Some((*instruction).to_owned()),
            target: (*target).to_owned(),
        })
        .collect()
}

/// `name => action { instruction => target, .. }`.
pub(crate) fn step(name: &str, action: &str, transitions: &[(&str, &str)]) -> StateSpec {
    StateSpec {
        name: name.to_owned(),
        kind: StateKind::Step(StepSpec {
            action: action.to_owned(),
            edges: edges(transitions),
        }),
    }
}

/// `name => action => target;`.
pub(crate) fn step_any(name: &str, action: &str, target: &str) -> StateSpec {
    with_catch_all(step(name, action, &[]), target)
}

/// `state` with one more catch-all edge to `target`.
pub(crate) fn with_catch_all(state: StateSpec, target: &str) -> StateSpec {
    push_edge(state, None, target)
}

/// `state` with one more edge `instruction => target`.
pub(crate) fn with_edge(state: StateSpec, instruction: &str, target: &str) -> StateSpec {
    push_edge(state, Some(instruction.to_owned()), target)
}

fn push_edge(mut state: StateSpec, instruction: Option<String>, target: &str) -> StateSpec {
    let edge = Edge {
        instruction,
        target: target.to_owned(),
    };
    match &mut state.kind {
        StateKind::Step(step) => step.edges.push(edge),
        StateKind::Wait(wait) => wait.edges.push(edge),
        StateKind::Success | StateKind::Failure => panic!("ends have no edges"),
    }
    state
}

/// `wait name on event, timeout after => target { variant => target, .. }`.
pub(crate) fn wait_for(
    name: &str,
    event: &str,
    deadline: Option<(Duration, &str)>,
    transitions: &[(&str, &str)],
) -> StateSpec {
    StateSpec {
        name: name.to_owned(),
        kind: StateKind::Wait(WaitSpec {
            event: event.to_owned(),
            deadline: deadline.map(|(after, target)| Deadline {
                after,
                target: target.to_owned(),
            }),
            edges: edges(transitions),
        }),
    }
}

/// `success name;`.
pub(crate) fn success(name: &str) -> StateSpec {
    StateSpec {
        name: name.to_owned(),
        kind: StateKind::Success,
    }
}

/// `failure name;`.
pub(crate) fn failure(name: &str) -> StateSpec {
    StateSpec {
        name: name.to_owned(),
        kind: StateKind::Failure,
    }
}

pub(crate) fn hours(hours: u64) -> Duration {
    Duration::from_secs(hours * 3600)
}

/// A side-effecting action returning `instructions`, without compensation or retry.
pub(crate) fn action(name: &str, instructions: &[&str]) -> ActionSpec {
    ActionSpec {
        name: name.to_owned(),
        instructions: instructions.iter().map(|name| (*name).to_owned()).collect(),
        compensation: None,
        effect: Effect::SideEffect,
        retry: None,
        timeout: None,
    }
}

/// The attributes of `#[action(..)]`, as builder methods on [`ActionSpec`].
pub(crate) trait ActionAttributes {
    fn compensate(self, undo: &str) -> Self;
    fn pivot(self) -> Self;
    fn readonly(self) -> Self;
    fn retried(self) -> Self;
}

impl ActionAttributes for ActionSpec {
    fn compensate(mut self, undo: &str) -> Self {
        self.compensation = Some(undo.to_owned());
        self
    }

    fn pivot(mut self) -> Self {
        self.effect = Effect::Pivot;
        self
    }

    fn readonly(mut self) -> Self {
        self.effect = Effect::ReadOnly;
        self
    }

    fn retried(mut self) -> Self {
        self.retry = Some(RetryPolicy::exponential(
            5,
            Duration::from_millis(100),
            Duration::from_secs(10),
        ));
        self
    }
}

/// The code and element of each diagnostic, the part of a report tests compare whole.
pub(crate) fn codes(diagnostics: &[Diagnostic]) -> Vec<(DiagnosticCode, Element)> {
    diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.code, diagnostic.element))
        .collect()
}

/// The checkout flow of the design (section 3), lowered by hand:
///
/// ```text
/// start Created;
/// Created       => reserve_stock { Reserved => StockReserved, OutOfStock => Rejected }
/// StockReserved => charge_card   { Charged => Paid, Declined => Rejected, Flagged => Review }
/// Paid          => ship          => Shipped;
/// wait Review on ReviewDecision, timeout 48h => Expired { Approved => Paid, Denied => Rejected }
/// success Shipped;
/// failure Rejected, Expired;
/// ```
///
/// The design's sketch has no transition into `Review`; `Flagged => Review` gives it one, as
/// without it `Review` and `Expired` are unreachable.
pub(crate) fn checkout() -> FlowSpec {
    let mut spec = flow(
        &["Created"],
        vec![
            step(
                "Created",
                "reserve_stock",
                &[("Reserved", "StockReserved"), ("OutOfStock", "Rejected")],
            ),
            step(
                "StockReserved",
                "charge_card",
                &[
                    ("Charged", "Paid"),
                    ("Declined", "Rejected"),
                    ("Flagged", "Review"),
                ],
            ),
            step_any("Paid", "ship", "Shipped"),
            wait_for(
                "Review",
                "ReviewDecision",
                Some((hours(48), "Expired")),
                &[("Approved", "Paid"), ("Denied", "Rejected")],
            ),
            success("Shipped"),
            failure("Rejected"),
            failure("Expired"),
        ],
    );
    spec.name = "Checkout".to_owned();
    spec.version = 2;
    spec
}

/// The actions of [`checkout`]: stock is released and the card refunded on failure; shipping
/// is the pivot.
pub(crate) fn checkout_actions() -> Vec<ActionSpec> {
    vec![
        action("reserve_stock", &["Reserved", "OutOfStock"])
            .compensate("release_stock")
            .retried(),
        action("charge_card", &["Charged", "Declined", "Flagged"]).compensate("refund_card"),
        action("ship", &["Shipped"]).pivot().retried(),
        action("release_stock", &["Released"]).retried(),
        action("refund_card", &["Refunded"]).retried(),
    ]
}
