//! What only a Redis Cluster shows: instances spread over every node (each script still
//! touches one slot), one seed node is enough to find the others, and a malformed cluster
//! URL is refused before anything connects. The conformance suite runs on the cluster too
//! (`store_conformance.rs`).

use std::collections::BTreeMap;
use std::time::Duration;

use flow_runtime::prelude::*;
use flow_runtime::store::{AnyStore, RedisStore, StoreError};
use flow_runtime::{EngineBuilder, EngineConfig, InstanceId, Status};
use flow_tests::servers::{fresh_redis_cluster, in_ci, redis_cluster_url};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Parcel {
    pub hops: u32,
}

#[action(readonly)]
async fn hop(ctx: &mut Context<Parcel>) -> Result<(), ActionError> {
    ctx.data.hops += 1;
    Ok(())
}

flow! {
    pub flow Relay: Parcel {
        start First;
        First => hop => Second;
        Second => hop => Third;
        Third => hop => Done;
        success Done;
    }
}

fn engine(store: RedisStore) -> flow_runtime::Engine<RedisStore> {
    EngineBuilder::with_store(store)
        .config(EngineConfig {
            poll_interval: Duration::from_millis(5),
            ..EngineConfig::default()
        })
        .register::<Relay>()
        .build()
        .unwrap()
}

/// The cluster's primaries as `host:port`, from `CLUSTER NODES` on the first seed node.
async fn primaries() -> Vec<String> {
    let seed = redis_cluster_url()
        .trim_start_matches("redis+cluster://")
        .split(',')
        .next()
        .unwrap()
        .to_owned();
    let client = redis::Client::open(format!("redis://{seed}")).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let nodes: String = redis::cmd("CLUSTER")
        .arg("NODES")
        .query_async(&mut connection)
        .await
        .unwrap();
    nodes
        .lines()
        .filter(|line| line.contains("master"))
        .map(|line| {
            let address = line.split_whitespace().nth(1).unwrap();
            address.split('@').next().unwrap().to_owned()
        })
        .collect()
}

/// How many keys under `prefix` each primary holds.
async fn keys_per_node(prefix: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for node in primaries().await {
        let client = redis::Client::open(format!("redis://{node}")).unwrap();
        let mut connection = client.get_multiplexed_async_connection().await.unwrap();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}:*"))
            .query_async(&mut connection)
            .await
            .unwrap();
        counts.insert(node, keys.len());
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_spread_over_every_node_of_the_cluster() {
    let Some(store) = fresh_redis_cluster().await else {
        return;
    };
    let prefix = store.record_key(InstanceId::new());
    let prefix = prefix.split(':').next().unwrap().to_owned();
    let engine = engine(store);
    let mut ids = Vec::new();
    for _ in 0..64 {
        ids.push(engine.start::<Relay>(Parcel::default()).await.unwrap());
    }
    for id in ids {
        let outcome = engine.wait_ended::<Relay>(id).await.unwrap();
        assert_eq!(outcome.status, Status::Completed);
        assert_eq!(outcome.data.hops, 3, "each step ran once");
    }
    let counts = keys_per_node(&prefix).await;
    assert!(
        counts.len() >= 3,
        "a cluster of three primaries: {counts:?}"
    );
    for (node, keys) in &counts {
        assert!(
            *keys > 0,
            "node {node} holds none of the instances: {counts:?}"
        );
    }
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_seed_node_finds_the_rest_of_the_cluster() {
    let nodes = primaries_or_skip().await;
    let Some(last) = nodes.last() else {
        return;
    };
    let prefix = format!("flowtestseed{}", std::process::id());
    let store = RedisStore::connect_with_prefix(&format!("redis+cluster://{last}"), &prefix)
        .await
        .expect("one seed node is enough");
    let engine = engine(store);
    // Sixteen shards over three nodes: most instances live on nodes the URL does not name.
    for _ in 0..16 {
        let outcome = engine.run::<Relay>(Parcel::default()).await.unwrap();
        assert_eq!(outcome.status, Status::Completed);
    }
    engine.shutdown().await;
}

/// The primaries, or none when no cluster runs outside CI (the first test reports that).
async fn primaries_or_skip() -> Vec<String> {
    match fresh_redis_cluster().await {
        Some(_) => primaries().await,
        None => {
            assert!(!in_ci());
            Vec::new()
        }
    }
}

#[tokio::test]
async fn a_malformed_cluster_url_is_refused_with_the_fix() {
    let error = AnyStore::connect("redis+cluster://app:hunter2@127.0.0.1")
        .await
        .err()
        .unwrap();
    assert!(matches!(error, StoreError::Connect { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("the cluster node `127.0.0.1` needs a host and a port"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acl_user_runs_flows_on_every_node() {
    let nodes = primaries_or_skip().await;
    if nodes.is_empty() {
        return;
    }
    let user = format!("flowtest_cluster_app_{}", std::process::id());
    let prefix = format!("flowtestclusteracl{}", std::process::id());
    // Redis keeps ACL users per node: the application's user is set on every primary.
    for node in &nodes {
        let client = redis::Client::open(format!("redis://{node}")).unwrap();
        let mut admin = client.get_multiplexed_async_connection().await.unwrap();
        let _: () = redis::cmd("ACL")
            .arg("SETUSER")
            .arg(&user)
            .arg("reset")
            .arg("on")
            .arg(">cluster-pass")
            .arg(format!("~{prefix}*"))
            .arg("+@all")
            .arg("-@dangerous")
            .query_async(&mut admin)
            .await
            .unwrap();
    }
    let url = format!("redis+cluster://{user}:cluster-pass@{}", nodes.join(","));
    let store = RedisStore::connect_with_prefix(&url, &prefix)
        .await
        .expect("the user opens the cluster");
    let engine = engine(store);
    for _ in 0..16 {
        let outcome = engine.run::<Relay>(Parcel::default()).await.unwrap();
        assert_eq!(outcome.status, Status::Completed);
    }
    engine.shutdown().await;

    let wrong = format!("redis+cluster://{user}:wrong@{}", nodes.join(","));
    let error = RedisStore::connect(&wrong).await.err().unwrap();
    let message = error.to_string();
    assert!(!message.contains(":wrong@"), "{message}");
    assert!(message.to_lowercase().contains("password"), "{message}");
    for node in &nodes {
        let client = redis::Client::open(format!("redis://{node}")).unwrap();
        let mut admin = client.get_multiplexed_async_connection().await.unwrap();
        let _: () = redis::cmd("ACL")
            .arg("DELUSER")
            .arg(&user)
            .query_async(&mut admin)
            .await
            .unwrap();
    }
}
