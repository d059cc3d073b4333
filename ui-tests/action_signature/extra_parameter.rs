use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

#[action(readonly)]
async fn check(_ctx: &mut Context<Order>, _limit: u32) -> Result<(), ActionError> {
    Ok(())
}

fn main() {}
