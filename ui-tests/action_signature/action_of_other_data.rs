use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Order;

#[derive(Debug, Clone, Default)]
pub struct Customer;

#[action(readonly)]
async fn verify_customer(_ctx: &mut Context<Customer>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    pub flow Checkout: Order {
        start Created;
        Created => verify_customer => Done;
        success Done;
    }
}

fn main() {}
