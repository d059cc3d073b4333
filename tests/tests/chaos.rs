//! Chaos from code: injected failures are marked in the journal and counted apart in the
//! statistics, instruction weights answer for the action, latency is added, crash points
//! make the step run again with the same idempotency key and complete once, and chaos that
//! names what the engine does not run is refused with the closest name.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use flow_runtime::chaos::{ChaosConfig, ChaosRule, CrashPoint, FaultKind};
use flow_runtime::prelude::*;
use flow_runtime::store::{SqlStore, Store};
use flow_runtime::{EngineConfig, Injected, InstanceId, Plugin, StatsConfig};
use flow_tests::servers::{fresh_redis, fresh_sqlite_url};
use serde::{Deserialize, Serialize};

/// Every charge attempt, by instance and idempotency key; and the keys whose charge took
/// effect (a payment gateway deduplicating by key).
static ATTEMPTS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
static CHARGED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Payment {
    pub released: bool,
}

#[derive(Instruction)]
pub enum Charge {
    Charged,
    Declined,
}

#[action(compensate = release)]
async fn reserve(_ctx: &mut Context<Payment>) -> Result<(), ActionError> {
    Ok(())
}

async fn release(ctx: &mut Context<Payment>) -> Result<(), ActionError> {
    ctx.data.released = true;
    Ok(())
}

#[action(pivot, retry(attempts = 3, backoff = fixed(1ms)))]
async fn charge(ctx: &mut Context<Payment>) -> Result<Charge, ActionError> {
    let key = ctx.idempotency_key().to_string();
    ATTEMPTS
        .lock()
        .unwrap()
        .push((ctx.instance().to_string(), key.clone()));
    CHARGED
        .lock()
        .unwrap()
        .get_or_insert_with(HashSet::new)
        .insert(key);
    Ok(Charge::Charged)
}

#[action(readonly, retry(attempts = 3, backoff = fixed(1ms)))]
async fn ship(_ctx: &mut Context<Payment>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    pub flow Pay: Payment {
        start Created;
        Created => reserve => Reserved;
        Reserved => charge { Charged => Paid, Declined => Rejected }
        Paid => ship => Shipped;
        success Shipped;
        failure Rejected;
    }
}

/// The charge attempts of `instance`: their idempotency keys, in order.
fn attempts_of(instance: InstanceId) -> Vec<String> {
    let instance = instance.to_string();
    ATTEMPTS
        .lock()
        .unwrap()
        .iter()
        .filter(|(of, _)| *of == instance)
        .map(|(_, key)| key.clone())
        .collect()
}

fn charged(key: &str) -> bool {
    CHARGED
        .lock()
        .unwrap()
        .as_ref()
        .is_some_and(|keys| keys.contains(key))
}

fn engine_with(chaos: ChaosConfig, stats: &Stats) -> Engine {
    Engine::builder()
        .register::<Pay>()
        .statistics(stats.clone())
        .chaos(chaos)
        .build()
        .unwrap()
}

#[tokio::test]
async fn chaos_is_off_unless_configured() {
    let engine = Engine::builder().register::<Pay>().build().unwrap();
    assert!(!engine.chaos_is_on());
    let done = engine.run::<Pay>(Payment::default()).await.unwrap();
    assert_eq!(done.status, Status::Completed);
    assert!(done.journal.iter().all(|entry| entry.injected.is_none()));
}

