//! What follows every commit, on the step path and the saga's alike: the operator's pause
//! or cancel request the store handed back, and the plugins' flow-end hook. It sits below
//! both the drive loop and the saga (it starts compensating on a cancel through the
//! activation, not the saga), so the drive loop calls the saga and the saga this, never
//! the other way round.

use std::borrow::Cow;

use super::activation::Activation;
use super::error::EngineError;
use super::inner::Inner;
use super::machine::{FlowMachine, MachineState};
use super::operator::operator_entry;
use crate::outcome::Status;
use crate::plugin::OperatorEvent;
use crate::store::{OperatorRequest, PendingRequest, Store};

/// Acts on what an operator asked while the instance ran, and tells plugins of ends.
/// Returns whether to go on.
pub(crate) async fn after_commit<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
    request: Option<PendingRequest>,
) -> Result<bool, EngineError> {
    match request {
        Some(request)
            if request.kind == OperatorRequest::Pause && !activation.status.is_final() =>
        {
            activation.paused_from = Some(activation.status);
            if activation.status == Status::Running && activation.due_at.is_none() {
                activation.due_at = Some(inner.clock.now());
            }
            activation.status = Status::Paused;
            let entry = applied_entry(inner, activation, &request);
            activation.commit(inner, Some(entry), true, true).await?;
            tell_plugins(inner, activation, &request);
            return Ok(false);
        }
        Some(request)
            if request.kind == OperatorRequest::Cancel
                && matches!(activation.status, Status::Running | Status::Waiting) =>
        {
            activation.cancelled = true;
            activation.begin_compensating();
            let entry = applied_entry(inner, activation, &request);
            activation.commit(inner, Some(entry), false, true).await?;
            tell_plugins(inner, activation, &request);
            return Ok(true);
        }
        _ => {}
    }
    if activation.status.is_final() && !inner.plugins.is_empty() {
        let event = activation.event();
        let status = activation.status;
        inner
            .plugins
            .each(|plugin| plugin.on_flow_end(&event, status));
    }
    Ok(
        matches!(activation.status, Status::Running | Status::Compensating)
            && activation.due_at.is_none(),
    )
}

/// Who a request names: an empty name for one stored before requests carried their actor,
/// rather than a made-up one that could be taken for a real operator's.
fn actor(request: &PendingRequest) -> &str {
    request.actor.as_deref().unwrap_or("")
}

/// The journal entry of `request` applied now, at the instance's current step and state:
/// the same entry the operator writes to an instance at rest.
fn applied_entry<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &Activation<F>,
    request: &PendingRequest,
) -> crate::journal::JournalEntry {
    let state = Cow::Borrowed(activation.state.name());
    operator_entry(
        activation.step,
        request.kind.name(),
        actor(request),
        state.clone(),
        state,
        inner.clock.now(),
    )
}

/// Tells plugins of the operator instruction applied, as the at-rest path does.
fn tell_plugins<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &Activation<F>,
    request: &PendingRequest,
) {
    if inner.plugins.is_empty() {
        return;
    }
    let event = OperatorEvent {
        flow: activation.event(),
        actor: actor(request),
        instruction: request.kind.name(),
        target: None,
    };
    inner.plugins.each(|plugin| plugin.on_operator(&event));
}
