//! A point-in-time copy of all statistics, serializable and easy to query.

use serde::{Deserialize, Serialize};

use super::histogram::estimate_quantile_seconds;

/// Every registered flow version's statistics, one entry per label set in use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsSnapshot {
    /// Per flow, version and label set, in registration order, then label-slot order (the
    /// overflow set last).
    pub flows: Vec<FlowSnapshot>,
}

/// The statistics of one flow version under one label set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowSnapshot {
    /// The flow's name.
    pub flow: String,
    /// The flow's version.
    pub version: u32,
    /// The routing labels of this set, in configured key order; empty when the instances had
    /// none of the configured keys; every key `"other"` for the overflow set.
    pub labels: Vec<(String, String)>,
    /// Every state, in index order.
    pub states: Vec<StateSnapshot>,
}

/// The statistics of one state (node).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateSnapshot {
    /// The state's name.
    pub state: String,
    /// Times an instance entered it.
    pub entered: u64,
    /// Times its action returned an instruction and the step was committed (the engine
    /// counts a step once its commit is in: a step run again after a crash or a refused
    /// commit counts once).
    pub succeeded: u64,
    /// Times its step failed for good.
    pub failed: u64,
    /// Times an attempt failed and was retried.
    pub retried: u64,
    /// Times its step was compensated.
    pub compensated: u64,
    /// Transitions out of it that matched none of its edges (an engine/shape mismatch).
    pub unmatched: u64,
    /// `failed / entered`, 0 when it was never entered: real failures only.
    pub failure_rate: f64,
    /// What chaos injected here, counted apart from the figures above (absent from
    /// snapshots taken before chaos existed).
    #[serde(default)]
    pub injected: InjectedSnapshot,
    /// How long its action took, successes and failures alike.
    pub latency: LatencySnapshot,
    /// Its outgoing edges, in the order the shape listed them.
    pub edges: Vec<EdgeSnapshot>,
}

/// What chaos injected at one state (see [`crate::chaos`]). `succeeded`, `failed` and
/// `retried` of the state never include these failures; `succeeded` and the edges do
/// include the steps whose instruction chaos forced, counted here too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InjectedSnapshot {
    /// Steps that failed for good on an injected failure.
    pub failed: u64,
    /// Attempts that failed on an injected failure and were retried.
    pub retried: u64,
    /// Steps whose instruction chaos drew by the node's weights.
    pub instructions: u64,
    /// Attempts chaos delayed.
    pub delayed: u64,
    /// Steps a crash point stopped.
    pub crashed: u64,
    /// `failed / entered` of the state: the injected failure rate.
    pub failure_rate: f64,
}

impl InjectedSnapshot {
    /// The count of `fault`.
    pub fn count(&self, fault: InjectedFault) -> u64 {
        match fault {
            InjectedFault::Failed => self.failed,
            InjectedFault::Retried => self.retried,
            InjectedFault::Instruction => self.instructions,
            InjectedFault::Latency => self.delayed,
            InjectedFault::Crash => self.crashed,
        }
    }
}

/// What chaos injected, as statistics count it (the `fault` label of
/// `flow_chaos_injected_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InjectedFault {
    /// A step failed for good on an injected failure.
    Failed,
    /// An attempt failed on an injected failure and will be retried.
    Retried,
    /// Chaos drew the step's instruction.
    Instruction,
    /// Chaos delayed an attempt.
    Latency,
    /// A crash point stopped a step.
    Crash,
}

impl InjectedFault {
    /// Every fault, in label order.
    pub const ALL: [InjectedFault; 5] = [
        InjectedFault::Failed,
        InjectedFault::Retried,
        InjectedFault::Instruction,
        InjectedFault::Latency,
        InjectedFault::Crash,
    ];

    /// The value of the `fault` label.
    pub fn label(self) -> &'static str {
        match self {
            InjectedFault::Failed => "failed",
            InjectedFault::Retried => "retried",
            InjectedFault::Instruction => "instruction",
            InjectedFault::Latency => "latency",
            InjectedFault::Crash => "crash",
        }
    }
}

/// One outgoing edge of a state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeSnapshot {
    /// The instruction or event that takes it; `None` for a catch-all edge.
    pub instruction: Option<String>,
    /// The target state's name.
    pub to: String,
    /// Times an instance went along it.
    pub count: u64,
    /// `count / entered` of the source state: the share of entries that went this way.
    pub conversion_rate: f64,
}

