//! Which states exist and where instances begin: start declarations, states declared twice,
//! end states with transitions, and names used but never declared.

use crate::diagnostic::{DiagnosticCode, Element};
use crate::spec::{FlowSpec, StateKind};

use super::Report;
use super::index::{FlowIndex, Resolved};
use super::wording::{describe, end_keyword};

/// Runs the declaration checks.
pub(super) fn check(spec: &FlowSpec, index: &FlowIndex<'_>, report: &mut Report) {
    check_start(spec, index, report);
    check_declared_once(spec, index, report);
    check_targets_declared(spec, index, report);
}

/// Exactly one `start`, naming a declared state.
fn check_start(spec: &FlowSpec, index: &FlowIndex<'_>, report: &mut Report) {
    let Some(first) = spec.start.first() else {
        // Suggest the state that looks like a beginning: the first that nothing leads to.
        let mut targeted = vec![false; index.node_count()];
        for targets in &index.successors {
            for &target in targets {
                targeted[target] = true;
            }
        }
        let candidate = (0..index.node_count())
            .find(|&node| !targeted[node] && !index.is_end[node])
            .or((index.node_count() > 0).then_some(0))
            .map(|node| index.names[node]);
        let help = match candidate {
            Some(name) => format!("declare the state instances begin in, e.g. `start {name};`"),
            None => "declare the state instances begin in with `start <State>;`".to_owned(),
        };
        report.push(
            DiagnosticCode::MissingStart,
            Element::Flow,
            format!("flow `{}` has no start state", spec.name),
            help,
        );
        return;
    };
    for (position, start) in spec.start.iter().enumerate() {
        if position > 0 {
            report.push(
                DiagnosticCode::DoubleStart,
                Element::Start(position),
                format!("flow `{}` already starts at `{first}`", spec.name),
                if start == first {
                    format!("`start {start};` is already declared; remove this one")
                } else {
                    format!(
                        "a flow has exactly one start state: remove `start {start};` or \
                         `start {first};`"
                    )
                },
            );
        }
        let help = match index.resolve(start) {
            Resolved::Declared(_) => continue,
            Resolved::Misspelt(node) => did_you_mean(index.names[node]),
            Resolved::Unknown => format!(
                "declare `{start}` with a transition (`{start} => <action> => <State>;`), or \
                 start at a declared state"
            ),
        };
        report.push(
            DiagnosticCode::UnknownState,
            Element::Start(position),
            format!("unknown state `{start}`"),
            help,
        );
    }
}

/// Each name declared once, except that a name may not be both an end and a step or wait.
///
/// A name declared as an end and as a step or wait is one mistake (an end with transitions),
/// reported once on the step or wait; further declarations of the same sort are duplicates.
fn check_declared_once(spec: &FlowSpec, index: &FlowIndex<'_>, report: &mut Report) {
    let nodes = index.node_count();
    let mut first_end: Vec<Option<usize>> = vec![None; nodes];
    let mut first_active: Vec<Option<usize>> = vec![None; nodes];
    for (declaration, state) in spec.states.iter().enumerate() {
        let node = index.node_of_declaration[declaration];
        let first_of_sort = if state.kind.is_end() {
            &mut first_end[node]
        } else {
            &mut first_active[node]
        };
        match *first_of_sort {
            None => *first_of_sort = Some(declaration),
            Some(earlier) => report.push(
                DiagnosticCode::DuplicateState,
                Element::State(declaration),
                format!("state `{}` is declared twice", state.name),
                format!(
                    "`{}` is already declared as {}; remove this declaration or rename the state",
                    state.name,
                    describe(&spec.states[earlier].kind)
                ),
            ),
        }
    }
    for node in 0..nodes {
        if let (Some(end), Some(active)) = (first_end[node], first_active[node]) {
            let name = index.names[node];
            let keyword = end_keyword(&spec.states[end].kind);
            report.push(
                DiagnosticCode::TerminalOutgoing,
                Element::State(active),
                format!("end state `{name}` has outgoing transitions"),
                format!(
                    "an end state finishes the flow: remove these transitions, or remove \
                     `{keyword} {name};` to make `{name}` a normal state"
                ),
            );
        }
    }
}

/// Every transition and deadline leads to a declared state.
fn check_targets_declared(spec: &FlowSpec, index: &FlowIndex<'_>, report: &mut Report) {
    for (declaration, state) in spec.states.iter().enumerate() {
        for (edge, transition) in state.kind.edges().iter().enumerate() {
            report_unknown_target(
                index,
                &transition.target,
                Element::Target {
                    state: declaration,
                    edge,
                },
                report,
            );
        }
        if let StateKind::Wait(wait) = &state.kind
            && let Some(deadline) = &wait.deadline
        {
            report_unknown_target(
                index,
                &deadline.target,
                Element::DeadlineTarget(declaration),
                report,
            );
        }
    }
}

fn report_unknown_target(
    index: &FlowIndex<'_>,
    target: &str,
    element: Element,
    report: &mut Report,
) {
    let help = match index.resolve(target) {
        Resolved::Declared(_) => return,
        Resolved::Misspelt(node) => did_you_mean(index.names[node]),
        Resolved::Unknown => format!(
            "declare it with `success {target};`, `failure {target};` or give it a transition \
             (`{target} => <action> => <State>;`)"
        ),
    };
    report.push(
        DiagnosticCode::UnknownState,
        element,
        format!("unknown state `{target}`"),
        help,
    );
}

