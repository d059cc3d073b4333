//! The store's connection: to one Redis server, or to a Redis Cluster.
//!
//! Both reconnect by themselves and both are cheap to clone (a handle to one multiplexed
//! connection), so the store's code is the same for each: every script and command takes
//! `&mut RedisConnection`. A cluster connection routes each command by its first key's
//! slot; the store's keys are hash-tagged so that every script touches one slot.

use redis::aio::{ConnectionLike, ConnectionManager};
use redis::{Cmd, Pipeline, RedisFuture, Value};

/// A connection to one server or to a cluster.
#[derive(Clone)]
pub(crate) enum RedisConnection {
    /// One server (`redis://`, `rediss://`), through the reconnecting manager.
    Single(ConnectionManager),
    /// A Redis Cluster (`redis+cluster://`): one connection per node, routed by slot,
    /// following the cluster's slot map when it moves.
    #[cfg(feature = "redis-cluster")]
    Cluster(redis::cluster_async::ClusterConnection),
}

impl ConnectionLike for RedisConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            RedisConnection::Single(connection) => connection.req_packed_command(cmd),
            #[cfg(feature = "redis-cluster")]
            RedisConnection::Cluster(connection) => connection.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            RedisConnection::Single(connection) => {
                connection.req_packed_commands(pipeline, offset, count)
            }
            #[cfg(feature = "redis-cluster")]
            RedisConnection::Cluster(connection) => {
                connection.req_packed_commands(pipeline, offset, count)
            }
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            RedisConnection::Single(connection) => connection.get_db(),
            #[cfg(feature = "redis-cluster")]
            RedisConnection::Cluster(connection) => connection.get_db(),
        }
    }
}
