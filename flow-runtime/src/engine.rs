//! The engine: runs instances of registered flows on a [`Store`], step by step, with retries,
//! timeouts, waits, saga compensation, operator instructions, plugins and statistics.
//!
//! Callers drive instances in their own task (`run`, `signal`); a worker task picks up what
//! became due later (retries, deadlines, queries, started and resumed instances). No task is
//! spawned per step.

mod activation;
mod after_commit;
mod attempt;
mod builder;
mod chaos_attempt;
mod config;
mod config_source;
mod document_flow;
mod document_loader;
mod documents;
mod drive;
mod error;
mod inner;
mod json_door;
mod lease_keeper;
mod machine;
mod operator;
mod panic_guard;
mod resume;
mod route;
mod saga;
#[cfg(feature = "script")]
mod script_action;
mod signal_delivery;
mod switches;
mod synthetic;
mod worker;

use std::sync::Arc;
use std::time::SystemTime;

use flow_core::{Flow, InstanceId, SignalEvent};
use tracing::Instrument;

pub use activation::FlowData;
pub use builder::{EngineBuilder, FlowOptions};
pub use config::EngineConfig;
#[cfg(feature = "redis")]
pub use config_source::publish_redis_config;
pub use config_source::{ConfigWatch, WatchStatus};
pub use document_flow::{BuildError, DocumentFlow, DocumentState};
pub use document_loader::{LoadError, LoadedFlow};
pub use error::EngineError;
pub use json_door::FlowListing;
pub use machine::{FlowTypes, MachineState};
pub use operator::Operator;
pub use route::{Routed, RoutedOutcome};

use activation::{Activation, outcome_from_record};
pub(crate) use document_flow::{leak, leak_slice};
use inner::Inner;
use machine::FlowKey;
pub(crate) use machine::{Compiled, FlowMachine};
use signal_delivery::Delivery;

use crate::outcome::{Outcome, Status};
use crate::stats::Stats;
use crate::store::{InstanceQuery, InstanceRecord, InstanceSummary, Lease, MemoryStore, Store};

/// Runs instances of registered flows. Cheap to clone: clones share one engine.
pub struct Engine<S: Store = MemoryStore> {
    inner: Arc<Inner<S>>,
}

impl<S: Store> Clone for Engine<S> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl Engine<MemoryStore> {
    /// A builder with the in-memory store.
    pub fn builder() -> EngineBuilder<MemoryStore> {
        EngineBuilder::with_store(MemoryStore::new())
    }
}

/// Options for a new instance.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// Routing labels (tenant, channel, variant ...): in the context and in statistics.
    pub labels: Vec<(String, String)>,
    /// The router's choice, journaled as the instance's first entry.
    pub(crate) route: Option<route::JournaledRoute>,
    /// The id the instance gets, when it must be reproducible (a simulation's); a new one
    /// otherwise.
    pub(crate) id: Option<InstanceId>,
}

impl StartOptions {
    /// Adds routing label `key` = `value`.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.push((key.into(), value.into()));
        self
    }
}

impl<S: Store> Engine<S> {
    /// The store instances live in.
    pub fn store(&self) -> &S {
        &self.inner.store
    }

    /// The statistics, when the engine keeps them.
    pub fn statistics(&self) -> Option<&Stats> {
        self.inner.stats.as_ref()
    }

    /// Starts an instance of `F` with `data` and drives it, in the caller's task, until it
    /// ends, waits, pauses or needs a person; retries that wait run on the engine's worker
    /// meanwhile.
    pub async fn run<F: Flow>(&self, data: F::Data) -> Result<Outcome<F>, EngineError>
    where
        F::Data: FlowData,
    {
        self.run_with::<F>(data, StartOptions::default()).await
    }

    /// [`Engine::run`] with routing labels.
    pub async fn run_with<F: Flow>(
        &self,
        data: F::Data,
        options: StartOptions,
    ) -> Result<Outcome<F>, EngineError>
    where
        F::Data: FlowData,
    {
        self.run_on(Compiled::<F>::new(), data, options).await
    }

