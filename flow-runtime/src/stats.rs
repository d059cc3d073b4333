//! Statistics per flow, version, state and instruction, kept on the engine's hot path with
//! nothing but relaxed atomic adds.
//!
//! A [`Stats`] registry is built once per engine. Each flow version is registered at engine
//! build with its shape ([`StateShape`]s) and gets a [`FlowStats`]; each instance resolves its
//! routing labels to a bounded [`LabelSlot`] once when activated; each step then reports
//! `entered`, `succeeded` (instruction, next state, latency), `failed`, `retried`,
//! `compensated` or `moved` by state index. Reading is separate and may allocate:
//! [`Stats::snapshot`] (a [`StatsSnapshot`] with failure and conversion rates and latency
//! percentiles), [`Stats::to_json`], and [`Stats::render_prometheus`] (metric names in
//! [`metric_names`]).
//!
//! ```
//! use std::time::Duration;
//! use flow_runtime::stats::{StateShape, Stats, StatsConfig};
//!
//! let stats = Stats::new(StatsConfig::default()); // splits by the `variant` routing label
//! let checkout = stats.register_flow("checkout", 1, &[
//!     StateShape::new("Cart", [(Some("Paid"), 1), (Some("Abandoned"), 2)]),
//!     StateShape::new("Paid", []),
//!     StateShape::new("Abandoned", []),
//! ]);
//!
//! // Once per instance, when it is activated:
//! let slot = checkout.slot(&[("variant".to_owned(), "B".to_owned())]);
//! // Per step:
//! checkout.entered(slot, 0);
//! checkout.succeeded(slot, 0, "Paid", 1, Duration::from_millis(3));
//!
//! assert_eq!(stats.snapshot().conversion("checkout", 1, "Cart", "Paid"), 1.0);
//! assert!(stats.render_prometheus().contains(
//!     r#"flow_state_entered_total{flow="checkout",version="1",state="Cart",variant="B"} 1"#
//! ));
//! ```

mod config;
mod counters;
mod experiment;
mod flow_stats;
mod histogram;
mod labels;
mod prometheus;
mod shape;
mod snapshot;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusRecorder};

pub use config::{MAX_LABEL_SETS_CEILING, RESERVED_LABEL_KEYS, StatsConfig};
pub use experiment::VARIANT_LABEL;
pub use flow_stats::FlowStats;
pub use histogram::{LATENCY_BUCKET_COUNT, latency_bucket_bound_micros};
pub use labels::{LabelSlot, OVERFLOW_LABEL_VALUE};
pub use shape::StateShape;
pub use snapshot::{
    EdgeSnapshot, FlowSnapshot, InjectedFault, InjectedSnapshot, LatencyBucket, LatencySnapshot,
    StateSnapshot, StatsSnapshot,
};

/// The Prometheus metric names [`Stats::render_prometheus`] emits.
///
/// Every series carries `flow`, `version` and `state`, then `instruction` and `to` on
/// transitions (`instruction="*"` for a catch-all edge) or `le` on latency buckets, then the
/// routing labels of its label set. Latency has the classic histogram series shape
/// (`_bucket{le}` cumulative, `_sum` in seconds, `_count`), so `histogram_quantile()` works,
/// but it is fed through cached counter/gauge handles rather than a facade `Histogram` (which
/// would cost a sample push per step), so its `# TYPE` lines say `counter`/`gauge`. Only the
/// bounds 4^k µs (1 µs … about 67 s) and `+Inf` are exported; the snapshot keeps every bucket.
/// What chaos injected is `flow_chaos_injected_total` with a `fault` label
/// (`failed`, `retried`, `instruction`, `latency`, `crash`), exported for a state once chaos
/// touched it: real failures are never mixed with injected ones.
pub mod metric_names {
    pub use super::prometheus::{
        CATCH_ALL_INSTRUCTION, CHAOS_INJECTED, STATE_COMPENSATED, STATE_ENTERED, STATE_FAILED,
        STATE_FAILURE_RATIO, STATE_RETRIED, STATE_SUCCEEDED, STEP_LATENCY_BUCKET,
        STEP_LATENCY_COUNT, STEP_LATENCY_SUM, TRANSITION, TRANSITION_CONVERSION_RATIO,
    };
}

use flow_stats::FlowRecord;
use labels::LabelRegistry;

/// The statistics registry of one engine. Cheap to clone (an `Arc`); clones share counts,
/// separate registries never do (each has its own, never globally installed, recorder).
#[derive(Clone)]
pub struct Stats {
    inner: Arc<StatsInner>,
}

