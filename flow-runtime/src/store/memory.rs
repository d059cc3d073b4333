//! The default store: instances in process memory, sharded so that concurrent instances
//! rarely wait on one another's lock.

use std::cell::Cell;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::future::Future;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use flow_core::InstanceId;

use std::borrow::Cow;

use super::{
    Commit, CommitAck, InstanceQuery, InstanceRecord, InstanceSummary, Lease, PendingRequest,
    StepCommit, Store, StoreError, StoredDefinition,
};
use crate::journal::{JournalEntry, compact};
use crate::outcome::Status;

const SHARDS: usize = 16;

/// The bits of a fencing token that name its shard.
const SHARD_BITS: u32 = SHARDS.trailing_zeros();

/// Finished instances kept by default, so a long-running process does not grow forever.
/// Kept small on purpose: every finished record costs about 2 KB (its journal mostly), and
/// forgetting the oldest touches it again. At 10,000 the kept records (some 20 MB) fell out of
/// the processor's caches, and forgetting one cost a quarter of a 10-step instance's time;
/// at 1,000 (some 2 MB) they stay in a core's L2 of 2 MiB, though not in one of 1 MiB, where
/// they cost 12-19 % of a no-op instance's time on a busy host (benches/README.md, eighth
/// pass). `with_retention` keeps more where a process needs them.
const DEFAULT_FINISHED_RETENTION: usize = 1_000;

/// Instances kept in memory: no setup, nothing survives the process.
///
/// Each record sits in a slot of its own, found by id through a sharded map; the engine that
/// starts an instance keeps a [`HeldRecord`] on its slot, so its step commits write the
/// record straight away, without a shard lock or an id lookup. Everything else (loads,
/// operator requests, claims, final commits) finds the slot through the map, as before.
///
/// It keeps an instance's context when the instance comes to rest (it waits, pauses, is
/// scheduled for later or ends), not after every step: a crash loses everything anyway.
/// Finished instances (completed, failed, cancelled) are kept up to a retention count, the
/// oldest forgotten first; instances still going are never dropped.
pub struct MemoryStore {
    shards: Box<[PaddedShard]>,
    finished_per_shard: usize,
    /// One lock for all definitions: they are saved once per document change and read once
    /// per activation of an instance, never on the per-step path.
    definitions: Mutex<Definitions>,
}

/// The definitions saved, by content hash, each with its place in the order of saving.
#[derive(Default)]
struct Definitions {
    by_hash: HashMap<String, (StoredDefinition, u64)>,
    saved: u64,
}

/// The memory store's own hold on one instance's record: what the engine that leased the
/// instance on insert passes back in [`StepCommit::held`]. Cloning it clones the hold, not
/// the record.
#[derive(Clone)]
pub struct HeldRecord(Arc<RecordSlot>);

/// What a step commit through the hold came to.
pub(crate) enum HeldCommit<'a> {
    /// Written (or refused, as the store would have refused it).
    Done(Result<CommitAck, StoreError>),
    /// Not written: the record needs its shard for it.
    NeedsShard(StepCommit<'a>),
}

/// One record, and what its holder reads without taking the record's lock.
struct RecordSlot {
    record: Mutex<InstanceRecord>,
    /// Set (under the record's lock) when an operator request is left in the record, cleared
    /// by the commit that clears the request: the engine that collects step commits (see
    /// [`StepCommit::earlier`]) looks here after every step, and writes what it collected as
    /// soon as a request waits.
    request_posted: AtomicBool,
    /// Whether the record's status is final: written by the commits that change the status
    /// to or from a final one, which hold the shard's lock, so that the retention reads it
    /// under that lock without locking the (by then cold) record.
    finished: AtomicBool,
}

impl HeldRecord {
    fn new(record: InstanceRecord) -> Self {
        let request_posted = AtomicBool::new(record.request.is_some());
        let finished = AtomicBool::new(record.status.is_final());
        Self(Arc::new(RecordSlot {
            record: Mutex::new(record),
            request_posted,
            finished,
        }))
    }

    fn lock(&self) -> MutexGuard<'_, InstanceRecord> {
        // Every write to a record leaves it consistent before it can panic, so a poisoned
        // lock holds valid data.
        self.0.record.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether an operator request may be waiting in the record: a load, so that the holder
    /// need not lock the record after every step to find out.
    #[inline]
    pub(crate) fn request_posted(&self) -> bool {
        self.0.request_posted.load(Ordering::Acquire)
    }

