//! Interface routing end to end: requests of one kind go to a compiled flow and to a
//! document flow by attribute rule and by a sticky weighted split; the variant and the rule
//! that chose it are on the instance (its `variant` label and its first journal entry).

use flow_runtime::prelude::*;
use flow_runtime::routing::{Condition, KindRoutes, RouteRequest, Router, Variant};
use flow_runtime::{EngineError, JournalKind};

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Order {
    pub effects: Vec<String>,
}

#[action(readonly)]
async fn ship(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    ctx.data.effects.push("ship".into());
    Ok(())
}

flow! {
    pub flow Checkout: Order {
        start Paid;
        Paid => ship => Shipped;
        success Shipped;
    }
}

const CHECKOUT_V2: &str = r#"
[[flow]]
name = "Checkout"
version = 2
data = "Order"
start = "Paid"
success = ["Shipped"]

[[flow.state]]
name = "Paid"
action = "ship"
next = "Shipped"
"#;

fn router() -> Router {
    Router::new().kind(
        "checkout",
        KindRoutes::new()
            .rule(
                Condition::equals("tenant", "acme"),
                Variant::new("v2", "Checkout", 2),
            )
            .split([
                (Variant::new("control", "Checkout", 1), 80),
                (Variant::new("v2", "Checkout", 2), 20),
            ]),
    )
}

async fn engine() -> Engine {
    let engine = Engine::builder()
        .register::<Checkout>()
        .action::<Order, ship>()
        .router(router())
        .build()
        .unwrap();
    engine
        .load_document(CHECKOUT_V2, DocumentOrigin::named("checkout-v2.toml"))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    engine
}

#[tokio::test]
async fn a_rule_sends_a_tenant_to_its_variant_and_the_instance_records_why() {
    let engine = engine().await;
    let request = RouteRequest::new("checkout")
        .attribute("tenant", "acme")
        .key("customer-1");
    let routed = engine.route(&request, Order::default()).await.unwrap();
    assert_eq!(routed.variant.name, "v2");
    assert_eq!(routed.reason, "rule 1: tenant == \"acme\" => v2");
    let outcome = engine
        .wait_document_ended::<Order>(routed.instance)
        .await
        .unwrap();
    assert_eq!(outcome.status, Status::Completed);
    let first = &outcome.journal[0];
    assert_eq!(first.kind, JournalKind::Route);
    assert_eq!(first.instruction, "v2");
    assert_eq!(first.action, "rule 1: tenant == \"acme\" => v2");
    let record = engine.record(routed.instance).await.unwrap();
    assert_eq!(record.flow_version, 2);
    let context = String::from_utf8(record.context).unwrap();
    assert!(context.contains(r#"["variant","v2"]"#), "{context}");
}

#[tokio::test]
async fn a_split_follows_its_weights_and_a_customer_keeps_its_variant() {
    let engine = engine().await;
    let mut to_v2 = 0;
    for customer in 0..1_000 {
        let request = RouteRequest::new("checkout").key(format!("customer-{customer}"));
        let routed = engine.route(&request, Order::default()).await.unwrap();
        let again = engine.route(&request, Order::default()).await.unwrap();
        assert_eq!(
            routed.variant, again.variant,
            "customer-{customer} is sticky"
        );
        if routed.variant.name == "v2" {
            to_v2 += 1;
            assert_eq!(routed.reason, "split 20/100");
        }
        if customer < 5 {
            // Both kinds of flow run: compiled for control, the document for v2.
            let record = engine.record(routed.instance).await.unwrap();
            assert_eq!(record.flow_version, routed.variant.version);
        }
    }
    // 20% of 1,000 keys, within the spread of a sample this size.
    assert!((150..=250).contains(&to_v2), "{to_v2} of 1000 went to v2");
}

#[tokio::test]
async fn an_unroutable_request_is_refused_with_its_kind() {
    let engine = engine().await;
    let error = engine
        .route(&RouteRequest::new("refund"), Order::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, EngineError::Route(_)),
        "refused by the router: {error}"
    );
    assert_eq!(
        error.to_string(),
        "no routes for requests of kind `refund` (kinds with routes: checkout)"
    );
}

#[tokio::test]
async fn a_variant_whose_flow_is_not_loaded_is_named() {
    let engine = Engine::builder()
        .register::<Checkout>()
        .router(Router::new().kind(
            "checkout",
            KindRoutes::new().pin(Variant::new("v3", "Checkout", 3)),
        ))
        .build()
        .unwrap();
    let error = engine
        .route(&RouteRequest::new("checkout"), Order::default())
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "no document flow `Checkout` v3 is loaded"
    );
}

