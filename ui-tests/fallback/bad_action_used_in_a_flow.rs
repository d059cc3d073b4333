//! An action with a wrong signature is reported once, on the signature; the flow that uses
//! it adds nothing.
use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

#[derive(Instruction)]
pub enum Check {
    Passed,
    Failed,
}

#[action(readonly)]
async fn check(_ctx: &mut Order) -> Result<Check, ActionError> {
    Ok(Check::Passed)
}

flow! {
    pub flow Checkout: Order {
        start Created;
        Created => check { Passed => Done, Failed => Refused }
        success Done;
        failure Refused;
    }
}

fn main() {}
