//! One action attempt, or one compensation, while chaos is armed: the node's rule decides,
//! from (seed, instance, step, attempt) alone, whether the attempt is delayed, fails with an
//! injected error, is answered by a weighted instruction in place of the action, or stops
//! at a crash point. Reached only behind [`ChaosSwitch::is_armed`]: without chaos the step
//! path never comes here.
//!
//! [`ChaosSwitch::is_armed`]: crate::chaos::ChaosSwitch::is_armed

use flow_core::{ActionError, StateEntryKind, StepError, StepPolicy, Transition};

use super::activation::Activation;
use super::drive::{attempt, wrapped_attempt};
use super::inner::Inner;
use super::machine::{FlowMachine, MachineState};
use crate::chaos::{CrashPoint, Draw, FaultKind, NodeChaos, Roll};
use crate::journal::Injected;
use crate::stats::InjectedFault;
use crate::store::Store;

/// What chaos did to one attempt, for the rest of the step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Injection {
    /// The attempt's error was injected.
    pub(crate) failure: bool,
    /// Chaos drew the instruction.
    pub(crate) instruction: bool,
    /// Chaos delayed the attempt.
    pub(crate) delayed: bool,
    /// A crash point stops the step.
    pub(crate) crash: Option<CrashPoint>,
}

impl Injection {
    /// Nothing injected.
    pub(crate) const NONE: Injection = Injection {
        failure: false,
        instruction: false,
        delayed: false,
        crash: None,
    };

    /// What the step's journal entry says chaos did: answered for the action (which did
    /// not run), or delayed it.
    pub(crate) fn journal_mark(self) -> Option<Injected> {
        if self.instruction {
            Some(Injected::Answer)
        } else if self.delayed {
            Some(Injected::Latency)
        } else {
            None
        }
    }
}

/// The attempt of the state's action under the chaos in force.
pub(crate) async fn chaos_attempt<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
    policy: &'static StepPolicy,
    timeout: Option<std::time::Duration>,
    querying: bool,
) -> (Result<Transition<F::State>, StepError>, Injection) {
    let plan = inner.chaos.plan();
    let state = activation.state;
    let Some(node) = plan.node(
        activation.flow.name(),
        activation.flow.version(),
        state.name(),
        policy.action,
    ) else {
        let result = real_attempt(inner, activation, policy, timeout, querying).await;
        return (result, Injection::NONE);
    };
    let roll = Roll::new(
        node.seed,
        activation.id().seed(),
        activation.step,
        activation.attempt,
        activation.queries,
    );
    let mut injection = Injection::NONE;
    if let Some(delay) = node.latency {
        injection.delayed = true;
        count(activation, InjectedFault::Latency);
        tokio::time::sleep(delay).await;
    }
    // A query asks what an earlier attempt did: it is answered, never failed again.
    if !querying && let Some(kind) = node.fault(roll) {
        let message = |what: &str| format!("injected by chaos: `{}` {what}", policy.action);
        let error = match kind {
            FaultKind::Retryable => ActionError::retryable(message("failed")),
            FaultKind::Permanent => ActionError::permanent(message("was refused")),
            // What the engine makes of a real timeout.
            FaultKind::Timeout if policy.query.is_some() => {
                ActionError::unknown(message("timed out"))
            }
            FaultKind::Timeout => ActionError::retryable(message("timed out")),
            FaultKind::Unknown => {
                // The action's work is done; its answer is what gets lost.
                if !node.answers {
                    let real = real_attempt(inner, activation, policy, timeout, querying).await;
                    if let Err(error) = real {
                        return (Err(error), injection);
                    }
                }
                ActionError::unknown(message("ran, and its answer was lost"))
            }
        };
        injection.failure = true;
        return (Err(error.into()), injection);
    }
    let result = if node.answers {
        injection.instruction = true;
        drawn_transition(&activation.flow, state, policy, node, roll)
    } else {
        real_attempt(inner, activation, policy, timeout, querying).await
    };
    if result.is_ok()
        && let Some(point) = node.crash_point(roll)
        && inner.chaos.crash_once(activation.id(), activation.step)
    {
        injection.crash = Some(point);
    }
    (result, injection)
}

/// The action itself, as the step path runs it without chaos.
async fn real_attempt<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
    policy: &'static StepPolicy,
    timeout: Option<std::time::Duration>,
    querying: bool,
) -> Result<Transition<F::State>, StepError> {
    if inner.plugins.wraps_actions() {
        wrapped_attempt(inner, activation, policy, timeout, querying).await
    } else {
        attempt(activation, policy, timeout, querying).await
    }
}

/// The transition of the instruction `node` draws for `state` (by its weights, or evenly
/// over the action's instructions when it has none).
fn drawn_transition<F: FlowMachine>(
    flow: &F,
    state: F::State,
    policy: &'static StepPolicy,
    node: &NodeChaos,
    roll: Roll,
) -> Result<Transition<F::State>, StepError> {
    let StateEntryKind::Step { edges, .. } = &flow.table().states[state.index()].kind else {
        return Err(StepError::NoAction {
            state: state.name(),
        });
    };
    let name: &str = match node.pick(roll, Draw::Instruction) {
        Some(name) => name,
        None => {
            let choices = policy.instructions;
            let index = (roll.unit(Draw::Instruction) * choices.len() as f64) as usize;
            choices
                .get(index.min(choices.len().saturating_sub(1)))
                .copied()
                .unwrap_or("")
        }
    };
    let instruction = policy
        .instructions
        .iter()
        .copied()
        .chain(edges.iter().filter_map(|edge| edge.instruction))
        .find(|known| *known == name);
    let edge = edges
        .iter()
        .find(|edge| edge.instruction == Some(name))
        .or_else(|| edges.iter().find(|edge| edge.instruction.is_none()));
    let next = edge.and_then(|edge| flow.state_named(edge.target));
    match (instruction, next) {
        (Some(instruction), Some(next)) => Ok(Transition { instruction, next }),
        // The rule was checked against the flow when it was applied: only a flow that
        // changed shape since gets here.
        _ => Err(ActionError::permanent(format!(
            "chaos drew instruction `{name}`, which `{}` cannot return here",
            policy.action
        ))
        .into()),
    }
}

/// Counts `fault` at the activation's state, when statistics are kept.
pub(crate) fn count<F: FlowMachine>(activation: &Activation<F>, fault: InjectedFault) {
    if let Some((stats, slot)) = &activation.stats {
        stats.injected(*slot, activation.state.index(), fault);
    }
}

/// The compensation of step `step` (taken in `state`) under the chaos in force: an
/// injected failure, nothing at all for a step chaos `answered` for (its action never ran),
/// or the compensation itself. Returns the result and whether its failure was injected.
pub(crate) async fn chaos_compensation<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
    step: u64,
    state: F::State,
    answered: bool,
) -> (Result<(), StepError>, bool) {
    let plan = inner.chaos.plan();
    let action = activation
        .flow
        .policy(state)
        .map_or("", |policy| policy.action);
    let node = plan.node(
        activation.flow.name(),
        activation.flow.version(),
        state.name(),
        action,
    );
    if let Some(node) = node {
        let roll = Roll::new(
            node.seed,
            activation.id().seed(),
            step,
            activation.attempt,
            0,
        );
        if node.compensation_fails(roll) {
            let message = format!("injected by chaos: the compensation of `{action}` failed");
            return (Err(ActionError::retryable(message).into()), true);
        }
    }
    if answered {
        return (Ok(()), false);
    }
    let result = activation
        .flow
        .compensate(state, &mut activation.context)
        .await;
    (result, false)
}
