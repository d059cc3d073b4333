//! The business data a checkout carries from step to step.

use serde::{Deserialize, Serialize};

/// One order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Order {
    /// The customer's order number.
    pub number: u32,
    /// Items ordered.
    pub quantity: u32,
    /// Amount to charge, in cents.
    pub amount_cents: u64,
    /// Whether the address can be delivered to.
    pub deliverable: bool,
    /// How many times the carrier answers "busy" before it takes the parcel.
    #[serde(default)]
    pub carrier_busy: u32,
    /// What happened to the outside world, in order (stands in for real systems).
    #[serde(default)]
    pub effects: Vec<String>,
}
