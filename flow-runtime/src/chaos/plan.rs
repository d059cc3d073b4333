//! Chaos as the engine applies it: rules checked against the flows and resolved for the
//! step path, behind one flag that says whether there is any.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use flow_core::{ActionCatalog, FlowSpec, InstanceId, StateKind, did_you_mean};

use super::config::{ChaosConfig, ChaosRule, CrashPoint, FaultKind, NodeSelector};
use super::decision::{Draw, Roll};
use super::error::ChaosError;

/// The part of a rule a problem is about, so that a document can point at its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleField {
    Flow,
    Node,
    FailureRate,
    Weights,
    /// The weight of the instruction at this index of the rule's weights.
    Weight(usize),
    CrashRate,
    CompensationRate,
}

/// One problem with a rule.
#[derive(Debug, Clone)]
pub(crate) struct RuleProblem {
    pub(crate) field: RuleField,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
}

impl RuleProblem {
    fn new(field: RuleField, code: &'static str, message: String, help: Option<String>) -> Self {
        Self {
            field,
            code,
            message,
            help,
        }
    }
}

/// The weight sum a rule's weights must reach (they are percentages), and how far off a
/// sum of fractions may be.
const WEIGHT_TOTAL: f64 = 100.0;
const WEIGHT_SLACK: f64 = 1e-6;

/// The problems of `rule` that need no flow to see: rates outside 0..=1, weights that are
/// negative, repeated, or do not add up to 100.
pub(crate) fn value_problems(rule: &ChaosRule) -> Vec<RuleProblem> {
    let mut problems = Vec::new();
    let rate = |field, what: &str, rate: f64, problems: &mut Vec<RuleProblem>| {
        if !(0.0..=1.0).contains(&rate) {
            problems.push(RuleProblem::new(
                field,
                "chaos::bad_rate",
                format!("{what} {rate} is outside 0..=1"),
                Some("a rate is a share of attempts: 0.05 fails one in twenty".into()),
            ));
        }
    };
    if let Some((failure, _)) = rule.failure {
        rate(
            RuleField::FailureRate,
            "failure_rate",
            failure,
            &mut problems,
        );
    }
    if let Some((_, crash)) = rule.crash {
        rate(RuleField::CrashRate, "crash_rate", crash, &mut problems);
    }
    rate(
        RuleField::CompensationRate,
        "compensation_failure_rate",
        rule.compensation_failure_rate,
        &mut problems,
    );
    let mut fine = true;
    for (index, (name, weight)) in rule.weights.iter().enumerate() {
        if !weight.is_finite() || *weight < 0.0 {
            fine = false;
            problems.push(RuleProblem::new(
                RuleField::Weight(index),
                "chaos::bad_weight",
                format!("weight {weight} of `{name}` is negative or not a number"),
                Some("weights are percentages of the node's answers, 0 to 100".into()),
            ));
        }
        if rule.weights[..index].iter().any(|(other, _)| other == name) {
            fine = false;
            problems.push(RuleProblem::new(
                RuleField::Weight(index),
                "chaos::duplicate_weight",
                format!("`{name}` is weighted twice"),
                Some("give each instruction one weight".into()),
            ));
        }
    }
    let total: f64 = rule.weights.iter().map(|(_, weight)| weight).sum();
    if fine && !rule.weights.is_empty() && (total - WEIGHT_TOTAL).abs() > WEIGHT_SLACK {
        problems.push(RuleProblem::new(
            RuleField::Weights,
            "chaos::bad_weights",
            format!("the weights add up to {total}, not 100"),
            Some(
                "weights are the node's conversion rates in percent: \
                 `{ Approved = 70, Rejected = 20, Review = 10 }`"
                    .into(),
            ),
        ));
    }
    problems
}

