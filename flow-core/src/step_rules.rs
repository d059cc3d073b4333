//! The rules rustc checks for each step of a flow declared with `flow!`, one `const` item per
//! step: the step maps every instruction of its action, and it keeps the saga rules. These
//! `const fn`s say what is wrong, in the words the user needs; `check_step` and `check_wait`
//! panic with it, and since they are `#[track_caller]`, rustc reports the panic where the
//! item calls them: on the step's action token, with no note about flow-core's insides. Items pass the action's `POLICY` and the names the
//! step maps (small constants), not the flow's table: rustc copies what a const evaluation
//! reads, and 500 items reading a 500-state table cost seconds.

use crate::composed_message::ComposedMessage;
use crate::mapping_rules::unmapped_instruction;
use crate::saga_rules::{SagaViolation, saga_violation};
use crate::table::StepPolicy;

/// What is wrong with step `state` running `policy` (written `action` in the flow) that maps
/// the instructions `mapped` (`None`: whatever the action returns leads to one state),
/// `after_pivot` saying whether a pivot can run before it; `None` when nothing is.
pub const fn step_problem(
    policy: &StepPolicy,
    mapped: Option<&[&str]>,
    state: &str,
    action: &str,
    after_pivot: bool,
) -> Option<ComposedMessage> {
    if let Some(mapped) = mapped
        && let Some(variant) = unmapped_instruction(policy.instructions, mapped)
    {
        return Some(ComposedMessage::of(&[
            "instruction `",
            variant,
            "` of `",
            action,
            "` is not mapped from state `",
            state,
            "`\n= help: add `",
            variant,
            " => <State>` to `",
            state,
            " => ",
            action,
            " { .. }`, naming the state it leads to",
        ]));
    }
    match saga_violation(policy, after_pivot) {
        SagaViolation::None => None,
        SagaViolation::MissingCompensation => Some(ComposedMessage::of(&[
            "action `",
            action,
            "` has side effects but no compensation\n= help: add \
             `compensate = <undo action>` to its `#[action]`, or mark it `pivot` (the point of \
             no return) or `readonly` (changes nothing)",
        ])),
        SagaViolation::CompensableAfterPivot => Some(ComposedMessage::of(&[
            "step `",
            state,
            "` runs compensable action `",
            action,
            "` after a pivot, where the flow can no longer be undone\n= help: move the step \
             before the pivot, or make `",
            action,
            "` a forward step without `compensate`",
        ])),
        SagaViolation::NoRetryAfterPivot => Some(ComposedMessage::of(&[
            "step `",
            state,
            "` runs `",
            action,
            "` after a pivot without a retry policy\n= help: after the pivot the flow must \
             reach its end: add `retry(attempts = ..)` to `",
            action,
            "`",
        ])),
    }
}

/// Panics with [`step_problem`]'s message, if there is one: the whole body of a step's item.
#[track_caller]
pub const fn check_step(
    policy: &StepPolicy,
    mapped: Option<&[&str]>,
    state: &str,
    action: &str,
    after_pivot: bool,
) {
    if let Some(problem) = step_problem(policy, mapped, state, action, after_pivot) {
        panic!("{}", problem.as_str());
    }
}

/// Panics with [`wait_problem`]'s message, if there is one: the whole body of a wait's item.
#[track_caller]
pub const fn check_wait(variants: &[&'static str], mapped: &[&str], state: &str, event: &str) {
    if let Some(problem) = wait_problem(variants, mapped, state, event) {
        panic!("{}", problem.as_str());
    }
}

/// What is wrong with wait `state` on `event` (whose variants are `variants`) that maps the
/// events `mapped`: an event it leaves out.
pub const fn wait_problem(
    variants: &[&'static str],
    mapped: &[&str],
    state: &str,
    event: &str,
) -> Option<ComposedMessage> {
    match unmapped_instruction(variants, mapped) {
        Some(variant) => Some(ComposedMessage::of(&[
            "event `",
            variant,
            "` of `",
            event,
            "` is not mapped from wait `",
            state,
            "`\n= help: add `",
            variant,
            " => <State>` to `wait ",
            state,
            " on ",
            event,
            " { .. }`, naming the state it leads to",
        ])),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Effect;

    const fn policy(effect: Effect, compensation: Option<&'static str>) -> StepPolicy {
        StepPolicy {
            action: "verify_identity",
            instructions: &["Verified", "SuspectedFraud"],
            compensation,
            effect,
            retry: None,
            compensation_retry: None,
            timeout: None,
            query: None,
        }
    }

    #[test]
    fn an_unmapped_instruction_is_named_with_the_line_to_add() {
        const PROBLEM: Option<ComposedMessage> = step_problem(
            &policy(Effect::ReadOnly, None),
            Some(&["Verified"]),
            "Applied",
            "checks::verify_identity",
            false,
        );
        assert_eq!(
            PROBLEM
                .map(|problem| problem.as_str().to_owned())
                .as_deref(),
            Some(
                "instruction `SuspectedFraud` of `checks::verify_identity` is not mapped from \
                 state `Applied`\n= help: add `SuspectedFraud => <State>` to `Applied => \
                 checks::verify_identity { .. }`, naming the state it leads to"
            )
        );
    }

    #[test]
    fn a_saga_violation_is_named_once_everything_is_mapped() {
        let side_effect = policy(Effect::SideEffect, None);
        let problem = step_problem(&side_effect, None, "Applied", "verify_identity", false);
        assert!(
            problem
                .unwrap()
                .as_str()
                .starts_with("action `verify_identity` has side effects but no compensation")
        );
        let undoable = policy(Effect::SideEffect, Some("undo"));
        assert!(step_problem(&undoable, None, "Applied", "verify_identity", false).is_none());
    }

    #[test]
    fn a_wait_names_the_event_it_leaves_out() {
        let problem = wait_problem(&["Approved", "Denied"], &["Approved"], "Review", "Decision");
        assert!(
            problem
                .unwrap()
                .as_str()
                .starts_with("event `Denied` of `Decision` is not mapped from wait `Review`")
        );
        assert!(wait_problem(&["Approved"], &["Approved"], "Review", "Decision").is_none());
    }
}
