use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

#[action(pivot, retry(attempts = 3))]
async fn charge_card(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

#[action(compensate = cancel_shipment, retry(attempts = 3))]
async fn ship(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

async fn cancel_shipment(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    pub flow Checkout: Order {
        start Created;
        Created => charge_card => Paid;
        Paid    => ship => Shipped;
        success Shipped;
    }
}

fn main() {}
