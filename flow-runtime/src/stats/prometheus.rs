//! Prometheus text through the `metrics` facade: handles registered once per label set, fed
//! from the atomics on render.
//!
//! The hot path never touches these handles. [`Stats::render_prometheus`](super::Stats::render_prometheus)
//! copies the atomics into them (`Counter::absolute`, `Gauge::set`) and renders the registry's
//! private recorder, which is never installed globally: engines and tests in one process do
//! not share series.
//!
//! Latency is exported in the classic histogram series shape (`_bucket{le}`, `_sum`,
//! `_count`), so `histogram_quantile()` works on it, but through cached counter handles (sum:
//! a gauge, in seconds) rather than a facade `Histogram`, which would cost a sample push per
//! step. The exposition's `# TYPE` lines therefore say `counter`/`gauge`, not `histogram`.
//! Only every other bucket (bounds 4^k µs: 1 µs … 67 s, then +Inf) is exported to keep the
//! series count down; the snapshot keeps all of them.

use metrics::{Counter, Gauge, Key, KeyName, Label, Level, Metadata, Recorder, SharedString};
use metrics_exporter_prometheus::PrometheusRecorder;

use super::histogram::{LATENCY_BUCKET_COUNT, latency_bucket_bound_micros};
use super::shape::StateShape;
use super::snapshot::{InjectedFault, StateSnapshot};
use std::sync::{Arc, OnceLock};

/// Counter: times an instance entered a state.
pub const STATE_ENTERED: &str = "flow_state_entered_total";
/// Counter: times a state's action returned an instruction.
pub const STATE_SUCCEEDED: &str = "flow_state_succeeded_total";
/// Counter: times a state's step failed for good.
pub const STATE_FAILED: &str = "flow_state_failed_total";
/// Counter: times an attempt of a state's action was retried.
pub const STATE_RETRIED: &str = "flow_state_retried_total";
/// Counter: times a state's step was compensated.
pub const STATE_COMPENSATED: &str = "flow_state_compensated_total";
/// Gauge: failed / entered of a state.
pub const STATE_FAILURE_RATIO: &str = "flow_state_failure_ratio";
/// Counter: transitions along an edge (labels `instruction`, `to`).
pub const TRANSITION: &str = "flow_transition_total";
/// Gauge: transitions along an edge / entries of its source state.
pub const TRANSITION_CONVERSION_RATIO: &str = "flow_transition_conversion_ratio";
/// Counter: cumulative latency buckets of a state's action (label `le`, seconds).
pub const STEP_LATENCY_BUCKET: &str = "flow_step_latency_seconds_bucket";
/// Gauge: sum of a state's action latencies, in seconds.
pub const STEP_LATENCY_SUM: &str = "flow_step_latency_seconds_sum";
/// Counter: latency samples of a state's action.
pub const STEP_LATENCY_COUNT: &str = "flow_step_latency_seconds_count";

/// Counter: what chaos injected at a state (label `fault`: `failed`, `retried`,
/// `instruction`, `latency`, `crash`); registered for a state once chaos touched it.
pub const CHAOS_INJECTED: &str = "flow_chaos_injected_total";

/// The catch-all edge's `instruction` label value.
pub const CATCH_ALL_INSTRUCTION: &str = "*";

static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// Indices of the latency buckets exported as `le` series.
fn exported_buckets() -> impl Iterator<Item = usize> {
    (0..LATENCY_BUCKET_COUNT - 1).step_by(2)
}

