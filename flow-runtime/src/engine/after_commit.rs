//! What follows every commit, on the step path and the saga's alike: the operator's pause
//! or cancel request the store handed back, and the plugins' flow-end hook. It sits below
//! both the drive loop and the saga (it starts compensating on a cancel through the
//! activation, not the saga), so the drive loop calls the saga and the saga this, never
//! the other way round.

use super::activation::Activation;
use super::error::EngineError;
use super::inner::Inner;
use super::machine::FlowMachine;
use crate::outcome::Status;
use crate::store::{OperatorRequest, Store};

/// Acts on what an operator asked while the instance ran, and tells plugins of ends.
/// Returns whether to go on.
pub(crate) async fn after_commit<F: FlowMachine, S: Store>(
    inner: &Inner<S>,
    activation: &mut Activation<F>,
    request: Option<OperatorRequest>,
) -> Result<bool, EngineError> {
    match request {
        Some(OperatorRequest::Pause) if !activation.status.is_final() => {
            activation.paused_from = Some(activation.status);
            if activation.status == Status::Running && activation.due_at.is_none() {
                activation.due_at = Some(inner.clock.now());
            }
            activation.status = Status::Paused;
            activation.commit(inner, None, true, true).await?;
            return Ok(false);
        }
        Some(OperatorRequest::Cancel)
            if matches!(activation.status, Status::Running | Status::Waiting) =>
        {
            activation.cancelled = true;
            activation.begin_compensating();
            activation.commit(inner, None, false, true).await?;
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