    /// [`Store::commit_step`] through the hold, done at once; the step back when the record
    /// needs its shard for it (a timer in the due index, a finished record).
    pub(crate) fn commit_step<'a>(&self, step: StepCommit<'a>) -> HeldCommit<'a> {
        let mut record = self.lock();
        // A timer to take out of the due index, or a finished record that the step revives
        // (the retention's mark), needs the shard: the step goes back for the general way.
        if indexed_due(&record).is_some() || record.status.is_final() {
            return HeldCommit::NeedsShard(step);
        }
        HeldCommit::Done(apply_step(&mut record, step))
    }
}

impl HeldRecord {
    /// Stores `context` as the instance's context: what its driver leaves when it lets go
    /// of the instance without a commit (its caller dropped it mid-flow), so that whoever
    /// adopts the orphan goes on with the data as it was.
    pub(crate) fn keep_context(&self, context: Vec<u8>) {
        self.lock().context = context;
    }
}

impl std::fmt::Debug for HeldRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("HeldRecord").field(&self.lock().id).finish()
    }
}

/// A shard's lock on cache lines of its own: two threads working in neighbouring shards do
/// not take each other's lines on every lock.
#[repr(align(128))]
struct PaddedShard(Mutex<Shard>);

impl std::ops::Deref for PaddedShard {
    type Target = Mutex<Shard>;

    fn deref(&self) -> &Mutex<Shard> {
        &self.0
    }
}

struct Shard {
    /// Lock order: a shard, then a record in it; never a shard while holding a record.
    records: HashMap<InstanceId, HeldRecord, BuildHasherDefault<IdHasher>>,
    due: BTreeSet<(SystemTime, InstanceId)>,
    /// Finished instances, oldest first, for retention.
    finished: VecDeque<InstanceId>,
    /// Journal buffers of forgotten records, emptied, for the next records inserted here:
    /// a journal of a dozen entries is too large for the allocator's per-thread cache, so
    /// reusing one spares an allocation and a free on its slow path per instance.
    spare_journals: Vec<Vec<JournalEntry>>,
    /// The shard's number, the low bits of every fencing token it gives.
    index: u64,
    /// The next lease's count in this shard (from 1): tokens are counted per shard, under its
    /// lock, so that starting an instance takes no process-wide atomic counter (a cache line
    /// every thread that starts instances would take in turn). A record never changes
    /// shards, so its tokens grow as before, and no two shards give the same token.
    next_token: Cell<u64>,
}

/// Room a new record's journal gets when no spare buffer is left: a typical flow's length.
const JOURNAL_ROOM: usize = 16;

/// Spare journal buffers a shard keeps at most.
const SPARE_JOURNALS: usize = 8;

impl Default for MemoryStore {
    fn default() -> Self {
        Self::with_retention(DEFAULT_FINISHED_RETENTION)
    }
}

impl MemoryStore {
    /// An empty store keeping the last 1,000 finished instances.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store keeping about `finished` finished instances (at least one per shard).
    pub fn with_retention(finished: usize) -> Self {
        Self {
            shards: (0..SHARDS)
                .map(|index| PaddedShard(Mutex::new(Shard::new(index))))
                .collect(),
            finished_per_shard: finished.div_ceil(SHARDS).max(1),
            definitions: Mutex::default(),
        }
    }

    fn shard(&self, id: InstanceId) -> MutexGuard<'_, Shard> {
        let index = (id.seed() as usize) % SHARDS;
        // Every operation on a shard leaves it consistent before it can panic, so a poisoned
        // lock holds valid data.
        self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// [`Store::insert`], done at once: the memory store never waits, so its futures are
    /// ready ones, with no state machine to move on every step.
    pub(crate) fn insert_now(
        &self,
        record: InstanceRecord,
        now: SystemTime,
        lease_to: Option<(u64, Duration)>,
    ) -> Result<Option<Lease>, StoreError> {
        self.insert_held_now(record, now, lease_to)
            .map(|(lease, _)| lease)
    }