/// The problems of `rule` against the flows the engine runs (`specs`, with their action
/// catalogs where known): an unknown flow, state, action or instruction (with the closest
/// name), and faults set on a node that runs no action.
pub(crate) fn flow_problems(rule: &ChaosRule, specs: &[&FlowSpec]) -> Vec<RuleProblem> {
    let matching: Vec<&FlowSpec> = specs
        .iter()
        .copied()
        .filter(|spec| spec.name == rule.flow && rule.version.is_none_or(|v| v == spec.version))
        .collect();
    if matching.is_empty() {
        let mut names: Vec<&str> = specs.iter().map(|spec| spec.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let version = rule.version.map(|v| format!(" v{v}")).unwrap_or_default();
        return vec![RuleProblem::new(
            RuleField::Flow,
            "chaos::unknown_flow",
            format!("flow `{}`{version} is not one this engine runs", rule.flow),
            Some(suggestion(&rule.flow, &names, "flows")),
        )];
    }
    let mut problems = Vec::new();
    let mut found = false;
    for spec in &matching {
        for state in &spec.states {
            let hit = match (&rule.node, &state.kind) {
                (NodeSelector::State(name), _) => *name == state.name,
                (NodeSelector::Action(action), StateKind::Step(step)) => *action == step.action,
                (NodeSelector::Action(_), _) => false,
            };
            if !hit {
                continue;
            }
            found = true;
            problems.extend(node_problems(rule, spec, &state.name, &state.kind));
        }
    }
    if !found {
        let (what, name, known): (&str, &str, Vec<&str>) = match &rule.node {
            NodeSelector::State(name) => (
                "state",
                name,
                matching
                    .iter()
                    .flat_map(|spec| spec.states.iter().map(|state| state.name.as_str()))
                    .collect(),
            ),
            NodeSelector::Action(name) => (
                "action",
                name,
                matching
                    .iter()
                    .flat_map(|spec| {
                        spec.states.iter().filter_map(|state| match &state.kind {
                            StateKind::Step(step) => Some(step.action.as_str()),
                            _ => None,
                        })
                    })
                    .collect(),
            ),
        };
        let plural = format!("{what}s");
        problems.push(RuleProblem::new(
            RuleField::Node,
            "chaos::unknown_node",
            format!("flow `{}` has no {what} `{name}`", rule.flow),
            Some(suggestion(name, &known, &plural)),
        ));
    }
    // One problem per mistake, however many versions repeat it.
    let mut seen = HashSet::new();
    problems.retain(|problem| seen.insert(problem.message.clone()));
    problems
}

fn node_problems(
    rule: &ChaosRule,
    spec: &FlowSpec,
    state: &str,
    kind: &StateKind,
) -> Vec<RuleProblem> {
    let mut problems = Vec::new();
    let answers: Vec<String> = match kind {
        StateKind::Step(step) => {
            let declared = match &spec.actions {
                ActionCatalog::Known(actions) => actions
                    .iter()
                    .find(|action| action.name == step.action)
                    .map(|action| action.instructions.clone()),
                ActionCatalog::Unknown => None,
            };
            declared.unwrap_or_else(|| {
                step.edges
                    .iter()
                    .filter_map(|edge| edge.instruction.clone())
                    .collect()
            })
        }
        StateKind::Wait(wait) => {
            let actionless = rule.failure.is_some()
                || rule.latency.is_some()
                || rule.crash.is_some()
                || rule.compensation_failure_rate > 0.0;
            if actionless {
                problems.push(RuleProblem::new(
                    RuleField::Node,
                    "chaos::no_action",
                    format!("state `{state}` waits: it runs no action to fail, slow or crash"),
                    Some(
                        "set faults on the step that follows it; at a wait a simulation \
                         takes only `weights`, of its events"
                            .into(),
                    ),
                ));
            }
            let mut events: Vec<String> = wait
                .edges
                .iter()
                .filter_map(|edge| edge.instruction.clone())
                .collect();
            if wait.deadline.is_some() {
                events.push(DEADLINE_EVENT.to_owned());
            }
            events
        }
        StateKind::Success | StateKind::Failure => {
            problems.push(RuleProblem::new(
                RuleField::Node,
                "chaos::no_action",
                format!("state `{state}` is an end: nothing runs there"),
                Some("put the rule on a step".into()),
            ));
            return problems;
        }
    };
    for (index, (name, _)) in rule.weights.iter().enumerate() {
        if !answers.contains(name) {
            let known: Vec<&str> = answers.iter().map(String::as_str).collect();
            problems.push(RuleProblem::new(
                RuleField::Weight(index),
                "chaos::unknown_instruction",
                format!(
                    "state `{state}` of flow `{}` has no instruction `{name}`",
                    rule.flow
                ),
                Some(suggestion(name, &known, "instructions")),
            ));
        }
    }
    problems
}

/// `did you mean `x`?`, or the list of what there is.
fn suggestion(name: &str, known: &[&str], what: &str) -> String {
    match did_you_mean(name, known.iter().copied()) {
        Some(best) if best != name => format!("did you mean `{best}`?"),
        _ => {
            let mut known = known.to_vec();
            known.sort_unstable();
            known.dedup();
            let list: Vec<String> = known.iter().map(|name| format!("`{name}`")).collect();
            format!("the {what} are {}", list.join(", "))
        }
    }
}

/// The event name that stands for a wait's deadline in weights (the journal's and the
/// statistics' name for that edge).
pub(crate) const DEADLINE_EVENT: &str = "Deadline";

/// One instruction (or event) of a node's weights, with the cumulative share up to it.
#[derive(Debug, Clone)]
pub(crate) struct WeightedChoice {
    pub(crate) name: String,
    /// The draw in `[0, 1)` below which this choice is taken (after the ones before it).
    pub(crate) upto: f64,
}

/// What chaos does at the nodes one rule matches, resolved for the step path.
#[derive(Debug, Clone)]
pub(crate) struct NodeChaos {
    pub(crate) flow: String,
    pub(crate) version: Option<u32>,
    pub(crate) node: NodeSelector,
    pub(crate) seed: u64,
    pub(crate) failure: Option<(f64, FaultKind)>,
    pub(crate) latency: Option<Duration>,
    /// Whether chaos answers in place of the action (and its compensation).
    pub(crate) answers: bool,
    /// The answers' weights; empty for a node chaos answers evenly (a simulation's default).
    pub(crate) weights: Vec<WeightedChoice>,
    pub(crate) crash: Option<(CrashPoint, f64)>,
    pub(crate) compensation_failure_rate: f64,
}

impl NodeChaos {
    /// The node of `rule`, with `seed` unless the rule has its own.
    pub(crate) fn from_rule(rule: &ChaosRule, seed: u64) -> Self {
        let mut upto = 0.0;
        let weights: Vec<WeightedChoice> = rule
            .weights
            .iter()
            .filter(|(_, weight)| *weight > 0.0)
            .map(|(name, weight)| {
                upto += weight / WEIGHT_TOTAL;
                WeightedChoice {
                    name: name.clone(),
                    upto,
                }
            })
            .collect();
        Self {
            flow: rule.flow.clone(),
            version: rule.version,
            node: rule.node.clone(),
            seed: rule.seed.unwrap_or(seed),
            failure: rule.failure,
            latency: rule.latency,
            answers: !rule.weights.is_empty(),
            weights,
            crash: rule.crash,
            compensation_failure_rate: rule.compensation_failure_rate,
        }
    }

    fn matches(&self, flow: &str, version: u32, state: &str, action: &str) -> bool {
        self.flow == flow
            && self.version.is_none_or(|wanted| wanted == version)
            && match &self.node {
                NodeSelector::State(name) => name == state,
                NodeSelector::Action(name) => name == action,
            }
    }

    /// The injected failure of the attempt `roll` stands for, if any.
    pub(crate) fn fault(&self, roll: Roll) -> Option<FaultKind> {
        let (rate, kind) = self.failure?;
        roll.hits(Draw::Failure, rate).then_some(kind)
    }

    /// The weighted answer the attempt `roll` stands for; `None` when the node has no
    /// weights (its answers are even).
    pub(crate) fn pick(&self, roll: Roll, draw: Draw) -> Option<&str> {
        let at = roll.unit(draw);
        let last = self.weights.last()?;
        Some(
            self.weights
                .iter()
                .find(|choice| at < choice.upto)
                // Rounding may leave the sum a hair below 1.
                .unwrap_or(last)
                .name
                .as_str(),
        )
    }

    /// The crash point the step `roll` stands for stops at, if any.
    pub(crate) fn crash_point(&self, roll: Roll) -> Option<CrashPoint> {
        let (point, rate) = self.crash?;
        roll.hits(Draw::Crash, rate).then_some(point)
    }

    /// Whether the compensation `roll` stands for fails.
    pub(crate) fn compensation_fails(&self, roll: Roll) -> bool {
        roll.hits(Draw::Compensation, self.compensation_failure_rate)
    }
}

/// The chaos in force.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChaosPlan {
    pub(crate) nodes: Vec<NodeChaos>,
}

