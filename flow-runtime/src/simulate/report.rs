//! What a simulation found: end states, the funnel node by node, retries, compensations
//! and parked instances, as a value (serde), a text table and an annotated Mermaid diagram.
//! Counts and rates only, in the flow's own order: the same seed gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write;

use flow_core::FlowTable;
use serde::{Deserialize, Serialize};

use crate::outcome::Status;
use crate::stats::StatsSnapshot;

/// The report of one simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationReport {
    /// The flow simulated.
    pub flow: String,
    /// Its version.
    pub version: u32,
    /// The seed every draw came from.
    pub seed: u64,
    /// Instances run.
    pub instances: u64,
    /// Instances that completed (ended in a success state).
    pub completed: u64,
    /// `completed / instances`: the share that succeeds end to end.
    pub success_rate: f64,
    /// Where instances ended, by status then state.
    pub end_states: Vec<EndState>,
    /// Every state, in the flow's order: who entered, who left and how.
    pub funnel: Vec<NodeFunnel>,
    /// Attempts retried, over all nodes (injected failures included).
    pub retries: u64,
    /// Steps compensated, over all nodes.
    pub compensations: u64,
    /// Instances parked for a person (status `manual`).
    pub parked: u64,
    /// The flow as a Mermaid diagram with each edge's share of its node's entries and each
    /// node's entries and failure rate.
    pub mermaid: String,
}

/// How many instances ended in one status and state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndState {
    /// Their status (`completed`, `failed`, `manual`, …).
    pub status: Status,
    /// Their state.
    pub state: String,
    /// How many.
    pub count: u64,
    /// `count / instances`.
    pub share: f64,
}

/// One node of the funnel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeFunnel {
    /// The state.
    pub state: String,
    /// Times an instance entered it.
    pub entered: u64,
    /// Times an instance left it along an edge.
    pub left: u64,
    /// Times its step failed for good (injected failures included).
    pub failed: u64,
    /// `failed / entered`.
    pub failure_rate: f64,
    /// Attempts of its action retried.
    pub retried: u64,
    /// Times its step was compensated.
    pub compensated: u64,
    /// Its outgoing edges, in the flow's order.
    pub edges: Vec<EdgeFunnel>,
}

/// One edge of the funnel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeFunnel {
    /// The instruction or event that takes it; `None` for a catch-all edge.
    pub instruction: Option<String>,
    /// The target state.
    pub to: String,
    /// Times it was taken.
    pub count: u64,
    /// `count / entered` of its node: the conversion rate.
    pub conversion_rate: f64,
}

/// `part / whole`, 0 for an empty whole.
fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

impl SimulationReport {
    /// The report of `instances` instances of flow `flow` v`version` (its graph `table`)
    /// seeded `seed` that ended as `ends` (by status name and state), with the statistics
    /// the engine kept.
    pub(crate) fn new(
        flow: &str,
        version: u32,
        table: &FlowTable,
        seed: u64,
        instances: u64,
        ends: &BTreeMap<(&'static str, &'static str), u64>,
        snapshot: &StatsSnapshot,
    ) -> Self {
        let end_states: Vec<EndState> = ends
            .iter()
            .filter_map(|((status, state), count)| {
                Some(EndState {
                    status: Status::from_name(status)?,
                    state: (*state).to_owned(),
                    count: *count,
                    share: share(*count, instances),
                })
            })
            .collect();
        let count_of = |wanted: Status| -> u64 {
            end_states
                .iter()
                .filter(|end| end.status == wanted)
                .map(|end| end.count)
                .sum()
        };
        let completed = count_of(Status::Completed);
        let parked = count_of(Status::Manual);
        let funnel: Vec<NodeFunnel> = table
            .states
            .iter()
            .map(|state| {
                let Some(node) = snapshot.node(flow, version, state.name) else {
                    return NodeFunnel {
                        state: state.name.to_owned(),
                        entered: 0,
                        left: 0,
                        failed: 0,
                        failure_rate: 0.0,
                        retried: 0,
                        compensated: 0,
                        edges: Vec::new(),
                    };
                };
                let failed = node.failed + node.injected.failed;
                NodeFunnel {
                    state: node.state.clone(),
                    entered: node.entered,
                    left: node.edges.iter().map(|edge| edge.count).sum(),
                    failed,
                    failure_rate: share(failed, node.entered),
                    retried: node.retried + node.injected.retried,
                    compensated: node.compensated,
                    edges: node
                        .edges
                        .iter()
                        .map(|edge| EdgeFunnel {
                            instruction: edge.instruction.clone(),
                            to: edge.to.clone(),
                            count: edge.count,
                            conversion_rate: share(edge.count, node.entered),
                        })
                        .collect(),
                }
            })
            .collect();
        let mut report = Self {
            flow: flow.to_owned(),
            version,
            seed,
            instances,
            completed,
            success_rate: share(completed, instances),
            end_states,
            retries: funnel.iter().map(|node| node.retried).sum(),
            compensations: funnel.iter().map(|node| node.compensated).sum(),
            parked,
            funnel,
            mermaid: String::new(),
        };
        report.mermaid = super::mermaid::annotated(&table.to_spec(), &report);
        report
    }

    /// The node `state` of the funnel.
    pub fn node(&self, state: &str) -> Option<&NodeFunnel> {
        self.funnel.iter().find(|node| node.state == state)
    }

    /// The report as JSON (pretty-printed, fields in declaration order).
    pub fn to_json(&self) -> String {
        // Invariant: strings, integers and finite floats only; serde_json cannot fail.
        serde_json::to_string_pretty(self).expect("a simulation report always serializes")
    }

    /// The report as a text table for a terminal.
    pub fn to_table(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "Simulation of {} v{}: {} instances, seed {}",
            self.flow, self.version, self.instances, self.seed
        );
        let _ = writeln!(
            text,
            "Succeeded end to end: {} ({} of {})",
            percent(self.success_rate),
            self.completed,
            self.instances
        );
        let _ = writeln!(
            text,
            "Retries: {}   Compensations: {}   Parked for a person: {}",
            self.retries, self.compensations, self.parked
        );
        let _ = writeln!(text, "\nEnd states");
        let _ = writeln!(
            text,
            "  {:<12} {:<20} {:>10} {:>8}",
            "status", "state", "instances", "share"
        );
        for end in &self.end_states {
            let _ = writeln!(
                text,
                "  {:<12} {:<20} {:>10} {:>8}",
                end.status.name(),
                end.state,
                end.count,
                percent(end.share)
            );
        }
        let _ = writeln!(text, "\nFunnel");
        let _ = writeln!(
            text,
            "  {:<20} {:>9} {:>9} {:>8} {:>8} {:>8} {:>12}",
            "node", "entered", "left", "failed", "fail %", "retried", "compensated"
        );
        for node in &self.funnel {
            let _ = writeln!(
                text,
                "  {:<20} {:>9} {:>9} {:>8} {:>8} {:>8} {:>12}",
                node.state,
                node.entered,
                node.left,
                node.failed,
                percent(node.failure_rate),
                node.retried,
                node.compensated
            );
            for edge in &node.edges {
                let via = edge.instruction.as_deref().unwrap_or("*");
                let _ = writeln!(
                    text,
                    "    -> {:<16} via {:<14} {:>8} {:>9}",
                    edge.to,
                    via,
                    percent(edge.conversion_rate),
                    edge.count
                );
            }
        }
        text
    }
}

/// `61.2%`.
pub(crate) fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}
