//! Fixed-bucket latency histogram: one relaxed atomic add per sample into a power-of-two bucket.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::counters::Adder;
use super::snapshot::{LatencyBucket, LatencySnapshot};

/// Buckets per histogram: upper bounds 1 µs, 2 µs, 4 µs … 2^26 µs (about 67 s), then overflow.
pub const LATENCY_BUCKET_COUNT: usize = 28;

/// Buckets with a finite upper bound.
const BOUNDED_BUCKETS: usize = LATENCY_BUCKET_COUNT - 1;

/// The inclusive upper bound of bucket `index` in microseconds; `None` for the overflow bucket
/// (and past it).
pub fn latency_bucket_bound_micros(index: usize) -> Option<u64> {
    (index < BOUNDED_BUCKETS).then(|| 1_u64 << index)
}

/// `latency` in nanoseconds, the most a `u64` holds for anything longer (some 584 years).
#[inline]
pub(crate) fn saturating_nanos(latency: Duration) -> u64 {
    u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX)
}

/// [`bucket_index_nanos`] of a `Duration`.
#[cfg(test)]
fn bucket_index(latency: Duration) -> usize {
    bucket_index_nanos(saturating_nanos(latency))
}

/// The bucket a latency of `nanos` nanoseconds falls in: the first whose bound is at least the
/// latency, rounded up to whole microseconds. Integer-only, one division by a constant: it
/// runs per step.
#[inline]
pub(crate) fn bucket_index_nanos(nanos: u64) -> usize {
    let micros = nanos.div_ceil(1_000);
    if micros <= 1 {
        return 0;
    }
    // ceil(log2(micros)): bucket i holds (2^(i-1), 2^i] µs.
    let index = (u64::BITS - (micros - 1).leading_zeros()) as usize;
    index.min(BOUNDED_BUCKETS)
}

/// A latency histogram of plain atomics. The sample count is the sum of the buckets, so a
/// sample costs two relaxed adds: its bucket and the nanosecond sum.
#[derive(Debug, Default)]
pub(crate) struct LatencyHistogram {
    buckets: [AtomicU64; LATENCY_BUCKET_COUNT],
    sum_nanos: AtomicU64,
}

impl LatencyHistogram {
    /// Records one sample.
    #[inline]
    pub(crate) fn record(&self, latency: Duration, adder: Adder) {
        self.record_nanos(saturating_nanos(latency), adder);
    }

    /// Records one sample of `nanos` nanoseconds.
    #[inline]
    pub(crate) fn record_nanos(&self, nanos: u64, adder: Adder) {
        adder.add(&self.buckets[bucket_index_nanos(nanos)], 1);
        adder.add(&self.sum_nanos, nanos);
    }

    /// The sum of the current counts of `histograms` (the stripes of one state).
    pub(crate) fn snapshot_of<'a>(histograms: impl Iterator<Item = &'a Self>) -> LatencySnapshot {
        let mut counts = [0_u64; LATENCY_BUCKET_COUNT];
        let mut sum_nanos = 0_u64;
        for histogram in histograms {
            for (count, bucket) in counts.iter_mut().zip(&histogram.buckets) {
                *count += bucket.load(Ordering::Relaxed);
            }
            sum_nanos = sum_nanos.saturating_add(histogram.sum_nanos.load(Ordering::Relaxed));
        }
        LatencySnapshot::from_bucket_counts(&counts, sum_nanos as f64 / 1e9)
    }

    /// The current counts. Buckets are read one by one while samples may arrive, so a
    /// snapshot taken under load can be off by the samples of that instant.
    #[cfg(test)]
    pub(crate) fn snapshot(&self) -> LatencySnapshot {
        Self::snapshot_of(std::iter::once(self))
    }
}

impl LatencySnapshot {
    /// A snapshot from per-bucket (not cumulative) counts in [`latency_bucket_bound_micros`]
    /// order and the sum of all samples; percentiles are estimated from the buckets.
    pub(crate) fn from_bucket_counts(counts: &[u64], sum_seconds: f64) -> Self {
        Self {
            count: counts.iter().sum(),
            sum_seconds,
            p50_seconds: estimate_quantile_seconds(counts, 0.5),
            p99_seconds: estimate_quantile_seconds(counts, 0.99),
            buckets: counts
                .iter()
                .enumerate()
                .map(|(index, &count)| LatencyBucket {
                    le_seconds: latency_bucket_bound_micros(index).map(micros_to_seconds),
                    count,
                })
                .collect(),
        }
    }
}

