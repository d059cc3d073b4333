//! The engine's clock: under a manual clock, a 7-day deadline and an hour-long retry
//! backoff fire the moment a test advances the clock past them, and not before.

use std::time::Duration;

use flow_runtime::prelude::*;
use flow_runtime::{
    Clock, EngineBuilder, EngineConfig, InstanceId, JournalKind, ManualClock, MemoryStore,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Signup {
    pub tries: u32,
    pub log: Vec<String>,
}

#[derive(Instruction)]
pub enum Confirmation {
    Confirmed,
}

#[action(compensate = delete_account)]
async fn create_account(ctx: &mut Context<Signup>) -> Result<(), ActionError> {
    ctx.data.log.push("create".into());
    Ok(())
}

async fn delete_account(ctx: &mut Context<Signup>) -> Result<(), ActionError> {
    ctx.data.log.push("delete".into());
    Ok(())
}

/// Busy on its first attempt; the retry waits an hour.
#[action(readonly, retry(attempts = 2, backoff = fixed(1h)))]
async fn send_welcome(ctx: &mut Context<Signup>) -> Result<(), ActionError> {
    ctx.data.tries += 1;
    if ctx.data.tries == 1 {
        return Err(ActionError::retryable("the mail server is busy"));
    }
    ctx.data.log.push("welcome".into());
    Ok(())
}

flow! {
    pub flow Onboarding: Signup {
        start New;
        New => create_account => Created;
        wait Created on Confirmation, timeout 7d => Lapsed { Confirmed => Confirmed }
        Confirmed => send_welcome => Welcomed;
        success Welcomed;
        failure Lapsed;
    }
}

fn engine() -> (Engine<MemoryStore>, ManualClock) {
    let (clock, manual) = Clock::manual();
    let engine = EngineBuilder::with_store(MemoryStore::new())
        .clock(clock)
        .config(EngineConfig {
            poll_interval: Duration::from_millis(5),
            ..EngineConfig::default()
        })
        .register::<Onboarding>()
        .build()
        .unwrap();
    (engine, manual)
}

const DAY: Duration = Duration::from_secs(24 * 3600);

/// `wait_ended`, failing the test instead of hanging when nothing fires.
async fn ended(engine: &Engine<MemoryStore>, id: InstanceId) -> Outcome<Onboarding> {
    tokio::time::timeout(Duration::from_secs(10), engine.wait_ended::<Onboarding>(id))
        .await
        .expect("the instance ended")
        .unwrap()
}

#[tokio::test]
async fn a_seven_day_deadline_fires_when_the_clock_passes_it() {
    let (engine, clock) = engine();
    let waiting = engine.run::<Onboarding>(Signup::default()).await.unwrap();
    assert_eq!(waiting.status, Status::Waiting);

    // Six days and 23 hours: still waiting.
    clock.advance(DAY * 7 - Duration::from_secs(3600));
    tokio::time::sleep(Duration::from_millis(30)).await;
    let record = engine.record(waiting.instance).await.unwrap();
    assert_eq!(record.status, Status::Waiting);

    // Past seven days: the deadline edge, and the account is deleted again.
    clock.advance(Duration::from_secs(3600));
    let lapsed = ended(&engine, waiting.instance).await;
    assert_eq!(lapsed.state, OnboardingState::Lapsed);
    assert_eq!(lapsed.status, Status::Failed);
    assert_eq!(lapsed.data.log, ["create", "delete"]);
    let deadline = lapsed
        .journal
        .iter()
        .find(|entry| entry.kind == JournalKind::Signal)
        .unwrap();
    assert_eq!(
        deadline.at,
        waiting.journal[0].at + DAY * 7,
        "exactly on time"
    );
}

#[tokio::test]
async fn an_hour_long_retry_backoff_waits_for_the_clock() {
    let (engine, clock) = engine();
    let waiting = engine.run::<Onboarding>(Signup::default()).await.unwrap();
    let id = waiting.instance;
    // `signal` drives on until the instance rests, through the retry: run it aside.
    let signalled = tokio::spawn({
        let engine = engine.clone();
        async move { engine.signal::<Onboarding>(id, "Confirmed").await }
    });
    let scheduled = loop {
        let record = engine.record(id).await.unwrap();
        if record.state == "Confirmed" && record.due_at.is_some() {
            break record;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    assert_eq!(scheduled.attempt, 2, "the first attempt failed");
    // An hour, less the policy's jitter, of the engine's clock.
    let due = scheduled.due_at.unwrap();
    let delay = due.duration_since(clock.now()).unwrap();
    assert!(
        delay <= Duration::from_secs(3600) && delay >= Duration::from_secs(1800),
        "{delay:?}"
    );

    clock.advance(delay - Duration::from_secs(1));
    tokio::time::sleep(Duration::from_millis(30)).await;
    let record = engine.record(id).await.unwrap();
    assert_eq!(
        (record.status, &*record.state),
        (Status::Running, "Confirmed"),
        "one second early: not yet"
    );

    clock.advance(Duration::from_secs(1));
    let welcomed = tokio::time::timeout(Duration::from_secs(10), signalled)
        .await
        .expect("the retry fired")
        .unwrap()
        .unwrap();
    assert_eq!(welcomed.status, Status::Completed);
    assert_eq!(welcomed.data.tries, 2);
    assert_eq!(welcomed.data.log, ["create", "welcome"]);
}
