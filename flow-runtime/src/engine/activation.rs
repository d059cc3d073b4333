//! An instance in the engine's hands: its typed state and context, its lease and revision,
//! and the commit that writes one step to the store.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use flow_core::{Context, InstanceId};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::EngineError;
use super::inner::Inner;
use super::machine::{FlowMachine, FlowTypes, MachineState};
use super::panic_guard::UserCall;
use crate::instance_error::InstanceError;
use crate::journal::{JournalEntry, compact};
use crate::outcome::{Outcome, Status};
use crate::plugin::{FlowEvent, StepEvent};
use crate::stats::{FlowStats, LabelSlot};
use crate::store::{Commit, HeldRecord, InstanceRecord, Lease, PendingRequest, StepCommit, Store};

/// How long step commits may be collected in the activation on the memory store's hold
/// before they are written to the record: a reader of a running instance (another task's
/// `engine.record(id)`, the HTTP API) sees it at most this far behind, never more.
const COLLECT_FOR: Duration = Duration::from_millis(1);

/// Step commits collected at most before they are written, whatever the time.
const COLLECT_AT_MOST: usize = 64;

/// Journal entries most flows finish within: the activation's journal starts with this much
/// room, so it does not regrow on the way (the store gives its own copy room of its own).
const JOURNAL_CAPACITY: usize = 16;

/// Business data the engine can store: serde both ways, movable between threads.
pub trait FlowData: Serialize + DeserializeOwned + Send + 'static {}

impl<T: Serialize + DeserializeOwned + Send + 'static> FlowData for T {}

/// How the context is stored: the data, the routing labels, and the last signal received
/// (left out when there is none, so records from before signals carried data read the same).
#[derive(Serialize)]
struct StoredContext<'a, D> {
    data: &'a D,
    labels: &'a [(String, String)],
    #[serde(skip_serializing_if = "Option::is_none")]
    signal: Option<&'a flow_core::ReceivedSignal>,
}

#[derive(serde::Deserialize)]
struct LoadedContext<D> {
    data: D,
    labels: Vec<(String, String)>,
    #[serde(default)]
    signal: Option<flow_core::ReceivedSignal>,
}

/// One instance being driven.
pub(crate) struct Activation<F: FlowMachine> {
    /// The flow it runs on (a zero-sized handle for a compiled flow).
    pub(crate) flow: F,
    pub(crate) state: F::State,
    pub(crate) status: Status,
    pub(crate) context: Context<F::Data>,
    pub(crate) revision: u64,
    pub(crate) lease: Lease,
    /// The store's hold on the record while this activation leases it (the memory store's,
    /// from insert), so that step commits go straight to the record.
    pub(crate) held: Option<HeldRecord>,
    pub(crate) attempt: u32,
    pub(crate) step: u64,
    pub(crate) journal: Vec<JournalEntry>,
    pub(crate) due_at: Option<SystemTime>,
    pub(crate) compensation_boundary: Option<u64>,
    pub(crate) paused_from: Option<Status>,
    pub(crate) cancelled: bool,
    pub(crate) queries: u32,
    pub(crate) error: Option<InstanceError>,
    pub(crate) stats: Option<(FlowStats, LabelSlot)>,
    /// The user code running now, if any: a panic caught in the drive loop is its.
    pub(crate) running: Option<UserCall<F::State>>,
    /// Whether the chaos in force has rules for this flow, as last looked up.
    pub(crate) chaos: crate::chaos::FlowChaos,
    /// The time step `.0` became ready to start (its previous step's commit, done in
    /// process), in nanoseconds since the Unix epoch, so that measuring it takes no clock
    /// read of its own. Taken by that step.
    pub(crate) step_ready: Option<(u64, u64)>,
    /// The length of the context as last encoded: the next encoding's buffer is made that
    /// large at once (a durable store encodes the context at every step).
    encoded_len: usize,
    /// Step commits made in the activation only, on the memory store's hold.
    pub(crate) collecting: Collecting,
}

/// Step commits the activation made without writing them to the store yet: on the memory
/// store, where the record lives in this process and is read by nobody but it, a running
/// instance's steps are written to its record in one go, not one lock each. They are written
/// whenever anything else could look: before any other commit (a rest, a wait, a failure,
/// compensation), when an operator request waits in the record (the hold's flag, read after
/// every step), when the action awaits (before the drive yields), when the drive stops short
/// of a rest ([`Driving`]), and at least every [`COLLECT_FOR`] and [`COLLECT_AT_MOST`] steps.
/// Every step is journaled in the activation as it commits; the record gets the same entries,
/// a revision each, as if they had been committed one by one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Collecting {
    /// The last collected step commit's fields and how many there are (the journal's last
    /// entries); `None` when the record has them all.
    steps: Option<CollectedSteps>,
    /// Steps may be collected until then (a step's commit time).
    until: SystemTime,
}

