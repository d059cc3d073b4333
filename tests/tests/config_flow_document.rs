//! The `config_flow` example's documents against the example's own engine (its model,
//! actions, compiled flow and builder are included from `examples/config_flow/`, not
//! copied): the bundled `loan.toml` loads and runs its applications to the ends the
//! example prints, and `broken.toml` is refused with each of its three mistakes at its line.

#![allow(dead_code)] // The example's files hold more than these tests use.

#[path = "../../examples/config_flow/actions.rs"]
mod actions;
#[path = "../../examples/config_flow/config.rs"]
mod config;
#[path = "../../examples/config_flow/flows.rs"]
mod flows;
#[path = "../../examples/config_flow/model.rs"]
mod model;

use flow_runtime::{JournalKind, LoadError, MemoryStore, Stats, Status};

use model::Loan;

const LOAN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/config_flow/loan.toml"
);
const BROKEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/config_flow/broken.toml"
);

fn engine() -> flow_runtime::Engine {
    config::engine(MemoryStore::new(), &Stats::default()).expect("the example's engine builds")
}

#[tokio::test]
async fn the_bundled_document_is_the_file_beside_the_example() {
    let file = std::fs::read_to_string(LOAN).unwrap();
    assert_eq!(config::BUNDLED_DOCUMENT, file);
}

#[tokio::test]
async fn the_bundled_document_loads_with_the_examples_actions_and_runs() {
    let engine = engine();
    let loaded = engine
        .load_document_file(LOAN)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(loaded.len(), 1);
    assert_eq!(
        (loaded[0].name.as_str(), loaded[0].version),
        ("LoanApplication", 1)
    );
    let flow = engine
        .document_flow::<Loan>("LoanApplication", Some(1))
        .unwrap();

    let [small, large, unverified]: [Loan; 3] = config::demo_applications().try_into().unwrap();

    // A small loan: the script scores it Low, and it is paid out at once.
    let outcome = engine.run_document(&flow, small).await.unwrap();
    assert_eq!(
        (outcome.state.name(), outcome.status),
        ("PaidOut", Status::Completed)
    );
    assert_eq!(outcome.data.risk, "Low");
    let path: Vec<(&str, &str)> = outcome
        .journal
        .iter()
        .map(|entry| (&*entry.action, &*entry.instruction))
        .collect();
    assert_eq!(
        path,
        [
            ("check_identity", "Verified"),
            ("score_risk", "Low"),
            ("open_account", "Opened"),
            ("pay_out", "Done"),
        ]
    );

    // A large loan: scored High, it waits for a reviewer, who approves.
    let waiting = engine.run_document(&flow, large).await.unwrap();
    assert_eq!(
        (waiting.state.name(), waiting.status),
        ("Review", Status::Waiting)
    );
    assert_eq!(waiting.data.risk, "High");
    let outcome = engine
        .signal_document::<Loan>(waiting.instance, config::REVIEW_DECISION)
        .await
        .unwrap();
    assert_eq!(
        (outcome.state.name(), outcome.status),
        ("PaidOut", Status::Completed)
    );
    assert!(
        outcome
            .journal
            .iter()
            .any(|entry| entry.kind == JournalKind::Signal && &*entry.instruction == "Approve")
    );

    // An identity that does not check out is rejected before anything happens.
    let outcome = engine.run_document(&flow, unverified).await.unwrap();
    assert_eq!(
        (outcome.state.name(), outcome.status),
        ("Rejected", Status::Failed)
    );
    assert!(outcome.data.effects.is_empty());
}

#[tokio::test]
async fn the_broken_document_is_refused_with_each_mistake_at_its_line() {
    let engine = engine();
    let Err(LoadError::Invalid(errors)) = engine.load_document_file(BROKEN).await else {
        panic!("broken.toml loads");
    };
    let mut found: Vec<(&str, usize, usize)> = errors
        .diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.code.as_str(), diagnostic.line, diagnostic.column))
        .collect();
    found.sort_by_key(|&(_, line, column)| (line, column));
    assert_eq!(
        found,
        [
            ("flow::unknown_action", 14, 10),
            ("flow::instruction_unknown", 20, 26),
            ("script::syntax", 45, 1),
        ],
        "{errors}"
    );
    let shown = errors.to_string();
    assert!(shown.contains("did you mean `check_identity`?"), "{shown}");
    assert!(shown.contains("did you mean `High`?"), "{shown}");
    assert!(shown.ends_with("has 3 problems"), "{shown}");
    // Nothing of a refused document is installed.
    assert!(
        engine
            .document_flow::<Loan>("LoanApplication", None)
            .is_err()
    );
}

#[tokio::test]
async fn the_exported_quick_loan_reads_back_as_the_compiled_flow() {
    use flow_runtime::Flow;
    use flow_runtime::document::flow_to_toml;

    let text = flow_to_toml::<flows::QuickLoan>("Loan").unwrap();
    let document = flow_runtime::FlowDocument::parse(
        &text,
        flow_runtime::DocumentOrigin::named("quick_loan.toml"),
    )
    .unwrap_or_else(|errors| panic!("{errors}"));
    assert_eq!(
        document.flows[0].spec.states,
        flows::QuickLoan::spec().states
    );
    assert_eq!(document.flows[0].data, "Loan");
}
