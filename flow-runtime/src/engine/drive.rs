//! The per-step loop: pick the state's action, run it under its timeout, map its instruction,
//! commit, go on. Waits, retries and unknown outcomes end the activation with a timer in the
//! store; failures hand over to the saga.
//!
//! This is the hot path: it allocates nothing per step beyond the journal entry, spawns no
//! task, and skips plugins, statistics and chaos behind one branch each when they are off
//! (chaos, when armed, takes a boxed path of its own: `chaos_step`).

use std::borrow::Cow;
use std::future::Future;
use std::pin::{Pin, pin};
use std::time::{Duration, SystemTime};

use flow_core::{ActionError, ErrorKind, StateEntryKind, StepError, StepPolicy};

use super::activation::{Activation, Driving};
use super::after_commit::after_commit;
use super::attempt::{attempt, wrapped_attempt};
use super::chaos_attempt::{Injection, chaos_attempt, count};
use super::error::EngineError;
use super::inner::Inner;
use super::lease_keeper::keep_leased;
use super::machine::{FlowMachine, MachineState};
use super::panic_guard::{UserCall, catch};
use super::saga;
use crate::chaos::CrashPoint;
use crate::instance_error::InstanceError;
use crate::journal::{Injected, JournalEntry, JournalKind};
use crate::outcome::Status;
use crate::stats::InjectedFault;
use crate::store::Store;

/// Drives `activation` until it rests (ends, waits, pauses, needs a person, or has a timer).
/// A panic in user code is that code's failed attempt; the loop then goes on.
pub(crate) async fn drive<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
) -> Result<(), EngineError> {
    let driving = Driving(activation);
    let activation = &mut *driving.0;
    loop {
        let caught = {
            let work = pin!(drive_until_rest(inner, activation));
            catch(work).await
        };
        match caught {
            Ok(result) => return result,
            Err(message) => {
                if !recover_from_panic(inner, activation, message).await? {
                    return Ok(());
                }
            }
        }
    }
}

/// Charges a caught panic to the user code that was running: a failed attempt of the
/// action or compensation. A panic anywhere else (a plugin, a bug in the engine) hands the
/// instance to a person rather than leave it stranded. Returns whether to go on.
async fn recover_from_panic<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
    message: String,
) -> Result<bool, EngineError> {
    match activation.running.take() {
        Some(UserCall::Step { policy, querying }) => {
            let name = if querying {
                policy.query.unwrap_or(policy.action)
            } else {
                policy.action
            };
            let message = format!("`{name}` panicked: {message}");
            // An action that can be queried may have done its work before it panicked: its
            // outcome is unknown, and the query finds it out (it never counts as a failure).
            let error = if policy.query.is_some() {
                ActionError::unknown(message)
            } else {
                ActionError::retryable(message)
            };
            if !inner.plugins.is_empty() {
                let event = activation.step_event(policy.action);
                inner
                    .plugins
                    .each(|plugin| plugin.after_action(&event, Err(&error), Duration::ZERO));
            }
            handle_error(inner, activation, policy, error, Duration::ZERO, false).await
        }
        Some(UserCall::Compensation { step, name, state }) => {
            let error = ActionError::retryable(format!("`{name}` panicked: {message}"));
            saga::compensation_failed(inner, activation, step, name, state, error.into(), false)
                .await
        }
        None => {
            let reason = format!(
                "a panic outside the flow's actions stopped it in state `{}`: {message}",
                activation.state.name()
            );
            let reason = InstanceError::reason(reason, activation.attempt, activation.step);
            saga::park_manual(inner, activation, reason).await?;
            Ok(false)
        }
    }
}

