//! An undeclared target without any look-alike: still one error. The states only reached
//! through it and the loop it might leave are not reported, since declaring it may fix both.
use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

#[derive(Instruction)]
pub enum Poll {
    Pending,
    Ready,
}

#[action(readonly)]
async fn poll(_ctx: &mut Context<Order>) -> Result<Poll, ActionError> {
    Ok(Poll::Pending)
}

#[action(readonly)]
async fn ship(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    pub flow Checkout: Order {
        start Polling;
        Polling => poll { Pending => Polling, Ready => Dispatch }
        Packing => ship => Shipped;
        success Shipped;
    }
}

fn main() {}
