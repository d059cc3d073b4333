//! Where instances live between steps. One [`Store`] trait, one semantics, several backends;
//! [`MemoryStore`] is the default.
//!
//! The engine commits each step as one atomic compare-and-set of the instance record and its
//! journal entry ([`Store::commit`]), so SQL (one transaction) and Redis (one Lua script) can
//! do it in one round trip. Instances are worked on under a [`Lease`] whose fencing token the
//! store checks on every commit: a process whose lease was taken over cannot write.
//!
//! Stores also keep flow definitions by content hash ([`StoredDefinition`]), and each
//! instance names the one it started on ([`InstanceRecord::definition`]), so that any
//! engine process resumes it on that exact definition, after a restart or a changed document.

mod any;
mod definition;
mod memory;
mod query;
mod record;
#[cfg(feature = "redis")]
mod redis;
mod request;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "redis"))]
mod stored;
mod url;

use std::future::Future;
use std::time::{Duration, SystemTime};

use flow_core::InstanceId;

pub use any::AnyStore;
pub use definition::StoredDefinition;
pub(crate) use memory::HeldCommit;
pub use memory::{HeldRecord, MemoryStore};
pub use query::InstanceQuery;
pub use record::{Commit, CommitAck, InstanceRecord, InstanceSummary, Lease, StepCommit};
#[cfg(feature = "redis")]
pub use redis::{Persistence, RedisStore};
pub use request::{OperatorRequest, PendingRequest};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sql::{SqlOptions, SqlStore, Synchronous};
pub use url::{StoreUrl, redact_password};

/// Why a store refused or failed an operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// No instance has this id.
    #[error("no instance `{0}`")]
    NotFound(InstanceId),
    /// An instance with this id already exists.
    #[error("instance `{0}` already exists")]
    AlreadyExists(InstanceId),
    /// The record changed since it was read (compare-and-set failed).
    #[error("instance `{instance}` changed: expected revision {expected}, found {found}")]
    Conflict {
        /// The instance.
        instance: InstanceId,
        /// The revision the writer read.
        expected: u64,
        /// The revision in the store.
        found: u64,
    },
    /// The writer's lease was taken over: its fencing token is stale.
    #[error("instance `{instance}` is leased with token {current}, not {given}")]
    Fenced {
        /// The instance.
        instance: InstanceId,
        /// The token the writer gave.
        given: u64,
        /// The token of the current lease, 0 when none.
        current: u64,
    },
    /// The stored record cannot be read (a corrupt row, a value written by something else):
    /// the store set it aside, untouched, and works on the others.
    #[error("instance `{instance}` is quarantined: its stored record cannot be decoded: {reason}")]
    Quarantined {
        /// The instance.
        instance: InstanceId,
        /// What could not be decoded.
        reason: String,
    },
    /// The store URL is not one this build understands.
    #[error("store URL `{url}` is invalid: {reason}")]
    InvalidUrl {
        /// The URL, without its password.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The store could not be opened: the server is unreachable, refused the credentials,
    /// or the file cannot be created.
    #[error("cannot open store `{url}`: {reason}")]
    Connect {
        /// The URL, without its password.
        url: String,
        /// What the backend said.
        reason: String,
    },
    /// The database was migrated by a newer version of this library.
    #[error(
        "store `{url}` has schema version {found}, newer than the {supported} this build knows: upgrade the engine before connecting it to this database"
    )]
    NewerSchema {
        /// The URL, without its password.
        url: String,
        /// The database's schema version.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A definition with another body is stored under this content hash. The stored one
    /// stays: a content hash that does not match its content means a corrupt document or
    /// store, and instances pinned to the hash must keep the definition they started with.
    #[error(
        "definition `{hash}` is stored with a different body: a content hash that does not match its content means something is corrupt"
    )]
    DefinitionMismatch {
        /// The content hash.
        hash: String,
    },
    /// The backend failed (connection lost, disk full ...).
    #[error("store backend failed: {0}")]
    Backend(String),
}