/// The loop of [`drive`], inside its panic guard.
async fn drive_until_rest<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
) -> Result<(), EngineError> {
    loop {
        match activation.status {
            Status::Running => {
                if inner.is_shutting_down() {
                    // Hand the instance back, due at once, for whoever runs next.
                    activation.due_at = Some(inner.clock.now());
                    activation.commit(inner, None, true, false).await?;
                    return Ok(());
                }
                // The step case is matched here, not in `run_state`: one await less per step.
                let go_on = match &activation.flow.table().states[activation.state.index()].kind {
                    // Chaos is the one branch a step pays for it when off (and an atomic
                    // load when it is on for other flows only).
                    StateEntryKind::Step { action, .. }
                        if inner.chaos.is_armed()
                            && inner.chaos.applies_to(
                                activation.flow.name(),
                                activation.flow.version(),
                                &mut activation.chaos,
                            ) =>
                    {
                        chaos_step(inner, activation, action).await?
                    }
                    StateEntryKind::Step { action, .. } => {
                        run_step::<F, S, false>(inner, activation, action).await?
                    }
                    _ => run_state(inner, activation).await?,
                };
                if !go_on {
                    return Ok(());
                }
            }
            Status::Waiting => {
                if !take_deadline(inner, activation).await? {
                    return Ok(());
                }
            }
            Status::Compensating => {
                if !saga::compensate_next(inner, activation).await? {
                    return Ok(());
                }
            }
            Status::Paused
            | Status::Manual
            | Status::Completed
            | Status::Failed
            | Status::Cancelled => {
                // Claimed while at rest (a stale timer): let go of it untouched.
                inner
                    .store
                    .release(activation.id(), activation.lease)
                    .await?;
                return Ok(());
            }
        }
    }
}

/// A running instance in a state that runs no action, reached without a step commit (a
/// skip, or a start state that ends at once): arrive there properly. Returns whether to go on.
async fn run_state<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
) -> Result<bool, EngineError> {
    arrive(activation, activation.state, inner.clock.now());
    let release = activation.status != Status::Compensating;
    let request = activation.commit(inner, None, release, false).await?;
    after_commit(inner, activation, request).await
}

/// [`run_step`] with chaos in force, as a boxed future of its own: the loop's future and
/// code stay as they are without chaos.
#[inline(never)]
fn chaos_step<'a, F: FlowMachine, S: Store>(
    inner: &'a Inner<S>,
    activation: &'a mut Activation<F>,
    policy: &'static StepPolicy,
) -> Pin<Box<dyn Future<Output = Result<bool, EngineError>> + Send + 'a>> {
    Box::pin(run_step::<F, S, true>(inner, activation, policy))
}

