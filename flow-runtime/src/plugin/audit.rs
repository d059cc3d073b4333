//! A plugin that keeps an audit trail: who did what to which instance, and when.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use flow_core::{ActionError, InstanceId};

use super::{FlowEvent, OperatorEvent, Plugin, StepEvent};
use crate::outcome::Status;

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRecord {
    /// When it happened.
    pub at: SystemTime,
    /// Who did it: `engine` for the engine's own work, the operator's name otherwise.
    pub actor: String,
    /// The instance.
    pub instance: InstanceId,
    /// The flow.
    pub flow: &'static str,
    /// What happened (`started`, `transition`, `error`, `compensated`, `manual`, `ended`,
    /// or the operator instruction).
    pub what: String,
    /// Details: states, instruction, error.
    pub detail: String,
}

/// Records the audit trail in memory; read it with [`AuditPlugin::records`]. Clone it before
/// installing to keep a handle: clones share the trail.
#[derive(Debug, Clone, Default)]
pub struct AuditPlugin {
    records: Arc<Mutex<Vec<AuditRecord>>>,
}

impl AuditPlugin {
    /// An empty trail.
    pub fn new() -> Self {
        Self::default()
    }

    /// The trail so far, oldest first.
    pub fn records(&self) -> Vec<AuditRecord> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<AuditRecord>> {
        // Pushing a record cannot leave the vector half-written.
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, actor: &str, event: &FlowEvent<'_>, what: &str, detail: String) {
        self.lock().push(AuditRecord {
            at: SystemTime::now(),
            actor: actor.to_owned(),
            instance: event.instance,
            flow: event.flow,
            what: what.to_owned(),
            detail,
        });
    }
}

const ENGINE: &str = "engine";

impl Plugin for AuditPlugin {
    fn on_flow_start(&self, event: &FlowEvent<'_>) {
        self.push(ENGINE, event, "started", format!("in {}", event.state));
    }

    fn on_flow_end(&self, event: &FlowEvent<'_>, status: Status) {
        self.push(
            ENGINE,
            event,
            "ended",
            format!("{status:?} in {}", event.state),
        );
    }

    fn after_action(
        &self,
        _event: &StepEvent<'_>,
        _result: Result<&'static str, &ActionError>,
        _latency: Duration,
    ) {
    }

    fn on_transition(&self, event: &FlowEvent<'_>, instruction: &'static str, to: &str) {
        self.push(
            ENGINE,
            event,
            "transition",
            format!("{} --{instruction}--> {to}", event.state),
        );
    }

    fn on_error(&self, event: &StepEvent<'_>, error: &ActionError, will_retry: bool) {
        let next = if will_retry {
            "retry scheduled"
        } else {
            "no retry"
        };
        self.push(
            ENGINE,
            &event.flow,
            "error",
            format!(
                "{} attempt {}: {error} ({next})",
                event.action, event.attempt
            ),
        );
    }

    fn on_compensate(&self, event: &StepEvent<'_>, result: Result<(), &ActionError>) {
        let detail = match result {
            Ok(()) => format!("{} undid step {}", event.action, event.step),
            Err(error) => format!("{} failed on step {}: {error}", event.action, event.step),
        };
        self.push(ENGINE, &event.flow, "compensated", detail);
    }

    fn on_manual(&self, event: &FlowEvent<'_>, reason: &str) {
        self.push(ENGINE, event, "manual", reason.to_owned());
    }

    fn on_operator(&self, event: &OperatorEvent<'_>) {
        let detail = match event.target {
            Some(target) => format!("{} -> {target}", event.flow.state),
            None => format!("in {}", event.flow.state),
        };
        self.push(event.actor, &event.flow, event.instruction, detail);
    }
}
