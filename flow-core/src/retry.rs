//! Retry policies declared on actions (`retry(attempts = 3, backoff = exponential(50ms, 2s))`).
//!
//! Policies are plain `const`-constructible data so that `#[action]` can expose them as
//! associated consts; the engine turns them into delays with [`RetryPolicy::delay`].

use std::time::Duration;

/// How long to wait between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backoff {
    /// The same delay before every retry.
    Fixed(Duration),
    /// Doubling delays starting at `initial`, never above `max`.
    Exponential {
        /// Delay before the first retry.
        initial: Duration,
        /// Upper bound of any delay.
        max: Duration,
    },
}

/// How often and how patiently an action is retried after a retryable error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetryPolicy {
    /// Total attempts, the first included; always at least 1.
    pub attempts: u32,
    /// Delay between attempts.
    pub backoff: Backoff,
    /// Whether delays are spread randomly (full jitter) so that retries of many instances
    /// do not hit a recovering dependency at the same instant.
    pub jitter: bool,
}

impl RetryPolicy {
    /// A policy of `attempts` tries with a fixed `delay` and jitter on.
    pub const fn fixed(attempts: u32, delay: Duration) -> Self {
        Self {
            attempts,
            backoff: Backoff::Fixed(delay),
            jitter: true,
        }
    }

    /// A policy of `attempts` tries with exponential backoff from `initial` up to `max`, jitter on.
    pub const fn exponential(attempts: u32, initial: Duration, max: Duration) -> Self {
        Self {
            attempts,
            backoff: Backoff::Exponential { initial, max },
            jitter: true,
        }
    }

    /// Whether a further attempt is allowed after `attempt` (1-based) failed.
    pub const fn allows_retry_after(&self, attempt: u32) -> bool {
        attempt < self.attempts
    }

    /// The delay before the attempt that follows `attempt` (1-based).
    ///
    /// A pure function of the attempt number and `seed` (the engine passes a value derived
    /// from the instance id), so the persisted attempt count alone reproduces the schedule
    /// after a restart.
    pub fn delay(&self, attempt: u32, seed: u64) -> Duration {
        let base = match self.backoff {
            Backoff::Fixed(delay) => delay,
            Backoff::Exponential { initial, max } => {
                let doublings = attempt.saturating_sub(1).min(31);
                initial.saturating_mul(1u32 << doublings).min(max)
            }
        };
        if !self.jitter || base.is_zero() {
            return base;
        }
        // Full jitter in [base/2, base]: keeps a floor so a retry never fires at once.
        let mixed = splitmix64(seed ^ u64::from(attempt).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let half = base / 2;
        let spread = half.as_nanos() as u64;
        let offset = if spread == 0 { 0 } else { mixed % (spread + 1) };
        half + Duration::from_nanos(offset)
    }
}

/// A fast, well-mixing hash of one `u64` (SplitMix64 finaliser).
fn splitmix64(mut value: u64) -> u64 {
    value = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    value ^ (value >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_delays_double_and_stop_at_max() {
        let mut policy =
            RetryPolicy::exponential(10, Duration::from_millis(50), Duration::from_secs(2));
        policy.jitter = false;
        let delays: Vec<_> = (1..=7).map(|a| policy.delay(a, 0).as_millis()).collect();
        assert_eq!(delays, [50, 100, 200, 400, 800, 1600, 2000]);
    }

    #[test]
    fn jitter_stays_within_half_and_full_delay_and_is_reproducible() {
        let policy = RetryPolicy::fixed(5, Duration::from_millis(100));
        for seed in 0..200 {
            let delay = policy.delay(2, seed);
            assert!(delay >= Duration::from_millis(50) && delay <= Duration::from_millis(100));
            assert_eq!(delay, policy.delay(2, seed));
        }
    }

    #[test]
    fn attempts_count_the_first_try() {
        let policy = RetryPolicy::fixed(3, Duration::ZERO);
        assert!(policy.allows_retry_after(1));
        assert!(policy.allows_retry_after(2));
        assert!(!policy.allows_retry_after(3));
    }
}
