//! One scenario, two declarations: a flow written with `flow!` and the same flow loaded from
//! a TOML document run the same way: the same states, statuses, journals and effects,
//! through success, a failure with compensation, a wait and a signal, and retries.

use flow_runtime::prelude::*;
use flow_runtime::{DocumentFlow, JournalEntry};

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Order {
    pub quantity: u32,
    /// `ok`, `declined` or `review`.
    pub card: String,
    pub ship_failures: u32,
    pub effects: Vec<String>,
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
    Review,
}

#[derive(Instruction)]
pub enum ReviewDecision {
    Approve,
    Deny,
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
    match ctx.data.card.as_str() {
        "declined" => Ok(Payment::Declined),
        "review" => Ok(Payment::Review),
        _ => {
            ctx.data.effects.push("charge".into());
            Ok(Payment::Charged)
        }
    }
}

async fn refund(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    ctx.data.effects.push("refund".into());
    Ok(())
}

#[action(pivot, retry(attempts = 3, backoff = fixed(1ms)))]
async fn ship(ctx: &mut Context<Order>) -> Result<(), ActionError> {
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
        Reserved => charge { Charged => Paid, Declined => Rejected, Review => InReview }
        wait InReview on ReviewDecision, timeout 48h => Rejected { Approve => Paid, Deny => Rejected }
        Paid     => ship => Shipped;
        success Shipped;
        failure Rejected;
    }
}

/// The same flow as a document (version 2: version 1 is the compiled one).
const CHECKOUT_DOCUMENT: &str = r#"
[[flow]]
name = "Checkout"
version = 2
data = "Order"
start = "Created"
success = ["Shipped"]
failure = ["Rejected"]

[[flow.state]]
name = "Created"
action = "reserve_stock"
on = { Reserved = "Reserved", OutOfStock = "Rejected" }

[[flow.state]]
name = "Reserved"
action = "charge"
on = { Charged = "Paid", Declined = "Rejected", Review = "InReview" }

[[flow.state]]
name = "InReview"
wait = "ReviewDecision"
timeout = "48h"
on_timeout = "Rejected"
on = { Approve = "Paid", Deny = "Rejected" }

[[flow.state]]
name = "Paid"
action = "ship"
next = "Shipped"
"#;

/// What a user compares of two runs: where the instance ended and what happened on the way.
#[derive(Debug, PartialEq)]
struct Run {
    state: String,
    status: Status,
    effects: Vec<String>,
    journal: Vec<(JournalKind, String, String, String, String, u32)>,
}

fn journal(entries: &[JournalEntry]) -> Vec<(JournalKind, String, String, String, String, u32)> {
    entries
        .iter()
        .map(|entry| {
            (
                entry.kind,
                entry.action.to_string(),
                entry.instruction.to_string(),
                entry.from.to_string(),
                entry.to.to_string(),
                entry.attempt,
            )
        })
        .collect()
}

async fn engine() -> (Engine, DocumentFlow<Order>) {
    let engine = Engine::builder()
        .register::<Checkout>()
        .action::<Order, reserve_stock>()
        .action::<Order, charge>()
        .action::<Order, ship>()
        .build()
        .expect("engine builds");
    let loaded = engine
        .load_document(CHECKOUT_DOCUMENT, DocumentOrigin::named("checkout.toml"))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(loaded.len(), 1);
    let flow = engine
        .document_flow::<Order>("Checkout", None)
        .expect("the document flow is loaded");
    assert_eq!(flow.version(), 2);
    (engine, flow)
}

