//! The per-step counters: one row of plain atomics per state and label set.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::histogram::LatencyHistogram;
use super::prometheus::SlotExport;
use super::shape::StateShape;
use super::snapshot::{
    EdgeSnapshot, FlowSnapshot, InjectedFault, InjectedSnapshot, StateSnapshot, ratio,
};

/// Copies of the counters that one thread each owns, per label set: a thread that counts a
/// step takes a free one for as long as it lives, and adds to it with a plain load and store
/// (an atomic read-modify-write costs a locked instruction, tens of cycles, five times per
/// step).
const OWNED_STRIPES: usize = 4;

/// Copies of every counter per label set: the owned ones, then one that every later thread
/// shares and adds to atomically. Threads do not take each other's cache lines on every add;
/// a snapshot sums the copies.
pub(crate) const STRIPES: usize = OWNED_STRIPES + 1;

/// How the current thread adds to its copy of the counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Adder {
    /// The copy is this thread's alone: no other thread ever writes it, so a relaxed load
    /// and store lose nothing (readers see a count at most one add behind, as with an
    /// atomic add).
    Owned,
    /// The copy is shared with other threads: atomic adds.
    Shared,
}

impl Adder {
    /// Adds `amount` to `counter`.
    #[inline]
    pub(crate) fn add(self, counter: &AtomicU64, amount: u64) {
        match self {
            Self::Owned => counter.store(
                counter.load(Ordering::Relaxed).wrapping_add(amount),
                Ordering::Relaxed,
            ),
            Self::Shared => {
                counter.fetch_add(amount, Ordering::Relaxed);
            }
        }
    }
}

/// The copy of the counters the current thread adds to, and how.
#[inline]
pub(crate) fn stripe() -> (usize, Adder) {
    let index = STRIPE.with(|stripe| stripe.0);
    let adder = if index < OWNED_STRIPES {
        Adder::Owned
    } else {
        Adder::Shared
    };
    (index, adder)
}

/// Which owned stripes a thread holds now, one bit each.
static OWNED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static STRIPE: StripeHold = StripeHold::take();
}

/// A thread's hold on its stripe: an owned one while one is free, the shared one otherwise.
/// A thread that ends gives its owned stripe back, so that runtimes that come and go (each
/// with threads of its own) do not use the owned stripes up.
struct StripeHold(usize);

impl StripeHold {
    fn take() -> Self {
        let mut taken = OWNED.load(Ordering::Relaxed);
        loop {
            let free = (!taken).trailing_zeros() as usize;
            if free >= OWNED_STRIPES {
                return Self(OWNED_STRIPES);
            }
            // Acquire: the thread that gave the stripe back wrote its last adds before.
            match OWNED.compare_exchange_weak(
                taken,
                taken | (1 << free),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Self(free),
                Err(now) => taken = now,
            }
        }
    }
}

impl Drop for StripeHold {
    fn drop(&mut self) {
        if self.0 < OWNED_STRIPES {
            // Release: this thread's adds come before the next owner's.
            OWNED.fetch_and(!(1 << self.0), Ordering::Release);
        }
    }
}

