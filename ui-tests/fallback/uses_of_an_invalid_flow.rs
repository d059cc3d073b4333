//! Code that uses a flow with a mistake reports only the mistake, nothing downstream.
use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Order;

#[action(readonly)]
async fn check(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    pub flow Checkout: Order {
        start Created;
        Created => check => Dnoe;
        success Done;
    }
}

async fn place_order(engine: &Engine) -> Result<(), EngineError> {
    let outcome = engine.run::<Checkout>(Order).await?;
    assert_eq!(outcome.state, CheckoutState::Done);
    println!("{}", Checkout::MERMAID);
    Ok(())
}

fn main() {
    let _ = place_order;
}