    /// [`Store::insert_held`], done at once.
    pub(crate) fn insert_held_now(
        &self,
        mut record: InstanceRecord,
        now: SystemTime,
        lease_to: Option<(u64, Duration)>,
    ) -> Result<(Option<Lease>, Option<HeldRecord>), StoreError> {
        let id = record.id;
        let due = indexed_due(&record);
        let mut shard = self.shard(id);
        let lease = lease_to.map(|(owner, ttl)| shard.new_lease(owner, now + ttl));
        record.lease = lease;
        // (A spare buffer given to a record refused below is simply dropped with it.)
        shard.journal_room(&mut record);
        let std::collections::hash_map::Entry::Vacant(vacant) = shard.records.entry(id) else {
            return Err(StoreError::AlreadyExists(id));
        };
        let held = HeldRecord::new(record);
        vacant.insert(held.clone());
        shard.set_due(id, None, due);
        Ok((lease, Some(held)))
    }

    /// [`Store::commit`], done at once: the memory store never waits, so its futures are
    /// ready ones, with no state machine to move on every step.
    pub(crate) fn commit_now(&self, commit: Commit) -> Result<CommitAck, StoreError> {
        let (id, status) = (commit.id, commit.status);
        let mut shard = self.shard(id);
        // The record's part in a scope of its own: the shard is then free for its
        // bookkeeping without a clone of the hold (two atomic operations).
        let (ack, old_due, new_due, was_final) = {
            let held = shard.records.get(&id).ok_or(StoreError::NotFound(id))?;
            let mut record = held.lock();
            check_writer(&record, id, commit.lease_token, commit.expected_revision)?;
            let old_due = indexed_due(&record);
            let was_final = record.status.is_final();
            record.revision += 1;
            record.state = commit.state;
            record.status = commit.status;
            record.attempt = commit.attempt;
            record.step = commit.step;
            if let Some(context) = commit.context {
                record.context = context;
            }
            if let Some(entry) = commit.journal {
                record.journal.push(entry);
                compact(&mut record.journal, commit.journal_cap);
            }
            record.due_at = commit.due_at;
            record.compensation_boundary = commit.compensation_boundary;
            record.paused_from = commit.paused_from;
            record.cancelled = commit.cancelled;
            record.queries = commit.queries;
            record.error = commit.error;
            if commit.clear_request {
                record.request = None;
                held.0.request_posted.store(false, Ordering::Release);
            }
            match (&mut record.lease, commit.release_lease) {
                (lease, true) => {
                    *lease = None;
                    // At rest the journal stops growing for a while: give back its spare room.
                    record.journal.shrink_to_fit();
                }
                (Some(lease), false) => lease.expires_at = commit.lease_expires_at,
                (None, false) => {}
            }
            let ack = CommitAck {
                revision: record.revision,
                request: record.request.clone(),
            };
            if status.is_final() != was_final {
                held.0.finished.store(status.is_final(), Ordering::Relaxed);
            }
            (ack, old_due, indexed_due(&record), was_final)
        };
        shard.set_due(id, old_due, new_due);
        if status.is_final() && !was_final {
            shard.finished(id, self.finished_per_shard);
        }
        Ok(ack)
    }

    /// [`Store::commit_step`], done at once: the memory store never waits, so its futures are
    /// ready ones, with no state machine to move on every step. With the engine's hold on the
    /// record, it writes the record without the shard.
    pub(crate) fn commit_step_now(&self, step: StepCommit<'_>) -> Result<CommitAck, StoreError> {
        let step = match step.held {
            Some(held) => match held.commit_step(step) {
                HeldCommit::Done(committed) => return committed,
                HeldCommit::NeedsShard(step) => step,
            },
            None => step,
        };
        let id = step.id;
        let mut shard = self.shard(id);
        let (ack, had_due) = {
            let held = shard.records.get(&id).ok_or(StoreError::NotFound(id))?;
            let mut record = held.lock();
            let had_due = indexed_due(&record);
            let ack = apply_step(&mut record, step)?;
            // A step leaves the record running: no longer finished, if it was.
            held.0.finished.store(false, Ordering::Relaxed);
            (ack, had_due)
        };
        if had_due.is_some() {
            shard.set_due(id, had_due, None);
        }
        Ok(ack)
    }

