//! Signals that carry data: a reviewer's comment and a corrected amount reach the action after
//! the wait, typed; the payload survives an engine restart on SQLite; a payload that does not
//! decode, or is too large, is refused and the instance stays as it was.

use std::time::Duration;

use flow_runtime::prelude::*;
use flow_runtime::store::SqlStore;
use flow_runtime::{EngineConfig, FlowOptions, JournalKind};
use flow_tests::servers::fresh_sqlite_path;

#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Loan {
    amount: u64,
    /// What the reviewer wrote, as the action after the wait saw it.
    remark: Option<String>,
    /// Who sent the decision, as the action after the wait saw it.
    decided_by: Option<String>,
}

/// What a reviewer sends with a correction.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Correction {
    amount: u64,
    comment: String,
}

#[derive(Debug, Instruction)]
pub enum Decision {
    Approve,
    Correct,
}

#[derive(Debug, Instruction)]
pub enum Booked {
    Booked,
}

/// Books the loan with what the reviewer sent: a correction's amount and comment, or an
/// approval's comment (any JSON).
#[action(pivot)]
async fn book(ctx: &mut Context<Loan>) -> Result<Booked, ActionError> {
    if let Some(correction) = ctx.signal::<Correction>().ok().flatten() {
        ctx.data.amount = correction.amount;
        ctx.data.remark = Some(correction.comment);
    } else if let Some(json) = ctx.signal_json() {
        ctx.data.remark = json["comment"].as_str().map(str::to_owned);
    }
    ctx.data.decided_by = ctx
        .received_signal()
        .and_then(|signal| signal.actor.clone());
    Ok(Booked::Booked)
}

flow! {
    pub flow Review: Loan {
        start InReview;
        wait InReview on Decision, timeout never { Approve => Approved, Correct => Approved }
        Approved => book => Booked;
        success Booked;
    }
}

fn engine_on<S: flow_runtime::Store>(store: S, limit: usize) -> Engine<S> {
    EngineBuilder::with_store(store)
        .config(EngineConfig {
            signal_payload_limit: limit,
            poll_interval: Duration::from_millis(5),
            ..EngineConfig::default()
        })
        .register_with::<Review>(FlowOptions::default().signal_payload::<Correction>("Correct"))
        .build()
        .unwrap()
}

fn engine() -> Engine {
    engine_on(flow_runtime::MemoryStore::new(), 64 * 1024)
}

async fn waiting(engine: &Engine<impl flow_runtime::Store>) -> flow_runtime::InstanceId {
    let outcome = engine
        .run::<Review>(Loan {
            amount: 1_000,
            ..Loan::default()
        })
        .await
        .unwrap();
    assert_eq!(outcome.state, ReviewState::InReview);
    outcome.instance
}

#[tokio::test]
async fn a_reviewers_comment_reaches_the_next_action_with_who_sent_it() {
    let engine = engine();
    let id = waiting(&engine).await;
    let outcome = engine
        .signal_as::<Review>(
            "alice",
            id,
            Decision::Approve,
            &serde_json::json!({ "comment": "income checked by phone" }),
        )
        .await
        .unwrap();
    assert_eq!(outcome.state, ReviewState::Booked);
    assert_eq!(
        outcome.data.remark.as_deref(),
        Some("income checked by phone")
    );
    assert_eq!(outcome.data.decided_by.as_deref(), Some("alice"));
    let signal = outcome
        .journal
        .iter()
        .find(|entry| entry.kind == JournalKind::Signal)
        .expect("the signal is journaled");
    let note = signal.signal.as_ref().expect("with its sender and payload");
    assert_eq!(note.actor.as_deref(), Some("alice"));
    assert!(note.payload_bytes > 0);
    assert_eq!(note.payload_sha256.as_ref().map(String::len), Some(64));
}

#[tokio::test]
async fn a_corrected_amount_travels_typed_to_the_next_action() {
    let engine = engine();
    let id = waiting(&engine).await;
    let correction = Correction {
        amount: 750,
        comment: "the second car is leased".to_owned(),
    };
    let outcome = engine
        .signal_with::<Review>(id, Decision::Correct, &correction)
        .await
        .unwrap();
    assert_eq!(outcome.state, ReviewState::Booked);
    assert_eq!(outcome.data.amount, 750);
    assert_eq!(
        outcome.data.remark.as_deref(),
        Some("the second car is leased")
    );
    assert_eq!(outcome.data.decided_by, None, "no sender was named");
}

