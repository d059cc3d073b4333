//! Saga compensation as a property: random runs of compensable steps with random failures.
//!
//! Flows are declared at compile time, so the randomness lives in the instance's data: a plan
//! says, for every step the instance takes (by step number), how often the action fails
//! (retryably, then possibly permanently), which instruction it returns, and how often its
//! compensation fails. Two flow shapes (a chain of six states, a fork into two branches;
//! both with back edges, so a state can run, and be undone, more than once) mix actions with
//! different retry policies, a read-only action without compensation, declared and
//! engine-default compensation retry policies, and two failure ends.
//!
//! Every action and compensation records what it did in the instance data (which the engine
//! stores as JSON whenever a retry waits in the due-queue). Each run is checked twice:
//! against model-free invariants (every instance ends completed, failed-and-compensated or
//! parked; compensations exactly once, in reverse order, never before their step; parked
//! exactly when a compensation kept failing), and against a small independent model of the
//! engine's documented semantics that predicts the exact log, journal, state and status.

use std::collections::HashSet;
use std::time::Duration;

use flow_runtime::prelude::*;
use flow_runtime::{EngineConfig, JournalKind, RetryPolicy};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// Instance data: the plan and the log of effects.

/// What the step with a given step number does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    /// Attempts that fail with a retryable error before the action gets further.
    pub fails: u32,
    /// After those, whether the next attempt fails permanently.
    pub permanent: bool,
    /// The instruction returned once the action gets through.
    pub choice: Choice,
    /// Attempts of this step's compensation that fail (retryably) before one succeeds.
    pub undo_fails: u32,
}

/// Past the end of a plan, a step finishes the flow.
const FINISH: Visit = Visit {
    fails: 0,
    permanent: false,
    choice: Choice::Finish,
    undo_fails: 0,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Choice {
    Next,
    Again,
    Finish,
    Reject,
}

/// One effect, as the action or compensation saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ev {
    /// An attempt of the action of step `step` in `state` began (`attempt` as the context
    /// reports it).
    Try {
        step: u64,
        state: String,
        attempt: u32,
    },
    /// The action did its job and returned `choice`.
    Did {
        step: u64,
        state: String,
        choice: Choice,
    },
    /// The action returned the failure instruction: it did nothing.
    Refused { step: u64, state: String },
    /// An attempt of the compensation of step `step` began.
    UndoTry {
        step: u64,
        state: String,
        attempt: u32,
    },
    /// The compensation of step `step` undid it.
    Undid { step: u64, state: String },
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Plan {
    pub visits: Vec<Visit>,
    pub log: Vec<Ev>,
}

impl Plan {
    fn visit(&self, step: u64) -> Visit {
        usize::try_from(step)
            .ok()
            .and_then(|step| self.visits.get(step).copied())
            .unwrap_or(FINISH)
    }
}

// ---------------------------------------------------------------------------------------------
// Actions: one behaviour, three policies.

#[derive(Debug, PartialEq, Instruction)]
pub enum Turn {
    Next,
    Again,
    Finish,
    Reject,
}

/// The plan's behaviour for the current step; failures are counted in the log itself.
async fn behave(ctx: &mut Context<Plan>) -> Result<Turn, ActionError> {
    let step = ctx.step();
    let state = ctx.state().to_string();
    let attempt = ctx.attempt();
    let visit = ctx.data.visit(step);
    let tries = 1 + ctx
        .data
        .log
        .iter()
        .filter(|ev| matches!(ev, Ev::Try { step: s, .. } if *s == step))
        .count() as u32;
    ctx.data.log.push(Ev::Try {
        step,
        state: state.clone(),
        attempt,
    });
    if tries <= visit.fails {
        return Err(ActionError::retryable(format!(
            "step {step} in {state}: try {tries} fails"
        )));
    }
    if visit.permanent {
        return Err(ActionError::permanent(format!(
            "step {step} in {state}: refused for good"
        )));
    }
    Ok(match visit.choice {
        Choice::Reject => {
            ctx.data.log.push(Ev::Refused { step, state });
            Turn::Reject
        }
        choice => {
            ctx.data.log.push(Ev::Did {
                step,
                state,
                choice,
            });
            match choice {
                Choice::Next => Turn::Next,
                Choice::Again => Turn::Again,
                _ => Turn::Finish,
            }
        }
    })
}

/// The plan's compensation behaviour for the step being undone.
async fn revert(ctx: &mut Context<Plan>) -> Result<(), ActionError> {
    let step = ctx.step();
    let state = ctx.state().to_string();
    let attempt = ctx.attempt();
    let visit = ctx.data.visit(step);
    let tries = 1 + ctx
        .data
        .log
        .iter()
        .filter(|ev| matches!(ev, Ev::UndoTry { step: s, .. } if *s == step))
        .count() as u32;
    ctx.data.log.push(Ev::UndoTry {
        step,
        state: state.clone(),
        attempt,
    });
    if tries <= visit.undo_fails {
        return Err(ActionError::retryable(format!(
            "undo of step {step} in {state}: try {tries} fails"
        )));
    }
    ctx.data.log.push(Ev::Undid { step, state });
    Ok(())
}

/// Compensable, three attempts, its own compensation policy of two attempts.
#[action(
    compensate = undo,
    retry(attempts = 3, backoff = fixed(1ms)),
    compensate_retry(attempts = 2, backoff = fixed(1ms))
)]
async fn work(ctx: &mut Context<Plan>) -> Result<Turn, ActionError> {
    behave(ctx).await
}

