//! Building an engine: the store, defaults, plugins, statistics and the registered flows,
//! each validated again with its actions' metadata.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};

use flow_core::{Action, Flow, FlowTable, InstanceId, RetryPolicy, StateEntryKind};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::Engine;
use super::activation::FlowData;
use super::config::EngineConfig;
use super::documents::{DataType, Documents, TypedData};
use super::error::EngineError;
use super::inner::{Inner, Registered};
use super::machine::{Compiled, FlowKey, FlowMachine, FlowMap};
use super::resume::FlowResume;
use super::route::route_entry;
use super::signal_delivery::PayloadType;
use crate::actions::{ActionRegistry, RegistryError};
use crate::chaos::{ChaosConfig, ChaosPlan, ChaosSwitch};
use crate::clock::Clock;
use crate::plugin::{Plugin, Plugins};
use crate::stats::{StateShape, Stats};
use crate::store::{MemoryStore, Store};

/// Registers one flow once the statistics are known: validation, statistics, its resumer.
type Registration<S> =
    Box<dyn FnOnce(&Option<Stats>) -> Result<(FlowKey, Registered<S>), EngineError>>;

/// Builds an [`Engine`]: choose a store, register flows, install plugins, then `build`.
pub struct EngineBuilder<S: Store = MemoryStore> {
    store: S,
    config: EngineConfig,
    plugins: Vec<(String, Arc<dyn Plugin>)>,
    stats: Option<Stats>,
    chaos: ChaosConfig,
    flows: Vec<Registration<S>>,
    clock: Clock,
    actions: ActionRegistry,
    data_types: HashMap<TypeId, Arc<dyn DataType<S>>>,
    /// The first registration that failed, reported by `build`.
    registry_error: Option<RegistryError>,
    /// Whether the engine runs a worker for due and orphaned instances.
    runs_worker: bool,
    #[cfg(feature = "script")]
    script_limits: crate::script::ScriptLimits,
    router: Option<crate::routing::Router>,
}

impl<S: Store> EngineBuilder<S> {
    /// A builder keeping instances in `store` (see also [`Engine::builder`] for memory).
    pub fn with_store(store: S) -> Self {
        Self {
            store,
            config: EngineConfig::default(),
            plugins: Vec::new(),
            stats: None,
            chaos: ChaosConfig::default(),
            flows: Vec::new(),
            clock: Clock::System,
            actions: ActionRegistry::new(),
            data_types: HashMap::new(),
            registry_error: None,
            runs_worker: true,
            #[cfg(feature = "script")]
            script_limits: crate::script::ScriptLimits::default(),
            router: None,
        }
        // Script-only document flows run over JSON.
        .data::<serde_json::Value>("json")
    }

    /// Runs documents' script actions under `limits` (operations, call depth, sizes)
    /// instead of the defaults.
    #[cfg(feature = "script")]
    pub fn script_limits(mut self, limits: crate::script::ScriptLimits) -> Self {
        self.script_limits = limits;
        self
    }

    /// Routes requests given to [`Engine::route`] with `router`.
    pub fn router(mut self, router: crate::routing::Router) -> Self {
        self.router = Some(router);
        self
    }

    /// Lets document flows run over `D`, named `name` in documents (`data = "Order"`).
    /// [`EngineBuilder::action`] names a data type by its last path segment unless it was
    /// named here first.
    pub fn data<D: FlowData>(mut self, name: &str) -> Self {
        if let Err(error) = self.actions.data::<D>(name) {
            self.registry_error.get_or_insert(error);
        }
        self.data_types
            .entry(TypeId::of::<D>())
            .or_insert_with(|| Arc::new(TypedData::<D>::new()));
        self
    }

    /// Registers `#[action]` `A` over `D` under its name, for document flows to name
    /// (`.action::<Order, reserve_stock>()`). Each name once per data type; compiled flows
    /// call their actions directly and need no registration.
    pub fn action<D: FlowData, A: Action<D>>(mut self) -> Self {
        if let Err(error) = self.actions.action::<D, A>() {
            self.registry_error.get_or_insert(error);
        }
        self.data_types
            .entry(TypeId::of::<D>())
            .or_insert_with(|| Arc::new(TypedData::<D>::new()));
        self
    }

    /// Registers `action` over `D` by its policy's name, like [`EngineBuilder::action`] for
    /// an action that is not a Rust `#[action]` (a simulation's placeholders).
    pub(crate) fn dyn_action<D: FlowData>(
        mut self,
        action: Arc<dyn crate::actions::DynAction<D>>,
    ) -> Self {
        if let Err(error) = self.actions.dyn_action::<D>(action) {
            self.registry_error.get_or_insert(error);
        }
        self.data_types
            .entry(TypeId::of::<D>())
            .or_insert_with(|| Arc::new(TypedData::<D>::new()));
        self
    }

