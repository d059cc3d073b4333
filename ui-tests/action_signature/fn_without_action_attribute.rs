use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

async fn check(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    pub flow Checkout: Order {
        start Created;
        Created => check => Done;
        success Done;
    }
}

fn main() {}
