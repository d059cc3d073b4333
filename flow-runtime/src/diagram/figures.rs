//! The figures a diagram prints beside its graph, from a statistics snapshot, from a count
//! of stored instances, or set one by one (a simulation's funnel).

use std::collections::BTreeMap;

use flow_core::{DiagramFigures, EdgeTrigger, FlowSpec, StateKind};

use crate::stats::StatsSnapshot;

/// What is known of one state.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StateFigures {
    /// Times an instance entered it.
    pub entered: u64,
    /// Times its step failed for good.
    pub failed: u64,
    /// `failed / entered`, 0 when never entered.
    pub failure_rate: f64,
    /// Instances in it now (running, waiting, paused or needing a person), when counted.
    pub instances: Option<u64>,
}

/// What is known of one edge.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EdgeFigures {
    /// Times an instance went along it.
    pub count: u64,
    /// The share of the source state's entries that went along it.
    pub conversion_rate: f64,
}

/// An edge by what takes it, owned.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Trigger {
    Instruction(Option<String>),
    Deadline,
}

impl From<EdgeTrigger<'_>> for Trigger {
    fn from(trigger: EdgeTrigger<'_>) -> Self {
        match trigger {
            EdgeTrigger::Instruction(instruction) => {
                Trigger::Instruction(instruction.map(str::to_owned))
            }
            EdgeTrigger::Deadline => Trigger::Deadline,
        }
    }
}

/// Figures per state and per edge of one flow; empty for a plain diagram. Ordered maps, so
/// that a diagram's bytes depend on its input alone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    states: BTreeMap<String, StateFigures>,
    edges: BTreeMap<(String, Trigger, String), EdgeFigures>,
}

/// The instruction under which the statistics count a wait's deadline edge (see
/// `state_shapes` in the engine builder).
const DEADLINE_INSTRUCTION: &str = "Deadline";

impl Figures {
    /// No figures: a plain diagram.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether there is nothing to print.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty() && self.edges.is_empty()
    }

    /// The figures of `spec`'s flow version in `snapshot`, summed over label sets; empty
    /// when the snapshot does not have that flow version.
    pub fn from_snapshot(spec: &FlowSpec, snapshot: &StatsSnapshot) -> Self {
        let mut figures = Figures::none();
        for state in &spec.states {
            let Some(node) = snapshot.node(&spec.name, spec.version, &state.name) else {
                continue;
            };
            figures
                .states
                .entry(state.name.clone())
                .or_insert(StateFigures {
                    entered: node.entered,
                    failed: node.failed,
                    failure_rate: node.failure_rate,
                    instances: None,
                });
            let deadline_target = match &state.kind {
                StateKind::Wait(wait) => wait.deadline.as_ref().map(|d| d.target.as_str()),
                _ => None,
            };
            for edge in &node.edges {
                let trigger = match edge.instruction.as_deref() {
                    Some(DEADLINE_INSTRUCTION) if deadline_target == Some(edge.to.as_str()) => {
                        Trigger::Deadline
                    }
                    instruction => Trigger::Instruction(instruction.map(str::to_owned)),
                };
                figures.edges.insert(
                    (state.name.clone(), trigger, edge.to.clone()),
                    EdgeFigures {
                        count: edge.count,
                        conversion_rate: edge.conversion_rate,
                    },
                );
            }
        }
        figures
    }

    /// Adds how many instances are in each state now (`(state, count)`).
    pub fn with_instances<'a>(mut self, counts: impl IntoIterator<Item = (&'a str, u64)>) -> Self {
        for (state, count) in counts {
            let figures = self.states.entry(state.to_owned()).or_default();
            figures.instances = Some(figures.instances.unwrap_or(0) + count);
        }
        self
    }

    /// Sets the figures of `state`: entered, failed (the failure rate follows) and the
    /// instances in it now, when counted.
    pub fn set_state(&mut self, state: &str, entered: u64, failed: u64, instances: Option<u64>) {
        self.states.insert(
            state.to_owned(),
            StateFigures {
                entered,
                failed,
                failure_rate: if entered == 0 {
                    0.0
                } else {
                    failed as f64 / entered as f64
                },
                instances,
            },
        );
    }

    /// Sets the figures of the edge from `from` taken by `instruction` (`None`: the
    /// catch-all edge) to `to`.
    pub fn set_edge(
        &mut self,
        from: &str,
        instruction: Option<&str>,
        to: &str,
        count: u64,
        conversion_rate: f64,
    ) {
        self.edges.insert(
            (
                from.to_owned(),
                Trigger::from(EdgeTrigger::Instruction(instruction)),
                to.to_owned(),
            ),
            EdgeFigures {
                count,
                conversion_rate,
            },
        );
    }

    /// Sets the figures of the deadline edge of wait `from` to `to`.
    pub fn set_deadline_edge(&mut self, from: &str, to: &str, count: u64, conversion_rate: f64) {
        self.edges.insert(
            (from.to_owned(), Trigger::Deadline, to.to_owned()),
            EdgeFigures {
                count,
                conversion_rate,
            },
        );
    }

    /// The figures of `state`, if any.
    pub fn state_figures(&self, state: &str) -> Option<&StateFigures> {
        self.states.get(state)
    }

    /// The figures of one edge, if any.
    pub fn edge_figures(
        &self,
        from: &str,
        trigger: EdgeTrigger<'_>,
        to: &str,
    ) -> Option<&EdgeFigures> {
        self.edges
            .get(&(from.to_owned(), Trigger::from(trigger), to.to_owned()))
    }
}

/// `0.7234` as `72.3%`.
pub(crate) fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

impl DiagramFigures for Figures {
    fn edge(&self, from: &str, trigger: EdgeTrigger<'_>, to: &str) -> Option<String> {
        self.edge_figures(from, trigger, to)
            .map(|edge| format!("{} ({})", percent(edge.conversion_rate), edge.count))
    }

    fn state(&self, state: &str) -> Option<String> {
        let figures = self.states.get(state)?;
        let mut parts = Vec::with_capacity(3);
        if figures.entered > 0 || figures.failed > 0 {
            parts.push(format!("{} in", figures.entered));
            parts.push(format!("{} failed", percent(figures.failure_rate)));
        }
        if let Some(instances) = figures.instances {
            parts.push(format!("{instances} now"));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}