    /// Starts an instance of `flow` and drives it until it rests; its outcome typed as `K`.
    async fn run_on<M, K>(
        &self,
        flow: M,
        data: M::Data,
        options: StartOptions,
    ) -> Result<Outcome<K>, EngineError>
    where
        M: FlowMachine,
        K: FlowTypes<Data = M::Data, State = M::State>,
    {
        let mut activation = self.create(flow, data, options, false).await?;
        let id = activation.id();
        let span = tracing::info_span!("flow", flow = activation.flow.name(), instance = %id);
        if span.is_disabled() {
            // No subscriber wants the span: the drive's future is not moved into a wrapper.
            drive::drive(&self.inner, &mut activation).await?;
        } else {
            drive::drive(&self.inner, &mut activation)
                .instrument(span)
                .await?;
        }
        if is_resting(activation.status, activation.due_at) {
            return Ok(activation.into_outcome());
        }
        let flow = activation.flow.clone();
        self.wait_on(&flow, id, is_resting).await
    }

    /// Starts an instance of `F` and returns at once; the engine's worker drives it.
    pub async fn start<F: Flow>(&self, data: F::Data) -> Result<InstanceId, EngineError>
    where
        F::Data: FlowData,
    {
        self.start_with::<F>(data, StartOptions::default()).await
    }

    /// [`Engine::start`] with routing labels.
    pub async fn start_with<F: Flow>(
        &self,
        data: F::Data,
        options: StartOptions,
    ) -> Result<InstanceId, EngineError>
    where
        F::Data: FlowData,
    {
        let activation = self
            .create(Compiled::<F>::new(), data, options, true)
            .await?;
        Ok(activation.id())
    }

    /// Stores a new instance; leased to this engine unless `queued` for the worker.
    async fn create<M: FlowMachine>(
        &self,
        flow: M,
        data: M::Data,
        options: StartOptions,
        queued: bool,
    ) -> Result<Box<Activation<M>>, EngineError> {
        if self.inner.is_shutting_down() {
            return Err(EngineError::ShuttingDown);
        }
        let stats = self.registered_stats(&flow)?;
        self.ensure_worker();
        // One clock read stamps the id, the record and the lease.
        let (now, now_nanos) = self.inner.clock.now_with_nanos();
        let id = options
            .id
            .unwrap_or_else(|| InstanceId::at_unix_millis(now_nanos / 1_000_000));
        // Driven at once on a store that keeps contexts only at rest: nothing to store yet.
        let store_context = queued || self.inner.store.keeps_running_context();
        let (mut activation, mut record) =
            Activation::start(flow, id, data, options, stats, now, store_context)?;
        if queued {
            record.due_at = Some(now);
        }
        let lease_to = (!queued).then_some((self.inner.worker_id, self.inner.config.lease_ttl));
        let (lease, held) = self.inner.store.insert_held(record, now, lease_to).await?;
        if let Some(lease) = lease {
            activation.lease = lease;
            activation.held = held;
            if self.inner.store.commits_in_process() {
                // Inserted in process just now: the first step is ready as of `now`.
                activation.step_ready = Some((activation.step, now_nanos));
            }
        }
        if let Some((stats, slot)) = &activation.stats {
            stats.entered(*slot, activation.state.index());
        }
        if !self.inner.plugins.is_empty() {
            let event = activation.event();
            self.inner
                .plugins
                .each(|plugin| plugin.on_flow_start(&event));
        }
        if queued {
            self.inner.due_soon.notify_one();
        }
        Ok(activation)
    }

    /// Delivers `event` to the waiting instance `instance` of `F`, and drives it on in the
    /// caller's task. `event` is a variant of the wait's event type
    /// (`engine.signal::<Loan>(id, ReviewDecision::Approve)`), or its name as a string for
    /// callers from outside (`"Approve"`). The name is checked against the wait when the
    /// signal arrives; a misspelt one is refused with the closest one.
    pub async fn signal<F: Flow>(
        &self,
        instance: InstanceId,
        event: impl SignalEvent,
    ) -> Result<Outcome<F>, EngineError>
    where
        F::Data: FlowData,
    {
        self.signal_on(
            Compiled::<F>::new(),
            instance,
            event.event_name(),
            Delivery::default(),
        )
        .await
    }