/// Adds the `# HELP` lines of every metric to `recorder`.
pub(crate) fn describe(recorder: &PrometheusRecorder) {
    let counters = [
        (STATE_ENTERED, "Times an instance entered the state."),
        (
            STATE_SUCCEEDED,
            "Times the state's action returned an instruction.",
        ),
        (STATE_FAILED, "Times the state's step failed for good."),
        (
            STATE_RETRIED,
            "Times an attempt of the state's action was retried.",
        ),
        (STATE_COMPENSATED, "Times the state's step was compensated."),
        (
            TRANSITION,
            "Transitions along the edge from state via instruction to `to`.",
        ),
        (
            STEP_LATENCY_BUCKET,
            "Cumulative count of the state's action latencies at most le seconds.",
        ),
        (STEP_LATENCY_COUNT, "Latency samples of the state's action."),
        (
            CHAOS_INJECTED,
            "What chaos injected at the state, apart from real outcomes.",
        ),
    ];
    for (name, help) in counters {
        recorder.describe_counter(
            KeyName::from_const_str(name),
            None,
            SharedString::const_str(help),
        );
    }
    let gauges = [
        (
            STATE_FAILURE_RATIO,
            "Failed / entered of the state since start.",
        ),
        (
            TRANSITION_CONVERSION_RATIO,
            "Share of the source state's entries that took the edge.",
        ),
        (
            STEP_LATENCY_SUM,
            "Sum of the state's action latencies in seconds.",
        ),
    ];
    for (name, help) in gauges {
        recorder.describe_gauge(
            KeyName::from_const_str(name),
            None,
            SharedString::const_str(help),
        );
    }
}

/// The cached handles of one label set of one flow version.
#[derive(Debug)]
pub(crate) struct SlotExport {
    states: Box<[StateExport]>,
    recorder: Arc<PrometheusRecorder>,
    /// The label set's routing labels, for series registered later.
    routing: Vec<Label>,
}

#[derive(Debug)]
struct StateExport {
    entered: Counter,
    succeeded: Counter,
    failed: Counter,
    retried: Counter,
    compensated: Counter,
    failure_ratio: Gauge,
    /// Per edge: transition count and conversion ratio.
    edges: Box<[(Counter, Gauge)]>,
    /// Per exported bucket, then the +Inf bucket.
    latency_buckets: Box<[Counter]>,
    latency_sum: Gauge,
    latency_count: Counter,
    /// `flow`, `version` and `state`, for series registered later.
    labels: Vec<Label>,
    /// Per [`InjectedFault`], registered on the first render after chaos touched the state,
    /// so that engines without chaos export no such series.
    injected: OnceLock<Box<[Counter]>>,
}

