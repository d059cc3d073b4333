//! The per-flow-version handle the engine calls on its hot path.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use metrics_exporter_prometheus::PrometheusRecorder;

use super::counters::{Adder, SlotTable, StateCounters};
use super::labels::{LabelRegistry, LabelSlot};
use super::prometheus::SlotExport;
use super::shape::StateShape;
use super::snapshot::{FlowSnapshot, InjectedFault};

/// The statistics of one flow version, from
/// [`Stats::register_flow`](super::Stats::register_flow). Cheap to clone (an `Arc`).
///
/// Per-step calls take a [`LabelSlot`] resolved once per instance and a state index; each is a
/// bounds check, one atomic load to find the label set's table, and relaxed atomic adds: no
/// lock, no allocation, no string hashing. A state index or slot this flow version does not
/// have is ignored (and asserted against in debug builds).
#[derive(Clone)]
pub struct FlowStats {
    pub(crate) record: Arc<FlowRecord>,
}

/// What [`FlowStats`] shares between its clones and the registry.
pub(crate) struct FlowRecord {
    pub(crate) flow: &'static str,
    pub(crate) version: u32,
    pub(crate) states: Box<[StateShape]>,
    labels: LabelRegistry,
    /// One cell per label slot (the overflow slot last), filled when the slot is first
    /// resolved: unused label sets cost neither counters nor Prometheus series.
    slots: Box<[OnceLock<SlotTable>]>,
    recorder: Arc<PrometheusRecorder>,
}

impl FlowRecord {
    pub(crate) fn new(
        flow: &'static str,
        version: u32,
        states: Box<[StateShape]>,
        labels: LabelRegistry,
        recorder: Arc<PrometheusRecorder>,
    ) -> Self {
        let slots = (0..labels.slot_count()).map(|_| OnceLock::new()).collect();
        Self {
            flow,
            version,
            states,
            labels,
            slots,
            recorder,
        }
    }

    /// The label sets in use, in slot order.
    pub(crate) fn live_slots(&self) -> impl Iterator<Item = &SlotTable> {
        self.slots.iter().filter_map(OnceLock::get)
    }

    /// Every label set's statistics.
    pub(crate) fn snapshots(&self) -> impl Iterator<Item = FlowSnapshot> + '_ {
        self.live_slots()
            .map(|table| table.snapshot(self.flow, self.version, &self.states))
    }
}

