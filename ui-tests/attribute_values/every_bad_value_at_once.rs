use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

#[action(readonly, retry(attempts = 0, backoff = exponential(5s, 1s)), timeout = 0s, compensation = undo)]
async fn check(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

fn main() {}
