//! One engine process among many on a shared store: it runs the orders other processes
//! start, until SIGTERM or ctrl-c, then finishes its in-flight steps and hands the rest
//! back. Start any number of workers on one store; they share the orders through leases,
//! and take over the orders of a worker that died once its leases lapse.
//!
//! `FLOW_STORE=redis://127.0.0.1:6379 cargo run --example worker`          (a worker)
//! `FLOW_STORE=redis://127.0.0.1:6379 cargo run --example worker -- start 100` (100 orders)
//! `FLOW_STORE=redis://127.0.0.1:6379 cargo run --example worker -- status`    (counts)

#[path = "../common/store.rs"]
mod store;

mod flows;
mod log;

use std::time::Duration;

use flow_runtime::store::{AnyStore, InstanceQuery};
use flow_runtime::{Engine, EngineBuilder, EngineConfig, Status};

use flows::{Fulfilment, Order};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn,flow_runtime=info".to_owned()),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None | Some("work") => work().await,
        Some("start") => match args.get(1).map(|count| count.parse::<u32>()) {
            Some(Ok(count)) => start(count).await,
            _ => Err("usage: worker start COUNT".into()),
        },
        Some("status") => status().await,
        Some(other) => Err(format!(
            "unknown command `{other}`: expected `work` (the default), `start COUNT` or `status`"
        )
        .into()),
    };
    if let Err(error) = result {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

/// Short leases, so that the orders of a worker that was killed go on within seconds.
fn config() -> EngineConfig {
    EngineConfig {
        lease_ttl: Duration::from_secs(5),
        orphan_scan_interval: Duration::from_secs(1),
        ..EngineConfig::default()
    }
}

/// Runs the orders of the store until SIGTERM or ctrl-c.
async fn work() -> Result<(), Box<dyn std::error::Error>> {
    let engine = EngineBuilder::with_store(store::from_env().await?)
        .config(config())
        .plugin(log::EndLog)
        .register::<Fulfilment>()
        .build()?;
    println!(
        "worker {}: running orders; SIGTERM or ctrl-c to stop",
        std::process::id()
    );
    stop_requested().await?;
    println!(
        "worker {}: stopping: finishing the steps in flight, handing the rest back",
        std::process::id()
    );
    engine.shutdown().await;
    println!("worker {}: stopped", std::process::id());
    Ok(())
}

/// Starts `count` orders for the workers and returns: this process runs none of them.
async fn start(count: u32) -> Result<(), Box<dyn std::error::Error>> {
    let engine = client(store::from_env().await?)?;
    for number in 1..=count {
        let id = engine.start::<Fulfilment>(Order { number }).await?;
        println!("started order {number}: instance {id}");
    }
    println!("{count} orders started; the workers run them");
    Ok(())
}

/// How many orders are in each status.
async fn status() -> Result<(), Box<dyn std::error::Error>> {
    let engine = client(store::from_env().await?)?;
    for status in [
        Status::Running,
        Status::Compensating,
        Status::Completed,
        Status::Failed,
        Status::Manual,
    ] {
        let count = engine
            .list(&InstanceQuery::new(1_000_000).status(status))
            .await?
            .len();
        println!("{status:?}: {count}");
    }
    Ok(())
}

/// An engine that starts and reads orders but works on none.
fn client(store: AnyStore) -> Result<Engine<AnyStore>, flow_runtime::EngineError> {
    EngineBuilder::with_store(store)
        .config(config())
        .without_worker()
        .register::<Fulfilment>()
        .build()
}

/// Waits for ctrl-c, or SIGTERM (what `kill` and service managers send).
async fn stop_requested() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
