//! A `flow!` flow exported with `flow_to_toml` and loaded back into an engine is the same
//! flow: the copy runs through success, compensation, a wait with its signal and retries
//! with the same states, statuses, effects and journal as the compiled original.

use flow_runtime::document::flow_to_toml;
use flow_runtime::prelude::*;
use flow_runtime::{JournalEntry, LoadError};

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Parcel {
    pub weight: u32,
    /// `ok`, `refused` or `review`.
    pub address: String,
    pub carrier_busy: u32,
    pub effects: Vec<String>,
}

#[derive(Instruction)]
pub enum Label {
    Printed,
    TooHeavy,
}

#[derive(Instruction)]
pub enum Booking {
    Booked,
    Refused,
    Review,
}

#[action(compensate = void_label)]
async fn print_label(ctx: &mut Context<Parcel>) -> Result<Label, ActionError> {
    if ctx.data.weight > 30 {
        return Ok(Label::TooHeavy);
    }
    ctx.data.effects.push("label".into());
    Ok(Label::Printed)
}

async fn void_label(ctx: &mut Context<Parcel>) -> Result<(), ActionError> {
    ctx.data.effects.push("void label".into());
    Ok(())
}

#[action(compensate = cancel_booking, retry(attempts = 4, backoff = fixed(1ms)))]
async fn book_carrier(ctx: &mut Context<Parcel>) -> Result<Booking, ActionError> {
    if ctx.data.carrier_busy > 0 {
        ctx.data.carrier_busy -= 1;
        return Err(ActionError::retryable("carrier busy"));
    }
    match ctx.data.address.as_str() {
        "refused" => Ok(Booking::Refused),
        "review" => Ok(Booking::Review),
        _ => {
            ctx.data.effects.push("booked".into());
            Ok(Booking::Booked)
        }
    }
}

async fn cancel_booking(ctx: &mut Context<Parcel>) -> Result<(), ActionError> {
    ctx.data.effects.push("cancel booking".into());
    Ok(())
}

#[action(pivot, retry(attempts = 2, backoff = fixed(1ms)))]
async fn hand_over(ctx: &mut Context<Parcel>) -> Result<(), ActionError> {
    ctx.data.effects.push("handed over".into());
    Ok(())
}

flow! {
    pub flow Dispatch: Parcel, version 1 {
        start Packed;
        Packed   => print_label  { Printed => Labelled, TooHeavy => Returned }
        Labelled => book_carrier { Booked => Booked, Refused => Returned, Review => Checking }
        wait Checking on AddressCheck, timeout 24h => Returned { Fine => Booked, Wrong => Returned }
        Booked   => hand_over => Shipped;
        success Shipped;
        failure Returned;
    }
}

#[derive(Instruction)]
pub enum AddressCheck {
    Fine,
    Wrong,
}

/// The compiled flow exported, as version 2 (version 1 is the compiled one).
fn exported_as_version_2() -> String {
    let text = flow_to_toml::<Dispatch>("Parcel").expect("a valid flow exports");
    assert!(text.contains("\nversion = 1\n"), "{text}");
    text.replacen("\nversion = 1\n", "\nversion = 2\n", 1)
}

fn engine() -> Engine {
    Engine::builder()
        .register::<Dispatch>()
        .action::<Parcel, print_label>()
        .action::<Parcel, book_carrier>()
        .action::<Parcel, hand_over>()
        .build()
        .expect("engine builds")
}

type Steps = Vec<(JournalKind, String, String, String, String, u32)>;

