//! The due-queue worker: picks up instances whose timer passed (retries, deadlines, queries,
//! resumed and started instances) and drives each until it rests. One task per activation,
//! none per step.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::inner::Inner;
use super::resume::{self, Resolution};
use crate::store::Store;

/// Runs until the engine shuts down or is dropped.
pub(crate) async fn run_worker<S: Store>(engine: Weak<Inner<S>>) {
    let mut last_orphan_scan = Instant::now();
    loop {
        let Some(inner) = engine.upgrade() else {
            return;
        };
        if inner.shutdown.is_cancelled() {
            return;
        }
        claim_and_spawn(&inner).await;
        if last_orphan_scan.elapsed() >= inner.config.orphan_scan_interval {
            last_orphan_scan = Instant::now();
            adopt_orphans(&inner).await;
        }
        let sleep = until_next_due(&inner).await;
        let shutdown = inner.shutdown.clone();
        let due_soon = Arc::clone(&inner.due_soon);
        let clock = inner.clock.clone();
        // Hold no strong reference while sleeping, so dropping the engine ends the worker.
        drop(inner);
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(sleep) => {}
            () = due_soon.notified() => {}
            () = clock.advanced() => {}
        }
    }
}

async fn claim_and_spawn<S: Store>(inner: &Arc<Inner<S>>) {
    loop {
        let claimed = match inner
            .store
            .claim_due(
                inner.clock.now(),
                inner.worker_id,
                inner.config.lease_ttl,
                inner.config.claim_batch,
            )
            .await
        {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::warn!(%error, "claiming due instances failed; trying again later");
                return;
            }
        };
        let full_batch = claimed.len() >= inner.config.claim_batch;
        for (record, lease) in claimed {
            take_up(inner, record, lease, false).await;
        }
        if !full_batch {
            return;
        }
    }
}

/// Hands orphans to their flows: they go on where durable, or go to a person otherwise.
async fn adopt_orphans<S: Store>(inner: &Arc<Inner<S>>) {
    let orphans = match inner
        .store
        .claim_orphans(
            inner.clock.now(),
            inner.worker_id,
            inner.config.lease_ttl,
            inner.config.claim_batch,
        )
        .await
    {
        Ok(orphans) => orphans,
        Err(error) => {
            tracing::warn!(%error, "looking for orphaned instances failed; trying again later");
            return;
        }
    };
    for (record, lease) in orphans {
        take_up(inner, record, lease, true).await;
    }
}

/// Hands a claimed instance (an `orphan` or a due one) to its flow in a task of its own;
/// one this engine does not know goes back, one whose definition is gone is set aside.
async fn take_up<S: Store>(
    inner: &Arc<Inner<S>>,
    record: crate::store::InstanceRecord,
    lease: crate::store::Lease,
    orphan: bool,
) {
    let flow = match resume::resolve(inner, &record).await {
        Resolution::Runs(flow) => flow,
        Resolution::Unknown => return resume::hand_back(inner, record, lease, orphan).await,
        Resolution::Missing(reason) => {
            return resume::quarantine_missing(inner, record, lease, reason).await;
        }
    };
    let activation = if orphan {
        flow.adopt(Arc::clone(inner), record, lease)
    } else {
        flow.resume(Arc::clone(inner), record, lease)
    };
    inner.tasks.spawn(activation);
}

async fn until_next_due<S: Store>(inner: &Inner<S>) -> Duration {
    let poll = inner.config.poll_interval;
    match inner.store.next_due().await {
        Ok(Some(at)) => at
            .duration_since(inner.clock.now())
            .unwrap_or(Duration::ZERO)
            .clamp(Duration::from_millis(1), poll),
        _ => poll,
    }
}
