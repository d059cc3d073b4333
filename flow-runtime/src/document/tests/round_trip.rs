//! Documents read into the flow model, and flows written back and read again.

use std::time::Duration;

use flow_core::{
    ActionCatalog, Backoff, Deadline, Edge, Effect, Element, FlowSpec, RetryPolicy, StateKind,
    StateSpec, StepSpec, WaitSpec,
};

use super::{CHECKOUT, parse};
use crate::document::{FlowDefinition, Location, StepOverride, to_toml};

fn edge(instruction: Option<&str>, target: &str) -> Edge {
    Edge {
        instruction: instruction.map(str::to_owned),
        target: target.to_owned(),
    }
}

fn step(name: &str, action: &str, edges: Vec<Edge>) -> StateSpec {
    StateSpec {
        name: name.into(),
        kind: StateKind::Step(StepSpec {
            action: action.into(),
            edges,
        }),
    }
}

fn end(name: &str, kind: StateKind) -> StateSpec {
    StateSpec {
        name: name.into(),
        kind,
    }
}

/// Checkout as `flow!` lowers it.
fn checkout_spec() -> FlowSpec {
    FlowSpec {
        name: "Checkout".into(),
        version: 2,
        start: vec!["Created".into()],
        states: vec![
            step(
                "Created",
                "reserve_stock",
                vec![
                    edge(Some("Reserved"), "StockReserved"),
                    edge(Some("OutOfStock"), "Rejected"),
                ],
            ),
            step(
                "StockReserved",
                "charge_card",
                vec![
                    edge(Some("Charged"), "Paid"),
                    edge(Some("Declined"), "Rejected"),
                    edge(Some("Suspicious"), "Review"),
                ],
            ),
            step("Paid", "ship", vec![edge(None, "Shipped")]),
            StateSpec {
                name: "Review".into(),
                kind: StateKind::Wait(WaitSpec {
                    event: "ReviewDecision".into(),
                    deadline: Some(Deadline {
                        after: Duration::from_secs(48 * 3_600),
                        target: "Expired".into(),
                    }),
                    edges: vec![
                        edge(Some("Approved"), "Paid"),
                        edge(Some("Denied"), "Rejected"),
                    ],
                }),
            },
            end("Shipped", StateKind::Success),
            end("Rejected", StateKind::Failure),
            end("Expired", StateKind::Failure),
        ],
        actions: ActionCatalog::Unknown,
    }
}

#[test]
fn the_design_checkout_reads_into_the_spec_flow_macro_builds() {
    let document = parse(CHECKOUT);
    let checkout = &document.flows[0];
    assert_eq!(checkout.spec, checkout_spec());
    assert_eq!(checkout.data, "Order");
    assert_eq!(checkout.overrides.len(), checkout.spec.states.len());
    assert_eq!(
        checkout.overrides[2],
        StepOverride {
            retry: Some(RetryPolicy::exponential(
                3,
                Duration::from_millis(50),
                Duration::from_secs(2)
            )),
            timeout: Some(Duration::from_secs(2)),
        }
    );
    assert!(checkout.overrides[0].is_empty() && checkout.overrides[3].is_empty());
}

#[test]
fn every_element_is_located_at_its_token() {
    let checkout = &parse(CHECKOUT).flows[0];
    let at = |line, column| Location { line, column };
    assert_eq!(checkout.locate(Element::Flow), at(2, 8));
    assert_eq!(checkout.locate(Element::Start(0)), at(5, 9));
    assert_eq!(checkout.locate(Element::State(0)), at(10, 8));
    assert_eq!(checkout.locate(Element::Action(0)), at(11, 10));
    assert_eq!(
        checkout.locate(Element::Instruction { state: 1, edge: 2 }),
        at(17, 49)
    );
    assert_eq!(
        checkout.locate(Element::Target { state: 1, edge: 2 }),
        at(17, 62)
    );
    // `next` has no instruction: the key stands for it.
    assert_eq!(
        checkout.locate(Element::Instruction { state: 2, edge: 0 }),
        at(22, 1)
    );
    assert_eq!(
        checkout.locate(Element::Target { state: 2, edge: 0 }),
        at(22, 8)
    );
    assert_eq!(checkout.locate(Element::Action(3)), at(28, 8));
    assert_eq!(checkout.locate(Element::DeadlineTarget(3)), at(30, 14));
    // End states are their strings in `success` and `failure`.
    assert_eq!(checkout.locate(Element::State(4)), at(6, 12));
    assert_eq!(checkout.locate(Element::State(6)), at(7, 24));
}

