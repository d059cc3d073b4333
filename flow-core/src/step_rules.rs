//! The rules rustc checks for each step of a flow declared with `flow!`, one `const` item per
//! step: the step maps every instruction of its action, and it keeps the saga rules. These
//! `const fn`s read the step from the flow's static table and say what is wrong, in the words
//! the user needs; the item panics with that message on the step's action token.

use crate::composed_message::ComposedMessage;
use crate::mapping_rules::unmapped_instruction;
use crate::saga_rules::{SagaViolation, saga_violation};
use crate::table::{FlowTable, StateEntryKind};

/// What is wrong with the step at `entry` of `table` (its action written `action` in the
/// flow), `after_pivot` saying whether a pivot can run before it; `None` when nothing is.
pub const fn step_problem(
    table: &FlowTable,
    entry: usize,
    action: &str,
    after_pivot: bool,
) -> Option<ComposedMessage> {
    let state = table.states[entry].name;
    let StateEntryKind::Step {
        action: policy,
        edges,
    } = &table.states[entry].kind
    else {
        return None;
    };
    if let Some(variant) = unmapped_instruction(policy.instructions, edges) {
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

/// What is wrong with the wait at `entry` of `table`, whose event type `event` has the
/// variants `variants`: an event it does not map. `None` when it maps them all, or none (a
/// wait without arms is a dead end, or leaves by its deadline only).
pub const fn wait_problem(
    table: &FlowTable,
    entry: usize,
    event: &str,
    variants: &[&'static str],
) -> Option<ComposedMessage> {
    let state = table.states[entry].name;
    let StateEntryKind::Wait { edges, .. } = &table.states[entry].kind else {
        return None;
    };
    if edges.is_empty() {
        return None;
    }
    match unmapped_instruction(variants, edges) {
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
    use crate::table::{EdgeEntry, StateEntry, StepPolicy};

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

    const EDGES: &[EdgeEntry] = &[EdgeEntry {
        instruction: Some("Verified"),
        target: "Done",
    }];

    const fn table(states: &'static [StateEntry]) -> FlowTable {
        FlowTable {
            name: "Onboarding",
            version: 1,
            start: "Applied",
            states,
        }
    }

    #[test]
    fn an_unmapped_instruction_is_named_with_the_line_to_add() {
        const TABLE: FlowTable = table(&[StateEntry {
            name: "Applied",
            kind: StateEntryKind::Step {
                action: policy(Effect::ReadOnly, None),
                edges: EDGES,
            },
        }]);
        const PROBLEM: Option<ComposedMessage> =
            step_problem(&TABLE, 0, "checks::verify_identity", false);
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
        const TABLE: FlowTable = table(&[StateEntry {
            name: "Applied",
            kind: StateEntryKind::Step {
                action: policy(Effect::SideEffect, None),
                edges: &[EdgeEntry {
                    instruction: None,
                    target: "Done",
                }],
            },
        }]);
        let problem = step_problem(&TABLE, 0, "verify_identity", false).unwrap();
        assert!(
            problem
                .as_str()
                .starts_with("action `verify_identity` has side effects but no compensation")
        );
        const UNDOABLE: FlowTable = table(&[StateEntry {
            name: "Applied",
            kind: StateEntryKind::Step {
                action: policy(Effect::SideEffect, Some("undo")),
                edges: &[EdgeEntry {
                    instruction: None,
                    target: "Done",
                }],
            },
        }]);
        assert!(step_problem(&UNDOABLE, 0, "verify_identity", false).is_none());
    }

    #[test]
    fn a_wait_names_the_event_it_leaves_out() {
        const TABLE: FlowTable = table(&[StateEntry {
            name: "Review",
            kind: StateEntryKind::Wait {
                event: "Decision",
                deadline: None,
                edges: &[EdgeEntry {
                    instruction: Some("Approved"),
                    target: "Done",
                }],
            },
        }]);
        let problem = wait_problem(&TABLE, 0, "Decision", &["Approved", "Denied"]).unwrap();
        assert!(
            problem
                .as_str()
                .starts_with("event `Denied` of `Decision` is not mapped from wait `Review`")
        );
        assert!(wait_problem(&TABLE, 0, "Decision", &["Approved"]).is_none());
    }
}
