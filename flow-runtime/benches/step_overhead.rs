//! Per-step cost of the engine against a hand-written baseline, in the same run.
//!
//! A 10-step flow of no-op actions on the memory store with statistics on, against a loop
//! that awaits the same async fns with the same context. `cargo bench -p flow-runtime
//! --bench step_overhead`; the per-step overhead is (engine - baseline) / 10, instance
//! creation and final commit included. A 1-step flow separates the two: the marginal cost of
//! a step is (ten - one) / 9.
//!
//! Chaos is compiled in and off in every engine here (its one flag per step); the
//! `chaos_armed_for_another_flow` case shows what a step pays when chaos is on for some
//! other flow (the flag set, the plan looked up, nothing found). A build without chaos is
//! the commit before it: compare its `engine_memory_store_with_statistics` figure.

use criterion::{Criterion, criterion_group, criterion_main};
use flow_runtime::chaos::{ChaosConfig, ChaosRule, FaultKind};
use flow_runtime::prelude::*;
use flow_runtime::store::{AnyStore, MemoryStore};
use flow_runtime::{EngineBuilder, InstanceId, Stats};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Noop {
    pub counter: u64,
}

#[action(readonly)]
async fn noop(ctx: &mut Context<Noop>) -> Result<(), ActionError> {
    ctx.data.counter = std::hint::black_box(ctx.data.counter + 1);
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
    pub flow One: Noop {
        start S0;
        S0 => noop => Done;
        success Done;
    }
}

fn step_overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let engine = Engine::builder()
        .statistics(Stats::default())
        .register::<Ten>()
        .register::<One>()
        .build()
        .expect("a valid flow");
    // The store type a process gets from a URL (`FLOW_STORE=memory:`): what the enum's
    // branch per store call costs against the memory store's own type.
    let any = EngineBuilder::with_store(AnyStore::from(MemoryStore::new()))
        .statistics(Stats::default())
        .register::<Ten>()
        .build()
        .expect("a valid flow");
    let bare = Engine::builder()
        .register::<Ten>()
        .build()
        .expect("a valid flow");
    let chaos_elsewhere = Engine::builder()
        .statistics(Stats::default())
        .register::<Ten>()
        .register::<One>()
        .chaos(
            ChaosConfig::seeded(1).rule(ChaosRule::at("One", "S0").fail(0.0, FaultKind::Retryable)),
        )
        .build()
        .expect("a valid flow");

    let mut group = c.benchmark_group("ten_steps");
    group.bench_function("baseline_awaits_the_fns", |b| {
        b.to_async(&runtime).iter(|| async {
            let mut ctx = Context::new(InstanceId::new(), "Ten", 1, "S0", Noop::default());
            for _ in 0..10 {
                noop(&mut ctx).await.expect("no-op");
            }
            std::hint::black_box(ctx.data.counter)
        });
    });
    group.bench_function("engine_memory_store_with_statistics", |b| {
        b.to_async(&runtime).iter(|| async {
            let outcome = engine.run::<Ten>(Noop::default()).await.expect("runs");
            std::hint::black_box(outcome.data.counter)
        });
    });
    group.bench_function("engine_any_store_memory_with_statistics", |b| {
        b.to_async(&runtime).iter(|| async {
            let outcome = any.run::<Ten>(Noop::default()).await.expect("runs");
            std::hint::black_box(outcome.data.counter)
        });
    });
    group.bench_function("engine_chaos_armed_for_another_flow", |b| {
        b.to_async(&runtime).iter(|| async {
            let outcome = chaos_elsewhere
                .run::<Ten>(Noop::default())
                .await
                .expect("runs");
            std::hint::black_box(outcome.data.counter)
        });
    });
    group.bench_function("engine_memory_store_without_statistics", |b| {
        b.to_async(&runtime).iter(|| async {
            let outcome = bare.run::<Ten>(Noop::default()).await.expect("runs");
            std::hint::black_box(outcome.data.counter)
        });
    });
    group.finish();

    // One step: what an instance costs apart from its steps, so that
    // (ten_steps - one_step) / 9 is the marginal cost of a step.
    let mut group = c.benchmark_group("one_step");
    group.bench_function("baseline_awaits_the_fn", |b| {
        b.to_async(&runtime).iter(|| async {
            let mut ctx = Context::new(InstanceId::new(), "One", 1, "S0", Noop::default());
            noop(&mut ctx).await.expect("no-op");
            std::hint::black_box(ctx.data.counter)
        });
    });
    group.bench_function("engine_memory_store_with_statistics", |b| {
        b.to_async(&runtime).iter(|| async {
            let outcome = engine.run::<One>(Noop::default()).await.expect("runs");
            std::hint::black_box(outcome.data.counter)
        });
    });
    group.finish();
}

criterion_group!(benches, step_overhead);
criterion_main!(benches);
