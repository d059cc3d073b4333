//! Starting instances by request: the router picks the variant, the engine starts the flow
//! version that serves it (compiled or loaded from a document) and records the choice on
//! the instance, as its `variant` routing label and as the first entry of its journal.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use flow_core::{Flow, InstanceId};

use super::activation::FlowData;
use super::error::EngineError;
use super::machine::{FlowTypes, MachineState};
use super::{Engine, StartOptions};
use crate::instance_error::InstanceError;
use crate::journal::JournalEntry;
use crate::outcome::{Outcome, Status};
use crate::routing::{RouteRequest, Variant};
use crate::store::Store;

/// A future the router awaits, boxed: it knows the flow by name only.
type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T, EngineError>> + Send + 'a>>;

/// Starts an instance of one compiled flow with data `D`, for the router.
type StartFn<S, D> = for<'a> fn(&'a Engine<S>, D, StartOptions) -> Boxed<'a, InstanceId>;

/// Starts an instance of one compiled flow with data `D` and drives it until it rests.
type RunFn<S, D> = for<'a> fn(&'a Engine<S>, D, StartOptions) -> Boxed<'a, RunOutcome<D>>;

/// How the router starts or runs one compiled flow: kept type-erased (as `dyn Any`) per
/// registered flow, and found again by the data type the caller gives.
pub(crate) struct RouteEntry<S: Store, D> {
    start: StartFn<S, D>,
    run: RunFn<S, D>,
}

/// The [`RouteEntry`] of compiled flow `F`.
pub(crate) fn route_entry<F: Flow, S: Store>() -> RouteEntry<S, F::Data>
where
    F::Data: FlowData,
{
    RouteEntry {
        start: |engine, data, options| Box::pin(engine.start_with::<F>(data, options)),
        run: |engine, data, options| {
            Box::pin(async move {
                let outcome = engine.run_with::<F>(data, options).await?;
                Ok(RunOutcome::from(outcome))
            })
        },
    }
}

/// An outcome without its flow's state type: the state by name.
struct RunOutcome<D> {
    instance: InstanceId,
    state: &'static str,
    status: Status,
    data: D,
    journal: Vec<JournalEntry>,
    error: Option<InstanceError>,
}

impl<K: FlowTypes> From<Outcome<K>> for RunOutcome<K::Data> {
    fn from(outcome: Outcome<K>) -> Self {
        RunOutcome {
            instance: outcome.instance,
            state: outcome.state.name(),
            status: outcome.status,
            data: outcome.data,
            journal: outcome.journal,
            error: outcome.error,
        }
    }
}

/// The result of [`Engine::route_run`]: what the router chose, and where the instance
/// rests (ended, waiting, or with a timer), like [`Outcome`] with the state by name, since
/// the caller does not know which flow version served the request.
#[derive(Debug)]
pub struct RoutedOutcome<D> {
    /// What the router chose, and why.
    pub routed: Routed,
    /// The state the instance rests in.
    pub state: &'static str,
    /// Where it is apart from that.
    pub status: Status,
    /// Its business data.
    pub data: D,
    /// What happened, in order (the route first).
    pub journal: Vec<JournalEntry>,
    /// Why it failed or needs a person, as in [`Outcome::error`].
    pub error: Option<InstanceError>,
}

/// The routing label naming the configuration an instance was routed with.
pub const CONFIG_LABEL: &str = "config";

/// `3` for routes from code, `3:1f2e3d4c5b6a` for routes from a document (version and hash).
pub(crate) fn config_label(version: u64, hash: Option<&str>) -> String {
    match hash {
        Some(hash) => format!("{version}:{}", super::short_hash(hash)),
        None => version.to_string(),
    }
}

/// What the journal's first entry says of a routed instance: the variant and why.
#[derive(Debug, Clone)]
pub(crate) struct JournaledRoute {
    pub(crate) variant: String,
    pub(crate) reason: Arc<str>,
}

