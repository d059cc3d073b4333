//! Compensation: undo the journal's completed compensable steps in reverse order, each under
//! its own retry policy, committing after each. A compensation that keeps failing parks the
//! instance in `Manual` and tells plugins: nothing loops forever, nothing stops silently.

use std::borrow::Cow;

use super::activation::Activation;
use super::after_commit::after_commit;
use super::chaos_attempt::chaos_compensation;
use super::error::EngineError;
use super::inner::Inner;
use super::lease_keeper::keep_leased;
use super::machine::{FlowMachine, MachineState};
use super::panic_guard::UserCall;
use crate::instance_error::InstanceError;
use crate::journal::{Injected, JournalEntry, JournalKind};
use crate::outcome::Status;
use crate::store::Store;

/// The latest completed compensable step below the boundary that is not undone yet, and
/// whether chaos answered for its action (which then never ran).
fn next_to_undo<F: FlowMachine>(
    activation: &Activation<F>,
) -> Option<(u64, &'static str, F::State, bool)> {
    let boundary = activation.compensation_boundary?;
    activation
        .journal
        .iter()
        .rev()
        .filter(|entry| {
            entry.kind == JournalKind::Step && entry.compensable && entry.step < boundary
        })
        .find(|entry| {
            !activation
                .journal
                .iter()
                .any(|done| done.kind == JournalKind::Compensation && done.step == entry.step)
        })
        .and_then(|entry| {
            let state = activation.flow.state_named(&entry.from)?;
            let compensation = activation.flow.policy(state)?.compensation?;
            let answered = entry.injected == Some(Injected::Answer);
            Some((entry.step, compensation, state, answered))
        })
}

/// The pivot action among the steps to undo, if one completed: past it nothing is undone.
fn completed_pivot<F: FlowMachine>(activation: &Activation<F>) -> Option<&'static str> {
    let boundary = activation.compensation_boundary?;
    activation
        .journal
        .iter()
        .filter(|entry| entry.kind == JournalKind::Step && entry.step < boundary)
        .find_map(|entry| {
            let policy = activation
                .flow
                .policy(activation.flow.state_named(&entry.from)?)?;
            (policy.effect == flow_core::Effect::Pivot).then_some(policy.action)
        })
}

/// Undoes one step, or ends the compensation. Returns whether to go on.
pub(crate) async fn compensate_next<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
) -> Result<bool, EngineError> {
    // A timer that brought the instance here is used up.
    activation.due_at = None;
    if let Some(pivot) = completed_pivot(activation) {
        let message = format!(
            "failed after the pivot `{pivot}`: the flow can only go forward, so nothing is undone"
        );
        // The error that started the compensation stays, explained.
        let reason = match activation.error.take() {
            Some(error) => {
                let message = format!("{message}; {}", error.message);
                error.explained(message)
            }
            None => InstanceError::reason(message, activation.attempt, activation.step),
        };
        park_manual(inner, activation, reason).await?;
        return Ok(false);
    }
    let Some((step, compensation, state, answered)) = next_to_undo(activation) else {
        activation.status = if activation.cancelled {
            Status::Cancelled
        } else {
            Status::Failed
        };
        let request = activation.commit(inner, None, true, true).await?;
        return after_commit(inner, activation, request).await;
    };
    activation
        .context
        .enter(state.name(), step, activation.attempt);
    activation.running = Some(UserCall::Compensation {
        step,
        name: compensation,
        state,
    });
    let (id, token) = (activation.id(), activation.lease.token);
    let (result, injected) = if inner.chaos.is_armed() {
        let mut call = Box::pin(chaos_compensation(inner, activation, step, state, answered));
        keep_leased(inner, id, token, call.as_mut(), || {}).await
    } else if answered {
        // Chaos answered for the step's action (chaos since switched off): it never ran,
        // so there is nothing to undo.
        (Ok(()), false)
    } else {
        let call = std::pin::pin!(activation.flow.compensate(state, &mut activation.context));
        (keep_leased(inner, id, token, call, || {}).await, false)
    };
    activation.running = None;
    let entry = match result {
        Ok(()) => undone(inner, activation, step, compensation, state),
        Err(error) => {
            return compensation_failed(
                inner,
                activation,
                step,
                compensation,
                state,
                error,
                injected,
            )
            .await;
        }
    };
    activation.attempt = 1;
    activation.commit(inner, Some(entry), false, false).await?;
    Ok(true)
}

