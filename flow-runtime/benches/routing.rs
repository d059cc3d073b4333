//! Routing cost per start: attribute rules plus a weighted split, against a start without
//! routing, in the same run. `cargo bench -p flow-runtime --bench routing`.

use criterion::{Criterion, criterion_group, criterion_main};
use flow_runtime::prelude::*;
use flow_runtime::routing::{Condition, KindRoutes, RouteRequest, Router, Variant};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Order {
    pub counter: u64,
}

#[action(readonly)]
async fn noop(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    ctx.data.counter += 1;
    Ok(())
}

flow! {
    pub flow Checkout: Order {
        start S0;
        S0 => noop => Done;
        success Done;
    }
}

flow! {
    pub flow CheckoutTwo: Order, version 2 {
        start S0;
        S0 => noop => Done;
        success Done;
    }
}

/// Three attribute rules that do not match the benched request, then an 80/20 split.
fn router() -> Router {
    Router::new().kind(
        "checkout",
        KindRoutes::new()
            .rule(
                Condition::equals("tenant", "acme"),
                Variant::new("v2", "CheckoutTwo", 2),
            )
            .rule(
                Condition::one_of("channel", ["kiosk", "partner"]),
                Variant::new("v2", "CheckoutTwo", 2),
            )
            .rule(
                Condition::range("amount", Some(10_000.0), None),
                Variant::new("v2", "CheckoutTwo", 2),
            )
            .split([
                (Variant::new("control", "Checkout", 1), 80),
                (Variant::new("v2", "CheckoutTwo", 2), 20),
            ]),
    )
}

fn routing(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let router = router();
    let request = RouteRequest::new("checkout")
        .attribute("tenant", "globex")
        .attribute("channel", "web")
        .attribute("amount", 120)
        .key("customer-42");
    let mut group = c.benchmark_group("routing");
    group.bench_function("choose_variant", |b| {
        b.iter(|| std::hint::black_box(router.route(&request, String::new).expect("routes")));
    });
    group.finish();

    // Instances run to their end, so the store does not grow with unfinished ones.
    let engine = runtime.block_on(async {
        Engine::builder()
            .register::<Checkout>()
            .register::<CheckoutTwo>()
            .router(router.clone())
            .build()
            .expect("builds")
    });
    let mut group = c.benchmark_group("start");
    // Both start an instance for the worker and wait for its end: the same path but for
    // the router's choice and the journaled route entry.
    group.bench_function("start_then_wait_without_routing", |b| {
        b.to_async(&runtime).iter(|| async {
            let instance = engine
                .start::<CheckoutTwo>(Order::default())
                .await
                .expect("starts");
            let outcome = engine
                .wait_ended::<CheckoutTwo>(instance)
                .await
                .expect("ends");
            std::hint::black_box(outcome.data.counter)
        });
    });
    group.bench_function("route_then_wait", |b| {
        b.to_async(&runtime).iter(|| async {
            let routed = engine
                .route(&request, Order::default())
                .await
                .expect("routes");
            let counter = if routed.variant.version == 1 {
                engine
                    .wait_ended::<Checkout>(routed.instance)
                    .await
                    .expect("ends")
                    .data
                    .counter
            } else {
                engine
                    .wait_ended::<CheckoutTwo>(routed.instance)
                    .await
                    .expect("ends")
                    .data
                    .counter
            };
            std::hint::black_box(counter)
        });
    });
    // Request and response in the caller's task: no hand-over to the worker.
    group.bench_function("run_without_routing", |b| {
        b.to_async(&runtime).iter(|| async {
            let outcome = engine
                .run::<CheckoutTwo>(Order::default())
                .await
                .expect("runs");
            std::hint::black_box(outcome.data.counter)
        });
    });
    group.bench_function("route_run", |b| {
        b.to_async(&runtime).iter(|| async {
            let outcome = engine
                .route_run(&request, Order::default())
                .await
                .expect("routes and runs");
            std::hint::black_box(outcome.data.counter)
        });
    });
    group.finish();
}

criterion_group!(benches, routing);
criterion_main!(benches);
