//! The engine reached by flow name with JSON, as the HTTP API reaches it: a document flow is
//! started from JSON data decoded as its registered data type, a signal with a payload from
//! a named sender reaches its next action, and data that does not decode is refused before
//! anything is stored.

use std::time::Duration;

use flow_runtime::prelude::*;
use flow_runtime::store::InstanceQuery;
use flow_runtime::{EngineConfig, StartOptions};
use flow_tests::http_flow::{Application, book};
use serde_json::json;

const REVIEW_DOCUMENT: &str = r#"
[[flow]]
name = "DocumentReview"
version = 3
data = "Application"
start = "InReview"
success = ["Booked"]
failure = ["Expired"]

[[flow.state]]
name = "InReview"
wait = "Decision"
timeout = "48h"
on_timeout = "Expired"
on = { Approve = "Approved", Correct = "Approved" }

[[flow.state]]
name = "Approved"
action = "book"
on = { Booked = "Booked" }
"#;

async fn engine() -> Engine {
    let engine = Engine::builder()
        .config(EngineConfig {
            poll_interval: Duration::from_millis(5),
            ..EngineConfig::default()
        })
        .data::<Application>("Application")
        .action::<Application, book>()
        .build()
        .expect("engine builds");
    engine
        .load_document(REVIEW_DOCUMENT, DocumentOrigin::named("review.toml"))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    engine
}

async fn until_waiting(engine: &Engine, id: flow_runtime::InstanceId) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while engine.record(id).await.unwrap().status != Status::Waiting {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the instance comes to wait");
}

#[tokio::test]
async fn a_document_flow_starts_from_json_and_its_signal_payload_reaches_the_next_action() {
    let engine = engine().await;
    let id = engine
        .start_json(
            "DocumentReview",
            None,
            json!({ "amount": 500 }),
            StartOptions::default(),
        )
        .await
        .unwrap();
    until_waiting(&engine, id).await;
    let rest = engine
        .signal_json(
            Some("rita"),
            id,
            "Correct",
            json!({ "amount": 450, "comment": "one car less" }),
        )
        .await
        .unwrap();
    assert_eq!(rest.state, "Booked");
    assert_eq!(rest.status, Status::Completed);
    assert_eq!(rest.flow_version, 3);
    let stored: serde_json::Value =
        serde_json::from_slice(&engine.record(id).await.unwrap().context).unwrap();
    assert_eq!(stored["data"]["booked"], 450);
    assert_eq!(stored["data"]["remark"], "one car less");
    assert_eq!(stored["data"]["decided_by"], "rita");

    let listed = engine.flows();
    let review = listed
        .iter()
        .find(|flow| flow.name == "DocumentReview")
        .expect("listed");
    assert_eq!(review.version, 3);
    assert!(
        review.definition.is_some(),
        "a document flow names its definition"
    );
}

#[tokio::test]
async fn data_that_does_not_decode_is_refused_and_nothing_is_stored() {
    let engine = engine().await;
    let error = engine
        .start_json(
            "DocumentReview",
            Some(3),
            json!({ "amount": "five hundred" }),
            StartOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, EngineError::InvalidData { .. }), "{error}");
    assert!(error.to_string().contains("Application"), "{error}");
    for status in [Status::Running, Status::Waiting] {
        assert!(
            engine
                .list(&InstanceQuery::new(10).status(status))
                .await
                .unwrap()
                .is_empty()
        );
    }
    let missing = engine
        .start_json(
            "DocumentReview",
            Some(4),
            json!({ "amount": 1 }),
            StartOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(missing.to_string(), "no flow `DocumentReview` v4");
}

#[tokio::test]
async fn an_operator_skip_by_state_name_works_on_a_document_flow() {
    let engine = engine().await;
    let id = engine
        .start_json(
            "DocumentReview",
            None,
            json!({ "amount": 80 }),
            StartOptions::default(),
        )
        .await
        .unwrap();
    until_waiting(&engine, id).await;
    let error = engine.skip_json("ops", id, "Aproved").await.unwrap_err();
    assert!(
        error.to_string().contains("did you mean `Approved`"),
        "{error}"
    );
    engine.skip_json("ops", id, "Approved").await.unwrap();
    let outcome = tokio::time::timeout(
        Duration::from_secs(10),
        engine.wait_document_ended::<Application>(id),
    )
    .await
    .expect("it ends")
    .unwrap();
    assert_eq!(outcome.data.booked, Some(80));
    assert!(
        outcome
            .journal
            .iter()
            .any(|entry| entry.kind == JournalKind::Operator && entry.instruction == "ops")
    );
}