async fn undo(ctx: &mut Context<Plan>) -> Result<(), ActionError> {
    revert(ctx).await
}

/// Compensable, no retry policy (one attempt), the engine's compensation policy.
#[action(compensate = undo_plain)]
async fn work_plain(ctx: &mut Context<Plan>) -> Result<Turn, ActionError> {
    behave(ctx).await
}

async fn undo_plain(ctx: &mut Context<Plan>) -> Result<(), ActionError> {
    revert(ctx).await
}

/// Read-only: nothing to undo; two attempts.
#[action(readonly, retry(attempts = 2, backoff = fixed(1ms)))]
async fn look(ctx: &mut Context<Plan>) -> Result<Turn, ActionError> {
    behave(ctx).await
}

/// Attempts of compensations that declare no policy (`undo_plain`).
const DEFAULT_UNDO_ATTEMPTS: u32 = 3;

fn engine() -> Engine {
    Engine::builder()
        .config(EngineConfig {
            poll_interval: Duration::from_millis(2),
            compensation_retry: RetryPolicy::fixed(DEFAULT_UNDO_ATTEMPTS, Duration::from_millis(1)),
            ..Default::default()
        })
        .register::<Chain>()
        .register::<Fork>()
        .build()
        .expect("valid flows")
}

// ---------------------------------------------------------------------------------------------
// The flows, and the same graphs written down again for the model.

flow! {
    /// Six steps in a row; `Again` runs the state once more as a new step.
    pub flow Chain: Plan {
        start S0;
        S0 => work       { Next => S1,   Again => S0, Finish => Done, Reject => Rejected }
        S1 => work_plain { Next => S2,   Again => S1, Finish => Done, Reject => Rejected }
        S2 => look       { Next => S3,   Again => S2, Finish => Done, Reject => Rejected }
        S3 => work       { Next => S4,   Again => S3, Finish => Done, Reject => Rejected }
        S4 => work       { Next => S5,   Again => S4, Finish => Done, Reject => Rejected }
        S5 => work_plain { Next => Done, Again => S5, Finish => Done, Reject => Rejected }
        success Done;
        failure Rejected;
    }
}