    fn definitions(&self) -> MutexGuard<'_, Definitions> {
        // Saving leaves the map consistent before it can panic: a poisoned lock holds valid
        // data.
        self.definitions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Shard {
    fn new(index: usize) -> Self {
        Self {
            records: HashMap::default(),
            due: BTreeSet::new(),
            finished: VecDeque::new(),
            spare_journals: Vec::new(),
            index: index as u64,
            next_token: Cell::new(1),
        }
    }

    /// A new lease of this shard, to `owner` until `expires_at`.
    fn new_lease(&self, owner: u64, expires_at: SystemTime) -> Lease {
        let count = self.next_token.get();
        self.next_token.set(count + 1);
        Lease {
            token: (count << SHARD_BITS) | self.index,
            owner,
            expires_at,
        }
    }

    /// Records that `id` finished, forgetting the oldest finished instances past `keep`.
    fn finished(&mut self, id: InstanceId, keep: usize) {
        self.finished.push_back(id);
        while self.finished.len() > keep {
            let Some(oldest) = self.finished.pop_front() else {
                break;
            };
            // An operator may have revived it since (it is then not final): keep it.
            if self
                .records
                .get(&oldest)
                .is_some_and(|held| held.0.finished.load(Ordering::Relaxed))
                && let Some(held) = self.records.remove(&oldest)
            {
                self.keep_journal_buffer(held);
            }
        }
    }

    /// Keeps the journal buffer of a forgotten record for a record to come, if nobody else
    /// holds the record (a reader may, for a moment) and the shard has room for it.
    fn keep_journal_buffer(&mut self, held: HeldRecord) {
        if self.spare_journals.len() >= SPARE_JOURNALS {
            return;
        }
        if let Ok(slot) = Arc::try_unwrap(held.0) {
            let mut journal = slot
                .record
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .journal;
            journal.clear();
            self.spare_journals.push(journal);
        }
    }

    /// Gives `record` a journal with room to grow: a spare buffer if the shard has one.
    fn journal_room(&mut self, record: &mut InstanceRecord) {
        if record.journal.capacity() >= JOURNAL_ROOM {
            return;
        }
        match self.spare_journals.pop() {
            Some(mut spare) => {
                spare.append(&mut record.journal);
                record.journal = spare;
            }
            None => record.journal.reserve(JOURNAL_ROOM - record.journal.len()),
        }
    }

    fn set_due(&mut self, id: InstanceId, old: Option<SystemTime>, new: Option<SystemTime>) {
        if old == new {
            return;
        }
        if let Some(old) = old {
            self.due.remove(&(old, id));
        }
        if let Some(new) = new {
            self.due.insert((new, id));
        }
    }
}

/// Writes `step` to `record`, if its writer still holds it.
fn apply_step(record: &mut InstanceRecord, step: StepCommit<'_>) -> Result<CommitAck, StoreError> {
    check_writer(record, step.id, step.lease_token, step.expected_revision)?;
    record.revision += 1;
    record.state = Cow::Borrowed(step.state);
    record.status = Status::Running;
    record.attempt = 1;
    record.step = step.step;
    if let Some(context) = step.context {
        record.context = context;
    }
    // The steps collected before this one count a revision each, as if committed one by one.
    record.revision += step.earlier.len() as u64;
    record.journal.extend_from_slice(step.earlier);
    // Cloned straight into the buffer, not through a temporary on the stack.
    record
        .journal
        .extend_from_slice(std::slice::from_ref(step.journal));
    compact(&mut record.journal, step.journal_cap);
    record.due_at = None;
    record.compensation_boundary = None;
    record.cancelled = false;
    record.queries = 0;
    record.error = None;
    if let Some(lease) = &mut record.lease {
        lease.expires_at = step.lease_expires_at;
    }
    Ok(CommitAck {
        revision: record.revision,
        request: record.request.clone(),
    })
}

/// Refuses a writer whose lease was taken over or whose read is stale.
fn check_writer(
    record: &InstanceRecord,
    id: InstanceId,
    lease_token: u64,
    expected_revision: u64,
) -> Result<(), StoreError> {
    let current_token = record.lease.map_or(0, |lease| lease.token);
    if current_token != lease_token {
        return Err(StoreError::Fenced {
            instance: id,
            given: lease_token,
            current: current_token,
        });
    }
    if record.revision != expected_revision {
        return Err(StoreError::Conflict {
            instance: id,
            expected: expected_revision,
            found: record.revision,
        });
    }
    Ok(())
}

/// The due time the worker should see: none while paused, so a paused instance's timer
/// neither fires nor keeps the worker polling.
fn indexed_due(record: &InstanceRecord) -> Option<SystemTime> {
    if record.status == Status::Paused {
        None
    } else {
        record.due_at
    }
}

fn lease_is_live(lease: Option<&Lease>, now: SystemTime) -> bool {
    lease.is_some_and(|lease| lease.expires_at > now)
}

impl Store for MemoryStore {
    #[inline]
    fn keeps_running_context(&self) -> bool {
        false
    }

