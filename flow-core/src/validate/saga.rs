//! Saga rules: before the pivot every side effect can be undone; after it nothing is undone,
//! so every step must be retried until the flow ends.
//!
//! A step is *after a pivot* when some pivot step's transitions lead to it. Such a step needs
//! no compensation (it would never run), so it is exempt from the missing-compensation rule;
//! otherwise a step after a pivot would be told both to add and to remove a compensation.
//! A step's action missing a compensation is reported once per action, on its first step.
//!
//! Only runs for flows with a known catalog; for `flow!` these rules are `const` assertions
//! over the actions' associated consts.

use std::collections::HashSet;

use crate::diagnostic::{DiagnosticCode, Element};
use crate::spec::{Effect, FlowSpec, StateKind};

use super::Report;
use super::index::{ActionIndex, FlowIndex, search};

/// Runs the saga checks.
pub(super) fn check(
    spec: &FlowSpec,
    index: &FlowIndex<'_>,
    actions: &ActionIndex<'_>,
    report: &mut Report,
) {
    let after_pivot = first_pivot_before(spec, index, actions);
    let mut told_to_compensate: HashSet<&str> = HashSet::new();
    for (declaration, state, action) in actions.steps(spec) {
        let node = index.node_of_declaration[declaration];
        let Some(pivot) = after_pivot[node] else {
            if action.effect == Effect::SideEffect
                && !action.is_compensable()
                && told_to_compensate.insert(&action.name)
            {
                report.push(
                    DiagnosticCode::SagaMissingCompensation,
                    Element::Action(declaration),
                    format!(
                        "action `{}` of state `{state}` has side effects but no compensation",
                        action.name
                    ),
                    format!(
                        "add `compensate = <undo action>` to `{}`, or mark the action `pivot` \
                         or `readonly`",
                        action.name
                    ),
                );
            }
            continue;
        };
        let pivot_state = &spec.states[pivot].name;
        let pivot_action = match &spec.states[pivot].kind {
            StateKind::Step(step) => step.action.as_str(),
            // `first_pivot_before` only records steps.
            _ => continue,
        };
        if let Some(compensation) = &action.compensation {
            report.push(
                DiagnosticCode::SagaCompensableAfterPivot,
                Element::Action(declaration),
                format!(
                    "action `{}` of state `{state}` has a compensation but runs after the pivot \
                     `{pivot_action}` of state `{pivot_state}`",
                    action.name
                ),
                format!(
                    "nothing is undone after a pivot, so `{compensation}` would never run: remove \
                     `compensate = {compensation}`, or move the step before the pivot"
                ),
            );
        }
        if action.retry.is_none() {
            report.push(
                DiagnosticCode::SagaAfterPivotWithoutRetry,
                Element::Action(declaration),
                format!(
                    "action `{}` of state `{state}` runs after the pivot `{pivot_action}` of state \
                     `{pivot_state}` but has no retry policy",
                    action.name
                ),
                format!(
                    "after a pivot the flow can only go forward, so a failed `{}` must be tried \
                     again: add a retry policy, e.g. `retry(attempts = 5, backoff = \
                     exponential(100ms, 10s))`",
                    action.name
                ),
            );
        }
    }
}

