//! The line `OutOfStock => Rejected` was deleted: the unmapped instruction is the one error,
//! not the state `Rejected` that nothing leads to any more.
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

flow! {
    pub flow Checkout: Order {
        start Created;
        Created  => reserve_stock {
            Reserved => Reserved,
        }
        Reserved => ship => Shipped;
        success Shipped;
        failure Rejected;
    }
}

fn main() {}
