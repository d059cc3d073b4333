//! JSON documents: the same structure, the same specs, located problems.

use super::{CHECKOUT, parse, places, problems};
use crate::document::{DocumentOrigin, FlowDocument, Syntax};

const CHECKOUT_JSON: &str = r#"{
  "flow": [
    {
      "name": "Checkout",
      "version": 2,
      "data": "Order",
      "start": "Created",
      "success": ["Shipped"],
      "failure": ["Rejected", "Expired"],
      "state": [
        { "name": "Created", "action": "reserve_stock",
          "on": { "Reserved": "StockReserved", "OutOfStock": "Rejected" } },
        { "name": "StockReserved", "action": "charge_card",
          "on": { "Charged": "Paid", "Declined": "Rejected", "Suspicious": "Review" } },
        { "name": "Paid", "action": "ship", "next": "Shipped",
          "retry": { "attempts": 3, "backoff": "exponential(50ms, 2s)", "jitter": true },
          "timeout": "2s" },
        { "name": "Review", "wait": "ReviewDecision", "timeout": "48h",
          "on_timeout": "Expired", "on": { "Approved": "Paid", "Denied": "Rejected" } }
      ]
    }
  ],
  "action": [
    { "name": "score_risk", "instructions": ["Low", "High"], "effect": "readonly",
      "script": "if data.amount > 1000 { \"High\" } else { \"Low\" }" }
  ]
}"#;

#[test]
fn the_json_checkout_reads_into_the_same_spec_as_the_toml_one() {
    let json = parse(CHECKOUT_JSON);
    let toml = parse(CHECKOUT);
    assert_eq!(json.flows[0].spec, toml.flows[0].spec);
    assert_eq!(json.flows[0].overrides, toml.flows[0].overrides);
    assert_eq!(
        json.actions[0].run.code,
        "if data.amount > 1000 { \"High\" } else { \"Low\" }"
    );
    // Same flow, same canonical bytes, whichever syntax it came in (the action is not used).
    assert_eq!(json.canonical(0), toml.canonical(0));
}

#[test]
fn json_elements_are_located_at_their_tokens() {
    use flow_core::Element;
    let checkout = &parse(CHECKOUT_JSON).flows[0];
    let at = |element| {
        let location = checkout.locate(element);
        (location.line, location.column)
    };
    assert_eq!(at(Element::Flow), (4, 15));
    assert_eq!(at(Element::Start(0)), (7, 16));
    assert_eq!(at(Element::State(1)), (13, 19));
    assert_eq!(at(Element::Instruction { state: 1, edge: 1 }), (14, 38));
    assert_eq!(at(Element::Target { state: 1, edge: 1 }), (14, 50));
    assert_eq!(at(Element::DeadlineTarget(3)), (19, 25));
    assert_eq!(at(Element::State(5)), (9, 19));
}

#[test]
fn json_syntax_errors_have_their_line_and_column() {
    let found = problems("{\n  \"flow\": [\n    { \"name\": \"F\" \"data\": \"json\" }\n  ]\n}");
    assert_eq!(places(&found), [("document::syntax", 3, 19)]);
    assert_eq!(found[0].message, "expected `,` or `}`");

    let found = problems("{ \"flow\": [], \"flow\": [] }");
    assert_eq!(places(&found), [("document::syntax", 1, 15)]);
    assert_eq!(found[0].message, "duplicate key `flow`");

    let found = problems("{ \"flow\": [ { \"name\": \"F\\q\" } ] }");
    assert_eq!(found[0].code, "document::syntax");
    let found = problems("{ \"flow\": [ 01 ] }");
    assert_eq!(found[0].message, "`01` is not a JSON number");
    let found = problems("{ \"flow\": [ ");
    assert_eq!(found[0].message, "unexpected end of the document");
}

#[test]
fn json_structural_mistakes_are_located_like_toml_ones() {
    let found = problems(
        r#"{"flow": [{"name": "F", "data": "json", "start": "A", "success": ["B"],
  "state": [
    {"name": "A", "action": "go", "nxt": "B"},
    {"name": "W", "wait": "E", "timeout": "5x", "on_timeout": "B"}
  ]}]}"#,
    );
    assert_eq!(
        places(&found),
        [
            ("document::unknown_key", 3, 35),
            ("document::bad_duration", 4, 43),
        ]
    );
    assert_eq!(found[0].help.as_deref(), Some("did you mean `next`?"));
}

#[test]
fn the_syntax_comes_from_the_extension_or_the_first_character() {
    assert_eq!(Syntax::sniff("  \n{\"flow\": []}"), Syntax::Json);
    assert_eq!(Syntax::sniff("[[flow]]"), Syntax::Toml);
    assert_eq!(
        DocumentOrigin::file("a/flows.JSON").syntax,
        Some(Syntax::Json)
    );
    assert_eq!(
        DocumentOrigin::file("a/flows.toml").syntax,
        Some(Syntax::Toml)
    );
    assert_eq!(DocumentOrigin::file("a/flows.conf").syntax, None);
    // A `.json` file is read as JSON even when it does not look like it.
    let origin = DocumentOrigin {
        syntax: Some(Syntax::Json),
        ..DocumentOrigin::inline()
    };
    let errors = FlowDocument::parse("[[flow]]", origin).expect_err("not JSON");
    assert_eq!(errors.diagnostics[0].code, "document::syntax");
}
