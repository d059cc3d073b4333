//! The process the HTTP API tests talk to: the test flows on the store named by its argument,
//! served by `flow_runtime::http::router` on a free port of 127.0.0.1, with the tokens of
//! `FLOW_HTTP_TOKENS`. Prints `listening on http://ADDR` once it accepts connections.
//!
//! `FLOW_HTTP_TOKENS=... http_server sqlite://FILE [BODY_LIMIT]`

use flow_runtime::http::{self, EventStream, HttpConfig};
use flow_runtime::store::AnyStore;
use flow_tests::http_flow::engine;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("a store URL");
    let store = AnyStore::connect(&url).await.expect("open the store");
    let events = EventStream::new();
    let engine = engine(store, &events).expect("build the engine");
    let mut config = HttpConfig::from_env()
        .expect("FLOW_HTTP_TOKENS reads")
        .events(events);
    if let Some(limit) = args.next() {
        config = config.body_limit(limit.parse().expect("a body limit in bytes"));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a port");
    println!(
        "listening on http://{}",
        listener.local_addr().expect("bound")
    );
    axum::serve(listener, http::router(engine, config))
        .await
        .expect("serve");
}
