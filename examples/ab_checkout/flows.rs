//! The two versions under test: v2 checks fraud before it charges, and declines more.

use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Order {
    pub number: u32,
    pub amount: u32,
    pub charged: bool,
}

#[derive(Instruction)]
pub enum Payment {
    Charged,
    Declined,
}

#[derive(Instruction)]
pub enum Fraud {
    Clean,
    Suspicious,
}

/// Declines about one order in twenty, deterministically.
#[action(compensate = refund)]
async fn charge(ctx: &mut Context<Order>) -> Result<Payment, ActionError> {
    if ctx.data.number % 20 == 7 {
        return Ok(Payment::Declined);
    }
    ctx.data.charged = true;
    Ok(Payment::Charged)
}

async fn refund(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    ctx.data.charged = false;
    Ok(())
}

/// Flags large amounts of some orders.
#[action(readonly)]
async fn check_fraud(ctx: &mut Context<Order>) -> Result<Fraud, ActionError> {
    Ok(
        if ctx.data.amount > 450 && ctx.data.number.is_multiple_of(3) {
            Fraud::Suspicious
        } else {
            Fraud::Clean
        },
    )
}

#[action(pivot)]
async fn ship(_ctx: &mut Context<Order>) -> Result<(), ActionError> {
    Ok(())
}

pub mod v1 {
    use super::*;

    flow! {
        /// Checkout as it runs today.
        pub flow Checkout: Order, version 1 {
            start Created;
            Created => charge { Charged => Paid, Declined => Rejected }
            Paid    => ship => Shipped;
            success Shipped;
            failure Rejected;
        }
    }
}

pub mod v2 {
    use super::*;

    flow! {
        /// Checkout with a fraud check before the charge.
        pub flow Checkout: Order, version 2 {
            start Created;
            Created => check_fraud { Clean => Checked, Suspicious => Rejected }
            Checked => charge { Charged => Paid, Declined => Rejected }
            Paid    => ship => Shipped;
            success Shipped;
            failure Rejected;
        }
    }
}
