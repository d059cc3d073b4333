//! The flow's shape: every state has a way out, is reached from the start, and can reach an
//! end.
//!
//! Each problem is reported once, at its cause:
//! - a state with no transition at all is a dead end, and the states leading into it are not
//!   reported again; nor are states whose path goes through an unknown state;
//! - a state no path from the start reaches is unreachable (and not checked for reaching an
//!   end: the start never gets there); unless a reachable state names an unknown state, which
//!   once fixed may be any of them, or the start is unknown;
//! - a reachable state from which no end can be reached leads into a *trap*: a group of states
//!   that only lead to one another. Each trap is reported once, on its first-declared state,
//!   with its states named in the message; states that merely lead into a trap are not reported,
//!   since a way out of the trap frees them too.

use crate::diagnostic::{DiagnosticCode, Element};
use crate::spec::{FlowSpec, StateKind};

use super::Report;
use super::index::{FlowIndex, search};
use super::wording::list;

/// Runs the graph checks.
///
/// `open` marks the states whose steps may lead elsewhere than the flow says (an action that
/// returns an instruction no edge maps); like an unknown target, they hide what a fix could
/// change.
pub(super) fn check(spec: &FlowSpec, index: &FlowIndex<'_>, open: &[bool], report: &mut Report) {
    check_dead_ends(spec, index, report);
    // Without a declared start nothing can be said about what instances reach: once the
    // start's name is fixed, any state may be where they begin.
    let Some(start) = index.start else {
        return;
    };
    let reachable = index.reachable_from([start]);
    // An unknown target (or an unmapped instruction) of a reachable state could lead to any
    // state once fixed: reporting a state unreachable would be a guess about the fix.
    let loose_end = |node: usize| index.leads_nowhere[node] || open[node];
    if !(0..index.node_count()).any(|node| reachable[node] && loose_end(node)) {
        check_unreachable(index, start, &reachable, report);
    }
    check_traps(index, &reachable, &loose_end, report);
}

/// A state that is no end needs a transition or a deadline.
fn check_dead_ends(spec: &FlowSpec, index: &FlowIndex<'_>, report: &mut Report) {
    for node in 0..index.node_count() {
        if index.is_end[node] || index.has_exit[node] {
            continue;
        }
        let declaration = index.first_declaration[node];
        let name = index.names[node];
        let ways_out = match &spec.states[declaration].kind {
            StateKind::Wait(wait) => format!(
                "map the variants of `{}` to next states or give the wait a timeout",
                wait.event
            ),
            StateKind::Step(step) => {
                format!("map the instructions of `{}` to next states", step.action)
            }
            // Ends are skipped above.
            StateKind::Success | StateKind::Failure => continue,
        };
        report.push(
            DiagnosticCode::DeadEnd,
            Element::State(declaration),
            format!("state `{name}` is a dead end: it has no transition and is not an end state"),
            format!("{ways_out}, or declare it an end with `success {name};` or `failure {name};`"),
        );
    }
}

/// Every state is reached from the start.
fn check_unreachable(index: &FlowIndex<'_>, start: usize, reachable: &[bool], report: &mut Report) {
    let start_name = index.names[start];
    for node in (0..index.node_count()).filter(|&node| !reachable[node]) {
        let name = index.names[node];
        report.push(
            DiagnosticCode::Unreachable,
            Element::State(index.first_declaration[node]),
            format!("state `{name}` is unreachable: no path from the start state `{start_name}` leads to it"),
            format!("add a transition to `{name}` from a reachable state, or remove `{name}`"),
        );
    }
}

