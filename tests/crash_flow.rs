//! The flow of the crash tests, shared by the test and the child process it kills: a
//! shipment that reserves (compensable), works slowly, may fail once and retry after a
//! timer, and waits for an approval with a deadline.

use std::io::Write;
use std::time::Duration;

use flow_runtime::prelude::*;
use flow_runtime::store::Store;
use flow_runtime::{EngineBuilder, EngineConfig};
use serde::{Deserialize, Serialize};

/// Set in the child process: `work` hangs there for shipments marked `hang`, so the child
/// is killed mid-step.
pub const HANG_ENV: &str = "FLOW_CRASH_CHILD";

/// One shipment and how its run is meant to go.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Shipment {
    /// `work` never returns in the child process (killed mid-step).
    pub hang: bool,
    /// `check` fails its first attempt, so a retry timer is pending.
    pub fails_once: bool,
    /// Where each action appends a line when it runs (`instance step action`).
    pub effects_file: String,
}

#[derive(Instruction)]
pub enum Approval {
    Approve,
    Deny,
}

fn record_effect(ctx: &Context<Shipment>, action: &str) {
    let line = format!("{} {} {action}\n", ctx.instance(), ctx.step());
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&ctx.data.effects_file)
        .expect("open the effects file");
    file.write_all(line.as_bytes()).expect("append an effect");
}

#[action(compensate = release)]
async fn reserve(ctx: &mut Context<Shipment>) -> Result<(), ActionError> {
    record_effect(ctx, "reserve");
    Ok(())
}

async fn release(ctx: &mut Context<Shipment>) -> Result<(), ActionError> {
    record_effect(ctx, "release");
    Ok(())
}

#[action(readonly)]
async fn work(ctx: &mut Context<Shipment>) -> Result<(), ActionError> {
    record_effect(ctx, "work");
    if ctx.data.hang && std::env::var_os(HANG_ENV).is_some() {
        std::future::pending::<()>().await;
    }
    Ok(())
}

#[action(readonly, retry(attempts = 3, backoff = fixed(2s)))]
async fn check(ctx: &mut Context<Shipment>) -> Result<(), ActionError> {
    record_effect(ctx, "check");
    if ctx.data.fails_once && ctx.attempt() == 1 {
        return Err(ActionError::retryable("the checker is busy"));
    }
    Ok(())
}

#[action(readonly)]
async fn dispatch(ctx: &mut Context<Shipment>) -> Result<(), ActionError> {
    record_effect(ctx, "dispatch");
    Ok(())
}

flow! {
    pub flow Shipping: Shipment {
        start New;
        New => reserve => Reserved;
        Reserved => work => Worked;
        Worked => check => Checked;
        Checked => dispatch => AwaitingApproval;
        wait AwaitingApproval on Approval, timeout 3s => Expired { Approve => Approved, Deny => Denied }
        success Approved;
        failure Denied, Expired;
    }
}

/// An engine for the crash tests: short leases, so a dead process's instances are adopted
/// within seconds, and a quick worker.
pub fn engine<S: Store>(store: S) -> Engine<S> {
    EngineBuilder::with_store(store)
        .config(EngineConfig {
            lease_ttl: Duration::from_secs(1),
            orphan_scan_interval: Duration::from_millis(200),
            poll_interval: Duration::from_millis(20),
            ..EngineConfig::default()
        })
        .register::<Shipping>()
        .build()
        .expect("the shipping flow is valid")
}
