//! Waits with deadlines, unknown outcomes, operator instructions, fire-and-forget starts,
//! plugins and graceful shutdown, on the in-memory store.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flow_runtime::plugin::{FlowEvent, StepEvent};
use flow_runtime::prelude::*;
use flow_runtime::store::InstanceQuery;
use flow_runtime::{AuditPlugin, EngineConfig, InstanceId, JournalKind, Plugin, StartOptions};
use serde::{Deserialize, Serialize};

fn fast() -> EngineConfig {
    EngineConfig {
        poll_interval: Duration::from_millis(5),
        ..EngineConfig::default()
    }
}

// ---- waits and deadlines ---------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Application {
    pub log: Vec<String>,
}

#[derive(Instruction)]
pub enum Decision {
    Approve,
    Deny,
}

#[action(compensate = withdraw, retry(attempts = 2, backoff = fixed(1ms)))]
async fn submit(ctx: &mut Context<Application>) -> Result<(), ActionError> {
    ctx.data.log.push("submit".into());
    Ok(())
}

async fn withdraw(ctx: &mut Context<Application>) -> Result<(), ActionError> {
    ctx.data.log.push("withdraw".into());
    Ok(())
}

flow! {
    pub flow Review: Application {
        start Filed;
        Filed => submit => Waiting;
        wait Waiting on Decision, timeout 80ms => Expired { Approve => Approved, Deny => Denied }
        success Approved;
        failure Denied, Expired;
    }
}

/// The review engine on a manual clock: the 80 ms deadline passes when the test says.
fn review_engine_on_a_clock() -> (Engine, flow_runtime::ManualClock) {
    let (clock, manual) = flow_runtime::Clock::manual();
    let engine = Engine::builder()
        .clock(clock)
        .config(fast())
        .register::<Review>()
        .build()
        .unwrap();
    (engine, manual)
}

fn review_engine() -> Engine {
    Engine::builder()
        .config(fast())
        .register::<Review>()
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_deadline_that_passes_takes_the_timeout_edge_and_compensates() {
    let (engine, clock) = review_engine_on_a_clock();
    let waiting = engine.run::<Review>(Application::default()).await.unwrap();
    assert_eq!(waiting.status, Status::Waiting);
    clock.advance(Duration::from_millis(80));
    let expired = engine.wait_ended::<Review>(waiting.instance).await.unwrap();
    assert_eq!(expired.state, ReviewState::Expired);
    assert_eq!(expired.status, Status::Failed);
    assert_eq!(expired.data.log, ["submit", "withdraw"]);
    let deadline = expired
        .journal
        .iter()
        .find(|entry| entry.kind == JournalKind::Signal)
        .unwrap();
    assert_eq!(
        (&*deadline.instruction, &*deadline.to),
        ("Deadline", "Expired")
    );
}

#[tokio::test]
async fn a_signal_before_the_deadline_wins() {
    let (engine, clock) = review_engine_on_a_clock();
    let waiting = engine.run::<Review>(Application::default()).await.unwrap();
    let approved = engine
        .signal::<Review>(waiting.instance, "Approve")
        .await
        .unwrap();
    assert_eq!(approved.state, ReviewState::Approved);
    assert_eq!(approved.status, Status::Completed);
    clock.advance(Duration::from_secs(3600));
    // Give the worker the time to act on a timer, were one left.
    tokio::time::sleep(Duration::from_millis(30)).await;
    let later = engine.wait::<Review>(waiting.instance).await.unwrap();
    assert_eq!(
        later.state,
        ReviewState::Approved,
        "the deadline did not fire"
    );
}

#[tokio::test]
async fn a_paused_wait_keeps_its_deadline_until_resumed() {
    let (engine, clock) = review_engine_on_a_clock();
    let waiting = engine.run::<Review>(Application::default()).await.unwrap();
    let ops = engine.operator("alice");
    ops.pause(waiting.instance).await.unwrap();
    clock.advance(Duration::from_secs(3600));
    tokio::time::sleep(Duration::from_millis(30)).await;
    let paused = engine.wait::<Review>(waiting.instance).await.unwrap();
    assert_eq!(paused.status, Status::Paused);
    assert_eq!(paused.state, ReviewState::Waiting);

    ops.resume(waiting.instance).await.unwrap();
    let expired = engine.wait_ended::<Review>(waiting.instance).await.unwrap();
    assert_eq!(
        expired.state,
        ReviewState::Expired,
        "the overdue deadline fired after resume"
    );
    let operators: Vec<(&str, &str)> = expired
        .journal
        .iter()
        .filter(|entry| entry.kind == JournalKind::Operator)
        .map(|entry| (&*entry.action, &*entry.instruction))
        .collect();
    assert_eq!(operators, [("pause", "alice"), ("resume", "alice")]);
}

#[tokio::test]
async fn cancel_compensates_and_ends_cancelled() {
    let engine = review_engine();
    let waiting = engine.run::<Review>(Application::default()).await.unwrap();
    engine
        .operator("bob")
        .cancel(waiting.instance)
        .await
        .unwrap();
    let cancelled = engine.wait_ended::<Review>(waiting.instance).await.unwrap();
    assert_eq!(cancelled.status, Status::Cancelled);
    assert_eq!(cancelled.state, ReviewState::Waiting);
    assert_eq!(cancelled.data.log, ["submit", "withdraw"]);
}

#[tokio::test]
async fn skip_moves_to_a_named_state_and_checks_the_name() {
    let engine = review_engine();
    let waiting = engine.run::<Review>(Application::default()).await.unwrap();
    let ops = engine.operator("carol");
    let error = ops
        .skip::<Review>(waiting.instance, "Aproved")
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "flow `Review` has no state `Aproved`; did you mean `Approved`?"
    );
    ops.skip::<Review>(waiting.instance, "Approved")
        .await
        .unwrap();
    let done = engine.wait_ended::<Review>(waiting.instance).await.unwrap();
    assert_eq!(done.state, ReviewState::Approved);
    assert_eq!(done.status, Status::Completed);
}

