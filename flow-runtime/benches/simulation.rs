//! Simulation speed: instances per second of the loan flow (a credit check with four
//! answers, two waits with drawn decisions and deadlines, an account opened and a payout
//! that fails and is retried now and then), on one thread and on two.
//! `cargo bench -p flow-runtime --bench simulation`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flow_runtime::chaos::FaultKind;
use flow_runtime::prelude::*;
use flow_runtime::simulate::Simulation;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoanApplication {
    pub amount: u32,
    pub credit_score: u32,
}

#[derive(Debug, Instruction)]
pub enum Credit {
    Approve,
    Reject,
    Review,
    Committee,
}

#[derive(Debug, Instruction)]
pub enum ReviewDecision {
    Approve,
    Reject,
}

#[action(readonly, retry(attempts = 3, backoff = exponential(20ms, 200ms)), timeout = 1s)]
async fn check_credit(_ctx: &mut Context<LoanApplication>) -> Result<Credit, ActionError> {
    Ok(Credit::Approve)
}

#[action(compensate = close_account, retry(attempts = 3, backoff = fixed(10ms)))]
async fn open_account(_ctx: &mut Context<LoanApplication>) -> Result<(), ActionError> {
    Ok(())
}

async fn close_account(_ctx: &mut Context<LoanApplication>) -> Result<(), ActionError> {
    Ok(())
}

#[action(pivot, retry(attempts = 5, backoff = exponential(10ms, 1s)))]
async fn disburse(_ctx: &mut Context<LoanApplication>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    pub flow LoanApproval: LoanApplication, version 1 {
        start Applied;
        Applied  => check_credit { Approve => Approved, Reject => Rejected, Review => InReview, Committee => AtCommittee }
        wait InReview on ReviewDecision, timeout 300ms => Expired { Approve => Approved, Reject => Rejected }
        wait AtCommittee on ReviewDecision, timeout 8d => Expired { Approve => Approved, Reject => Rejected }
        Approved => open_account => AccountOpen;
        AccountOpen => disburse => PaidOut;
        success PaidOut;
        failure Rejected, Expired;
    }
}

const INSTANCES: u64 = 10_000;

async fn simulate() -> u64 {
    let report = Simulation::of::<LoanApproval>()
        .instances(INSTANCES)
        .seed(42)
        .weights(
            "Applied",
            [
                ("Approve", 55),
                ("Reject", 20),
                ("Review", 20),
                ("Committee", 5),
            ],
        )
        .weights(
            "InReview",
            [("Approve", 50), ("Reject", 30), ("Deadline", 20)],
        )
        .fail("AccountOpen", 0.05, FaultKind::Retryable)
        .progress(false)
        .run()
        .await
        .expect("the simulation runs");
    report.completed
}

fn simulation(c: &mut Criterion) {
    let one = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let two = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let mut group = c.benchmark_group("simulate_loan");
    group.sample_size(10);
    group.throughput(Throughput::Elements(INSTANCES));
    group.bench_function("one_thread", |b| {
        b.to_async(&one)
            .iter(|| async { std::hint::black_box(simulate().await) });
    });
    group.bench_function("two_threads", |b| {
        b.to_async(&two)
            .iter(|| async { std::hint::black_box(simulate().await) });
    });
    group.finish();
}

criterion_group!(benches, simulation);
criterion_main!(benches);
