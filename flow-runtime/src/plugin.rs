//! Plugins: non-business concerns (logging, metrics, audit, alerts) hooked around flows,
//! actions, transitions, errors and compensations. With none installed the engine skips every
//! hook behind one branch, so they cost nothing.

mod audit;
mod tracing_plugin;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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

/// One installed plugin, its name, and whether it is switched on.
struct InstalledPlugin {
    name: String,
    plugin: Arc<dyn Plugin>,
    enabled: AtomicBool,
}

/// The installed plugins.
#[derive(Clone, Default)]
pub(crate) struct Plugins {
    all: Arc<[InstalledPlugin]>,
    /// Indices into `all` of the plugins that wrap action attempts.
    wrapping: Arc<[usize]>,
    /// Whether any plugin is switched off: while none is (the usual case), hooks skip the
    /// per-plugin switch.
    some_disabled: Arc<AtomicBool>,
}

impl Plugins {
    pub(crate) fn new(plugins: Vec<(String, Arc<dyn Plugin>)>) -> Self {
        let wrapping = plugins
            .iter()
            .enumerate()
            .filter(|(_, (_, plugin))| plugin.wraps_actions())
            .map(|(index, _)| index)
            .collect();
        Self {
            all: plugins
                .into_iter()
                .map(|(name, plugin)| InstalledPlugin {
                    name,
                    plugin,
                    enabled: AtomicBool::new(true),
                })
                .collect(),
            wrapping,
            some_disabled: Arc::default(),
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

    /// The installed plugins' names, in installation order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.all.iter().map(|installed| installed.name.as_str())
    }

    /// Switches every plugin named in `switches` on or off, and every other one on.
    /// Returns the first name no plugin has (nothing is switched then).
    pub(crate) fn switch(&self, switches: &[(String, bool)]) -> Result<(), String> {
        if let Some((unknown, _)) = switches
            .iter()
            .find(|(name, _)| self.all.iter().all(|installed| installed.name != *name))
        {
            return Err(unknown.clone());
        }
        for installed in self.all.iter() {
            let enabled = switches
                .iter()
                .rev()
                .find(|(name, _)| *name == installed.name)
                .is_none_or(|(_, enabled)| *enabled);
            installed.enabled.store(enabled, Ordering::Relaxed);
        }
        let some_disabled = self
            .all
            .iter()
            .any(|installed| !installed.enabled.load(Ordering::Relaxed));
        self.some_disabled.store(some_disabled, Ordering::Relaxed);
        Ok(())
    }

    /// Whether the plugin `name` is installed and on.
    pub(crate) fn is_enabled(&self, name: &str) -> Option<bool> {
        self.all
            .iter()
            .find(|installed| installed.name == name)
            .map(|installed| installed.enabled.load(Ordering::Relaxed))
    }

    /// The plugins switched on.
    #[inline]
    fn enabled(&self) -> impl Iterator<Item = &InstalledPlugin> {
        let filter = self.some_disabled.load(Ordering::Relaxed);
        self.all
            .iter()
            .filter(move |installed| !filter || installed.enabled.load(Ordering::Relaxed))
    }

    /// `attempt` wrapped by every wrapping plugin switched on, the first installed outermost.
    pub(crate) fn wrap<'a>(&'a self, info: AttemptInfo, attempt: Attempt<'a>) -> Attempt<'a> {
        let filter = self.some_disabled.load(Ordering::Relaxed);
        self.wrapping
            .iter()
            .rev()
            .filter_map(|index| self.all.get(*index))
            .filter(|installed| !filter || installed.enabled.load(Ordering::Relaxed))
            .fold(attempt, |inner, installed| {
                installed.plugin.around_action(info, inner)
            })
    }

    /// Calls `hook` on every plugin switched on.
    #[inline]
    pub(crate) fn each(&self, hook: impl Fn(&dyn Plugin)) {
        for installed in self.enabled() {
            hook(installed.plugin.as_ref());
        }
    }
}

/// The name [`crate::EngineBuilder::plugin`] gives a plugin of type `P`: its type's name
/// in snake case, without a `Plugin` suffix (`AuditPlugin` is `audit`).
pub(crate) fn default_name<P>() -> String {
    let full = std::any::type_name::<P>();
    let bare = full.split('<').next().unwrap_or(full);
    let last = bare.rsplit("::").next().unwrap_or(bare);
    let last = last
        .strip_suffix("Plugin")
        .filter(|rest| !rest.is_empty())
        .unwrap_or(last);
    let mut name = String::with_capacity(last.len() + 4);
    for (index, character) in last.chars().enumerate() {
        if character.is_uppercase() {
            if index > 0 {
                name.push('_');
            }
            name.extend(character.to_lowercase());
        } else {
            name.push(character);
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    struct AuditTrailPlugin;
    impl Plugin for AuditTrailPlugin {}

    #[test]
    fn plugins_are_named_after_their_type() {
        assert_eq!(default_name::<AuditPlugin>(), "audit");
        assert_eq!(default_name::<TracingPlugin>(), "tracing");
        assert_eq!(default_name::<AuditTrailPlugin>(), "audit_trail");
    }
}
