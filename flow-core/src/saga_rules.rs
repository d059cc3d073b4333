//! Saga rules evaluated by rustc: `flow!` cannot see `#[action]` arguments, so it emits
//! `const` assertions that call these functions with the actions' associated consts.

use crate::spec::Effect;
use crate::table::StepPolicy;

/// For each state of a graph, whether some pivot state can run before it: `pivots[i]` says
/// whether state `i` runs a pivot action, `successors[i]` lists the states `i` can move to.
///
/// A `const fn` so that rustc evaluates it at compile time; linear in states plus edges.
pub const fn states_after_pivot<const N: usize>(
    pivots: &[bool; N],
    successors: &[&[u32]; N],
) -> [bool; N] {
    let mut after = [false; N];
    // Each state is pushed at most once, so N slots suffice.
    let mut pending = [0u32; N];
    let mut pending_len = 0;
    let mut state = 0;
    while state < N {
        if pivots[state] {
            pending_len = mark_after(successors[state], &mut after, &mut pending, pending_len);
        }
        state += 1;
    }
    while pending_len > 0 {
        pending_len -= 1;
        let current = pending[pending_len] as usize;
        pending_len = mark_after(successors[current], &mut after, &mut pending, pending_len);
    }
    after
}

/// Marks `targets` as after a pivot and queues those not marked before; returns the new
/// queue length.
const fn mark_after(
    targets: &[u32],
    after: &mut [bool],
    pending: &mut [u32],
    mut pending_len: usize,
) -> usize {
    let mut k = 0;
    while k < targets.len() {
        let target = targets[k] as usize;
        if !after[target] {
            after[target] = true;
            pending[pending_len] = target as u32;
            pending_len += 1;
        }
        k += 1;
    }
    pending_len
}

/// Which saga rule a step breaks, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SagaViolation {
    /// It breaks none.
    None,
    /// It has side effects but no compensation and is neither pivot nor readonly.
    MissingCompensation,
    /// It can be undone but runs after a pivot, where nothing is undone.
    CompensableAfterPivot,
    /// It runs after a pivot without a retry policy.
    NoRetryAfterPivot,
}

/// The saga rule that a step running `policy` breaks, `after_pivot` saying whether a pivot
/// can run before it. A `const fn` so that `flow!` asks rustc to evaluate it.
pub const fn saga_violation(policy: &StepPolicy, after_pivot: bool) -> SagaViolation {
    let compensable = policy.compensation.is_some();
    let declared_effect = !matches!(policy.effect, Effect::SideEffect);
    if after_pivot && compensable {
        SagaViolation::CompensableAfterPivot
    } else if after_pivot && policy.retry.is_none() {
        SagaViolation::NoRetryAfterPivot
    } else if !(compensable || declared_effect || after_pivot) {
        // After a pivot nothing is undone, so there a step needs no compensation.
        SagaViolation::MissingCompensation
    } else {
        SagaViolation::None
    }
}

#[cfg(test)]
mod tests {
    use super::states_after_pivot;

    #[test]
    fn states_reachable_from_a_pivot_are_after_it() {
        // 0 -> 1 (pivot) -> 2 -> 3, and 0 -> 4
        let after = states_after_pivot(
            &[false, true, false, false, false],
            &[&[1, 4], &[2], &[3], &[], &[]],
        );
        assert_eq!(after, [false, false, true, true, false]);
    }

    #[test]
    fn saga_violations_name_the_rule_a_step_breaks() {
        use super::{SagaViolation, saga_violation};
        use crate::{Effect, RetryPolicy, StepPolicy};
        let policy = |compensation, effect, retry| StepPolicy {
            action: "a",
            instructions: &[],
            compensation,
            effect,
            retry,
            compensation_retry: None,
            timeout: None,
            query: None,
        };
        let retry = Some(RetryPolicy::fixed(3, std::time::Duration::ZERO));
        let side_effect = policy(None, Effect::SideEffect, None);
        assert_eq!(
            saga_violation(&side_effect, false),
            SagaViolation::MissingCompensation
        );
        let undoable = policy(Some("undo"), Effect::SideEffect, retry);
        assert_eq!(saga_violation(&undoable, false), SagaViolation::None);
        assert_eq!(
            saga_violation(&undoable, true),
            SagaViolation::CompensableAfterPivot
        );
        let forward = policy(None, Effect::SideEffect, None);
        assert_eq!(
            saga_violation(&forward, true),
            SagaViolation::NoRetryAfterPivot
        );
        let retried_forward = policy(None, Effect::SideEffect, retry);
        assert_eq!(saga_violation(&retried_forward, true), SagaViolation::None);
    }

    #[test]
    fn a_pivot_in_a_cycle_is_after_itself() {
        let after = states_after_pivot(&[true, false], &[&[1], &[0]]);
        assert_eq!(after, [true, true]);
    }
}
