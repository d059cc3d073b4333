//! Operations' configuration: which flows the engine runs, and the orders of this demo.

use flow_runtime::{Engine, EngineError};

use crate::flows::Checkout;
use crate::model::Order;

/// The engine with every flow of this service registered.
pub fn engine() -> Result<Engine, EngineError> {
    Engine::builder().register::<Checkout>().build()
}

/// The demo's orders: one that ships, one out of stock, one whose shipping fails.
pub fn demo_orders() -> Vec<(&'static str, Order)> {
    let order = |number, quantity, amount_cents, deliverable| Order {
        number,
        quantity,
        amount_cents,
        deliverable,
        effects: Vec::new(),
    };
    vec![
        ("happy path", order(1001, 2, 4_999, true)),
        ("out of stock", order(1002, 50, 9_999, true)),
        ("shipping fails", order(1003, 1, 2_500, false)),
    ]
}
