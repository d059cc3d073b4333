//! Chaos: seeded, reproducible fault injection per flow and node, so that business,
//! architecture and development each test their own concern before and after the real
//! actions exist.
//!
//! A [`ChaosRule`] names a node (a flow, optionally its version, and a state) and says what
//! chaos does there:
//! - `fail(rate, kind)`: that share of attempts fails with an injected error of `kind`
//!   ([`FaultKind`]: retryable, permanent, timeout, or unknown result). Retryable, permanent
//!   and timeout faults fail before the action runs (the dependency never answered);
//!   an unknown result runs the action and loses its answer, so the engine queries it.
//! - `latency(d)`: every attempt waits `d` first.
//! - `weight(instruction, percent)`: the node's conversion rates. Chaos answers for the
//!   action with an instruction drawn by these weights (adding up to 100); the action does
//!   not run, nor does its compensation.
//! - At a wait, `weight(event, percent)` (`Deadline` for its deadline) is what a
//!   [simulation](crate::simulate) draws the outside world's answer by; a real engine waits
//!   for real signals.
//! - `crash(point, rate)`: the engine stops the step as a crashed process would, after the
//!   action ([`CrashPoint::AfterAction`]) or just before the commit
//!   ([`CrashPoint::BeforeCommit`]):
//!   nothing is committed, the lease lapses, and recovery runs the step again with the same
//!   idempotency key. A crash point fires once per instance and step in one engine, so the
//!   re-run goes through, and the step completes once. On a store that keeps the running
//!   context (SQLite, PostgreSQL, Redis) the orphan is taken up and driven on; the memory
//!   store parks it for a person, as it would after a real crash.
//! - `fail_compensation(rate)`: that share of the compensations of the node's steps fails,
//!   retryably; one that keeps failing parks the instance for a person.
//!
//! Every decision is a pure function of (seed, instance id, step, attempt): the same seed
//! gives the same faults whatever the threads do. Injected faults are marked: journal
//! entries say what chaos did ([`crate::Injected`]: a failure, an answer in place of the
//! action, a delay), and statistics count injected faults apart from real ones
//! ([`crate::stats::InjectedSnapshot`], the `flow_chaos_injected_total` series).
//!
//! Chaos is off unless configured, and free when off: the step path reads one flag.
//! It is set on the builder ([`crate::EngineBuilder::chaos`]), at run time
//! ([`crate::Engine::set_chaos`]), or by the configuration document: a document that
//! carries configuration (routes, overrides, chaos or plugin switches) sets the chaos in
//! force to its `[[chaos]]` tables, none when it has none, on every hot reload.
//!
//! ```
//! use flow_runtime::chaos::{ChaosConfig, ChaosRule, FaultKind};
//!
//! let chaos = ChaosConfig::seeded(42)
//!     .rule(ChaosRule::at("Loan", "Scoring").fail(0.05, FaultKind::Retryable).latency_ms(20))
//!     .rule(ChaosRule::at("Loan", "Deciding")
//!         .weight("Approved", 70)
//!         .weight("Rejected", 20)
//!         .weight("Review", 10));
//! assert_eq!(chaos.rules().len(), 2);
//! ```
//!
//! The same from the configuration document:
//!
//! ```toml
//! [[chaos]]
//! flow = "Loan"
//! state = "Scoring"
//! failure_rate = 0.05
//! error = "retryable"          # | "permanent" | "timeout" | "unknown"
//! latency = "20ms"
//! seed = 42                    # optional, 0 by default
//!
//! [[chaos]]
//! flow = "Loan"
//! version = 1                  # optional: every version by default
//! state = "Deciding"           # or `action = "decide"`: every state running it
//! weights = { Approved = 70, Rejected = 20, Review = 10 }
//! ```

mod config;
mod decision;
mod error;
mod plan;

pub use config::{ChaosConfig, ChaosRule, CrashPoint, FaultKind, NodeSelector};
pub use error::ChaosError;

pub(crate) use decision::{Draw, Roll};
pub(crate) use plan::{
    ChaosPlan, ChaosSwitch, DEADLINE_EVENT, FlowChaos, NodeChaos, RuleField, RuleProblem,
    flow_problems, value_problems,
};
