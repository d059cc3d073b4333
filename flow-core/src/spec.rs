//! The flow model: what a flow is, independent of how it was declared.
//!
//! `flow!` lowers its input to a [`FlowSpec`] at compile time and the runtime builds one from
//! configuration; both hand it to [`crate::validate()`]. Declarations are kept in source order
//! and duplicates are kept too, so that the validator can name the second of two declarations.

use std::time::Duration;

use crate::retry::RetryPolicy;

/// A named, versioned graph of states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowSpec {
    /// The flow's name (`Checkout`).
    pub name: String,
    /// The flow's version; versions of one flow co-exist at run time.
    pub version: u32,
    /// Every `start` declaration, in order. A valid flow has exactly one.
    pub start: Vec<String>,
    /// Every state declaration, in order, duplicates included.
    pub states: Vec<StateSpec>,
    /// What is known of the actions the steps name.
    pub actions: ActionCatalog,
}

/// One declaration of a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateSpec {
    /// The state's name (`StockReserved`).
    pub name: String,
    /// What happens in the state.
    pub kind: StateKind,
}

/// What an instance does in a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateKind {
    /// An action runs; its instruction picks the next state.
    Step(StepSpec),
    /// The instance waits for an outside event, possibly with a deadline.
    Wait(WaitSpec),
    /// The flow ended well.
    Success,
    /// The flow ended badly; reaching it compensates completed steps.
    Failure,
}

impl StateKind {
    /// Whether the state ends the flow.
    pub fn is_end(&self) -> bool {
        matches!(self, StateKind::Success | StateKind::Failure)
    }

    /// The outgoing edges of the state, the deadline edge of a wait excluded.
    pub fn edges(&self) -> &[Edge] {
        match self {
            StateKind::Step(step) => &step.edges,
            StateKind::Wait(wait) => &wait.edges,
            StateKind::Success | StateKind::Failure => &[],
        }
    }

    /// Every state this one can move to, the deadline target of a wait included.
    pub fn targets(&self) -> impl Iterator<Item = &str> {
        let deadline = match self {
            StateKind::Wait(WaitSpec {
                deadline: Some(deadline),
                ..
            }) => Some(deadline.target.as_str()),
            _ => None,
        };
        self.edges()
            .iter()
            .map(|edge| edge.target.as_str())
            .chain(deadline)
    }
}

/// The action run in a state and where each of its instructions leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepSpec {
    /// The action's name as registered (`reserve_stock`).
    pub action: String,
    /// Where each instruction leads, in declaration order.
    pub edges: Vec<Edge>,
}

/// A wait for an outside event (`wait Review on ReviewDecision, timeout 48h => Expired { .. }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitSpec {
    /// The event's type name: its variants are the instructions a signal carries.
    pub event: String,
    /// Where the instance goes when no signal came in time; `None` waits however long it
    /// takes (`timeout never` in `flow!`, which makes authors say so).
    pub deadline: Option<Deadline>,
    /// Where each event leads.
    pub edges: Vec<Edge>,
}

/// The timeout edge of a wait state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// How long the instance waits.
    pub after: Duration,
    /// The state taken when the deadline passes.
    pub target: String,
}

/// One edge: an instruction and the state it leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The instruction's variant name, or `None` for "whatever the action returns"
    /// (`Paid => ship => Shipped;`).
    pub instruction: Option<String>,
    /// The next state.
    pub target: String,
}

/// What the validator knows about the actions that steps name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ActionCatalog {
    /// Nothing: action metadata is checked elsewhere. `flow!` uses this, since rustc checks
    /// instructions and saga rules of its actions through the generated code.
    #[default]
    Unknown,
    /// Every action a step may name, with its metadata (flows loaded from configuration).
    Known(Vec<ActionSpec>),
}

impl ActionCatalog {
    /// The metadata of `name`, when the catalog is known and holds it.
    pub fn get(&self, name: &str) -> Option<&ActionSpec> {
        match self {
            ActionCatalog::Unknown => None,
            ActionCatalog::Known(actions) => actions.iter().find(|action| action.name == name),
        }
    }
}

/// What an action declares about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionSpec {
    /// The action's registered name.
    pub name: String,
    /// The instruction variants it can return.
    pub instructions: Vec<String>,
    /// The action that undoes it, if any.
    pub compensation: Option<String>,
    /// Its effect on the outside world, as far as saga rules care.
    pub effect: Effect,
    /// Its retry policy, if it has one.
    pub retry: Option<RetryPolicy>,
    /// How long one attempt may take.
    pub timeout: Option<Duration>,
}

impl ActionSpec {
    /// Whether the action can be undone.
    pub fn is_compensable(&self) -> bool {
        self.compensation.is_some()
    }
}

/// An action's effect on the outside world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Effect {
    /// It changes something outside (and so needs a compensation).
    #[default]
    SideEffect,
    /// It changes nothing outside: nothing to undo.
    ReadOnly,
    /// The point of no return: once it succeeded the flow only goes forward, so it needs no
    /// compensation but everything after it must be retried to the end.
    Pivot,
}

impl FlowSpec {
    /// The first declaration of the state `name`, with its index.
    pub fn state(&self, name: &str) -> Option<(usize, &StateSpec)> {
        self.states
            .iter()
            .enumerate()
            .find(|(_, state)| state.name == name)
    }
}