/// Every reachable state can reach an end; traps are reported once each.
fn check_traps(
    index: &FlowIndex<'_>,
    reachable: &[bool],
    loose_end: &dyn Fn(usize) -> bool,
    report: &mut Report,
) {
    let nodes = index.node_count();
    let mut predecessors = vec![Vec::new(); nodes];
    for (node, successors) in index.successors.iter().enumerate() {
        for &next in successors {
            predecessors[next].push(node);
        }
    }
    // States whose problem, if any, is reported elsewhere: ends, dead ends, and states with a
    // loose end (a transition to an unknown state, an unmapped instruction). Whatever reaches
    // one of them is not trapped.
    let settled =
        (0..nodes).filter(|&node| index.is_end[node] || !index.has_exit[node] || loose_end(node));
    let finishes = search(settled, &predecessors);
    // Successors of a trapped state are trapped too (else it would finish through them), so the
    // trapped states form a closed part of the graph whose bottom components are the traps. A
    // bottom component of one state loops on itself: without a transition it would be a dead
    // end, hence settled.
    let trapped: Vec<bool> = (0..nodes)
        .map(|node| reachable[node] && !finishes[node])
        .collect();
    if !trapped.contains(&true) {
        return;
    }
    let component = strongly_connected_components(&index.successors, &trapped);
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut leaves_component: Vec<bool> = Vec::new();
    for node in (0..nodes).filter(|&node| trapped[node]) {
        // Every trapped node got a component.
        let Some(id) = component[node] else { continue };
        if members.len() <= id {
            members.resize_with(id + 1, Vec::new);
            leaves_component.resize(id + 1, false);
        }
        members[id].push(node);
        if index.successors[node]
            .iter()
            .any(|&next| component[next] != Some(id))
        {
            leaves_component[id] = true;
        }
    }
    // Node numbers follow first declarations, so each trap's first member is its
    // first-declared state; sorting traps by it keeps the report in source order.
    let mut traps: Vec<&Vec<usize>> = members
        .iter()
        .zip(&leaves_component)
        .filter(|(members, leaves)| !members.is_empty() && !**leaves)
        .map(|(members, _)| members)
        .collect();
    traps.sort_by_key(|members| members[0]);
    for trap in traps {
        let first = trap[0];
        let name = index.names[first];
        let (message, help) = if trap.len() == 1 {
            (
                format!(
                    "no end state can be reached from `{name}`: its transitions all lead back to it"
                ),
                format!(
                    "add a transition from `{name}` to a state that leads to an end, e.g. a \
                     `failure` state"
                ),
            )
        } else {
            let names = list(trap.iter().map(|&node| index.names[node]), " and ");
            (
                format!("no end state can be reached from {names}: they only lead to one another"),
                "add a transition from one of them to a state that leads to an end, e.g. a \
                 `failure` state"
                    .to_owned(),
            )
        };
        report.push(
            DiagnosticCode::NoEndReachable,
            Element::State(index.first_declaration[first]),
            message,
            help,
        );
    }
}

