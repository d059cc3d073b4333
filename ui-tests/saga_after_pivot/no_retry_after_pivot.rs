use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

#[action(pivot)]
async fn charge_card(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

#[action(readonly)]
async fn send_receipt(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    pub flow Checkout: Order {
        start Created;
        Created => charge_card => Paid;
        Paid    => send_receipt => Done;
        success Done;
    }
}

fn main() {}