    #[inline]
    fn commits_in_process(&self) -> bool {
        true
    }

    fn insert(
        &self,
        record: InstanceRecord,
        now: SystemTime,
        lease_to: Option<(u64, Duration)>,
    ) -> impl Future<Output = Result<Option<Lease>, StoreError>> + Send {
        std::future::ready(self.insert_now(record, now, lease_to))
    }

    async fn load(&self, id: InstanceId) -> Result<Option<InstanceRecord>, StoreError> {
        let held = self.shard(id).records.get(&id).cloned();
        Ok(held.map(|held| held.lock().clone()))
    }

    fn commit(&self, commit: Commit) -> impl Future<Output = Result<CommitAck, StoreError>> + Send {
        std::future::ready(self.commit_now(commit))
    }

    fn insert_held(
        &self,
        record: InstanceRecord,
        now: SystemTime,
        lease_to: Option<(u64, Duration)>,
    ) -> impl Future<Output = Result<(Option<Lease>, Option<HeldRecord>), StoreError>> + Send {
        std::future::ready(self.insert_held_now(record, now, lease_to))
    }

    fn commit_step(
        &self,
        step: StepCommit<'_>,
    ) -> impl Future<Output = Result<CommitAck, StoreError>> + Send {
        std::future::ready(self.commit_step_now(step))
    }

    async fn acquire(
        &self,
        id: InstanceId,
        owner: u64,
        now: SystemTime,
        ttl: Duration,
    ) -> Result<Option<(InstanceRecord, Lease)>, StoreError> {
        let shard = self.shard(id);
        let lease = shard.new_lease(owner, now + ttl);
        let mut record = shard
            .records
            .get(&id)
            .ok_or(StoreError::NotFound(id))?
            .lock();
        if lease_is_live(record.lease.as_ref(), now) {
            return Ok(None);
        }
        record.lease = Some(lease);
        Ok(Some((record.clone(), lease)))
    }

