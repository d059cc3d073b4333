//! Bad flow documents: each is refused when it loads, with a diagnostic at the line (and
//! column) of the mistake, in the words a user can act on, and nothing of it is registered:
//! no flow of a refused document can be started, and a flow loaded before from a good
//! document stays the one new instances get.

use flow_runtime::document::DocumentDiagnostic;
use flow_runtime::prelude::*;
use flow_runtime::{LoadError, LoadedFlow};

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

#[derive(Instruction)]
pub enum Payment {
    Charged,
    Declined,
    Review,
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
    ctx.data.effects.push("charge".into());
    Ok(Payment::Charged)
}

async fn refund(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    ctx.data.effects.push("refund".into());
    Ok(())
}

#[action(pivot, retry(attempts = 3, backoff = fixed(1ms)))]
async fn ship(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    ctx.data.effects.push("ship".into());
    Ok(())
}

/// A side effect that cannot be undone and is not declared a pivot: documents must not use
/// it before a pivot.
#[action]
async fn notify(ctx: &mut Context<Order>) -> Result<(), ActionError> {
    ctx.data.effects.push("notify".into());
    Ok(())
}

flow! {
    pub flow Checkout: Order {
        start Created;
        Created  => reserve_stock { Reserved => Reserved, OutOfStock => Rejected }
        Reserved => charge { Charged => Paid, Declined => Rejected, Review => Rejected }
        Paid     => ship => Shipped;
        success Shipped;
        failure Rejected;
    }
}

/// A good document, line for line (line 1 is `[[flow]]`): the bad ones below change one
/// thing of it, so the line numbers in the assertions can be read off here.
const CHECKOUT: &str = r#"[[flow]]
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
on = { Charged = "Paid", Declined = "Rejected", Review = "Rejected" }

[[flow.state]]
name = "Paid"
action = "ship"
next = "Shipped"
"#;

fn engine() -> Engine {
    Engine::builder()
        .register::<Checkout>()
        .action::<Order, reserve_stock>()
        .action::<Order, charge>()
        .action::<Order, ship>()
        .action::<Order, notify>()
        .build()
        .expect("engine builds")
}

/// `CHECKOUT` with `from` replaced by `to` (which must be there: a test whose mistake was
/// never made would pass for nothing).
fn changed(from: &str, to: &str) -> String {
    assert!(CHECKOUT.contains(from), "`{from}` is not in the document");
    CHECKOUT.replace(from, to)
}

async fn load(engine: &Engine, text: &str) -> Result<Vec<LoadedFlow>, LoadError> {
    engine
        .load_document(text, DocumentOrigin::named("checkout.toml"))
        .await
}

/// Loads `text`, which must be refused, and returns its diagnostics; checks that nothing of
/// it was registered, neither in a fresh engine nor in one that had loaded the good
/// document before (which must still be current, and still run).
async fn refused(text: &str) -> Vec<DocumentDiagnostic> {
    let fresh = engine();
    let diagnostics = match load(&fresh, text).await {
        Ok(loaded) => panic!("the document loaded: {loaded:?}"),
        Err(LoadError::Invalid(errors)) => errors.diagnostics,
        Err(other) => panic!("refused for another reason: {other}"),
    };
    assert!(!diagnostics.is_empty());
    for diagnostic in &diagnostics {
        assert_eq!(diagnostic.origin, "checkout.toml", "{diagnostic}");
    }
    assert_not_loaded(&fresh, "Checkout");

    let reloading = engine();
    let good = load(&reloading, CHECKOUT)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let Err(LoadError::Invalid(again)) = load(&reloading, text).await else {
        panic!("the document loaded over a good one");
    };
    assert_eq!(
        again.diagnostics, diagnostics,
        "the same document, other words"
    );
    let current = reloading
        .document_flow::<Order>("Checkout", None)
        .expect("the good flow is still loaded");
    assert_eq!(
        current.definition(),
        good[0].definition,
        "new instances still get the definition of the good document"
    );
    let outcome = reloading
        .run_document(&current, Order::default())
        .await
        .unwrap();
    assert_eq!(outcome.state.name(), "Shipped");
    assert_eq!(outcome.status, Status::Completed);
    assert_eq!(outcome.data.effects, ["reserve", "charge", "ship"]);
    diagnostics
}

