//! The trait `flow!` implements: everything the engine needs to drive a flow.

use std::future::Future;
use std::time::Duration;

use crate::context::Context;
use crate::error::ActionError;
use crate::spec::FlowSpec;
use crate::state::FlowState;
use crate::table::{FlowTable, StateEntryKind, StepPolicy};

/// A move of an instance: the instruction that was returned and the state it leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition<S> {
    /// The instruction's name (`Reserved`), or the event's for a wait.
    pub instruction: &'static str,
    /// The next state.
    pub next: S,
}

/// Why a step could not produce a transition.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// The action failed.
    #[error(transparent)]
    Action(#[from] ActionError),
    /// The state runs no action (it waits or ends): the engine asked for a step it must not.
    #[error("state `{state}` runs no action")]
    NoAction {
        /// The state.
        state: &'static str,
    },
}

/// Why a signal was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignalError {
    /// The instance is not in a wait state.
    #[error("state `{state}` does not wait for events")]
    NotWaiting {
        /// The instance's state.
        state: &'static str,
    },
    /// The wait state does not know this event.
    #[error(
        "state `{state}` waits for one of {expected:?}, not `{event}`{}",
        did_you_mean_suffix(event, expected)
    )]
    UnknownEvent {
        /// The wait state.
        state: &'static str,
        /// The event given.
        event: String,
        /// The events the state accepts.
        expected: &'static [&'static str],
    },
}

/// `; did you mean `X`?` when one of `expected` is close to `event`.
fn did_you_mean_suffix(event: &str, expected: &[&'static str]) -> String {
    crate::suggest::did_you_mean(event, expected.iter().copied())
        .map(|best| format!("; did you mean `{best}`?"))
        .unwrap_or_default()
}

/// A flow declared with `flow!`: its graph, its dispatch and its metadata.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a flow",
    label = "declare it with `flow! {{ flow {Self}: Data {{ .. }} }}`"
)]
pub trait Flow: Send + Sync + 'static {
    /// The business data of an instance.
    type Data: Send + 'static;
    /// The generated state enum.
    type State: FlowState;

    /// The flow's name.
    const NAME: &'static str;
    /// The flow's version.
    const VERSION: u32;
    /// The state new instances start in.
    const START: Self::State;
    /// The flow's graph, as static data.
    const TABLE: FlowTable;
    /// The flow as a Mermaid `stateDiagram-v2`.
    const MERMAID: &'static str;

    /// Runs the action of `state` once and maps its instruction to the next state.
    fn step(
        state: Self::State,
        ctx: &mut Context<Self::Data>,
    ) -> impl Future<Output = Result<Transition<Self::State>, StepError>> + Send;

    /// Asks for the outcome of the action of `state` whose earlier run had an unknown result,
    /// and maps it like [`Flow::step`].
    fn query(
        state: Self::State,
        ctx: &mut Context<Self::Data>,
    ) -> impl Future<Output = Result<Transition<Self::State>, StepError>> + Send;

    /// Runs the compensation of the action of `state` (a no-op for actions without one).
    fn compensate(
        state: Self::State,
        ctx: &mut Context<Self::Data>,
    ) -> impl Future<Output = Result<(), StepError>> + Send;

    /// The state a waiting instance moves to on `event`.
    fn signal(state: Self::State, event: &str) -> Result<Transition<Self::State>, SignalError>;

    /// How long `state` waits and where it goes when nothing came, if it is a wait with a
    /// deadline.
    fn deadline(state: Self::State) -> Option<(Duration, Self::State)>;

    /// The action of `state` with its retry, timeout and saga metadata, if `state` runs one.
    fn policy(state: Self::State) -> Option<&'static StepPolicy> {
        match &Self::TABLE.states.get(state.index())?.kind {
            StateEntryKind::Step { action, .. } => Some(action),
            _ => None,
        }
    }

    /// The flow as a [`FlowSpec`] with its actions' metadata.
    fn spec() -> FlowSpec {
        Self::TABLE.to_spec()
    }

    /// The flow as a Mermaid diagram that also shows compensations and pivots, which
    /// [`Flow::MERMAID`] (rendered before the actions' metadata is known) cannot.
    fn diagram() -> String {
        crate::mermaid::render_mermaid(&Self::spec())
    }
}
