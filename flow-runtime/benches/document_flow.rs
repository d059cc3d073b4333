//! Per-step cost of a flow loaded from a document against the same flow compiled, in the
//! same run: a 10-step flow of no-op Rust actions on the memory store, declared with `flow!`
//! and as a TOML document, and the same document with a one-line script action in every
//! step. `cargo bench -p flow-runtime --features script --bench document_flow`.

use criterion::{Criterion, criterion_group, criterion_main};
use flow_runtime::prelude::*;
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

/// A 10-step document flow `name` whose every step runs `action`.
fn ten_steps(name: &str, action: &str) -> String {
    let mut text = format!(
        "[[flow]]\nname = \"{name}\"\nversion = 1\ndata = \"Noop\"\nstart = \"S0\"\nsuccess = [\"Done\"]\n"
    );
    for step in 0..10 {
        let next = if step == 9 {
            "Done".to_owned()
        } else {
            format!("S{}", step + 1)
        };
        text.push_str(&format!(
            "\n[[flow.state]]\nname = \"S{step}\"\naction = \"{action}\"\nnext = \"{next}\"\n"
        ));
    }
    text
}

/// A script action that increments the counter, like `noop`.
const SCRIPT_ACTION: &str = "
[[action]]
name = \"noop_script\"
effect = \"readonly\"
script = '''data.counter += 1; \"Done\"'''
";

fn document_flow(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let engine = Engine::builder()
        .register::<Ten>()
        .action::<Noop, noop>()
        .build()
        .expect("a valid flow");
    let (rust, script) = runtime.block_on(async {
        let documents = format!(
            "{}\n{}\n{SCRIPT_ACTION}",
            ten_steps("TenRust", "noop"),
            ten_steps("TenScript", "noop_script")
        );
        engine
            .load_document(&documents, DocumentOrigin::named("bench.toml"))
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        (
            engine
                .document_flow::<Noop>("TenRust", None)
                .expect("loaded"),
            engine
                .document_flow::<Noop>("TenScript", None)
                .expect("loaded"),
        )
    });

    let mut group = c.benchmark_group("ten_steps");
    group.bench_function("compiled", |b| {
        b.to_async(&runtime).iter(|| async {
            let outcome = engine.run::<Ten>(Noop::default()).await.expect("runs");
            std::hint::black_box(outcome.data.counter)
        });
    });
    group.bench_function("document_rust_actions", |b| {
        b.to_async(&runtime).iter(|| async {
            let outcome = engine
                .run_document(&rust, Noop::default())
                .await
                .expect("runs");
            std::hint::black_box(outcome.data.counter)
        });
    });
    group.bench_function("document_script_actions", |b| {
        b.to_async(&runtime).iter(|| async {
            let outcome = engine
                .run_document(&script, Noop::default())
                .await
                .expect("runs");
            assert_eq!(outcome.data.counter, 10);
            std::hint::black_box(outcome.data.counter)
        });
    });
    group.finish();
}

criterion_group!(benches, document_flow);
criterion_main!(benches);
