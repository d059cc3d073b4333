//! What only the memory store does: it forgets finished instances past its retention, and
//! the engine collects a running instance's step commits on its hold before writing them to
//! the record. Its shared semantics are checked by the store conformance suite
//! (`store_conformance.rs`).

use std::sync::{Arc, Mutex, OnceLock};

use flow_runtime::prelude::*;
use flow_runtime::{EngineBuilder, InstanceId, MemoryStore};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, oneshot};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Parcel {
    pub weight: u32,
}

#[action(readonly)]
async fn weigh(_ctx: &mut Context<Parcel>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    pub flow Weighing: Parcel {
        start New;
        New => weigh => Done;
        success Done;
    }
}

#[tokio::test]
async fn finished_instances_beyond_the_retention_are_forgotten() {
    // 16 shards keep one finished instance each.
    let engine = EngineBuilder::with_store(MemoryStore::with_retention(16))
        .register::<Weighing>()
        .build()
        .unwrap();
    let mut ids = Vec::new();
    for _ in 0..200 {
        ids.push(
            engine
                .run::<Weighing>(Parcel::default())
                .await
                .unwrap()
                .instance,
        );
    }
    let mut kept = 0;
    for id in &ids {
        if engine.record(*id).await.is_ok() {
            kept += 1;
        }
    }
    assert!((1..=16).contains(&kept), "kept {kept}");
    assert!(
        engine.record(*ids.last().unwrap()).await.is_ok(),
        "the latest is kept"
    );
}

// ---- step commits collected on the hold, written before anyone can look -----------------

/// What the waiting action tells the test (its instance) and waits for (the test's go).
struct Gate {
    entered: Mutex<Option<oneshot::Sender<InstanceId>>>,
    go: Notify,
}

fn gate() -> &'static Gate {
    static GATE: OnceLock<Gate> = OnceLock::new();
    GATE.get_or_init(|| Gate {
        entered: Mutex::new(None),
        go: Notify::new(),
    })
}

#[action(readonly)]
async fn pack(ctx: &mut Context<Parcel>) -> Result<(), ActionError> {
    ctx.data.weight += 1;
    Ok(())
}

#[action(readonly)]
async fn label(ctx: &mut Context<Parcel>) -> Result<(), ActionError> {
    let entered = gate().entered.lock().unwrap().take();
    if let Some(entered) = entered {
        let _ = entered.send(ctx.instance());
        gate().go.notified().await;
    }
    Ok(())
}

flow! {
    pub flow Shipping: Parcel {
        start New;
        New => weigh => Weighed;
        Weighed => pack => Packed;
        Packed => label => Done;
        success Done;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_instance_shows_the_steps_it_committed_while_its_action_waits() {
    let engine = EngineBuilder::with_store(MemoryStore::new())
        .register::<Shipping>()
        .build()
        .unwrap();
    let (entered, at_label) = oneshot::channel();
    *gate().entered.lock().unwrap() = Some(entered);
    let run = tokio::spawn({
        let engine = engine.clone();
        async move { engine.run::<Shipping>(Parcel::default()).await }
    });
    let id = at_label.await.unwrap();

    // Two steps were committed in the activation without a write each; the action that
    // waits lets others look, so the record has them once it waits, a revision each. The
    // action says it entered just before it waits: the drive writes when the action's first
    // poll returns, which may come a moment after this task reads. Nothing else writes the
    // record until the action is let go, so a record that never catches up fails below.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let record = loop {
        let record = engine.record(id).await.unwrap();
        if record.step == 2 || std::time::Instant::now() > deadline {
            break record;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    };
    assert_eq!(record.state, "Packed");
    assert_eq!(record.status, Status::Running);
    assert_eq!(record.step, 2);
    assert_eq!(
        record.revision, 2,
        "one revision per step, as if committed one by one"
    );
    let actions: Vec<&str> = record.journal.iter().map(|e| e.action.as_ref()).collect();
    assert_eq!(actions, ["weigh", "pack"]);

    gate().go.notify_one();
    let done = run.await.unwrap().unwrap();
    assert_eq!(done.status, Status::Completed);
    assert_eq!(done.data.weight, 1);
    let record = engine.record(id).await.unwrap();
    assert_eq!(record.revision, 3);
    assert_eq!(
        record.journal, done.journal,
        "the record has every entry the caller has"
    );
}

/// The engine the `pause_myself` action posts its request through.
fn self_pausing_engine() -> &'static Arc<OnceLock<Engine>> {
    static ENGINE: OnceLock<Arc<OnceLock<Engine>>> = OnceLock::new();
    ENGINE.get_or_init(|| Arc::new(OnceLock::new()))
}

#[action(readonly)]
async fn pause_myself(ctx: &mut Context<Parcel>) -> Result<(), ActionError> {
    let engine = self_pausing_engine().get().expect("set before the run");
    engine
        .operator("ops")
        .pause(ctx.instance())
        .await
        .map_err(|error| ActionError::permanent(error.to_string()))?;
    Ok(())
}

flow! {
    pub flow SelfPausing: Parcel {
        start New;
        New => weigh => Weighed;
        Weighed => pause_myself => Holding;
        Holding => pack => Packed;
        Packed => weigh => Done;
        success Done;
    }
}

#[tokio::test]
async fn a_request_left_during_a_step_stops_the_instance_after_that_step() {
    // The request lands in the record while the engine holds the instance's steps in the
    // activation: the hold's flag makes the engine write them and read the request at once.
    let engine = EngineBuilder::with_store(MemoryStore::new())
        .register::<SelfPausing>()
        .build()
        .unwrap();
    assert!(self_pausing_engine().set(engine.clone()).is_ok());
    let outcome = engine.run::<SelfPausing>(Parcel::default()).await.unwrap();
    assert_eq!(outcome.status, Status::Paused);
    assert_eq!(
        outcome.state,
        SelfPausingState::Holding,
        "stopped after the running step"
    );
    let record = engine.record(outcome.instance).await.unwrap();
    assert_eq!(record.status, Status::Paused);
    assert_eq!(record.step, 2);
    let actions: Vec<&str> = record.journal.iter().map(|e| e.action.as_ref()).collect();
    assert_eq!(actions[..2], ["weigh", "pause_myself"]);

    engine
        .operator("ops")
        .resume(outcome.instance)
        .await
        .unwrap();
    let done = engine
        .wait_ended::<SelfPausing>(outcome.instance)
        .await
        .unwrap();
    assert_eq!(done.status, Status::Completed);
    assert_eq!(done.data.weight, 1);
}
