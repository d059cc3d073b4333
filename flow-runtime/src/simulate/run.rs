//! The simulation builder and its run: a chaos plan for every node of the flow, an engine
//! of its own on the memory store, and instances run by a few tasks at once.

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flow_core::{Flow, InstanceId, StateEntryKind};

use super::progress::Progress;
use super::report::SimulationReport;
use crate::chaos::{ChaosConfig, ChaosError, ChaosPlan, ChaosRule, FaultKind, NodeSelector};
use crate::document::{DocumentErrors, DocumentOrigin, FlowDocument};
use crate::engine::{Engine, EngineConfig, EngineError, FlowData};
use crate::stats::{Stats, StatsConfig};

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
    /// A task running instances stopped (a panic outside the flow's actions).
    #[error("a simulation task stopped: {0}")]
    Task(String),
}

/// Where simulations start: [`Simulation::of`] a flow.
#[derive(Debug, Clone, Copy)]
pub struct Simulation;

impl Simulation {
    /// A simulation of flow `F`, its instances starting with `F::Data::default()`.
    pub fn of<F: Flow>() -> FlowSimulation<F>
    where
        F::Data: FlowData + Default,
    {
        Self::with_data::<F>(|_| F::Data::default())
    }

    /// A simulation of flow `F` whose `n`th instance starts with `data(n)`.
    pub fn with_data<F: Flow>(
        data: impl Fn(u64) -> F::Data + Send + Sync + 'static,
    ) -> FlowSimulation<F>
    where
        F::Data: FlowData,
    {
        FlowSimulation {
            instances: 1_000,
            seed: 0,
            rules: Vec::new(),
            real: Vec::new(),
            concurrency: 16,
            progress: true,
            data: Arc::new(data),
            flow: PhantomData,
        }
    }
}

/// A simulation of flow `F` being set up; [`FlowSimulation::run`] runs it.
pub struct FlowSimulation<F: Flow> {
    instances: u64,
    seed: u64,
    rules: Vec<ChaosRule>,
    /// States (or actions) whose real action runs.
    real: Vec<String>,
    concurrency: usize,
    progress: bool,
    data: Arc<dyn Fn(u64) -> F::Data + Send + Sync>,
    flow: PhantomData<fn() -> F>,
}

