//! The saga the workers run: reserve the stock, charge the card, ship. Every fifth order's
//! card is declined (the stock is released); every seventh parcel cannot be shipped (the
//! card is refunded, then the stock released). Each step takes a moment, so that two
//! workers visibly share the orders.

use std::time::Duration;

use flow_runtime::prelude::*;
use serde::{Deserialize, Serialize};

/// One order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Order {
    /// The order's number, given by the process that started it.
    pub number: u32,
}

#[derive(Instruction)]
pub enum Payment {
    Charged,
    Declined,
}

#[derive(Instruction)]
pub enum Delivery {
    Shipped,
    Undeliverable,
}

/// What a step would do to the outside world, here only said; `ctx.idempotency_key()`
/// is what a real call would pass so that a re-run after a crash is deduplicated.
async fn effect(ctx: &Context<Order>, what: &str) {
    tokio::time::sleep(Duration::from_millis(100)).await;
    println!(
        "worker {}: order {} {what} (key {})",
        std::process::id(),
        ctx.data.number,
        ctx.idempotency_key()
    );
}

#[action(compensate = release_stock)]
async fn reserve_stock(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    effect(ctx, "reserve stock").await;
    Ok(())
}

async fn release_stock(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    effect(ctx, "release stock").await;
    Ok(())
}

#[action(compensate = refund_card)]
async fn charge_card(ctx: &mut Context<Order>) -> Result<Payment, ActionError> {
    if ctx.data.number.is_multiple_of(5) {
        effect(ctx, "card declined").await;
        return Ok(Payment::Declined);
    }
    effect(ctx, "charge card").await;
    Ok(Payment::Charged)
}

async fn refund_card(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    effect(ctx, "refund card").await;
    Ok(())
}

#[action(pivot)]
async fn ship(ctx: &mut Context<Order>) -> Result<Delivery, ActionError> {
    if ctx.data.number.is_multiple_of(7) {
        effect(ctx, "undeliverable").await;
        return Ok(Delivery::Undeliverable);
    }
    effect(ctx, "ship").await;
    Ok(Delivery::Shipped)
}

flow! {
    /// An order across any number of worker processes.
    pub flow Fulfilment: Order, version 1 {
        start Created;
        Created  => reserve_stock => Reserved;
        Reserved => charge_card   { Charged => Paid, Declined => Declined }
        Paid     => ship          { Shipped => Shipped, Undeliverable => Undeliverable }
        success Shipped;
        failure Declined, Undeliverable;
    }
}