#[tokio::test]
async fn each_variant_keeps_its_own_funnel() {
    let stats = Stats::default();
    let engine = Engine::builder()
        .statistics(stats.clone())
        .register::<Checkout>()
        .action::<Order, ship>()
        .router(router())
        .build()
        .unwrap();
    engine
        .load_document(CHECKOUT_V2, DocumentOrigin::named("checkout-v2.toml"))
        .await
        .unwrap();
    let mut routed = Vec::new();
    for customer in 0..200 {
        let request = RouteRequest::new("checkout").key(format!("customer-{customer}"));
        routed.push(engine.route(&request, Order::default()).await.unwrap());
    }
    let mut to_v2 = 0;
    for routed in &routed {
        let status = if routed.variant.version == 1 {
            engine
                .wait_ended::<Checkout>(routed.instance)
                .await
                .unwrap()
                .status
        } else {
            to_v2 += 1;
            engine
                .wait_document_ended::<Order>(routed.instance)
                .await
                .unwrap()
                .status
        };
        assert_eq!(status, Status::Completed);
    }
    let snapshot = stats.snapshot();
    let variants = snapshot.variants("Checkout");
    let names: Vec<&str> = variants.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    for (name, sets) in &variants {
        let shipped: u64 = sets
            .iter()
            .filter_map(|set| set.state("Shipped"))
            .map(|state| state.entered)
            .sum();
        let expected = if name == "v2" { to_v2 } else { 200 - to_v2 };
        assert_eq!(shipped, expected, "{name}'s instances all reached Shipped");
    }
    let table = snapshot.experiment_table("Checkout");
    assert!(
        table.contains("control (v1)") && table.contains("v2 (v2)"),
        "{table}"
    );
    assert!(table.contains("100.0%"), "{table}");
}

#[tokio::test]
async fn route_run_answers_with_where_the_routed_instance_rests() {
    let engine = engine().await;
    // The rule sends acme to the document flow; the split sends the rest to either.
    for (request, expected) in [
        (
            RouteRequest::new("checkout").attribute("tenant", "acme"),
            Some(("v2", 2)),
        ),
        (
            RouteRequest::new("checkout").attribute("tenant", "other"),
            None,
        ),
    ] {
        let outcome = engine.route_run(&request, Order::default()).await.unwrap();
        assert_eq!(outcome.status, Status::Completed);
        assert_eq!(outcome.state, "Shipped");
        assert_eq!(outcome.data.effects, ["ship"], "the action ran once");
        assert_eq!(outcome.journal[0].kind, JournalKind::Route);
        assert_eq!(outcome.journal[0].instruction, outcome.routed.variant.name);
        if let Some((variant, version)) = expected {
            assert_eq!(outcome.routed.variant.name, variant);
            assert_eq!(outcome.routed.variant.version, version);
        }
        let record = engine.record(outcome.routed.instance).await.unwrap();
        assert_eq!(record.flow_version, outcome.routed.variant.version);
        assert_eq!(
            record.status,
            Status::Completed,
            "already at rest in the store"
        );
    }
    let error = engine
        .route_run(&RouteRequest::new("refund"), Order::default())
        .await
        .unwrap_err();
    assert!(matches!(error, EngineError::Route(_)), "{error}");
    let wrong = engine
        .route_run(
            &RouteRequest::new("checkout").attribute("tenant", "acme"),
            serde_json::json!({}),
        )
        .await
        .unwrap_err();
    assert!(wrong.to_string().contains("Order"), "{wrong}");
}