#[derive(Debug, Clone, Copy)]
struct CollectedSteps {
    count: usize,
    /// The engine's journal cap, for the record's compaction when they are written.
    journal_cap: usize,
    state: &'static str,
    step: u64,
    lease_expires_at: SystemTime,
}

impl Collecting {
    /// Nothing collected, and nothing may be until something is written.
    const NONE: Self = Self {
        steps: None,
        until: SystemTime::UNIX_EPOCH,
    };

    /// Nothing collected; steps committed before `written + COLLECT_FOR` may be.
    fn written_at(written: SystemTime) -> Self {
        Self {
            steps: None,
            until: written + COLLECT_FOR,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.steps.is_none()
    }
}

/// Writes the collected step commits of the activation's parts through `held`, done at once;
/// `None` when nothing was collected or the record needs its store for it (a timer in the due
/// index, which a held, running record does not have).
fn write_collected(
    held: &HeldRecord,
    journal: &[JournalEntry],
    collecting: &mut Collecting,
    revision: &mut u64,
    lease: Lease,
    id: InstanceId,
) -> Option<Result<(), crate::store::StoreError>> {
    let step = collected_commit(journal, collecting, *revision, lease, id, held)?;
    let crate::store::HeldCommit::Done(written) = held.commit_step(step) else {
        return None;
    };
    Some(written.map(|ack| {
        *revision = ack.revision;
        *collecting = Collecting::NONE;
    }))
}

/// The activation's parts [`write_collected_before_waiting`] writes: taken apart, since the
/// waiting action holds the context.
pub(crate) type CollectedParts<'a> = (
    &'a Option<HeldRecord>,
    &'a Vec<JournalEntry>,
    &'a mut Collecting,
    &'a mut u64,
    Lease,
);

/// Writes the collected step commits before the drive yields to an action that waits. A
/// refusal is left for the step's own commit to meet and report.
pub(crate) fn write_collected_before_waiting(id: InstanceId, parts: CollectedParts<'_>) {
    let (held, journal, collecting, revision, lease) = parts;
    if let Some(held) = held
        && !collecting.is_empty()
    {
        let _refused_later_too = write_collected(held, journal, collecting, revision, lease, id);
    }
}

/// The one step commit that writes what `collecting` holds: the last collected step, with the
/// entries before it as its `earlier` ones.
fn collected_commit<'a>(
    journal: &'a [JournalEntry],
    collecting: &Collecting,
    revision: u64,
    lease: Lease,
    id: InstanceId,
    held: &'a HeldRecord,
) -> Option<StepCommit<'a>> {
    let collected = collecting.steps?;
    let start = journal.len().checked_sub(collected.count)?;
    let (last, earlier) = journal[start..].split_last()?;
    Some(StepCommit {
        id,
        expected_revision: revision,
        lease_token: lease.token,
        state: collected.state,
        step: collected.step,
        context: None,
        journal: last,
        earlier,
        held: Some(held),
        journal_cap: collected.journal_cap,
        lease_expires_at: collected.lease_expires_at,
    })
}

