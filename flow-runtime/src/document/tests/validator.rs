//! The validator's diagnostics, shown at their line in TOML and JSON documents.

use flow_core::{ActionCatalog, ActionSpec, Effect};

use super::{CHECKOUT, places, problems};

#[test]
fn an_unknown_state_in_on_is_shown_at_its_string_with_a_suggestion() {
    let text = CHECKOUT.replace(r#"Charged = "Paid""#, r#"Charged = "Piad""#);
    let found = problems(&text);
    assert_eq!(places(&found), [("flow::unknown_state", 17, 18)]);
    assert_eq!(found[0].message, "unknown state `Piad`");
    assert_eq!(found[0].help.as_deref(), Some("did you mean `Paid`?"));
}

#[test]
fn an_unreachable_state_is_shown_at_its_name() {
    let text = format!(
        "{CHECKOUT}\n[[flow.state]]\nname = \"Orphan\"\naction = \"ship\"\nnext = \"Shipped\"\n"
    );
    let found = problems(&text);
    assert_eq!(places(&found), [("flow::unreachable", 34, 8)]);
    assert!(found[0].message.contains("Orphan"), "{}", found[0].message);
}

#[test]
fn a_dead_end_is_shown_at_its_name() {
    let text = CHECKOUT.replace("next = \"Shipped\"\nretry", "retry");
    let found = problems(&text);
    let dead_end = found
        .iter()
        .find(|d| d.code == "flow::dead_end")
        .expect("reported");
    assert_eq!((dead_end.line, dead_end.column), (20, 8));
    assert!(dead_end.message.contains("Paid"), "{}", dead_end.message);
}

#[test]
fn validator_diagnostics_are_located_in_json_too() {
    let text = r#"{"flow": [
  {"name": "F", "data": "json", "start": "A", "success": ["Done"],
   "state": [{"name": "A", "action": "go", "on": {"Ok": "Dnoe"}}]},
  {"name": "G", "data": "json", "start": "A", "success": ["Done"],
   "state": [
     {"name": "A", "action": "go", "next": "Done"},
     {"name": "Lost", "action": "go", "next": "Done"},
     {"name": "Stuck", "wait": "E", "timeout": "never"}
  ]}
]}"#;
    let found = problems(text);
    assert_eq!(
        places(&found),
        [
            ("flow::unknown_state", 3, 57),
            ("flow::unreachable", 7, 15),
            ("flow::dead_end", 8, 15),
            ("flow::unreachable", 8, 15),
        ]
    );
    assert_eq!(found[0].help.as_deref(), Some("did you mean `Done`?"));
}

#[test]
fn with_the_catalog_filled_the_action_checks_are_located_too() {
    let mut checkout = super::parse(CHECKOUT).flows.remove(0);
    let action = |name: &str, instructions: &[&str]| ActionSpec {
        name: name.into(),
        instructions: instructions.iter().map(|i| (*i).to_owned()).collect(),
        compensation: None,
        effect: Effect::ReadOnly,
        retry: None,
        timeout: None,
    };
    checkout.spec.actions = ActionCatalog::Known(vec![
        action("reserve_stock", &["Reserved", "OutOfStock"]),
        action("charge_card", &["Charged", "Declined"]),
        action("ship", &["Done"]),
    ]);
    let found = checkout.validate();
    // `Suspicious` is mapped on line 17 but `charge_card` cannot return it.
    assert_eq!(places(&found), [("flow::instruction_unknown", 17, 49)]);
}