impl ChaosPlan {
    /// The plan of `config`, every rule checked first against `specs` (the flows the
    /// engine runs).
    pub(crate) fn checked(config: &ChaosConfig, specs: &[&FlowSpec]) -> Result<Self, ChaosError> {
        for rule in config.rules() {
            let problems = value_problems(rule);
            let problems = if problems.is_empty() {
                flow_problems(rule, specs)
            } else {
                problems
            };
            if let Some(problem) = problems.into_iter().next() {
                return Err(ChaosError::InvalidRule {
                    node: rule.node_label(),
                    message: problem.message,
                    help: problem.help,
                });
            }
        }
        Ok(Self::unchecked(config))
    }

    /// The plan of `config`, whose rules were checked already.
    pub(crate) fn unchecked(config: &ChaosConfig) -> Self {
        Self {
            nodes: config
                .rules()
                .iter()
                .map(|rule| NodeChaos::from_rule(rule, config.seed()))
                .collect(),
        }
    }

    /// Whether any rule applies to `flow` v`version`.
    pub(crate) fn touches(&self, flow: &str, version: u32) -> bool {
        self.nodes
            .iter()
            .any(|node| node.flow == flow && node.version.is_none_or(|wanted| wanted == version))
    }

    /// What chaos does at `state` (running `action`) of `flow` v`version`.
    pub(crate) fn node(
        &self,
        flow: &str,
        version: u32,
        state: &str,
        action: &str,
    ) -> Option<&NodeChaos> {
        self.nodes
            .iter()
            .find(|node| node.matches(flow, version, state, action))
    }
}