impl FlowStats {
    /// The flow's name.
    pub fn flow(&self) -> &'static str {
        self.record.flow
    }

    /// The flow's version.
    pub fn version(&self) -> u32 {
        self.record.version
    }

    /// The bounded label slot for an instance's routing labels; call it once when an instance
    /// is activated, not per step. Only the configured label keys count; once the flow
    /// version has seen `max_label_sets` distinct sets, further sets share one overflow slot
    /// whose labels are all `"other"` (as does a set whose values are all `"other"`).
    ///
    /// A known set costs a read lock and a hash; a new one also registers its counters and
    /// Prometheus series.
    pub fn slot(&self, labels: &[(String, String)]) -> LabelSlot {
        let record = &*self.record;
        let slot = record.labels.resolve(labels);
        if let Some(cell) = record.slots.get(slot.index()) {
            cell.get_or_init(|| {
                let routing = record.labels.labels_of(slot);
                let export = SlotExport::register(
                    Arc::clone(&record.recorder),
                    record.flow,
                    record.version,
                    &record.states,
                    &routing,
                );
                SlotTable::new(&record.states, routing, export)
            });
        }
        slot
    }

    /// An instance entered `state`.
    #[inline]
    pub fn entered(&self, slot: LabelSlot, state: usize) {
        if let Some((counters, adder)) = self.counters(slot, state) {
            adder.add(&counters.entered, 1);
        }
    }

    /// The action of `state` returned `instruction` (the `&'static str` of the generated table:
    /// compared by pointer first, then by value) after `latency`, and the instance moved to
    /// `next`. Counts a success, the edge (or `unmatched` if the shape has no such edge) and
    /// the latency.
    #[inline]
    pub fn succeeded(
        &self,
        slot: LabelSlot,
        state: usize,
        instruction: &'static str,
        next: usize,
        latency: Duration,
    ) {
        if let Some((counters, adder, shape)) = self.counters_and_shape(slot, state) {
            let nanos = super::histogram::saturating_nanos(latency);
            counters.succeeded(shape, instruction, next, nanos, adder);
        }
    }

    /// [`Self::succeeded`] and [`Self::entered`] of `next` in one go, the engine's per-step
    /// call: the thread's copy of the counters is found once, not twice, and the latency comes
    /// in nanoseconds, the clock's own unit, with no `Duration` made and taken apart again.
    #[inline]
    pub(crate) fn stepped(
        &self,
        slot: LabelSlot,
        state: usize,
        instruction: &'static str,
        next: usize,
        latency_nanos: u64,
    ) {
        let record = &*self.record;
        let Some(table) = record.slots.get(slot.index()).and_then(OnceLock::get) else {
            debug_assert!(false, "stats: slot {slot:?} unknown to {}", record.flow);
            return;
        };
        let (counters, adder) = table.stripe();
        if let (Some(from), Some(shape)) = (counters.get(state), record.states.get(state)) {
            from.succeeded(shape, instruction, next, latency_nanos, adder);
        }
        if let Some(to) = counters.get(next) {
            adder.add(&to.entered, 1);
        }
    }

    /// The step of `state` failed for good (a permanent error, retries exhausted, a timeout)
    /// after `latency`. Call it once per step, not per attempt, so that the failure rate stays
    /// a share of entries.
    #[inline]
    pub fn failed(&self, slot: LabelSlot, state: usize, latency: Duration) {
        if let Some((counters, adder)) = self.counters(slot, state) {
            adder.add(&counters.failed, 1);
            counters.latency.record(latency, adder);
        }
    }

    /// Chaos injected `fault` at `state` (counted apart from real outcomes).
    #[inline]
    pub fn injected(&self, slot: LabelSlot, state: usize, fault: InjectedFault) {
        if let Some((counters, adder)) = self.counters(slot, state) {
            adder.add(&counters.injected[fault as usize], 1);
        }
    }

    /// An attempt of the action of `state` failed and will be retried.
    #[inline]
    pub fn retried(&self, slot: LabelSlot, state: usize) {
        if let Some((counters, adder)) = self.counters(slot, state) {
            adder.add(&counters.retried, 1);
        }
    }

    /// The completed step of `state` was compensated.
    #[inline]
    pub fn compensated(&self, slot: LabelSlot, state: usize) {
        if let Some((counters, adder)) = self.counters(slot, state) {
            adder.add(&counters.compensated, 1);
        }
    }

    /// A signal or deadline moved the waiting `state` to `next`; `event` is the edge's label
    /// in the shape (the event variant, or whatever label the engine gave the deadline edge).
    /// Counts the edge only: a wait has no action to succeed or fail.
    #[inline]
    pub fn moved(&self, slot: LabelSlot, state: usize, event: &'static str, next: usize) {
        if let Some((counters, adder, shape)) = self.counters_and_shape(slot, state) {
            counters.transition(shape, event, next, adder);
        }
    }

    /// The counters of `state` under `slot`; `None` (and a debug assertion) for an index this
    /// flow version does not have or a slot it never resolved.
    #[inline]
    fn counters(&self, slot: LabelSlot, state: usize) -> Option<(&StateCounters, Adder)> {
        self.counters_and_shape(slot, state)
            .map(|(counters, adder, _)| (counters, adder))
    }

    /// [`Self::counters`] with the state's shape, for edge lookups.
    #[inline]
    fn counters_and_shape(
        &self,
        slot: LabelSlot,
        state: usize,
    ) -> Option<(&StateCounters, Adder, &StateShape)> {
        let counters = self
            .record
            .slots
            .get(slot.index())
            .and_then(OnceLock::get)
            .and_then(|table| table.state(state))
            .zip(self.record.states.get(state))
            .map(|((counters, adder), shape)| (counters, adder, shape));
        debug_assert!(
            counters.is_some(),
            "stats: slot {slot:?} or state {state} unknown to {} v{}",
            self.record.flow,
            self.record.version
        );
        counters
    }
}

impl fmt::Debug for FlowStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowStats")
            .field("flow", &self.record.flow)
            .field("version", &self.record.version)
            .field("states", &self.record.states.len())
            .field("label_sets", &self.record.live_slots().count())
            .finish()
    }
}
