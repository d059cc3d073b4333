//! The in-memory run path: instances driven to an end or a wait, retries, timeouts and
//! compensation in reverse order.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use flow_runtime::prelude::*;
use flow_runtime::{JournalKind, model::IdempotencyKey};

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Order {
    pub quantity: u32,
    pub card_ok: bool,
    pub ship_failures: u32,
    pub slow_ship: bool,
    pub effects: Vec<String>,
    pub keys: Vec<IdempotencyKey>,
}

#[derive(Instruction)]
pub enum Stock {
    Reserved,
    OutOfStock,
}

#[derive(Instruction)]
pub enum Payment {
    Charged,
    Declined,
}

#[action(compensate = release_stock)]
async fn reserve_stock(ctx: &mut Context<Order>) -> Result<Stock, ActionError> {
    if ctx.data.quantity > 10 {
        return Ok(Stock::OutOfStock);
    }
    ctx.data.effects.push("reserve".into());
    Ok(Stock::Reserved)
}

async fn release_stock(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    ctx.data.effects.push("release".into());
    Ok(())
}

#[action(compensate = refund)]
async fn charge(ctx: &mut Context<Order>) -> Result<Payment, ActionError> {
    if !ctx.data.card_ok {
        return Ok(Payment::Declined);
    }
    ctx.data.effects.push("charge".into());
    Ok(Payment::Charged)
}

async fn refund(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    ctx.data.effects.push("refund".into());
    Ok(())
}