/// Runs one attempt of the state's action and commits what came of it. Compiled twice:
/// with `CHAOS` the chaos layer decides the attempt; without it every chaos branch folds
/// away, and the step is what it was before chaos existed.
async fn run_step<F: FlowMachine, S: Store, const CHAOS: bool>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
    policy: &'static StepPolicy,
) -> Result<bool, EngineError> {
    let state = activation.state;
    let querying = activation.queries > 0;
    activation
        .context
        .enter(state.name(), activation.step, activation.attempt);
    if !inner.plugins.is_empty() {
        let event = activation.step_event(policy.action);
        inner.plugins.each(|plugin| plugin.before_action(&event));
    }
    // One clock read after the action serves the journal, the lease and the latency; the
    // one before it is taken only when statistics or plugins use the latency, and not even
    // then when the previous step committed in process just now.
    let measured = activation.stats.is_some() || !inner.plugins.is_empty();
    let ready = activation.step_ready.take();
    let started = measured.then(|| match ready {
        Some((step, at)) if step == activation.step => at,
        _ => inner.clock.now_nanos(),
    });
    activation.running = Some(UserCall::Step { policy, querying });
    let (id, token) = (activation.id(), activation.lease.token);
    let timeout = inner.step_timeout(activation.flow.key(), policy);
    let mut injection = Injection::NONE;
    let fast = !CHAOS && !inner.plugins.wraps_actions() && timeout.is_none() && !querying;
    if !fast {
        // Off the common path, whatever the step's user code does starts from a written
        // record.
        activation.write_collected(inner).await?;
    }
    let result = if CHAOS {
        let call = pin!(chaos_attempt(inner, activation, policy, timeout, querying));
        let (result, injected) = keep_leased(inner, id, token, call, || {}).await;
        injection = injected;
        result
    } else if inner.plugins.wraps_actions() {
        let call = pin!(wrapped_attempt(
            inner, activation, policy, timeout, querying
        ));
        keep_leased(inner, id, token, call, || {}).await
    } else if fast {
        // The common case without the timeout wrapper: one await less per step.
        let call = pin!(activation.flow.step(state, &mut activation.context));
        // An action that waits lets others look at the record: write what was collected.
        let collected = (
            &activation.held,
            &activation.journal,
            &mut activation.collecting,
            &mut activation.revision,
            activation.lease,
        );
        keep_leased(inner, id, token, call, move || {
            super::activation::write_collected_before_waiting(id, collected);
        })
        .await
    } else {
        let call = pin!(attempt(activation, policy, timeout, querying));
        keep_leased(inner, id, token, call, || {}).await
    };
    activation.running = None;
    let (now, now_nanos) = inner.clock.now_with_nanos();
    let latency_nanos = started.map_or(0, |started| now_nanos.saturating_sub(started));
    let latency = || Duration::from_nanos(latency_nanos);

    match result {
        Ok(transition) => {
            if injection.crash == Some(CrashPoint::AfterAction) {
                return Ok(crash(activation, CrashPoint::AfterAction));
            }
            if injection.instruction
                && let Some((stats, slot)) = &activation.stats
            {
                stats.injected(*slot, state.index(), InjectedFault::Instruction);
            }
            if !inner.plugins.is_empty() {
                let event = activation.step_event(policy.action);
                let latency = latency();
                inner.plugins.each(|plugin| {
                    plugin.after_action(&event, Ok(transition.instruction), latency);
                    plugin.on_transition(
                        &event.flow,
                        transition.instruction,
                        transition.next.name(),
                    );
                });
            }
            if injection.crash == Some(CrashPoint::BeforeCommit) {
                return Ok(crash(activation, CrashPoint::BeforeCommit));
            }
            // Built where it is stored (the journal's buffer), not aside and copied there.
            let (step, attempt) = (activation.step, activation.attempt);
            let entry = || JournalEntry {
                step,
                kind: JournalKind::Step,
                action: Cow::Borrowed(policy.action),
                instruction: Cow::Borrowed(transition.instruction),
                from: Cow::Borrowed(state.name()),
                to: Cow::Borrowed(transition.next.name()),
                attempt,
                compensable: policy.compensation.is_some(),
                injected: injection.journal_mark(),
                at: now,
                signal: None,
            };
            // Arrive before counting the step: a failure end undoes the steps before this one.
            arrive(activation, transition.next, now);
            activation.step += 1;
            activation.attempt = 1;
            activation.queries = 0;
            let request = if activation.status == Status::Running {
                activation.append_step(entry);
                if activation.collect_step(inner) {
                    None
                } else {
                    activation.commit_step(inner).await?
                }
            } else {
                let release = activation.status != Status::Compensating;
                activation
                    .commit(inner, Some(entry()), release, false)
                    .await?
            };
            // Counted once committed, the step and the arrival in one go.
            if let Some((stats, slot)) = &activation.stats {
                stats.stepped(
                    *slot,
                    state.index(),
                    transition.instruction,
                    transition.next.index(),
                    latency_nanos,
                );
            }
            // Nothing asked and still running (no timer after a step): go on without the
            // general follow-up.
            if request.is_none() && activation.status == Status::Running {
                if measured && inner.store.commits_in_process() {
                    activation.step_ready = Some((activation.step, now_nanos));
                }
                return Ok(true);
            }
            after_commit(inner, activation, request).await
        }
        Err(StepError::Action(error)) => {
            let latency = latency();
            if !inner.plugins.is_empty() {
                let event = activation.step_event(policy.action);
                inner
                    .plugins
                    .each(|plugin| plugin.after_action(&event, Err(&error), latency));
            }
            handle_error(inner, activation, policy, error, latency, injection.failure).await
        }
        Err(error @ StepError::NoAction { .. }) => {
            // The table said this state runs an action and the dispatch disagrees: a bug in
            // generated code, not in the instance. Hand the instance to a person.
            let reason = InstanceError {
                action: Some(policy.action.to_owned()),
                ..InstanceError::reason(error.to_string(), activation.attempt, activation.step)
            };
            saga::park_manual(inner, activation, reason).await?;
            Ok(false)
        }
    }
}

