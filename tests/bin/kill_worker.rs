//! A worker process of the kill tests: opens the store its argument names, counts effects in
//! the ledger beside it, and runs the fulfilment saga's instances until it is killed. It
//! logs warnings (refused stale commits among them) to stderr.
//!
//! `kill_worker STORE_URL`

use flow_runtime::store::AnyStore;
use std::time::Duration;

use flow_tests::kill_flow::{Ledger, install, set_work_time, worker};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
        .with_writer(std::io::stderr)
        .init();
    let url = std::env::args().nth(1).expect("a store URL");
    let store = AnyStore::connect(&url).await.expect("open the store");
    install(Ledger::open(&url, &store).await);
    // Steps of 100 ms: a worker always has dozens in flight when it is killed.
    set_work_time(Duration::from_millis(50));
    let _engine = worker(store);
    println!("ready");
    // Work until killed.
    std::future::pending::<()>().await;
}