    /// [`Engine::signal`] with data: `payload` (a `serde_json::Value`, or any `Serialize`
    /// value) is kept with the instance and read by the actions after the wait with
    /// `ctx.signal::<T>()`. It is refused, the instance unchanged, when its JSON is larger
    /// than [`EngineConfig::signal_payload_limit`] or when it does not decode as the type
    /// registered for the event ([`FlowOptions::signal_payload`]).
    pub async fn signal_with<F: Flow>(
        &self,
        instance: InstanceId,
        event: impl SignalEvent,
        payload: &impl serde::Serialize,
    ) -> Result<Outcome<F>, EngineError>
    where
        F::Data: FlowData,
    {
        let event = event.event_name();
        let delivery = self.delivery(instance, event, None, payload)?;
        self.signal_on(Compiled::<F>::new(), instance, event, delivery)
            .await
    }

    /// [`Engine::signal_with`] sent by `actor` (a person, a service, an API token's name):
    /// the journal's entry for the signal names them, and the actions after the wait see
    /// them in `ctx.received_signal()`. Give `&()` as `payload` for a signal without data.
    pub async fn signal_as<F: Flow>(
        &self,
        actor: &str,
        instance: InstanceId,
        event: impl SignalEvent,
        payload: &impl serde::Serialize,
    ) -> Result<Outcome<F>, EngineError>
    where
        F::Data: FlowData,
    {
        let event = event.event_name();
        let delivery = self.delivery(instance, event, Some(actor), payload)?;
        self.signal_on(Compiled::<F>::new(), instance, event, delivery)
            .await
    }

    /// The checked sender and payload of a signal.
    fn delivery(
        &self,
        instance: InstanceId,
        event: &str,
        actor: Option<&str>,
        payload: &impl serde::Serialize,
    ) -> Result<Delivery, EngineError> {
        Delivery::new(
            instance,
            event,
            actor,
            payload,
            self.inner.config.signal_payload_limit,
        )
    }

    /// Delivers `event` to the waiting instance `instance` of `flow` and drives it on.
    async fn signal_on<M, K>(
        &self,
        flow: M,
        instance: InstanceId,
        event: &str,
        delivery: Delivery,
    ) -> Result<Outcome<K>, EngineError>
    where
        M: FlowMachine,
        K: FlowTypes<Data = M::Data, State = M::State>,
    {
        let stats = self.registered_stats(&flow)?;
        let (record, lease) = self.acquire_for(&flow, instance).await?;
        let mut activation = match Activation::load(flow, record, lease, stats) {
            Ok(activation) => activation,
            Err(error) => {
                let _ = self.inner.store.release(instance, lease).await;
                return Err(error);
            }
        };
        let transition = match (
            activation.status,
            activation.flow.signal(activation.state, event),
        ) {
            (Status::Waiting, Ok(transition)) => transition,
            (Status::Waiting, Err(error)) => {
                let _ = self.inner.store.release(instance, lease).await;
                return Err(error.into());
            }
            (status, _) => {
                let _ = self.inner.store.release(instance, lease).await;
                return Err(EngineError::InvalidStatus {
                    instance,
                    operation: "signal",
                    status,
                });
            }
        };
        if let Err(error) = self.check_payload(
            &activation.flow,
            instance,
            transition.instruction,
            &delivery,
        ) {
            let _ = self.inner.store.release(instance, lease).await;
            return Err(error);
        }
        activation
            .context
            .set_signal(Some(delivery.received(transition.instruction)));
        let event_type = activation.flow.wait_event(activation.state);
        let span = tracing::info_span!("flow", flow = activation.flow.name(), %instance);
        let go_on = drive::move_from_wait(
            &self.inner,
            &mut activation,
            event_type,
            transition.instruction,
            transition.next,
            delivery.note(),
        )
        .await?;
        if go_on {
            drive::drive(&self.inner, &mut activation)
                .instrument(span)
                .await?;
        }
        if is_resting(activation.status, activation.due_at) {
            return Ok(activation.into_outcome());
        }
        let flow = activation.flow.clone();
        self.wait_on(&flow, instance, is_resting).await
    }

