//! The developers' building blocks: each action knows its own job and nothing of flows.

use flow_runtime::prelude::*;

use super::model::Order;

/// Units the warehouse holds.
const STOCK_ON_HAND: u32 = 10;

/// Outcome of a stock reservation.
#[derive(Debug, Instruction)]
pub enum Stock {
    /// The units are held for the order.
    Reserved,
    /// Not enough units.
    OutOfStock,
}

/// Outcome of a card charge.
#[derive(Debug, Instruction)]
pub enum Payment {
    /// The amount was taken.
    Charged,
    /// The bank refused.
    Declined,
}

/// Outcome of shipping.
#[derive(Debug, Instruction)]
pub enum Shipping {
    /// The parcel left.
    Shipped,
    /// The carrier refused the address.
    Undeliverable,
}

/// Holds the ordered units in the warehouse.
#[action(compensate = release_stock, retry(attempts = 3, backoff = exponential(10ms, 100ms)), timeout = 2s)]
pub async fn reserve_stock(ctx: &mut Context<Order>) -> Result<Stock, ActionError> {
    if ctx.data.quantity > STOCK_ON_HAND {
        return Ok(Stock::OutOfStock);
    }
    let effect = format!("reserved {} units", ctx.data.quantity);
    ctx.data.effects.push(effect);
    Ok(Stock::Reserved)
}

/// Gives the units back to the warehouse.
pub async fn release_stock(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    let effect = format!("released {} units", ctx.data.quantity);
    ctx.data.effects.push(effect);
    Ok(())
}

/// Charges the customer's card, once per step thanks to the idempotency key.
#[action(compensate = refund_card, retry(attempts = 3, backoff = fixed(10ms)), timeout = 5s)]
pub async fn charge_card(ctx: &mut Context<Order>) -> Result<Payment, ActionError> {
    if ctx.data.amount_cents > 100_000 {
        return Ok(Payment::Declined);
    }
    if ctx.data.amount_cents == 0 {
        // Not a business outcome but a request the processor cannot take: an error.
        return Err(ActionError::permanent(
            "the card processor refuses to charge 0 cents",
        ));
    }
    let effect = format!(
        "charged {} cents (idempotency key {})",
        ctx.data.amount_cents,
        ctx.idempotency_key()
    );
    ctx.data.effects.push(effect);
    Ok(Payment::Charged)
}

/// Gives the customer's money back.
pub async fn refund_card(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    let effect = format!("refunded {} cents", ctx.data.amount_cents);
    ctx.data.effects.push(effect);
    Ok(())
}

/// Hands the parcel to the carrier: the point of no return once it left.
#[action(pivot, retry(attempts = 5, backoff = exponential(10ms, 200ms)))]
pub async fn ship(ctx: &mut Context<Order>) -> Result<Shipping, ActionError> {
    if ctx.data.carrier_busy > 0 {
        ctx.data.carrier_busy -= 1;
        return Err(ActionError::retryable("carrier busy"));
    }
    if !ctx.data.deliverable {
        return Ok(Shipping::Undeliverable);
    }
    ctx.data.effects.push("shipped the parcel".to_owned());
    Ok(Shipping::Shipped)
}