/// A crash point stops the step: nothing is committed and the lease is kept until it
/// lapses, as when the process dies here; recovery then runs the step again. Returns
/// that the activation does not go on.
#[cold]
#[inline(never)]
fn crash<F: FlowMachine>(activation: &Activation<F>, point: CrashPoint) -> bool {
    tracing::warn!(instance = %activation.id(), step = activation.step, state = activation.state.name(), point = point.name(), "chaos: crash point; the step is left uncommitted for recovery to run again");
    count(activation, InjectedFault::Crash);
    false
}

/// Retries, queries or fails the step after `error`.
async fn handle_error<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
    policy: &'static StepPolicy,
    error: ActionError,
    latency: std::time::Duration,
    injected: bool,
) -> Result<bool, EngineError> {
    let seed = activation.id().seed();
    let failed_attempt = activation.attempt;
    // Journaled before the attempt counter moves on. An unknown outcome is not a failure:
    // its queries are not journaled as such.
    let failure = (error.kind() != ErrorKind::Unknown).then(|| JournalEntry {
        injected: injected.then_some(Injected::Failure),
        ..failure_entry(activation, policy.action, &error, inner.clock.now())
    });
    let (retry_at, gave_up) = match error.kind() {
        ErrorKind::Unknown => {
            let queries = inner.config.unknown_outcome_queries;
            if queries.allows_retry_after(activation.queries + 1) {
                activation.queries += 1;
                (
                    Some(inner.chaos.timer(queries.delay(activation.queries, seed))),
                    None,
                )
            } else {
                (
                    None,
                    Some(format!(
                        "outcome of `{}` still unknown after {} queries: {error}",
                        policy.action, activation.queries
                    )),
                )
            }
        }
        // Overrides are looked up only here, on the error path.
        ErrorKind::Retryable => {
            match inner.retry_policy(activation.flow.key(), policy.action, policy.retry) {
                Some(retry) if retry.allows_retry_after(activation.attempt) => {
                    let delay = inner.chaos.timer(retry.delay(activation.attempt, seed));
                    activation.attempt += 1;
                    (Some(delay), None)
                }
                _ => (None, None),
            }
        }
        ErrorKind::Permanent => (None, None),
    };
    if !inner.plugins.is_empty() {
        let event = activation.step_event(policy.action);
        inner
            .plugins
            .each(|plugin| plugin.on_error(&event, &error, retry_at.is_some()));
    }
    if let Some(delay) = retry_at {
        if let Some((stats, slot)) = &activation.stats
            && error.kind() == ErrorKind::Retryable
        {
            if injected {
                stats.injected(*slot, activation.state.index(), InjectedFault::Retried);
            } else {
                stats.retried(*slot, activation.state.index());
            }
        }
        tracing::debug!(action = policy.action, attempt = activation.attempt, ?delay, %error, "scheduled another attempt");
        if delay.is_zero() && inner.chaos.fires_timers_at_once() {
            // A timer due at once in a simulation: go on here, as the worker would at once.
            activation.due_at = None;
            let request = activation.commit(inner, failure, false, false).await?;
            return after_commit(inner, activation, request).await;
        }
        activation.due_at = Some(inner.clock.now() + delay);
        let request = activation.commit(inner, failure, true, false).await?;
        return after_commit(inner, activation, request).await;
    }
    // The step failed for good: that, not each failed attempt, is what failure rates count.
    if let Some((stats, slot)) = &activation.stats {
        if injected {
            stats.injected(*slot, activation.state.index(), InjectedFault::Failed);
        } else {
            stats.failed(*slot, activation.state.index(), latency);
        }
    }
    let last_error =
        InstanceError::from_action(policy.action, &error, failed_attempt, activation.step);
    if let Some(reason) = gave_up {
        saga::park_manual(inner, activation, last_error.explained(reason)).await?;
        return Ok(false);
    }
    tracing::warn!(action = policy.action, attempt = activation.attempt, %error, "step failed; compensating");
    activation.error = Some(last_error);
    activation.begin_compensating();
    activation.commit(inner, failure, false, false).await?;
    Ok(true)
}