    async fn renew(
        &self,
        id: InstanceId,
        token: u64,
        expires_at: SystemTime,
    ) -> Result<bool, StoreError> {
        let shard = self.shard(id);
        let Some(mut record) = shard.records.get(&id).map(HeldRecord::lock) else {
            return Ok(false);
        };
        match record.lease.as_mut() {
            Some(lease) if lease.token == token => {
                lease.expires_at = expires_at;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn release(&self, id: InstanceId, lease: Lease) -> Result<(), StoreError> {
        let shard = self.shard(id);
        if let Some(mut record) = shard.records.get(&id).map(HeldRecord::lock)
            && record
                .lease
                .is_some_and(|current| current.token == lease.token)
        {
            record.lease = None;
        }
        Ok(())
    }

    async fn claim_due(
        &self,
        now: SystemTime,
        owner: u64,
        ttl: Duration,
        limit: usize,
    ) -> Result<Vec<(InstanceRecord, Lease)>, StoreError> {
        // The earliest due across all shards first: each shard's earliest candidates, merged.
        let mut candidates: Vec<(SystemTime, InstanceId)> = Vec::new();
        for shard in self.shards.iter() {
            let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            candidates.extend(
                shard
                    .due
                    .iter()
                    .take_while(|(at, _)| *at <= now)
                    .filter(|(_, id)| {
                        shard
                            .records
                            .get(id)
                            .is_some_and(|held| !lease_is_live(held.lock().lease.as_ref(), now))
                    })
                    .take(limit)
                    .copied(),
            );
        }
        candidates.sort_unstable();
        let mut claimed = Vec::new();
        for (at, id) in candidates {
            if claimed.len() >= limit {
                break;
            }
            let mut shard = self.shard(id);
            // Another claimer may have taken it since the scan: claim it only if still due.
            if !shard.due.contains(&(at, id)) {
                continue;
            }
            let Some(held) = shard.records.get(&id).cloned() else {
                continue;
            };
            let mut record = held.lock();
            if lease_is_live(record.lease.as_ref(), now) {
                continue;
            }
            let lease = shard.new_lease(owner, now + ttl);
            record.lease = Some(lease);
            // The claim consumes the timer; the activation sets a new one if it needs one.
            let due = record.due_at.take();
            claimed.push((record.clone(), lease));
            drop(record);
            shard.set_due(id, due, None);
        }
        Ok(claimed)
    }

    async fn claim_orphans(
        &self,
        now: SystemTime,
        owner: u64,
        ttl: Duration,
        limit: usize,
    ) -> Result<Vec<(InstanceRecord, Lease)>, StoreError> {
        let mut claimed = Vec::new();
        for shard in self.shards.iter() {
            let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            for held in shard.records.values() {
                if claimed.len() >= limit {
                    return Ok(claimed);
                }
                let mut record = held.lock();
                let orphaned = matches!(record.status, Status::Running | Status::Compensating)
                    && record.due_at.is_none()
                    && record.lease.is_some_and(|lease| lease.expires_at <= now);
                if orphaned {
                    let lease = shard.new_lease(owner, now + ttl);
                    record.lease = Some(lease);
                    claimed.push((record.clone(), lease));
                }
            }
        }
        Ok(claimed)
    }

    async fn next_due(&self) -> Result<Option<SystemTime>, StoreError> {
        let earliest = self
            .shards
            .iter()
            .filter_map(|shard| {
                let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
                shard.due.first().map(|(at, _)| *at)
            })
            .min();
        Ok(earliest)
    }

    async fn request(&self, id: InstanceId, request: PendingRequest) -> Result<(), StoreError> {
        let shard = self.shard(id);
        let held = shard.records.get(&id).ok_or(StoreError::NotFound(id))?;
        let mut record = held.lock();
        record.request = Some(request);
        held.0.request_posted.store(true, Ordering::Release);
        Ok(())
    }

    async fn list(&self, query: &InstanceQuery<'_>) -> Result<Vec<InstanceSummary>, StoreError> {
        let mut found = Vec::new();
        for shard in self.shards.iter() {
            let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            found.extend(
                shard
                    .records
                    .values()
                    .map(HeldRecord::lock)
                    .filter(|record| query.status.is_none_or(|status| record.status == status))
                    .map(|record| InstanceSummary {
                        id: record.id,
                        flow: record.flow.to_string(),
                        flow_version: record.flow_version,
                        definition: record.definition.as_deref().map(str::to_owned),
                        state: record.state.to_string(),
                        status: record.status,
                    })
                    .filter(|summary| query.admits(summary)),
            );
        }
        found.sort_by_key(|summary| summary.id);
        found.truncate(query.limit);
        Ok(found)
    }

    async fn save_definition(&self, definition: &StoredDefinition) -> Result<(), StoreError> {
        let mut definitions = self.definitions();
        if let Some((stored, _)) = definitions.by_hash.get(&definition.hash) {
            return if stored.body == definition.body {
                Ok(())
            } else {
                Err(StoreError::DefinitionMismatch {
                    hash: definition.hash.clone(),
                })
            };
        }
        definitions.saved += 1;
        let order = definitions.saved;
        definitions
            .by_hash
            .insert(definition.hash.clone(), (definition.clone(), order));
        Ok(())
    }

    async fn load_definition(&self, hash: &str) -> Result<Option<StoredDefinition>, StoreError> {
        Ok(self
            .definitions()
            .by_hash
            .get(hash)
            .map(|(definition, _)| definition.clone()))
    }

    async fn list_definitions(&self, flow: &str) -> Result<Vec<StoredDefinition>, StoreError> {
        let definitions = self.definitions();
        let mut found: Vec<&(StoredDefinition, u64)> = definitions
            .by_hash
            .values()
            .filter(|(definition, _)| definition.flow == flow)
            .collect();
        found.sort_by_key(|(definition, order)| (definition.version, *order));
        Ok(found
            .into_iter()
            .map(|(definition, _)| definition.clone())
            .collect())
    }
}

/// Instance ids are UUIDv7 with random low bits: those bits are already a good hash, so
/// hashing is a fold instead of SipHash on the per-step path.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u64(&mut self, value: u64) {
        // `InstanceId` hashes as one word of random bits: use it as it is.
        self.0 = self.0.rotate_left(5) ^ value;
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
        }
    }
}