#[tokio::test]
async fn operator_instructions_that_do_not_fit_the_status_are_refused() {
    let engine = review_engine();
    let waiting = engine.run::<Review>(Application::default()).await.unwrap();
    let ops = engine.operator("dave");
    let error = ops.resume(waiting.instance).await.unwrap_err();
    assert!(error.to_string().contains("cannot resume"), "{error}");
    let error = ops.retry(waiting.instance).await.unwrap_err();
    assert!(error.to_string().contains("cannot retry"), "{error}");
}

// ---- compensation that keeps failing, then an operator retry ------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Booking {
    pub ledger_up: bool,
    pub log: Vec<String>,
}

static LEDGER_UP: AtomicU32 = AtomicU32::new(0);

#[action(compensate = unbook, compensate_retry(attempts = 2, backoff = fixed(1ms)))]
async fn book(ctx: &mut Context<Booking>) -> Result<(), ActionError> {
    ctx.data.log.push("book".into());
    Ok(())
}

async fn unbook(ctx: &mut Context<Booking>) -> Result<(), ActionError> {
    if LEDGER_UP.load(Ordering::SeqCst) == 0 {
        return Err(ActionError::retryable("ledger offline"));
    }
    ctx.data.log.push("unbook".into());
    Ok(())
}

#[action(readonly)]
async fn confirm(_ctx: &mut Context<Booking>) -> Result<(), ActionError> {
    Err(ActionError::permanent("confirmation refused"))
}

flow! {
    pub flow Bookings: Booking {
        start New;
        New    => book => Booked;
        Booked => confirm => Done;
        success Done;
    }
}

