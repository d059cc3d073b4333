//! The checkout business line, readable by an analyst: states, actions, where each outcome leads.

use flow_runtime::flow;

use super::actions::{charge_card, reserve_stock, ship};
use super::model::Order;

flow! {
    /// Checkout of one order: reserve the stock, charge the card, ship the parcel.
    /// A shipping failure refunds the card, then releases the stock.
    pub flow Checkout: Order, version 1 {
        start Created;
        Created       => reserve_stock { Reserved => StockReserved, OutOfStock => Rejected }
        StockReserved => charge_card   { Charged => Paid, Declined => Rejected }
        Paid          => ship          { Shipped => Shipped, Undeliverable => Cancelled }
        success Shipped;
        failure Rejected, Cancelled;
    }
}