fn steps(journal: &[JournalEntry]) -> Steps {
    journal
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

/// Where a run ended and what happened on the way.
#[derive(Debug, PartialEq)]
struct Run {
    state: String,
    status: Status,
    effects: Vec<String>,
    journal: Steps,
}

/// Runs `parcel` on the compiled flow and on its exported copy, signalling `event` to a
/// waiting instance.
async fn run_both(parcel: Parcel, event: Option<&str>) -> (Run, Run) {
    let engine = engine();
    let loaded = engine
        .load_document(
            &exported_as_version_2(),
            DocumentOrigin::named("dispatch.toml"),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        (loaded[0].name.as_str(), loaded[0].version),
        ("Dispatch", 2)
    );
    let copy = engine.document_flow::<Parcel>("Dispatch", Some(2)).unwrap();

    let mut compiled = engine.run::<Dispatch>(parcel.clone()).await.unwrap();
    let mut document = engine.run_document(&copy, parcel).await.unwrap();
    if let Some(event) = event {
        assert_eq!(
            (compiled.status, document.status),
            (Status::Waiting, Status::Waiting)
        );
        compiled = engine
            .signal::<Dispatch>(compiled.instance, event)
            .await
            .unwrap();
        document = engine
            .signal_document::<Parcel>(document.instance, event)
            .await
            .unwrap();
    }
    if matches!(compiled.status, Status::Running | Status::Compensating) {
        compiled = engine
            .wait_ended::<Dispatch>(compiled.instance)
            .await
            .unwrap();
    }
    if matches!(document.status, Status::Running | Status::Compensating) {
        document = engine
            .wait_document_ended::<Parcel>(document.instance)
            .await
            .unwrap();
    }
    (
        Run {
            state: compiled.state.to_string(),
            status: compiled.status,
            effects: compiled.data.effects,
            journal: steps(&compiled.journal),
        },
        Run {
            state: document.state.name().to_owned(),
            status: document.status,
            effects: document.data.effects,
            journal: steps(&document.journal),
        },
    )
}

fn parcel(address: &str) -> Parcel {
    Parcel {
        weight: 5,
        address: address.to_owned(),
        ..Parcel::default()
    }
}

#[test]
fn the_export_is_the_flow_in_document_words() {
    let text = flow_to_toml::<Dispatch>("Parcel").unwrap();
    assert_eq!(
        text,
        r#"[[flow]]
name = "Dispatch"
version = 1
data = "Parcel"
start = "Packed"
success = ["Shipped"]
failure = ["Returned"]

[[flow.state]]
name = "Packed"
action = "print_label"
on = { Printed = "Labelled", TooHeavy = "Returned" }

[[flow.state]]
name = "Labelled"
action = "book_carrier"
on = { Booked = "Booked", Refused = "Returned", Review = "Checking" }

[[flow.state]]
name = "Checking"
wait = "AddressCheck"
timeout = "1d"
on_timeout = "Returned"
on = { Fine = "Booked", Wrong = "Returned" }

[[flow.state]]
name = "Booked"
action = "hand_over"
next = "Shipped"
"#
    );
}

#[tokio::test]
async fn the_export_unchanged_is_refused_beside_its_compiled_flow() {
    let engine = engine();
    let text = flow_to_toml::<Dispatch>("Parcel").unwrap();
    let Err(LoadError::Invalid(errors)) = engine
        .load_document(&text, DocumentOrigin::named("dispatch.toml"))
        .await
    else {
        panic!("a document flow with a compiled flow's name and version loads");
    };
    assert_eq!(errors.diagnostics.len(), 1, "{errors}");
    assert_eq!(errors.diagnostics[0].code, "document::compiled_flow");
}

#[tokio::test]
async fn an_exported_flow_runs_to_success_like_the_compiled_one() {
    let (compiled, document) = run_both(parcel("ok"), None).await;
    assert_eq!(
        (compiled.state.as_str(), compiled.status),
        ("Shipped", Status::Completed)
    );
    assert_eq!(compiled.effects, ["label", "booked", "handed over"]);
    assert_eq!(document, compiled);
}

#[tokio::test]
async fn an_exported_flow_compensates_like_the_compiled_one() {
    let (compiled, document) = run_both(parcel("refused"), None).await;
    assert_eq!(
        (compiled.state.as_str(), compiled.status),
        ("Returned", Status::Failed)
    );
    assert_eq!(compiled.effects, ["label", "void label"]);
    assert_eq!(document, compiled);
}

#[tokio::test]
async fn an_exported_flow_waits_and_resumes_like_the_compiled_one() {
    let (compiled, document) = run_both(parcel("review"), Some("Fine")).await;
    assert_eq!(
        (compiled.state.as_str(), compiled.status),
        ("Shipped", Status::Completed)
    );
    assert!(
        compiled
            .journal
            .iter()
            .any(|entry| entry.0 == JournalKind::Signal && entry.2 == "Fine"),
        "{:?}",
        compiled.journal
    );
    assert_eq!(document, compiled);
}

#[tokio::test]
async fn an_exported_flow_retries_like_the_compiled_one() {
    let busy = Parcel {
        carrier_busy: 2,
        ..parcel("ok")
    };
    let (compiled, document) = run_both(busy, None).await;
    assert_eq!(compiled.status, Status::Completed);
    let failures = compiled
        .journal
        .iter()
        .filter(|entry| entry.0 == JournalKind::Failure)
        .count();
    assert_eq!(failures, 2, "{:?}", compiled.journal);
    assert_eq!(document, compiled);
}