/// A latency histogram with fixed power-of-two buckets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencySnapshot {
    /// Samples recorded.
    pub count: u64,
    /// Sum of all samples, in seconds.
    pub sum_seconds: f64,
    /// Median estimated from the buckets (linear inside a bucket), in seconds.
    pub p50_seconds: f64,
    /// 99th percentile estimated from the buckets, in seconds.
    pub p99_seconds: f64,
    /// Every bucket, smallest bound first (see
    /// [`latency_bucket_bound_micros`](super::latency_bucket_bound_micros)).
    pub buckets: Vec<LatencyBucket>,
}

/// One histogram bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyBucket {
    /// Inclusive upper bound in seconds; `None` for the overflow bucket (+Inf).
    pub le_seconds: Option<f64>,
    /// Samples in this bucket alone (not cumulative).
    pub count: u64,
}

impl StatsSnapshot {
    /// The label sets of one flow version.
    pub fn flow_sets<'a>(
        &'a self,
        flow: &'a str,
        version: u32,
    ) -> impl Iterator<Item = &'a FlowSnapshot> + 'a {
        self.flows
            .iter()
            .filter(move |set| set.flow == flow && set.version == version)
    }

    /// One state of a flow version, summed over all label sets (rates and percentiles
    /// recomputed from the sums); `None` if the flow version has no such state or no label
    /// set was ever resolved.
    pub fn node(&self, flow: &str, version: u32, state: &str) -> Option<StateSnapshot> {
        self.flow_sets(flow, version)
            .filter_map(|set| set.state(state))
            .fold(None, |total: Option<StateSnapshot>, next| {
                Some(match total {
                    None => next.clone(),
                    Some(mut total) => {
                        total.absorb(next);
                        total
                    }
                })
            })
    }

    /// The share of entries of `from` that went on to `to` (over every edge between them and
    /// every label set); 0 when `from` was never entered or is unknown.
    pub fn conversion(&self, flow: &str, version: u32, from: &str, to: &str) -> f64 {
        self.node(flow, version, from)
            .map_or(0.0, |node| node.conversion_to(to))
    }
}

impl FlowSnapshot {
    /// The state named `state`.
    pub fn state(&self, state: &str) -> Option<&StateSnapshot> {
        self.states.iter().find(|snapshot| snapshot.state == state)
    }
}

impl StateSnapshot {
    /// The share of entries that went to the state named `to`, over every edge leading there.
    pub fn conversion_to(&self, to: &str) -> f64 {
        let count = self
            .edges
            .iter()
            .filter(|edge| edge.to == to)
            .map(|edge| edge.count)
            .sum();
        ratio(count, self.entered)
    }

    /// The edge taken by `instruction` (`None`: the catch-all edge).
    pub fn edge(&self, instruction: Option<&str>) -> Option<&EdgeSnapshot> {
        self.edges
            .iter()
            .find(|edge| edge.instruction.as_deref() == instruction)
    }

    /// Adds `other`'s counts (the same state under another label set) and recomputes rates.
    fn absorb(&mut self, other: &StateSnapshot) {
        self.entered += other.entered;
        self.succeeded += other.succeeded;
        self.failed += other.failed;
        self.retried += other.retried;
        self.compensated += other.compensated;
        self.unmatched += other.unmatched;
        self.injected.failed += other.injected.failed;
        self.injected.retried += other.injected.retried;
        self.injected.instructions += other.injected.instructions;
        self.injected.delayed += other.injected.delayed;
        self.injected.crashed += other.injected.crashed;
        self.injected.failure_rate = ratio(self.injected.failed, self.entered);
        self.latency.absorb(&other.latency);
        for theirs in &other.edges {
            let ours = self
                .edges
                .iter_mut()
                .find(|edge| edge.instruction == theirs.instruction && edge.to == theirs.to);
            match ours {
                Some(ours) => ours.count += theirs.count,
                None => self.edges.push(theirs.clone()),
            }
        }
        self.failure_rate = ratio(self.failed, self.entered);
        for edge in &mut self.edges {
            edge.conversion_rate = ratio(edge.count, self.entered);
        }
    }
}

impl LatencySnapshot {
    /// Adds `other`'s samples (same bucket layout) and re-estimates the percentiles.
    fn absorb(&mut self, other: &LatencySnapshot) {
        self.count += other.count;
        self.sum_seconds += other.sum_seconds;
        for (ours, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            ours.count += theirs.count;
        }
        let counts: Vec<u64> = self.buckets.iter().map(|bucket| bucket.count).collect();
        self.p50_seconds = estimate_quantile_seconds(&counts, 0.5);
        self.p99_seconds = estimate_quantile_seconds(&counts, 0.99);
    }
}

/// `part / whole`, 0 when `whole` is 0.
pub(crate) fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}
