//! A loop no end can be reached from, and a step that leaves an instruction out: both are
//! reported, and not the state `Rejected`, which only the missing mapping line cut off.
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
        Created  => reserve_stock { Reserved => Packed }
        Packed   => ship => Labelled;
        Labelled => ship => Packed;
        failure Rejected;
    }
}

fn main() {}