    /// Refuses `delivery` unless its payload decodes as the type registered for `event` in
    /// `flow` (compiled flows register them; any JSON goes for the others).
    fn check_payload<M: FlowMachine>(
        &self,
        flow: &M,
        instance: InstanceId,
        event: &str,
        delivery: &Delivery,
    ) -> Result<(), EngineError> {
        let Some(registered) = self.inner.flows.get(&flow.key()) else {
            return Ok(());
        };
        match registered
            .payload_types
            .iter()
            .find(|payload| payload.event == event)
        {
            Some(expected) => expected.check(instance, delivery),
            None => Ok(()),
        }
    }

    /// Waits until instance `instance` of `F` rests (ends, waits, pauses or needs a person)
    /// and returns its outcome.
    pub async fn wait<F: Flow>(&self, instance: InstanceId) -> Result<Outcome<F>, EngineError>
    where
        F::Data: FlowData,
    {
        self.wait_on(&Compiled::<F>::new(), instance, is_resting)
            .await
    }

    /// Waits until instance `instance` of `F` ends (completed, failed, cancelled) or needs a
    /// person, through any waits, retries and deadlines on the way.
    pub async fn wait_ended<F: Flow>(&self, instance: InstanceId) -> Result<Outcome<F>, EngineError>
    where
        F::Data: FlowData,
    {
        self.wait_on(&Compiled::<F>::new(), instance, is_ended)
            .await
    }

