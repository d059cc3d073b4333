//! Actions: the building blocks of flows. `#[action]` implements [`Action`] for an async fn.

use std::future::Future;
use std::time::Duration;

use crate::context::Context;
use crate::error::ActionError;
use crate::instruction::Instruction;
use crate::retry::RetryPolicy;
use crate::spec::{ActionSpec, Effect};
use crate::table::StepPolicy;

/// A building block of flows over business data `D`.
///
/// Write it as `#[action] async fn name(ctx: &mut Context<D>) -> Result<I, ActionError>`;
/// the attribute generates a type of the same name that implements this trait, and the
/// attribute's arguments (`compensate = ..`, `pivot`, `readonly`, `retry(..)`, `timeout = ..`)
/// become its associated consts, which `flow!` checks at compile time.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an action over `Context<{D}>`",
    label = "not an action over `Context<{D}>`",
    note = "an action is `#[action] async fn name(ctx: &mut Context<{D}>) -> Result<Instruction, ActionError>`"
)]
pub trait Action<D>: Send + Sync + 'static {
    /// The outcomes the action returns.
    type Instruction: Instruction;

    /// The action's name (the fn's name).
    const NAME: &'static str;

    /// The name of the action that undoes this one, if any.
    const COMPENSATION: Option<&'static str> = None;

    /// Its effect on the outside world.
    const EFFECT: Effect = Effect::SideEffect;

    /// Its retry policy, if it has one.
    const RETRY: Option<RetryPolicy> = None;

    /// The retry policy of its compensation, if it has one of its own.
    const COMPENSATION_RETRY: Option<RetryPolicy> = None;

    /// How long one attempt may take.
    const TIMEOUT: Option<Duration> = None;

    /// The name of the fn that asks for the outcome of an earlier run whose result was
    /// unknown, if the action has one.
    const QUERY: Option<&'static str> = None;

    /// Whether the action can be undone.
    const COMPENSABLE: bool = Self::COMPENSATION.is_some();

    /// Whether the action is the flow's point of no return.
    const PIVOT: bool = matches!(Self::EFFECT, Effect::Pivot);

    /// Whether the action changes nothing outside.
    const READONLY: bool = matches!(Self::EFFECT, Effect::ReadOnly);

    /// Runs the action once.
    fn run(
        ctx: &mut Context<D>,
    ) -> impl Future<Output = Result<Self::Instruction, ActionError>> + Send;

    /// Asks for the outcome of an earlier run whose result was unknown
    /// ([`ActionError::unknown`]), with the same idempotency key. The default runs the action
    /// again, which the idempotency key makes safe for a well-behaved remote side.
    fn query(
        ctx: &mut Context<D>,
    ) -> impl Future<Output = Result<Self::Instruction, ActionError>> + Send {
        Self::run(ctx)
    }

    /// Everything a flow needs to know of the action, as one const: generated tables name
    /// this once per step instead of each associated const.
    const POLICY: StepPolicy = StepPolicy {
        action: Self::NAME,
        instructions: <Self::Instruction as Instruction>::VARIANTS,
        compensation: Self::COMPENSATION,
        effect: Self::EFFECT,
        retry: Self::RETRY,
        compensation_retry: Self::COMPENSATION_RETRY,
        timeout: Self::TIMEOUT,
        query: Self::QUERY,
    };

    /// Runs, queries or compensates the action: the one call generated dispatch makes per
    /// step, so each step is one await whatever the mode. `None` after a compensation.
    #[doc(hidden)]
    fn dispatch(
        ctx: &mut Context<D>,
        mode: DispatchMode,
    ) -> impl Future<Output = Result<Option<Self::Instruction>, ActionError>> + Send
    where
        D: Send,
    {
        async move {
            match mode {
                DispatchMode::Run => Self::run(ctx).await.map(Some),
                DispatchMode::Query => Self::query(ctx).await.map(Some),
                DispatchMode::Compensate => Self::compensate(ctx).await.map(|()| None),
            }
        }
    }

    /// Undoes a completed run. The default does nothing, for actions without compensation.
    fn compensate(ctx: &mut Context<D>) -> impl Future<Output = Result<(), ActionError>> + Send {
        let _ = ctx;
        async { Ok(()) }
    }

    /// What the action declares about itself, for validation and diagrams.
    fn spec() -> ActionSpec {
        ActionSpec {
            name: Self::NAME.to_owned(),
            instructions: <Self::Instruction as Instruction>::VARIANTS
                .iter()
                .map(|variant| (*variant).to_owned())
                .collect(),
            compensation: Self::COMPENSATION.map(str::to_owned),
            effect: Self::EFFECT,
            retry: Self::RETRY,
            timeout: Self::TIMEOUT,
        }
    }
}

/// The instruction type of an action, whatever data it runs on. `#[action]` implements it
/// beside [`Action`]; `flow!` names instruction variants through it, so that a flow that uses
/// an action over other data gets the one error that says so (`Action<Data>` is not
/// implemented) and no follow-on error per mapped instruction.
#[doc(hidden)]
pub trait ActionInstruction {
    /// The same type as [`Action::Instruction`].
    type Instruction;
}

/// What generated dispatch asks of an action.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispatchMode {
    /// Run it.
    Run,
    /// Ask for the outcome of an earlier run.
    Query,
    /// Undo a completed run.
    Compensate,
}