fn did_you_mean(name: &str) -> String {
    format!("did you mean `{name}`?")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use crate::diagnostic::{DiagnosticCode::*, Element};

    #[test]
    fn a_misspelt_target_is_unknown_with_a_suggestion() {
        let spec = flow(
            &["Created"],
            vec![
                step("Created", "ship", &[("Shipped", "Shiped")]),
                success("Shipped"),
            ],
        );
        let diagnostics = crate::validate(&spec);
        assert_eq!(
            codes(&diagnostics),
            [(UnknownState, Element::Target { state: 0, edge: 0 })]
        );
        assert_eq!(diagnostics[0].message, "unknown state `Shiped`");
        assert_eq!(diagnostics[0].help, "did you mean `Shipped`?");
    }

    #[test]
    fn an_unrelated_target_is_unknown_with_a_way_to_declare_it() {
        let spec = flow(
            &["Created"],
            vec![
                step(
                    "Created",
                    "ship",
                    &[("Shipped", "Shipped"), ("Lost", "Banana")],
                ),
                success("Shipped"),
            ],
        );
        let diagnostics = crate::validate(&spec);
        assert_eq!(
            codes(&diagnostics),
            [(UnknownState, Element::Target { state: 0, edge: 1 })]
        );
        assert_eq!(diagnostics[0].message, "unknown state `Banana`");
        assert!(diagnostics[0].help.contains("`success Banana;`"));
        assert!(diagnostics[0].help.contains("`failure Banana;`"));
    }

    #[test]
    fn unknown_deadline_and_start_states_are_reported_where_they_are_named() {
        let spec = flow(
            &["Creatd"],
            vec![
                wait_for(
                    "Created",
                    "Decision",
                    Some((hours(48), "Expird")),
                    &[("Go", "Done")],
                ),
                success("Done"),
                failure("Expired"),
            ],
        );
        let diagnostics = crate::validate(&spec);
        assert_eq!(
            codes(&diagnostics),
            [
                (UnknownState, Element::Start(0)),
                (UnknownState, Element::DeadlineTarget(0)),
            ]
        );
        assert_eq!(diagnostics[0].help, "did you mean `Created`?");
        assert_eq!(diagnostics[1].help, "did you mean `Expired`?");
    }

    #[test]
    fn a_flow_without_start_is_told_where_to_begin() {
        let spec = flow(
            &[],
            vec![
                success("Done"),
                step("Created", "ship", &[("Shipped", "Done")]),
            ],
        );
        let diagnostics = crate::validate(&spec);
        assert_eq!(codes(&diagnostics), [(MissingStart, Element::Flow)]);
        assert_eq!(diagnostics[0].message, "flow `Test` has no start state");
        assert_eq!(
            diagnostics[0].help,
            "declare the state instances begin in, e.g. `start Created;`"
        );
    }

    #[test]
    fn every_start_after_the_first_is_a_double_start() {
        let spec = flow(
            &["Created", "Done", "Created"],
            vec![
                step("Created", "ship", &[("Shipped", "Done")]),
                success("Done"),
            ],
        );
        let diagnostics = crate::validate(&spec);
        assert_eq!(
            codes(&diagnostics),
            [
                (DoubleStart, Element::Start(1)),
                (DoubleStart, Element::Start(2))
            ]
        );
        assert_eq!(
            diagnostics[0].message,
            "flow `Test` already starts at `Created`"
        );
        assert!(diagnostics[0].help.contains("remove `start Done;`"));
    }

    #[test]
    fn a_state_declared_twice_is_reported_on_the_later_declaration() {
        let spec = flow(
            &["Created"],
            vec![
                step("Created", "ship", &[("Shipped", "Done")]),
                success("Done"),
                step("Created", "pack", &[("Packed", "Done")]),
            ],
        );
        let diagnostics = crate::validate(&spec);
        assert_eq!(codes(&diagnostics), [(DuplicateState, Element::State(2))]);
        assert_eq!(diagnostics[0].message, "state `Created` is declared twice");
        assert!(
            diagnostics[0]
                .help
                .contains("already declared as a step running `ship`")
        );
    }

    #[test]
    fn success_and_failure_of_one_name_are_a_duplicate() {
        let spec = flow(
            &["Created"],
            vec![
                step("Created", "ship", &[("Shipped", "Done")]),
                success("Done"),
                failure("Done"),
            ],
        );
        let diagnostics = crate::validate(&spec);
        assert_eq!(codes(&diagnostics), [(DuplicateState, Element::State(2))]);
        assert!(diagnostics[0].help.contains("a success end"));
    }

    #[test]
    fn an_end_with_transitions_is_reported_on_the_transitions_not_as_a_duplicate() {
        let spec = flow(
            &["Created"],
            vec![
                step("Created", "ship", &[("Shipped", "Shipped")]),
                success("Shipped"),
                step("Shipped", "notify", &[("Sent", "Notified")]),
                success("Notified"),
            ],
        );
        let diagnostics = crate::validate(&spec);
        assert_eq!(codes(&diagnostics), [(TerminalOutgoing, Element::State(2))]);
        assert_eq!(
            diagnostics[0].message,
            "end state `Shipped` has outgoing transitions"
        );
        assert!(diagnostics[0].help.contains("remove `success Shipped;`"));
    }
}