    /// Reads the time from `clock` (the system's by default): a test's
    /// [`ManualClock`](crate::ManualClock) makes deadlines, retry timers and leases move only
    /// when the test advances it.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the engine-wide defaults.
    pub fn config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }

    /// Builds an engine that runs no worker: it starts, signals and inspects instances, and
    /// `run` still drives one in the caller's task, but due work (started instances,
    /// retries, deadlines) and orphans are left to the worker processes sharing its store.
    /// For a process that only hands work to others, such as a web front or a batch loader.
    pub fn without_worker(mut self) -> Self {
        self.runs_worker = false;
        self
    }

    /// Installs a plugin; plugins run in installation order. It is named after its type,
    /// in snake case without a `Plugin` suffix (`AuditPlugin` is `audit`): the name a
    /// configuration document's `[[plugin]]` switches it on and off by.
    pub fn plugin<P: Plugin>(self, plugin: P) -> Self {
        let name = crate::plugin::default_name::<P>();
        self.named_plugin(name, plugin)
    }

    /// Installs a plugin under `name` (see [`EngineBuilder::plugin`]).
    pub fn named_plugin(mut self, name: impl Into<String>, plugin: impl Plugin) -> Self {
        self.plugins.push((name.into(), Arc::new(plugin)));
        self
    }

    /// Injects the faults of `chaos` (see [`crate::chaos`]); checked at `build` against the
    /// registered flows. Off by default.
    pub fn chaos(mut self, chaos: ChaosConfig) -> Self {
        self.chaos = chaos;
        self
    }

    /// Keeps statistics in `stats` (clone it first to read it later).
    pub fn statistics(mut self, stats: Stats) -> Self {
        self.stats = Some(stats);
        self
    }

    /// Registers flow `F`; it is validated again, with its actions' metadata, at `build`.
    pub fn register<F: Flow>(self) -> Self
    where
        F::Data: FlowData,
    {
        self.register_with::<F>(FlowOptions::default())
    }

    /// Registers flow `F` with per-flow options (retry overrides).
    pub fn register_with<F: Flow>(mut self, options: FlowOptions) -> Self
    where
        F::Data: FlowData,
    {
        self.flows.push(Box::new(move |stats: &Option<Stats>| {
            let diagnostics = flow_core::validate(&F::spec());
            if !diagnostics.is_empty() {
                return Err(EngineError::InvalidFlow {
                    flow: F::NAME,
                    diagnostics,
                });
            }
            let payload_types = options.payload_types::<F>()?;
            let retry_overrides = options.resolve::<F>()?;
            let flow = Compiled::<F>::new();
            let stats = stats
                .as_ref()
                .map(|stats| stats.register_flow(F::NAME, F::VERSION, &state_shapes(flow.table())));
            Ok((
                flow.key(),
                Registered {
                    name: F::NAME,
                    version: F::VERSION,
                    table: flow.table(),
                    stats: stats.clone(),
                    resume: Arc::new(FlowResume { flow, stats }),
                    retry_overrides,
                    actions: flow
                        .table()
                        .states
                        .iter()
                        .filter_map(|state| match &state.kind {
                            StateEntryKind::Step { action, .. } => Some(action.action),
                            _ => None,
                        })
                        .collect(),
                    route: Box::new(route_entry::<F, S>()),
                    payload_types,
                    data_type: std::any::type_name::<F::Data>(),
                },
            ))
        }));
        self
    }

    /// The engine, or the first flow that failed validation.
    ///
    /// Built inside a Tokio runtime, the engine starts its worker at once: on a durable
    /// store it takes up at once what other processes left (due timers, expired deadlines,
    /// orphans of a process that died). Built outside one, the worker starts with the first
    /// instance.
    pub fn build(self) -> Result<Engine<S>, EngineError> {
        if let Some(error) = self.registry_error {
            return Err(error.into());
        }
        let mut flows = FlowMap::default();
        for register in self.flows {
            let (type_id, registered) = register(&self.stats)?;
            flows.insert(type_id, registered);
        }
        let chaos = ChaosSwitch::default();
        if !self.chaos.is_empty() {
            let specs: Vec<flow_core::FlowSpec> = flows
                .values()
                .map(|registered: &Registered<S>| registered.table.to_spec())
                .collect();
            let specs: Vec<&flow_core::FlowSpec> = specs.iter().collect();
            chaos.set(ChaosPlan::checked(&self.chaos, &specs)?);
        }
        let engine = Engine {
            inner: Arc::new(Inner {
                store: self.store,
                clock: self.clock,
                config: self.config,
                plugins: Plugins::new(self.plugins),
                chaos,
                stats: self.stats,
                flows,
                actions: self.actions,
                data_types: self.data_types,
                documents: RwLock::new(Documents::default()),
                retry_overrides: RwLock::new(Arc::new(Vec::new())),
                timeout_overrides: AtomicBool::new(false),
                routes: RwLock::new(self.router.map(|router| {
                    Arc::new(super::inner::AppliedRoutes {
                        router,
                        version: 1,
                        hash: None,
                        label: super::route::config_label(1, None),
                    })
                })),
                #[cfg(feature = "script")]
                scripts: Arc::new(crate::script::ScriptRuntime::new(self.script_limits)),
                worker_id: InstanceId::new().seed(),
                shutdown: CancellationToken::new(),
                shutting_down: AtomicBool::new(false),
                tasks: TaskTracker::new(),
                rested: Notify::new(),
                rest_waiters: std::sync::atomic::AtomicUsize::new(0),
                due_soon: Arc::new(Notify::new()),
                // An engine without a worker counts as having started it.
                worker_started: AtomicBool::new(!self.runs_worker),
            }),
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            engine.ensure_worker();
        }
        Ok(engine)
    }
}