/// The counters of one state under one label set, in one stripe. Every field is bumped with
/// a relaxed add; nothing here is ever locked. Aligned to a cache line, so that stripes never
/// share one.
#[derive(Debug)]
#[repr(align(64))]
pub(crate) struct StateCounters {
    pub(crate) entered: AtomicU64,
    pub(crate) succeeded: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) retried: AtomicU64,
    pub(crate) compensated: AtomicU64,
    /// Transitions that matched no edge of the shape.
    pub(crate) unmatched: AtomicU64,
    /// What chaos injected, by [`InjectedFault`] index: apart from the real counts.
    pub(crate) injected: [AtomicU64; InjectedFault::ALL.len()],
    pub(crate) latency: LatencyHistogram,
    /// One counter per edge of the state's shape, same order.
    pub(crate) edges: EdgeCounters,
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
            injected: Default::default(),
            latency: LatencyHistogram::default(),
            edges: EdgeCounters::new(shape.edges.len()),
        }
    }

    /// Counts a success of this state's action: the success, the edge `instruction` ->
    /// `next` and the latency of `latency_nanos`.
    #[inline]
    pub(crate) fn succeeded(
        &self,
        shape: &StateShape,
        instruction: &'static str,
        next: usize,
        latency_nanos: u64,
        adder: Adder,
    ) {
        adder.add(&self.succeeded, 1);
        self.transition(shape, instruction, next, adder);
        self.latency.record_nanos(latency_nanos, adder);
    }

    /// Counts a transition along the edge `label` -> `next`, or as unmatched.
    #[inline]
    pub(crate) fn transition(
        &self,
        shape: &StateShape,
        label: &'static str,
        next: usize,
        adder: Adder,
    ) {
        let counter = shape
            .edge_index(label, next)
            .and_then(|index| self.edges.get(index));
        adder.add(counter.unwrap_or(&self.unmatched), 1);
    }

    /// The sum of `stripes` (one state's copies).
    fn snapshot(
        stripes: &[&StateCounters],
        shape: &StateShape,
        states: &[StateShape],
    ) -> StateSnapshot {
        let sum = |field: fn(&StateCounters) -> &AtomicU64| -> u64 {
            stripes
                .iter()
                .map(|counters| field(counters).load(Ordering::Relaxed))
                .sum()
        };
        // Outcomes first, entries last: an entry always precedes its outcome, so the rates
        // read this way stay at or below 1 while steps run.
        let edges: Vec<(u64, &(Option<&'static str>, usize))> = (0..shape.edges.len())
            .map(|index| {
                stripes
                    .iter()
                    .filter_map(|counters| counters.edges.get(index))
                    .map(|counter| counter.load(Ordering::Relaxed))
                    .sum()
            })
            .zip(&shape.edges)
            .collect();
        let succeeded = sum(|counters| &counters.succeeded);
        let failed = sum(|counters| &counters.failed);
        let retried = sum(|counters| &counters.retried);
        let compensated = sum(|counters| &counters.compensated);
        let unmatched = sum(|counters| &counters.unmatched);
        let injected = |fault: InjectedFault| -> u64 {
            stripes
                .iter()
                .map(|counters| counters.injected[fault as usize].load(Ordering::Relaxed))
                .sum()
        };
        let injected_failed = injected(InjectedFault::Failed);
        let injected = InjectedSnapshot {
            failed: injected_failed,
            retried: injected(InjectedFault::Retried),
            instructions: injected(InjectedFault::Instruction),
            delayed: injected(InjectedFault::Latency),
            crashed: injected(InjectedFault::Crash),
            failure_rate: 0.0,
        };
        let latency =
            LatencyHistogram::snapshot_of(stripes.iter().map(|counters| &counters.latency));
        let entered = sum(|counters| &counters.entered);
        StateSnapshot {
            state: shape.name.to_owned(),
            entered,
            succeeded,
            failed,
            retried,
            compensated,
            unmatched,
            failure_rate: ratio(failed, entered),
            injected: InjectedSnapshot {
                failure_rate: ratio(injected_failed, entered),
                ..injected
            },
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

/// One counter per edge of a state, in whole cache lines of their own: the edges of two
/// stripes (two threads) never share a line, as small separate allocations would.
#[derive(Debug)]
pub(crate) struct EdgeCounters {
    lines: Box<[EdgeLine]>,
    edges: usize,
}

/// Counters per cache line.
const EDGES_PER_LINE: usize = 8;

#[derive(Debug, Default)]
#[repr(align(64))]
pub(crate) struct EdgeLine([AtomicU64; EDGES_PER_LINE]);

impl EdgeCounters {
    fn new(edges: usize) -> Self {
        Self {
            lines: (0..edges.div_ceil(EDGES_PER_LINE))
                .map(|_| EdgeLine::default())
                .collect(),
            edges,
        }
    }

    /// The counter of edge `index`.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<&AtomicU64> {
        if index >= self.edges {
            return None;
        }
        self.lines
            .get(index / EDGES_PER_LINE)
            .map(|line| &line.0[index % EDGES_PER_LINE])
    }
}

/// Everything kept for one label set of one flow version: the counters the hot path bumps and
/// the Prometheus handles they are copied into on render.
#[derive(Debug)]
pub(crate) struct SlotTable {
    pub(crate) labels: Vec<(String, String)>,
    /// [`STRIPES`] copies of the state counters, by stripe, then by state index.
    pub(crate) stripes: Box<[Box<[StateCounters]>]>,
    pub(crate) export: SlotExport,
}

impl SlotTable {
    /// The counters of `state` in the current thread's stripe, and how to add to them.
    #[inline]
    pub(crate) fn state(&self, state: usize) -> Option<(&StateCounters, Adder)> {
        let (counters, adder) = self.stripe();
        counters.get(state).map(|counters| (counters, adder))
    }

    /// The current thread's copy of every state's counters, and how to add to them.
    #[inline]
    pub(crate) fn stripe(&self) -> (&[StateCounters], Adder) {
        let (index, adder) = stripe();
        // `stripe()` gives an index below `STRIPES`, and there are that many copies.
        let counters = self
            .stripes
            .get(index)
            .map_or(&[][..], |stripe| &stripe[..]);
        (counters, adder)
    }

    pub(crate) fn new(
        states: &[StateShape],
        labels: Vec<(String, String)>,
        export: SlotExport,
    ) -> Self {
        Self {
            labels,
            stripes: (0..STRIPES)
                .map(|_| states.iter().map(StateCounters::new).collect())
                .collect(),
            export,
        }
    }

    /// This label set's statistics.
    pub(crate) fn snapshot(&self, flow: &str, version: u32, states: &[StateShape]) -> FlowSnapshot {
        FlowSnapshot {
            flow: flow.to_owned(),
            version,
            labels: self.labels.clone(),
            states: states
                .iter()
                .enumerate()
                .map(|(index, shape)| {
                    let copies: Vec<&StateCounters> = self
                        .stripes
                        .iter()
                        .filter_map(|stripe| stripe.get(index))
                        .collect();
                    StateCounters::snapshot(&copies, shape, states)
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_threads_that_end_give_their_owned_stripe_back() {
        // Threads one after another, as runtimes that come and go make them: without giving
        // stripes back, all but the first few would share one and add atomically. (Other
        // tests' threads may hold a stripe or two meanwhile, hence the margin.)
        let owned = (0..50)
            .filter(|_| {
                std::thread::spawn(|| stripe().1 == Adder::Owned)
                    .join()
                    .expect("the thread ends")
            })
            .count();
        assert!(owned >= 45, "only {owned} of 50 threads owned a stripe");
    }
}
