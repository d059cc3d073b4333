//! The checkout business line, as `examples/checkout` runs it.

#[path = "../checkout/actions.rs"]
pub mod actions;
#[path = "../checkout/flows.rs"]
pub mod flows;
#[path = "../checkout/model.rs"]
pub mod model;