#[tokio::test]
async fn a_parked_instance_is_retried_by_an_operator() {
    let engine = Engine::builder()
        .config(fast())
        .register::<Bookings>()
        .build()
        .unwrap();
    let parked = engine.run::<Bookings>(Booking::default()).await.unwrap();
    assert_eq!(parked.status, Status::Manual);
    assert_eq!(parked.data.log, ["book"]);
    let record = engine.record(parked.instance).await.unwrap();
    assert!(
        record
            .error
            .as_ref()
            .unwrap()
            .message
            .contains("ledger offline"),
        "{:?}",
        record.error
    );
    let listed = engine
        .list(&InstanceQuery::new(10).status(Status::Manual))
        .await
        .unwrap();
    assert!(listed.iter().any(|summary| summary.id == parked.instance));

    LEDGER_UP.store(1, Ordering::SeqCst);
    engine.operator("ops").retry(parked.instance).await.unwrap();
    let failed = engine
        .wait_ended::<Bookings>(parked.instance)
        .await
        .unwrap();
    assert_eq!(failed.status, Status::Failed);
    assert_eq!(failed.data.log, ["book", "unbook"]);
}

// ---- remote steps with unknown outcomes -----------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Transfer {
    pub unknown_answers: u32,
    pub submissions: u32,
    pub queries: u32,
}

#[derive(Debug, Instruction)]
pub enum Settlement {
    Settled,
    Rejected,
}

#[action(pivot, retry(attempts = 1), query = transfer_status)]
async fn send_transfer(ctx: &mut Context<Transfer>) -> Result<Settlement, ActionError> {
    ctx.data.submissions += 1;
    Err(ActionError::unknown("gateway timed out"))
}

async fn transfer_status(ctx: &mut Context<Transfer>) -> Result<Settlement, ActionError> {
    ctx.data.queries += 1;
    if ctx.data.queries <= ctx.data.unknown_answers {
        return Err(ActionError::unknown("still pending"));
    }
    Ok(Settlement::Settled)
}

flow! {
    pub flow Payout: Transfer {
        start Ready;
        Ready => send_transfer { Settled => Paid, Rejected => Refused }
        success Paid;
        failure Refused;
    }
}

#[tokio::test]
async fn an_unknown_outcome_is_queried_until_definite_and_never_fails() {
    let config = EngineConfig {
        unknown_outcome_queries: flow_runtime::RetryPolicy::fixed(10, Duration::from_millis(1)),
        ..fast()
    };
    let engine = Engine::builder()
        .config(config)
        .register::<Payout>()
        .build()
        .unwrap();
    let outcome = engine
        .run::<Payout>(Transfer {
            unknown_answers: 3,
            ..Transfer::default()
        })
        .await
        .unwrap();
    assert_eq!(outcome.state, PayoutState::Paid);
    assert_eq!(outcome.status, Status::Completed);
    // Submitted once (its single attempt was not used up), then asked four times.
    assert_eq!(outcome.data.submissions, 1);
    assert_eq!(outcome.data.queries, 4);
}

#[tokio::test]
async fn an_outcome_that_stays_unknown_goes_to_a_person_not_to_failure() {
    let config = EngineConfig {
        unknown_outcome_queries: flow_runtime::RetryPolicy::fixed(3, Duration::from_millis(1)),
        ..fast()
    };
    let engine = Engine::builder()
        .config(config)
        .register::<Payout>()
        .build()
        .unwrap();
    let outcome = engine
        .run::<Payout>(Transfer {
            unknown_answers: 100,
            ..Transfer::default()
        })
        .await
        .unwrap();
    assert_eq!(outcome.status, Status::Manual);
    assert_eq!(outcome.state, PayoutState::Ready);
}

// ---- fire and forget, many at once, plugins ---------------------------------------------------

#[derive(Default, Clone)]
struct HookLog(Arc<Mutex<Vec<String>>>);

