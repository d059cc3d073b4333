//! Versions side by side: an instance stays on the exact definition it started with, to its
//! end, after another version is loaded and after its own version's document changed; on a
//! durable store, another engine resumes it on that definition, read back from the store by
//! its content hash; an instance whose definition is gone is set aside, never run on another.

use std::borrow::Cow;
use std::time::SystemTime;

use flow_runtime::prelude::*;
use flow_runtime::store::{AnyStore, InstanceRecord, MemoryStore, Store};
use flow_runtime::{EngineError, InstanceId};
use flow_tests::servers::fresh_sqlite_url;

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Order {
    pub effects: Vec<String>,
}

#[action(readonly)]
async fn note_old(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    ctx.data.effects.push("old".into());
    Ok(())
}

#[action(readonly)]
async fn note_new(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    ctx.data.effects.push("new".into());
    Ok(())
}

/// Version 1 as first published: the step after the wait notes `old`.
const V1: &str = r#"
[[flow]]
name = "Pinned"
version = 1
data = "Order"
start = "Created"
success = ["Done"]

[[flow.state]]
name = "Created"
action = "note_old"
next = "Waiting"

[[flow.state]]
name = "Waiting"
wait = "Decision"
timeout = "never"
on = { Go = "Finishing" }

[[flow.state]]
name = "Finishing"
action = "note_old"
next = "Done"
"#;

/// Version 1 changed in place (the step after the wait notes `new`), and version 2 beside it.
const V1_CHANGED_AND_V2: &str = r#"
[[flow]]
name = "Pinned"
version = 1
data = "Order"
start = "Created"
success = ["Done"]

[[flow.state]]
name = "Created"
action = "note_old"
next = "Waiting"

[[flow.state]]
name = "Waiting"
wait = "Decision"
timeout = "never"
on = { Go = "Finishing" }

[[flow.state]]
name = "Finishing"
action = "note_new"
next = "Done"

[[flow]]
name = "Pinned"
version = 2
data = "Order"
start = "Created"
success = ["Done"]

[[flow.state]]
name = "Created"
action = "note_new"
next = "Done"
"#;

fn engine_on<S: Store>(store: S) -> Engine<S> {
    EngineBuilder::with_store(store)
        .action::<Order, note_old>()
        .action::<Order, note_new>()
        .build()
        .expect("engine builds")
}

async fn load<S: Store>(engine: &Engine<S>, text: &str) {
    engine
        .load_document(text, DocumentOrigin::named("pinned.toml"))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
}

/// Starts an instance of the current v1 and lets it reach its wait.
async fn start_waiting<S: Store>(engine: &Engine<S>) -> InstanceId {
    let v1 = engine.document_flow::<Order>("Pinned", Some(1)).unwrap();
    let outcome = engine.run_document(&v1, Order::default()).await.unwrap();
    assert_eq!(outcome.status, Status::Waiting);
    outcome.instance
}

#[tokio::test]
async fn an_instance_finishes_on_the_definition_it_started_with_in_memory() {
    let engine = engine_on(MemoryStore::new());
    load(&engine, V1).await;
    let pinned = start_waiting(&engine).await;
    let first = engine.record(pinned).await.unwrap().definition.unwrap();

    load(&engine, V1_CHANGED_AND_V2).await;
    let v1_now = engine.document_flow::<Order>("Pinned", Some(1)).unwrap();
    assert_ne!(
        v1_now.definition(),
        first,
        "the changed v1 is another definition"
    );
    assert_eq!(
        engine
            .document_flow::<Order>("Pinned", None)
            .unwrap()
            .version(),
        2,
        "new instances get the highest version unless they name one"
    );
    let fresh = start_waiting(&engine).await;

    let pinned = engine.signal_document::<Order>(pinned, "Go").await.unwrap();
    assert_eq!(pinned.status, Status::Completed);
    assert_eq!(
        pinned.data.effects,
        ["old", "old"],
        "ran on v1 as first published"
    );
    let fresh = engine.signal_document::<Order>(fresh, "Go").await.unwrap();
    assert_eq!(fresh.data.effects, ["old", "new"], "ran on the changed v1");

    let v2 = engine.document_flow::<Order>("Pinned", Some(2)).unwrap();
    let on_v2 = engine.run_document(&v2, Order::default()).await.unwrap();
    assert_eq!(on_v2.data.effects, ["new"]);
}