impl<S: Store> Engine<S> {
    /// The routing configuration in force: its version (counting from 1 per engine) and
    /// the content hash of the document it came from (`None` for routes from code).
    pub fn routing_version(&self) -> Option<(u64, Option<String>)> {
        self.inner
            .routes()
            .map(|routes| (routes.version, routes.hash.clone()))
    }
}

/// An instance the router started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    /// The new instance.
    pub instance: InstanceId,
    /// The variant it got.
    pub variant: Variant,
    /// Why (`rule 1: tenant == "acme" => v2`, `split 20/100`, `pinned`).
    pub reason: String,
}

impl<S: Store> Engine<S> {
    /// Routes `request` (see [`crate::routing`]) and starts an instance of the chosen flow
    /// version with `data`; the engine's worker drives it. An unroutable request is an
    /// error naming its kind and the rules tried; a variant whose flow version is not
    /// registered or loaded is an error naming it.
    pub async fn route<D: FlowData>(
        &self,
        request: &RouteRequest,
        data: D,
    ) -> Result<Routed, EngineError> {
        let (variant, reason, options) = self.choose(request)?;
        let instance = match self.route_entry::<D>(&variant)? {
            Some(entry) => (entry.start)(self, data, options).await?,
            None => {
                let flow = self.document_flow::<D>(&variant.flow, Some(variant.version))?;
                self.create(flow, data, options, true).await?.id()
            }
        };
        Ok(Routed {
            instance,
            variant,
            reason,
        })
    }

    /// Routes `request` like [`Engine::route`], then drives the new instance in this task
    /// until it rests (ends, waits, or has a timer), like [`Engine::run`]: request and
    /// response in one call.
    pub async fn route_run<D: FlowData>(
        &self,
        request: &RouteRequest,
        data: D,
    ) -> Result<RoutedOutcome<D>, EngineError> {
        let (variant, reason, options) = self.choose(request)?;
        let outcome = match self.route_entry::<D>(&variant)? {
            Some(entry) => (entry.run)(self, data, options).await?,
            None => {
                let flow = self.document_flow::<D>(&variant.flow, Some(variant.version))?;
                RunOutcome::from(self.run_document_with(&flow, data, options).await?)
            }
        };
        Ok(RoutedOutcome {
            routed: Routed {
                instance: outcome.instance,
                variant,
                reason,
            },
            state: outcome.state,
            status: outcome.status,
            data: outcome.data,
            journal: outcome.journal,
            error: outcome.error,
        })
    }

    /// The router's choice for `request` (the variant and why), and the start options that
    /// record it on the instance (labels, and the route for the journal).
    pub(super) fn choose(
        &self,
        request: &RouteRequest,
    ) -> Result<(Variant, String, StartOptions), EngineError> {
        let routes = self.inner.routes().ok_or(EngineError::NoRouter)?;
        // A request without a routing key gets a fresh one: split by weight, not sticky.
        let choice = routes
            .router
            .route(request, || InstanceId::new().to_string())?;
        let mut options = StartOptions::default()
            .label(crate::stats::VARIANT_LABEL, choice.variant.name.clone())
            .label(CONFIG_LABEL, routes.label.clone());
        let reason = choice.explanation.to_string();
        options.route = Some(JournaledRoute {
            variant: choice.variant.name.clone(),
            reason: Arc::clone(&choice.explanation),
        });
        Ok((choice.variant, reason, options))
    }

    /// How to start or run the compiled flow version serving `variant`; `None` when a
    /// document flow serves it.
    fn route_entry<D: FlowData>(
        &self,
        variant: &Variant,
    ) -> Result<Option<&RouteEntry<S, D>>, EngineError> {
        let Some(registered) = self.inner.by_name(&variant.flow, variant.version) else {
            return Ok(None);
        };
        registered
            .route
            .downcast_ref::<RouteEntry<S, D>>()
            .map(Some)
            .ok_or_else(|| EngineError::WrongData {
                flow: variant.flow.clone(),
                expected: registered.data_type.to_owned(),
                given: std::any::type_name::<D>(),
            })
    }
}
