use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

#[action(readonly, retry(attempts = 0))]
async fn check(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

fn main() {}