fn assert_not_loaded(engine: &Engine, flow: &str) {
    match engine.document_flow::<Order>(flow, None) {
        Err(EngineError::NoDocumentFlow { flow: named, .. }) => assert_eq!(named, flow),
        Err(other) => panic!("expected NoDocumentFlow for `{flow}`, got {other}"),
        Ok(loaded) => panic!("`{flow}` was registered from a refused document: {loaded:?}"),
    }
}

/// The one diagnostic with `code`.
fn only<'a>(diagnostics: &'a [DocumentDiagnostic], code: &str) -> &'a DocumentDiagnostic {
    let found: Vec<_> = diagnostics.iter().filter(|d| d.code == code).collect();
    assert_eq!(found.len(), 1, "one `{code}` in {diagnostics:#?}");
    found[0]
}

fn help(diagnostic: &DocumentDiagnostic) -> &str {
    diagnostic.help.as_deref().unwrap_or("")
}

#[tokio::test]
async fn an_unknown_action_is_refused_at_its_name_with_a_suggestion() {
    let found = refused(&changed(
        r#"action = "reserve_stock""#,
        r#"action = "reserve_stok""#,
    ))
    .await;
    let error = only(&found, "flow::unknown_action");
    assert_eq!((error.line, error.column), (11, 10));
    assert!(error.message.contains("`reserve_stok`"), "{error}");
    assert_eq!(help(error), "did you mean `reserve_stock`?");
}

#[tokio::test]
async fn an_instruction_the_action_cannot_return_is_refused_at_its_key() {
    let found = refused(&changed(
        r#"OutOfStock = "Rejected" }"#,
        r#"OutOfStock = "Rejected", Backordered = "Rejected" }"#,
    ))
    .await;
    let error = only(&found, "flow::instruction_unknown");
    assert_eq!((error.line, error.column), (12, 56));
    assert!(
        error.message.contains("`reserve_stock`") && error.message.contains("`Backordered`"),
        "{error}"
    );
    assert!(
        help(error).contains("Reserved") && help(error).contains("OutOfStock"),
        "the help names what the action returns: {error}"
    );
}