#[tokio::test]
async fn another_engine_resumes_an_instance_on_its_definition_from_the_store() {
    let url = fresh_sqlite_url();
    let pinned = {
        let engine = engine_on(AnyStore::connect(&url).await.unwrap());
        load(&engine, V1).await;
        let pinned = start_waiting(&engine).await;
        engine.shutdown().await;
        pinned
    };
    // A new engine, as after a restart, that only ever saw the changed document.
    let engine = engine_on(AnyStore::connect(&url).await.unwrap());
    load(&engine, V1_CHANGED_AND_V2).await;
    let fresh = start_waiting(&engine).await;

    let pinned = engine.signal_document::<Order>(pinned, "Go").await.unwrap();
    assert_eq!(pinned.status, Status::Completed);
    assert_eq!(
        pinned.data.effects,
        ["old", "old"],
        "ran on v1 as first published"
    );
    let fresh = engine.signal_document::<Order>(fresh, "Go").await.unwrap();
    assert_eq!(fresh.data.effects, ["old", "new"]);
    engine.shutdown().await;
}

#[tokio::test]
async fn an_instance_whose_definition_is_missing_is_set_aside() {
    let url = fresh_sqlite_url();
    let store = AnyStore::connect(&url).await.unwrap();
    let engine = engine_on(AnyStore::connect(&url).await.unwrap());
    load(&engine, V1).await;
    let id = InstanceId::new();
    let unknown = "0".repeat(64);
    let record = InstanceRecord {
        id,
        flow: Cow::Borrowed("Pinned"),
        flow_version: 1,
        definition: Some(Cow::Owned(unknown.clone())),
        state: Cow::Borrowed("Created"),
        status: Status::Running,
        attempt: 1,
        step: 0,
        revision: 0,
        context: br#"{"data":{"effects":[]},"labels":[]}"#.to_vec(),
        journal: Vec::new(),
        due_at: Some(SystemTime::now()),
        compensation_boundary: None,
        paused_from: None,
        cancelled: false,
        queries: 0,
        request: None,
        error: None,
        lease: None,
    };
    store.insert(record, SystemTime::now(), None).await.unwrap();

    let outcome = engine.wait_document_ended::<Order>(id).await;
    let Err(EngineError::MissingDefinition { definition, .. }) = outcome else {
        panic!("a caller is told the definition is missing: {outcome:?}");
    };
    assert_eq!(definition, unknown);
    // The worker takes it up and parks it for a person, with why.
    let parked = loop {
        let record = engine.record(id).await.unwrap();
        if record.status == Status::Manual {
            break record;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let error = parked.error.expect("the reason is kept");
    assert!(
        error.message.contains("not in the store") && error.message.contains(&unknown),
        "{}",
        error.message
    );
    assert_eq!(parked.state, "Created", "it did not move");
    engine.shutdown().await;
}

#[tokio::test]
async fn an_operator_skips_a_document_instance_to_a_state_of_its_own_definition() {
    let engine = engine_on(MemoryStore::new());
    load(&engine, V1).await;
    let waiting = start_waiting(&engine).await;
    let refused = engine
        .operator("ops")
        .skip_document::<Order>(waiting, "Finishin")
        .await;
    let Err(EngineError::UnknownState { suggestion, .. }) = refused else {
        panic!("a misspelt state is refused: {refused:?}");
    };
    assert_eq!(suggestion, Some("Finishing"));
    engine
        .operator("ops")
        .skip_document::<Order>(waiting, "Finishing")
        .await
        .unwrap();
    let outcome = engine.wait_document_ended::<Order>(waiting).await.unwrap();
    assert_eq!(outcome.status, Status::Completed);
    assert_eq!(outcome.data.effects, ["old", "old"]);
}
