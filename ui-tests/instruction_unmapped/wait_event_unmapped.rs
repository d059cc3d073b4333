use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

#[derive(Instruction)]
pub enum Stock {
    Reserved,
    OutOfStock,
}

#[action(readonly)]
async fn reserve_stock(_ctx: &mut Context<Order>) -> Result<Stock, ActionError> {
    Ok(Stock::Reserved)
}

#[action(readonly)]
async fn ship(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

#[derive(Instruction)]
pub enum ReviewDecision {
    Approved,
    Denied,
}

flow! {
    pub flow Checkout: Order {
        start Created;
        Created => reserve_stock { Reserved => Review, OutOfStock => Rejected }
        wait Review on ReviewDecision, timeout never { Approved => Shipped }
        success Shipped;
        failure Rejected;
    }
}

fn main() {}