#[tokio::test]
async fn injected_failures_are_marked_in_the_journal_and_counted_apart_from_real_ones() {
    let stats = Stats::new(StatsConfig::default());
    let chaos =
        ChaosConfig::seeded(1).rule(ChaosRule::at("Pay", "Paid").fail(1.0, FaultKind::Retryable));
    let engine = engine_with(chaos, &stats);

    let outcome = engine.run::<Pay>(Payment::default()).await.unwrap();
    let failed = engine.wait_ended::<Pay>(outcome.instance).await.unwrap();
    // `ship` comes after the pivot `charge`: its failure goes to a person.
    assert_eq!(failed.status, Status::Manual);
    let failures: Vec<_> = failed
        .journal
        .iter()
        .filter(|entry| entry.kind == JournalKind::Failure)
        .collect();
    assert_eq!(failures.len(), 3, "three attempts: {failures:?}");
    assert!(
        failures
            .iter()
            .all(|entry| entry.injected == Some(Injected::Failure))
    );
    assert!(failures[0].instruction.contains("injected by chaos"));
    // The steps chaos did not touch are not marked.
    assert!(
        failed
            .journal
            .iter()
            .filter(|entry| entry.kind == JournalKind::Step)
            .all(|entry| entry.injected.is_none())
    );

    let node = stats.snapshot().node("Pay", 1, "Paid").unwrap();
    assert_eq!(
        (node.failed, node.retried),
        (0, 0),
        "real figures stay clean"
    );
    assert_eq!((node.injected.failed, node.injected.retried), (1, 2));
    assert_eq!(node.injected.failure_rate, 1.0);
    let prometheus = stats.render_prometheus();
    assert!(prometheus.contains(
        r#"flow_chaos_injected_total{flow="Pay",version="1",state="Paid",fault="failed"} 1"#
    ));
    assert!(prometheus.contains(
        r#"flow_chaos_injected_total{flow="Pay",version="1",state="Paid",fault="retried"} 2"#
    ));
    assert!(
        prometheus.contains(r#"flow_state_failed_total{flow="Pay",version="1",state="Paid"} 0"#)
    );
    // A state chaos never touched exports no chaos series.
    assert!(
        !prometheus.contains(r#"flow_chaos_injected_total{flow="Pay",version="1",state="Created""#)
    );
    assert!(
        stats
            .to_json()
            .contains(r#""injected":{"failed":1,"retried":2"#)
    );
}

#[tokio::test]
async fn a_permanent_injected_failure_compensates_like_a_real_one() {
    let stats = Stats::new(StatsConfig::default());
    let chaos = ChaosConfig::seeded(1)
        .rule(ChaosRule::at("Pay", "Reserved").fail(1.0, FaultKind::Permanent));
    let engine = engine_with(chaos, &stats);
    let outcome = engine.run::<Pay>(Payment::default()).await.unwrap();
    assert_eq!(outcome.status, Status::Failed);
    assert!(outcome.data.released, "the reservation was undone");
    assert!(attempts_of(outcome.instance).is_empty(), "charge never ran");
    let node = stats.snapshot().node("Pay", 1, "Reserved").unwrap();
    assert_eq!((node.failed, node.injected.failed), (0, 1));
}

#[tokio::test]
async fn weights_answer_for_the_action_at_the_rates_given() {
    let stats = Stats::new(StatsConfig::default());
    let chaos = ChaosConfig::seeded(9).rule(
        ChaosRule::at("Pay", "Reserved")
            .weight("Charged", 70)
            .weight("Declined", 30),
    );
    let engine = engine_with(chaos, &stats);
    let mut declined = 0;
    let mut ids = Vec::new();
    for _ in 0..2_000 {
        let outcome = engine.run::<Pay>(Payment::default()).await.unwrap();
        if outcome.state == PayState::Rejected {
            declined += 1;
            assert!(
                outcome.data.released,
                "a declined payment releases its stock"
            );
        }
        let charge_entry = outcome
            .journal
            .iter()
            .find(|entry| entry.action == "charge")
            .unwrap();
        assert_eq!(
            charge_entry.injected,
            Some(Injected::Answer),
            "the drawn instruction is marked"
        );
        ids.push(outcome.instance);
    }
    // Instance ids are random, so the count is binomial (mean 600, sd 20.5): the band is
    // six sd wide each way, which a fair draw leaves about once in 10^9 runs, while 70/30
    // read as 50/50 (1,000) or swapped (1,400) still fall far outside it.
    assert!((480..=720).contains(&declined), "30% declined: {declined}");
    assert!(
        ids.iter().all(|id| attempts_of(*id).is_empty()),
        "chaos answered: charge never ran"
    );
    let node = stats.snapshot().node("Pay", 1, "Reserved").unwrap();
    assert_eq!(node.injected.instructions, 2_000);
    // The statistics count exactly what the outcomes showed.
    assert_eq!(
        node.conversion_to("Paid"),
        f64::from(2_000 - declined) / 2_000.0
    );
}

#[tokio::test]
async fn a_step_chaos_answered_for_is_not_undone_by_its_real_compensation() {
    let chaos = ChaosConfig::seeded(2)
        .rule(ChaosRule::at("Pay", "Created").weight("Done", 100))
        .rule(ChaosRule::at("Pay", "Reserved").weight("Declined", 100));
    let engine = engine_with(chaos, &Stats::default());
    let outcome = engine.run::<Pay>(Payment::default()).await.unwrap();
    assert_eq!(outcome.state, PayState::Rejected);
    assert_eq!(outcome.status, Status::Failed);
    // `reserve` never ran, so `release` did not run either; the saga still records the undo.
    assert!(!outcome.data.released);
    assert!(
        outcome
            .journal
            .iter()
            .any(|entry| entry.kind == JournalKind::Compensation && entry.action == "release")
    );
}

#[tokio::test]
async fn latency_delays_every_attempt_of_the_node() {
    let stats = Stats::new(StatsConfig::default());
    let chaos = ChaosConfig::seeded(1).rule(ChaosRule::at("Pay", "Paid").latency_ms(60));
    let engine = engine_with(chaos, &stats);
    let started = Instant::now();
    let outcome = engine.run::<Pay>(Payment::default()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(60));
    assert_eq!(outcome.status, Status::Completed);
    let ship = outcome
        .journal
        .iter()
        .find(|entry| entry.action == "ship")
        .unwrap();
    assert_eq!(
        ship.injected,
        Some(Injected::Latency),
        "a delayed step is marked"
    );
    assert_eq!(
        stats
            .snapshot()
            .node("Pay", 1, "Paid")
            .unwrap()
            .injected
            .delayed,
        1
    );
}

#[tokio::test]
async fn chaos_naming_what_the_engine_does_not_run_is_refused_with_the_closest_name() {
    let build = |rule: ChaosRule| {
        Engine::builder()
            .register::<Pay>()
            .chaos(ChaosConfig::seeded(1).rule(rule))
            .build()
            .err()
            .map(|error| error.to_string())
    };
    let state = build(ChaosRule::at("Pay", "Reservd").fail(0.1, FaultKind::Retryable)).unwrap();
    assert!(
        state.contains("flow `Pay` has no state `Reservd`; did you mean `Reserved`?"),
        "{state}"
    );
    let instruction = build(ChaosRule::at("Pay", "Reserved").weight("Charge", 100)).unwrap();
    assert!(
        instruction.contains("did you mean `Charged`?"),
        "{instruction}"
    );
    let rate = build(ChaosRule::at("Pay", "Reserved").fail(1.5, FaultKind::Retryable)).unwrap();
    assert!(rate.contains("failure_rate 1.5 is outside 0..=1"), "{rate}");
    let sum = build(
        ChaosRule::at("Pay", "Reserved")
            .weight("Charged", 70)
            .weight("Declined", 20),
    )
    .unwrap();
    assert!(sum.contains("the weights add up to 90, not 100"), "{sum}");

    // At run time the chaos in force stays when new chaos is refused.
    let engine = engine_with(
        ChaosConfig::seeded(1).rule(ChaosRule::at("Pay", "Paid").latency_ms(1)),
        &Stats::default(),
    );
    let refused =
        engine.set_chaos(&ChaosConfig::new().rule(ChaosRule::at("Pey", "Paid").latency_ms(1)));
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("did you mean `Pay`?")
    );
    assert!(engine.chaos_is_on());
    engine.set_chaos(&ChaosConfig::new()).unwrap();
    assert!(!engine.chaos_is_on());
}

/// An engine on `store` whose leases lapse quickly, so that an instance whose step
/// "crashed" is taken up again soon.
fn crashing_engine<S: Store>(store: S, point: CrashPoint) -> Engine<S> {
    EngineBuilder::with_store(store)
        .register::<Pay>()
        .config(EngineConfig {
            lease_ttl: Duration::from_millis(300),
            orphan_scan_interval: Duration::from_millis(50),
            poll_interval: Duration::from_millis(10),
            ..EngineConfig::default()
        })
        .chaos(ChaosConfig::seeded(3).rule(ChaosRule::at("Pay", "Reserved").crash(point, 1.0)))
        .build()
        .unwrap()
}

async fn a_crash_reruns_the_step_with_the_same_key_and_completes_once<S: Store>(
    store: S,
    point: CrashPoint,
) {
    let engine = crashing_engine(store, point);
    let started = Instant::now();
    // `run` comes back once the instance rests: after recovery took it up and finished it.
    let outcome = tokio::time::timeout(
        Duration::from_secs(20),
        engine.run::<Pay>(Payment::default()),
    )
    .await
    .expect("recovery finishes the instance")
    .unwrap();
    assert_eq!(outcome.status, Status::Completed, "{outcome:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "it waited for the lease to lapse"
    );

    let keys = attempts_of(outcome.instance);
    assert_eq!(
        keys.len(),
        2,
        "the action ran, crashed, and ran again: {keys:?}"
    );
    assert_eq!(keys[0], keys[1], "both runs saw the same idempotency key");
    assert!(charged(&keys[0]));
    let charges = outcome
        .journal
        .iter()
        .filter(|entry| entry.kind == JournalKind::Step && entry.action == "charge")
        .count();
    assert_eq!(charges, 1, "the step committed once");
    let stored = engine
        .store()
        .load(outcome.instance)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, Status::Completed);
}

async fn sqlite() -> SqlStore {
    SqlStore::connect(&fresh_sqlite_url()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_the_action_reruns_the_step_with_the_same_key_and_completes_once() {
    let store = sqlite().await;
    a_crash_reruns_the_step_with_the_same_key_and_completes_once(store, CrashPoint::AfterAction)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_before_the_commit_reruns_the_step_with_the_same_key_and_completes_once() {
    let store = sqlite().await;
    a_crash_reruns_the_step_with_the_same_key_and_completes_once(store, CrashPoint::BeforeCommit)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_the_action_on_redis_reruns_the_step_with_the_same_key_and_completes_once() {
    let Some(store) = fresh_redis().await else {
        return;
    };
    a_crash_reruns_the_step_with_the_same_key_and_completes_once(store, CrashPoint::AfterAction)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_on_the_memory_store_parks_the_instance_until_an_operator_retries() {
    let engine = Engine::builder()
        .register::<Pay>()
        .config(EngineConfig {
            lease_ttl: Duration::from_millis(200),
            orphan_scan_interval: Duration::from_millis(50),
            poll_interval: Duration::from_millis(10),
            ..EngineConfig::default()
        })
        .chaos(
            ChaosConfig::seeded(3)
                .rule(ChaosRule::at("Pay", "Reserved").crash(CrashPoint::AfterAction, 1.0)),
        )
        .build()
        .unwrap();
    let parked = engine.run::<Pay>(Payment::default()).await.unwrap();
    // The memory store kept no context of the running steps: a person decides.
    assert_eq!(parked.status, Status::Manual);
    engine.operator("ops").retry(parked.instance).await.unwrap();
    let done = engine.wait_ended::<Pay>(parked.instance).await.unwrap();
    assert_eq!(done.status, Status::Completed);
    let keys = attempts_of(done.instance);
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1]);
}

/// Counts the steps it sees.
#[derive(Default, Clone)]
struct Counting(std::sync::Arc<std::sync::atomic::AtomicU32>);

impl Plugin for Counting {
    fn before_action(&self, _event: &flow_runtime::plugin::StepEvent<'_>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

#[tokio::test]
async fn plugins_are_switched_by_name_while_the_engine_runs() {
    let counting = Counting::default();
    let engine = Engine::builder()
        .register::<Pay>()
        .named_plugin("counting", counting.clone())
        .plugin(flow_runtime::AuditPlugin::new())
        .build()
        .unwrap();
    assert_eq!(engine.plugin_enabled("audit"), Some(true));
    engine.run::<Pay>(Payment::default()).await.unwrap();
    let seen = counting.0.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(seen, 3);
    engine.set_plugin_enabled("counting", false).unwrap();
    engine.run::<Pay>(Payment::default()).await.unwrap();
    assert_eq!(
        counting.0.load(std::sync::atomic::Ordering::Relaxed),
        seen,
        "switched off"
    );
    engine.set_plugin_enabled("counting", true).unwrap();
    engine.run::<Pay>(Payment::default()).await.unwrap();
    assert_eq!(
        counting.0.load(std::sync::atomic::Ordering::Relaxed),
        seen + 3
    );
    let unknown = engine.set_plugin_enabled("countin", false).unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "no plugin `countin` is installed; did you mean `counting`?"
    );
}
