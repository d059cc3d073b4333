//! Configuration sources: a watched file (saved by renaming, as editors do) and Redis as the
//! config center. Changes apply; a broken change is refused with its diagnostics and the
//! configuration in force keeps serving.

use std::time::Duration;

use flow_runtime::prelude::*;
use flow_runtime::routing::RouteRequest;
use flow_runtime::{ConfigWatch, InstanceId, publish_redis_config};
use flow_tests::servers::{fresh_redis, redis_url};

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Order {
    pub shipped: bool,
}

#[action(readonly)]
async fn ship(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    ctx.data.shipped = true;
    Ok(())
}

flow! {
    pub flow Checkout: Order {
        start Paid;
        Paid => ship => Shipped;
        success Shipped;
    }
}

mod v2 {
    use super::*;

    flow! {
        pub flow Checkout: Order, version 2 {
            start Paid;
            Paid => ship => Shipped;
            success Shipped;
        }
    }
}

/// Every checkout to `variant` (`control` is v1, `v2` is v2).
fn all_to(variant: &str) -> String {
    let (control, v2) = if variant == "control" {
        (100, 0)
    } else {
        (0, 100)
    };
    format!(
        r#"
[[route]]
kind = "checkout"

[[route.variant]]
name = "control"
flow = "Checkout"
version = 1
weight = {control}

[[route.variant]]
name = "v2"
flow = "Checkout"
version = 2
weight = {v2}
"#
    )
}

fn engine() -> Engine {
    Engine::builder()
        .register::<Checkout>()
        .register::<v2::Checkout>()
        .build()
        .unwrap()
}

async fn routed_variant(engine: &Engine) -> String {
    let request = RouteRequest::new("checkout").key("customer-1");
    engine
        .route(&request, Order::default())
        .await
        .unwrap()
        .variant
        .name
}

/// Waits (polling, at most 10 s) until `watch` applied `count` documents or refused one.
async fn settled(watch: &ConfigWatch, count: u64, refused: bool) {
    for _ in 0..1_000 {
        let status = watch.status();
        if status.applied_count >= count && status.refused.is_some() == refused {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the watch did not settle: {:?}", watch.status());
}

#[tokio::test]
async fn a_watched_file_applies_each_saved_change_and_refuses_a_broken_one() {
    let folder = std::env::temp_dir().join(format!("flow-config-{}", InstanceId::new()));
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("routes.toml");
    std::fs::write(&path, all_to("control")).unwrap();
    let engine = engine();
    let watch = engine
        .watch_document_file(&path, Duration::from_millis(20))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(routed_variant(&engine).await, "control");

    // Saved the way editors do: a new file renamed over the old one.
    let temporary = folder.join(".routes.toml.swp");
    std::fs::write(&temporary, all_to("v2")).unwrap();
    std::fs::rename(&temporary, &path).unwrap();
    settled(&watch, 2, false).await;
    assert_eq!(routed_variant(&engine).await, "v2");

    std::fs::write(&path, all_to("v2").replace("weight = 100", "weight = 90")).unwrap();
    settled(&watch, 2, true).await;
    let refused = watch.status().refused.unwrap();
    assert!(
        refused.contains("config::weight_sum") && refused.contains("routes.toml:3:8"),
        "{refused}"
    );
    assert_eq!(
        routed_variant(&engine).await,
        "v2",
        "the routes in force stay"
    );
    assert_eq!(engine.routing_version().unwrap().0, 2);
    std::fs::remove_dir_all(&folder).unwrap();
}

#[tokio::test]
async fn engines_following_redis_apply_what_is_published() {
    // Checks that a server answers (and fails under CI=true when none does).
    if fresh_redis().await.is_none() {
        return;
    }
    let url = redis_url();
    let key = format!("flowtest:config:{}", InstanceId::new());
    publish_redis_config(&url, &key, &all_to("control"))
        .await
        .unwrap();
    let first = engine();
    let second = engine();
    let first_watch = first
        .follow_redis_config(&url, &key, Duration::from_millis(200))
        .await
        .unwrap();
    let second_watch = second
        .follow_redis_config(&url, &key, Duration::from_millis(200))
        .await
        .unwrap();
    assert_eq!(routed_variant(&first).await, "control");

    publish_redis_config(&url, &key, &all_to("v2"))
        .await
        .unwrap();
    settled(&first_watch, 2, false).await;
    settled(&second_watch, 2, false).await;
    assert_eq!(first_watch.status().applied, second_watch.status().applied);
    assert_eq!(routed_variant(&first).await, "v2");
    assert_eq!(routed_variant(&second).await, "v2");

    // An engine that starts later gets the version in force.
    let third = engine();
    let third_watch = third
        .follow_redis_config(&url, &key, Duration::from_millis(200))
        .await
        .unwrap();
    assert_eq!(third_watch.status().applied, first_watch.status().applied);
    assert_eq!(routed_variant(&third).await, "v2");

    // A broken publication is refused by every follower; they keep serving.
    publish_redis_config(&url, &key, "[[route]]\nkind = 3\n")
        .await
        .unwrap();
    settled(&first_watch, 2, true).await;
    settled(&third_watch, 1, true).await;
    assert_eq!(routed_variant(&first).await, "v2");
    assert_eq!(routed_variant(&third).await, "v2");
}
