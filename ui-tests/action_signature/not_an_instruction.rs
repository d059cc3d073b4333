use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

pub enum Check {
    Passed,
    Failed,
}

#[action(readonly)]
async fn check(_ctx: &mut Context<Order>) -> Result<Check, ActionError> {
    Ok(Check::Passed)
}

fn main() {}
