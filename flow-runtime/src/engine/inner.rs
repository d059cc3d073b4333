//! What every part of the engine shares: the store, the registered flows, plugins, statistics,
//! and the signals between callers, the worker and shutdown.

use std::any::TypeId;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering, fence};
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use flow_core::{RetryPolicy, StepPolicy};

use super::config::EngineConfig;
use super::documents::{DataType, Documents};
use super::machine::{FlowKey, FlowMap};
use crate::actions::ActionRegistry;
use crate::clock::Clock;
use crate::plugin::Plugins;
use crate::stats::{FlowStats, Stats};
use crate::store::{InstanceRecord, Lease, Store};

/// Resumes a stored instance of one registered flow; the worker holds these type-erased.
pub(crate) trait Resume<S: Store>: Send + Sync {
    /// Drives the leased `record` until it rests again.
    fn resume(
        &self,
        inner: Arc<Inner<S>>,
        record: InstanceRecord,
        lease: Lease,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>>;

    /// Takes over an orphan (its driver stopped mid-flow): drives it on if the store kept its
    /// context after every step, otherwise parks it for a person, since the stored context
    /// is from its last rest and steps since may have had effects.
    fn adopt(
        &self,
        inner: Arc<Inner<S>>,
        record: InstanceRecord,
        lease: Lease,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>>;

    /// Starts an instance with `data` decoded from JSON (see [`super::json_door`]).
    fn start_json(
        &self,
        engine: super::Engine<S>,
        data: serde_json::Value,
        options: super::StartOptions,
    ) -> super::json_door::Door<flow_core::InstanceId>;

    /// Delivers a signal with its sender and payload and drives the instance until it rests.
    fn signal_json(
        &self,
        engine: super::Engine<S>,
        instance: flow_core::InstanceId,
        event: String,
        delivery: super::signal_delivery::Delivery,
    ) -> super::json_door::Door<crate::store::InstanceSummary>;

    /// Moves a resting instance to the state called `state`, as `actor`'s manual fix.
    fn skip_json(
        &self,
        engine: super::Engine<S>,
        actor: String,
        instance: flow_core::InstanceId,
        state: String,
    ) -> super::json_door::Door<()>;

    /// The flow's graph.
    fn spec(&self) -> flow_core::FlowSpec;
}

/// The routes in force and which configuration they came with.
pub(crate) struct AppliedRoutes {
    pub(crate) router: crate::routing::Router,
    /// Counts the configurations applied to this engine, from 1.
    pub(crate) version: u64,
    /// The content hash of the document the routes came from; `None` for routes from code.
    pub(crate) hash: Option<String>,
    /// The `config` label of the instances these routes start (`3:1f2e3d4c5b6a`).
    pub(crate) label: String,
}

/// One registered flow version.
pub(crate) struct Registered<S: Store> {
    pub(crate) name: &'static str,
    pub(crate) version: u32,
    /// Its graph, for checks of configuration that names its states.
    pub(crate) table: &'static flow_core::FlowTable,
    pub(crate) stats: Option<FlowStats>,
    pub(crate) resume: Arc<dyn Resume<S>>,
    /// Retry policies that replace an action's own in this flow, by action name.
    pub(crate) retry_overrides: Vec<(&'static str, RetryPolicy)>,
    /// The actions its steps run, by name.
    pub(crate) actions: Vec<&'static str>,
    /// How the router starts or runs an instance: the flow's `RouteEntry<S, Data>`.
    pub(crate) route: Box<dyn std::any::Any + Send + Sync>,
    /// The Rust type of the flow's data, for errors.
    pub(crate) data_type: &'static str,
    /// The payload types its events carry, where registered.
    pub(crate) payload_types: Vec<super::signal_delivery::PayloadType>,
}

pub(crate) struct Inner<S: Store> {
    pub(crate) store: S,
    /// Where every part of the engine reads the time.
    pub(crate) clock: Clock,
    pub(crate) config: EngineConfig,
    pub(crate) plugins: Plugins,
    /// The faults injected, if any: the step path reads one flag when there are none.
    pub(crate) chaos: crate::chaos::ChaosSwitch,
    pub(crate) stats: Option<Stats>,
    pub(crate) flows: FlowMap<Registered<S>>,
    /// The actions document flows may name, by data type and name.
    pub(crate) actions: ActionRegistry,
    /// The data types document flows may run over.
    pub(crate) data_types: HashMap<TypeId, Arc<dyn DataType<S>>>,
    /// The document flows loaded so far (locked only to look up or install a definition,
    /// never across an await).
    pub(crate) documents: RwLock<Documents<S>>,
    /// Picks the flow version of a routed request; swapped whole when a document with
    /// routes is applied (read per routed start, never held across an await).
    pub(crate) routes: RwLock<Option<Arc<AppliedRoutes>>>,
    /// Retry overrides from the configuration document, by flow and action; read only on
    /// the error path.
    pub(crate) retry_overrides: RwLock<Arc<Vec<crate::document::OverrideDefinition>>>,
    /// Whether any override sets a timeout: the per-step path reads this flag, and looks
    /// the overrides up only when it is set.
    pub(crate) timeout_overrides: AtomicBool,
    /// The sandbox script actions of documents run in.
    #[cfg(feature = "script")]
    pub(crate) scripts: Arc<crate::script::ScriptRuntime>,
    /// A random id of this engine, the owner of its leases.
    pub(crate) worker_id: u64,
    pub(crate) shutdown: CancellationToken,
    /// The same as `shutdown`, read on every step: an atomic load instead of the token's lock.
    pub(crate) shutting_down: AtomicBool,
    pub(crate) tasks: TaskTracker,
    /// Woken whenever an instance comes to rest, for callers waiting on an outcome.
    pub(crate) rested: Notify,
    /// Callers waiting on `rested`: with none (every `run` that ends in its own task), a
    /// rest skips the notice and its lock.
    pub(crate) rest_waiters: AtomicUsize,
    /// Woken when work becomes due sooner than the worker planned.
    pub(crate) due_soon: Arc<Notify>,
    pub(crate) worker_started: AtomicBool,
}

impl<S: Store> Inner<S> {
    /// The registration of the flow version stored as `name`/`version`.
    pub(crate) fn by_name(&self, name: &str, version: u32) -> Option<&Registered<S>> {
        self.flows
            .values()
            .find(|flow| flow.name == name && flow.version == version)
    }

    /// The retry policy of `action` in flow `flow`: the configuration document's override,
    /// else the flow's registration override, else the action's own.
    pub(crate) fn retry_policy(
        &self,
        flow: FlowKey,
        action: &'static str,
        declared: Option<RetryPolicy>,
    ) -> Option<RetryPolicy> {
        if let Some(found) = self.document_override(flow, action, |found| found.retry) {
            return Some(found);
        }
        self.flows
            .get(&flow)
            .and_then(|registered| {
                registered
                    .retry_overrides
                    .iter()
                    .find(|(name, _)| *name == action)
                    .map(|(_, policy)| *policy)
            })
            .or(declared)
    }

    /// The timeout of `policy`'s action in flow `flow`: the configuration document's
    /// override, else the action's own.
    #[inline]
    pub(crate) fn step_timeout(&self, flow: FlowKey, policy: &StepPolicy) -> Option<Duration> {
        if !self.timeout_overrides.load(Ordering::Relaxed) {
            return policy.timeout;
        }
        self.document_override(flow, policy.action, |found| found.timeout)
            .or(policy.timeout)
    }

    /// What `pick` takes from the first configuration override of `action` in flow `flow`
    /// that sets it.
    fn document_override<T>(
        &self,
        flow: FlowKey,
        action: &str,
        pick: impl Fn(&crate::document::OverrideDefinition) -> Option<T>,
    ) -> Option<T> {
        let overrides = Arc::clone(
            &self
                .retry_overrides
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if overrides.is_empty() {
            return None;
        }
        let (name, version) = match flow {
            FlowKey::Compiled(_) => self
                .flows
                .get(&flow)
                .map(|registered| (registered.name, registered.version)),
            FlowKey::Definition(hash) => self
                .documents()
                .get(hash)
                .map(|installed| (installed.name, installed.version)),
        }?;
        overrides
            .iter()
            .filter(|found| {
                found.flow == name
                    && found.action == action
                    && found.version.is_none_or(|wanted| wanted == version)
            })
            .find_map(pick)
    }

    /// The routes in force, if any.
    pub(crate) fn routes(&self) -> Option<Arc<AppliedRoutes>> {
        self.routes
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Puts `router` in force, as the configuration after the current one.
    pub(crate) fn apply_routes(&self, router: crate::routing::Router, hash: Option<String>) -> u64 {
        let mut routes = self
            .routes
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let version = routes.as_ref().map_or(1, |applied| applied.version + 1);
        let label = super::route::config_label(version, hash.as_deref());
        *routes = Some(Arc::new(AppliedRoutes {
            router,
            version,
            hash,
            label,
        }));
        version
    }

    /// The loaded document flows, read.
    pub(crate) fn documents(&self) -> std::sync::RwLockReadGuard<'_, Documents<S>> {
        // Installing leaves the maps consistent before it could panic: a poisoned lock
        // holds valid data.
        self.documents
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The loaded document flows, to install into.
    pub(crate) fn documents_mut(&self) -> std::sync::RwLockWriteGuard<'_, Documents<S>> {
        self.documents
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Tells waiting callers and the worker that an instance came to rest, due at `due_at`.
    pub(crate) fn instance_rested(&self, due_at: Option<SystemTime>) {
        // Pairs with the count's increment before a waiter reads the record: either the
        // waiter's read sees this rest, or this load sees the waiter.
        fence(Ordering::SeqCst);
        if self.rest_waiters.load(Ordering::SeqCst) > 0 {
            self.rested.notify_waiters();
        }
        if due_at.is_some() {
            self.due_soon.notify_one();
        }
    }

    /// Counts a caller waiting for instances to rest until the guard drops.
    pub(crate) fn waiting_for_rest(&self) -> RestWaiter<'_> {
        self.rest_waiters.fetch_add(1, Ordering::SeqCst);
        RestWaiter(&self.rest_waiters)
    }

    /// Whether shutdown began.
    #[inline]
    pub(crate) fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Relaxed)
    }

    /// Whether the worker still has to be started (true once).
    pub(crate) fn claim_worker_start(&self) -> bool {
        // A load first: once started (every call but the first), no write to a line that
        // every instance start on every thread reads.
        !self.worker_started.load(Ordering::Acquire)
            && !self.worker_started.swap(true, Ordering::AcqRel)
    }
}

/// One caller counted in [`Inner::rest_waiters`] while it lives.
pub(crate) struct RestWaiter<'a>(&'a AtomicUsize);

impl Drop for RestWaiter<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