/// The shape statistics need of a flow: states in index order and their edges.
pub(crate) fn state_shapes(table: &'static FlowTable) -> Vec<StateShape> {
    table
        .states
        .iter()
        .map(|state| {
            let edges = match &state.kind {
                StateEntryKind::Step { edges, .. } | StateEntryKind::Wait { edges, .. } => edges,
                _ => &[][..],
            };
            let mut shape: Vec<(Option<&'static str>, usize)> = edges
                .iter()
                .filter_map(|edge| {
                    let target = table.states.iter().position(|s| s.name == edge.target)?;
                    Some((edge.instruction, target))
                })
                .collect();
            if let StateEntryKind::Wait {
                deadline: Some((_, target)),
                ..
            } = &state.kind
                && let Some(index) = table.states.iter().position(|s| s.name == *target)
            {
                shape.push((Some("Deadline"), index));
            }
            StateShape {
                name: state.name,
                edges: shape,
            }
        })
        .collect()
}

/// Options of one registered flow.
#[derive(Debug, Clone, Default)]
pub struct FlowOptions {
    retry_overrides: Vec<(String, RetryPolicy)>,
    payload_types: Vec<PayloadType>,
}

impl FlowOptions {
    /// Signals `event` carry a `T`: a payload that does not decode as one is refused with
    /// [`EngineError::InvalidPayload`] and the instance stays as it was. Actions after the
    /// wait read it with `ctx.signal::<T>()`.
    pub fn signal_payload<T: serde::de::DeserializeOwned>(
        mut self,
        event: impl Into<String>,
    ) -> Self {
        self.payload_types.push(PayloadType::of::<T>(event.into()));
        self
    }

    /// The payload types, each checked to name an event one of `F`'s waits takes.
    fn payload_types<F: Flow>(&self) -> Result<Vec<PayloadType>, EngineError> {
        let events: Vec<&'static str> = F::TABLE
            .states
            .iter()
            .filter_map(|state| match &state.kind {
                StateEntryKind::Wait { edges, .. } => Some(edges.iter()),
                _ => None,
            })
            .flatten()
            .filter_map(|edge| edge.instruction)
            .collect();
        for payload in &self.payload_types {
            if !events.contains(&payload.event.as_str()) {
                return Err(EngineError::InvalidOverride {
                    flow: F::NAME,
                    message: match flow_core::did_you_mean(&payload.event, events.iter().copied()) {
                        Some(best) => format!(
                            "no wait takes event `{}`; did you mean `{best}`?",
                            payload.event
                        ),
                        None => format!("no wait takes event `{}`", payload.event),
                    },
                });
            }
        }
        Ok(self.payload_types.clone())
    }

    /// In this flow, retries `action` with `policy` instead of its declared policy.
    pub fn retry(mut self, action: impl Into<String>, policy: RetryPolicy) -> Self {
        self.retry_overrides.push((action.into(), policy));
        self
    }

    /// The overrides, each checked to name an action of `F`.
    fn resolve<F: Flow>(self) -> Result<Vec<(&'static str, RetryPolicy)>, EngineError> {
        let actions: Vec<&'static str> = F::TABLE
            .states
            .iter()
            .filter_map(|state| match &state.kind {
                StateEntryKind::Step { action, .. } => Some(action.action),
                _ => None,
            })
            .collect();
        self.retry_overrides
            .into_iter()
            .map(|(name, policy)| {
                let known = actions.iter().find(|action| **action == name).copied();
                match known {
                    Some(action) if policy.attempts > 0 => Ok((action, policy)),
                    Some(_) => Err(EngineError::InvalidOverride {
                        flow: F::NAME,
                        message: format!("retry of `{name}` needs at least one attempt"),
                    }),
                    None => Err(EngineError::InvalidOverride {
                        flow: F::NAME,
                        message: match flow_core::did_you_mean(&name, actions.iter().copied()) {
                            Some(best) => format!("no action `{name}`; did you mean `{best}`?"),
                            None => format!("no action `{name}` in this flow"),
                        },
                    }),
                }
            })
            .collect()
    }
}
