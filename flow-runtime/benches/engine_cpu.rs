//! The engine's own CPU per step on a durable store against the memory path, same flow, same
//! run (issue 13: "durable stores pay only their round trip").
//!
//! The 10-step flow of no-op actions of the throughput benches (`common::Ten`), one instance
//! at a time, statistics off, on: the memory store, SQLite in memory (`sqlite::memory:`: the
//! engine's side of a commit is the same as on a file, without the disk), and PostgreSQL
//! (`DATABASE_URL`, in a schema of its own, dropped after). Beside them, what a durable step
//! adds by design: the context encoded as the engine stores it, and the journal entry's JSON.
//!
//! Two modes:
//!
//! - `cargo bench -p flow-runtime --features sqlite,postgres --bench engine_cpu`: criterion,
//!   time per 10-step instance on each store (PostgreSQL skipped when unreachable).
//! - `ENGINE_CPU_RUN=STORE:COUNT` (`memory`, `sqlite`, `postgres`, `context`,
//!   `entry`): runs COUNT
//!   instances (or encodings) and exits, for callgrind. The difference of two counts is the
//!   cost per instance without connecting and migrating; `benches/callgrind_split.py` splits
//!   a profile into the engine's own instructions and the driver's. The method and figures
//!   are in `benches/README.md` (issue 13, item 3).

use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group};
use flow_runtime::journal::{JournalEntry, JournalKind};
use flow_runtime::store::{MemoryStore, SqlStore, Store};
use flow_runtime::{Engine, EngineBuilder};

mod common;

use common::{Noop, STEPS, Ten};

/// One 10-step instance on `engine`, in the caller's task.
async fn one_instance<S: Store>(engine: &Engine<S>) {
    let outcome = engine.run::<Ten>(Noop::default()).await.expect("runs");
    assert_eq!(std::hint::black_box(outcome.data.counter), STEPS);
}

fn engine_on<S: Store>(store: S) -> Engine<S> {
    EngineBuilder::with_store(store)
        .register::<Ten>()
        .build()
        .expect("a valid flow")
}

async fn sqlite() -> Engine<SqlStore> {
    engine_on(
        SqlStore::connect("sqlite::memory:")
            .await
            .expect("SQLite in memory"),
    )
}

/// A PostgreSQL store in a fresh schema, and the schema's name; `None` when the server
/// cannot be reached.
async fn postgres() -> Option<(Engine<SqlStore>, SqlStore, String)> {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let admin = SqlStore::connect(&url).await.ok()?;
    let schema = format!("flow_engine_cpu_{}", std::process::id());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
    )))
    .execute(admin.postgres_pool()?)
    .await
    .ok()?;
    let separator = if url.contains('?') { '&' } else { '?' };
    let store = SqlStore::connect(&format!(
        "{url}{separator}options[search_path]={schema}&max_connections=1"
    ))
    .await
    .ok()?;
    Some((engine_on(store), admin, schema))
}

async fn drop_schema(admin: &SqlStore, schema: &str) {
    if let Some(pool) = admin.postgres_pool() {
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(pool)
            .await;
    }
}

/// The context of a `Ten` instance as the engine stores it after every step on a durable
/// store: `{"data":…,"labels":[]}`, written the way the engine writes a context without
/// labels.
fn encode_context(data: &Noop) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(64);
    bytes.extend_from_slice(br#"{"data":"#);
    serde_json::to_writer(&mut bytes, data).expect("encodes");
    bytes.extend_from_slice(br#","labels":[]}"#);
    bytes
}

/// A step's journal entry, as the engine writes it for a `Ten` step.
fn step_entry() -> JournalEntry {
    JournalEntry {
        step: 3,
        kind: JournalKind::Step,
        action: "noop".into(),
        instruction: "Done".into(),
        from: "S3".into(),
        to: "S4".into(),
        attempt: 1,
        compensable: false,
        injected: None,
        at: SystemTime::now(),
        signal: None,
    }
}

/// `ENGINE_CPU_RUN=STORE:COUNT`: COUNT instances on STORE, for a profiler.
fn profile_run(spec: &str) {
    let (store, count) = spec
        .split_once(':')
        .and_then(|(store, count)| Some((store, count.parse::<u64>().ok()?)))
        .expect("ENGINE_CPU_RUN=STORE:COUNT");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        match store {
            "memory" => {
                let engine = engine_on(MemoryStore::new());
                for _ in 0..count {
                    one_instance(&engine).await;
                }
            }
            "sqlite" => {
                let engine = sqlite().await;
                for _ in 0..count {
                    one_instance(&engine).await;
                }
            }
            "postgres" => {
                let (engine, admin, schema) = postgres().await.expect("PostgreSQL at DATABASE_URL");
                for _ in 0..count {
                    one_instance(&engine).await;
                }
                engine.shutdown().await;
                drop_schema(&admin, &schema).await;
            }
            // What a durable step encodes by design: the context.
            "context" => {
                let mut data = Noop::default();
                for _ in 0..count {
                    data.counter += 1;
                    std::hint::black_box(encode_context(std::hint::black_box(&data)));
                }
            }
            // The journal entry through serde (the stores write the same bytes without it).
            "entry" => {
                let entry = step_entry();
                for _ in 0..count {
                    std::hint::black_box(serde_json::to_string(std::hint::black_box(&entry)))
                        .expect("encodes");
                }
            }
            other => panic!("ENGINE_CPU_RUN: unknown store `{other}`"),
        }
    });
}

fn engine_cpu(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut group = c.benchmark_group("engine_cpu");
    group.measurement_time(Duration::from_secs(5));

    let data = Noop { counter: 7 };
    group.bench_function("encode_context", |b| {
        b.iter(|| encode_context(std::hint::black_box(&data)));
    });
    let entry = step_entry();
    group.bench_function("encode_journal_entry_with_serde", |b| {
        b.iter(|| serde_json::to_string(std::hint::black_box(&entry)).expect("encodes"));
    });

    let memory = engine_on(MemoryStore::new());
    group.bench_function("ten_steps_memory", |b| {
        b.to_async(&runtime).iter(|| one_instance(&memory));
    });
    let sqlite = runtime.block_on(sqlite());
    group.bench_function("ten_steps_sqlite_memory", |b| {
        b.to_async(&runtime).iter(|| one_instance(&sqlite));
    });
    match runtime.block_on(postgres()) {
        Some((engine, admin, schema)) => {
            group.bench_function("ten_steps_postgres", |b| {
                b.to_async(&runtime).iter(|| one_instance(&engine));
            });
            runtime.block_on(async {
                engine.shutdown().await;
                drop_schema(&admin, &schema).await;
            });
        }
        None => eprintln!("engine_cpu: PostgreSQL unreachable (DATABASE_URL): skipped"),
    }
    group.finish();
}

criterion_group!(benches, engine_cpu);

fn main() {
    if let Ok(spec) = std::env::var("ENGINE_CPU_RUN") {
        profile_run(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
