use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

#[action(pivot, compensate = undo)]
async fn book(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

async fn undo(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

fn main() {}