impl SlotExport {
    /// Registers every series of one label set: labels `flow`, `version`, `state` (plus
    /// `instruction` and `to` on edges, `le` on buckets) and then the routing labels.
    pub(crate) fn register(
        recorder: Arc<PrometheusRecorder>,
        flow: &'static str,
        version: u32,
        states: &[StateShape],
        routing: &[(String, String)],
    ) -> Self {
        let version = version.to_string();
        let counter = |name: &'static str, labels: Vec<Label>| {
            recorder.register_counter(&Key::from_parts(name, labels), &METADATA)
        };
        let gauge = |name: &'static str, labels: Vec<Label>| {
            recorder.register_gauge(&Key::from_parts(name, labels), &METADATA)
        };
        let with = |mut base: Vec<Label>, extra: &[Label]| {
            base.extend(extra.iter().cloned());
            base.extend(
                routing
                    .iter()
                    .map(|(key, value)| Label::new(key.clone(), value.clone())),
            );
            base
        };
        let export_state = |shape: &StateShape| {
            let base = vec![
                Label::new("flow", flow),
                Label::new("version", version.clone()),
                Label::new("state", shape.name),
            ];
            let labels = || with(base.clone(), &[]);
            let edges = shape
                .edges
                .iter()
                .map(|&(instruction, to)| {
                    let target = states.get(to).map_or("", |state| state.name);
                    let edge = [
                        Label::new("instruction", instruction.unwrap_or(CATCH_ALL_INSTRUCTION)),
                        Label::new("to", target),
                    ];
                    (
                        counter(TRANSITION, with(base.clone(), &edge)),
                        gauge(TRANSITION_CONVERSION_RATIO, with(base.clone(), &edge)),
                    )
                })
                .collect();
            let latency_buckets = exported_buckets()
                .filter_map(latency_bucket_bound_micros)
                .map(le_seconds)
                .chain(std::iter::once("+Inf".to_owned()))
                .map(|le| {
                    counter(
                        STEP_LATENCY_BUCKET,
                        with(base.clone(), &[Label::new("le", le)]),
                    )
                })
                .collect();
            StateExport {
                entered: counter(STATE_ENTERED, labels()),
                succeeded: counter(STATE_SUCCEEDED, labels()),
                failed: counter(STATE_FAILED, labels()),
                retried: counter(STATE_RETRIED, labels()),
                compensated: counter(STATE_COMPENSATED, labels()),
                failure_ratio: gauge(STATE_FAILURE_RATIO, labels()),
                edges,
                latency_buckets,
                latency_sum: gauge(STEP_LATENCY_SUM, labels()),
                latency_count: counter(STEP_LATENCY_COUNT, labels()),
                labels: base.clone(),
                injected: OnceLock::new(),
            }
        };
        let states = states.iter().map(export_state).collect();
        let routing = routing
            .iter()
            .map(|(key, value)| Label::new(key.clone(), value.clone()))
            .collect();
        Self {
            states,
            recorder,
            routing,
        }
    }

    /// Copies a label set's current values into its handles.
    pub(crate) fn push(&self, states: &[StateSnapshot]) {
        for (export, state) in self.states.iter().zip(states) {
            export.entered.absolute(state.entered);
            export.succeeded.absolute(state.succeeded);
            export.failed.absolute(state.failed);
            export.retried.absolute(state.retried);
            export.compensated.absolute(state.compensated);
            export.failure_ratio.set(state.failure_rate);
            for ((count, conversion), edge) in export.edges.iter().zip(&state.edges) {
                count.absolute(edge.count);
                conversion.set(edge.conversion_rate);
            }
            let cumulative: Vec<u64> = state
                .latency
                .buckets
                .iter()
                .scan(0_u64, |total, bucket| {
                    *total += bucket.count;
                    Some(*total)
                })
                .collect();
            let exported = exported_buckets()
                .map(|index| cumulative.get(index).copied().unwrap_or(0))
                .chain(std::iter::once(state.latency.count));
            for (handle, value) in export.latency_buckets.iter().zip(exported) {
                handle.absolute(value);
            }
            export.latency_sum.set(state.latency.sum_seconds);
            export.latency_count.absolute(state.latency.count);
            let touched = InjectedFault::ALL
                .iter()
                .any(|fault| state.injected.count(*fault) > 0);
            if touched || export.injected.get().is_some() {
                let handles = export.injected.get_or_init(|| {
                    InjectedFault::ALL
                        .iter()
                        .map(|fault| {
                            // The state's labels, then `fault` (a fixed set of values),
                            // then the routing labels, like every other series.
                            let mut labels = export.labels.clone();
                            labels.push(Label::new("fault", fault.label()));
                            labels.extend(self.routing.iter().cloned());
                            self.recorder.register_counter(
                                &Key::from_parts(CHAOS_INJECTED, labels),
                                &METADATA,
                            )
                        })
                        .collect()
                });
                for (handle, fault) in handles.iter().zip(InjectedFault::ALL) {
                    handle.absolute(state.injected.count(fault));
                }
            }
        }
    }
}

/// A bucket bound in seconds as exact decimal text (`0.000004`, `1.048576`), no float noise.
fn le_seconds(micros: u64) -> String {
    let text = format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_le_labels_are_exact_decimals() {
        assert_eq!(le_seconds(1), "0.000001");
        assert_eq!(le_seconds(1_048_576), "1.048576");
        assert_eq!(le_seconds(2_000_000), "2");
        let exported: Vec<String> = exported_buckets()
            .filter_map(latency_bucket_bound_micros)
            .map(le_seconds)
            .collect();
        assert_eq!(exported.len(), 14);
        assert_eq!(exported.first().map(String::as_str), Some("0.000001"));
        assert_eq!(exported.last().map(String::as_str), Some("67.108864"));
    }
}
