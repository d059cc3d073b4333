//! The loan approval business line, as `examples/loan_approval` runs it.

#[path = "../loan_approval/actions.rs"]
pub mod actions;
// Its engine and demo applications belong to the loan example; this service takes only
// the flow's options from it.
#[allow(dead_code)]
#[path = "../loan_approval/config.rs"]
pub mod config;
#[path = "../loan_approval/flows.rs"]
pub mod flows;
#[path = "../loan_approval/model.rs"]
pub mod model;
