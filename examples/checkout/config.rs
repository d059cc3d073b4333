//! Operations' configuration: which flows the engine runs with which plugins and statistics,
//! and the orders of this demo.

use flow_runtime::store::AnyStore;
use flow_runtime::{Engine, EngineBuilder, EngineError, Stats, StatsConfig};

use super::flows::Checkout;
use super::model::Order;

/// The engine on `store` with every flow of this service registered, keeping statistics in
/// `stats`.
pub fn engine(store: AnyStore, stats: &Stats) -> Result<Engine<AnyStore>, EngineError> {
    EngineBuilder::with_store(store)
        .statistics(stats.clone())
        .register::<Checkout>()
        .build()
}

/// Statistics labelled by the sales channel.
pub fn statistics() -> Stats {
    Stats::new(StatsConfig {
        label_keys: vec!["channel".to_owned()],
        ..StatsConfig::default()
    })
}

/// The demo's orders: one that ships, one out of stock, one whose card is declined, one
/// whose carrier is busy twice, one whose shipping fails, and one the card processor
/// refuses (an error, not a business outcome).
pub fn demo_orders() -> Vec<(&'static str, Order)> {
    let order = |number, quantity, amount_cents, deliverable, carrier_busy| Order {
        number,
        quantity,
        amount_cents,
        deliverable,
        carrier_busy,
        effects: Vec::new(),
    };
    vec![
        ("happy path", order(1001, 2, 4_999, true, 0)),
        ("out of stock", order(1002, 50, 9_999, true, 0)),
        ("card declined", order(1003, 1, 250_000, true, 0)),
        ("carrier busy twice", order(1004, 3, 7_500, true, 2)),
        ("shipping fails", order(1005, 1, 2_500, false, 0)),
        ("nothing to charge", order(1006, 1, 0, true, 0)),
    ]
}
