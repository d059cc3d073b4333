//! Compensable steps before a pivot, retried forward steps after it.
use flow_runtime::prelude::*;

#[derive(Debug, Clone, Default)]
pub struct Transfer;

#[action(compensate = unhold, retry(attempts = 3))]
async fn hold_funds(_ctx: &mut Context<Transfer>) -> Result<(), ActionError> {
    Ok(())
}

async fn unhold(_ctx: &mut Context<Transfer>) -> Result<(), ActionError> {
    Ok(())
}

#[action(pivot, retry(attempts = 5, backoff = fixed(1s)))]
async fn book(_ctx: &mut Context<Transfer>) -> Result<(), ActionError> {
    Ok(())
}

#[action(retry(attempts = 10, backoff = exponential(100ms, 1m), jitter = false), readonly)]
async fn notify(_ctx: &mut Context<Transfer>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    pub flow Payment: Transfer {
        start New;
        New    => hold_funds => Held;
        Held   => book => Booked;
        Booked => notify => Done;
        success Done;
    }
}

fn main() {
    assert!(<book as Action<Transfer>>::PIVOT);
    assert_eq!(<hold_funds as Action<Transfer>>::COMPENSATION, Some("unhold"));
}