/// Estimates the `quantile` (0..=1) in seconds the way Prometheus' `histogram_quantile` does:
/// find the bucket holding the rank and interpolate linearly inside it. A rank in the overflow
/// bucket is reported as the last finite bound, the most the buckets can tell. No samples: 0.
pub(crate) fn estimate_quantile_seconds(counts: &[u64], quantile: f64) -> f64 {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return 0.0;
    }
    let rank = quantile.clamp(0.0, 1.0) * total as f64;
    let mut below = 0_u64;
    for (index, &count) in counts.iter().enumerate() {
        let through = below + count;
        if count > 0 && through as f64 >= rank {
            let lower = index
                .checked_sub(1)
                .and_then(latency_bucket_bound_micros)
                .unwrap_or(0);
            let Some(upper) = latency_bucket_bound_micros(index) else {
                return micros_to_seconds(lower);
            };
            let fraction = (rank - below as f64) / count as f64;
            return (lower as f64 + (upper - lower) as f64 * fraction) / 1e6;
        }
        below = through;
    }
    // Only reached through float rounding of `rank`; the largest bound is the honest answer.
    latency_bucket_bound_micros(BOUNDED_BUCKETS - 1).map_or(0.0, micros_to_seconds)
}

fn micros_to_seconds(micros: u64) -> f64 {
    micros as f64 / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_bucket_index_puts_latency_in_first_bound_at_or_above() {
        assert_eq!(bucket_index(Duration::ZERO), 0);
        assert_eq!(bucket_index(Duration::from_nanos(999)), 0);
        assert_eq!(bucket_index(Duration::from_micros(1)), 0);
        assert_eq!(bucket_index(Duration::from_nanos(1_500)), 1);
        assert_eq!(bucket_index(Duration::from_micros(4)), 2);
        assert_eq!(bucket_index(Duration::from_micros(5)), 3);
        assert_eq!(bucket_index(Duration::from_micros(100)), 7); // (64, 128]
        assert_eq!(bucket_index(Duration::from_micros(1 << 26)), 26);
        assert_eq!(bucket_index(Duration::from_secs(68)), 27);
        assert_eq!(bucket_index(Duration::MAX), 27);
        assert_eq!(latency_bucket_bound_micros(26), Some(67_108_864));
        assert_eq!(latency_bucket_bound_micros(27), None);
    }

    #[test]
    fn stats_histogram_counts_sums_and_estimates_percentiles() {
        let histogram = LatencyHistogram::default();
        for _ in 0..90 {
            histogram.record(Duration::from_micros(10), Adder::Owned);
        }
        for _ in 0..10 {
            histogram.record(Duration::from_millis(10), Adder::Shared);
        }
        let snapshot = histogram.snapshot();
        assert_eq!(snapshot.count, 100);
        assert!((snapshot.sum_seconds - (90.0 * 10e-6 + 10.0 * 10e-3)).abs() < 1e-9);
        assert_eq!(snapshot.buckets.len(), LATENCY_BUCKET_COUNT);
        assert_eq!(
            snapshot.buckets[4],
            LatencyBucket {
                le_seconds: Some(16e-6),
                count: 90
            }
        );
        assert_eq!(snapshot.buckets[14].count, 10); // (8.192 ms, 16.384 ms]
        assert_eq!(snapshot.buckets[27].le_seconds, None);
        // p50 lies in the 10 µs bucket (8, 16] µs, p99 in the 10 ms bucket.
        assert!(
            (8e-6..=16e-6).contains(&snapshot.p50_seconds),
            "{}",
            snapshot.p50_seconds
        );
        assert!(
            (8.192e-3..=16.384e-3).contains(&snapshot.p99_seconds),
            "{}",
            snapshot.p99_seconds
        );
    }

    #[test]
    fn stats_quantile_of_empty_and_overflow_histograms() {
        assert_eq!(
            estimate_quantile_seconds(&[0; LATENCY_BUCKET_COUNT], 0.5),
            0.0
        );
        let mut counts = [0; LATENCY_BUCKET_COUNT];
        counts[LATENCY_BUCKET_COUNT - 1] = 3;
        assert_eq!(estimate_quantile_seconds(&counts, 0.99), 67.108864);
    }
}
