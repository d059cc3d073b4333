//! What only the Redis store does: open a server by URL with clear errors, read operator
//! requests as older versions stored them, and quarantine records that something else wrote
//! and nothing can decode.

use std::time::{Duration, SystemTime};

use flow_runtime::store::{AnyStore, InstanceQuery, InstanceRecord, Store, StoreError};
use flow_runtime::{InstanceId, Status};
use flow_tests::conformance::{self, record};
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
        .list(&InstanceQuery::new(10).status(Status::Manual))
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

#[tokio::test]
async fn stored_requests_of_older_versions_read_and_unreadable_ones_quarantine() {
    let Some(store) = fresh_redis().await else {
        return;
    };
    let client = redis::Client::open(redis_url()).unwrap();
    let raw = client.get_multiplexed_async_connection().await.unwrap();
    let write_raw = async |id: InstanceId, text: &'static str| {
        let _: () = redis::cmd("HSET")
            .arg(store.record_key(id))
            .arg("request")
            .arg(text)
            .query_async(&mut raw.clone())
            .await
            .unwrap();
    };
    conformance::stored_requests_of_older_versions_read_and_unreadable_ones_quarantine(
        &store, write_raw,
    )
    .await;
}

/// `url` with `user:password@` in front of its host.
fn with_user(url: &str, user: &str, password: &str) -> String {
    url.replacen("://", &format!("://{user}:{password}@"), 1)
}

#[tokio::test]
async fn an_acl_user_reaches_its_own_keys_and_no_others() {
    let Some(_) = fresh_redis().await else {
        return;
    };
    let admin = redis::Client::open(redis_url()).unwrap();
    let mut admin = admin.get_multiplexed_async_connection().await.unwrap();
    let user = format!("flowtest_app_{}", std::process::id());
    let prefix = format!("flowtestacl{}", std::process::id());
    // An application's user: its own keys, every command but the dangerous ones.
    let _: () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg(&user)
        .arg("reset")
        .arg("on")
        .arg(">s3cret-pass")
        .arg(format!("~{prefix}*"))
        .arg("+@all")
        .arg("-@dangerous")
        .query_async(&mut admin)
        .await
        .unwrap();

    let url = with_user(&redis_url(), &user, "s3cret-pass");
    let store = AnyStore::connect(&format!("{url}?prefix={prefix}"))
        .await
        .expect("the user opens its store");
    let id = InstanceId::new();
    store
        .insert(record(id), SystemTime::now(), None)
        .await
        .unwrap();
    assert_eq!(
        store.load(id).await.unwrap().map(|stored| stored.id),
        Some(id),
        "reads back what it wrote"
    );

    let elsewhere = AnyStore::connect(&format!("{url}?prefix=flowtestother"))
        .await
        .expect("connecting needs no key");
    let refused = elsewhere
        .insert(record(InstanceId::new()), SystemTime::now(), None)
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .to_lowercase()
            .contains("no permissions"),
        "{refused}"
    );

    let wrong = with_user(&redis_url(), &user, "not-the-pass");
    let error = AnyStore::connect(&wrong).await.err().unwrap();
    let message = error.to_string();
    assert!(matches!(error, StoreError::Connect { .. }), "{error:?}");
    assert!(!message.contains("not-the-pass"), "{message}");
    assert!(message.contains(&format!("{user}:***@")), "{message}");

    let _: () = redis::cmd("ACL")
        .arg("DELUSER")
        .arg(&user)
        .query_async(&mut admin)
        .await
        .unwrap();
}
