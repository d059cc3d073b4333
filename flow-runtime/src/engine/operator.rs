//! Operator instructions: what ops may do to an instance. Each is recorded in the journal
//! with who gave it, and told to plugins: here when the instance rests, by the engine that
//! drives it (`after_commit`) when it is busy, through the same entry and event.

use std::borrow::Cow;
use std::time::SystemTime;

use flow_core::{Flow, InstanceId};

use super::Engine;
use super::error::EngineError;
use super::machine::{Compiled, FlowMachine, MachineState};
use crate::journal::{JournalEntry, JournalKind};
use crate::outcome::Status;
use crate::plugin::{FlowEvent, OperatorEvent};
use crate::store::{Commit, InstanceRecord, Lease, OperatorRequest, PendingRequest, Store};

/// Gives operator instructions as `actor`. Get one with [`Engine::operator`].
pub struct Operator<'a, S: Store> {
    engine: &'a Engine<S>,
    actor: &'a str,
}

impl<'a, S: Store> Operator<'a, S> {
    pub(crate) fn new(engine: &'a Engine<S>, actor: &'a str) -> Self {
        Self { engine, actor }
    }

    /// Stops the instance: at once when it rests, after its running step otherwise.
    /// Its timers stop too, until it resumes.
    pub async fn pause(&self, instance: InstanceId) -> Result<(), EngineError> {
        let Some((record, lease)) = self
            .lease_or_request(instance, OperatorRequest::Pause)
            .await?
        else {
            return Ok(());
        };
        match record.status {
            Status::Running | Status::Waiting | Status::Compensating => {
                let mut change = Change::from(&record);
                change.paused_from = Some(record.status);
                change.status = Status::Paused;
                self.apply(&record, lease, change, "pause", None).await
            }
            status => self.refuse(instance, lease, "pause", status).await,
        }
    }

    /// Lets a paused instance go on from where it stopped.
    pub async fn resume(&self, instance: InstanceId) -> Result<(), EngineError> {
        let (record, lease) = self.engine.acquire(instance).await?;
        if record.status != Status::Paused {
            return self.refuse(instance, lease, "resume", record.status).await;
        }
        let mut change = Change::from(&record);
        change.status = record.paused_from.unwrap_or(Status::Running);
        change.paused_from = None;
        if change.status != Status::Waiting && change.due_at.is_none() {
            change.due_at = Some(self.engine.inner.clock.now());
        }
        self.apply(&record, lease, change, "resume", None).await
    }

    /// Cancels the instance: its completed steps are compensated, then it ends `Cancelled`.
    pub async fn cancel(&self, instance: InstanceId) -> Result<(), EngineError> {
        let Some((record, lease)) = self
            .lease_or_request(instance, OperatorRequest::Cancel)
            .await?
        else {
            return Ok(());
        };
        match record.status {
            Status::Running | Status::Waiting | Status::Paused | Status::Manual => {
                let mut change = Change::from(&record);
                change.status = Status::Compensating;
                change.cancelled = true;
                change.compensation_boundary = Some(record.step);
                change.attempt = 1;
                change.paused_from = None;
                change.due_at = Some(self.engine.inner.clock.now());
                self.apply(&record, lease, change, "cancel", None).await
            }
            status => self.refuse(instance, lease, "cancel", status).await,
        }
    }

    /// Tries again an instance that needs a person: its compensation if that is what
    /// failed, its current step otherwise, with fresh attempts.
    pub async fn retry(&self, instance: InstanceId) -> Result<(), EngineError> {
        let (record, lease) = self.engine.acquire(instance).await?;
        if record.status != Status::Manual {
            return self.refuse(instance, lease, "retry", record.status).await;
        }
        let mut change = Change::from(&record);
        change.status = if record.compensation_boundary.is_some() {
            Status::Compensating
        } else {
            Status::Running
        };
        change.attempt = 1;
        change.queries = 0;
        change.error = None;
        change.due_at = Some(self.engine.inner.clock.now());
        self.apply(&record, lease, change, "retry", None).await
    }

    /// Moves a resting instance (paused, waiting, or needing a person) to `state` of flow
    /// `F`, which runs from there: a manual fix. The state is checked against the flow.
    pub async fn skip<F: Flow>(&self, instance: InstanceId, state: &str) -> Result<(), EngineError>
    where
        F::Data: crate::FlowData,
    {
        self.skip_on(&Compiled::<F>::new(), instance, state).await
    }

    /// [`Operator::skip`] for an instance of a document flow over `D`: the state is checked
    /// against the definition the instance runs on.
    pub async fn skip_document<D: crate::FlowData>(
        &self,
        instance: InstanceId,
        state: &str,
    ) -> Result<(), EngineError> {
        let flow = self.engine.instance_flow::<D>(instance).await?;
        self.skip_on(&flow, instance, state).await
    }

    /// [`Operator::skip`] on the flow `flow`.
    pub(crate) async fn skip_on<M: FlowMachine>(
        &self,
        flow: &M,
        instance: InstanceId,
        state: &str,
    ) -> Result<(), EngineError> {
        let target = flow
            .state_named(state)
            .ok_or_else(|| EngineError::UnknownState {
                flow: flow.name(),
                state: state.to_owned(),
                suggestion: flow_core::did_you_mean(state, flow.states().map(|state| state.name())),
            })?;
        let (record, lease) = self.engine.acquire_for(flow, instance).await?;
        self.skip_leased(record, lease, Cow::Borrowed(target.name()))
            .await
    }

