//! The flow as a Mermaid diagram with a simulation's figures, drawn by the one diagram
//! renderer ([`crate::diagram`]): each edge's share of its node's entries, each node's
//! entries and failure rate (injected failures included: in a simulation they are all
//! there is).

use flow_core::{FlowSpec, StateKind};

use super::report::SimulationReport;
use crate::diagram::{DiagramFormat, Figures, render};

/// `spec` drawn with the funnel of `report`.
pub(crate) fn annotated(spec: &FlowSpec, report: &SimulationReport) -> String {
    let mut figures = Figures::none();
    for node in &report.funnel {
        figures.set_state(&node.state, node.entered, node.failed, None);
        let deadline = spec
            .states
            .iter()
            .find(|state| state.name == node.state)
            .and_then(|state| match &state.kind {
                StateKind::Wait(wait) => wait.deadline.as_ref().map(|d| d.target.as_str()),
                _ => None,
            });
        for edge in &node.edges {
            let instruction = edge.instruction.as_deref();
            // The statistics count a wait's deadline edge under the name `Deadline`.
            if instruction == Some(crate::chaos::DEADLINE_EVENT) && deadline == Some(&edge.to) {
                figures.set_deadline_edge(&node.state, &edge.to, edge.count, edge.conversion_rate);
            } else {
                figures.set_edge(
                    &node.state,
                    instruction,
                    &edge.to,
                    edge.count,
                    edge.conversion_rate,
                );
            }
        }
    }
    render(spec, DiagramFormat::Mermaid, &figures)
}
