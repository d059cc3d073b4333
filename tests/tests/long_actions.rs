//! An action that takes longer than the lease's time to live keeps its lease while it
//! runs: nobody adopts the instance as an orphan, the action runs once, and its commit is
//! accepted. On memory and SQLite.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use flow_runtime::prelude::*;
use flow_runtime::store::{AnyStore, MemoryStore};
use flow_tests::servers::fresh_sqlite;
use serde::{Deserialize, Serialize};

static RUNS: AtomicU32 = AtomicU32::new(0);

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    pub pages: u32,
}

/// Takes a second, three times the lease's time to live below.
#[action(readonly)]
async fn render(ctx: &mut Context<Report>) -> Result<(), ActionError> {
    RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(1)).await;
    ctx.data.pages += 1;
    Ok(())
}

flow! {
    pub flow Reporting: Report {
        start New;
        New => render => Rendered;
        success Rendered;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_slower_than_the_lease_runs_once_and_commits() {
    for store in [
        AnyStore::from(MemoryStore::new()),
        AnyStore::from(fresh_sqlite().await),
    ] {
        let kind = store.kind();
        let engine = Arc::new(
            EngineBuilder::with_store(store)
                .config(EngineConfig {
                    lease_ttl: Duration::from_millis(300),
                    orphan_scan_interval: Duration::from_millis(50),
                    poll_interval: Duration::from_millis(10),
                    ..EngineConfig::default()
                })
                .register::<Reporting>()
                .build()
                .unwrap(),
        );
        RUNS.store(0, Ordering::SeqCst);
        let outcome = engine.run::<Reporting>(Report::default()).await.unwrap();
        assert_eq!(outcome.status, Status::Completed, "{kind}");
        assert_eq!(outcome.data.pages, 1, "{kind}");
        assert_eq!(
            RUNS.load(Ordering::SeqCst),
            1,
            "{kind}: the action ran once"
        );
        engine.shutdown().await;
    }
}
