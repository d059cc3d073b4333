//! Memory per waiting instance and throughput with 10,000 concurrent instances on 2 threads.
//! Prints its figures; run with `cargo bench -p flow-runtime --bench capacity`.

use std::time::{Duration, Instant};

use flow_runtime::prelude::*;
use flow_runtime::{InstanceId, Stats};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Noop {
    pub counter: u64,
}

#[derive(Instruction)]
pub enum Decision {
    Go,
}

#[action(readonly)]
async fn noop(ctx: &mut Context<Noop>) -> Result<(), ActionError> {
    ctx.data.counter += 1;
    tokio::task::yield_now().await;
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

flow! {
    pub flow Waits: Noop {
        start Start;
        Start => noop => Hold;
        wait Hold on Decision, timeout 1h => Done { Go => Done }
        success Done;
    }
}

const INSTANCES: usize = 10_000;

/// Resident memory of this process, from /proc (Linux).
fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let engine = Engine::builder()
            .statistics(Stats::default())
            .register::<Ten>()
            .register::<Waits>()
            .build()
            .expect("valid flows");

        // Memory first, in a fresh process: freed memory of other work would hide growth.
        let context_bytes = serde_json::to_vec(&Noop::default()).expect("json").len();
        let before = resident_bytes();
        let mut waiting: Vec<InstanceId> = Vec::with_capacity(INSTANCES);
        for _ in 0..INSTANCES {
            let outcome = engine.run::<Waits>(Noop::default()).await.expect("runs");
            waiting.push(outcome.instance);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let after = resident_bytes();
        let per_instance = after.saturating_sub(before) / INSTANCES;
        println!(
            "memory: {INSTANCES} waiting instances took {} KiB more resident memory: {per_instance} bytes each (context data: {context_bytes} bytes as JSON)",
            after.saturating_sub(before) / 1024
        );
        std::hint::black_box(waiting);

        // Warm up allocator pools and the worker.
        for _ in 0..1_000 {
            engine.run::<Ten>(Noop::default()).await.expect("runs");
        }

        let started = Instant::now();
        let tasks: Vec<_> = (0..INSTANCES)
            .map(|_| {
                let engine = engine.clone();
                tokio::spawn(async move { engine.run::<Ten>(Noop::default()).await })
            })
            .collect();
        for task in tasks {
            let outcome = task.await.expect("task").expect("run");
            assert_eq!(outcome.status, Status::Completed);
        }
        let elapsed = started.elapsed();
        println!(
            "throughput: {INSTANCES} concurrent instances of 10 steps on 2 threads in {elapsed:?}: {:.0} instances/s, {:.0} steps/s",
            INSTANCES as f64 / elapsed.as_secs_f64(),
            (INSTANCES * 10) as f64 / elapsed.as_secs_f64()
        );

    });
}
