//! Per-call cost of a script action against a plain closure, in the same run.
//!
//! `cargo bench -p flow-runtime --features script --bench script_action`. The script's cost
//! over the baseline is what a script action adds to a step: encoding the context's data
//! into rhai, a fresh scope with the context's facts, evaluating, and decoding the data back.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use flow_runtime::script::{ScriptLimits, ScriptRuntime};
use flow_runtime::{ActionError, Context, InstanceId};
use serde::{Deserialize, Serialize};

/// A small record, like the context of a typical flow.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Order {
    pub price: u64,
    pub total: u64,
    pub customer: String,
}

const INSTRUCTIONS: &[&str] = &["Done", "Big", "Small"];

fn script_action(c: &mut Criterion) {
    let runtime = ScriptRuntime::new(ScriptLimits::default());
    let done = runtime.compile("done", r#""Done""#).expect("compiles");
    let size = runtime
        .compile(
            "size",
            r#"data.total = data.price * 2; if data.total > 10 { "Big" } else { "Small" }"#,
        )
        .expect("compiles");
    let mut ctx = Context::new(
        InstanceId::new(),
        "Orders",
        1,
        "Sizing",
        Order {
            price: 7,
            total: 0,
            customer: "ada".to_owned(),
        },
    );
    // What a hand-written action that only names its instruction costs.
    let baseline = |ctx: &mut Context<Order>| -> Result<&'static str, ActionError> {
        black_box(&mut ctx.data);
        Ok("Done")
    };

    let mut group = c.benchmark_group("script_action");
    group.bench_function("baseline_closure", |b| {
        b.iter(|| baseline(black_box(&mut ctx)).expect("runs"));
    });
    group.bench_function("script_returns_done", |b| {
        b.iter(|| {
            runtime
                .run_action(&done, black_box(&mut ctx), INSTRUCTIONS)
                .expect("runs")
        });
    });
    group.bench_function("script_reads_and_writes_data", |b| {
        b.iter(|| {
            runtime
                .run_action(&size, black_box(&mut ctx), INSTRUCTIONS)
                .expect("runs")
        });
    });
    group.finish();
}

criterion_group!(benches, script_action);
criterion_main!(benches);
