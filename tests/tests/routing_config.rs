//! Routes from a configuration document: applied with the flows of the same document through
//! the one loader, versioned, swapped while instances run, and refused whole, every problem
//! at its line, when the document is wrong; the routes in force then keep serving.

use std::time::Duration;

use flow_runtime::prelude::*;
use flow_runtime::routing::RouteRequest;
use flow_runtime::{EngineError, LoadError};

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Order {
    pub effects: Vec<String>,
}

#[action(readonly)]
async fn ship(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    // Long enough that instances are still running while the configuration changes.
    tokio::time::sleep(Duration::from_millis(20)).await;
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

const FLOWS: &str = r#"
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

/// Routes of kind `checkout`: tenant acme to v2, the rest split `control`/`v2`.
fn routes(control: u32, v2: u32) -> String {
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

[[route.rule]]
when = {{ tenant = "acme" }}
variant = "v2"
"#
    )
}

async fn engine() -> Engine {
    let engine = Engine::builder()
        .register::<Checkout>()
        .action::<Order, ship>()
        .build()
        .unwrap();
    let document = format!("{FLOWS}{}", routes(80, 20));
    engine
        .load_document(&document, DocumentOrigin::named("checkout.toml"))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    engine
}

fn customer(number: u32) -> RouteRequest {
    RouteRequest::new("checkout").key(format!("customer-{number}"))
}