#[action(pivot, retry(attempts = 3, backoff = fixed(1ms)), timeout = 50ms)]
async fn ship(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    let key = ctx.idempotency_key();
    ctx.data.keys.push(key);
    if ctx.data.slow_ship {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    if ctx.data.ship_failures > 0 {
        ctx.data.ship_failures -= 1;
        return Err(ActionError::retryable("carrier busy"));
    }
    ctx.data.effects.push("ship".into());
    Ok(())
}

flow! {
    pub flow Checkout: Order {
        start Created;
        Created  => reserve_stock { Reserved => Reserved, OutOfStock => Rejected }
        Reserved => charge { Charged => Paid, Declined => Rejected }
        Paid     => ship => Shipped;
        success Shipped;
        failure Rejected;
    }
}

fn engine() -> Engine {
    Engine::builder()
        .register::<Checkout>()
        .build()
        .expect("valid flow")
}

fn order() -> Order {
    Order {
        quantity: 1,
        card_ok: true,
        ..Order::default()
    }
}

#[tokio::test]
async fn a_good_order_walks_every_step_to_success() {
    let outcome = engine().run::<Checkout>(order()).await.unwrap();
    assert_eq!(outcome.state, CheckoutState::Shipped);
    assert_eq!(outcome.status, Status::Completed);
    assert_eq!(outcome.data.effects, ["reserve", "charge", "ship"]);
    let path: Vec<(&str, &str, &str)> = outcome
        .journal
        .iter()
        .map(|e| (&*e.from, &*e.instruction, &*e.to))
        .collect();
    assert_eq!(
        path,
        [
            ("Created", "Reserved", "Reserved"),
            ("Reserved", "Charged", "Paid"),
            ("Paid", "Done", "Shipped"),
        ]
    );
}

#[tokio::test]
async fn a_declined_card_releases_the_stock_and_ends_failed() {
    let outcome = engine()
        .run::<Checkout>(Order {
            card_ok: false,
            ..order()
        })
        .await
        .unwrap();
    assert_eq!(outcome.state, CheckoutState::Rejected);
    assert_eq!(outcome.status, Status::Failed);
    // The charge that was declined did nothing, so only the reservation is undone.
    assert_eq!(outcome.data.effects, ["reserve", "release"]);
    let last = outcome.journal.last().unwrap();
    assert_eq!(last.kind, JournalKind::Compensation);
    assert_eq!(last.action, "release_stock");
}

#[tokio::test]
async fn out_of_stock_rejects_without_undoing_anything() {
    let outcome = engine()
        .run::<Checkout>(Order {
            quantity: 50,
            ..order()
        })
        .await
        .unwrap();
    assert_eq!(outcome.state, CheckoutState::Rejected);
    assert!(outcome.data.effects.is_empty());
}

#[tokio::test]
async fn retryable_errors_are_retried_with_one_idempotency_key() {
    let outcome = engine()
        .run::<Checkout>(Order {
            ship_failures: 2,
            ..order()
        })
        .await
        .unwrap();
    assert_eq!(outcome.status, Status::Completed);
    assert_eq!(outcome.journal.last().unwrap().attempt, 3);
    assert_eq!(outcome.data.keys.len(), 3);
    assert!(outcome.data.keys.iter().all(|k| *k == outcome.data.keys[0]));
    assert_eq!(outcome.data.keys[0].step, 2);
}

#[tokio::test]
async fn exhausted_retries_compensate_completed_steps_in_reverse() {
    let outcome = engine()
        .run::<Checkout>(Order {
            ship_failures: 3,
            ..order()
        })
        .await
        .unwrap();
    assert_eq!(outcome.state, CheckoutState::Paid);
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(
        outcome.data.effects,
        ["reserve", "charge", "refund", "release"]
    );
}

#[tokio::test]
async fn a_step_over_its_timeout_fails_like_a_retryable_error() {
    let outcome = engine()
        .run::<Checkout>(Order {
            slow_ship: true,
            ..order()
        })
        .await
        .unwrap();
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(outcome.data.keys.len(), 3, "three attempts, each timed out");
    assert_eq!(
        outcome.data.effects,
        ["reserve", "charge", "refund", "release"]
    );
}

#[tokio::test]
async fn an_unregistered_flow_is_refused() {
    let engine = Engine::builder().build().unwrap();
    let error = engine.run::<Checkout>(order()).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "flow `Checkout` is not registered: call `Engine::builder().register::<Checkout>()`"
    );
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Claim {
    pub log: Vec<String>,
}

#[derive(Instruction)]
pub enum Verdict {
    Approved,
    Denied,
}

static FAILING_UNDO_CALLS: AtomicU32 = AtomicU32::new(0);

#[action(compensate = unbook, compensate_retry(attempts = 2, backoff = fixed(1ms)))]
async fn book(ctx: &mut Context<Claim>) -> Result<(), ActionError> {
    ctx.data.log.push("book".into());
    Ok(())
}

async fn unbook(_ctx: &mut Context<Claim>) -> Result<(), ActionError> {
    FAILING_UNDO_CALLS.fetch_add(1, Ordering::SeqCst);
    Err(ActionError::retryable("ledger offline"))
}

flow! {
    pub flow ClaimFlow: Claim {
        start Filed;
        Filed => book => Review;
        wait Review on Verdict, timeout 1h => Expired { Approved => Paid, Denied => Denied }
        success Paid;
        failure Denied, Expired;
    }
}

#[tokio::test]
async fn a_wait_stops_the_run_and_a_signal_resumes_it() {
    let engine = Engine::builder().register::<ClaimFlow>().build().unwrap();
    let waiting = engine.run::<ClaimFlow>(Claim::default()).await.unwrap();
    assert_eq!(waiting.state, ClaimFlowState::Review);
    assert_eq!(waiting.status, Status::Waiting);

    let wrong = engine
        .signal::<ClaimFlow>(waiting.instance, "Maybe")
        .await
        .unwrap_err();
    assert!(wrong.to_string().contains("not `Maybe`"), "{wrong}");

    let done = engine
        .signal::<ClaimFlow>(waiting.instance, "Approved")
        .await
        .unwrap();
    assert_eq!(done.state, ClaimFlowState::Paid);
    assert_eq!(done.status, Status::Completed);
    assert_eq!(done.journal.last().unwrap().kind, JournalKind::Signal);

    let gone = engine
        .signal::<ClaimFlow>(waiting.instance, "Approved")
        .await
        .unwrap_err();
    assert!(gone.to_string().contains("it is Completed"), "{gone}");
}

#[tokio::test]
async fn compensation_that_keeps_failing_parks_the_instance_for_a_person() {
    let engine = Engine::builder().register::<ClaimFlow>().build().unwrap();
    let waiting = engine.run::<ClaimFlow>(Claim::default()).await.unwrap();
    let before = FAILING_UNDO_CALLS.load(Ordering::SeqCst);
    let denied = engine
        .signal::<ClaimFlow>(waiting.instance, "Denied")
        .await
        .unwrap();
    assert_eq!(denied.state, ClaimFlowState::Denied);
    assert_eq!(denied.status, Status::Manual);
    assert_eq!(FAILING_UNDO_CALLS.load(Ordering::SeqCst) - before, 2);
}

#[tokio::test]
async fn a_flow_can_override_an_actions_retry_policy() {
    use flow_runtime::{FlowOptions, RetryPolicy};
    // `ship` declares 3 attempts; this flow allows 5, so 4 carrier failures still ship.
    let engine = Engine::builder()
        .register_with::<Checkout>(
            FlowOptions::default().retry("ship", RetryPolicy::fixed(5, Duration::from_millis(1))),
        )
        .build()
        .unwrap();
    let outcome = engine
        .run::<Checkout>(Order {
            ship_failures: 4,
            ..order()
        })
        .await
        .unwrap();
    assert_eq!(outcome.status, Status::Completed);
    assert_eq!(outcome.journal.last().unwrap().attempt, 5);

    let typo = Engine::builder()
        .register_with::<Checkout>(
            FlowOptions::default().retry("shipp", RetryPolicy::fixed(5, Duration::from_millis(1))),
        )
        .build()
        .err()
        .unwrap();
    assert_eq!(
        typo.to_string(),
        "flow `Checkout`: no action `shipp`; did you mean `ship`?"
    );
}
