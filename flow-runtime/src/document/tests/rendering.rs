//! How a diagnostic reads on a terminal.

use super::{CHECKOUT, problems};
use crate::document::{DocumentOrigin, FlowDocument};

#[test]
fn a_diagnostic_renders_like_rustc_with_the_line_and_a_caret() {
    let text = CHECKOUT.replace(r#"next = "Shipped""#, r#"next = "Shiped""#);
    let found = problems(&text);
    assert_eq!(
        found[0].to_string(),
        "error[flow::unknown_state]: unknown state `Shiped`
  --> test.toml:22:8
   |
22 | next = \"Shiped\"
   |        ^^^^^^^^
   = help: did you mean `Shipped`?"
    );
}

#[test]
fn all_problems_are_shown_together_with_a_count() {
    let text = "[[flow]]\nname = \"F\"\ndata = \"json\"\nstrat = \"A\"\nversoin = 2\n";
    let errors = FlowDocument::parse(text, DocumentOrigin::named("f.toml")).expect_err("two");
    assert_eq!(
        errors.to_string(),
        "error[document::unknown_key]: unknown key `strat` in a flow
 --> f.toml:4:1
  |
4 | strat = \"A\"
  | ^^^^^
  = help: did you mean `start`?

error[document::unknown_key]: unknown key `versoin` in a flow
 --> f.toml:5:1
  |
5 | versoin = 2
  | ^^^^^^^
  = help: did you mean `version`?

error: `f.toml` has 2 problems"
    );
}