impl<F: FlowMachine> Activation<F> {
    /// A new instance in its start state, with the record to insert. Without
    /// `store_context` the record's context is left empty: the caller drives the instance at
    /// once on a store that keeps contexts only at rest, so the first encoding waits until it
    /// rests (or until its drive stops short of that, see [`Driving`]).
    pub(crate) fn start(
        flow: F,
        id: InstanceId,
        data: F::Data,
        options: super::StartOptions,
        stats: Option<FlowStats>,
        now: SystemTime,
        store_context: bool,
    ) -> Result<(Box<Self>, InstanceRecord), EngineError> {
        let start = flow.start();
        let mut context = Context::new(id, flow.name(), flow.version(), start.name(), data);
        for (key, value) in options.labels {
            context.set_label(key, value);
        }
        let mut journal = Vec::with_capacity(JOURNAL_CAPACITY);
        if let Some(route) = options.route {
            journal.push(JournalEntry {
                step: 0,
                kind: crate::journal::JournalKind::Route,
                action: Cow::Owned(route.reason.to_string()),
                instruction: Cow::Owned(route.variant),
                from: Cow::Borrowed(""),
                to: Cow::Borrowed(start.name()),
                attempt: 1,
                compensable: false,
                injected: None,
                at: now,
                signal: None,
            });
        }
        let stats = stats.map(|stats| {
            let slot = stats.slot(context.labels());
            (stats, slot)
        });
        let mut encoded_len = ENCODED_LEN_AT_FIRST;
        let record = InstanceRecord {
            id,
            flow: Cow::Borrowed(flow.name()),
            flow_version: flow.version(),
            // Document flows pin the definition they start on; compiled ones have none.
            definition: flow.definition().map(Cow::Borrowed),
            state: Cow::Borrowed(start.name()),
            status: Status::Running,
            attempt: 1,
            step: 0,
            revision: 0,
            // Stored from the start where the store keeps running contexts, so the record is
            // readable whatever happens to its driver.
            context: if store_context {
                encode(&context, &mut encoded_len)?
            } else {
                Vec::new()
            },
            // The store gives its copy room to grow (the memory store from the buffers of
            // records it forgot); usually empty here, so nothing is allocated.
            journal: journal.clone(),
            due_at: None,
            compensation_boundary: None,
            paused_from: None,
            cancelled: false,
            queries: 0,
            request: None,
            error: None,
            lease: None,
        };
        // Boxed: the activation is large, and the start moves it through several awaits.
        let activation = Box::new(Self {
            flow,
            state: start,
            status: Status::Running,
            context,
            revision: 0,
            // Replaced by the lease the store grants on insert.
            lease: Lease {
                token: 0,
                owner: 0,
                expires_at: SystemTime::UNIX_EPOCH,
            },
            held: None,
            attempt: 1,
            step: 0,
            journal,
            due_at: None,
            compensation_boundary: None,
            paused_from: None,
            cancelled: false,
            queries: 0,
            error: None,
            stats,
            running: None,
            chaos: crate::chaos::FlowChaos::default(),
            step_ready: None,
            encoded_len,
            // The insert, at `now`, is the last write.
            collecting: Collecting::written_at(now),
        });
        Ok((activation, record))
    }

    /// The instance stored in `record`, leased with `lease`.
    pub(crate) fn load(
        flow: F,
        record: InstanceRecord,
        lease: Lease,
        stats: Option<FlowStats>,
    ) -> Result<Self, EngineError> {
        let (state, loaded) = decode(&flow, &record)?;
        let mut context = Context::new(
            record.id,
            flow.name(),
            record.flow_version,
            state.name(),
            loaded.data,
        );
        for (key, value) in loaded.labels {
            context.set_label(key, value);
        }
        context.set_signal(loaded.signal);
        context.enter(state.name(), record.step, record.attempt);
        let stats = stats.map(|stats| {
            let slot = stats.slot(context.labels());
            (stats, slot)
        });
        Ok(Self {
            flow,
            state,
            status: record.status,
            context,
            revision: record.revision,
            lease,
            held: None,
            attempt: record.attempt,
            step: record.step,
            journal: record.journal,
            due_at: record.due_at,
            compensation_boundary: record.compensation_boundary,
            paused_from: record.paused_from,
            cancelled: record.cancelled,
            queries: record.queries,
            error: record.error,
            stats,
            running: None,
            chaos: crate::chaos::FlowChaos::default(),
            step_ready: None,
            encoded_len: ENCODED_LEN_AT_FIRST,
            collecting: Collecting::NONE,
        })
    }

    /// Appends a step's entry to the journal, for [`Activation::commit_step`] to commit:
    /// built straight into the journal, the entry is not moved again on the way.
    #[inline]
    pub(crate) fn append_step(&mut self, entry: impl FnOnce() -> JournalEntry) {
        // Made after the room is reserved, so that it is built in the buffer, not aside.
        self.journal.extend(std::iter::once_with(entry));
    }

