//! The per-step counters: one row of plain atomics per state and label set.

use std::sync::atomic::{AtomicU64, Ordering};

use super::histogram::LatencyHistogram;
use super::prometheus::SlotExport;
use super::shape::StateShape;
use super::snapshot::{EdgeSnapshot, FlowSnapshot, StateSnapshot, ratio};

/// The counters of one state under one label set. Every field is bumped with a relaxed add;
/// nothing here is ever locked.
#[derive(Debug)]
pub(crate) struct StateCounters {
    pub(crate) entered: AtomicU64,
    pub(crate) succeeded: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) retried: AtomicU64,
    pub(crate) compensated: AtomicU64,
    /// Transitions that matched no edge of the shape.
    pub(crate) unmatched: AtomicU64,
    pub(crate) latency: LatencyHistogram,
    /// One counter per edge of the state's shape, same order.
    pub(crate) edges: Box<[AtomicU64]>,
}

impl StateCounters {
    fn new(shape: &StateShape) -> Self {
        Self {
            entered: AtomicU64::new(0),
            succeeded: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            retried: AtomicU64::new(0),
            compensated: AtomicU64::new(0),
            unmatched: AtomicU64::new(0),
            latency: LatencyHistogram::default(),
            edges: shape.edges.iter().map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Counts a transition along the edge `label` -> `next`, or as unmatched.
    #[inline]
    pub(crate) fn transition(&self, shape: &StateShape, label: &'static str, next: usize) {
        let counter = shape
            .edge_index(label, next)
            .and_then(|index| self.edges.get(index));
        counter
            .unwrap_or(&self.unmatched)
            .fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self, shape: &StateShape, states: &[StateShape]) -> StateSnapshot {
        // Outcomes first, entries last: an entry always precedes its outcome, so the rates
        // read this way stay at or below 1 while steps run.
        let edges: Vec<(u64, &(Option<&'static str>, usize))> = self
            .edges
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .zip(&shape.edges)
            .collect();
        let succeeded = self.succeeded.load(Ordering::Relaxed);
        let failed = self.failed.load(Ordering::Relaxed);
        let retried = self.retried.load(Ordering::Relaxed);
        let compensated = self.compensated.load(Ordering::Relaxed);
        let unmatched = self.unmatched.load(Ordering::Relaxed);
        let latency = self.latency.snapshot();
        let entered = self.entered.load(Ordering::Relaxed);
        StateSnapshot {
            state: shape.name.to_owned(),
            entered,
            succeeded,
            failed,
            retried,
            compensated,
            unmatched,
            failure_rate: ratio(failed, entered),
            latency,
            edges: edges
                .into_iter()
                .map(|(count, &(instruction, to))| EdgeSnapshot {
                    instruction: instruction.map(str::to_owned),
                    // Registration drops edges whose target is out of range.
                    to: states
                        .get(to)
                        .map_or_else(String::new, |state| state.name.to_owned()),
                    count,
                    conversion_rate: ratio(count, entered),
                })
                .collect(),
        }
    }
}

/// Everything kept for one label set of one flow version: the counters the hot path bumps and
/// the Prometheus handles they are copied into on render.
#[derive(Debug)]
pub(crate) struct SlotTable {
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) states: Box<[StateCounters]>,
    pub(crate) export: SlotExport,
}

impl SlotTable {
    pub(crate) fn new(
        states: &[StateShape],
        labels: Vec<(String, String)>,
        export: SlotExport,
    ) -> Self {
        Self {
            labels,
            states: states.iter().map(StateCounters::new).collect(),
            export,
        }
    }

    /// This label set's statistics.
    pub(crate) fn snapshot(&self, flow: &str, version: u32, states: &[StateShape]) -> FlowSnapshot {
        FlowSnapshot {
            flow: flow.to_owned(),
            version,
            labels: self.labels.clone(),
            states: self
                .states
                .iter()
                .zip(states)
                .map(|(counters, shape)| counters.snapshot(shape, states))
                .collect(),
        }
    }
}
