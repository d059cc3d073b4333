//! Plugins: non-business concerns (logging, metrics, audit, alerts) hooked around flows,
//! actions, transitions, errors and compensations. With none installed the engine skips every
//! hook behind one branch, so they cost nothing.

mod audit;
mod tracing_plugin;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use flow_core::{ActionError, InstanceId};

pub use audit::{AuditPlugin, AuditRecord};
pub use tracing_plugin::TracingPlugin;

use crate::outcome::Status;

/// What is known of an instance when a flow-level hook runs.
#[derive(Debug, Clone, Copy)]
pub struct FlowEvent<'a> {
    /// The flow.
    pub flow: &'static str,
    /// Its version.
    pub version: u32,
    /// The instance.
    pub instance: InstanceId,
    /// Its state.
    pub state: &'a str,
    /// Its routing labels.
    pub labels: &'a [(String, String)],
}

/// What is known of a step when a step-level hook runs.
#[derive(Debug, Clone, Copy)]
pub struct StepEvent<'a> {
    /// The flow, instance and state.
    pub flow: FlowEvent<'a>,
    /// The action (or, for a compensation, the undo action).
    pub action: &'static str,
    /// The step counter (half of the idempotency key).
    pub step: u64,
    /// The attempt, 1 for the first.
    pub attempt: u32,
}

/// An operator instruction given to an instance.
#[derive(Debug, Clone, Copy)]
pub struct OperatorEvent<'a> {
    /// The flow, instance and state.
    pub flow: FlowEvent<'a>,
    /// Who gave it.
    pub actor: &'a str,
    /// What was asked (`pause`, `resume`, `cancel`, `retry`, `skip`).
    pub instruction: &'static str,
    /// The state an instance was moved to by `skip`.
    pub target: Option<&'a str>,
}

/// An action attempt as an around hook sees it: owned, so the hook may hold it across awaits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptInfo {
    /// The flow.
    pub flow: &'static str,
    /// Its version.
    pub version: u32,
    /// The instance.
    pub instance: InstanceId,
    /// The state whose action runs.
    pub state: &'static str,
    /// The action.
    pub action: &'static str,
    /// The step counter.
    pub step: u64,
    /// The attempt, 1 for the first.
    pub attempt: u32,
}

/// One action attempt, to be awaited by an around hook (or replaced by it).
pub type Attempt<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Hooks around what the engine does. Every method does nothing by default: implement those
/// you need. Hooks run on the engine's path, so keep them quick; hand slow work to a channel.
pub trait Plugin: Send + Sync + 'static {
    /// An instance started.
    fn on_flow_start(&self, _event: &FlowEvent<'_>) {}
    /// An instance ended (completed, failed, cancelled).
    fn on_flow_end(&self, _event: &FlowEvent<'_>, _status: Status) {}
    /// An action is about to run.
    fn before_action(&self, _event: &StepEvent<'_>) {}
    /// An action returned: its instruction, or its error.
    fn after_action(
        &self,
        _event: &StepEvent<'_>,
        _result: Result<&'static str, &ActionError>,
        _latency: Duration,
    ) {
    }
    /// An instance moved from `event.flow.state` to `to` on `instruction`.
    fn on_transition(&self, _event: &FlowEvent<'_>, _instruction: &'static str, _to: &str) {}
    /// An action failed; `will_retry` says whether another attempt is scheduled.
    fn on_error(&self, _event: &StepEvent<'_>, _error: &ActionError, _will_retry: bool) {}
    /// A compensation ran: `Ok` when the step was undone.
    fn on_compensate(&self, _event: &StepEvent<'_>, _result: Result<(), &ActionError>) {}
    /// An instance needs a person (compensation kept failing, or its record is unreadable).
    fn on_manual(&self, _event: &FlowEvent<'_>, _reason: &str) {}
    /// An operator gave an instruction.
    fn on_operator(&self, _event: &OperatorEvent<'_>) {}

    /// Whether this plugin wraps action attempts with [`Plugin::around_action`]. Only then
    /// does the engine box an attempt's future, so plugins that do not wrap cost nothing.
    fn wraps_actions(&self) -> bool {
        false
    }

    /// Wraps one action attempt: await `attempt` to run it (a rate limiter waits for a
    /// permit first; a timer measures around it). Plugins wrap in installation order, the
    /// first outermost. The default runs the attempt as it is.
    fn around_action<'a>(&'a self, info: AttemptInfo, attempt: Attempt<'a>) -> Attempt<'a> {
        let _ = info;
        attempt
    }
}

/// The installed plugins.
#[derive(Clone, Default)]
pub(crate) struct Plugins {
    all: Arc<[Arc<dyn Plugin>]>,
    wrapping: Arc<[Arc<dyn Plugin>]>,
}

impl Plugins {
    pub(crate) fn new(plugins: Vec<Arc<dyn Plugin>>) -> Self {
        let wrapping = plugins
            .iter()
            .filter(|plugin| plugin.wraps_actions())
            .cloned()
            .collect();
        Self {
            all: plugins.into(),
            wrapping,
        }
    }

    /// Whether no plugin is installed: the engine then skips building events.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// Whether some plugin wraps action attempts.
    #[inline]
    pub(crate) fn wraps_actions(&self) -> bool {
        !self.wrapping.is_empty()
    }

    /// `attempt` wrapped by every wrapping plugin, the first installed outermost.
    pub(crate) fn wrap<'a>(&'a self, info: AttemptInfo, attempt: Attempt<'a>) -> Attempt<'a> {
        self.wrapping
            .iter()
            .rev()
            .fold(attempt, |inner, plugin| plugin.around_action(info, inner))
    }

    /// Calls `hook` on every plugin.
    pub(crate) fn each(&self, hook: impl Fn(&dyn Plugin)) {
        for plugin in self.all.iter() {
            hook(plugin.as_ref());
        }
    }
}