    /// Collects the step whose entry [`Activation::append_step`] appended last instead of
    /// writing it (`Collecting`), on the memory store's hold, unless a request waits, the time
    /// or count is up, or the journal is at its cap (compaction must not drop an entry the
    /// record has not had). Returns whether it did; if not, [`Activation::commit_step`]
    /// writes it. Not async, so that the common step awaits no commit at all.
    #[inline]
    pub(crate) fn collect_step<S: Store>(&mut self, inner: &Inner<S>) -> bool {
        let journal_cap = inner.config.journal_cap;
        let Some(held) = &self.held else {
            return false;
        };
        let Some(entry) = self.journal.last() else {
            return false;
        };
        let collected = self.collecting.steps.map_or(0, |steps| steps.count);
        if inner.store.keeps_running_context()
            || entry.at >= self.collecting.until
            || collected >= COLLECT_AT_MOST
            || self.journal.len() > journal_cap
            || held.request_posted()
        {
            return false;
        }
        self.collecting.steps = Some(CollectedSteps {
            count: collected + 1,
            journal_cap,
            state: self.state.name(),
            step: self.step,
            lease_expires_at: entry.at + inner.config.lease_ttl,
        });
        // What a step commit clears.
        self.compensation_boundary = None;
        self.cancelled = false;
        self.error = None;
        true
    }

    /// Commits the step whose entry [`Activation::append_step`] appended last, after which
    /// the instance runs on: the hot path's lighter commit (with the steps collected before
    /// it, if any).
    pub(crate) async fn commit_step<S: Store>(
        &mut self,
        inner: &Inner<S>,
    ) -> Result<Option<PendingRequest>, EngineError> {
        let context = if inner.store.keeps_running_context() {
            match encode(&self.context, &mut self.encoded_len) {
                Ok(context) => Some(context),
                Err(error) => {
                    // Not committed: not journaled either.
                    self.journal.pop();
                    return Err(error);
                }
            }
        } else {
            None
        };
        let journal_cap = inner.config.journal_cap;
        let (entry, before) = self
            .journal
            .split_last()
            .expect("`append_step` appends the entry `commit_step` commits");
        let lease_expires_at = entry.at + inner.config.lease_ttl;
        let collected = self.collecting.steps.map_or(0, |steps| steps.count);
        let written_at = entry.at;
        let committed = inner
            .store
            .commit_step(StepCommit {
                id: self.context.instance(),
                expected_revision: self.revision,
                lease_token: self.lease.token,
                state: self.state.name(),
                step: self.step,
                context,
                journal: entry,
                earlier: &before[before.len() - collected..],
                held: self.held.as_ref(),
                journal_cap,
                lease_expires_at,
            })
            .await;
        let ack = match committed {
            Ok(ack) => ack,
            Err(error) => {
                // Not committed: not journaled either (the steps collected before it stay
                // collected, and are refused the same way when written).
                self.journal.pop();
                return Err(error.into());
            }
        };
        self.revision = ack.revision;
        self.collecting = Collecting::written_at(written_at);
        // What a step commit clears in the store.
        self.compensation_boundary = None;
        self.cancelled = false;
        self.error = None;
        compact(&mut self.journal, inner.config.journal_cap);
        Ok(ack.request)
    }

    /// Writes the activation's fields and `entry` to the store in one commit. With
    /// `release`, the instance comes to rest: its context is stored and its lease ends.
    /// Returns an operator request left for the instance.
    pub(crate) async fn commit<S: Store>(
        &mut self,
        inner: &Inner<S>,
        entry: Option<JournalEntry>,
        release: bool,
        clear_request: bool,
    ) -> Result<Option<PendingRequest>, EngineError> {
        self.write_collected(inner).await?;
        let context = if inner.store.keeps_running_context() || release {
            Some(encode(&self.context, &mut self.encoded_len)?)
        } else {
            None
        };
        let lease_expires_at = entry
            .as_ref()
            .map_or_else(|| inner.clock.now(), |entry| entry.at)
            + inner.config.lease_ttl;
        let ack = inner
            .store
            .commit(Commit {
                id: self.id(),
                expected_revision: self.revision,
                lease_token: self.lease.token,
                state: Cow::Borrowed(self.state.name()),
                status: self.status,
                attempt: self.attempt,
                step: self.step,
                context,
                journal: entry.clone(),
                journal_cap: inner.config.journal_cap,
                due_at: self.due_at,
                compensation_boundary: self.compensation_boundary,
                paused_from: self.paused_from,
                cancelled: self.cancelled,
                queries: self.queries,
                error: self.error.clone(),
                clear_request,
                release_lease: release,
                lease_expires_at,
            })
            .await?;
        self.revision = ack.revision;
        if let Some(entry) = entry {
            self.journal.push(entry);
            compact(&mut self.journal, inner.config.journal_cap);
        }
        if release {
            // The lease ended: whoever drives the instance next gets a hold of its own.
            self.held = None;
            inner.instance_rested(self.due_at);
        }
        Ok(ack.request)
    }
}