/// The storage of instances, their journals, leases and due times.
///
/// Every method is one round trip for a networked store.
pub trait Store: Send + Sync + 'static {
    /// Whether the store keeps the context of running instances after every step (durable
    /// stores, which must survive a crash) or only when an instance comes to rest (waiting,
    /// paused, scheduled for later, ended), which is all an in-process store needs.
    fn keeps_running_context(&self) -> bool;

    /// Whether a commit is done in this process without waiting (the memory store): the
    /// time a step committed at is then also the time the next step starts at, and the
    /// engine reads the clock once per step instead of twice. The default, for stores a
    /// round trip away, is `false`.
    fn commits_in_process(&self) -> bool {
        false
    }

    /// Stores a new instance; when `lease_to` names an owner and a time to live, the
    /// instance is leased to it from `now` in the same round trip.
    fn insert(
        &self,
        record: InstanceRecord,
        now: SystemTime,
        lease_to: Option<(u64, Duration)>,
    ) -> impl Future<Output = Result<Option<Lease>, StoreError>> + Send;

    /// [`Store::insert`] for an instance the caller goes on to drive at once: an in-process
    /// store may also give its hold on the stored record, which the caller passes back in
    /// [`StepCommit::held`] so that step commits write the record without finding it. The
    /// default gives none.
    fn insert_held(
        &self,
        record: InstanceRecord,
        now: SystemTime,
        lease_to: Option<(u64, Duration)>,
    ) -> impl Future<Output = Result<(Option<Lease>, Option<HeldRecord>), StoreError>> + Send {
        let insert = self.insert(record, now, lease_to);
        async move { Ok((insert.await?, None)) }
    }

    /// The instance `id`, if it exists.
    fn load(
        &self,
        id: InstanceId,
    ) -> impl Future<Output = Result<Option<InstanceRecord>, StoreError>> + Send;

    /// Atomically checks the commit's revision and lease token, applies it (revision + 1),
    /// appends its journal entry, and returns any operator request waiting for the instance.
    fn commit(&self, commit: Commit) -> impl Future<Output = Result<CommitAck, StoreError>> + Send;

    /// The common case of [`Store::commit`]: a step moved a running instance that keeps
    /// running (same status, no timer, no flags, context kept unless the store keeps running
    /// contexts). The default builds the full commit; stores may write fewer fields.
    fn commit_step(
        &self,
        step: StepCommit<'_>,
    ) -> impl Future<Output = Result<CommitAck, StoreError>> + Send {
        self.commit(step.into_commit())
    }

    /// Leases `id` to `owner` for `ttl` from `now` if no lease live at `now` holds it, with a
    /// new fencing token. (Stores take the time from the engine, whose clock may be a test's.)
    fn acquire(
        &self,
        id: InstanceId,
        owner: u64,
        now: SystemTime,
        ttl: Duration,
    ) -> impl Future<Output = Result<Option<(InstanceRecord, Lease)>, StoreError>> + Send;

    /// Extends the lease with fencing token `token` on `id` until `expires_at`, while its
    /// holder is still at work (a long action); `false` when that lease is no longer the
    /// current one.
    fn renew(
        &self,
        id: InstanceId,
        token: u64,
        expires_at: SystemTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Ends `lease` on `id` (no-op when it is no longer the current lease).
    fn release(
        &self,
        id: InstanceId,
        lease: Lease,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Leases up to `limit` instances due at `now`, not leased and not paused, to `owner`.
    fn claim_due(
        &self,
        now: SystemTime,
        owner: u64,
        ttl: Duration,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(InstanceRecord, Lease)>, StoreError>> + Send;

    /// Leases up to `limit` orphans to `owner`: instances running or compensating whose lease
    /// lapsed (their driver stopped mid-flow: a dropped caller, a panic, a dead process).
    fn claim_orphans(
        &self,
        now: SystemTime,
        owner: u64,
        ttl: Duration,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<(InstanceRecord, Lease)>, StoreError>> + Send;

    /// The earliest due time, if any: lets a worker sleep until then.
    fn next_due(&self) -> impl Future<Output = Result<Option<SystemTime>, StoreError>> + Send;

    /// Leaves `request` (with who gave it) for the engine working on `id`; it sees it in its
    /// next commit. A later request replaces one not yet acted on.
    fn request(
        &self,
        id: InstanceId,
        request: PendingRequest,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The page of instances `query` asks for: those it admits, after its `after`, in id
    /// order, at most its `limit`. Each store pages with its own indexes, so a listing costs
    /// about one page, however many instances the store holds.
    fn list(
        &self,
        query: &InstanceQuery<'_>,
    ) -> impl Future<Output = Result<Vec<InstanceSummary>, StoreError>> + Send;

    /// Keeps `definition` under its content hash. Idempotent: saving a hash already stored
    /// with the same body changes nothing; a different body under a stored hash is refused
    /// with [`StoreError::DefinitionMismatch`] and the stored one stays.
    fn save_definition(
        &self,
        definition: &StoredDefinition,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The definition stored under content hash `hash`, if any.
    fn load_definition(
        &self,
        hash: &str,
    ) -> impl Future<Output = Result<Option<StoredDefinition>, StoreError>> + Send;

    /// Every definition stored for flow `flow`, by version, then in the order they were
    /// saved: for tools that show what a flow's instances may run on.
    fn list_definitions(
        &self,
        flow: &str,
    ) -> impl Future<Output = Result<Vec<StoredDefinition>, StoreError>> + Send;
}