/// Tells plugins and statistics that step `step` was undone; its journal entry.
fn undone<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &Activation<F>,
    step: u64,
    compensation: &'static str,
    state: F::State,
) -> JournalEntry {
    if !inner.plugins.is_empty() {
        let mut event = activation.step_event(compensation);
        event.step = step;
        inner
            .plugins
            .each(|plugin| plugin.on_compensate(&event, Ok(())));
    }
    if let Some((stats, slot)) = &activation.stats {
        stats.compensated(*slot, state.index());
    }
    JournalEntry {
        step,
        kind: JournalKind::Compensation,
        action: Cow::Borrowed(compensation),
        instruction: Cow::Borrowed("Compensated"),
        from: Cow::Borrowed(state.name()),
        to: Cow::Borrowed(state.name()),
        attempt: activation.attempt,
        compensable: false,
        injected: None,
        at: inner.clock.now(),
        signal: None,
    }
}

/// The compensation `compensation` of step `step` failed with `error` (or panicked): try
/// again after its retry policy's delay, or hand the instance to a person. Returns whether
/// to go on (never: a retry waits for its timer).
pub(crate) async fn compensation_failed<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
    step: u64,
    compensation: &'static str,
    state: F::State,
    error: flow_core::StepError,
    injected: bool,
) -> Result<bool, EngineError> {
    if !inner.plugins.is_empty()
        && let flow_core::StepError::Action(action_error) = &error
    {
        let mut event = activation.step_event(compensation);
        event.step = step;
        inner
            .plugins
            .each(|plugin| plugin.on_compensate(&event, Err(action_error)));
    }
    let policy = activation
        .flow
        .policy(state)
        .and_then(|policy| policy.compensation_retry);
    let retry = policy.unwrap_or(inner.config.compensation_retry);
    let attempt = activation.attempt;
    let failed = |message: String, error: &flow_core::StepError| match error {
        flow_core::StepError::Action(error) => {
            InstanceError::from_action(compensation, error, attempt, step).explained(message)
        }
        other => InstanceError {
            action: Some(compensation.to_owned()),
            ..InstanceError::reason(format!("{message}: {other}"), attempt, step)
        },
    };
    match error {
        flow_core::StepError::Action(ref action_error) if !action_error.is_retryable() => {
            let reason = failed(
                format!(
                    "compensation `{compensation}` of step {step} refused for good: {action_error}"
                ),
                &error,
            );
            park_manual(inner, activation, reason).await?;
            Ok(false)
        }
        error if retry.allows_retry_after(activation.attempt) => {
            let delay = inner
                .chaos
                .timer(retry.delay(activation.attempt, activation.id().seed()));
            tracing::debug!(compensation, attempt = activation.attempt, %error, ?delay, "compensation failed; retrying later");
            let failure = JournalEntry {
                step,
                kind: JournalKind::Failure,
                action: Cow::Borrowed(compensation),
                instruction: Cow::Owned(error.to_string()),
                from: Cow::Borrowed(state.name()),
                to: Cow::Borrowed(state.name()),
                attempt: activation.attempt,
                compensable: false,
                injected: injected.then_some(Injected::Failure),
                at: inner.clock.now(),
                signal: None,
            };
            activation.attempt += 1;
            if delay.is_zero() && inner.chaos.fires_timers_at_once() {
                // A timer due at once in a simulation: go on here, as the worker would.
                activation.due_at = None;
                activation
                    .commit(inner, Some(failure), false, false)
                    .await?;
                return Ok(true);
            }
            activation.due_at = Some(inner.clock.now() + delay);
            activation.commit(inner, Some(failure), true, false).await?;
            Ok(false)
        }
        error => {
            let reason = failed(
                format!(
                    "compensation `{compensation}` of step {step} failed {attempt} times: {error}"
                ),
                &error,
            );
            park_manual(inner, activation, reason).await?;
            Ok(false)
        }
    }
}

/// Hands the instance to a person: status `Manual`, the reason kept, plugins told.
pub(crate) async fn park_manual<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
    reason: InstanceError,
) -> Result<(), EngineError> {
    tracing::error!(flow = activation.flow.name(), instance = %activation.id(), %reason, "instance needs a person");
    activation.status = Status::Manual;
    activation.due_at = None;
    let message = reason.message.clone();
    activation.error = Some(reason);
    activation.commit(inner, None, true, true).await?;
    if !inner.plugins.is_empty() {
        let event = activation.event();
        inner
            .plugins
            .each(|plugin| plugin.on_manual(&event, &message));
    }
    Ok(())
}
