//! A store chosen at run time from a URL: one type for every backend, so an engine built
//! from `FLOW_STORE` has one type whichever store the URL names.
//!
//! An enum, not a boxed trait object: the store trait's methods return `impl Future`, and a
//! `match` on the variant costs a branch per call where a box would cost an allocation per
//! call on the hot path.

use std::time::{Duration, SystemTime};

use flow_core::InstanceId;

use super::url::StoreUrl;
use super::{
    Commit, CommitAck, InstanceRecord, InstanceSummary, Lease, MemoryStore, OperatorRequest,
    StepCommit, Store, StoreError,
};
use crate::outcome::Status;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
use super::sql::SqlStore;

/// Any of the stores this build has, picked by [`AnyStore::connect`].
pub enum AnyStore {
    /// In process memory.
    Memory(MemoryStore),
    /// SQLite or PostgreSQL.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    Sql(SqlStore),
}

impl AnyStore {
    /// Opens the store `url` names: `memory:`, `sqlite://PATH`, `sqlite::memory:` or
    /// `postgres://USER:PASSWORD@HOST/DATABASE`. Durable stores are migrated on connect.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        match StoreUrl::parse(url)? {
            StoreUrl::Memory => Ok(AnyStore::Memory(MemoryStore::new())),
            StoreUrl::Sqlite(url) | StoreUrl::Postgres(url) => Self::connect_sql(&url).await,
        }
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

    /// What kind of store this is, for logs: `memory`, `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        match self {
            AnyStore::Memory(_) => "memory",
            #[cfg(any(feature = "sqlite", feature = "postgres"))]
            AnyStore::Sql(store) => store.dialect(),
        }
    }
}

impl From<MemoryStore> for AnyStore {
    fn from(store: MemoryStore) -> Self {
        AnyStore::Memory(store)
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl From<SqlStore> for AnyStore {
    fn from(store: SqlStore) -> Self {
        AnyStore::Sql(store)
    }
}

/// Forwards one store call to the variant's store.
macro_rules! forward {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            AnyStore::Memory($store) => $call,
            #[cfg(any(feature = "sqlite", feature = "postgres"))]
            AnyStore::Sql($store) => $call,
        }
    };
}

impl Store for AnyStore {
    #[inline]
    fn keeps_running_context(&self) -> bool {
        forward!(self, store => store.keeps_running_context())
    }

    async fn insert(
        &self,
        record: InstanceRecord,
        lease_to: Option<(u64, Duration)>,
    ) -> Result<Option<Lease>, StoreError> {
        forward!(self, store => store.insert(record, lease_to).await)
    }

    async fn load(&self, id: InstanceId) -> Result<Option<InstanceRecord>, StoreError> {
        forward!(self, store => store.load(id).await)
    }

    async fn commit(&self, commit: Commit) -> Result<CommitAck, StoreError> {
        forward!(self, store => store.commit(commit).await)
    }

    async fn commit_step(&self, step: StepCommit<'_>) -> Result<CommitAck, StoreError> {
        forward!(self, store => store.commit_step(step).await)
    }

    async fn acquire(
        &self,
        id: InstanceId,
        owner: u64,
        ttl: Duration,
    ) -> Result<Option<(InstanceRecord, Lease)>, StoreError> {
        forward!(self, store => store.acquire(id, owner, ttl).await)
    }

    async fn release(&self, id: InstanceId, lease: Lease) -> Result<(), StoreError> {
        forward!(self, store => store.release(id, lease).await)
    }

    async fn claim_due(
        &self,
        now: SystemTime,
        owner: u64,
        ttl: Duration,
        limit: usize,
    ) -> Result<Vec<(InstanceRecord, Lease)>, StoreError> {
        forward!(self, store => store.claim_due(now, owner, ttl, limit).await)
    }

    async fn claim_orphans(
        &self,
        now: SystemTime,
        owner: u64,
        ttl: Duration,
        limit: usize,
    ) -> Result<Vec<(InstanceRecord, Lease)>, StoreError> {
        forward!(self, store => store.claim_orphans(now, owner, ttl, limit).await)
    }

    async fn next_due(&self) -> Result<Option<SystemTime>, StoreError> {
        forward!(self, store => store.next_due().await)
    }

    async fn request(&self, id: InstanceId, request: OperatorRequest) -> Result<(), StoreError> {
        forward!(self, store => store.request(id, request).await)
    }

    async fn list(&self, status: Status, limit: usize) -> Result<Vec<InstanceSummary>, StoreError> {
        forward!(self, store => store.list(status, limit).await)
    }
}
