//! What a store keeps of an instance, and what the engine sends it per step.

use std::borrow::Cow;
use std::time::SystemTime;

use flow_core::InstanceId;

use crate::instance_error::InstanceError;
use crate::journal::JournalEntry;
use crate::outcome::Status;

use super::PendingRequest;

/// A claim on an instance: only the holder of the current token may commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Lease {
    /// The fencing token: grows with every lease the store grants.
    pub token: u64,
    /// Who holds it (an engine's worker id).
    pub owner: u64,
    /// When it lapses unless renewed by a commit.
    pub expires_at: SystemTime,
}

impl Lease {
    /// The first lease of a new instance (fencing tokens of durable stores count per
    /// instance, from 1): held by `owner` for `ttl` from `now`.
    pub fn first(owner: u64, now: SystemTime, ttl: std::time::Duration) -> Self {
        Self {
            token: 1,
            owner,
            expires_at: now + ttl,
        }
    }
}

/// Everything a store keeps of one instance.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InstanceRecord {
    /// The instance.
    pub id: InstanceId,
    /// Its flow's name.
    pub flow: Cow<'static, str>,
    /// Its flow's version.
    pub flow_version: u32,
    /// The content hash of the document definition the instance runs on (a
    /// [`StoredDefinition`](crate::store::StoredDefinition)'s hash); `None` for a flow
    /// compiled into the program (`flow!`). Set at insert and never changed: commits do not
    /// carry it, so an instance resumes on the definition it started with.
    pub definition: Option<Cow<'static, str>>,
    /// Its business state.
    pub state: Cow<'static, str>,
    /// Where it is apart from that.
    pub status: Status,
    /// The attempt of its current step (persisted, so a crash does not reset retries).
    pub attempt: u32,
    /// How many steps it completed: with the id, the idempotency key of the next step.
    pub step: u64,
    /// The compare-and-set counter: every commit adds one.
    pub revision: u64,
    /// The encoded context (data and routing labels).
    pub context: Vec<u8>,
    /// What it did, bounded.
    pub journal: Vec<JournalEntry>,
    /// When the engine should pick it up again (a retry, a deadline, a resumed instance).
    pub due_at: Option<SystemTime>,
    /// Steps with a lower counter are undone when it compensates.
    pub compensation_boundary: Option<u64>,
    /// The status to return to when a paused instance resumes.
    pub paused_from: Option<Status>,
    /// Whether an operator cancelled it (its compensation ends as `Cancelled`).
    pub cancelled: bool,
    /// How many times an unknown result was queried for the current step.
    pub queries: u32,
    /// What an operator asked while it was running, and who.
    pub request: Option<PendingRequest>,
    /// The last error, for instances that failed or need a person.
    pub error: Option<InstanceError>,
    /// The current lease, if any.
    pub lease: Option<Lease>,
}

impl InstanceRecord {
    /// A commit that writes the record back as it is, by the holder of `lease_token` (the
    /// caller changes what it needs to); it keeps the lease until `lease_expires_at`.
    pub fn unchanged(
        &self,
        lease_token: u64,
        journal_cap: usize,
        lease_expires_at: SystemTime,
    ) -> Commit {
        Commit {
            id: self.id,
            expected_revision: self.revision,
            lease_token,
            state: self.state.clone(),
            status: self.status,
            attempt: self.attempt,
            step: self.step,
            context: None,
            journal: None,
            journal_cap,
            due_at: self.due_at,
            compensation_boundary: self.compensation_boundary,
            paused_from: self.paused_from,
            cancelled: self.cancelled,
            queries: self.queries,
            error: self.error.clone(),
            clear_request: false,
            release_lease: false,
            lease_expires_at,
        }
    }
}

/// A short view of an instance, for listings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InstanceSummary {
    /// The instance.
    pub id: InstanceId,
    /// Its flow.
    pub flow: String,
    /// Its flow's version.
    pub flow_version: u32,
    /// The content hash of the document definition it runs on; `None` for a compiled flow.
    pub definition: Option<String>,
    /// Its state.
    pub state: String,
    /// Its status.
    pub status: Status,
}

