//! What only the Redis store does: open a server by URL with clear errors, and quarantine
//! records that something else wrote and nothing can decode.

use std::time::{Duration, SystemTime};

use flow_runtime::store::{AnyStore, InstanceRecord, Store, StoreError};
use flow_runtime::{InstanceId, Status};
use flow_tests::conformance::record;
use flow_tests::servers::{fresh_redis, redis_url};

#[tokio::test]
async fn an_unreachable_server_is_named_without_its_password() {
    let error = AnyStore::connect("redis://app:hunter2@127.0.0.1:9")
        .await
        .err()
        .unwrap();
    assert!(matches!(error, StoreError::Connect { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with("cannot open store `redis://app:***@127.0.0.1:9`"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
}

#[tokio::test]
async fn an_undecodable_record_is_quarantined_and_others_go_on() {
    let Some(store) = fresh_redis().await else {
        return;
    };
    let now = SystemTime::now();
    let broken = InstanceId::new();
    let healthy = InstanceId::new();
    for id in [broken, healthy] {
        let due = InstanceRecord {
            due_at: Some(now - Duration::from_millis(5)),
            ..record(id)
        };
        store.insert(due, SystemTime::now(), None).await.unwrap();
    }
    // A buggy tool writes a status no engine knows.
    let client = redis::Client::open(redis_url()).unwrap();
    let mut raw = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("HSET")
        .arg(store.record_key(broken))
        .arg("status")
        .arg("exploded")
        .query_async(&mut raw)
        .await
        .unwrap();

    let claimed = store
        .claim_due(now, 1, Duration::from_secs(30), 10)
        .await
        .unwrap();
    let ids: Vec<InstanceId> = claimed.iter().map(|(record, _)| record.id).collect();
    assert_eq!(ids, [healthy], "the claim skips what it cannot read");

    let error = store.load(broken).await.unwrap_err();
    assert!(
        error.to_string().contains("`exploded` is not a status"),
        "{error}"
    );
    let manual: Vec<InstanceId> = store
        .list(Status::Manual, 10)
        .await
        .unwrap()
        .iter()
        .map(|summary| summary.id)
        .collect();
    assert_eq!(manual, [broken], "listed for a person");
    let kept: String = redis::cmd("HGET")
        .arg(store.record_key(broken))
        .arg("status")
        .query_async(&mut raw)
        .await
        .unwrap();
    assert_eq!(kept, "exploded", "the record is kept as it was");
    assert!(
        store
            .claim_due(SystemTime::now(), 1, Duration::from_secs(30), 10)
            .await
            .unwrap()
            .is_empty()
    );
}