/// Tarjan's strongly connected components of the subgraph of nodes in `within`, without
/// recursion so that long chains of states cannot overflow the (small) stack of a proc macro.
/// Returns each node's component number; nodes outside `within` get `None`.
fn strongly_connected_components(successors: &[Vec<usize>], within: &[bool]) -> Vec<Option<usize>> {
    const UNVISITED: usize = usize::MAX;
    let nodes = successors.len();
    let mut order = vec![UNVISITED; nodes];
    let mut low_link = vec![0; nodes];
    let mut on_stack = vec![false; nodes];
    let mut stack: Vec<usize> = Vec::new();
    let mut component = vec![None; nodes];
    let mut next_order = 0;
    let mut components = 0;
    // Each frame: a node and how many of its successors were looked at.
    let mut frames: Vec<(usize, usize)> = Vec::new();
    for root in 0..nodes {
        if !within[root] || order[root] != UNVISITED {
            continue;
        }
        order[root] = next_order;
        low_link[root] = next_order;
        next_order += 1;
        stack.push(root);
        on_stack[root] = true;
        frames.push((root, 0));
        while let Some(&(node, seen)) = frames.last() {
            if let Some(&next) = successors[node].get(seen) {
                if let Some(frame) = frames.last_mut() {
                    frame.1 += 1;
                }
                if !within[next] {
                    continue;
                }
                if order[next] == UNVISITED {
                    order[next] = next_order;
                    low_link[next] = next_order;
                    next_order += 1;
                    stack.push(next);
                    on_stack[next] = true;
                    frames.push((next, 0));
                } else if on_stack[next] {
                    low_link[node] = low_link[node].min(order[next]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low_link[parent] = low_link[parent].min(low_link[node]);
            }
            if low_link[node] == order[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = Some(components);
                    if member == node {
                        break;
                    }
                }
                components += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::strongly_connected_components;
    use crate::diagnostic::{DiagnosticCode::*, Element};

    #[test]
    fn a_step_without_transitions_is_a_dead_end() {
        let spec = flow(
            &["Created"],
            vec![
                step("Created", "reserve_stock", &[("Reserved", "Reserved")]),
                step("Reserved", "charge_card", &[]),
                success("Done"),
            ],
        );
        let diagnostics = crate::validate(&spec);
        assert_eq!(
            codes(&diagnostics),
            [
                (DeadEnd, Element::State(1)),
                (Unreachable, Element::State(2))
            ]
        );
        assert_eq!(
            diagnostics[0].message,
            "state `Reserved` is a dead end: it has no transition and is not an end state"
        );
        assert!(diagnostics[0].help.contains("`charge_card`"));
        assert!(diagnostics[0].help.contains("`success Reserved;`"));
    }

    #[test]
    fn a_wait_with_a_deadline_only_is_no_dead_end_but_one_without_is() {
        let spec = flow(
            &["Review"],
            vec![
                wait_for("Review", "Decision", Some((hours(48), "Expired")), &[]),
                failure("Expired"),
            ],
        );
        assert!(crate::validate(&spec).is_empty());

        let spec = flow(&["Review"], vec![wait_for("Review", "Decision", None, &[])]);
        let diagnostics = crate::validate(&spec);
        assert_eq!(codes(&diagnostics), [(DeadEnd, Element::State(0))]);
        assert!(diagnostics[0].help.contains("give the wait a timeout"));
    }

    #[test]
    fn every_state_the_start_does_not_reach_is_unreachable() {
        let spec = flow(
            &["Created"],
            vec![
                step("Created", "ship", &[("Sent", "Done")]),
                step("Orphan", "ship", &[("Sent", "Lost")]),
                success("Done"),
                failure("Lost"),
            ],
        );
        let diagnostics = crate::validate(&spec);
        assert_eq!(
            codes(&diagnostics),
            [
                (Unreachable, Element::State(1)),
                (Unreachable, Element::State(3))
            ]
        );
        assert_eq!(
            diagnostics[0].message,
            "state `Orphan` is unreachable: no path from the start state `Created` leads to it"
        );
    }

    #[test]
    fn a_misspelt_target_does_not_also_make_its_meaning_unreachable() {
        let spec = flow(
            &["Created"],
            vec![
                step("Created", "ship", &[("Sent", "Shiped")]),
                success("Shipped"),
            ],
        );
        assert_eq!(
            codes(&crate::validate(&spec)),
            [(UnknownState, Element::Target { state: 0, edge: 0 })]
        );
    }

    #[test]
    fn a_closed_cycle_is_reported_once_naming_its_states() {
        let spec = flow(
            &["Created"],
            vec![
                step("Created", "check", &[("Fine", "Done"), ("Odd", "Entry")]),
                step("Entry", "poll", &[("Again", "Loop")]),
                step("Loop", "poll", &[("Again", "Back")]),
                step("Back", "poll", &[("Again", "Loop")]),
                success("Done"),
            ],
        );
        let diagnostics = crate::validate(&spec);
        // `Entry` only leads into the cycle: the cycle is the cause, reported on its first state.
        assert_eq!(codes(&diagnostics), [(NoEndReachable, Element::State(2))]);
        assert_eq!(
            diagnostics[0].message,
            "no end state can be reached from `Loop` and `Back`: they only lead to one another"
        );
        assert!(diagnostics[0].help.contains("`failure` state"));
    }

    #[test]
    fn a_state_looping_on_itself_is_a_trap_of_one() {
        let spec = flow(
            &["Polling"],
            vec![step("Polling", "poll", &[("Pending", "Polling")])],
        );
        let diagnostics = crate::validate(&spec);
        assert_eq!(codes(&diagnostics), [(NoEndReachable, Element::State(0))]);
        assert_eq!(
            diagnostics[0].message,
            "no end state can be reached from `Polling`: its transitions all lead back to it"
        );
    }

    #[test]
    fn a_cycle_with_a_way_out_is_fine() {
        let spec = flow(
            &["Polling"],
            vec![
                step(
                    "Polling",
                    "poll",
                    &[("Pending", "Polling"), ("Ready", "Done")],
                ),
                success("Done"),
            ],
        );
        assert!(crate::validate(&spec).is_empty());
    }

    #[test]
    fn states_leading_into_a_dead_end_or_an_unknown_state_are_not_trapped() {
        let spec = flow(
            &["Created"],
            vec![
                step("Created", "a", &[("One", "Stuck"), ("Two", "Elsewhere")]),
                step("Stuck", "b", &[]),
                step("Elsewhere", "c", &[("Go", "Nowhere")]),
            ],
        );
        assert_eq!(
            codes(&crate::validate(&spec)),
            [
                (DeadEnd, Element::State(1)),
                (UnknownState, Element::Target { state: 2, edge: 0 }),
            ]
        );
    }

    #[test]
    fn a_typo_in_a_target_hides_what_fixing_it_could_change() {
        // `Bee` was meant to be `B`; with the typo `B` looks unreachable and `C`, which only
        // `B` leads to, too; had `Bee` been `Loop`, the trap would be a different one.
        let spec = flow(
            &["A"],
            vec![
                step("A", "a", &[("Booked", "Bee"), ("Failed", "Failed")]),
                step("B", "b", &[("Next", "C")]),
                step("C", "c", &[("Next", "Done")]),
                step("Loop", "l", &[("Again", "Loop")]),
                success("Done"),
                failure("Failed"),
            ],
        );
        let diagnostics = crate::validate(&spec);
        assert_eq!(
            codes(&diagnostics),
            [(UnknownState, Element::Target { state: 0, edge: 0 })]
        );
        assert_eq!(diagnostics[0].help, "did you mean `B`?");
    }

    #[test]
    fn a_typo_in_an_unreachable_state_changes_nothing_reachable() {
        let spec = flow(
            &["A"],
            vec![
                step("A", "a", &[("Done", "Done")]),
                step("Orphan", "o", &[("Next", "Dne")]),
                success("Done"),
            ],
        );
        assert_eq!(
            codes(&crate::validate(&spec)),
            [
                (Unreachable, Element::State(1)),
                (UnknownState, Element::Target { state: 1, edge: 0 }),
            ]
        );
    }

    #[test]
    fn a_misspelt_start_leaves_reachability_unsaid() {
        let spec = flow(
            &["Creatd"],
            vec![
                step("Created", "a", &[("Done", "Done")]),
                step("Other", "o", &[("Again", "Other")]),
                success("Done"),
            ],
        );
        assert_eq!(
            codes(&crate::validate(&spec)),
            [(UnknownState, Element::Start(0))]
        );
    }

    #[test]
    fn a_typo_reached_from_a_trap_frees_it() {
        // `Ping` and `Pong` would be a trap but for `Pong`'s typo, which may name an end.
        let spec = flow(
            &["Ping"],
            vec![
                step("Ping", "p", &[("Again", "Pong")]),
                step("Pong", "p", &[("Again", "Ping"), ("Stop", "Dnoe")]),
                success("Done"),
            ],
        );
        assert_eq!(
            codes(&crate::validate(&spec)),
            [(UnknownState, Element::Target { state: 1, edge: 1 })]
        );
    }

    #[test]
    fn unreachable_cycles_are_only_unreachable() {
        let spec = flow(
            &["Created"],
            vec![
                step("Created", "ship", &[("Sent", "Done")]),
                step("Ping", "poll", &[("Again", "Pong")]),
                step("Pong", "poll", &[("Again", "Ping")]),
                success("Done"),
            ],
        );
        assert_eq!(
            codes(&crate::validate(&spec)),
            [
                (Unreachable, Element::State(1)),
                (Unreachable, Element::State(2))
            ]
        );
    }

    #[test]
    fn components_group_cycles_and_respect_the_mask() {
        let successors = vec![vec![1], vec![2], vec![1, 3], vec![], vec![4]];
        let component =
            strongly_connected_components(&successors, &[true, true, true, true, false]);
        assert_eq!(component[1], component[2]);
        assert_ne!(component[0], component[1]);
        assert_ne!(component[3], component[1]);
        assert_eq!(component[4], None);
    }
}