/// Runs `order` on both declarations (signalling `decision` if it waits) and returns both.
async fn run_both(order: Order, decision: Option<ReviewDecision>) -> (Run, Run) {
    let (engine, document) = engine().await;
    let mut compiled = engine.run::<Checkout>(order.clone()).await.unwrap();
    let mut loaded = engine.run_document(&document, order).await.unwrap();
    if let Some(decision) = decision {
        assert_eq!(compiled.status, Status::Waiting);
        assert_eq!(loaded.status, Status::Waiting);
        let name = decision.name();
        compiled = engine
            .signal::<Checkout>(compiled.instance, name)
            .await
            .unwrap();
        loaded = engine
            .signal_document::<Order>(loaded.instance, name)
            .await
            .unwrap();
    }
    if compiled.status == Status::Running || compiled.status == Status::Compensating {
        compiled = engine
            .wait_ended::<Checkout>(compiled.instance)
            .await
            .unwrap();
    }
    if loaded.status == Status::Running || loaded.status == Status::Compensating {
        loaded = engine
            .wait_document_ended::<Order>(loaded.instance)
            .await
            .unwrap();
    }
    (
        Run {
            state: compiled.state.to_string(),
            status: compiled.status,
            effects: compiled.data.effects,
            journal: journal(&compiled.journal),
        },
        Run {
            state: loaded.state.name().to_owned(),
            status: loaded.status,
            effects: loaded.data.effects,
            journal: journal(&loaded.journal),
        },
    )
}

fn order(card: &str) -> Order {
    Order {
        quantity: 1,
        card: card.to_owned(),
        ..Order::default()
    }
}

#[tokio::test]
async fn a_document_flow_runs_to_success_like_its_compiled_twin() {
    let (compiled, loaded) = run_both(order("ok"), None).await;
    assert_eq!(compiled.state, "Shipped");
    assert_eq!(compiled.status, Status::Completed);
    assert_eq!(compiled.effects, ["reserve", "charge", "ship"]);
    assert_eq!(loaded, compiled);
}

#[tokio::test]
async fn a_document_flow_compensates_a_failure_like_its_compiled_twin() {
    let (compiled, loaded) = run_both(order("declined"), None).await;
    assert_eq!(compiled.state, "Rejected");
    assert_eq!(compiled.status, Status::Failed);
    assert_eq!(compiled.effects, ["reserve", "release"]);
    assert!(
        compiled
            .journal
            .iter()
            .any(|entry| entry.0 == JournalKind::Compensation && entry.1 == "release_stock")
    );
    assert_eq!(loaded, compiled);
}

#[tokio::test]
async fn a_document_flow_waits_for_a_signal_like_its_compiled_twin() {
    let (compiled, loaded) = run_both(order("review"), Some(ReviewDecision::Approve)).await;
    assert_eq!(compiled.state, "Shipped");
    assert_eq!(compiled.status, Status::Completed);
    assert!(
        compiled
            .journal
            .iter()
            .any(|entry| entry.0 == JournalKind::Signal && entry.2 == "Approve")
    );
    assert_eq!(loaded, compiled);
}

#[tokio::test]
async fn a_document_flow_retries_like_its_compiled_twin() {
    let retrying = Order {
        ship_failures: 2,
        ..order("ok")
    };
    let (compiled, loaded) = run_both(retrying, None).await;
    assert_eq!(compiled.status, Status::Completed);
    let failures = compiled
        .journal
        .iter()
        .filter(|entry| entry.0 == JournalKind::Failure)
        .count();
    assert_eq!(failures, 2, "{:?}", compiled.journal);
    assert_eq!(loaded, compiled);
}

#[test]
fn an_action_is_registered_once_per_data_type() {
    let twice = Engine::builder()
        .action::<Order, reserve_stock>()
        .action::<Order, reserve_stock>()
        .build();
    let Err(error) = twice else {
        panic!("registering an action twice is refused");
    };
    assert_eq!(
        error.to_string(),
        "an action `reserve_stock` over `Order` is already registered"
    );
}

#[tokio::test]
async fn a_flow_exported_from_flow_macro_reads_back_as_the_same_graph() {
    let exported = flow_runtime::document::to_toml(
        &[flow_runtime::document::FlowDefinition::new(
            Checkout::spec(),
            "Order",
        )],
        &[],
    )
    .expect("a flow! flow exports");
    let read = flow_runtime::FlowDocument::parse(&exported, DocumentOrigin::named("exported.toml"))
        .unwrap_or_else(|error| panic!("{error}\n{exported}"));
    let mut spec = Checkout::spec();
    spec.actions = Default::default();
    assert_eq!(read.flows[0].spec, spec);
}