/// For each node, the first-declared pivot step (a declaration index) whose transitions lead
/// to it, if any. One search per pivot step: flows have few pivots.
fn first_pivot_before(
    spec: &FlowSpec,
    index: &FlowIndex<'_>,
    actions: &ActionIndex<'_>,
) -> Vec<Option<usize>> {
    let mut after_pivot = vec![None; index.node_count()];
    for (declaration, _, action) in actions.steps(spec) {
        if action.effect != Effect::Pivot {
            continue;
        }
        let next = spec.states[declaration]
            .kind
            .targets()
            .filter_map(|target| index.resolve(target).node());
        let reached = search(next, &index.successors);
        for (node, reached) in reached.into_iter().enumerate() {
            if reached {
                after_pivot[node].get_or_insert(declaration);
            }
        }
    }
    after_pivot
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use crate::diagnostic::{DiagnosticCode::*, Element};
    use crate::spec::{ActionCatalog, ActionSpec};

    /// `Created => reserve => Charging => charge => Shipping => ship => Shipped`.
    fn chain(reserve: ActionSpec, charge: ActionSpec, ship: ActionSpec) -> crate::FlowSpec {
        let mut spec = flow(
            &["Created"],
            vec![
                step_any("Created", &reserve.name, "Charging"),
                step_any("Charging", &charge.name, "Shipping"),
                step_any("Shipping", &ship.name, "Shipped"),
                success("Shipped"),
            ],
        );
        spec.actions = ActionCatalog::Known(vec![reserve, charge, ship]);
        spec
    }

    fn reserve() -> ActionSpec {
        action("reserve_stock", &["Reserved"]).compensate("release_stock")
    }

    #[test]
    fn a_side_effect_without_compensation_before_any_pivot_is_reported_once_per_action() {
        let mut spec = chain(
            action("reserve_stock", &["Reserved"]),
            action("charge_card", &["Charged"]).pivot(),
            action("ship", &["Sent"]).retried(),
        );
        // A second step running `reserve_stock` adds no second error.
        spec.states[0] = step_any("Created", "reserve_stock", "Again");
        spec.states
            .push(step_any("Again", "reserve_stock", "Charging"));
        let diagnostics = crate::validate(&spec);
        assert_eq!(
            codes(&diagnostics),
            [(SagaMissingCompensation, Element::Action(0))]
        );
        assert_eq!(
            diagnostics[0].message,
            "action `reserve_stock` of state `Created` has side effects but no compensation"
        );
        assert_eq!(
            diagnostics[0].help,
            "add `compensate = <undo action>` to `reserve_stock`, or mark the action `pivot` or \
             `readonly`"
        );
    }

    #[test]
    fn readonly_and_pivot_actions_need_no_compensation() {
        let spec = chain(
            action("check_stock", &["Reserved"]).readonly(),
            action("charge_card", &["Charged"]).pivot(),
            action("ship", &["Sent"]).retried(),
        );
        assert!(crate::validate(&spec).is_empty());
    }

    #[test]
    fn a_compensable_step_after_the_pivot_is_reported_naming_the_pivot() {
        let spec = chain(
            reserve(),
            action("charge_card", &["Charged"]).pivot(),
            action("ship", &["Sent"]).compensate("recall").retried(),
        );
        let diagnostics = crate::validate(&spec);
        assert_eq!(
            codes(&diagnostics),
            [(SagaCompensableAfterPivot, Element::Action(2))]
        );
        assert_eq!(
            diagnostics[0].message,
            "action `ship` of state `Shipping` has a compensation but runs after the pivot \
             `charge_card` of state `Charging`"
        );
        assert!(diagnostics[0].help.contains("`compensate = recall`"));
    }

    #[test]
    fn a_step_after_the_pivot_without_retry_is_reported_and_needs_no_compensation() {
        let spec = chain(
            reserve(),
            action("charge_card", &["Charged"]).pivot(),
            action("ship", &["Sent"]),
        );
        let diagnostics = crate::validate(&spec);
        assert_eq!(
            codes(&diagnostics),
            [(SagaAfterPivotWithoutRetry, Element::Action(2))]
        );
        assert_eq!(
            diagnostics[0].message,
            "action `ship` of state `Shipping` runs after the pivot `charge_card` of state \
             `Charging` but has no retry policy"
        );
        assert!(diagnostics[0].help.contains("retry(attempts = 5"));
    }

    #[test]
    fn steps_before_the_pivot_are_not_after_it() {
        let spec = chain(
            reserve(),
            action("charge_card", &["Charged"]).pivot(),
            action("ship", &["Sent"]).retried(),
        );
        // `reserve_stock` has a compensation and no retry: fine before the pivot.
        assert!(crate::validate(&spec).is_empty());
    }
}
