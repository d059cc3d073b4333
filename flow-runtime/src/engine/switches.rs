//! Chaos and plugin switches changed from code while the engine runs (the configuration
//! document changes them too, through the loader).

use super::Engine;
use super::error::EngineError;
use crate::chaos::{ChaosConfig, ChaosPlan};
use crate::store::Store;

impl<S: Store> Engine<S> {
    /// Puts `chaos` in force (an empty configuration turns chaos off), checked against the
    /// flows the engine runs; on a problem the chaos in force stays.
    pub fn set_chaos(&self, chaos: &ChaosConfig) -> Result<(), EngineError> {
        let compiled: Vec<flow_core::FlowSpec> = self
            .inner
            .flows
            .values()
            .map(|registered| registered.table.to_spec())
            .collect();
        let documents = self.inner.documents();
        let specs: Vec<&flow_core::FlowSpec> = compiled.iter().chain(documents.specs()).collect();
        let plan = ChaosPlan::checked(chaos, &specs)?;
        drop(documents);
        self.inner.chaos.set(plan);
        Ok(())
    }

    /// Whether any chaos is in force.
    pub fn chaos_is_on(&self) -> bool {
        self.inner.chaos.is_armed()
    }

    /// Switches the plugin `name` on or off, leaving the others as they are.
    pub fn set_plugin_enabled(&self, name: &str, enabled: bool) -> Result<(), EngineError> {
        let plugins = &self.inner.plugins;
        let Some(_) = plugins.is_enabled(name) else {
            return Err(EngineError::UnknownPlugin {
                name: name.to_owned(),
                suggestion: flow_core::did_you_mean(name, plugins.names()).map(str::to_owned),
            });
        };
        let switches: Vec<(String, bool)> = plugins
            .names()
            .map(|other| {
                let on = if other == name {
                    enabled
                } else {
                    plugins.is_enabled(other).unwrap_or(true)
                };
                (other.to_owned(), on)
            })
            .collect();
        // Every name is an installed plugin's.
        let _ = plugins.switch(&switches);
        Ok(())
    }

    /// Whether the plugin `name` runs; `None` when no plugin has that name.
    pub fn plugin_enabled(&self, name: &str) -> Option<bool> {
        self.inner.plugins.is_enabled(name)
    }
}