/// The journal entry of a failed attempt of `action` in the activation's state.
pub(crate) fn failure_entry<F: FlowMachine>(
    activation: &Activation<F>,
    action: &'static str,
    error: &ActionError,
    at: SystemTime,
) -> JournalEntry {
    let state = Cow::Borrowed(activation.state.name());
    JournalEntry {
        step: activation.step,
        kind: JournalKind::Failure,
        action: Cow::Borrowed(action),
        instruction: Cow::Owned(error.to_string()),
        from: state.clone(),
        to: state,
        attempt: activation.attempt,
        compensable: false,
        injected: None,
        at,
        signal: None,
    }
}

/// Sets the status that arriving in `next` gives: ends complete or compensate, waits park
/// with their deadline, steps run on.
fn arrive<F: FlowMachine>(activation: &mut Activation<F>, next: F::State, now: SystemTime) {
    activation.state = next;
    activation.due_at = None;
    match &activation.flow.table().states[next.index()].kind {
        StateEntryKind::Success => activation.status = Status::Completed,
        StateEntryKind::Failure => activation.begin_compensating(),
        StateEntryKind::Wait { deadline, .. } => {
            activation.status = Status::Waiting;
            activation.due_at = deadline.map(|(after, _)| now + after);
        }
        StateEntryKind::Step { .. } => activation.status = Status::Running,
    }
}

/// A waiting instance whose deadline passed takes the deadline edge.
async fn take_deadline<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
) -> Result<bool, EngineError> {
    let Some((_, target)) = activation.flow.deadline(activation.state) else {
        return Ok(false);
    };
    move_from_wait(inner, activation, "deadline", "Deadline", target, None).await
}

/// Moves a waiting instance to `target` on `event` (a signal's variant, or `Deadline`) and
/// commits; `source` names what moved it in the journal. Returns whether to go on.
pub(crate) async fn move_from_wait<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
    source: &'static str,
    event: &'static str,
    target: F::State,
    signal: Option<Box<crate::journal::SignalNote>>,
) -> Result<bool, EngineError> {
    let now = inner.clock.now();
    let from = activation.state;
    if let Some((stats, slot)) = &activation.stats {
        stats.moved(*slot, from.index(), event, target.index());
    }
    if !inner.plugins.is_empty() {
        let flow_event = activation.event();
        inner
            .plugins
            .each(|plugin| plugin.on_transition(&flow_event, event, target.name()));
    }
    let entry = JournalEntry {
        step: activation.step,
        kind: JournalKind::Signal,
        action: Cow::Borrowed(source),
        instruction: Cow::Borrowed(event),
        from: Cow::Borrowed(from.name()),
        to: Cow::Borrowed(target.name()),
        attempt: 1,
        compensable: false,
        injected: None,
        at: now,
        signal,
    };
    arrive(activation, target, now);
    let release = !matches!(activation.status, Status::Running | Status::Compensating);
    let request = activation
        .commit(inner, Some(entry), release, false)
        .await?;
    if let Some((stats, slot)) = &activation.stats {
        stats.entered(*slot, target.index());
    }
    after_commit(inner, activation, request).await
}
