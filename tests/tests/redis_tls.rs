//! The Redis store over TLS (`rediss://`, feature `redis-tls`) against a real redis-server
//! that serves TLS only, with a certificate authority the test makes: sagas run to their
//! ends over it, and a client that does not trust the authority is refused.

use flow_runtime::store::{AnyStore, RedisStore};
use flow_runtime::{EngineBuilder, Status};
use flow_tests::kill_flow::{
    Fulfilment, Ledger, Order, check_ended, check_ledger, config, install,
};
use flow_tests::servers::PrivateRedis;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sagas_run_over_tls_and_an_untrusted_server_is_refused() {
    let Some(server) = PrivateRedis::start_tls(&["--save", "", "--appendonly", "no"]) else {
        return;
    };
    let base = server.url();
    assert!(base.starts_with("rediss://"), "{base}");

    // The system's authorities do not know the test's: the handshake fails.
    let Err(error) = RedisStore::connect(&base).await else {
        panic!("a server signed by an unknown authority was trusted");
    };
    let message = error.to_string();
    assert!(
        message.contains("cannot open store") && message.contains("UnknownIssuer"),
        "{message}"
    );

    let url = format!(
        "{base}/?prefix=flowtest_tls&tls_ca_file={}",
        server.ca_file().display()
    );
    let store = AnyStore::connect(&url).await.expect("connect over TLS");
    let ledger = Ledger::open(&url, &store).await;
    install(ledger.clone());
    let engine = EngineBuilder::with_store(store)
        .config(config())
        .register::<Fulfilment>()
        .build()
        .unwrap();
    let mut ids = Vec::new();
    for number in 0..50 {
        ids.push(engine.start::<Fulfilment>(Order { number }).await.unwrap());
    }
    for id in &ids {
        let outcome = engine.wait_ended::<Fulfilment>(*id).await.unwrap();
        assert!(
            matches!(outcome.status, Status::Completed | Status::Failed),
            "{id}: {:?}",
            outcome.status
        );
        check_ended(&engine.record(*id).await.unwrap());
    }
    check_ledger(&ledger.read().await, &ids);
    engine.shutdown().await;
}
