//! The static transition table `flow!` generates: the flow's graph as `'static` data, read
//! without allocation and turned into a [`FlowSpec`] when a flow is registered.

use std::time::Duration;

use crate::retry::RetryPolicy;
use crate::spec::{
    ActionCatalog, ActionSpec, Deadline, Edge, Effect, FlowSpec, StateKind, StateSpec, StepSpec,
    WaitSpec,
};

/// A flow's graph as static data.
#[derive(Debug, Clone, Copy)]
pub struct FlowTable {
    /// The flow's name.
    pub name: &'static str,
    /// The flow's version.
    pub version: u32,
    /// The start state.
    pub start: &'static str,
    /// Every state, in declaration order.
    pub states: &'static [StateEntry],
}

/// One state of a [`FlowTable`].
#[derive(Debug, Clone, Copy)]
pub struct StateEntry {
    /// The state's name.
    pub name: &'static str,
    /// What happens in it.
    pub kind: StateEntryKind,
}

/// What happens in a state of a [`FlowTable`].
#[derive(Debug, Clone, Copy)]
pub enum StateEntryKind {
    /// An action runs.
    Step {
        /// The action and what the saga needs to know of it.
        action: StepPolicy,
        /// Where each instruction leads.
        edges: &'static [EdgeEntry],
    },
    /// The instance waits for an event.
    Wait {
        /// The event type's name.
        event: &'static str,
        /// How long it waits and where it goes then.
        deadline: Option<(Duration, &'static str)>,
        /// Where each event leads.
        edges: &'static [EdgeEntry],
    },
    /// The flow ended well.
    Success,
    /// The flow ended badly.
    Failure,
}

/// One edge of a [`FlowTable`].
#[derive(Debug, Clone, Copy)]
pub struct EdgeEntry {
    /// The instruction, or `None` for any.
    pub instruction: Option<&'static str>,
    /// The next state.
    pub target: &'static str,
}

/// An action as a step of a flow runs it: the associated consts of its [`crate::Action`] impl.
#[derive(Debug, Clone, Copy)]
pub struct StepPolicy {
    /// The action's name.
    pub action: &'static str,
    /// The instruction variants it can return.
    pub instructions: &'static [&'static str],
    /// The action that undoes it.
    pub compensation: Option<&'static str>,
    /// Its effect on the outside world.
    pub effect: Effect,
    /// Its retry policy.
    pub retry: Option<RetryPolicy>,
    /// Its compensation's retry policy.
    pub compensation_retry: Option<RetryPolicy>,
    /// How long one attempt may take.
    pub timeout: Option<Duration>,
    /// The query fn of a remote step, if it has one.
    pub query: Option<&'static str>,
}

impl StepPolicy {
    /// The policy as an [`ActionSpec`].
    pub fn to_action_spec(&self) -> ActionSpec {
        ActionSpec {
            name: self.action.to_owned(),
            instructions: self.instructions.iter().map(|i| (*i).to_owned()).collect(),
            compensation: self.compensation.map(str::to_owned),
            effect: self.effect,
            retry: self.retry,
            timeout: self.timeout,
        }
    }
}

impl FlowTable {
    /// The state called `name`.
    pub fn state(&self, name: &str) -> Option<&'static StateEntry> {
        self.states.iter().find(|state| state.name == name)
    }

    /// The flow as a [`FlowSpec`] with a known action catalog (the actions' declared
    /// metadata), so that the validator and diagrams see compensations and pivots.
    pub fn to_spec(&self) -> FlowSpec {
        let convert_edges = |edges: &[EdgeEntry]| {
            edges
                .iter()
                .map(|edge| Edge {
                    instruction: edge.instruction.map(str::to_owned),
                    target: edge.target.to_owned(),
                })
                .collect()
        };
        let mut actions: Vec<ActionSpec> = Vec::new();
        let states = self
            .states
            .iter()
            .map(|state| StateSpec {
                name: state.name.to_owned(),
                kind: match &state.kind {
                    StateEntryKind::Step { action, edges } => {
                        if actions.iter().all(|known| known.name != action.action) {
                            actions.push(action.to_action_spec());
                        }
                        StateKind::Step(StepSpec {
                            action: action.action.to_owned(),
                            edges: convert_edges(edges),
                        })
                    }
                    StateEntryKind::Wait {
                        event,
                        deadline,
                        edges,
                    } => StateKind::Wait(WaitSpec {
                        event: (*event).to_owned(),
                        deadline: deadline.map(|(after, target)| Deadline {
                            after,
                            target: target.to_owned(),
                        }),
                        edges: convert_edges(edges),
                    }),
                    StateEntryKind::Success => StateKind::Success,
                    StateEntryKind::Failure => StateKind::Failure,
                },
            })
            .collect();
        FlowSpec {
            name: self.name.to_owned(),
            version: self.version,
            start: vec![self.start.to_owned()],
            states,
            actions: ActionCatalog::Known(actions),
        }
    }
}