    /// [`Operator::skip`] for a tool that has the instance's definition but not its types
    /// (`flowctl`): the caller checked that `state` is a state of flow `flow` `version`, and
    /// the instance must be an instance of that flow version.
    #[cfg(feature = "cli")]
    pub(crate) async fn skip_checked_by_caller(
        &self,
        instance: InstanceId,
        flow: &str,
        version: u32,
        state: String,
    ) -> Result<(), EngineError> {
        let (record, lease) = self.engine.acquire(instance).await?;
        if record.flow != flow || record.flow_version != version {
            self.engine.inner.store.release(instance, lease).await?;
            return Err(EngineError::WrongFlow {
                instance,
                expected: format!("{flow} v{version}"),
                actual: format!("{} v{}", record.flow, record.flow_version),
            });
        }
        self.skip_leased(record, lease, Cow::Owned(state)).await
    }

    /// Moves the leased `record` to `target`, if it rests.
    async fn skip_leased(
        &self,
        record: InstanceRecord,
        lease: Lease,
        target: Cow<'static, str>,
    ) -> Result<(), EngineError> {
        let instance = record.id;
        if !matches!(
            record.status,
            Status::Paused | Status::Waiting | Status::Manual
        ) {
            return self.refuse(instance, lease, "skip", record.status).await;
        }
        let mut change = Change::from(&record);
        change.state = target.clone();
        change.status = Status::Running;
        change.attempt = 1;
        change.queries = 0;
        change.error = None;
        change.paused_from = None;
        change.compensation_boundary = None;
        change.due_at = Some(self.engine.inner.clock.now());
        self.apply(&record, lease, change, "skip", Some(&*target))
            .await
    }

    /// Leases the instance, or leaves `request` for the engine running it.
    async fn lease_or_request(
        &self,
        instance: InstanceId,
        request: OperatorRequest,
    ) -> Result<Option<(InstanceRecord, Lease)>, EngineError> {
        match self.engine.acquire(instance).await {
            Ok(found) => Ok(Some(found)),
            Err(EngineError::Busy(_)) => {
                let request = PendingRequest::new(request, self.actor);
                self.engine.inner.store.request(instance, request).await?;
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    async fn refuse(
        &self,
        instance: InstanceId,
        lease: Lease,
        operation: &'static str,
        status: Status,
    ) -> Result<(), EngineError> {
        self.engine.inner.store.release(instance, lease).await?;
        Err(EngineError::InvalidStatus {
            instance,
            operation,
            status,
        })
    }

    async fn apply(
        &self,
        record: &InstanceRecord,
        lease: Lease,
        change: Change,
        instruction: &'static str,
        target: Option<&str>,
    ) -> Result<(), EngineError> {
        let inner = &self.engine.inner;
        let entry = operator_entry(
            record.step,
            instruction,
            self.actor,
            record.state.clone(),
            change.state.clone(),
            inner.clock.now(),
        );
        let due_at = change.due_at;
        inner
            .store
            .commit(Commit {
                id: record.id,
                expected_revision: record.revision,
                lease_token: lease.token,
                state: change.state,
                status: change.status,
                attempt: change.attempt,
                step: record.step,
                context: None,
                journal: Some(entry),
                journal_cap: inner.config.journal_cap,
                due_at: change.due_at,
                compensation_boundary: change.compensation_boundary,
                paused_from: change.paused_from,
                cancelled: change.cancelled,
                queries: change.queries,
                error: change.error,
                clear_request: true,
                release_lease: true,
                lease_expires_at: self.engine.inner.clock.now(),
            })
            .await?;
        inner.instance_rested(due_at);
        if !inner.plugins.is_empty() {
            let flow = inner
                .by_name(&record.flow, record.flow_version)
                .map_or("", |registered| registered.name);
            let event = OperatorEvent {
                flow: FlowEvent {
                    flow,
                    version: record.flow_version,
                    instance: record.id,
                    state: &record.state,
                    labels: &[],
                },
                actor: self.actor,
                instruction,
                target,
            };
            inner.plugins.each(|plugin| plugin.on_operator(&event));
        }
        Ok(())
    }
}

/// The journal entry of an operator instruction given by `actor` at step `step`, moving the
/// instance from `from` to `to`: the one shape both the at-rest and the deferred path write,
/// so that the journal names who acted whichever engine applied it.
pub(crate) fn operator_entry(
    step: u64,
    instruction: &'static str,
    actor: &str,
    from: Cow<'static, str>,
    to: Cow<'static, str>,
    at: SystemTime,
) -> JournalEntry {
    JournalEntry {
        step,
        kind: JournalKind::Operator,
        action: Cow::Borrowed(instruction),
        instruction: Cow::Owned(actor.to_owned()),
        from,
        to,
        attempt: 1,
        compensable: false,
        injected: None,
        at,
        signal: None,
    }
}

/// The record fields an operator instruction changes.
struct Change {
    state: Cow<'static, str>,
    status: Status,
    attempt: u32,
    queries: u32,
    due_at: Option<SystemTime>,
    compensation_boundary: Option<u64>,
    paused_from: Option<Status>,
    cancelled: bool,
    error: Option<crate::InstanceError>,
}

impl From<&InstanceRecord> for Change {
    fn from(record: &InstanceRecord) -> Self {
        Self {
            state: record.state.clone(),
            status: record.status,
            attempt: record.attempt,
            queries: record.queries,
            due_at: record.due_at,
            compensation_boundary: record.compensation_boundary,
            paused_from: record.paused_from,
            cancelled: record.cancelled,
            error: record.error.clone(),
        }
    }
}