#[tokio::test]
async fn an_instruction_the_step_does_not_map_is_refused_at_the_action() {
    let found = refused(&changed(r#", Review = "Rejected" }"#, " }")).await;
    let error = only(&found, "flow::instruction_unmapped");
    assert_eq!((error.line, error.column), (16, 10));
    assert!(
        error.message.contains("`Reserved`")
            && error.message.contains("`Review`")
            && error.message.contains("`charge`"),
        "{error}"
    );
}

#[tokio::test]
async fn an_unknown_state_is_refused_at_its_string_with_a_suggestion() {
    let found = refused(&changed(r#"Charged = "Paid""#, r#"Charged = "Piad""#)).await;
    let error = only(&found, "flow::unknown_state");
    assert_eq!((error.line, error.column), (17, 18));
    assert_eq!(error.message, "unknown state `Piad`");
    assert_eq!(help(error), "did you mean `Paid`?");
}

#[tokio::test]
async fn an_unreachable_state_is_refused_at_its_name() {
    // Lines 23 to 27.
    let text = format!(
        "{CHECKOUT}\n[[flow.state]]\nname = \"Orphan\"\naction = \"ship\"\nnext = \"Shipped\"\n"
    );
    let found = refused(&text).await;
    let error = only(&found, "flow::unreachable");
    assert_eq!((error.line, error.column), (25, 8));
    assert!(
        error.message.contains("`Orphan`") && error.message.contains("`Created`"),
        "{error}"
    );
}

#[tokio::test]
async fn a_dead_end_is_refused_at_the_state_name() {
    // `Paid` runs `ship` and then goes nowhere.
    let found = refused(&changed("next = \"Shipped\"\n", "")).await;
    let error = only(&found, "flow::dead_end");
    assert_eq!((error.line, error.column), (20, 8));
    assert!(
        error.message.contains("`Paid`") && error.message.contains("dead end"),
        "{error}"
    );
}

#[tokio::test]
async fn a_side_effect_without_compensation_before_the_end_is_refused() {
    let found = refused(&changed(r#"action = "ship""#, r#"action = "notify""#)).await;
    let error = only(&found, "saga::missing_compensation");
    assert_eq!((error.line, error.column), (21, 10));
    assert!(
        error.message.contains("`notify`") && error.message.contains("no compensation"),
        "{error}"
    );
    assert!(help(error).contains("compensate"), "{error}");
}

#[tokio::test]
async fn malformed_toml_is_refused_at_its_line() {
    let found = refused(&changed(r#"action = "charge""#, r#"action = "charge"#)).await;
    let error = only(&found, "document::syntax");
    // Where the closing quote should have been.
    assert_eq!((error.line, error.column), (16, 17), "{error}");
    assert!(error.message.contains("string"), "{error}");
}

/// A document whose script action's code starts on line 19; its line 2 (document line 20)
/// does not parse.
const BROKEN_SCRIPT: &str = r#"[[flow]]
name = "Scored"
data = "json"
start = "Scoring"
success = ["Low", "High"]

[[flow.state]]
name = "Scoring"
action = "score_risk"
on = { Low = "Low", High = "High" }

[[action]]
name = "score_risk"
instructions = ["Low", "High"]
effect = "readonly"
# The code starts on the line after the quotes: its first line is line 19 of the
# document.
script = '''
let amount = data.amount;
if amount > { "High" } else { "Low" }
'''
"#;

#[tokio::test]
async fn a_script_syntax_error_is_refused_at_its_line_in_the_document() {
    let engine = engine();
    let Err(LoadError::Invalid(errors)) = engine
        .load_document(BROKEN_SCRIPT, DocumentOrigin::named("scored.toml"))
        .await
    else {
        panic!("a script that does not parse was loaded");
    };
    let error = only(&errors.diagnostics, "script::syntax");
    assert_eq!(error.origin, "scored.toml");
    assert_eq!(error.line, 20, "{error}");
    assert!(error.message.contains("`score_risk`"), "{error}");
    let snippet = error.snippet.as_ref().expect("the script line is shown");
    assert_eq!(snippet.text, "if amount > { \"High\" } else { \"Low\" }");
    match engine.document_flow::<serde_json::Value>("Scored", None) {
        Err(EngineError::NoDocumentFlow { .. }) => {}
        other => panic!("expected NoDocumentFlow, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unknown_data_type_is_refused_with_a_suggestion() {
    let found = refused(&changed(r#"data = "Order""#, r#"data = "Ordr""#)).await;
    let error = only(&found, "document::unknown_data");
    assert!(
        error.message.contains("`Checkout`") && error.message.contains("`Ordr`"),
        "{error}"
    );
    assert_eq!(help(error), "did you mean `Order`?");
    // The caret belongs under the misspelt name, `"Ordr"`, not under the flow's name: a
    // "did you mean `Order`?" under `"Checkout"` sends the reader to the wrong line.
    assert_eq!(
        (error.line, error.column),
        (4, 8),
        "shown at the data type's name:\n{error}"
    );
}

#[tokio::test]
async fn a_document_flow_with_a_compiled_flows_name_and_version_is_refused() {
    let found = refused(&changed("version = 2", "version = 1")).await;
    let error = only(&found, "document::compiled_flow");
    assert!(
        error.message.contains("`Checkout`") && error.message.contains("v1"),
        "{error}"
    );
    assert!(help(error).contains("version"), "{error}");
    // The clash is of name and version; the flow's name is where to look.
    assert_eq!(
        (error.line, error.column),
        (2, 8),
        "shown at the flow's name: {error}"
    );
}

/// Two flows: `Checkout` with two mistakes (lines 11 and 17), `Returns` with one (line 34).
const THREE_PROBLEMS: &str = r#"[[flow]]
name = "Checkout"
version = 2
data = "Order"
start = "Created"
success = ["Shipped"]
failure = ["Rejected"]

[[flow.state]]
name = "Created"
action = "reserve_stok"
on = { Reserved = "Reserved", OutOfStock = "Rejected" }

[[flow.state]]
name = "Reserved"
action = "charge"
on = { Charged = "Piad", Declined = "Rejected", Review = "Rejected" }

[[flow.state]]
name = "Paid"
action = "ship"
next = "Shipped"

[[flow]]
name = "Returns"
data = "Order"
start = "Requested"
success = ["Refunded"]
failure = ["Refused"]

[[flow.state]]
name = "Requested"
action = "charge"
on = { Charged = "Refunded", Declined = "Refused", Review = "Refusd" }
"#;

/// A user who fixes the two unknown states must not be told of the unknown action only on
/// the next load: the document's own checks and the checks against the engine's actions
/// report together.
#[tokio::test]
async fn every_problem_of_every_flow_is_reported_at_once() {
    let engine = engine();
    let Err(LoadError::Invalid(errors)) = load(&engine, THREE_PROBLEMS).await else {
        panic!("a document with three mistakes was loaded");
    };
    let mut places: Vec<(&str, usize)> = errors
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.line))
        .collect();
    places.sort_by_key(|place| place.1);
    assert_eq!(
        places,
        [
            ("flow::unknown_action", 11),
            ("flow::unknown_state", 17),
            ("flow::unknown_state", 34),
        ],
        "{errors}"
    );
    assert!(
        errors
            .to_string()
            .ends_with("`checkout.toml` has 3 problems")
    );
    assert_not_loaded(&engine, "Checkout");
    assert_not_loaded(&engine, "Returns");
}

/// Two flows whose three mistakes are all found against the engine's registered actions:
/// an unknown action (line 11) and an unmapped instruction (line 16) in `Checkout`, an
/// instruction `charge` cannot return (line 34) in `Returns`.
const THREE_ACTION_PROBLEMS: &str = r#"[[flow]]
name = "Checkout"
version = 2
data = "Order"
start = "Created"
success = ["Shipped"]
failure = ["Rejected"]

[[flow.state]]
name = "Created"
action = "reserve_stok"
on = { Reserved = "Reserved", OutOfStock = "Rejected" }

[[flow.state]]
name = "Reserved"
action = "charge"
on = { Charged = "Paid", Declined = "Rejected" }

[[flow.state]]
name = "Paid"
action = "ship"
next = "Shipped"

[[flow]]
name = "Returns"
data = "Order"
start = "Requested"
success = ["Refunded"]
failure = ["Refused"]

[[flow.state]]
name = "Requested"
action = "charge"
on = { Charged = "Refunded", Declined = "Refused", Review = "Refused", Lost = "Refused" }
"#;

#[tokio::test]
async fn every_action_problem_of_every_flow_is_reported_at_once() {
    let engine = engine();
    let Err(LoadError::Invalid(errors)) = load(&engine, THREE_ACTION_PROBLEMS).await else {
        panic!("a document with three mistakes was loaded");
    };
    let mut places: Vec<(&str, usize)> = errors
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.line))
        .collect();
    places.sort_by_key(|place| place.1);
    assert_eq!(
        places,
        [
            ("flow::unknown_action", 11),
            ("flow::instruction_unmapped", 16),
            ("flow::instruction_unknown", 34),
        ],
        "{errors}"
    );
    assert!(
        errors
            .to_string()
            .ends_with("`checkout.toml` has 3 problems")
    );
    assert_not_loaded(&engine, "Checkout");
    assert_not_loaded(&engine, "Returns");
}

#[tokio::test]
async fn a_good_flow_beside_a_bad_one_is_not_registered_either() {
    let engine = engine();
    let returns = r#"
[[flow]]
name = "Returns"
data = "Order"
start = "Requested"
success = ["Refunded"]
failure = ["Refused"]

[[flow.state]]
name = "Requested"
action = "charge"
on = { Charged = "Refunded", Declined = "Refused", Review = "Refused" }
"#;
    let text = format!(
        "{}{returns}",
        changed(r#"Charged = "Paid""#, r#"Charged = "Piad""#)
    );
    let Err(LoadError::Invalid(errors)) = load(&engine, &text).await else {
        panic!("a document with a mistake was loaded");
    };
    assert_eq!(errors.diagnostics.len(), 1, "{errors}");
    assert_not_loaded(&engine, "Checkout");
    assert_not_loaded(&engine, "Returns");
    // The good flow alone loads: it was refused for its neighbour's mistake only.
    load(&engine, returns)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(engine.document_flow::<Order>("Returns", None).is_ok());
}

#[tokio::test]
async fn a_diagnostic_renders_like_rustc_with_location_source_line_and_caret() {
    let found = refused(&changed(r#"Charged = "Paid""#, r#"Charged = "Piad""#)).await;
    let rendered = only(&found, "flow::unknown_state").to_string();
    let expected = [
        "error[flow::unknown_state]: unknown state `Piad`",
        "  --> checkout.toml:17:18",
        "   |",
        r#"17 | on = { Charged = "Piad", Declined = "Rejected", Review = "Rejected" }"#,
        "   |                  ^^^^^^",
        "   = help: did you mean `Paid`?",
    ]
    .join("\n");
    assert_eq!(rendered, expected);
}
