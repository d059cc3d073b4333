//! Operations' configuration: the engine, its plugins and statistics, and the demo's
//! applications.

use std::time::Duration;

use flow_runtime::store::AnyStore;
use flow_runtime::{
    AuditPlugin, Engine, EngineBuilder, EngineConfig, EngineError, FlowOptions, Stats,
};

use super::actions::ReviewNote;
use super::flows::LoanApproval;
use super::model::LoanApplication;

/// The engine for lending on `store`, with an audit trail and statistics.
pub fn engine(
    store: AnyStore,
    stats: &Stats,
    audit: &AuditPlugin,
) -> Result<Engine<AnyStore>, EngineError> {
    EngineBuilder::with_store(store)
        .config(EngineConfig {
            poll_interval: Duration::from_millis(20),
            ..EngineConfig::default()
        })
        .statistics(stats.clone())
        .plugin(audit.clone())
        .register_with::<LoanApproval>(flow_options())
        .build()
}

/// How the engine runs the loan flow: the reviewer's decisions carry a [`ReviewNote`] (or
/// nothing), and a payload that is not one is refused before the application moves.
pub fn flow_options() -> FlowOptions {
    FlowOptions::default()
        .signal_payload::<Option<ReviewNote>>("Approve")
        .signal_payload::<Option<ReviewNote>>("Reject")
}

/// What happens to each demo application.
pub enum Script {
    /// Nothing after the start.
    Nothing,
    /// A reviewer sends this decision.
    Reviewer(&'static str, &'static str),
    /// Nobody decides: the deadline passes.
    NoDecision,
    /// Left waiting for the committee: on a durable store, the next run finds it.
    LeftWaiting,
}

/// The demo's applications.
pub fn demo_applications() -> Vec<(LoanApplication, Script)> {
    let application = |applicant: &str, amount, credit_score| LoanApplication {
        applicant: applicant.to_owned(),
        amount,
        credit_score,
        account: None,
        effects: Vec::new(),
    };
    vec![
        (application("Ada", 5_000, 780), Script::Nothing),
        (application("Bob", 20_000, 420), Script::Nothing),
        (
            application("Cleo", 8_000, 640),
            Script::Reviewer("rita", "Approve"),
        ),
        (
            application("Dan", 12_000, 600),
            Script::Reviewer("rita", "Reject"),
        ),
        (application("Eve", 3_000, 660), Script::NoDecision),
        (application("Fay", 80_000, 710), Script::LeftWaiting),
    ]
}
