//! What the throughput benches share: the 10-step flow of no-op actions they run, how long
//! each run lasts, and the engine-side measurement of steps per second.
// Each bench is a crate of its own and uses part of this.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use flow_runtime::prelude::*;
use flow_runtime::store::Store;
use flow_runtime::{EngineBuilder, EngineConfig};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Noop {
    pub counter: u64,
}

#[action(readonly)]
async fn noop(ctx: &mut Context<Noop>) -> Result<(), ActionError> {
    ctx.data.counter += 1;
    Ok(())
}

flow! {
    pub flow Ten: Noop {
        start S0;
        S0 => noop => S1;
        S1 => noop => S2;
        S2 => noop => S3;
        S3 => noop => S4;
        S4 => noop => S5;
        S5 => noop => S6;
        S6 => noop => S7;
        S7 => noop => S8;
        S8 => noop => S9;
        S9 => noop => Done;
        success Done;
    }
}

/// The steps of one `Ten` instance.
pub const STEPS: u64 = 10;

/// The length of each run: `BENCH_SECONDS`, 5 by default.
pub fn seconds() -> Duration {
    let seconds = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(5);
    Duration::from_secs(seconds)
}

/// Runs `Ten` instances on `store`, `in_flight` at once, for `length`: steps per second.
pub async fn steps_per_second<S: Store>(store: S, in_flight: usize, length: Duration) -> f64 {
    let engine = EngineBuilder::with_store(store)
        .config(EngineConfig::default())
        .register::<Ten>()
        .build()
        .expect("a valid flow");
    let finished = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut drivers = Vec::new();
    for _ in 0..in_flight {
        let engine = engine.clone();
        let finished = Arc::clone(&finished);
        drivers.push(tokio::spawn(async move {
            while start.elapsed() < length {
                let outcome = engine.run::<Ten>(Noop::default()).await.expect("runs");
                assert_eq!(outcome.data.counter, STEPS);
                finished.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for driver in drivers {
        driver.await.expect("a driver");
    }
    let elapsed = start.elapsed().as_secs_f64();
    engine.shutdown().await;
    (finished.load(Ordering::Relaxed) * STEPS) as f64 / elapsed
}
