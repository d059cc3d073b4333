//! Script actions of a document, run by the engine in the sandbox: a bad script stops its
//! own instance with an error that names the script and the cause, and the instance takes
//! its failure path (undoing what it did), while an instance of a good flow started at the
//! same time completes. Scripts that reach for what the sandbox forbids are refused when
//! the document loads.

use std::time::Duration;

use flow_runtime::document::DocumentDiagnostic;
use flow_runtime::prelude::*;
use flow_runtime::{DocumentFlow, ErrorKind, JournalEntry, LoadError};
use serde_json::{Value, json};

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Order {
    pub quantity: u32,
    pub effects: Vec<String>,
}

#[derive(Instruction)]
pub enum Stock {
    Reserved,
    OutOfStock,
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

fn engine() -> Engine {
    Engine::builder()
        .data::<Order>("Order")
        .action::<Order, reserve_stock>()
        .build()
        .expect("engine builds")
}

async fn load(engine: &Engine, name: &str, text: &str) {
    engine
        .load_document(text, DocumentOrigin::named(name))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
}

/// Waits for `instance` to end, failing the test (instead of hanging it) if it does not.
async fn ended<D: flow_runtime::FlowData>(
    engine: &Engine,
    instance: flow_runtime::InstanceId,
) -> Outcome<DocumentFlow<D>> {
    tokio::time::timeout(
        Duration::from_secs(20),
        engine.wait_document_ended::<D>(instance),
    )
    .await
    .expect("the instance ends")
    .unwrap()
}

fn entries<'a>(
    journal: &'a [JournalEntry],
    kind: JournalKind,
    action: &'a str,
) -> impl Iterator<Item = &'a JournalEntry> + 'a {
    journal
        .iter()
        .filter(move |entry| entry.kind == kind && entry.action == action)
}

/// Two flows over JSON: `Steady` counts and completes; `Risky` books (a compensable
/// script) and then runs `settle`, whose code is `{SETTLE}`. `settle` may be retried, so
/// an error that is not retried is seen to be permanent.
const RACE: &str = r#"
[[flow]]
name = "Steady"
data = "json"
start = "Counting"
success = ["Counted"]

[[flow.state]]
name = "Counting"
action = "count"
next = "Counted"

[[flow]]
name = "Risky"
data = "json"
start = "Booking"
success = ["Settled"]

[[flow.state]]
name = "Booking"
action = "book"
next = "Settling"

[[flow.state]]
name = "Settling"
action = "settle"
next = "Settled"

[[action]]
name = "count"
effect = "readonly"
script = '''
data.count = data.count + 1;
"Done"
'''

[[action]]
name = "book"
script = '''
data.booked = true;
"Done"
'''
compensate = '''
data.released = true;
'''

[[action]]
name = "settle"
effect = "readonly"
retry = { attempts = 3, backoff = "fixed(1ms)" }
script = '''
{SETTLE}
'''
"#;

