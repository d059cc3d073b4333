//! Chaos and plugin switches from the configuration document: applied through the one
//! loader, changed on hot reload (a watched file saved by renaming), and refused whole,
//! each problem at its line with the closest name, while the configuration in force keeps
//! serving.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use flow_runtime::plugin::StepEvent;
use flow_runtime::prelude::*;
use flow_runtime::{JournalEntry, LoadError, Plugin};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Ticket {
    pub booked: bool,
}

#[derive(Instruction)]
pub enum Seat {
    Booked,
    SoldOut,
}

#[action(readonly)]
async fn book(ctx: &mut Context<Ticket>) -> Result<Seat, ActionError> {
    ctx.data.booked = true;
    Ok(Seat::Booked)
}

#[action(readonly)]
async fn notify(_ctx: &mut Context<Ticket>) -> Result<(), ActionError> {
    Ok(())
}

flow! {
    pub flow Booking: Ticket {
        start Open;
        Open => book { Booked => Booked, SoldOut => SoldOut }
        Booked => notify => Done;
        success Done;
        failure SoldOut;
    }
}

/// Counts the actions it sees.
#[derive(Clone, Default)]
struct Counting(Arc<AtomicU32>);

impl Plugin for Counting {
    fn before_action(&self, _event: &StepEvent<'_>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

fn engine(counting: &Counting) -> Engine {
    Engine::builder()
        .register::<Booking>()
        .named_plugin("counting", counting.clone())
        .build()
        .unwrap()
}

/// Every booking sold out, by weights, and the counting plugin switched off.
const SOLD_OUT: &str = r#"
[[chaos]]
flow = "Booking"
state = "Open"
weights = { Booked = 0, SoldOut = 100 }
seed = 11

[[plugin]]
name = "counting"
enabled = false
"#;

fn injected(entry: &JournalEntry) -> bool {
    entry.injected.is_some()
}

#[tokio::test]
async fn chaos_and_plugin_switches_apply_from_the_document_and_go_with_the_next_one() {
    let counting = Counting::default();
    let engine = engine(&counting);
    engine
        .load_document(SOLD_OUT, DocumentOrigin::named("ops.toml"))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(engine.chaos_is_on());
    assert_eq!(engine.plugin_enabled("counting"), Some(false));
    let sold_out = engine.run::<Booking>(Ticket::default()).await.unwrap();
    assert_eq!(sold_out.state, BookingState::SoldOut);
    assert!(!sold_out.data.booked, "chaos answered for `book`");
    assert!(sold_out.journal.iter().any(injected));
    assert_eq!(counting.0.load(Ordering::Relaxed), 0, "the plugin is off");

    // A configuration without chaos and switches: chaos off, every plugin on.
    engine
        .load_document(
            "[[override]]\nflow = \"Booking\"\naction = \"notify\"\ntimeout = \"1s\"\n",
            DocumentOrigin::named("ops.toml"),
        )
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(!engine.chaos_is_on());
    assert_eq!(engine.plugin_enabled("counting"), Some(true));
    let booked = engine.run::<Booking>(Ticket::default()).await.unwrap();
    assert_eq!(booked.status, Status::Completed);
    assert!(booked.data.booked);
    assert!(!booked.journal.iter().any(injected));
    assert_eq!(counting.0.load(Ordering::Relaxed), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_file_changes_chaos_on_reload_and_a_broken_change_keeps_it() {
    let counting = Counting::default();
    let engine = engine(&counting);
    let path = std::env::temp_dir().join(format!("chaos-{}.toml", flow_runtime::InstanceId::new()));
    std::fs::write(&path, "[[plugin]]\nname = \"counting\"\nenabled = true\n").unwrap();
    let watch = engine
        .watch_document_file(&path, Duration::from_millis(20))
        .await
        .unwrap();
    let before = engine.run::<Booking>(Ticket::default()).await.unwrap();
    assert_eq!(before.status, Status::Completed);

    // An editor saves by writing a new file and renaming it over the old one.
    let staged = path.with_extension("tmp");
    std::fs::write(&staged, SOLD_OUT).unwrap();
    std::fs::rename(&staged, &path).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !engine.chaos_is_on() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            watch.status()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let after = engine.run::<Booking>(Ticket::default()).await.unwrap();
    assert_eq!(after.state, BookingState::SoldOut);

    // A broken change is refused with its line; the chaos in force stays.
    std::fs::write(&path, SOLD_OUT.replace("SoldOut = 100", "SoldOut = 90")).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while watch.status().refused.is_none() {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let refused = watch.status().refused.unwrap();
    assert!(refused.contains(":5:"), "{refused}");
    assert!(
        refused.contains("the weights add up to 90, not 100"),
        "{refused}"
    );
    let still = engine.run::<Booking>(Ticket::default()).await.unwrap();
    assert_eq!(still.state, BookingState::SoldOut);
    let _ = std::fs::remove_file(&path);
}

/// Loads `bad` over a working configuration and checks it is refused at `line` with `code`
/// (and `help`, if given), and that the chaos and plugin switches in force still serve.
async fn refused(bad: &str, code: &str, line: usize, help: Option<&str>) {
    let counting = Counting::default();
    let engine = engine(&counting);
    engine
        .load_document(SOLD_OUT, DocumentOrigin::named("ops.toml"))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let error = engine
        .load_document(bad, DocumentOrigin::named("bad.toml"))
        .await
        .unwrap_err();
    let LoadError::Invalid(errors) = error else {
        panic!("refused as invalid: {error}");
    };
    let found = errors
        .diagnostics
        .iter()
        .find(|diagnostic| diagnostic.code == code && diagnostic.line == line);
    let Some(found) = found else {
        panic!("no {code} at line {line}:\n{errors}");
    };
    if let Some(help) = help {
        assert_eq!(found.help.as_deref(), Some(help), "{errors}");
    }
    let still = engine.run::<Booking>(Ticket::default()).await.unwrap();
    assert_eq!(still.state, BookingState::SoldOut, "the old chaos stays");
    assert_eq!(
        engine.plugin_enabled("counting"),
        Some(false),
        "the old switches stay"
    );
}

#[tokio::test]
async fn a_failure_rate_outside_0_to_1_is_refused_at_its_line() {
    let bad = "[[chaos]]\nflow = \"Booking\"\nstate = \"Booked\"\nfailure_rate = 1.5\n";
    refused(bad, "chaos::bad_rate", 4, None).await;
}

#[tokio::test]
async fn a_misspelt_state_is_refused_with_the_closest_one() {
    let bad = "[[chaos]]\nflow = \"Booking\"\nstate = \"Bookd\"\nlatency = \"5ms\"\n";
    refused(
        bad,
        "chaos::unknown_node",
        3,
        Some("did you mean `Booked`?"),
    )
    .await;
}

#[tokio::test]
async fn a_misspelt_instruction_is_refused_with_the_closest_one() {
    let bad = "[[chaos]]\nflow = \"Booking\"\nstate = \"Open\"\n\
               weights = { Bookd = 50, SoldOut = 50 }\n";
    refused(
        bad,
        "chaos::unknown_instruction",
        4,
        Some("did you mean `Booked`?"),
    )
    .await;
}

#[tokio::test]
async fn weights_that_do_not_add_up_to_100_are_refused() {
    let bad = "[[chaos]]\nflow = \"Booking\"\nstate = \"Open\"\n\n\
               weights = { Booked = 0.7, SoldOut = 0.3 }\n";
    refused(bad, "chaos::bad_weights", 5, None).await;
}

#[tokio::test]
async fn an_unknown_flow_is_refused_with_the_closest_one() {
    let bad = "[[chaos]]\nflow = \"Bookin\"\nstate = \"Open\"\nlatency = \"5ms\"\n";
    refused(
        bad,
        "chaos::unknown_flow",
        2,
        Some("did you mean `Booking`?"),
    )
    .await;
}

#[tokio::test]
async fn an_unknown_error_kind_and_crash_point_are_refused_with_the_closest_one() {
    let bad = "[[chaos]]\nflow = \"Booking\"\nstate = \"Open\"\nfailure_rate = 0.1\n\
               error = \"retryble\"\ncrash = \"after_actoin\"\n";
    refused(
        bad,
        "document::bad_value",
        5,
        Some("did you mean `retryable`?"),
    )
    .await;
    refused(
        bad,
        "document::bad_value",
        6,
        Some("did you mean `after_action`?"),
    )
    .await;
}

#[tokio::test]
async fn a_fault_on_an_end_state_is_refused() {
    let bad = "[[chaos]]\nflow = \"Booking\"\nstate = \"Done\"\nfailure_rate = 0.1\n";
    refused(bad, "chaos::no_action", 3, None).await;
}

#[tokio::test]
async fn a_bad_latency_is_refused_with_the_units() {
    let bad = "[[chaos]]\nflow = \"Booking\"\nstate = \"Open\"\nlatency = \"5 parsecs\"\n";
    refused(bad, "document::bad_duration", 4, None).await;
}

#[tokio::test]
async fn an_unknown_key_in_a_chaos_rule_is_refused_with_the_closest_one() {
    let bad = "[[chaos]]\nflow = \"Booking\"\nstate = \"Open\"\nfailure_rat = 0.1\n";
    refused(
        bad,
        "document::unknown_key",
        4,
        Some("did you mean `failure_rate`?"),
    )
    .await;
}

#[tokio::test]
async fn an_unknown_plugin_is_refused_with_the_closest_one() {
    let bad = "\n[[plugin]]\nname = \"countng\"\nenabled = false\n";
    refused(
        bad,
        "config::unknown_plugin",
        3,
        Some("did you mean `counting`?"),
    )
    .await;
}

#[tokio::test]
async fn a_plugin_switch_without_enabled_is_refused() {
    let bad = "[[plugin]]\nname = \"counting\"\n";
    refused(bad, "document::missing_key", 1, None).await;
}

#[tokio::test]
async fn a_rule_by_action_applies_at_every_state_running_it() {
    let engine = engine(&Counting::default());
    let document = "[[chaos]]\nflow = \"Booking\"\naction = \"book\"\n\
                    weights = { Booked = 0, SoldOut = 100 }\n";
    engine
        .load_document(document, DocumentOrigin::named("ops.toml"))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let sold_out = engine.run::<Booking>(Ticket::default()).await.unwrap();
    assert_eq!(sold_out.state, BookingState::SoldOut);

    let misspelt = document.replace("\"book\"", "\"bok\"");
    let errors = engine
        .load_document(&misspelt, DocumentOrigin::named("ops.toml"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        errors.contains("flow `Booking` has no action `bok`"),
        "{errors}"
    );
    assert!(errors.contains("did you mean `book`?"), "{errors}");
}

#[tokio::test]
async fn chaos_reads_from_json_documents_too() {
    let engine = engine(&Counting::default());
    let document = r#"{
  "chaos": [
    { "flow": "Booking", "state": "Open", "weights": { "Booked": 0.0, "SoldOut": 100.0 } }
  ],
  "plugin": [{ "name": "counting", "enabled": false }]
}"#;
    engine
        .load_document(document, DocumentOrigin::named("ops.json"))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(engine.plugin_enabled("counting"), Some(false));
    let sold_out = engine.run::<Booking>(Ticket::default()).await.unwrap();
    assert_eq!(sold_out.state, BookingState::SoldOut);

    let bad = document.replace("\"SoldOut\": 100.0", "\"SoldOut\": 1.0");
    let errors = engine
        .load_document(&bad, DocumentOrigin::named("ops.json"))
        .await
        .unwrap_err()
        .to_string();
    assert!(errors.contains("ops.json:3:"), "{errors}");
    assert!(
        errors.contains("the weights add up to 1, not 100"),
        "{errors}"
    );
}
