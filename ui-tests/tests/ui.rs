//! Compile-fail and compile-pass cases of `flow!`, `#[action]` and `#[derive(Instruction)]`.
//!
//! One folder per kind of mistake; each case's `.stderr` is the exact error a user sees.
//! Regenerate snapshots with `TRYBUILD=overwrite cargo test -p flow-ui-tests`, then read them.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("pass/*.rs");
    for category in [
        "unknown_state",
        "duplicates",
        "start_state",
        "terminal_outgoing",
        "dead_end",
        "unreachable",
        "no_end_reachable",
        "instruction_unmapped",
        "instruction_unknown",
        "saga_missing_compensation",
        "saga_after_pivot",
        "action_signature",
        "attribute_values",
        "instruction_derive",
        "syntax",
        "multiple_errors",
        "fallback",
        "unknown_action",
        "wait_timeout",
    ] {
        cases.compile_fail(format!("{category}/*.rs"));
    }
}
