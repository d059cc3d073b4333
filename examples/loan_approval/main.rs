//! Runs loan applications through the approval flow on the in-memory engine: the credit
//! check branches to approve, reject or manual review; a review waits for a reviewer's
//! signal or takes its timeout edge. Prints each path, the audit trail of one application,
//! and the flow's statistics.
//!
//! `cargo run --example loan_approval`

#[path = "../common/report.rs"]
mod report;

mod actions;
mod config;
mod flows;
mod model;

use flow_runtime::{AuditPlugin, Flow};

use config::Script;
use flows::LoanApproval;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let stats = flow_runtime::Stats::default();
    let audit = AuditPlugin::new();
    let engine = config::engine(&stats, &audit)?;
    let mut reviewed = None;
    for (application, script) in config::demo_applications() {
        let applicant = application.applicant.clone();
        let mut outcome = engine.run::<LoanApproval>(application).await?;
        match script {
            Script::Nothing => {}
            Script::Reviewer(reviewer, decision) => {
                println!(
                    "{applicant}: waiting in {}; {reviewer} decides {decision}",
                    outcome.state
                );
                outcome = engine
                    .signal::<LoanApproval>(outcome.instance, decision)
                    .await?;
                reviewed = Some(outcome.instance);
            }
            Script::NoDecision => {
                println!("{applicant}: waiting in {}; nobody decides", outcome.state);
                outcome = engine.wait_ended::<LoanApproval>(outcome.instance).await?;
            }
        }
        println!("{applicant} ({} EUR):", outcome.data.amount);
        report::print_path(&outcome.journal);
        println!("    ended in {} ({:?})", outcome.state, outcome.status);
        if !outcome.data.effects.is_empty() {
            println!("    effects: {}", outcome.data.effects.join("; "));
        }
        println!();
    }
    if let Some(instance) = reviewed {
        println!("audit trail of {instance}:");
        for record in audit.records().iter().filter(|r| r.instance == instance) {
            println!(
                "    {:<8} {:<11} {}",
                record.actor, record.what, record.detail
            );
        }
        println!();
    }
    report::print_statistics(&stats.snapshot(), LoanApproval::NAME, LoanApproval::VERSION);
    Ok(())
}