#[tokio::test]
async fn a_payload_that_does_not_decode_is_refused_and_the_instance_is_unchanged() {
    let engine = engine();
    let id = waiting(&engine).await;
    let before = engine.record(id).await.unwrap();
    let error = engine
        .signal_with::<Review>(
            id,
            Decision::Correct,
            &serde_json::json!({ "amount": "seven hundred" }),
        )
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, EngineError::InvalidPayload { .. }),
        "{message}"
    );
    assert!(message.contains("Correct"), "{message}");
    assert!(message.contains("Correction"), "{message}");
    assert!(message.contains("invalid type"), "{message}");
    let after = engine.record(id).await.unwrap();
    assert_eq!(after.state, before.state);
    assert_eq!(after.status, Status::Waiting);
    assert_eq!(after.revision, before.revision);
    assert_eq!(after.context, before.context);
    assert_eq!(after.journal, before.journal);

    // The instance still takes a good correction.
    let good = Correction {
        amount: 900,
        comment: "fixed".to_owned(),
    };
    let outcome = engine
        .signal_with::<Review>(id, Decision::Correct, &good)
        .await
        .unwrap();
    assert_eq!(outcome.data.amount, 900);
}

#[tokio::test]
async fn a_payload_over_the_limit_is_refused_and_the_instance_is_unchanged() {
    let engine = engine_on(flow_runtime::MemoryStore::new(), 32);
    let id = waiting(&engine).await;
    let before = engine.record(id).await.unwrap();
    let error = engine
        .signal_with::<Review>(
            id,
            Decision::Approve,
            &serde_json::json!({ "comment": "x".repeat(100) }),
        )
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("more than the limit of 32"),
        "{error}"
    );
    let after = engine.record(id).await.unwrap();
    assert_eq!(after.revision, before.revision);
    assert_eq!(after.status, Status::Waiting);
}

#[test]
fn a_payload_type_for_an_event_no_wait_takes_is_refused_at_registration() {
    let error = Engine::builder()
        .register_with::<Review>(FlowOptions::default().signal_payload::<Correction>("Corect"))
        .build()
        .err()
        .expect("refused");
    assert!(
        error.to_string().contains("did you mean `Correct`"),
        "{error}"
    );
}

/// A flow whose action after the wait does not run at once: the payload must be read back
/// from the store by the engine that resumes it.
#[derive(Debug, Instruction)]
pub enum Held {
    Held,
}

#[action(pivot, retry(attempts = 2, backoff = fixed(1h)))]
async fn hold_then_book(ctx: &mut Context<Loan>) -> Result<Held, ActionError> {
    // The first attempt fails: the instance rests with a retry timer, its context stored.
    if ctx.attempt() == 1 {
        return Err(ActionError::retryable("the ledger is closed for a moment"));
    }
    let correction: Correction = ctx
        .signal()?
        .ok_or_else(|| ActionError::permanent("no correction"))?;
    ctx.data.amount = correction.amount;
    ctx.data.remark = Some(correction.comment);
    Ok(Held::Held)
}

flow! {
    pub flow HeldReview: Loan {
        start InReview;
        wait InReview on Decision, timeout never { Approve => Approved, Correct => Approved }
        Approved => hold_then_book => Booked;
        success Booked;
    }
}

#[tokio::test]
async fn the_payload_is_kept_across_an_engine_restart_on_sqlite() {
    let url = format!("sqlite://{}", fresh_sqlite_path().display());
    let build = async |url: &str, clock: flow_runtime::Clock| {
        EngineBuilder::with_store(SqlStore::connect(url).await.unwrap())
            .clock(clock)
            .config(EngineConfig {
                poll_interval: Duration::from_millis(10),
                ..EngineConfig::default()
            })
            .register::<HeldReview>()
            .build()
            .unwrap()
    };
    let first = build(&url, flow_runtime::Clock::System).await;
    let id = first
        .run::<HeldReview>(Loan::default())
        .await
        .unwrap()
        .instance;
    let correction = Correction {
        amount: 640,
        comment: "kept in the store".to_owned(),
    };
    // The signal moves the instance on; its next action fails once and waits an hour for
    // its retry, and this engine stops meanwhile.
    let waited = tokio::time::timeout(
        Duration::from_millis(500),
        first.signal_as::<HeldReview>("bob", id, Decision::Correct, &correction),
    )
    .await;
    assert!(waited.is_err(), "the retry waits: {waited:?}");
    first.shutdown().await;
    drop(first);
    let resting = SqlStore::connect(&url).await.unwrap();
    let record = flow_runtime::Store::load(&resting, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.state, "Approved");
    assert!(record.due_at.is_some(), "a retry timer is set");

    // A new engine, two hours later: it takes up the retry and reads the payload back.
    let later = flow_runtime::ManualClock::starting_at(
        std::time::SystemTime::now() + Duration::from_secs(2 * 3600),
    );
    let second = build(&url, flow_runtime::Clock::Manual(later)).await;
    let outcome =
        tokio::time::timeout(Duration::from_secs(10), second.wait_ended::<HeldReview>(id))
            .await
            .expect("the second engine finishes it")
            .unwrap();
    assert_eq!(outcome.state, HeldReviewState::Booked);
    assert_eq!(outcome.data.amount, 640);
    assert_eq!(outcome.data.remark.as_deref(), Some("kept in the store"));
    let stored: serde_json::Value =
        serde_json::from_slice(&second.record(id).await.unwrap().context).unwrap();
    assert_eq!(stored["signal"]["actor"], "bob");
    assert_eq!(stored["signal"]["payload"]["amount"], 640);
}
