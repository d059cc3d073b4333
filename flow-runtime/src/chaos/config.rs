//! Chaos as the user writes it, in code: a seed and rules per node.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Which error an injected failure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// A passing fault: the action's retry policy may try again.
    Retryable,
    /// A definite refusal: no retry; the flow compensates.
    Permanent,
    /// The attempt took too long: what the engine makes of a real timeout (retryable, or
    /// an unknown result when the action can be queried).
    Timeout,
    /// The action ran and its answer was lost: the engine queries the outcome.
    Unknown,
}

impl FaultKind {
    /// Every kind, by the name documents use.
    pub const NAMES: &'static [&'static str] = &["retryable", "permanent", "timeout", "unknown"];

    /// The name documents use.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Retryable => "retryable",
            FaultKind::Permanent => "permanent",
            FaultKind::Timeout => "timeout",
            FaultKind::Unknown => "unknown",
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FaultKind {
    type Err = ();

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "retryable" => Ok(FaultKind::Retryable),
            "permanent" => Ok(FaultKind::Permanent),
            "timeout" => Ok(FaultKind::Timeout),
            "unknown" => Ok(FaultKind::Unknown),
            _ => Err(()),
        }
    }
}

/// Where a crash point stops a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrashPoint {
    /// Right after the action returned, before the engine records anything of it.
    AfterAction,
    /// After statistics and plugins saw the step, just before the store commit.
    BeforeCommit,
}

impl CrashPoint {
    /// Every point, by the name documents use.
    pub const NAMES: &'static [&'static str] = &["after_action", "before_commit"];

    /// The name documents use.
    pub fn name(self) -> &'static str {
        match self {
            CrashPoint::AfterAction => "after_action",
            CrashPoint::BeforeCommit => "before_commit",
        }
    }
}

impl FromStr for CrashPoint {
    type Err = ();

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "after_action" => Ok(CrashPoint::AfterAction),
            "before_commit" => Ok(CrashPoint::BeforeCommit),
            _ => Err(()),
        }
    }
}

/// Which states of a flow a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeSelector {
    /// The state of this name.
    State(String),
    /// Every state that runs the action of this name.
    Action(String),
}

/// What chaos does at one node (see [`crate::chaos`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ChaosRule {
    /// The flow.
    pub flow: String,
    /// The flow version; every version when `None`.
    pub version: Option<u32>,
    /// The node.
    pub node: NodeSelector,
    /// The share of attempts that fail, and with which error.
    pub failure: Option<(f64, FaultKind)>,
    /// Added before every attempt.
    pub latency: Option<Duration>,
    /// Instruction (or, at a wait in a simulation, event) weights in percent: chaos answers
    /// for the action with an instruction drawn by them.
    pub weights: Vec<(String, f64)>,
    /// A crash point and the share of steps it stops.
    pub crash: Option<(CrashPoint, f64)>,
    /// The share of compensations of this node's steps that fail (retryably).
    pub compensation_failure_rate: f64,
    /// This rule's own seed; the configuration's when `None`.
    pub seed: Option<u64>,
}

impl ChaosRule {
    /// A rule for state `state` of flow `flow`, doing nothing yet.
    pub fn at(flow: impl Into<String>, state: impl Into<String>) -> Self {
        Self::new(flow.into(), NodeSelector::State(state.into()))
    }

    /// A rule for every state of flow `flow` that runs action `action`.
    pub fn at_action(flow: impl Into<String>, action: impl Into<String>) -> Self {
        Self::new(flow.into(), NodeSelector::Action(action.into()))
    }

    fn new(flow: String, node: NodeSelector) -> Self {
        Self {
            flow,
            version: None,
            node,
            failure: None,
            latency: None,
            weights: Vec::new(),
            crash: None,
            compensation_failure_rate: 0.0,
            seed: None,
        }
    }

    /// Only in version `version` of the flow.
    pub fn version(mut self, version: u32) -> Self {
        self.version = Some(version);
        self
    }

    /// `rate` (0 to 1) of attempts fail with an injected error of `kind`.
    pub fn fail(mut self, rate: f64, kind: FaultKind) -> Self {
        self.failure = Some((rate, kind));
        self
    }

    /// Every attempt waits `latency` first.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = Some(latency);
        self
    }

    /// Every attempt waits `millis` milliseconds first.
    pub fn latency_ms(self, millis: u64) -> Self {
        self.latency(Duration::from_millis(millis))
    }

    /// `percent` of the node's answers are `instruction` (the weights add up to 100).
    pub fn weight(mut self, instruction: impl Into<String>, percent: impl Into<f64>) -> Self {
        self.weights.push((instruction.into(), percent.into()));
        self
    }

    /// Stops `rate` (0 to 1) of the node's steps at `point`, as a crashed process would.
    pub fn crash(mut self, point: CrashPoint, rate: f64) -> Self {
        self.crash = Some((point, rate));
        self
    }

    /// `rate` (0 to 1) of the compensations of this node's steps fail, retryably.
    pub fn fail_compensation(mut self, rate: f64) -> Self {
        self.compensation_failure_rate = rate;
        self
    }

    /// Decides this rule's faults with `seed` instead of the configuration's.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The node as a reader names it: `Loan/Scoring` or `Loan/action score`.
    pub(crate) fn node_label(&self) -> String {
        match &self.node {
            NodeSelector::State(state) => format!("{}/{state}", self.flow),
            NodeSelector::Action(action) => format!("{}/action {action}", self.flow),
        }
    }
}

/// Chaos for an engine: a seed and rules (see [`crate::chaos`]). Empty (off) by default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChaosConfig {
    seed: u64,
    rules: Vec<ChaosRule>,
}

impl ChaosConfig {
    /// No rules, seed 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// No rules yet, decided with `seed`.
    pub fn seeded(seed: u64) -> Self {
        Self {
            seed,
            rules: Vec::new(),
        }
    }

    /// Adds `rule`. Where two rules match one node, the first applies.
    pub fn rule(mut self, rule: ChaosRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// The seed of rules without their own.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[ChaosRule] {
        &self.rules
    }

    /// Whether there is nothing to do: chaos stays off.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}