/// Starts a `Risky` instance whose `settle` runs `settle` and a `Steady` one at the same
/// time; checks that the steady one completed and that the risky one failed for good on
/// `settle` (not retried), with its booking undone. Returns the risky one's error message.
async fn race(settle: &str) -> String {
    let engine = engine();
    load(&engine, "race.toml", &RACE.replace("{SETTLE}", settle)).await;
    let risky = engine.document_flow::<Value>("Risky", None).unwrap();
    let steady = engine.document_flow::<Value>("Steady", None).unwrap();
    let bad = engine
        .start_document(&risky, json!({ "booked": false }))
        .await
        .unwrap();
    let good = engine
        .start_document(&steady, json!({ "count": 41 }))
        .await
        .unwrap();
    let bad = ended::<Value>(&engine, bad).await;
    let good = ended::<Value>(&engine, good).await;

    assert_eq!(good.status, Status::Completed, "{:?}", good.error);
    assert_eq!(good.state.name(), "Counted");
    assert_eq!(good.data["count"], 42);

    assert_eq!(bad.status, Status::Failed, "{:?}", bad.journal);
    assert_eq!(bad.state.name(), "Settling");
    let error = bad.error.clone().expect("the failure is explained");
    assert_eq!(error.action.as_deref(), Some("settle"));
    assert_eq!(error.kind, Some(ErrorKind::Permanent), "{}", error.message);
    assert!(
        error.message.contains("script `settle`"),
        "{}",
        error.message
    );
    let failures: Vec<_> = entries(&bad.journal, JournalKind::Failure, "settle").collect();
    assert_eq!(failures.len(), 1, "not retried: {:?}", bad.journal);
    assert!(
        failures[0].instruction.ends_with(&error.message),
        "the journal keeps the error: {}",
        failures[0].instruction
    );
    // The booking was undone by its compensation script.
    assert_eq!(
        entries(&bad.journal, JournalKind::Compensation, "book.compensate").count(),
        1,
        "{:?}",
        bad.journal
    );
    assert_eq!(bad.data, json!({ "booked": true, "released": true }));
    // What the store keeps says the same.
    let record = engine.record(bad.instance).await.unwrap();
    assert_eq!(record.status, Status::Failed);
    assert_eq!(record.error.map(|e| e.message), Some(error.message.clone()));
    error.message
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_loop_is_stopped_by_the_operations_limit() {
    let message = race("loop {}").await;
    assert!(
        message.contains("operations") && message.contains("100000"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_string_that_doubles_forever_is_stopped_by_the_size_limit() {
    let message = race(r#"let s = "x"; loop { s += s; }"#).await;
    assert!(
        message.contains("a string") && message.contains("larger than"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_recursion_is_stopped_by_the_call_depth_limit() {
    let message = race("fn f(n) { f(n + 1) }\nf(0)").await;
    assert!(
        message.contains("nested") && message.contains("deep"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instruction_the_action_does_not_declare_stops_the_instance() {
    let message = race(r#""Maybe""#).await;
    assert!(
        message.contains("`Maybe`") && message.contains("`Done`"),
        "{message}"
    );
}

/// Over a typed struct: a registered Rust action reserves, then a script counts.
const PACKING: &str = r#"
[[flow]]
name = "Packing"
data = "Order"
start = "Reserving"
success = ["Packed"]
failure = ["Rejected"]

[[flow.state]]
name = "Reserving"
action = "reserve_stock"
on = { Reserved = "Counting", OutOfStock = "Rejected" }

[[flow.state]]
name = "Counting"
action = "{COUNT}"
next = "Packed"

[[action]]
name = "add_one"
effect = "readonly"
script = '''
data.quantity = data.quantity + 1;
"Done"
'''

[[action]]
name = "make_many"
effect = "readonly"
script = '''
data.quantity = "many";
"Done"
'''
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_written_in_a_shape_the_struct_does_not_take_stops_the_instance() {
    let engine = engine();
    let good = PACKING.replace("{COUNT}", "add_one");
    let bad = PACKING
        .replace("{COUNT}", "make_many")
        .replace(r#"name = "Packing""#, r#"name = "Spoiled""#);
    load(&engine, "packing.toml", &good).await;
    load(&engine, "spoiled.toml", &bad).await;
    let packing = engine.document_flow::<Order>("Packing", None).unwrap();
    let spoiled = engine.document_flow::<Order>("Spoiled", None).unwrap();
    let order = Order {
        quantity: 1,
        effects: Vec::new(),
    };
    let bad = engine
        .start_document(&spoiled, order.clone())
        .await
        .unwrap();
    let good = engine.start_document(&packing, order).await.unwrap();
    let bad = ended::<Order>(&engine, bad).await;
    let good = ended::<Order>(&engine, good).await;

    assert_eq!(good.status, Status::Completed, "{:?}", good.error);
    assert_eq!(good.state.name(), "Packed");
    assert_eq!(good.data.quantity, 2);
    assert_eq!(good.data.effects, ["reserve"]);

    assert_eq!(bad.status, Status::Failed);
    let error = bad.error.expect("the failure is explained");
    assert_eq!(error.kind, Some(ErrorKind::Permanent));
    assert!(
        error.message.contains("script `make_many`") && error.message.contains("no longer decodes"),
        "{}",
        error.message
    );
    // The script's write was not kept, and the Rust action's reservation was undone.
    assert_eq!(bad.data.quantity, 1);
    assert_eq!(bad.data.effects, ["reserve", "release"]);
    assert_eq!(
        entries(&bad.journal, JournalKind::Compensation, "release_stock").count(),
        1,
        "{:?}",
        bad.journal
    );
}

/// A one-step flow over JSON whose script action `go` runs `{SCRIPT}` on line 18.
const ONE_STEP: &str = r#"[[flow]]
name = "Sandboxed"
data = "json"
start = "Going"
success = ["Gone"]

[[flow.state]]
name = "Going"
action = "go"
next = "Gone"

[[action]]
name = "go"
effect = "readonly"
# The code starts on line 17.
script = '''
let ready = true;
{SCRIPT}
"Done"
'''
"#;

/// Loads `ONE_STEP` running `script` on its line 18, which must be refused; returns the
/// diagnostic and checks that nothing was registered.
async fn refused_script(script: &str) -> DocumentDiagnostic {
    let engine = engine();
    let result = engine
        .load_document(
            &ONE_STEP.replace("{SCRIPT}", script),
            DocumentOrigin::named("sandboxed.toml"),
        )
        .await;
    let Err(LoadError::Invalid(errors)) = result else {
        panic!("the document loaded: {result:?}");
    };
    assert_eq!(errors.diagnostics.len(), 1, "{errors}");
    match engine.document_flow::<Value>("Sandboxed", None) {
        Err(EngineError::NoDocumentFlow { .. }) => {}
        other => panic!("expected NoDocumentFlow, got {other:?}"),
    }
    let error = errors.diagnostics[0].clone();
    assert_eq!(error.code, "script::syntax", "{error}");
    assert_eq!(error.origin, "sandboxed.toml");
    assert_eq!(error.line, 18, "{error}");
    assert!(error.message.contains("script `go`"), "{error}");
    error
}

#[tokio::test]
async fn an_import_is_refused_when_the_document_loads() {
    let error = refused_script(r#"import "x" as y;"#).await;
    assert_eq!(error.column, 1, "{error}");
    assert!(error.message.contains("import"), "{error}");
}

#[tokio::test]
async fn eval_is_refused_when_the_document_loads() {
    let error = refused_script(r#"let one = eval("1");"#).await;
    assert_eq!(error.column, 11, "{error}");
    assert!(error.message.contains("eval"), "{error}");
}

const SIZING: &str = r#"
[[flow]]
name = "Sizing"
data = "json"
start = "Measuring"
success = ["Large", "Modest"]

[[flow.state]]
name = "Measuring"
action = "size_order"
on = { Big = "Large", Small = "Modest" }

[[action]]
name = "size_order"
instructions = ["Big", "Small"]
effect = "readonly"
script = '''
data.total = data.price * 2; if data.total > 10 { "Big" } else { "Small" }
'''
"#;

#[tokio::test]
async fn a_script_reads_and_writes_data_and_routes_by_its_instruction() {
    let engine = engine();
    load(&engine, "sizing.toml", SIZING).await;
    let sizing = engine.document_flow::<Value>("Sizing", None).unwrap();
    for (price, state, total, instruction) in [(7, "Large", 14, "Big"), (3, "Modest", 6, "Small")] {
        let outcome = engine
            .run_document(&sizing, json!({ "price": price }))
            .await
            .unwrap();
        assert_eq!(outcome.status, Status::Completed, "{:?}", outcome.error);
        assert_eq!(outcome.state.name(), state);
        assert_eq!(outcome.data, json!({ "price": price, "total": total }));
        let steps: Vec<_> = entries(&outcome.journal, JournalKind::Step, "size_order").collect();
        assert_eq!(steps.len(), 1, "{:?}", outcome.journal);
        assert_eq!(steps[0].instruction, instruction);
        assert_eq!(
            (steps[0].from.as_ref(), steps[0].to.as_ref()),
            ("Measuring", state)
        );
    }
}

/// `call_carrier` throws `busy` until `{UNTIL}`, retried up to three times.
const CARRIER: &str = r#"
[[flow]]
name = "Carrier"
data = "json"
start = "Calling"
success = ["Called"]

[[flow.state]]
name = "Calling"
action = "call_carrier"
next = "Called"

[[action]]
name = "call_carrier"
effect = "readonly"
retry = { attempts = 3, backoff = "fixed(1ms)" }
script = '''
if {BUSY} { throw "busy"; }
data.answered_on = attempt;
"Done"
'''
"#;

async fn call_carrier(busy: &str) -> Outcome<DocumentFlow<Value>> {
    let engine = engine();
    load(&engine, "carrier.toml", &CARRIER.replace("{BUSY}", busy)).await;
    let carrier = engine.document_flow::<Value>("Carrier", None).unwrap();
    let instance = engine.start_document(&carrier, json!({})).await.unwrap();
    ended::<Value>(&engine, instance).await
}

#[tokio::test]
async fn a_thrown_error_is_retried_by_the_actions_policy() {
    let outcome = call_carrier("attempt < 3").await;
    assert_eq!(outcome.status, Status::Completed, "{:?}", outcome.error);
    assert_eq!(outcome.state.name(), "Called");
    assert_eq!(outcome.data, json!({ "answered_on": 3 }));
    let failures: Vec<_> =
        entries(&outcome.journal, JournalKind::Failure, "call_carrier").collect();
    assert_eq!(
        failures
            .iter()
            .map(|entry| entry.attempt)
            .collect::<Vec<_>>(),
        [1, 2],
        "{:?}",
        outcome.journal
    );
    for failure in failures {
        assert!(
            failure
                .instruction
                .contains("script `call_carrier` threw: busy"),
            "{}",
            failure.instruction
        );
    }
    let steps: Vec<_> = entries(&outcome.journal, JournalKind::Step, "call_carrier").collect();
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].attempt, 3);
}

#[tokio::test]
async fn a_script_that_keeps_throwing_fails_after_its_last_attempt() {
    let outcome = call_carrier("true").await;
    assert_eq!(outcome.status, Status::Failed);
    let error = outcome.error.expect("the failure is explained");
    assert_eq!(error.kind, Some(ErrorKind::Retryable));
    assert_eq!(error.attempt, 3);
    assert!(error.message.contains("threw: busy"), "{}", error.message);
    assert_eq!(
        entries(&outcome.journal, JournalKind::Failure, "call_carrier").count(),
        3,
        "{:?}",
        outcome.journal
    );
    assert_eq!(outcome.data, json!({}));
}

const TRIP: &str = r#"
[[flow]]
name = "Trip"
data = "json"
start = "Booking"
success = ["Booked"]

[[flow.state]]
name = "Booking"
action = "book_hotel"
next = "Paying"

[[flow.state]]
name = "Paying"
action = "check_card"
next = "Booked"

[[action]]
name = "book_hotel"
script = '''
data.hotel = "booked";
"Done"
'''
compensate = '''
data.hotel = "cancelled";
'''

[[action]]
name = "check_card"
effect = "readonly"
retry = { attempts = 3, backoff = "fixed(1ms)" }
script = '''
throw #{ permanent: true, message: "card expired" };
'''
"#;

#[tokio::test]
async fn a_script_compensation_undoes_its_step_when_a_later_step_fails() {
    let engine = engine();
    load(&engine, "trip.toml", TRIP).await;
    let trip = engine.document_flow::<Value>("Trip", None).unwrap();
    let instance = engine.start_document(&trip, json!({})).await.unwrap();
    let outcome = ended::<Value>(&engine, instance).await;
    assert_eq!(outcome.status, Status::Failed);
    assert_eq!(outcome.data, json!({ "hotel": "cancelled" }));
    let error = outcome.error.expect("the failure is explained");
    assert_eq!(error.kind, Some(ErrorKind::Permanent));
    assert!(error.message.contains("card expired"), "{}", error.message);
    // The story: booked, the card check failed once (permanent: not retried), the booking
    // was undone.
    let story: Vec<(JournalKind, &str)> = outcome
        .journal
        .iter()
        .map(|entry| (entry.kind, entry.action.as_ref()))
        .collect();
    assert_eq!(
        story,
        [
            (JournalKind::Step, "book_hotel"),
            (JournalKind::Failure, "check_card"),
            (JournalKind::Compensation, "book_hotel.compensate"),
        ]
    );
}
