use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

#[action(readonly)]
async fn check(_ctx: &Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

fn main() {}
