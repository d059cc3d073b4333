//! The process the crash tests kill: it opens the store named by its first argument,
//! starts the shipments described by the others (`hang`, `retry`, `plain`), prints one line
//! `started ID KIND` for each, and drives them until it is killed.
//!
//! `crash_child sqlite://FILE EFFECTS_FILE KIND...`

use flow_runtime::store::AnyStore;
use flow_tests::crash_flow::{Shipment, Shipping, engine};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("a store URL");
    let effects_file = args.next().expect("an effects file");
    let store = AnyStore::connect(&url).await.expect("open the store");
    let engine = engine(store);
    for kind in args {
        let shipment = Shipment {
            hang: kind == "hang",
            fails_once: kind == "retry",
            effects_file: effects_file.clone(),
        };
        let id = engine
            .start::<Shipping>(shipment)
            .await
            .expect("start a shipment");
        println!("started {id} {kind}");
    }
    println!("ready");
    // Drive until killed.
    std::future::pending::<()>().await;
}
