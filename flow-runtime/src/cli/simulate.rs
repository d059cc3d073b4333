//! `flowctl simulate`: synthetic instances of a compiled flow with the rates of a
//! configuration document's `[[chaos]]` tables, through [`crate::simulate`]. Only flows an
//! application registered with [`Flowctl::simulating`](super::Flowctl::simulating) can be
//! simulated: the simulation runs the flow's own compiled table.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use flow_core::Flow;

use super::error::CliError;
use crate::document::DocumentOrigin;
use crate::engine::FlowData;
use crate::simulate::{Simulation, SimulationError, SimulationReport};

/// What the command line asks of one simulation.
pub(crate) struct SimulationRequest {
    pub(crate) instances: u64,
    pub(crate) seed: u64,
    /// A configuration document with the rates (`[[chaos]]` tables), and its path.
    pub(crate) rates: Option<(String, PathBuf)>,
    /// Whether a progress bar may show (on a terminal, for long runs).
    pub(crate) progress: bool,
}

type Running = Pin<Box<dyn Future<Output = Result<SimulationReport, SimulationError>> + Send>>;

/// Runs one simulation of one compiled flow; kept per flow registered for simulation.
pub(crate) type Simulator = Arc<dyn Fn(SimulationRequest) -> Running + Send + Sync>;

/// The [`Simulator`] of compiled flow `F`, its instances starting from `F::Data::default()`.
pub(crate) fn simulator<F: Flow>() -> Simulator
where
    F::Data: FlowData + Default,
{
    Arc::new(|request: SimulationRequest| {
        Box::pin(async move {
            let mut simulation = Simulation::of::<F>()
                .instances(request.instances)
                .seed(request.seed)
                .progress(request.progress);
            if let Some((text, path)) = request.rates {
                simulation = simulation.config_document(&text, DocumentOrigin::file(path))?;
            }
            simulation.run().await
        }) as Running
    })
}

/// The rates document at `path`, read.
pub(crate) fn read_rates(path: PathBuf) -> Result<(String, PathBuf), CliError> {
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok((text, path)),
        Err(error) => Err(CliError::Unreadable {
            path,
            reason: error.to_string(),
        }),
    }
}