impl Plugin for HookLog {
    fn on_flow_start(&self, event: &FlowEvent<'_>) {
        self.0
            .lock()
            .unwrap()
            .push(format!("start {}", event.state));
    }
    fn before_action(&self, event: &StepEvent<'_>) {
        self.0
            .lock()
            .unwrap()
            .push(format!("before {}", event.action));
    }
    fn on_transition(&self, event: &FlowEvent<'_>, instruction: &'static str, to: &str) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{} -{instruction}-> {to}", event.state));
    }
    fn on_flow_end(&self, event: &FlowEvent<'_>, status: Status) {
        self.0
            .lock()
            .unwrap()
            .push(format!("end {} {status:?}", event.state));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn started_instances_run_on_the_worker_and_plugins_see_every_hook() {
    let hooks = HookLog::default();
    let audit = AuditPlugin::new();
    let engine = Engine::builder()
        .config(fast())
        .plugin(hooks.clone())
        .plugin(audit.clone())
        .register::<Review>()
        .build()
        .unwrap();
    let mut started = Vec::new();
    for _ in 0..50 {
        let options = StartOptions::default().label("channel", "web");
        started.push(
            engine
                .start_with::<Review>(Application::default(), options)
                .await
                .unwrap(),
        );
    }
    for id in &started {
        let waiting = engine.wait::<Review>(*id).await.unwrap();
        assert_eq!(waiting.status, Status::Waiting);
        engine.signal::<Review>(*id, "Approve").await.unwrap();
    }
    assert_eq!(
        engine
            .list(&InstanceQuery::new(100).status(Status::Completed))
            .await
            .unwrap()
            .len(),
        50
    );

    let one = hooks.0.lock().unwrap().clone();
    assert_eq!(one.iter().filter(|line| *line == "start Filed").count(), 50);
    assert_eq!(
        one.iter().filter(|line| *line == "before submit").count(),
        50
    );
    assert_eq!(
        one.iter()
            .filter(|line| *line == "Filed -Done-> Waiting")
            .count(),
        50
    );
    assert_eq!(
        one.iter()
            .filter(|line| *line == "Waiting -Approve-> Approved")
            .count(),
        50
    );
    assert_eq!(
        one.iter()
            .filter(|line| *line == "end Approved Completed")
            .count(),
        50
    );

    let trail = audit.records();
    let for_first: Vec<&str> = trail
        .iter()
        .filter(|record| record.instance == started[0])
        .map(|record| record.what.as_str())
        .collect();
    assert_eq!(for_first, ["started", "transition", "transition", "ended"]);
    assert!(trail.iter().all(|record| record.actor == "engine"));
}

// ---- graceful shutdown ------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Slow {
    pub steps: u32,
}

#[action(readonly)]
async fn slow_step(ctx: &mut Context<Slow>) -> Result<(), ActionError> {
    tokio::time::sleep(Duration::from_millis(40)).await;
    ctx.data.steps += 1;
    Ok(())
}

flow! {
    pub flow SlowFlow: Slow {
        start One;
        One   => slow_step => Two;
        Two   => slow_step => Three;
        Three => slow_step => Done;
        success Done;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_the_running_step_commit_and_hands_the_instance_back() {
    let engine = Engine::builder()
        .config(fast())
        .register::<SlowFlow>()
        .build()
        .unwrap();
    let id = engine.start::<SlowFlow>(Slow::default()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    engine.shutdown().await;
    let record = engine.record(id).await.unwrap();
    assert_eq!(record.status, Status::Running);
    assert!(
        record.due_at.is_some(),
        "handed back due for the next engine"
    );
    assert!(record.lease.is_none());
    assert_eq!(record.step, 1, "the step in flight finished and committed");
    let error = engine.start::<SlowFlow>(Slow::default()).await.unwrap_err();
    assert_eq!(error.to_string(), "the engine is shutting down");
}

// ---- plugins that wrap action attempts -------------------------------------------------------

#[derive(Clone)]
struct Wrapper {
    name: &'static str,
    log: Arc<Mutex<Vec<String>>>,
}

impl Plugin for Wrapper {
    fn wraps_actions(&self) -> bool {
        true
    }

    fn around_action<'a>(
        &'a self,
        info: flow_runtime::AttemptInfo,
        attempt: flow_runtime::plugin::Attempt<'a>,
    ) -> flow_runtime::plugin::Attempt<'a> {
        Box::pin(async move {
            self.log.lock().unwrap().push(format!(
                "{} enters {} #{}",
                self.name, info.action, info.attempt
            ));
            attempt.await;
            self.log
                .lock()
                .unwrap()
                .push(format!("{} leaves {}", self.name, info.action));
        })
    }
}

#[tokio::test]
async fn around_hooks_wrap_each_attempt_first_installed_outermost() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let engine = Engine::builder()
        .config(fast())
        .plugin(Wrapper {
            name: "limiter",
            log: Arc::clone(&log),
        })
        .plugin(Wrapper {
            name: "timer",
            log: Arc::clone(&log),
        })
        .register::<Review>()
        .build()
        .unwrap();
    let waiting = engine.run::<Review>(Application::default()).await.unwrap();
    assert_eq!(waiting.data.log, ["submit"]);
    assert_eq!(
        *log.lock().unwrap(),
        [
            "limiter enters submit #1",
            "timer enters submit #1",
            "timer leaves submit",
            "limiter leaves submit",
        ]
    );
}