impl<F: FlowMachine> Activation<F> {
    pub(crate) fn id(&self) -> InstanceId {
        self.context.instance()
    }

    /// [`write_collected`] of this activation's parts, through its hold, if it has one.
    fn write_collected_through_hold(&mut self) -> Option<Result<(), crate::store::StoreError>> {
        let held = self.held.as_ref()?;
        let id = self.context.instance();
        write_collected(
            held,
            &self.journal,
            &mut self.collecting,
            &mut self.revision,
            self.lease,
            id,
        )
    }

    /// Writes the step commits collected so far (`Collecting`), if any.
    pub(crate) async fn write_collected<S: Store>(
        &mut self,
        inner: &Inner<S>,
    ) -> Result<(), EngineError> {
        if self.collecting.is_empty() {
            return Ok(());
        }
        if let Some(written) = self.write_collected_through_hold() {
            return written.map_err(EngineError::from);
        }
        let id = self.id();
        let Some(held) = &self.held else {
            return Ok(());
        };
        // The record needs its store (not the case for a held, running record; kept for
        // whatever changes that).
        let Some(step) = collected_commit(
            &self.journal,
            &self.collecting,
            self.revision,
            self.lease,
            id,
            held,
        ) else {
            return Ok(());
        };
        let ack = inner.store.commit_step(step).await?;
        self.revision = ack.revision;
        self.collecting = Collecting::NONE;
        Ok(())
    }

    /// Starts compensating: every step completed before the current one will be undone.
    /// (The step that chose a failure end reported that it did not do its job: nothing of
    /// it to undo.)
    pub(crate) fn begin_compensating(&mut self) {
        self.status = Status::Compensating;
        self.compensation_boundary = Some(self.step);
        self.attempt = 1;
        self.due_at = None;
    }

    /// The event plugins see for a step of `action` (or its compensation) now.
    pub(crate) fn step_event(&self, action: &'static str) -> StepEvent<'_> {
        StepEvent {
            flow: self.event(),
            action,
            step: self.step,
            attempt: self.attempt,
        }
    }

    /// The event plugins see for this instance.
    pub(crate) fn event(&self) -> FlowEvent<'_> {
        FlowEvent {
            flow: self.flow.name(),
            version: self.flow.version(),
            instance: self.id(),
            state: self.state.name(),
            labels: self.context.labels(),
        }
    }

    /// The outcome a caller sees, typed as flow `K` (the `flow!` type, or the document
    /// flow).
    pub(crate) fn into_outcome<K: FlowTypes<Data = F::Data, State = F::State>>(self) -> Outcome<K> {
        Outcome {
            instance: self.context.instance(),
            state: self.state,
            status: self.status,
            data: self.context.data,
            journal: self.journal,
            error: self.error,
        }
    }
}

/// The activation a drive works on, for the length of the drive. On a store that keeps
/// contexts only at rest (the memory store), an instance its caller drives at once holds no
/// stored context until it rests: if the drive stops before that (its caller drops the
/// future mid-flow, the drive fails, a chaos crash point leaves the step for recovery), the
/// context is written to the record on the way out, so that whoever adopts the orphan goes
/// on with the data as it was. An activation that rested, or holds no record, costs a branch.
pub(crate) struct Driving<'a, F: FlowMachine>(pub(crate) &'a mut Activation<F>);

impl<F: FlowMachine> Drop for Driving<'_, F> {
    fn drop(&mut self) {
        // While unwinding, user serialisation code must not run (a second panic aborts):
        // the record then keeps no context, and adopting it fails as undecodable, which
        // quarantines it.
        if self.0.held.is_some() && !std::thread::panicking() {
            self.0.write_collected_now();
            self.0.store_context_if_held();
        }
    }
}

impl<F: FlowMachine> Activation<F> {
    /// Writes the collected step commits through the hold, done at once (the drive stops
    /// short of a rest, and cannot wait): they were committed, so the record must have them.
    fn write_collected_now(&mut self) {
        match self.write_collected_through_hold() {
            None | Some(Ok(())) => {}
            Some(Err(error)) => {
                tracing::warn!(instance = %self.id(), %error, "the steps of an instance left mid-flow could not be written to its record")
            }
        }
    }