flow! {
    /// A fork into two branches with back edges and a second failure end.
    pub flow Fork: Plan {
        start Split;
        Split => work       { Next => L1,   Again => R1,    Finish => Done, Reject => Rejected }
        L1    => work_plain { Next => L2,   Again => Split, Finish => Done, Reject => Rejected }
        L2    => work       { Next => Done, Again => L1,    Finish => Done, Reject => Rejected }
        R1    => look       { Next => R2,   Again => R1,    Finish => Done, Reject => Aborted }
        R2    => work       { Next => Done, Again => Split, Finish => Done, Reject => Aborted }
        success Done;
        failure Rejected, Aborted;
    }
}

/// What the model knows of an action.
#[derive(Debug, Clone, Copy)]
struct Kind {
    action: &'static str,
    /// The compensation's name, for compensable actions.
    undo: Option<&'static str>,
    attempts: u32,
    undo_attempts: u32,
}

const WORK: Kind = Kind {
    action: "work",
    undo: Some("undo"),
    attempts: 3,
    undo_attempts: 2,
};
const WORK_PLAIN: Kind = Kind {
    action: "work_plain",
    undo: Some("undo_plain"),
    attempts: 1,
    undo_attempts: DEFAULT_UNDO_ATTEMPTS,
};
const LOOK: Kind = Kind {
    action: "look",
    undo: None,
    attempts: 2,
    undo_attempts: 0,
};

/// A state: its action and its targets for `Next`, `Again`, `Finish`, `Reject`.
type ModelState = (&'static str, Kind, [&'static str; 4]);

struct Shape {
    start: &'static str,
    states: &'static [ModelState],
    success: &'static str,
}

const CHAIN: Shape = Shape {
    start: "S0",
    success: "Done",
    states: &[
        ("S0", WORK, ["S1", "S0", "Done", "Rejected"]),
        ("S1", WORK_PLAIN, ["S2", "S1", "Done", "Rejected"]),
        ("S2", LOOK, ["S3", "S2", "Done", "Rejected"]),
        ("S3", WORK, ["S4", "S3", "Done", "Rejected"]),
        ("S4", WORK, ["S5", "S4", "Done", "Rejected"]),
        ("S5", WORK_PLAIN, ["Done", "S5", "Done", "Rejected"]),
    ],
};

const FORK: Shape = Shape {
    start: "Split",
    success: "Done",
    states: &[
        ("Split", WORK, ["L1", "R1", "Done", "Rejected"]),
        ("L1", WORK_PLAIN, ["L2", "Split", "Done", "Rejected"]),
        ("L2", WORK, ["Done", "L1", "Done", "Rejected"]),
        ("R1", LOOK, ["R2", "R1", "Done", "Aborted"]),
        ("R2", WORK, ["Done", "Split", "Done", "Aborted"]),
    ],
};

impl Shape {
    fn state(&self, name: &str) -> &ModelState {
        self.states
            .iter()
            .find(|(state, ..)| *state == name)
            .unwrap_or_else(|| panic!("model has no step state {name}"))
    }
}

// ---------------------------------------------------------------------------------------------
// The model.

/// A journal entry as compared: kind, step, action, instruction, from, to, attempt.
type Entry = (JournalKind, u64, String, String, String, String, u32);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Observed {
    status: Status,
    state: String,
    log: Vec<Ev>,
    journal: Vec<Entry>,
}

fn instruction(choice: Choice) -> &'static str {
    match choice {
        Choice::Next => "Next",
        Choice::Again => "Again",
        Choice::Finish => "Finish",
        Choice::Reject => "Reject",
    }
}

