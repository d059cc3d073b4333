//! A simulation's run: a chaos plan for every node of the flow, an engine of its own on the
//! memory store, and instances run by a few tasks at once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flow_core::{InstanceId, StateEntryKind};

use super::progress::Progress;
use super::report::SimulationReport;
use crate::chaos::{ChaosConfig, ChaosError, ChaosPlan, ChaosRule, NodeSelector};
use crate::document::DocumentErrors;
use crate::engine::{Engine, EngineConfig, EngineError, FlowMachine, FlowTypes};
use crate::stats::Stats;
use crate::store::MemoryStore;

/// Why a simulation did not run to its report.
#[derive(Debug, thiserror::Error)]
pub enum SimulationError {
    /// A rate, weight or node of the simulation is wrong.
    #[error(transparent)]
    Chaos(#[from] ChaosError),
    /// The configuration document it read its rates from has problems, each with its line.
    #[error(transparent)]
    Document(#[from] DocumentErrors),
    /// The engine refused the flow or failed an instance.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The document with the flow to simulate did not load.
    #[error(transparent)]
    Load(#[from] crate::engine::LoadError),
    /// A task running instances stopped (a panic outside the flow's actions).
    #[error("a simulation task stopped: {0}")]
    Task(String),
}

/// What every simulation is set up with, whatever declared its flow.
pub(crate) struct Settings {
    pub(crate) instances: u64,
    pub(crate) seed: u64,
    pub(crate) rules: Vec<ChaosRule>,
    pub(crate) real: Vec<String>,
    pub(crate) concurrency: usize,
    pub(crate) progress: bool,
}

/// `builder` built as a simulation's engine: statistics in `stats`, leases that never
/// lapse (nothing here outlives its driver).
pub(crate) fn simulation_engine(
    builder: crate::EngineBuilder<MemoryStore>,
    stats: &Stats,
) -> Result<Engine, EngineError> {
    builder
        .statistics(stats.clone())
        .config(EngineConfig {
            lease_ttl: std::time::Duration::from_secs(3_600),
            ..EngineConfig::default()
        })
        .build()
}

/// The chaos of a simulation of `flow`: the rules given, chaos answering at every node not
/// marked real, no latency and no crash points (a report holds no timings, and a simulated
/// crash would only wait for a lease).
fn plan<M: FlowMachine>(flow: &M, settings: &Settings) -> Result<ChaosPlan, ChaosError> {
    let table = flow.table();
    let spec = table.to_spec();
    let config = settings
        .rules
        .iter()
        .fold(ChaosConfig::seeded(settings.seed), |config, rule| {
            config.rule(rule.clone())
        });
    let mut plan = ChaosPlan::checked(&config, &[&spec])?;
    let is_real = |selector: &NodeSelector| match selector {
        NodeSelector::State(name) | NodeSelector::Action(name) => settings.real.contains(name),
    };
    for node in &mut plan.nodes {
        node.answers = node.answers || !is_real(&node.node);
        node.latency = None;
        node.crash = None;
    }
    for state in table.states {
        let StateEntryKind::Step { action, .. } = &state.kind else {
            continue;
        };
        let covered = plan
            .node(flow.name(), flow.version(), state.name, action.action)
            .is_some();
        let real = settings
            .real
            .iter()
            .any(|name| name == state.name || name == action.action);
        if !covered && !real {
            let rule = ChaosRule::at(flow.name(), state.name);
            let mut node = crate::chaos::NodeChaos::from_rule(&rule, settings.seed);
            node.answers = true;
            plan.nodes.push(node);
        }
    }
    Ok(plan)
}

/// Runs the simulation of `flow` on `engine` (which runs it and keeps `stats`).
pub(crate) async fn run_on<M, K>(
    engine: Engine,
    flow: M,
    settings: Settings,
    data: Arc<dyn Fn(u64) -> M::Data + Send + Sync>,
    stats: &Stats,
) -> Result<SimulationReport, SimulationError>
where
    M: FlowMachine,
    K: FlowTypes<Data = M::Data, State = M::State>,
{
    engine.simulate_with(plan(&flow, &settings)?);
    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let progress = Progress::start(settings.progress, settings.instances, Arc::clone(&done));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..settings.concurrency.min(settings.instances.max(1) as usize) {
        let engine = engine.clone();
        let flow = flow.clone();
        let (next, done) = (Arc::clone(&next), Arc::clone(&done));
        let data = Arc::clone(&data);
        let (seed, total) = (settings.seed, settings.instances);
        tasks.spawn(async move {
            let mut ends: BTreeMap<(&'static str, &'static str), u64> = BTreeMap::new();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= total {
                    return Ok::<_, EngineError>(ends);
                }
                let id = instance_id(seed, index);
                let (status, state) = engine
                    .run_synthetic_on::<M, K>(flow.clone(), id, data(index), seed)
                    .await?;
                *ends.entry((status.name(), state)).or_default() += 1;
                done.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    let mut ends: BTreeMap<(&'static str, &'static str), u64> = BTreeMap::new();
    let mut failure = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(counted)) => {
                for (end, count) in counted {
                    *ends.entry(end).or_default() += count;
                }
            }
            Ok(Err(error)) => failure = failure.or(Some(SimulationError::Engine(error))),
            Err(error) => {
                failure = failure.or(Some(SimulationError::Task(error.to_string())));
            }
        }
    }
    progress.finish();
    engine.shutdown().await;
    if let Some(failure) = failure {
        return Err(failure);
    }
    Ok(SimulationReport::new(
        flow.name(),
        flow.version(),
        flow.table(),
        settings.seed,
        settings.instances,
        &ends,
        &stats.snapshot(),
    ))
}

/// The id of the `index`th instance of a simulation seeded `seed`: the same every run.
fn instance_id(seed: u64, index: u64) -> InstanceId {
    let high = crate::chaos::Roll::new(seed, index, 0, 0, 0).bits();
    InstanceId::from_u128((u128::from(high) << 64) | u128::from(index))
}
