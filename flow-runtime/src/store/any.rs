//! A store chosen at run time from a URL: one type for every backend, so an engine built
//! from `FLOW_STORE` has one type whichever store the URL names.
//!
//! An enum, not a boxed trait object: the store trait's methods return `impl Future`, and a
//! `match` on the variant costs a branch per call where a box would cost an allocation per
//! call on the hot path.

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use flow_core::InstanceId;

use super::url::StoreUrl;
use super::{
    Commit, CommitAck, HeldRecord, InstanceQuery, InstanceRecord, InstanceSummary, Lease,
    MemoryStore, PendingRequest, StepCommit, Store, StoreError, StoredDefinition,
};

#[cfg(feature = "redis")]
use super::redis::RedisStore;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
use super::sql::SqlStore;

/// Any of the stores this build has, picked by [`AnyStore::connect`].
pub enum AnyStore {
    /// In process memory.
    Memory(MemoryStore),
    /// SQLite or PostgreSQL.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    Sql(SqlStore),
    /// Redis.
    #[cfg(feature = "redis")]
    Redis(RedisStore),
}

impl AnyStore {
    /// Opens the store `url` names: `memory:`, `sqlite://PATH`, `sqlite::memory:`,
    /// `postgres://USER:PASSWORD@HOST/DATABASE`, `redis://HOST:PORT[?prefix=NAME]` or
    /// `redis+cluster://HOST:PORT,HOST:PORT[?prefix=NAME]`. SQL stores are migrated on
    /// connect.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        match StoreUrl::parse(url)? {
            StoreUrl::Memory => Ok(AnyStore::Memory(MemoryStore::new())),
            StoreUrl::Sqlite(url) | StoreUrl::Postgres(url) => Self::connect_sql(&url).await,
            StoreUrl::Redis(url) => Self::connect_redis(&url).await,
        }
    }

    #[cfg(feature = "redis")]
    async fn connect_redis(url: &str) -> Result<Self, StoreError> {
        RedisStore::connect(url).await.map(AnyStore::Redis)
    }

    #[cfg(not(feature = "redis"))]
    async fn connect_redis(url: &str) -> Result<Self, StoreError> {
        Err(StoreError::InvalidUrl {
            url: super::url::redact_password(url),
            reason: "this build has no Redis store: enable the `redis` feature of flow-runtime"
                .into(),
        })
    }

    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    async fn connect_sql(url: &str) -> Result<Self, StoreError> {
        SqlStore::connect(url).await.map(AnyStore::Sql)
    }

    #[cfg(not(any(feature = "sqlite", feature = "postgres")))]
    async fn connect_sql(url: &str) -> Result<Self, StoreError> {
        Err(StoreError::InvalidUrl {
            url: super::url::redact_password(url),
            reason: "this build has no SQL store: enable the `sqlite` or `postgres` feature of flow-runtime".into(),
        })
    }

    /// What kind of store this is, for logs: `memory`, `sqlite`, `postgres` or `redis`.
    pub fn kind(&self) -> &'static str {
        match self {
            AnyStore::Memory(_) => "memory",
            #[cfg(any(feature = "sqlite", feature = "postgres"))]
            AnyStore::Sql(store) => store.dialect(),
            #[cfg(feature = "redis")]
            AnyStore::Redis(_) => "redis",
        }
    }
}

impl From<MemoryStore> for AnyStore {
    fn from(store: MemoryStore) -> Self {
        AnyStore::Memory(store)
    }
}

#[cfg(feature = "redis")]
impl From<RedisStore> for AnyStore {
    fn from(store: RedisStore) -> Self {
        AnyStore::Redis(store)
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl From<SqlStore> for AnyStore {
    fn from(store: SqlStore) -> Self {
        AnyStore::Sql(store)
    }
}

/// Forwards one store call to the variant's store. A SQL call's future is boxed: it is
/// large (the driver's state), and unboxed it would make every call's future as large,
/// the memory store's too, to be moved on every step; one allocation is nothing beside a
/// database round trip.
macro_rules! forward {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            AnyStore::Memory($store) => $call.await,
            #[cfg(any(feature = "sqlite", feature = "postgres"))]
            AnyStore::Sql($store) => Box::pin($call).await,
            #[cfg(feature = "redis")]
            AnyStore::Redis($store) => Box::pin($call).await,
        }
    };
}

/// The future of a hot-path call (insert, commit): the memory store's result at once, or
/// a SQL store's boxed future. Not an `async fn`, whose state machine would be moved on
/// every step for the memory store's sake.
pub(crate) enum StoreCall<'a, T> {
    /// The memory store's answer.
    Ready(Ready<T>),
    /// A SQL store's round trip (never made in a build without SQL stores).
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    Pending(Pin<Box<dyn Future<Output = T> + Send + 'a>>),
}

impl<T> Future for StoreCall<'_, T> {
    type Output = T;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.get_mut() {
            StoreCall::Ready(answer) => Pin::new(answer).poll(cx),
            StoreCall::Pending(call) => call.as_mut().poll(cx),
        }
    }
}

/// Forwards a hot-path call: the memory store's `NAME_now` at once, a SQL store's boxed.
macro_rules! forward_hot {
    ($self:ident, $now:ident, $call:ident ($($arg:expr),*)) => {
        match $self {
            AnyStore::Memory(store) => StoreCall::Ready(ready(store.$now($($arg),*))),
            #[cfg(any(feature = "sqlite", feature = "postgres"))]
            AnyStore::Sql(store) => StoreCall::Pending(Box::pin(store.$call($($arg),*))),
            #[cfg(feature = "redis")]
            AnyStore::Redis(store) => StoreCall::Pending(Box::pin(store.$call($($arg),*))),
        }
    };
}

