//! The store conformance suite on every store: one line a store.

use flow_runtime::MemoryStore;
use flow_tests::servers::{fresh_postgres, fresh_redis, fresh_redis_cluster, fresh_sqlite};
use flow_tests::store_conformance;

store_conformance!(memory, async { Some(MemoryStore::new()) });
store_conformance!(sqlite, async { Some(fresh_sqlite().await) });
store_conformance!(postgres, async { fresh_postgres().await });
store_conformance!(redis, async { fresh_redis().await });
store_conformance!(redis_cluster, async { fresh_redis_cluster().await });