#[tokio::test]
async fn routes_from_a_document_apply_with_a_version_the_instance_records() {
    let engine = engine().await;
    let (version, hash) = engine.routing_version().unwrap();
    assert_eq!(version, 1);
    let hash = hash.expect("routes from a document have its hash");
    let acme = RouteRequest::new("checkout").attribute("tenant", "acme");
    let routed = engine.route(&acme, Order::default()).await.unwrap();
    assert_eq!(routed.variant.version, 2);
    let record = engine.record(routed.instance).await.unwrap();
    let context = String::from_utf8(record.context).unwrap();
    assert!(
        context.contains(&format!(r#"["config","1:{}"]"#, &hash[..12])),
        "the instance names the configuration it was routed with: {context}"
    );
}

#[tokio::test]
async fn a_reload_under_load_changes_new_instances_only() {
    let engine = engine().await;
    let mut first = Vec::new();
    for number in 0..500 {
        first.push(
            engine
                .route(&customer(number), Order::default())
                .await
                .unwrap(),
        );
    }
    // Everything to control, while the first 500 still run.
    engine
        .load_document(&routes(100, 0), DocumentOrigin::named("checkout.toml"))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let mut second = Vec::new();
    for number in 0..250 {
        second.push(
            engine
                .route(&customer(number), Order::default())
                .await
                .unwrap(),
        );
    }
    // And everything to v2.
    engine
        .load_document(&routes(0, 100), DocumentOrigin::named("checkout.toml"))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let mut third = Vec::new();
    for number in 0..250 {
        third.push(
            engine
                .route(&customer(number), Order::default())
                .await
                .unwrap(),
        );
    }
    assert_eq!(engine.routing_version().unwrap().0, 3);
    assert!(second.iter().all(|routed| routed.variant.name == "control"));
    assert!(third.iter().all(|routed| routed.variant.name == "v2"));
    let on_v2 = first
        .iter()
        .filter(|routed| routed.variant.version == 2)
        .count();
    assert!(
        (50..=150).contains(&on_v2),
        "{on_v2} of 500 on v2 before the reloads"
    );
    for routed in first.iter().chain(&second).chain(&third) {
        let record = loop {
            let record = engine.record(routed.instance).await.unwrap();
            if record.status.is_final() {
                break record;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        assert_eq!(record.status, Status::Completed, "{:?}", record.error);
        assert_eq!(
            record.flow_version, routed.variant.version,
            "an instance keeps the version it was routed to"
        );
    }
}

/// Loads `bad` over a working configuration and checks it is refused at `line` with
/// `code`, and that the routes in force still serve.
async fn refused(bad: &str, code: &str, line: usize) -> String {
    let engine = engine().await;
    let error = engine
        .load_document(bad, DocumentOrigin::named("bad.toml"))
        .await
        .unwrap_err();
    let LoadError::Invalid(errors) = error else {
        panic!("refused as invalid: {error}");
    };
    let found: Vec<(&str, usize)> = errors
        .diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.code.as_str(), diagnostic.line))
        .collect();
    assert!(found.contains(&(code, line)), "{found:?}\n{errors}");
    assert_eq!(
        engine.routing_version().unwrap().0,
        1,
        "the old routes stay"
    );
    let acme = RouteRequest::new("checkout").attribute("tenant", "acme");
    assert_eq!(
        engine
            .route(&acme, Order::default())
            .await
            .unwrap()
            .variant
            .name,
        "v2"
    );
    errors.to_string()
}

#[tokio::test]
async fn a_variant_of_an_unknown_flow_is_refused_with_a_suggestion() {
    let bad = routes(80, 20).replace(
        "flow = \"Checkout\"\nversion = 2",
        "flow = \"Chekout\"\nversion = 2",
    );
    let text = refused(&bad, "config::unknown_flow", 13).await;
    assert!(text.contains("did you mean `Checkout`?"), "{text}");
}

#[tokio::test]
async fn an_unknown_version_is_refused() {
    let bad = routes(80, 20).replace("version = 2", "version = 7");
    let text = refused(&bad, "config::unknown_flow", 13).await;
    assert!(text.contains("`Checkout` v7"), "{text}");
}

#[tokio::test]
async fn weights_that_do_not_add_up_to_100_are_refused() {
    let text = refused(&routes(80, 30), "config::weight_sum", 3).await;
    assert!(text.contains("add up to 110"), "{text}");
}

#[tokio::test]
async fn overlapping_ranges_are_refused() {
    let bad = format!(
        "{}\n[[route.rule]]\nwhen = {{ amount = {{ min = 100, max = 500 }} }}\nvariant = \"v2\"\n\n[[route.rule]]\nwhen = {{ amount = {{ min = 400 }} }}\nvariant = \"control\"\n",
        routes(80, 20)
    );
    let text = refused(&bad, "config::overlapping_ranges", 26).await;
    assert!(text.contains("overlaps the one of rule 2"), "{text}");
}

#[tokio::test]
async fn an_empty_range_is_refused() {
    let bad = format!(
        "{}\n[[route.rule]]\nwhen = {{ amount = {{ min = 500, max = 100 }} }}\nvariant = \"v2\"\n",
        routes(80, 20)
    );
    refused(&bad, "config::empty_range", 22).await;
}

#[tokio::test]
async fn an_unknown_key_is_refused_with_a_suggestion() {
    let bad = routes(80, 20).replace("weight = 20", "wieght = 20");
    let text = refused(&bad, "document::unknown_key", 15).await;
    assert!(text.contains("did you mean `weight`?"), "{text}");
}

#[tokio::test]
async fn a_rule_naming_no_variant_is_refused() {
    let bad = routes(80, 20).replace("variant = \"v2\"", "variant = \"v3\"");
    refused(&bad, "config::unknown_variant", 19).await;
}

#[tokio::test]
async fn malformed_toml_is_refused_at_its_line() {
    let bad = routes(80, 20).replace("kind = \"checkout\"", "kind = \"checkout");
    refused(&bad, "document::syntax", 3).await;
}

#[tokio::test]
async fn an_engine_without_routes_says_so() {
    let engine = Engine::builder().register::<Checkout>().build().unwrap();
    let error = engine
        .route(&customer(1), Order::default())
        .await
        .unwrap_err();
    assert!(matches!(error, EngineError::NoRouter), "{error}");
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Flaky {
    pub failures_left: u32,
}

/// Fails retryably until `failures_left` runs out; has no retry policy of its own.
#[action(readonly)]
async fn call_partner(ctx: &mut Context<Flaky>) -> Result<(), ActionError> {
    if ctx.data.failures_left > 0 {
        ctx.data.failures_left -= 1;
        return Err(ActionError::retryable("partner busy"));
    }
    Ok(())
}

flow! {
    pub flow Partner: Flaky {
        start Calling;
        Calling => call_partner => Done;
        success Done;
    }
}

const RETRY_OVERRIDE: &str = r#"
[[override]]
flow = "Partner"
action = "call_partner"
retry = { attempts = 3, backoff = "fixed(1ms)" }
"#;

#[tokio::test]
async fn a_retry_override_from_the_document_applies_to_a_compiled_flow() {
    let engine = Engine::builder().register::<Partner>().build().unwrap();
    let flaky = Flaky { failures_left: 2 };
    let before = engine.run::<Partner>(flaky.clone()).await.unwrap();
    assert_eq!(
        before.status,
        Status::Failed,
        "no retry policy: the first failure is final"
    );

    engine
        .load_document(RETRY_OVERRIDE, DocumentOrigin::named("ops.toml"))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let started = engine.run::<Partner>(flaky).await.unwrap();
    let after = engine
        .wait_ended::<Partner>(started.instance)
        .await
        .unwrap();
    assert_eq!(after.status, Status::Completed, "{:?}", after.error);
    let failures = after
        .journal
        .iter()
        .filter(|entry| entry.kind == JournalKind::Failure)
        .count();
    assert_eq!(failures, 2);
}

#[tokio::test]
async fn an_override_of_an_unknown_action_or_a_bad_backoff_is_refused() {
    let engine = Engine::builder().register::<Partner>().build().unwrap();
    let bad = RETRY_OVERRIDE
        .replace("call_partner", "call_partnr")
        .replace("fixed(1ms)", "fixed(1 parsec)");
    let Err(LoadError::Invalid(errors)) = engine
        .load_document(&bad, DocumentOrigin::named("ops.toml"))
        .await
    else {
        panic!("refused");
    };
    let codes: Vec<(&str, usize)> = errors
        .diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.code.as_str(), diagnostic.line))
        .collect();
    assert!(
        codes
            .iter()
            .any(|(code, line)| *line == 5 && code.starts_with("document::")),
        "{errors}"
    );
    // The action is checked once the document reads cleanly.
    let bad = RETRY_OVERRIDE.replace("call_partner", "call_partnr");
    let Err(LoadError::Invalid(errors)) = engine
        .load_document(&bad, DocumentOrigin::named("ops.toml"))
        .await
    else {
        panic!("refused");
    };
    let text = errors.to_string();
    assert!(
        text.contains("config::unknown_action") && text.contains("did you mean `call_partner`?"),
        "{text}"
    );
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Slow {
    pub waited: bool,
}

/// Takes 300 ms; has no timeout of its own.
#[action(readonly)]
async fn wait_for_partner(ctx: &mut Context<Slow>) -> Result<(), ActionError> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    ctx.data.waited = true;
    Ok(())
}

flow! {
    pub flow Patient: Slow {
        start Waiting;
        Waiting => wait_for_partner => Done;
        success Done;
    }
}

#[tokio::test]
async fn a_timeout_override_from_the_document_bounds_an_action() {
    let engine = Engine::builder().register::<Patient>().build().unwrap();
    let before = engine.run::<Patient>(Slow::default()).await.unwrap();
    assert_eq!(before.status, Status::Completed);

    let document =
        "[[override]]\nflow = \"Patient\"\naction = \"wait_for_partner\"\ntimeout = \"20ms\"\n";
    engine
        .load_document(document, DocumentOrigin::named("ops.toml"))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let after = engine.run::<Patient>(Slow::default()).await.unwrap();
    assert_eq!(after.status, Status::Failed);
    let error = after.error.expect("why it failed");
    assert!(
        error.message.contains("took longer than 20ms"),
        "{}",
        error.message
    );
    assert!(!after.data.waited);

    let bad = document.replace("20ms", "20 fortnights");
    let Err(LoadError::Invalid(errors)) = engine
        .load_document(&bad, DocumentOrigin::named("ops.toml"))
        .await
    else {
        panic!("a bad duration is refused");
    };
    assert_eq!(errors.diagnostics[0].code, "document::bad_duration");
    assert_eq!(errors.diagnostics[0].line, 4);
}