impl<F: Flow> FlowSimulation<F>
where
    F::Data: FlowData,
{
    /// Runs `count` instances (1,000 by default).
    pub fn instances(mut self, count: u64) -> Self {
        self.instances = count;
        self
    }

    /// Draws every id, answer and fault from `seed` (0 by default).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// At step (or wait) `state`, answers with these instructions (or events; `Deadline`
    /// for a wait's deadline), weighted in percent (adding up to 100).
    pub fn weights<N: Into<String>, W: Into<f64>>(
        mut self,
        state: &str,
        weights: impl IntoIterator<Item = (N, W)>,
    ) -> Self {
        let rule = self.rule_at(state);
        for (name, weight) in weights {
            rule.weights.push((name.into(), weight.into()));
        }
        self
    }

    /// At step `state`, `rate` (0 to 1) of attempts fail with an error of `kind`.
    pub fn fail(mut self, state: &str, rate: f64, kind: FaultKind) -> Self {
        self.rule_at(state).failure = Some((rate, kind));
        self
    }

    /// At step `state`, `rate` (0 to 1) of compensations fail (retryably): a compensation
    /// that keeps failing parks its instance for a person.
    pub fn fail_compensation(mut self, state: &str, rate: f64) -> Self {
        self.rule_at(state).compensation_failure_rate = rate;
        self
    }

    /// Adds a chaos rule as it is (its flow must be `F`).
    pub fn rule(mut self, rule: ChaosRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Runs the real action at `state` (a state name, or an action name for every state
    /// running it); chaos may still fail or answer for it if a rule there says so.
    pub fn real(mut self, state: impl Into<String>) -> Self {
        self.real.push(state.into());
        self
    }

    /// Runs `tasks` instances at once (16 by default); on a multi-thread runtime they
    /// spread over its threads. The report does not depend on it.
    pub fn concurrency(mut self, tasks: usize) -> Self {
        self.concurrency = tasks.max(1);
        self
    }

    /// Shows a progress bar on standard error when it is a terminal (the default), or not.
    pub fn progress(mut self, shown: bool) -> Self {
        self.progress = shown;
        self
    }

    /// Takes the rates of `F` from the `[[chaos]]` tables of configuration document `text`
    /// (rules for other flows are left out), each checked against `F` with its line.
    pub fn config_document(
        mut self,
        text: &str,
        origin: DocumentOrigin,
    ) -> Result<Self, DocumentErrors> {
        let document = FlowDocument::parse(text, origin)?;
        let spec = F::spec();
        let mut diagnostics = Vec::new();
        for definition in document
            .chaos
            .iter()
            .filter(|found| found.rule.flow == F::NAME)
        {
            let problems = crate::chaos::flow_problems(&definition.rule, &[&spec]);
            if problems.is_empty() {
                self.rules.push(definition.rule.clone());
            }
            diagnostics.extend(
                problems
                    .into_iter()
                    .map(|problem| definition.diagnostic(problem)),
            );
        }
        if diagnostics.is_empty() {
            Ok(self)
        } else {
            Err(DocumentErrors { diagnostics })
        }
    }

    /// The rule for `state` made by this builder, created on first use.
    fn rule_at(&mut self, state: &str) -> &mut ChaosRule {
        let index = self
            .rules
            .iter()
            .position(|rule| rule.node == NodeSelector::State(state.to_owned()));
        let index = index.unwrap_or_else(|| {
            self.rules.push(ChaosRule::at(F::NAME, state));
            self.rules.len() - 1
        });
        &mut self.rules[index]
    }

    /// The chaos of the simulation: the rules given, chaos answering at every node not
    /// marked real, no latency and no crash points (a report holds no timings, and a
    /// simulated crash would only wait for a lease).
    fn plan(&self) -> Result<ChaosPlan, ChaosError> {
        let spec = F::spec();
        let config = self
            .rules
            .iter()
            .fold(ChaosConfig::seeded(self.seed), |config, rule| {
                config.rule(rule.clone())
            });
        let mut plan = ChaosPlan::checked(&config, &[&spec])?;
        let is_real = |selector: &NodeSelector| match selector {
            NodeSelector::State(name) | NodeSelector::Action(name) => self.real.contains(name),
        };
        for node in &mut plan.nodes {
            node.answers = node.answers || !is_real(&node.node);
            node.latency = None;
            node.crash = None;
        }
        for state in F::TABLE.states {
            let StateEntryKind::Step { action, .. } = &state.kind else {
                continue;
            };
            let covered = plan
                .node(F::NAME, F::VERSION, state.name, action.action)
                .is_some();
            let real = self
                .real
                .iter()
                .any(|name| name == state.name || name == action.action);
            if !covered && !real {
                let rule = ChaosRule::at(F::NAME, state.name);
                let mut node = crate::chaos::NodeChaos::from_rule(&rule, self.seed);
                node.answers = true;
                plan.nodes.push(node);
            }
        }
        Ok(plan)
    }

    /// Runs the simulation to its report.
    pub async fn run(self) -> Result<SimulationReport, SimulationError> {
        let plan = self.plan()?;
        let stats = Stats::new(StatsConfig::default());
        let engine = Engine::builder()
            .register::<F>()
            .statistics(stats.clone())
            .config(EngineConfig {
                // Nothing here outlives its driver: no lease should ever lapse.
                lease_ttl: std::time::Duration::from_secs(3_600),
                ..EngineConfig::default()
            })
            .build()?;
        engine.simulate_with(plan);
        let next = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicU64::new(0));
        let progress = Progress::start(self.progress, self.instances, Arc::clone(&done));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..self.concurrency.min(self.instances.max(1) as usize) {
            let engine = engine.clone();
            let (next, done) = (Arc::clone(&next), Arc::clone(&done));
            let data = Arc::clone(&self.data);
            let (seed, total) = (self.seed, self.instances);
            tasks.spawn(async move {
                let mut ends: BTreeMap<(&'static str, &'static str), u64> = BTreeMap::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= total {
                        return Ok::<_, EngineError>(ends);
                    }
                    let id = instance_id(seed, index);
                    let (status, state) = engine.run_synthetic::<F>(id, data(index), seed).await?;
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
        Ok(SimulationReport::new::<F>(
            self.seed,
            self.instances,
            &ends,
            &stats.snapshot(),
        ))
    }
}

/// The id of the `index`th instance of a simulation seeded `seed`: the same every run.
fn instance_id(seed: u64, index: u64) -> InstanceId {
    let high = crate::chaos::Roll::new(seed, index, 0, 0, 0).bits();
    InstanceId::from_u128((u128::from(high) << 64) | u128::from(index))
}
