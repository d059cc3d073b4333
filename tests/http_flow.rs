//! The flows the HTTP API tests run in their server process (`bin/http_server.rs`): an
//! application that waits for a review whose decision carries data, a transfer whose
//! undo fails once so that it needs a person and an operator's retry, and a step held at a
//! gate the test opens, so that an operator can act while it runs.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use flow_runtime::prelude::*;
use flow_runtime::routing::{KindRoutes, Router, Variant};
use flow_runtime::store::Store;
use flow_runtime::{EngineBuilder, FlowOptions, InstanceId, RetryPolicy};
use serde::{Deserialize, Serialize};

/// A loan application under review.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// The amount asked.
    pub amount: u64,
    /// The amount booked, once booked.
    #[serde(default)]
    pub booked: Option<u64>,
    /// What the reviewer wrote, as `book` read it from the signal.
    #[serde(default)]
    pub remark: Option<String>,
    /// Who sent the decision, as `book` read it from the signal.
    #[serde(default)]
    pub decided_by: Option<String>,
}

/// What a reviewer sends with a correction.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// The amount to book instead.
    pub amount: u64,
    /// Why.
    pub comment: String,
}

/// The reviewer's decision.
#[derive(Debug, Instruction)]
pub enum Decision {
    /// Book the amount asked.
    Approve,
    /// Book a corrected amount.
    Correct,
    /// Do not book.
    Reject,
}

/// What `book` did.
#[derive(Debug, Instruction)]
pub enum Booking {
    /// Booked.
    Booked,
}

/// Books the application with what the decision carried.
#[action(pivot)]
pub async fn book(ctx: &mut Context<Application>) -> Result<Booking, ActionError> {
    let amount = match ctx.signal::<Correction>() {
        Ok(Some(correction)) => {
            ctx.data.remark = Some(correction.comment);
            correction.amount
        }
        _ => {
            ctx.data.remark = ctx
                .signal_json()
                .and_then(|json| json["comment"].as_str())
                .map(str::to_owned);
            ctx.data.amount
        }
    };
    ctx.data.booked = Some(amount);
    ctx.data.decided_by = ctx
        .received_signal()
        .and_then(|signal| signal.actor.clone());
    Ok(Booking::Booked)
}

flow! {
    /// An application waits for a reviewer, whose decision may carry a comment or a
    /// corrected amount.
    pub flow Review: Application {
        start InReview;
        wait InReview on Decision, timeout never { Approve => Approved, Correct => Approved, Reject => Rejected }
        Approved => book => Booked;
        success Booked;
        failure Rejected;
    }
}

/// A transfer: funds are held, then sending fails for good, and the hold's release fails
/// on its first try, so the transfer needs a person.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Transfer {
    /// The amount.
    pub amount: u64,
}

/// What `hold` did.
#[derive(Debug, Instruction)]
pub enum Hold {
    /// Held.
    Held,
}

/// What `send` did.
#[derive(Debug, Instruction)]
pub enum Sent {
    /// Sent.
    Sent,
}

/// The transfers whose release failed once already (per server process).
static RELEASE_FAILED: Mutex<Option<HashSet<InstanceId>>> = Mutex::new(None);

/// Holds the funds.
#[action(compensate = release)]
pub async fn hold(_ctx: &mut Context<Transfer>) -> Result<Hold, ActionError> {
    Ok(Hold::Held)
}

/// Releases the funds: fails the first time for each transfer.
pub async fn release(ctx: &mut Context<Transfer>) -> Result<(), ActionError> {
    let mut failed = RELEASE_FAILED
        .lock()
        .unwrap_or_else(|poison| poison.into_inner());
    if failed
        .get_or_insert_with(HashSet::new)
        .insert(ctx.instance())
    {
        return Err(ActionError::retryable("the ledger is locked"));
    }
    Ok(())
}

/// Sends the transfer: the receiving bank refuses it.
#[action(pivot)]
pub async fn send(_ctx: &mut Context<Transfer>) -> Result<Sent, ActionError> {
    Err(ActionError::permanent(
        "the receiving bank refuses the transfer",
    ))
}

flow! {
    /// A transfer that fails, and whose undo fails once.
    pub flow Payout: Transfer {
        start New;
        New => hold => Held;
        Held => send => Done;
        success Done;
    }
}

/// A step held at a gate: a file the test creates when it wants the step to finish.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// The gate's file. The step creates `<path>.entered` when it starts, then waits until
    /// `path` exists: a test in another process sees the step running and ends it at will.
    pub path: String,
}

impl Gate {
    /// The file the step creates once it runs.
    pub fn entered(path: &str) -> PathBuf {
        PathBuf::from(format!("{path}.entered"))
    }
}

/// How long the gated step waits for its gate before it gives up, so that a test that
/// failed early does not leave a server's worker waiting forever.
const GATE_PATIENCE: Duration = Duration::from_secs(30);

/// Says it runs, then waits until the test opens the gate.
#[action(readonly)]
pub async fn pass_gate(ctx: &mut Context<Gate>) -> Result<(), ActionError> {
    let gate = PathBuf::from(&ctx.data.path);
    std::fs::write(Gate::entered(&ctx.data.path), b"")
        .map_err(|error| ActionError::permanent(format!("cannot mark the gate: {error}")))?;
    let deadline = tokio::time::Instant::now() + GATE_PATIENCE;
    while !gate.exists() {
        if tokio::time::Instant::now() > deadline {
            return Err(ActionError::permanent("the gate was never opened"));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

/// The step after the gate: there must be one, or the gated step's commit ends the
/// instance and leaves nothing for an operator's pause to stop.
#[action(readonly)]
pub async fn close_gate(_ctx: &mut Context<Gate>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    /// A step held at a gate, then one more.
    pub flow Gated: Gate {
        start AtGate;
        AtGate => pass_gate => Through;
        Through => close_gate => Done;
        success Done;
    }
}

/// The engine of the HTTP tests' server, on `store`, with statistics and `events`.
pub fn engine<S: Store>(
    store: S,
    events: &flow_runtime::http::EventStream,
) -> Result<Engine<S>, EngineError> {
    EngineBuilder::with_store(store)
        .config(EngineConfig {
            poll_interval: Duration::from_millis(10),
            // One attempt per compensation: a failed release needs a person at once.
            compensation_retry: RetryPolicy::fixed(1, Duration::from_millis(1)),
            ..EngineConfig::default()
        })
        .statistics(Stats::default())
        .plugin(events.clone())
        .router(Router::new().kind(
            "application",
            KindRoutes::new().pin(Variant::new("v1", "Review", 1)),
        ))
        .register_with::<Review>(FlowOptions::default().signal_payload::<Correction>("Correct"))
        .register::<Payout>()
        .register::<Gated>()
        .build()
}
