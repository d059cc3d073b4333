//! Runs loan applications through the approval flow: the credit check branches to approve,
//! reject or manual review; a review waits for a reviewer's signal or takes its timeout
//! edge; a large loan waits for the committee. Prints each path, the audit trail of one
//! application, and the flow's statistics.
//!
//! `cargo run --example loan_approval` runs in memory. On a durable store, run it twice:
//! the second run finds the application the first one left waiting for the committee, and
//! the committee decides it.
//!
//! `FLOW_STORE=sqlite://loans.db cargo run --example loan_approval`
//!
//! `cargo run --release --example loan_approval -- --simulate` runs 100,000 synthetic
//! applications with the rates of `rates.toml` instead, and prints the funnel
//! (`--instances N`, `--seed S`, `--json`).

#[path = "../common/report.rs"]
mod report;
#[path = "../common/store.rs"]
mod store;

mod actions;
mod config;
mod flows;
mod model;
mod simulation;

use flow_runtime::store::InstanceQuery;
use flow_runtime::{AuditPlugin, Flow, Outcome, Status};

use actions::{ReviewDecision, ReviewNote};
use config::Script;
use flows::LoanApproval;

/// An application's path, where it ended and why, and its effects.
fn print_outcome(outcome: &Outcome<LoanApproval>) {
    println!("{} ({} EUR):", outcome.data.applicant, outcome.data.amount);
    report::print_path(&outcome.journal);
    report::print_end(outcome.state, outcome.status, outcome.error.as_ref());
    if !outcome.data.effects.is_empty() {
        println!("    effects: {}", outcome.data.effects.join("; "));
    }
    println!();
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.iter().any(|arg| arg == "--simulate") {
        let number = |flag: &str, default: u64| {
            args.iter()
                .position(|arg| arg == flag)
                .and_then(|at| args.get(at + 1))
                .and_then(|value| value.parse().ok())
                .unwrap_or(default)
        };
        let json = args.iter().any(|arg| arg == "--json");
        simulation::simulate(number("--instances", 100_000), number("--seed", 42), json).await
    } else {
        run().await
    };
    if let Err(error) = result {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let stats = flow_runtime::Stats::default();
    let audit = AuditPlugin::new();
    let engine = config::engine(store::from_env().await?, &stats, &audit)?;
    // What an earlier run left waiting for the committee: found again, and decided now.
    let waiting = InstanceQuery::new(100).status(Status::Waiting);
    for waiting in engine.list(&waiting).await? {
        let earlier = engine.record(waiting.id).await?;
        println!(
            "found {} from an earlier run, waiting in {} since step {}; the committee approves",
            waiting.id, waiting.state, earlier.step
        );
        let outcome = engine
            .signal::<LoanApproval>(waiting.id, ReviewDecision::Approve)
            .await?;
        print_outcome(&outcome);
    }
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
                // The decision carries the reviewer's note; the journal names the reviewer.
                let note = ReviewNote {
                    comment: Some("income confirmed by phone".to_owned()),
                    amount: None,
                };
                outcome = engine
                    .signal_as::<LoanApproval>(reviewer, outcome.instance, decision, &note)
                    .await?;
                reviewed = Some(outcome.instance);
            }
            Script::NoDecision => {
                println!("{applicant}: waiting in {}; nobody decides", outcome.state);
                outcome = engine.wait_ended::<LoanApproval>(outcome.instance).await?;
            }
            Script::LeftWaiting => {
                println!(
                    "{applicant}: waiting in {} for the committee (instance {}); on a durable store the next run finds it",
                    outcome.state, outcome.instance
                );
                continue;
            }
        }
        print_outcome(&outcome);
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
