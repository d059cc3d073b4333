//! The flows a simulation runs, each with how its engine is built: a compiled flow
//! registered on a fresh engine, or a document's flow loaded through the one loader.

use std::marker::PhantomData;
use std::sync::Arc;

use flow_core::Flow;

use super::builder::{FlowSimulation, SimulationTarget};
use super::report::SimulationReport;
use super::run::{SimulationError, run_on, simulation_engine};
use crate::document::DocumentOrigin;
use crate::engine::{Compiled, DocumentFlow, Engine, EngineBuilder, FlowData};
use crate::stats::{Stats, StatsConfig};
use crate::store::MemoryStore;

/// A compiled flow `F` to simulate, and its instances' data.
pub struct OfFlow<F: Flow> {
    pub(crate) data: Arc<dyn Fn(u64) -> F::Data + Send + Sync>,
    pub(crate) flow: PhantomData<fn() -> F>,
}

impl<F: Flow> SimulationTarget for OfFlow<F> {
    fn flow_name(&self) -> &str {
        F::NAME
    }
}

/// A flow of a document to simulate, the engine its actions are registered on, and its
/// instances' data.
pub struct OfDocument<D> {
    pub(crate) builder: EngineBuilder<MemoryStore>,
    pub(crate) text: String,
    pub(crate) origin: DocumentOrigin,
    pub(crate) flow: String,
    pub(crate) data: Arc<dyn Fn(u64) -> D + Send + Sync>,
}

impl<D> SimulationTarget for OfDocument<D> {
    fn flow_name(&self) -> &str {
        &self.flow
    }
}

impl<F: Flow> FlowSimulation<OfFlow<F>>
where
    F::Data: FlowData,
{
    /// Runs the simulation to its report.
    pub async fn run(self) -> Result<SimulationReport, SimulationError> {
        let stats = Stats::new(StatsConfig::default());
        let engine = simulation_engine(Engine::builder().register::<F>(), &stats)?;
        let data = self.target.data;
        run_on::<Compiled<F>, F>(engine, Compiled::new(), self.settings, data, &stats).await
    }
}

impl<D: FlowData> FlowSimulation<OfDocument<D>> {
    /// Loads the document (every problem at its line), then runs the simulation of its
    /// flow to its report.
    pub async fn run(mut self) -> Result<SimulationReport, SimulationError> {
        let stats = Stats::new(StatsConfig::default());
        let target = self.target;
        let engine = simulation_engine(target.builder, &stats)?;
        let document =
            crate::document::FlowDocument::read_structure(&target.text, target.origin.clone());
        let own_rules: Vec<_> = document
            .document
            .chaos
            .iter()
            .filter(|definition| definition.rule.flow == target.flow)
            .map(|definition| definition.rule.clone())
            .collect();
        engine.load_document(&target.text, target.origin).await?;
        let flow: DocumentFlow<D> = engine.document_flow(&target.flow, None)?;
        // The document's rates first: where two rules match a node, the first applies.
        let mut rules = own_rules;
        rules.append(&mut self.settings.rules);
        self.settings.rules = rules;
        run_on::<DocumentFlow<D>, DocumentFlow<D>>(engine, flow, self.settings, target.data, &stats)
            .await
    }
}