/// One atomic change of an instance: the new record fields and at most one journal entry.
#[derive(Debug, Clone)]
pub struct Commit {
    /// The instance.
    pub id: InstanceId,
    /// The revision the engine read; the store refuses the commit if it moved.
    pub expected_revision: u64,
    /// The fencing token of the engine's lease.
    pub lease_token: u64,
    /// The new state.
    pub state: Cow<'static, str>,
    /// The new status.
    pub status: Status,
    /// The new attempt counter.
    pub attempt: u32,
    /// The new step counter.
    pub step: u64,
    /// The new encoded context; `None` keeps the stored one.
    pub context: Option<Vec<u8>>,
    /// The entry to append to the journal.
    pub journal: Option<JournalEntry>,
    /// The journal's cap: the store compacts past it.
    pub journal_cap: usize,
    /// When to pick the instance up again.
    pub due_at: Option<SystemTime>,
    /// Steps below this are undone on compensation.
    pub compensation_boundary: Option<u64>,
    /// The status a pause interrupted.
    pub paused_from: Option<Status>,
    /// Whether an operator cancelled the instance.
    pub cancelled: bool,
    /// Unknown-result queries so far.
    pub queries: u32,
    /// The last error.
    pub error: Option<InstanceError>,
    /// Whether the operator request the engine acted on is done with.
    pub clear_request: bool,
    /// Whether the lease ends with this commit (the instance comes to rest); otherwise it is
    /// renewed until `lease_expires_at`.
    pub release_lease: bool,
    /// The renewed lease's expiry when it is kept.
    pub lease_expires_at: SystemTime,
}

/// What a store answers to a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitAck {
    /// The instance's revision after the commit.
    pub revision: u64,
    /// An operator request waiting for the instance.
    pub request: Option<PendingRequest>,
}

/// A step that leaves a running instance running: the per-step commit on the hot path.
/// It also clears what a running instance that completed a step cannot have: a timer,
/// a compensation boundary, a cancellation, an error, unknown-outcome queries.
#[derive(Debug, Clone)]
pub struct StepCommit<'a> {
    /// The instance.
    pub id: InstanceId,
    /// The revision the engine read.
    pub expected_revision: u64,
    /// The fencing token of the engine's lease.
    pub lease_token: u64,
    /// The new state.
    pub state: &'static str,
    /// The new step counter.
    pub step: u64,
    /// The encoded context, for stores that keep running contexts.
    pub context: Option<Vec<u8>>,
    /// The entry to append to the journal.
    pub journal: &'a JournalEntry,
    /// Step commits the engine collected before this one, oldest first, each with its entry:
    /// they are written with it, a revision each, as if committed one by one. Only a store
    /// that gave a hold on the record ([`StepCommit::held`]) receives any: the engine
    /// collects steps only on a hold, where nothing but its own process reads the record.
    pub earlier: &'a [JournalEntry],
    /// The store's hold on the record, from [`Store::insert_held`](super::Store::insert_held),
    /// if it gave one; stores that gave none ignore it.
    pub held: Option<&'a super::HeldRecord>,
    /// The journal's cap.
    pub journal_cap: usize,
    /// The renewed lease's expiry.
    pub lease_expires_at: SystemTime,
}

/// The fields of a [`Commit`] that a [`StepCommit`] does not carry: what every step commit
/// writes (and its error, always none). One table, so that a store that binds a step as it
/// is writes what [`StepCommit::into_commit`] would.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepCleared {
    pub(crate) status: Status,
    pub(crate) attempt: u32,
    pub(crate) due_at: Option<SystemTime>,
    pub(crate) compensation_boundary: Option<u64>,
    pub(crate) paused_from: Option<Status>,
    pub(crate) cancelled: bool,
    pub(crate) queries: u32,
    pub(crate) clear_request: bool,
    pub(crate) release_lease: bool,
}

impl StepCommit<'_> {
    /// What a step commit sets besides its own fields: a running instance that completed a
    /// step is on its first attempt, has no timer, is not compensating, not cancelled, has no
    /// unknown-outcome queries and no error standing, and keeps its lease.
    pub(crate) const CLEARED: StepCleared = StepCleared {
        status: Status::Running,
        attempt: 1,
        due_at: None,
        compensation_boundary: None,
        paused_from: None,
        cancelled: false,
        queries: 0,
        clear_request: false,
        release_lease: false,
    };

    /// The same change as a full [`Commit`].
    pub fn into_commit(self) -> Commit {
        let cleared = Self::CLEARED;
        Commit {
            id: self.id,
            expected_revision: self.expected_revision,
            lease_token: self.lease_token,
            state: Cow::Borrowed(self.state),
            status: cleared.status,
            attempt: cleared.attempt,
            step: self.step,
            context: self.context,
            // (No `earlier` here: only a store's hold receives collected steps.)
            journal: Some(self.journal.clone()),
            journal_cap: self.journal_cap,
            due_at: cleared.due_at,
            compensation_boundary: cleared.compensation_boundary,
            paused_from: cleared.paused_from,
            cancelled: cleared.cancelled,
            queries: cleared.queries,
            error: None,
            clear_request: cleared.clear_request,
            release_lease: cleared.release_lease,
            lease_expires_at: self.lease_expires_at,
        }
    }
}