impl Store for AnyStore {
    #[inline]
    fn keeps_running_context(&self) -> bool {
        match self {
            AnyStore::Memory(store) => store.keeps_running_context(),
            #[cfg(any(feature = "sqlite", feature = "postgres"))]
            AnyStore::Sql(store) => store.keeps_running_context(),
            #[cfg(feature = "redis")]
            AnyStore::Redis(store) => store.keeps_running_context(),
        }
    }

    #[inline]
    fn commits_in_process(&self) -> bool {
        match self {
            AnyStore::Memory(store) => store.commits_in_process(),
            #[cfg(any(feature = "sqlite", feature = "postgres"))]
            AnyStore::Sql(store) => store.commits_in_process(),
            #[cfg(feature = "redis")]
            AnyStore::Redis(store) => store.commits_in_process(),
        }
    }

    fn insert(
        &self,
        record: InstanceRecord,
        now: SystemTime,
        lease_to: Option<(u64, Duration)>,
    ) -> impl Future<Output = Result<Option<Lease>, StoreError>> + Send {
        forward_hot!(self, insert_now, insert(record, now, lease_to))
    }

    fn insert_held(
        &self,
        record: InstanceRecord,
        now: SystemTime,
        lease_to: Option<(u64, Duration)>,
    ) -> impl Future<Output = Result<(Option<Lease>, Option<HeldRecord>), StoreError>> + Send {
        match self {
            AnyStore::Memory(store) => {
                StoreCall::Ready(ready(store.insert_held_now(record, now, lease_to)))
            }
            #[cfg(any(feature = "sqlite", feature = "postgres"))]
            AnyStore::Sql(store) => StoreCall::Pending(Box::pin(async move {
                Ok((store.insert(record, now, lease_to).await?, None))
            })),
            #[cfg(feature = "redis")]
            AnyStore::Redis(store) => StoreCall::Pending(Box::pin(async move {
                Ok((store.insert(record, now, lease_to).await?, None))
            })),
        }
    }

    async fn load(&self, id: InstanceId) -> Result<Option<InstanceRecord>, StoreError> {
        forward!(self, store => store.load(id))
    }

    fn commit(&self, commit: Commit) -> impl Future<Output = Result<CommitAck, StoreError>> + Send {
        forward_hot!(self, commit_now, commit(commit))
    }

    fn commit_step(
        &self,
        step: StepCommit<'_>,
    ) -> impl Future<Output = Result<CommitAck, StoreError>> + Send {
        match self {
            AnyStore::Memory(store) => StoreCall::Ready(ready(store.commit_step_now(step))),
            // A SQL store writes every field anyway: the full commit, owning its data.
            #[cfg(any(feature = "sqlite", feature = "postgres"))]
            AnyStore::Sql(store) => StoreCall::Pending(Box::pin(store.commit(step.into_commit()))),
            #[cfg(feature = "redis")]
            AnyStore::Redis(store) => {
                StoreCall::Pending(Box::pin(store.commit(step.into_commit())))
            }
        }
    }

    async fn acquire(
        &self,
        id: InstanceId,
        owner: u64,
        now: SystemTime,
        ttl: Duration,
    ) -> Result<Option<(InstanceRecord, Lease)>, StoreError> {
        forward!(self, store => store.acquire(id, owner, now, ttl))
    }

    async fn renew(
        &self,
        id: InstanceId,
        token: u64,
        expires_at: SystemTime,
    ) -> Result<bool, StoreError> {
        forward!(self, store => store.renew(id, token, expires_at))
    }

    async fn release(&self, id: InstanceId, lease: Lease) -> Result<(), StoreError> {
        forward!(self, store => store.release(id, lease))
    }

    async fn claim_due(
        &self,
        now: SystemTime,
        owner: u64,
        ttl: Duration,
        limit: usize,
    ) -> Result<Vec<(InstanceRecord, Lease)>, StoreError> {
        forward!(self, store => store.claim_due(now, owner, ttl, limit))
    }

    async fn claim_orphans(
        &self,
        now: SystemTime,
        owner: u64,
        ttl: Duration,
        limit: usize,
    ) -> Result<Vec<(InstanceRecord, Lease)>, StoreError> {
        forward!(self, store => store.claim_orphans(now, owner, ttl, limit))
    }

    async fn next_due(&self) -> Result<Option<SystemTime>, StoreError> {
        forward!(self, store => store.next_due())
    }

    async fn request(&self, id: InstanceId, request: PendingRequest) -> Result<(), StoreError> {
        forward!(self, store => store.request(id, request))
    }

    async fn list(&self, query: &InstanceQuery<'_>) -> Result<Vec<InstanceSummary>, StoreError> {
        forward!(self, store => store.list(query))
    }

    async fn save_definition(&self, definition: &StoredDefinition) -> Result<(), StoreError> {
        forward!(self, store => store.save_definition(definition))
    }

    async fn load_definition(&self, hash: &str) -> Result<Option<StoredDefinition>, StoreError> {
        forward!(self, store => store.load_definition(hash))
    }

    async fn list_definitions(&self, flow: &str) -> Result<Vec<StoredDefinition>, StoreError> {
        forward!(self, store => store.list_definitions(flow))
    }
}