    async fn wait_on<M, K>(
        &self,
        flow: &M,
        instance: InstanceId,
        done: fn(Status, Option<SystemTime>) -> bool,
    ) -> Result<Outcome<K>, EngineError>
    where
        M: FlowMachine,
        K: FlowTypes<Data = M::Data, State = M::State>,
    {
        // Counted before the first read, so a rest committed after it is sure to notify.
        let _waiting = self.inner.waiting_for_rest();
        loop {
            let rested = self.inner.rested.notified();
            tokio::pin!(rested);
            rested.as_mut().enable();
            let record = self
                .inner
                .store
                .load(instance)
                .await?
                .ok_or(EngineError::NoSuchInstance(instance))?;
            check_flow(flow, &record)?;
            let unleased = record
                .lease
                .is_none_or(|lease| lease.expires_at <= self.inner.clock.now());
            if done(record.status, record.due_at) && unleased {
                return outcome_from_record(flow, record);
            }
            // A poll as well as the notice: the instance may rest in another process.
            let poll = self.inner.config.poll_interval;
            tokio::select! {
                () = rested => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// The document flow `name` over `D` that new instances get: of `version`, or of the
    /// highest version loaded.
    pub fn document_flow<D: FlowData>(
        &self,
        name: &str,
        version: Option<u32>,
    ) -> Result<DocumentFlow<D>, EngineError> {
        let documents = self.inner.documents();
        let Some(installed) = documents.current(name, version) else {
            return Err(EngineError::NoDocumentFlow {
                flow: name.to_owned(),
                version,
                loaded: documents.versions(name),
            });
        };
        typed_flow(installed)
    }

    /// Starts an instance of document flow `flow` with `data` and drives it like
    /// [`Engine::run`]: the instance is pinned to `flow`'s definition to its end.
    pub async fn run_document<D: FlowData>(
        &self,
        flow: &DocumentFlow<D>,
        data: D,
    ) -> Result<Outcome<DocumentFlow<D>>, EngineError> {
        self.run_document_with(flow, data, StartOptions::default())
            .await
    }

    /// [`Engine::run_document`] with routing labels.
    pub async fn run_document_with<D: FlowData>(
        &self,
        flow: &DocumentFlow<D>,
        data: D,
        options: StartOptions,
    ) -> Result<Outcome<DocumentFlow<D>>, EngineError> {
        self.run_on(flow.clone(), data, options).await
    }

    /// Starts an instance of document flow `flow` and returns at once, like [`Engine::start`].
    pub async fn start_document<D: FlowData>(
        &self,
        flow: &DocumentFlow<D>,
        data: D,
    ) -> Result<InstanceId, EngineError> {
        let activation = self
            .create(flow.clone(), data, StartOptions::default(), true)
            .await?;
        Ok(activation.id())
    }

    /// Delivers `event` to the waiting instance `instance` of a document flow over `D`, on
    /// the definition it started on, and drives it on, like [`Engine::signal`].
    pub async fn signal_document<D: FlowData>(
        &self,
        instance: InstanceId,
        event: impl SignalEvent,
    ) -> Result<Outcome<DocumentFlow<D>>, EngineError> {
        let flow = self.instance_flow::<D>(instance).await?;
        self.signal_on(flow, instance, event.event_name(), Delivery::default())
            .await
    }

    /// [`Engine::signal_document`] with data and its sender, like [`Engine::signal_as`]
    /// (`None` as `actor` when the sender is not known).
    pub async fn signal_document_as<D: FlowData>(
        &self,
        actor: Option<&str>,
        instance: InstanceId,
        event: impl SignalEvent,
        payload: &impl serde::Serialize,
    ) -> Result<Outcome<DocumentFlow<D>>, EngineError> {
        let event = event.event_name();
        let delivery = self.delivery(instance, event, actor, payload)?;
        let flow = self.instance_flow::<D>(instance).await?;
        self.signal_on(flow, instance, event, delivery).await
    }

    /// Waits until instance `instance` of a document flow over `D` rests, like
    /// [`Engine::wait`].
    pub async fn wait_document<D: FlowData>(
        &self,
        instance: InstanceId,
    ) -> Result<Outcome<DocumentFlow<D>>, EngineError> {
        let flow = self.instance_flow::<D>(instance).await?;
        self.wait_on(&flow, instance, is_resting).await
    }

    /// Waits until instance `instance` of a document flow over `D` ends or needs a person,
    /// like [`Engine::wait_ended`].
    pub async fn wait_document_ended<D: FlowData>(
        &self,
        instance: InstanceId,
    ) -> Result<Outcome<DocumentFlow<D>>, EngineError> {
        let flow = self.instance_flow::<D>(instance).await?;
        self.wait_on(&flow, instance, is_ended).await
    }

    /// The document flow instance `instance` runs on: the exact definition it started with,
    /// loaded from the store if this engine has not loaded it yet.
    pub async fn instance_flow<D: FlowData>(
        &self,
        instance: InstanceId,
    ) -> Result<DocumentFlow<D>, EngineError> {
        let record = self.record(instance).await?;
        let Some(hash) = record.definition.as_deref() else {
            return Err(EngineError::WrongFlow {
                instance,
                expected: "a document flow".to_owned(),
                actual: flow_label(&record.flow, record.flow_version, None),
            });
        };
        if let Some(installed) = self.inner.documents().get(hash) {
            return typed_flow(installed);
        }
        document_loader::load_stored(&self.inner, hash)
            .await
            .map_err(|reason| EngineError::MissingDefinition {
                instance,
                definition: hash.to_owned(),
                reason: reason.to_string(),
            })?;
        match self.inner.documents().get(hash) {
            Some(installed) => typed_flow(installed),
            None => Err(EngineError::MissingDefinition {
                instance,
                definition: hash.to_owned(),
                reason: "it was loaded but not kept".to_owned(),
            }),
        }
    }

    /// The stored record of `instance`.
    pub async fn record(&self, instance: InstanceId) -> Result<InstanceRecord, EngineError> {
        self.inner
            .store
            .load(instance)
            .await?
            .ok_or(EngineError::NoSuchInstance(instance))
    }

    /// The page of stored instances `query` asks for, in id (that is start) order: see
    /// [`InstanceQuery`].
    pub async fn list(
        &self,
        query: &InstanceQuery<'_>,
    ) -> Result<Vec<InstanceSummary>, EngineError> {
        Ok(self.inner.store.list(query).await?)
    }

    /// Operator instructions (pause, resume, cancel, retry, skip), recorded as `actor`'s.
    pub fn operator<'a>(&'a self, actor: &'a str) -> Operator<'a, S> {
        Operator::new(self, actor)
    }

    /// Stops taking work, lets in-flight steps finish and commit, and waits for them.
    /// Instances in flight are handed back due at once, for the next engine to go on.
    pub async fn shutdown(&self) {
        self.inner
            .shutting_down
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.inner.shutdown.cancel();
        self.inner.tasks.close();
        self.inner.tasks.wait().await;
    }

    /// The statistics of registered flow `flow`, if kept; an error if it is not registered.
    fn registered_stats<M: FlowMachine>(
        &self,
        flow: &M,
    ) -> Result<Option<crate::stats::FlowStats>, EngineError> {
        match flow.key() {
            key @ FlowKey::Compiled(_) => self
                .inner
                .flows
                .get(&key)
                .map(|registered| registered.stats.clone())
                .ok_or(EngineError::UnregisteredFlow { flow: flow.name() }),
            FlowKey::Definition(hash) => self
                .inner
                .documents()
                .get(hash)
                .map(|installed| installed.stats.clone())
                .ok_or_else(|| EngineError::NoDocumentFlow {
                    flow: flow.name().to_owned(),
                    version: Some(flow.version()),
                    loaded: Vec::new(),
                }),
        }
    }

    fn ensure_worker(&self) {
        if self.inner.claim_worker_start() {
            let weak = Arc::downgrade(&self.inner);
            self.inner.tasks.spawn(worker::run_worker(weak));
        }
    }

    /// Leases `instance` if it is an instance of `F` (name and version); otherwise lets go of
    /// it at once and says whose it is.
    pub(crate) async fn acquire_for<M: FlowMachine>(
        &self,
        flow: &M,
        instance: InstanceId,
    ) -> Result<(InstanceRecord, Lease), EngineError> {
        let (record, lease) = self.acquire(instance).await?;
        if let Err(error) = check_flow(flow, &record) {
            let _ = self.inner.store.release(instance, lease).await;
            return Err(error);
        }
        Ok((record, lease))
    }

    async fn acquire(&self, instance: InstanceId) -> Result<(InstanceRecord, Lease), EngineError> {
        match self
            .inner
            .store
            .acquire(
                instance,
                self.inner.worker_id,
                self.inner.clock.now(),
                self.inner.config.lease_ttl,
            )
            .await
        {
            Ok(Some(found)) => Ok(found),
            Ok(None) => Err(EngineError::Busy(instance)),
            Err(crate::store::StoreError::NotFound(id)) => Err(EngineError::NoSuchInstance(id)),
            Err(error) => Err(error.into()),
        }
    }
}

/// Whether an instance in `status` with timer `due_at` waits for nothing in this engine.
fn is_resting(status: Status, due_at: Option<SystemTime>) -> bool {
    match status {
        Status::Running | Status::Compensating => false,
        Status::Waiting => true,
        _ => due_at.is_none() || status == Status::Paused || status.is_final(),
    }
}

/// The installed flow as the `DocumentFlow` of the caller's data type.
fn typed_flow<S: Store, D: FlowData>(
    installed: &documents::InstalledFlow<S>,
) -> Result<DocumentFlow<D>, EngineError> {
    installed
        .flow
        .downcast_ref::<DocumentFlow<D>>()
        .cloned()
        .ok_or_else(|| EngineError::WrongData {
            flow: installed.name.to_owned(),
            expected: installed.data_name.clone(),
            given: std::any::type_name::<D>(),
        })
}

/// Whether an instance in `status` ended or needs a person.
fn is_ended(status: Status, _due_at: Option<SystemTime>) -> bool {
    status.is_final() || status == Status::Manual
}

/// Refuses a record of another flow, version or definition than `flow`: decoding it with
/// `flow`'s table would move it on a definition it did not start with.
fn check_flow<M: FlowMachine>(flow: &M, record: &InstanceRecord) -> Result<(), EngineError> {
    if record.flow == flow.name()
        && record.flow_version == flow.version()
        && record.definition.as_deref() == flow.definition()
    {
        Ok(())
    } else {
        Err(EngineError::WrongFlow {
            instance: record.id,
            expected: flow_label(flow.name(), flow.version(), flow.definition()),
            actual: flow_label(
                &record.flow,
                record.flow_version,
                record.definition.as_deref(),
            ),
        })
    }
}

/// `Checkout v2`, or `Checkout v2 (definition 3fa2c1d0…)` for a document flow.
fn flow_label(name: &str, version: u32, definition: Option<&str>) -> String {
    match definition {
        Some(hash) => format!("{name} v{version} (definition {})", short_hash(hash)),
        None => format!("{name} v{version}"),
    }
}

/// The first 12 hex digits of a content hash: enough to tell definitions apart in a message.
pub(crate) fn short_hash(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}