// ---- pause requested while a step runs; failure after a pivot ----------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_asked_while_a_step_runs_takes_effect_after_its_commit() {
    let engine = Engine::builder()
        .config(fast())
        .register::<SlowFlow>()
        .build()
        .unwrap();
    let id = engine.start::<SlowFlow>(Slow::default()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    engine.operator("erin").pause(id).await.unwrap();
    let paused = engine.wait::<SlowFlow>(id).await.unwrap();
    assert_eq!(paused.status, Status::Paused);
    assert_eq!(
        paused.data.steps, 1,
        "the running step finished and committed"
    );
    assert_eq!(paused.state, SlowFlowState::Two);

    engine.operator("erin").resume(id).await.unwrap();
    let done = engine.wait_ended::<SlowFlow>(id).await.unwrap();
    assert_eq!(done.status, Status::Completed);
    assert_eq!(done.data.steps, 3);
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Payment {
    pub log: Vec<String>,
}

#[action(compensate = release_hold)]
async fn hold(ctx: &mut Context<Payment>) -> Result<(), ActionError> {
    ctx.data.log.push("hold".into());
    Ok(())
}

async fn release_hold(ctx: &mut Context<Payment>) -> Result<(), ActionError> {
    ctx.data.log.push("release".into());
    Ok(())
}

#[action(pivot, retry(attempts = 2, backoff = fixed(1ms)))]
async fn transfer(ctx: &mut Context<Payment>) -> Result<(), ActionError> {
    ctx.data.log.push("transfer".into());
    Ok(())
}

#[action(readonly, retry(attempts = 2, backoff = fixed(1ms)))]
async fn notify_customer(_ctx: &mut Context<Payment>) -> Result<(), ActionError> {
    Err(ActionError::permanent("mail server refused"))
}

flow! {
    pub flow Payments: Payment {
        start New;
        New      => hold => Held;
        Held     => transfer => Moved;
        Moved    => notify_customer => Done;
        success Done;
    }
}

#[tokio::test]
async fn a_failure_after_the_pivot_undoes_nothing_and_goes_to_a_person() {
    let manual = HookLog::default();
    #[derive(Clone)]
    struct ManualLog(HookLog);
    impl Plugin for ManualLog {
        fn on_manual(&self, event: &FlowEvent<'_>, reason: &str) {
            self.0
                .0
                .lock()
                .unwrap()
                .push(format!("{} {reason}", event.state));
        }
    }
    let engine = Engine::builder()
        .config(fast())
        .plugin(ManualLog(manual.clone()))
        .register::<Payments>()
        .build()
        .unwrap();
    let outcome = engine.run::<Payments>(Payment::default()).await.unwrap();
    assert_eq!(outcome.status, Status::Manual);
    assert_eq!(
        outcome.data.log,
        ["hold", "transfer"],
        "the hold was not released"
    );
    let told = manual.0.lock().unwrap().clone();
    assert_eq!(
        told,
        [
            "Moved failed after the pivot `transfer`: the flow can only go forward, so nothing is undone; mail server refused"
        ]
    );
}

/// An engine that adopts orphans quickly: a lease of 60 ms, scanned for every 20 ms.
fn engine_adopting_orphans() -> Engine {
    Engine::builder()
        .config(EngineConfig {
            lease_ttl: Duration::from_millis(60),
            orphan_scan_interval: Duration::from_millis(20),
            ..fast()
        })
        .register::<SlowFlow>()
        .build()
        .unwrap()
}

/// Runs a `SlowFlow` (three steps of 40 ms) and drops the run after `after`: the orphan.
async fn orphan_of_a_run_dropped_after(engine: &Engine, after: Duration) -> InstanceId {
    let dropped = tokio::time::timeout(after, engine.run::<SlowFlow>(Slow::default())).await;
    assert!(dropped.is_err(), "the caller gave up mid-flow: {dropped:?}");
    engine
        .list(&InstanceQuery::new(10).status(Status::Running))
        .await
        .unwrap()[0]
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_whose_caller_went_away_mid_step_is_not_lost() {
    let engine = engine_adopting_orphans();
    // The caller drops its run in the middle of the first step.
    let orphan = orphan_of_a_run_dropped_after(&engine, Duration::from_millis(10)).await;

    let parked = engine.wait_ended::<SlowFlow>(orphan).await.unwrap();
    assert_eq!(parked.status, Status::Manual);
    let reason = engine.record(orphan).await.unwrap().error.unwrap();
    assert!(
        reason.message.contains("its driver stopped in state `One`"),
        "{reason}"
    );

    engine.operator("ops").retry(orphan).await.unwrap();
    let done = engine.wait_ended::<SlowFlow>(orphan).await.unwrap();
    assert_eq!(done.status, Status::Completed);
    assert_eq!(done.data.steps, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_whose_caller_went_away_after_a_step_keeps_that_steps_data() {
    // The memory store keeps a running instance's context with its driver: the driver that
    // is dropped mid-flow must leave it in the record for whoever adopts the orphan.
    let engine = engine_adopting_orphans();
    // The whole flow takes at least 120 ms: after 100 ms one step or two are done.
    let orphan = orphan_of_a_run_dropped_after(&engine, Duration::from_millis(100)).await;
    let parked = engine.wait_ended::<SlowFlow>(orphan).await.unwrap();
    assert_eq!(parked.status, Status::Manual);
    let done_before = engine.record(orphan).await.unwrap().step;
    assert!(done_before >= 1, "dropped after a step");
    assert_eq!(
        u64::from(parked.data.steps),
        done_before,
        "the data of the steps done was kept"
    );

    engine.operator("ops").retry(orphan).await.unwrap();
    let done = engine.wait_ended::<SlowFlow>(orphan).await.unwrap();
    assert_eq!(done.status, Status::Completed);
    assert_eq!(done.data.steps, 3, "each step counted once");
}

// ---- typed and named signals ------------------------------------------------------------

#[tokio::test]
async fn a_wait_takes_its_event_type_or_the_event_name() {
    let engine = review_engine();
    let waiting = engine.run::<Review>(Application::default()).await.unwrap();
    // The event enum, checked by the compiler.
    let approved = engine
        .signal::<Review>(waiting.instance, Decision::Approve)
        .await
        .unwrap();
    assert_eq!(approved.state, ReviewState::Approved);

    // A name from outside (HTTP, a CLI): checked when it arrives, with the closest name.
    let waiting = engine.run::<Review>(Application::default()).await.unwrap();
    let error = engine
        .signal::<Review>(waiting.instance, "Aprove")
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "state `Waiting` waits for one of [\"Approve\", \"Deny\"], not `Aprove`; did you mean `Approve`?"
    );
    let name = String::from("Deny");
    let denied = engine
        .signal::<Review>(waiting.instance, &name)
        .await
        .unwrap();
    assert_eq!(denied.state, ReviewState::Denied);
}

#[tokio::test]
async fn a_signal_for_another_flow_is_refused_and_leaves_the_instance_free() {
    let engine = Engine::builder()
        .config(fast())
        .register::<Review>()
        .register::<Payments>()
        .build()
        .unwrap();
    let waiting = engine.run::<Review>(Application::default()).await.unwrap();
    let error = engine
        .signal::<Payments>(waiting.instance, "Approve")
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "instance `{}` runs flow `Review v1`, not `Payments v1`",
            waiting.instance
        )
    );
    // Not `Busy`: the refused signal let go of its lease.
    let approved = engine
        .signal::<Review>(waiting.instance, Decision::Approve)
        .await
        .unwrap();
    assert_eq!(approved.state, ReviewState::Approved);
}
