//! `flowctl simulate`: synthetic instances of a flow with the rates of a configuration
//! document's `[[chaos]]` tables, through [`crate::simulate`]: a compiled flow an
//! application registered with [`Flowctl::simulating`](super::Flowctl::simulating), or a
//! flow of a document given with `--document`, before its actions exist (each a
//! placeholder; see [`Simulation::of_document_alone`]).

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

/// Simulates flow `flow` of the document at `path` with placeholders for its actions, the
/// document's own `[[chaos]]` tables first, then those of the rates document.
pub(crate) async fn simulate_document(
    path: &std::path::Path,
    flow: &str,
    request: SimulationRequest,
) -> Result<SimulationReport, CliError> {
    let (text, origin) = crate::document::FlowDocument::read_text(path)?;
    let mut simulation = Simulation::of_document_alone(text, origin, flow)
        .instances(request.instances)
        .seed(request.seed)
        .progress(request.progress);
    if let Some((text, path)) = request.rates {
        let rates = crate::document::FlowDocument::parse(&text, DocumentOrigin::file(path))?;
        for definition in rates
            .chaos
            .into_iter()
            .filter(|found| found.rule.flow == flow)
        {
            simulation = simulation.rule(definition.rule);
        }
    }
    Ok(simulation.run().await?)
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
