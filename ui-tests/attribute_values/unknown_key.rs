use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

#[action(readonly, retires(attempts = 3))]
async fn check(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

fn main() {}
