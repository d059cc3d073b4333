//! Setting a simulation up: which flow, how many instances, the seed, and the rates that
//! stand in for the actions.

use std::marker::PhantomData;
use std::sync::Arc;

use flow_core::Flow;

use super::run::Settings;
use super::target::{OfDocument, OfFlow};
use crate::chaos::{ChaosRule, FaultKind, NodeSelector};
use crate::document::{DocumentErrors, DocumentOrigin, FlowDocument};
use crate::engine::{EngineBuilder, FlowData};
use crate::store::MemoryStore;

/// Where simulations start: [`Simulation::of`] a compiled flow, or
/// [`Simulation::of_document`] a flow of a document.
#[derive(Debug, Clone, Copy)]
pub struct Simulation;

impl Simulation {
    /// A simulation of flow `F`, its instances starting with `F::Data::default()`.
    pub fn of<F: Flow>() -> FlowSimulation<OfFlow<F>>
    where
        F::Data: FlowData + Default,
    {
        Self::with_data::<F>(|_| F::Data::default())
    }

    /// A simulation of flow `F` whose `n`th instance starts with `data(n)`.
    pub fn with_data<F: Flow>(
        data: impl Fn(u64) -> F::Data + Send + Sync + 'static,
    ) -> FlowSimulation<OfFlow<F>>
    where
        F::Data: FlowData,
    {
        FlowSimulation::new(OfFlow {
            data: Arc::new(data),
            flow: PhantomData,
        })
    }

    /// A simulation of the flow `flow` (its highest version) of the document `text`, over
    /// data `D` starting as `D::default()`, on an engine from `builder` with the actions the
    /// document names registered (chaos answers for them unless marked
    /// [`real`](FlowSimulation::real)). The document's own `[[chaos]]` tables for the flow
    /// are its rates, before the ones set here.
    pub fn of_document<D: FlowData + Default>(
        builder: EngineBuilder<MemoryStore>,
        text: impl Into<String>,
        origin: DocumentOrigin,
        flow: impl Into<String>,
    ) -> FlowSimulation<OfDocument<D>> {
        FlowSimulation::new(OfDocument {
            builder,
            text: text.into(),
            origin,
            flow: flow.into(),
            data: Arc::new(|_| D::default()),
        })
    }
}

/// What a simulation runs: a compiled flow ([`OfFlow`]) or a document's ([`OfDocument`]).
pub trait SimulationTarget {
    /// The flow's name.
    fn flow_name(&self) -> &str;
}

/// A simulation of a flow being set up; `run` runs it.
pub struct FlowSimulation<T> {
    pub(crate) settings: Settings,
    pub(crate) target: T,
}

impl<T: SimulationTarget> FlowSimulation<T> {
    fn new(target: T) -> Self {
        Self {
            settings: Settings {
                instances: 1_000,
                seed: 0,
                rules: Vec::new(),
                real: Vec::new(),
                concurrency: 16,
                progress: true,
            },
            target,
        }
    }

    /// Runs `count` instances (1,000 by default).
    pub fn instances(mut self, count: u64) -> Self {
        self.settings.instances = count;
        self
    }

    /// Draws every id, answer and fault from `seed` (0 by default).
    pub fn seed(mut self, seed: u64) -> Self {
        self.settings.seed = seed;
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

    /// Adds a chaos rule as it is (its flow must be the simulated one).
    pub fn rule(mut self, rule: ChaosRule) -> Self {
        self.settings.rules.push(rule);
        self
    }

    /// Runs the real action at `state` (a state name, or an action name for every state
    /// running it); chaos may still fail or answer for it if a rule there says so.
    pub fn real(mut self, state: impl Into<String>) -> Self {
        self.settings.real.push(state.into());
        self
    }

    /// Runs `tasks` instances at once (16 by default); on a multi-thread runtime they
    /// spread over its threads. The report does not depend on it.
    pub fn concurrency(mut self, tasks: usize) -> Self {
        self.settings.concurrency = tasks.max(1);
        self
    }

    /// Shows a progress bar on standard error when it is a terminal (the default), or not.
    pub fn progress(mut self, shown: bool) -> Self {
        self.settings.progress = shown;
        self
    }

    /// The rule for `state` made by this builder, created on first use.
    fn rule_at(&mut self, state: &str) -> &mut ChaosRule {
        let rules = &mut self.settings.rules;
        let index = rules
            .iter()
            .position(|rule| rule.node == NodeSelector::State(state.to_owned()));
        let index = index.unwrap_or_else(|| {
            rules.push(ChaosRule::at(self.target.flow_name(), state));
            rules.len() - 1
        });
        &mut rules[index]
    }
}

impl<F: Flow> FlowSimulation<OfFlow<F>>
where
    F::Data: FlowData,
{
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
                self.settings.rules.push(definition.rule.clone());
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
}

impl<D: FlowData> FlowSimulation<OfDocument<D>> {
    /// Starts the `n`th instance with `data(n)` instead of `D::default()`.
    pub fn data(mut self, data: impl Fn(u64) -> D + Send + Sync + 'static) -> Self {
        self.target.data = Arc::new(data);
        self
    }
}
