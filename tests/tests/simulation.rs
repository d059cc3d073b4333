//! Simulation: synthetic instances of a flow (compiled, or a document's) with instruction weights and failure rates in
//! place of its actions. The same seed gives the same report byte for byte, whatever the
//! threads do; weights come out as conversion rates; failures, retries, compensations and
//! parked instances show in the report; rates read from a configuration document give the
//! same report as the same rates from code.

use std::sync::atomic::{AtomicU64, Ordering};

use flow_runtime::chaos::FaultKind;
use flow_runtime::prelude::*;
use flow_runtime::simulate::{FlowSimulation, OfFlow, Simulation};
use serde::{Deserialize, Serialize};

/// Times the real `open_account` ran.
static OPENED: AtomicU64 = AtomicU64::new(0);

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Application {
    pub amount: u32,
}

#[derive(Instruction)]
pub enum Credit {
    Approve,
    Reject,
    Review,
}

#[derive(Instruction)]
pub enum Decision {
    Approve,
    Reject,
}

#[action(readonly)]
async fn check_credit(_ctx: &mut Context<Application>) -> Result<Credit, ActionError> {
    unimplemented!("the credit bureau's client is not written yet")
}

#[action(compensate = close_account, retry(attempts = 3, backoff = fixed(10ms)))]
async fn open_account(_ctx: &mut Context<Application>) -> Result<(), ActionError> {
    OPENED.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

async fn close_account(_ctx: &mut Context<Application>) -> Result<(), ActionError> {
    Ok(())
}

#[action(pivot, retry(attempts = 3, backoff = exponential(1s, 10s)))]
async fn disburse(_ctx: &mut Context<Application>) -> Result<(), ActionError> {
    unimplemented!("the payout is not written yet")
}

flow! {
    pub flow Loan: Application {
        start Applied;
        Applied => check_credit { Approve => Approved, Reject => Rejected, Review => InReview }
        wait InReview on Decision, timeout 48h => Expired { Approve => Approved, Reject => Rejected }
        Approved => open_account => AccountOpen;
        AccountOpen => disburse => PaidOut;
        success PaidOut;
        failure Rejected, Expired;
    }
}

/// The loan flow with the business's expected rates and the architects' failure rates.
fn with_rates(seed: u64) -> FlowSimulation<OfFlow<Loan>> {
    Simulation::of::<Loan>()
        .instances(5_000)
        .seed(seed)
        .weights("Applied", [("Approve", 60), ("Reject", 25), ("Review", 15)])
        .weights(
            "InReview",
            [("Approve", 50), ("Reject", 30), ("Deadline", 20)],
        )
        .fail("AccountOpen", 0.2, FaultKind::Retryable)
        .concurrency(8)
        .progress(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_report_byte_for_byte_and_another_seed_another() {
    let first = with_rates(42).run().await.unwrap();
    // Another concurrency spreads the instances over the threads differently.
    let again = with_rates(42).concurrency(3).run().await.unwrap();
    assert_eq!(first.to_json(), again.to_json());
    assert_eq!(first.to_table(), again.to_table());
    assert_eq!(first.mermaid, again.mermaid);

    let other = with_rates(43).run().await.unwrap();
    assert_ne!(first.to_json(), other.to_json());
    assert_eq!(first.instances, other.instances);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weights_of_70_20_10_come_out_within_one_point_over_100_000_instances() {
    let report = Simulation::of::<Loan>()
        .instances(100_000)
        .seed(7)
        .weights("Applied", [("Approve", 70), ("Reject", 20), ("Review", 10)])
        .progress(false)
        .run()
        .await
        .unwrap();
    let applied = report.node("Applied").unwrap();
    assert_eq!(applied.entered, 100_000);
    for (to, weight) in [("Approved", 0.70), ("Rejected", 0.20), ("InReview", 0.10)] {
        let edge = applied.edges.iter().find(|edge| edge.to == to).unwrap();
        assert!(
            (edge.conversion_rate - weight).abs() < 0.01,
            "{to}: {} against {weight}",
            edge.conversion_rate
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_answers_what_share_succeeds_end_to_end() {
    let report = Simulation::of::<Loan>()
        .instances(20_000)
        .seed(1)
        .weights("Applied", [("Approve", 60), ("Reject", 30), ("Review", 10)])
        .weights("InReview", [("Approve", 50), ("Reject", 50)])
        .progress(false)
        .run()
        .await
        .unwrap();
    // 60% approved at once, and half of the 10% reviewed.
    assert!(
        (report.success_rate - 0.65).abs() < 0.015,
        "{}",
        report.success_rate
    );
    let paid_out = report
        .end_states
        .iter()
        .find(|end| end.state == "PaidOut")
        .unwrap();
    assert_eq!(paid_out.status, Status::Completed);
    assert_eq!(paid_out.count, report.completed);
    let ended: u64 = report.end_states.iter().map(|end| end.count).sum();
    assert_eq!(
        ended, 20_000,
        "every instance ended: {:?}",
        report.end_states
    );
    // The real `check_credit` would panic, and a panic is a failed attempt: none ran.
    assert_eq!((report.retries, report.parked), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_retries_compensations_and_parked_instances_show_in_the_report() {
    let report = Simulation::of::<Loan>()
        .instances(4_000)
        .seed(5)
        .weights("Applied", [("Approve", 100)])
        // Every payout is refused and every account closing fails: a person must look.
        // Opening fails half its attempts: an eighth of the instances fail all three.
        .fail("AccountOpen", 1.0, FaultKind::Permanent)
        .fail("Approved", 0.5, FaultKind::Retryable)
        .fail_compensation("Approved", 1.0)
        .progress(false)
        .run()
        .await
        .unwrap();
    let open = report.node("Approved").unwrap();
    assert_eq!(open.entered, 4_000);
    assert!(
        open.retried > 1_500,
        "half the attempts are retried: {}",
        open.retried
    );
    let payout = report.node("AccountOpen").unwrap();
    assert_eq!(payout.failure_rate, 1.0);
    let failed_opening = report
        .end_states
        .iter()
        .find(|end| end.status == Status::Failed && end.state == "Approved")
        .unwrap();
    assert!(
        (failed_opening.share - 0.125).abs() < 0.02,
        "{}",
        report.to_table()
    );
    assert_eq!(open.failed, failed_opening.count);
    assert_eq!(
        report.parked + failed_opening.count,
        4_000,
        "{}",
        report.to_table()
    );
    assert_eq!(report.completed, 0);
    assert_eq!(report.compensations, 0, "no compensation ever succeeded");

    // Compensations that work undo the account instead.
    let undone = Simulation::of::<Loan>()
        .instances(1_000)
        .weights("Applied", [("Approve", 100)])
        .fail("AccountOpen", 1.0, FaultKind::Permanent)
        .progress(false)
        .run()
        .await
        .unwrap();
    assert_eq!(undone.compensations, 1_000);
    let failed = undone
        .end_states
        .iter()
        .find(|end| end.status == Status::Failed)
        .unwrap();
    assert_eq!(
        (failed.state.as_str(), failed.count),
        ("AccountOpen", 1_000)
    );
}

#[tokio::test]
async fn real_actions_run_where_asked() {
    let before = OPENED.load(Ordering::Relaxed);
    let report = Simulation::of::<Loan>()
        .instances(200)
        .weights("Applied", [("Approve", 100)])
        .real("Approved")
        .progress(false)
        .run()
        .await
        .unwrap();
    assert_eq!(report.completed, 200);
    assert_eq!(OPENED.load(Ordering::Relaxed) - before, 200);
}

#[tokio::test]
async fn the_report_reads_as_a_table_json_and_a_diagram_with_percentages() {
    let report = Simulation::of::<Loan>()
        .instances(1_000)
        .seed(3)
        .weights("Applied", [("Approve", 50), ("Reject", 50)])
        .progress(false)
        .run()
        .await
        .unwrap();
    let table = report.to_table();
    assert!(
        table.contains("Simulation of Loan v1: 1000 instances, seed 3"),
        "{table}"
    );
    assert!(table.contains("Succeeded end to end:"), "{table}");
    assert!(table.contains("-> Approved"), "{table}");
    let approve = &report.node("Applied").unwrap().edges[0];
    let figure = format!(
        "Applied --> Approved: check_credit / Approve · {:.1}% ({})",
        approve.conversion_rate * 100.0,
        approve.count
    );
    assert!(report.mermaid.contains(&figure), "{}", report.mermaid);
    assert!(
        report.mermaid.contains("Applied: 1000 in · 0.0% failed"),
        "{}",
        report.mermaid
    );
    assert!(
        report
            .mermaid
            .contains("InReview --> Expired: after 48h · 0.0% (0)"),
        "{}",
        report.mermaid
    );
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["instances"], 1_000);
    assert_eq!(json["funnel"][0]["state"], "Applied");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rates_from_a_configuration_document_give_the_same_report_as_from_code() {
    let document = r#"
[[chaos]]
flow = "Loan"
state = "Applied"
weights = { Approve = 60, Reject = 25, Review = 15 }

[[chaos]]
flow = "Loan"
state = "InReview"
weights = { Approve = 50, Reject = 30, Deadline = 20 }

[[chaos]]
flow = "Loan"
state = "AccountOpen"
failure_rate = 0.2
error = "retryable"
"#;
    let from_document = Simulation::of::<Loan>()
        .instances(5_000)
        .seed(42)
        .concurrency(8)
        .progress(false)
        .config_document(document, DocumentOrigin::named("loan-rates.toml"))
        .unwrap()
        .run()
        .await
        .unwrap();
    let from_code = with_rates(42).run().await.unwrap();
    assert_eq!(from_document.to_json(), from_code.to_json());

    let misspelt = document.replace("Reject = 25", "Rejct = 25");
    let errors = Simulation::of::<Loan>()
        .config_document(&misspelt, DocumentOrigin::named("loan-rates.toml"))
        .err()
        .unwrap();
    let rendered = errors.to_string();
    assert_eq!(errors.diagnostics[0].line, 5, "{rendered}");
    assert!(rendered.contains("did you mean `Reject`?"), "{rendered}");
}

/// The loan flow as a document, over the same actions, with its rates beside it.
const LOAN_DOCUMENT: &str = r#"
[[flow]]
name = "LoanDoc"
data = "Application"
start = "Applied"
success = ["PaidOut"]
failure = ["Rejected", "Expired"]

[[flow.state]]
name = "Applied"
action = "check_credit"
on = { Approve = "Approved", Reject = "Rejected", Review = "InReview" }

[[flow.state]]
name = "InReview"
wait = "Decision"
timeout = "48h"
on_timeout = "Expired"
on = { Approve = "Approved", Reject = "Rejected" }

[[flow.state]]
name = "Approved"
action = "open_account"
next = "AccountOpen"

[[flow.state]]
name = "AccountOpen"
action = "disburse"
next = "PaidOut"

[[chaos]]
flow = "LoanDoc"
state = "Applied"
weights = { Approve = 60, Reject = 25, Review = 15 }

[[chaos]]
flow = "LoanDoc"
state = "InReview"
weights = { Approve = 50, Reject = 30, Deadline = 20 }
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_flow_simulates_through_the_same_loop_as_its_compiled_twin() {
    let builder = Engine::builder()
        .action::<Application, check_credit>()
        .action::<Application, open_account>()
        .action::<Application, disburse>();
    let from_document = Simulation::of_document::<Application>(
        builder,
        LOAN_DOCUMENT,
        DocumentOrigin::named("loan.toml"),
        "LoanDoc",
    )
    .instances(5_000)
    .seed(42)
    .fail("AccountOpen", 0.2, FaultKind::Retryable)
    .progress(false)
    .run()
    .await
    .unwrap();
    let compiled = with_rates(42).run().await.unwrap();
    assert_eq!(from_document.flow, "LoanDoc");
    // The same ids, draws and states: the same funnel, whichever declared the flow.
    assert_eq!(from_document.funnel, compiled.funnel);
    assert_eq!(from_document.end_states, compiled.end_states);
    assert_eq!(from_document.success_rate, compiled.success_rate);
}