#[test]
fn an_exported_flow_reads_back_to_the_same_spec_and_overrides() {
    let mut spec = checkout_spec();
    // A wait without deadline and an end declared among the steps.
    spec.states.insert(
        1,
        StateSpec {
            name: "Hold".into(),
            kind: StateKind::Wait(WaitSpec {
                event: "Release".into(),
                deadline: None,
                edges: vec![
                    edge(Some("Go"), "StockReserved"),
                    edge(Some("Stop"), "Cancelled"),
                ],
            }),
        },
    );
    spec.states.insert(2, end("Cancelled", StateKind::Failure));
    if let StateKind::Step(created) = &mut spec.states[0].kind {
        created.edges[1].target = "Hold".into();
    }
    let mut definition = FlowDefinition::new(spec.clone(), "Order");
    definition.overrides[0] = StepOverride {
        retry: Some(RetryPolicy {
            attempts: 5,
            backoff: Backoff::Fixed(Duration::from_millis(100)),
            jitter: false,
        }),
        timeout: Some(Duration::from_micros(1_500)),
    };
    let text = to_toml(std::slice::from_ref(&definition), &[]).expect("representable");
    let read = super::parse(&text);
    assert_eq!(read.flows[0].spec, spec, "{text}");
    assert_eq!(read.flows[0].overrides, definition.overrides);
    assert_eq!(read.flows[0].data, "Order");
}

#[test]
fn a_parsed_document_exports_to_itself_and_its_export_is_a_fixed_point() {
    let document = parse(CHECKOUT);
    let exported = document.to_toml();
    let again = parse(&exported);
    assert_eq!(again.flows[0].spec, document.flows[0].spec);
    assert_eq!(again.flows[0].overrides, document.flows[0].overrides);
    assert_eq!(again.to_toml(), exported);
}

#[test]
fn one_file_holds_several_flows_and_versions_sharing_script_actions() {
    let text = r#"
[[flow]]
name = "Score"
data = "json"
start = "New"
success = ["Done"]
failure = ["Refused"]

[[flow.state]]
name = "New"
action = "score_risk"
on = { Low = "Done", High = "Refused" }

[[flow]]
name = "Score"
version = 2
data = "json"
start = "New"
success = ["Done", "Manual"]

[[flow.state]]
name = "New"
action = "score_risk"
on = { Low = "Done", High = "Manual" }

[[flow]]
name = "Ping"
data = "json"
start = "Go"
success = ["Done"]

[[flow.state]]
name = "Go"
action = "ping"
next = "Done"

[[action]]
name = "score_risk"
instructions = ["Low", "High"]
effect = "readonly"
script = '''
if data.amount > 1000 { "High" } else { "Low" }
'''
retry = { attempts = 2, backoff = "fixed(10ms)" }
timeout = "1s"

[[action]]
name = "ping"
script = "true"
compensate = '''data.pinged = false;'''
"#;
    let document = parse(text);
    assert_eq!(document.flows.len(), 3);
    let first = document.flow("Score", 1).expect("version 1");
    let second = document.flow("Score", 2).expect("version 2");
    assert_eq!(first.spec.states.len(), 3);
    assert_eq!(second.spec.states[2].name, "Manual");
    assert_eq!(
        document.flow("Ping", 1).map(|f| f.data.as_str()),
        Some("json")
    );

    let score = document.action("score_risk").expect("declared");
    assert_eq!(score.effect, Effect::ReadOnly);
    assert_eq!(
        score.run.code,
        "if data.amount > 1000 { \"High\" } else { \"Low\" }\n"
    );
    assert_eq!(
        score.retry,
        Some(RetryPolicy::fixed(2, Duration::from_millis(10)))
    );
    assert_eq!(score.timeout, Some(Duration::from_secs(1)));
    let ping = document.action("ping").expect("declared");
    assert_eq!(ping.instructions, ["Done"]);
    assert_eq!(ping.effect, Effect::SideEffect);
    assert_eq!(
        ping.compensate.as_ref().map(|c| c.code.as_str()),
        Some("data.pinged = false;")
    );

    // The export keeps all of it.
    let again = parse(&document.to_toml());
    for (flow, read) in document.flows.iter().zip(&again.flows) {
        assert_eq!(flow.spec, read.spec);
    }
    assert_eq!(again.actions.len(), 2);
    for (action, read) in document.actions.iter().zip(&again.actions) {
        assert_eq!(
            (
                &action.name,
                &action.instructions,
                action.effect,
                action.retry,
                action.timeout
            ),
            (
                &read.name,
                &read.instructions,
                read.effect,
                read.retry,
                read.timeout
            )
        );
        assert_eq!(action.run.code, read.run.code);
        assert_eq!(
            action.compensate.as_ref().map(|c| &c.code),
            read.compensate.as_ref().map(|c| &c.code)
        );
    }
}

