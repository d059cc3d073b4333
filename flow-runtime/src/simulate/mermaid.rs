//! The flow as a Mermaid `stateDiagram-v2` with a simulation's figures: each edge's share
//! of its node's entries, and each failing node's failure rate as a note. Kept small and
//! apart from flow-core's plain diagram; it draws edges the same way.

use std::fmt::Write;

use flow_core::duration::format_duration;
use flow_core::{FlowTable, StateEntryKind};

use super::report::{SimulationReport, percent};

/// `table` drawn with the figures of `report`.
pub(crate) fn annotated(table: &FlowTable, report: &SimulationReport) -> String {
    let mut text = String::from("stateDiagram-v2\n");
    let _ = writeln!(text, "    [*] --> {}", table.start);
    let share = |state: &str, instruction: Option<&str>, to: &str| -> String {
        let rate = report
            .node(state)
            .and_then(|node| {
                node.edges
                    .iter()
                    .find(|edge| edge.instruction.as_deref() == instruction && edge.to == to)
            })
            .map_or(0.0, |edge| edge.conversion_rate);
        percent(rate)
    };
    for state in table.states {
        let name = state.name;
        match &state.kind {
            StateEntryKind::Step { action, edges } => {
                for edge in edges.iter() {
                    let figure = share(name, edge.instruction, edge.target);
                    let label = match edge.instruction {
                        Some(instruction) => format!("{} / {instruction}", action.action),
                        None => action.action.to_owned(),
                    };
                    let _ = writeln!(text, "    {name} --> {}: {label} {figure}", edge.target);
                }
            }
            StateEntryKind::Wait {
                event,
                deadline,
                edges,
            } => {
                for edge in edges.iter() {
                    let figure = share(name, edge.instruction, edge.target);
                    let label = edge.instruction.unwrap_or(event);
                    let _ = writeln!(text, "    {name} --> {}: {label} {figure}", edge.target);
                }
                if let Some((after, target)) = deadline {
                    let figure = share(name, Some("Deadline"), target);
                    let _ = writeln!(
                        text,
                        "    {name} --> {target}: after {} {figure}",
                        format_duration(*after)
                    );
                }
            }
            StateEntryKind::Success => {
                let _ = writeln!(text, "    {name} --> [*]");
            }
            StateEntryKind::Failure => {}
        }
    }
    for node in &report.funnel {
        if node.failed > 0 {
            let _ = writeln!(
                text,
                "    note right of {}: fails {}",
                node.state,
                percent(node.failure_rate)
            );
        }
    }
    text
}
