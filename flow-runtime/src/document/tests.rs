//! Tests of flow documents, one file per concern.

mod json;
mod mistakes;
mod rendering;
mod round_trip;
mod validator;

use super::{DocumentDiagnostic, DocumentOrigin, FlowDocument};

/// The document `text`, or a panic that shows every problem.
fn parse(text: &str) -> FlowDocument {
    match FlowDocument::parse(text, DocumentOrigin::named("test.toml")) {
        Ok(document) => document,
        Err(errors) => panic!("{errors}"),
    }
}

/// The problems of `text`, which must have some.
fn problems(text: &str) -> Vec<DocumentDiagnostic> {
    match FlowDocument::parse(text, DocumentOrigin::named("test.toml")) {
        Ok(_) => panic!("expected problems in:\n{text}"),
        Err(errors) => errors.diagnostics,
    }
}

/// `(code, line, column)` of each problem, to compare in one assertion.
fn places(diagnostics: &[DocumentDiagnostic]) -> Vec<(&str, usize, usize)> {
    diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.line, d.column))
        .collect()
}

/// The Checkout flow of the design, in TOML; its line numbers are used by the tests.
const CHECKOUT: &str = r#"[[flow]]
name = "Checkout"
version = 2
data = "Order"
start = "Created"
success = ["Shipped"]
failure = ["Rejected", "Expired"]

[[flow.state]]
name = "Created"
action = "reserve_stock"
on = { Reserved = "StockReserved", OutOfStock = "Rejected" }

[[flow.state]]
name = "StockReserved"
action = "charge_card"
on = { Charged = "Paid", Declined = "Rejected", Suspicious = "Review" }

[[flow.state]]
name = "Paid"
action = "ship"
next = "Shipped"
retry = { attempts = 3, backoff = "exponential(50ms, 2s)", jitter = true }
timeout = "2s"

[[flow.state]]
name = "Review"
wait = "ReviewDecision"
timeout = "48h"
on_timeout = "Expired"
on = { Approved = "Paid", Denied = "Rejected" }
"#;
