//! A plugin that writes what the engine does as `tracing` events.

use std::time::Duration;

use flow_core::ActionError;

use super::{FlowEvent, OperatorEvent, Plugin, StepEvent};
use crate::outcome::Status;

/// Logs flow starts and ends, transitions, errors, compensations and operator instructions
/// at `info`/`warn`/`error`, and each action at `debug`.
#[derive(Debug, Default, Clone, Copy)]
pub struct TracingPlugin;

impl Plugin for TracingPlugin {
    fn on_flow_start(&self, event: &FlowEvent<'_>) {
        tracing::info!(flow = event.flow, instance = %event.instance, state = event.state, "flow started");
    }

    fn on_flow_end(&self, event: &FlowEvent<'_>, status: Status) {
        tracing::info!(flow = event.flow, instance = %event.instance, state = event.state, ?status, "flow ended");
    }

    fn after_action(
        &self,
        event: &StepEvent<'_>,
        result: Result<&'static str, &ActionError>,
        latency: Duration,
    ) {
        tracing::debug!(
            flow = event.flow.flow,
            instance = %event.flow.instance,
            action = event.action,
            attempt = event.attempt,
            ok = result.is_ok(),
            ?latency,
            "action returned"
        );
    }

    fn on_transition(&self, event: &FlowEvent<'_>, instruction: &'static str, to: &str) {
        tracing::info!(flow = event.flow, instance = %event.instance, from = event.state, instruction, to, "transition");
    }

    fn on_error(&self, event: &StepEvent<'_>, error: &ActionError, will_retry: bool) {
        tracing::warn!(flow = event.flow.flow, instance = %event.flow.instance, action = event.action, attempt = event.attempt, %error, will_retry, "action failed");
    }

    fn on_compensate(&self, event: &StepEvent<'_>, result: Result<(), &ActionError>) {
        match result {
            Ok(()) => {
                tracing::info!(flow = event.flow.flow, instance = %event.flow.instance, compensation = event.action, "step undone")
            }
            Err(error) => {
                tracing::warn!(flow = event.flow.flow, instance = %event.flow.instance, compensation = event.action, %error, "compensation failed")
            }
        }
    }

    fn on_manual(&self, event: &FlowEvent<'_>, reason: &str) {
        tracing::error!(flow = event.flow, instance = %event.instance, state = event.state, reason, "instance needs a person");
    }

    fn on_operator(&self, event: &OperatorEvent<'_>) {
        tracing::info!(flow = event.flow.flow, instance = %event.flow.instance, actor = event.actor, instruction = event.instruction, target = event.target, "operator instruction");
    }
}
