//! Operations' side: the engine with the actions documents may name, and the applications
//! the example runs.

use flow_runtime::prelude::*;
use flow_runtime::store::Store;

use crate::actions::{check_identity, open_account, pay_out};
use crate::flows::QuickLoan;
use crate::model::Loan;

/// The document the example loads when no file is given.
pub const BUNDLED_DOCUMENT: &str = include_str!("loan.toml");

/// An engine on `store` that runs the compiled `QuickLoan` and document flows over `Loan`
/// assembled from the registered actions (and the document's own script actions), counting
/// in `stats`.
pub fn engine<S: Store>(store: S, stats: &Stats) -> Result<Engine<S>, EngineError> {
    EngineBuilder::with_store(store)
        .statistics(stats.clone())
        .register::<QuickLoan>()
        .action::<Loan, check_identity>()
        .action::<Loan, open_account>()
        .action::<Loan, pay_out>()
        .build()
}

/// The applications of the demo: a small one, a large one that waits for a reviewer, and
/// one whose identity does not check out.
pub fn demo_applications() -> Vec<Loan> {
    let application = |applicant: &str, amount: i64, identity_ok: bool| Loan {
        applicant: applicant.to_owned(),
        amount,
        identity_ok,
        ..Loan::default()
    };
    vec![
        application("Ada", 5_000, true),
        application("Grace", 80_000, true),
        application("Mallory", 2_000, false),
    ]
}

/// What the reviewer decides on an application that waits for review.
pub const REVIEW_DECISION: &str = "Approve";