    /// Writes the context to the record this activation still holds (it stopped without
    /// resting), for whoever adopts the instance next.
    fn store_context_if_held(&self) {
        let Some(held) = &self.held else {
            return;
        };
        let mut encoded_len = self.encoded_len;
        match encode(&self.context, &mut encoded_len) {
            Ok(context) => held.keep_context(context),
            Err(error) => {
                tracing::warn!(instance = %self.id(), %error, "the context of an instance left mid-flow could not be stored")
            }
        }
    }
}

/// The outcome stored in `record` (an instance at rest).
pub(crate) fn outcome_from_record<
    F: FlowMachine,
    K: FlowTypes<Data = F::Data, State = F::State>,
>(
    flow: &F,
    record: InstanceRecord,
) -> Result<Outcome<K>, EngineError> {
    let (state, loaded) = decode(flow, &record)?;
    Ok(Outcome {
        instance: record.id,
        state,
        status: record.status,
        data: loaded.data,
        journal: record.journal,
        error: record.error,
    })
}

/// The state and context stored in `record`.
fn decode<F: FlowMachine>(
    flow: &F,
    record: &InstanceRecord,
) -> Result<(F::State, LoadedContext<F::Data>), EngineError> {
    let codec_error = |message: String| EngineError::Codec {
        instance: record.id,
        operation: "decoded",
        message,
    };
    let state = flow.state_named(&record.state).ok_or_else(|| {
        codec_error(format!(
            "flow `{}` has no state `{}`",
            flow.name(),
            record.state
        ))
    })?;
    let loaded =
        serde_json::from_slice(&record.context).map_err(|error| codec_error(error.to_string()))?;
    Ok((state, loaded))
}

/// The buffer an activation's first encoding of its context starts with.
const ENCODED_LEN_AT_FIRST: usize = 64;

/// `context` as stored; `encoded_len` is the length of the last encoding (the buffer's size
/// to start with), and becomes this one's.
fn encode<D: Serialize>(
    context: &Context<D>,
    encoded_len: &mut usize,
) -> Result<Vec<u8>, EngineError> {
    let codec_error = |error: serde_json::Error| EngineError::Codec {
        instance: context.instance(),
        operation: "encoded",
        message: error.to_string(),
    };
    let labels = context.labels();
    let signal = context.received_signal();
    if !labels.is_empty() || signal.is_some() {
        return serde_json::to_vec(&StoredContext {
            data: &context.data,
            labels,
            signal,
        })
        .map_err(codec_error);
    }
    // The same bytes serde writes for a `StoredContext` without labels, without its
    // struct machinery: this runs twice per instance (insert and rest).
    let mut bytes = Vec::with_capacity(*encoded_len);
    bytes.extend_from_slice(br#"{"data":"#);
    serde_json::to_writer(&mut bytes, &context.data).map_err(codec_error)?;
    bytes.extend_from_slice(br#","labels":[]}"#);
    *encoded_len = bytes.len();
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_without_labels_is_stored_as_serde_writes_it() {
        #[derive(Serialize)]
        struct Order {
            total: u32,
            note: &'static str,
        }
        let context = Context::new(
            InstanceId::new(),
            "Checkout",
            1,
            "Cart",
            Order {
                total: 3,
                note: "a \"quoted\" note",
            },
        );
        let expected = serde_json::to_vec(&StoredContext {
            data: &context.data,
            labels: context.labels(),
            signal: None,
        })
        .expect("encodes");
        assert_eq!(encode(&context, &mut 0).expect("encodes"), expected);
    }

    #[test]
    fn a_context_stored_before_signals_carried_data_still_decodes() {
        let stored = br#"{"data":{"total":3},"labels":[["channel","web"]]}"#;
        let loaded: LoadedContext<serde_json::Value> =
            serde_json::from_slice(stored).expect("decodes");
        assert_eq!(loaded.data["total"], 3);
        assert_eq!(loaded.labels, [("channel".to_owned(), "web".to_owned())]);
        assert_eq!(loaded.signal, None);
    }

    #[test]
    fn a_context_with_a_signal_is_stored_with_it_and_read_back() {
        let mut context = Context::new(InstanceId::new(), "Loan", 1, "Review", 7u32);
        context.set_signal(Some(flow_core::ReceivedSignal {
            event: "Correct".to_owned(),
            actor: Some("rita".to_owned()),
            payload: serde_json::json!({ "amount": 900 }),
        }));
        let stored = encode(&context, &mut 0).expect("encodes");
        let loaded: LoadedContext<u32> = serde_json::from_slice(&stored).expect("decodes");
        assert_eq!(loaded.data, 7);
        assert_eq!(loaded.signal.as_ref(), context.received_signal());
    }
}