#[test]
fn the_canonical_form_holds_one_flow_with_its_script_actions_and_ignores_layout() {
    let text = r#"
[[action]]
name = "unused"
script = "1"

[[action]]
name = "ping"
script = "true"

[[flow]]
name = "Ping"
data = "json"
start = "Go"
success = ["Done"]

[[flow.state]]
name = "Go"
action = "ping"
next = "Done"
"#;
    // The same flow, written another way: other key order, other spacing, a comment.
    let other = r#"
# the ping flow
[[flow]]
start   = "Go"
data    = "json"
name    = "Ping"
version = 1
success = [ "Done" ]
[[flow.state]]
next = "Done"
action = "ping"
name = "Go"
[[action]]
script = "true"
name = "ping"
"#;
    let canonical = parse(text).canonical(0).expect("flow 0");
    assert_eq!(parse(other).canonical(0), Some(canonical.clone()));
    assert!(canonical.contains("name = \"ping\""), "{canonical}");
    assert!(!canonical.contains("unused"), "{canonical}");
    assert_eq!(parse(text).canonical(1), None);
    let changed = text.replace("script = \"true\"", "script = \"false\"");
    assert_ne!(parse(&changed).canonical(0), Some(canonical));
}

mod compiled {
    //! A `flow!` flow exported and read back.

    use crate::document::{FlowDefinition, to_toml};
    use crate::prelude::*;

    #[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
    pub struct Parcel {
        sent: bool,
    }

    #[derive(Instruction)]
    pub enum Sending {
        Sent,
        Lost,
    }

    #[action(readonly, retry(attempts = 2, backoff = fixed(5ms)))]
    async fn send(ctx: &mut Context<Parcel>) -> Result<Sending, ActionError> {
        ctx.data.sent = true;
        Ok(Sending::Sent)
    }

    #[action(readonly)]
    async fn log(_ctx: &mut Context<Parcel>) -> Result<(), ActionError> {
        Ok(())
    }

    flow! {
        pub flow Delivery: Parcel, version 3 {
            start Ready;
            failure Missing;
            Ready => send { Sent => Logged, Lost => Missing }
            wait Logged on Sending, timeout 7d => Missing { Sent => Closing, Lost => Missing }
            Closing => log => Delivered;
            success Delivered;
        }
    }

    #[test]
    fn a_flow_macro_flow_round_trips_through_a_document() {
        let mut spec = <Delivery as Flow>::spec();
        let definition = FlowDefinition::new(spec.clone(), "Parcel");
        let text = to_toml(&[definition], &[]).expect("a valid flow exports");
        // `Missing` is declared before the steps: it keeps its place as an `end` entry.
        assert!(text.contains("end = \"failure\""), "{text}");
        let document = super::parse(&text);
        spec.actions = Default::default();
        assert_eq!(document.flows[0].spec, spec, "{text}");
        assert_eq!(document.flows[0].data, "Parcel");
    }
}
