//! Engine-wide defaults.

use std::time::Duration;

use flow_core::RetryPolicy;

/// Defaults that apply to every flow unless an action says otherwise.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// How long a lease lasts without a commit renewing it.
    pub lease_ttl: Duration,
    /// How often the worker looks for due work when nothing woke it earlier.
    pub poll_interval: Duration,
    /// How often the worker looks for orphans: instances whose driver stopped mid-flow and
    /// whose lease lapsed.
    pub orphan_scan_interval: Duration,
    /// How many due instances the worker claims at once.
    pub claim_batch: usize,
    /// The journal's cap per instance (compaction keeps what compensation needs).
    pub journal_cap: usize,
    /// Retry policy of compensations that declare none.
    pub compensation_retry: RetryPolicy,
    /// Backoff between queries of an unknown outcome (attempts = how many queries before
    /// the instance is handed to a person).
    pub unknown_outcome_queries: RetryPolicy,
    /// The largest signal payload accepted, in bytes of compact JSON: a payload is stored
    /// with the instance's context and rewritten with it at every commit, so it is bounded.
    pub signal_payload_limit: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            lease_ttl: Duration::from_secs(30),
            poll_interval: Duration::from_millis(50),
            orphan_scan_interval: Duration::from_secs(5),
            claim_batch: 256,
            journal_cap: 256,
            compensation_retry: RetryPolicy::exponential(
                5,
                Duration::from_millis(50),
                Duration::from_secs(5),
            ),
            unknown_outcome_queries: RetryPolicy::exponential(
                50,
                Duration::from_millis(100),
                Duration::from_secs(60),
            ),
            signal_payload_limit: 64 * 1024,
        }
    }
}