struct StatsInner {
    label_keys: Vec<String>,
    max_label_sets: usize,
    recorder: Arc<PrometheusRecorder>,
    flows: RwLock<Vec<FlowStats>>,
}

impl Default for Stats {
    /// A registry with [`StatsConfig::default`].
    fn default() -> Self {
        Self::new(StatsConfig::default())
    }
}

impl Stats {
    /// An empty registry. Unusable label keys are dropped and `max_label_sets` is clamped to
    /// [`MAX_LABEL_SETS_CEILING`], each with a warning.
    pub fn new(config: StatsConfig) -> Self {
        let recorder = PrometheusBuilder::new().build_recorder();
        prometheus::describe(&recorder);
        Self {
            inner: Arc::new(StatsInner {
                label_keys: config.usable_label_keys(),
                max_label_sets: config.bounded_label_sets(),
                recorder: Arc::new(recorder),
                flows: RwLock::default(),
            }),
        }
    }

    /// [`Stats::register_flow`] for a flow version that may come with another shape than
    /// the one registered first (a document whose definition changed, version unchanged):
    /// `None` then, since counts by state index would land on the wrong states.
    pub fn register_flow_if_same_shape(
        &self,
        flow: &'static str,
        version: u32,
        states: &[StateShape],
    ) -> Option<FlowStats> {
        let stats = self.register_flow(flow, version, states);
        (*stats.record.states == *states).then_some(stats)
    }

    /// Registers a flow version; called once per flow version at engine build with its states
    /// in index order and each state's outgoing edges. Edges to a state index out of range are
    /// dropped with a warning. Registering a flow version again returns the first
    /// registration's [`FlowStats`] (with a warning if the shape differs), so that two
    /// tables never feed one series.
    pub fn register_flow(
        &self,
        flow: &'static str,
        version: u32,
        states: &[StateShape],
    ) -> FlowStats {
        let mut flows = self
            .inner
            .flows
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let states: Box<[StateShape]> = states
            .iter()
            .map(|state| {
                let mut state = state.clone();
                state.edges.retain(|&(instruction, to)| {
                    let known = to < states.len();
                    if !known {
                        tracing::warn!(
                            flow,
                            version,
                            state = state.name,
                            ?instruction,
                            to,
                            "stats: edge to an unknown state index dropped"
                        );
                    }
                    known
                });
                state
            })
            .collect();
        if let Some(existing) = flows
            .iter()
            .find(|known| known.flow() == flow && known.version() == version)
        {
            if existing.record.states != states {
                tracing::warn!(
                    flow,
                    version,
                    "stats: flow version registered again with another shape; keeping the first"
                );
            }
            return existing.clone();
        }
        let labels = LabelRegistry::new(self.inner.label_keys.clone(), self.inner.max_label_sets);
        let record = FlowRecord::new(
            flow,
            version,
            states,
            labels,
            Arc::clone(&self.inner.recorder),
        );
        let stats = FlowStats {
            record: Arc::new(record),
        };
        flows.push(stats.clone());
        stats
    }

    /// Every flow version's statistics per label set in use, with rates and percentiles.
    pub fn snapshot(&self) -> StatsSnapshot {
        let flows = self
            .inner
            .flows
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        StatsSnapshot {
            flows: flows
                .iter()
                .flat_map(|stats| stats.record.snapshots())
                .collect(),
        }
    }

    /// The snapshot as JSON.
    pub fn to_json(&self) -> String {
        // Invariant: a snapshot holds only strings, integers, floats and sequences; serde_json
        // cannot fail on those (a non-finite float would become `null`, and rates are finite).
        serde_json::to_string(&self.snapshot()).expect("a stats snapshot always serializes")
    }

    /// The Prometheus text exposition of every flow version and label set in use. Copies the
    /// counters into the cached `metrics` handles first, then renders this registry's
    /// recorder; see [`metric_names`] for the series.
    pub fn render_prometheus(&self) -> String {
        {
            let flows = self
                .inner
                .flows
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            for stats in flows.iter() {
                let record = &stats.record;
                for table in record.live_slots() {
                    let snapshot = table.snapshot(record.flow, record.version, &record.states);
                    table.export.push(&snapshot.states);
                }
            }
        }
        self.inner.recorder.handle().render()
    }
}

impl fmt::Debug for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flows = self
            .inner
            .flows
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Stats")
            .field("label_keys", &self.inner.label_keys)
            .field("max_label_sets", &self.inner.max_label_sets)
            .field("flows", &*flows)
            .finish()
    }
}
