use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

#[action(readonly)]
async fn check(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    pub flow Checkout: Order {
        start Created;
        Created => check;
        success Done;
    }
}

fn main() {}