fn target(targets: &[&'static str; 4], choice: Choice) -> &'static str {
    targets[match choice {
        Choice::Next => 0,
        Choice::Again => 1,
        Choice::Finish => 2,
        Choice::Reject => 3,
    }]
}

/// What the documented semantics predict for `plan` on `shape`: steps run until a success
/// end, a failure end (the step returning the failure instruction did nothing, so it is not
/// undone) or a step whose attempts are used up; then the completed compensable steps are
/// undone latest first, each under its compensation's policy, and one that fails on its
/// last attempt parks the instance in `Manual`.
fn model(shape: &Shape, visits: &[Visit]) -> Observed {
    let plan = Plan {
        visits: visits.to_vec(),
        log: Vec::new(),
    };
    let mut log = Vec::new();
    let mut journal: Vec<Entry> = Vec::new();
    let mut step = 0u64;
    let mut state = shape.start;
    let mut done: Vec<(u64, &'static str)> = Vec::new();
    loop {
        let (_, kind, targets) = *shape.state(state);
        let visit = plan.visit(step);
        let mut attempt = 1;
        let result = loop {
            log.push(Ev::Try {
                step,
                state: state.into(),
                attempt,
            });
            if attempt <= visit.fails {
                // Every failed attempt is journaled with its error.
                journal.push((
                    JournalKind::Failure,
                    step,
                    kind.action.into(),
                    format!("retryable error: step {step} in {state}: try {attempt} fails"),
                    state.into(),
                    state.into(),
                    attempt,
                ));
                if attempt < kind.attempts {
                    attempt += 1;
                    continue;
                }
                break None;
            }
            if visit.permanent {
                journal.push((
                    JournalKind::Failure,
                    step,
                    kind.action.into(),
                    format!("permanent error: step {step} in {state}: refused for good"),
                    state.into(),
                    state.into(),
                    attempt,
                ));
                break None;
            }
            break Some(visit.choice);
        };
        let Some(choice) = result else {
            // The step failed: the instance stays in its state and compensates.
            break;
        };
        let to = target(&targets, choice);
        if choice == Choice::Reject {
            log.push(Ev::Refused {
                step,
                state: state.into(),
            });
        } else {
            log.push(Ev::Did {
                step,
                state: state.into(),
                choice,
            });
            if kind.undo.is_some() {
                done.push((step, state));
            }
        }
        journal.push((
            JournalKind::Step,
            step,
            kind.action.into(),
            instruction(choice).into(),
            state.into(),
            to.into(),
            attempt,
        ));
        state = to;
        step += 1;
        if to == shape.success {
            return Observed {
                status: Status::Completed,
                state: to.into(),
                log,
                journal,
            };
        }
        if choice == Choice::Reject {
            break;
        }
    }
    for &(undone, at) in done.iter().rev() {
        let (_, kind, _) = *shape.state(at);
        let visit = plan.visit(undone);
        let mut attempt = 1;
        loop {
            log.push(Ev::UndoTry {
                step: undone,
                state: at.into(),
                attempt,
            });
            if attempt <= visit.undo_fails {
                if attempt < kind.undo_attempts {
                    // A failed undo that will be tried again is journaled; the last one
                    // parks the instance with its error on the record instead.
                    journal.push((
                        JournalKind::Failure,
                        undone,
                        kind.undo.expect("compensable").into(),
                        format!(
                            "retryable error: undo of step {undone} in {at}: try {attempt} fails"
                        ),
                        at.into(),
                        at.into(),
                        attempt,
                    ));
                    attempt += 1;
                    continue;
                }
                return Observed {
                    status: Status::Manual,
                    state: state.into(),
                    log,
                    journal,
                };
            }
            log.push(Ev::Undid {
                step: undone,
                state: at.into(),
            });
            journal.push((
                JournalKind::Compensation,
                undone,
                kind.undo.expect("compensable").into(),
                "Compensated".into(),
                at.into(),
                at.into(),
                attempt,
            ));
            break;
        }
    }
    Observed {
        status: Status::Failed,
        state: state.into(),
        log,
        journal,
    }
}

// ---------------------------------------------------------------------------------------------
// Model-free invariants.

fn position(log: &[Ev], wanted: impl Fn(&Ev) -> bool) -> Option<usize> {
    log.iter().position(wanted)
}

/// The saga properties, read off the observed run alone (plus the shape for which states are
/// compensable and their compensation's attempts).
fn check_invariants(shape: &Shape, run: &Observed) -> Result<(), String> {
    let compensable = |state: &str| shape.state(state).1.undo.is_some();
    // Completed compensable steps, in order of completion.
    let completed: Vec<(u64, String)> = run
        .log
        .iter()
        .filter_map(|ev| match ev {
            Ev::Did { step, state, .. } if compensable(state) => Some((*step, state.clone())),
            _ => None,
        })
        .collect();
    let undone: Vec<(u64, String)> = run
        .log
        .iter()
        .filter_map(|ev| match ev {
            Ev::Undid { step, state } => Some((*step, state.clone())),
            _ => None,
        })
        .collect();
    let undo_tries = |step: u64| {
        run.log
            .iter()
            .filter(|ev| matches!(ev, Ev::UndoTry { step: s, .. } if *s == step))
            .count() as u32
    };
    let expected_order: Vec<(u64, String)> = completed.iter().rev().cloned().collect();

    // No compensation before its step; none of a step that did not complete.
    for (index, ev) in run.log.iter().enumerate() {
        if let Ev::UndoTry { step, state, .. } | Ev::Undid { step, state } = ev {
            let did = position(
                &run.log,
                |e| matches!(e, Ev::Did { step: s, state: st, .. } if s == step && st == state),
            );
            match did {
                Some(did) if did < index => {}
                Some(_) => return Err(format!("compensation of step {step} before the step")),
                None => {
                    return Err(format!(
                        "compensation of step {step} in {state}, which never completed"
                    ));
                }
            }
            if !compensable(state) {
                return Err(format!("compensation of non-compensable {state}"));
            }
        }
    }
    // Each step undone at most once.
    let mut seen = HashSet::new();
    for entry in &undone {
        if !seen.insert(entry.clone()) {
            return Err(format!("step {} compensated twice", entry.0));
        }
    }
    // No step action runs once compensation has begun.
    if let Some(first_undo) = position(&run.log, |e| matches!(e, Ev::UndoTry { .. }))
        && run.log[first_undo..]
            .iter()
            .any(|e| matches!(e, Ev::Try { .. } | Ev::Did { .. }))
    {
        return Err("a step ran after compensation began".into());
    }

    match run.status {
        Status::Completed => {
            if run.state != shape.success {
                return Err(format!("completed in {}", run.state));
            }
            if run.log.iter().any(|e| matches!(e, Ev::UndoTry { .. })) {
                return Err("a completed instance compensated".into());
            }
        }
        Status::Failed => {
            if undone != expected_order {
                return Err(format!(
                    "failed instance undid {undone:?}, expected {expected_order:?} \
                     (every completed compensable step, latest first)"
                ));
            }
            for (step, state) in &undone {
                let allowed = shape.state(state).1.undo_attempts;
                if undo_tries(*step) > allowed {
                    return Err(format!("compensation of step {step} tried past its policy"));
                }
            }
        }
        Status::Manual => {
            if !expected_order.starts_with(&undone) {
                return Err(format!(
                    "parked instance undid {undone:?}, not a prefix of {expected_order:?}"
                ));
            }
            let Some((stuck, state)) = expected_order.get(undone.len()) else {
                return Err("parked with every completed step undone".into());
            };
            let allowed = shape.state(state).1.undo_attempts;
            if undo_tries(*stuck) != allowed {
                return Err(format!(
                    "parked on step {stuck} after {} compensation attempts, policy allows {allowed}",
                    undo_tries(*stuck)
                ));
            }
            if !matches!(run.log.last(), Some(Ev::UndoTry { step, .. }) if step == stuck) {
                return Err("parked, but the last effect is not the stuck compensation".into());
            }
        }
        other => return Err(format!("instance rests in {other:?}")),
    }
    // The journal's compensations are the log's, in the same order.
    let journaled: Vec<(u64, String)> = run
        .journal
        .iter()
        .filter(|e| e.0 == JournalKind::Compensation)
        .map(|e| (e.1, e.4.clone()))
        .collect();
    if journaled != undone {
        return Err(format!(
            "journal compensations {journaled:?} differ from the effects {undone:?}"
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Running.

/// How long a run may take before it counts as hung (a healthy run takes milliseconds).
const HUNG: Duration = Duration::from_secs(3);

async fn run<F: Flow<Data = Plan>>(engine: Engine, visits: Vec<Visit>) -> Result<Observed, String> {
    let plan = Plan {
        visits,
        log: Vec::new(),
    };
    let outcome = tokio::time::timeout(HUNG, engine.run::<F>(plan))
        .await
        .map_err(|_| format!("the run did not return within {HUNG:?}"))?
        .map_err(|error| format!("engine error: {error}"))?;
    // The instance rests: released, no timer left that would make the worker pick it up.
    let record = engine
        .record(outcome.instance)
        .await
        .map_err(|error| format!("engine error: {error}"))?;
    if record.status != outcome.status || record.lease.is_some() || record.due_at.is_some() {
        return Err(format!(
            "the run returned {:?} but the record does not rest: status {:?}, lease {:?}, \
             due_at {:?}",
            outcome.status, record.status, record.lease, record.due_at
        ));
    }
    Ok(Observed {
        status: outcome.status,
        state: outcome.state.name().to_string(),
        log: outcome.data.log,
        journal: outcome
            .journal
            .into_iter()
            .map(|e| {
                (
                    e.kind,
                    e.step,
                    e.action.into_owned(),
                    e.instruction.into_owned(),
                    e.from.into_owned(),
                    e.to.into_owned(),
                    e.attempt,
                )
            })
            .collect(),
    })
}

#[derive(Debug, Clone, Copy)]
enum Which {
    Chain,
    Fork,
}

impl Which {
    fn shape(self) -> &'static Shape {
        match self {
            Which::Chain => &CHAIN,
            Which::Fork => &FORK,
        }
    }
}

fn visit() -> impl Strategy<Value = Visit> {
    (
        prop_oneof![16 => Just(0u32), 2 => Just(1), 2 => Just(2), 1 => Just(3)],
        prop::bool::weighted(0.04),
        prop_oneof![
            16 => Just(Choice::Next),
            2 => Just(Choice::Again),
            1 => Just(Choice::Finish),
            2 => Just(Choice::Reject),
        ],
        prop_oneof![7 => Just(0u32), 2 => Just(1), 1 => Just(2), 1 => Just(3)],
    )
        .prop_map(|(fails, permanent, choice, undo_fails)| Visit {
            fails,
            permanent,
            choice,
            undo_fails,
        })
}

fn instance() -> impl Strategy<Value = (Which, Vec<Visit>)> {
    (
        prop_oneof![Just(Which::Chain), Just(Which::Fork)],
        prop::collection::vec(visit(), 0..=10),
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        max_shrink_iters: 256,
        // A hang costs `HUNG` per shrink step: bound the search for a minimal plan.
        max_shrink_time: 15_000,
        // Failures are reported with their minimal plan; no regression file is written.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Several instances at once on one engine (two runtime threads, the due-queue worker
    /// resuming retries): each ends completed, failed with every completed compensable step
    /// undone once in reverse order, or parked exactly when a compensation kept failing, and
    /// each matches the model exactly.
    #[test]
    fn every_instance_ends_completed_compensated_or_parked(
        instances in prop::collection::vec(instance(), 1..=6)
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let observed: Vec<Result<Observed, String>> = runtime.block_on(async {
            let engine = engine();
            let mut tasks = Vec::new();
            for (which, visits) in instances.clone() {
                let engine = engine.clone();
                tasks.push(tokio::spawn(async move {
                    match which {
                        Which::Chain => run::<Chain>(engine, visits).await,
                        Which::Fork => run::<Fork>(engine, visits).await,
                    }
                }));
            }
            let mut observed = Vec::new();
            for task in tasks {
                observed.push(task.await.unwrap_or_else(|e| Err(format!("task panicked: {e}"))));
            }
            engine.shutdown().await;
            observed
        });
        for ((which, visits), run) in instances.iter().zip(observed) {
            let shape = which.shape();
            let run = match run {
                Ok(run) => run,
                Err(error) => return Err(TestCaseError::fail(format!("{which:?}: {error}"))),
            };
            if let Err(broken) = check_invariants(shape, &run) {
                return Err(TestCaseError::fail(format!(
                    "{which:?} broke a saga property: {broken}\nplan: {visits:?}\nrun: {run:#?}"
                )));
            }
            let expected = model(shape, visits);
            prop_assert_eq!(&run, &expected, "{:?} differs from the model; plan: {:?}", which, visits);
        }
    }
}

/// The model itself on hand-picked plans, so a mistake in it cannot hide one in the engine.
#[test]
fn the_model_predicts_the_documented_cases() {
    let ok = |choice| Visit { choice, ..FINISH };
    // Two compensable steps, then a failure instruction: both undone, latest first; the
    // refusing step is not.
    let rejected = model(
        &CHAIN,
        &[
            ok(Choice::Next),
            ok(Choice::Next),
            ok(Choice::Next),
            ok(Choice::Reject),
        ],
    );
    assert_eq!(rejected.status, Status::Failed);
    assert_eq!(rejected.state, "Rejected");
    let undone: Vec<u64> = rejected
        .log
        .iter()
        .filter_map(|e| match e {
            Ev::Undid { step, .. } => Some(*step),
            _ => None,
        })
        .collect();
    assert_eq!(undone, [1, 0], "S2 is read-only, S3 refused");
    // A compensation of `work` failing twice (its policy's attempts) parks the instance.
    let parked = model(
        &CHAIN,
        &[
            Visit {
                undo_fails: 2,
                ..ok(Choice::Next)
            },
            Visit {
                permanent: true,
                ..ok(Choice::Next)
            },
        ],
    );
    assert_eq!(parked.status, Status::Manual);
    assert_eq!(parked.state, "S1");
    // The same on `work_plain` is retried under the engine's default of three attempts.
    let recovered = model(
        &CHAIN,
        &[
            ok(Choice::Next),
            Visit {
                undo_fails: 2,
                ..ok(Choice::Next)
            },
            ok(Choice::Next),
            Visit {
                fails: 3,
                ..ok(Choice::Next)
            },
        ],
    );
    assert_eq!(recovered.status, Status::Failed);
    assert_eq!(recovered.state, "S3");
    // An empty plan finishes at once.
    assert_eq!(model(&FORK, &[]).status, Status::Completed);
}

/// The smallest run whose compensation is retried from the due-queue: step 0 completes,
/// step 1 refuses, the undo of step 0 fails once and succeeds when the worker retries it.
/// The instance must end `Failed` and rest (no lease, no timer), and waiting on it returns.
#[test]
fn a_compensation_retried_from_the_due_queue_leaves_the_instance_at_rest() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let engine = engine();
        let plan = Plan {
            visits: vec![
                Visit {
                    undo_fails: 1,
                    ..Visit {
                        choice: Choice::Next,
                        ..FINISH
                    }
                },
                Visit {
                    choice: Choice::Reject,
                    ..FINISH
                },
            ],
            log: Vec::new(),
        };
        let id = engine.start::<Chain>(plan).await.expect("started");
        let outcome = tokio::time::timeout(HUNG, engine.wait::<Chain>(id))
            .await
            .expect("the instance comes to rest")
            .expect("outcome");
        assert_eq!(outcome.status, Status::Failed);
        // A few worker polls later the record must still rest.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let record = engine.record(id).await.expect("record");
        assert_eq!(record.status, Status::Failed);
        assert_eq!(record.due_at, None, "a failed instance keeps a timer");
        assert!(
            record.lease.is_none(),
            "a failed instance stays leased: {:?}",
            record.lease
        );
        let again = tokio::time::timeout(HUNG, engine.wait::<Chain>(id)).await;
        assert!(
            again.is_ok(),
            "waiting on the failed instance never returns"
        );
    });
}