/// What one instance learnt of the chaos in force: whether it has rules for its flow, as
/// of which plan.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FlowChaos {
    generation: Option<u64>,
    applies: bool,
}

/// The chaos in force in one engine, behind the flag the step path reads.
#[derive(Debug, Default)]
pub(crate) struct ChaosSwitch {
    /// Whether any node has chaos: the only thing the step path reads when it has none.
    armed: AtomicBool,
    /// Whether timers fire at once (a simulation, which reports no timings).
    timers_at_once: AtomicBool,
    /// Counts the plans put in force, so that an activation knows when what it learnt of
    /// the plan is out of date.
    generation: AtomicU64,
    plan: RwLock<Arc<ChaosPlan>>,
    /// The (instance, step) pairs a crash point stopped: each stops once, so the run after
    /// recovery goes through.
    crashed: Mutex<HashSet<(InstanceId, u64)>>,
}

impl ChaosSwitch {
    /// Whether any chaos is in force.
    #[inline]
    pub(crate) fn is_armed(&self) -> bool {
        self.armed.load(Ordering::Relaxed)
    }

    /// The plan in force.
    pub(crate) fn plan(&self) -> Arc<ChaosPlan> {
        Arc::clone(&self.plan.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Puts `plan` in force (an empty one turns chaos off).
    pub(crate) fn set(&self, plan: ChaosPlan) {
        let armed = !plan.nodes.is_empty();
        *self.plan.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(plan);
        // Released after the plan is written: whoever sees the new count reads the new plan.
        self.generation.fetch_add(1, Ordering::Release);
        self.armed.store(armed, Ordering::Relaxed);
    }

    /// Makes every timer fire at once.
    pub(crate) fn fire_timers_at_once(&self) {
        self.timers_at_once.store(true, Ordering::Relaxed);
    }

    /// Whether the chaos in force has a rule for `flow` v`version`; `known` keeps the answer
    /// for one instance, so that it is looked up again only when the plan changes (chaos on
    /// for one flow costs the others an atomic load per step).
    #[inline]
    pub(crate) fn applies_to(&self, flow: &str, version: u32, known: &mut FlowChaos) -> bool {
        let generation = self.generation.load(Ordering::Acquire);
        if known.generation != Some(generation) {
            *known = FlowChaos {
                generation: Some(generation),
                applies: self.plan().touches(flow, version),
            };
        }
        known.applies
    }

    /// Whether timers fire at once.
    #[inline]
    pub(crate) fn fires_timers_at_once(&self) -> bool {
        self.timers_at_once.load(Ordering::Relaxed)
    }

    /// `delay`, or nothing when timers fire at once.
    #[inline]
    pub(crate) fn timer(&self, delay: Duration) -> Duration {
        if self.timers_at_once.load(Ordering::Relaxed) {
            Duration::ZERO
        } else {
            delay
        }
    }

    /// Whether a crash point may stop step `step` of `instance`: true the first time.
    pub(crate) fn crash_once(&self, instance: InstanceId, step: u64) -> bool {
        self.crashed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((instance, step))
    }
}
