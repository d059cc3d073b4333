//! An A/B test of two checkout versions: 80/20 by customer id, sticky, and every order of
//! tenant `acme` on version 2 by an attribute rule. Runs 10,000 orders and prints the share
//! each variant actually got and each variant's funnel side by side.
//!
//! `cargo run --example ab_checkout`

mod flows;

use flow_runtime::prelude::*;
use flow_runtime::routing::{Condition, KindRoutes, RouteRequest, Router, Variant};

use flows::Order;

const ORDERS: u32 = 10_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

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

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let stats = Stats::default();
    // Keeps every finished order, so each can be waited for after all were started.
    let store = flow_runtime::store::MemoryStore::with_retention(2 * ORDERS as usize);
    let engine = EngineBuilder::with_store(store)
        .statistics(stats.clone())
        .register::<flows::v1::Checkout>()
        .register::<flows::v2::Checkout>()
        .router(router())
        .build()?;
    let mut routed = Vec::with_capacity(ORDERS as usize);
    let mut by_rule = 0;
    for number in 0..ORDERS {
        let tenant = if number.is_multiple_of(10) {
            "acme"
        } else {
            "globex"
        };
        let request = RouteRequest::new("checkout")
            .attribute("tenant", tenant)
            .attribute("amount", 20 + number % 500)
            .key(format!("customer-{}", number % 4_000));
        let order = Order {
            number,
            amount: 20 + number % 500,
            ..Order::default()
        };
        let started = engine.route(&request, order).await?;
        if started.reason.starts_with("rule") {
            by_rule += 1;
        }
        routed.push(started);
    }
    let mut control = 0;
    for started in &routed {
        if started.variant.version == 1 {
            control += 1;
            engine
                .wait_ended::<flows::v1::Checkout>(started.instance)
                .await?;
        } else {
            engine
                .wait_ended::<flows::v2::Checkout>(started.instance)
                .await?;
        }
    }
    let split = ORDERS - by_rule;
    let share = |count: u32, of: u32| f64::from(count) * 100.0 / f64::from(of);
    println!(
        "{ORDERS} orders: {by_rule} of tenant acme sent to v2 by rule; the other {split} split 80/20 by customer:"
    );
    println!(
        "    control (v1): {control:>5} orders, {:.1}% of the split",
        share(control, split)
    );
    println!(
        "    v2      (v2): {:>5} orders, {:.1}% of the split",
        split - control,
        share(split - control, split)
    );
    println!();
    println!("funnels side by side (entered, share of the variant's orders, failure rate):");
    print!("{}", stats.snapshot().experiment_table("Checkout"));
    Ok(())
}
