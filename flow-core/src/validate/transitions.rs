//! One way out per instruction: no instruction mapped twice from a state, at most one
//! catch-all, and no catch-all beside transitions per instruction.

use std::collections::HashMap;

use crate::diagnostic::{DiagnosticCode, Element};
use crate::spec::FlowSpec;

use super::Report;
use super::wording::edge_noun;

/// Runs the transition checks.
pub(super) fn check(spec: &FlowSpec, report: &mut Report) {
    let mut mapped: HashMap<&str, usize> = HashMap::new();
    for (declaration, state) in spec.states.iter().enumerate() {
        let edges = state.kind.edges();
        let noun = edge_noun(&state.kind);
        let name = &state.name;
        mapped.clear();
        let mut catch_all: Option<usize> = None;
        // A mix of catch-all and named transitions is one mistake, however many edges show it.
        let mut mix_reported = false;
        for (edge, transition) in edges.iter().enumerate() {
            match &transition.instruction {
                Some(instruction) => {
                    if let Some(&earlier) = mapped.get(instruction.as_str()) {
                        report.push(
                            DiagnosticCode::DuplicateTransition,
                            Element::Instruction {
                                state: declaration,
                                edge,
                            },
                            format!("{noun} `{instruction}` is mapped twice from state `{name}`"),
                            format!(
                                "`{instruction}` already leads to `{}`; remove one of the two \
                                 transitions",
                                edges[earlier].target
                            ),
                        );
                    } else {
                        mapped.insert(instruction, edge);
                    }
                    if let Some(catch_all) = catch_all
                        && !mix_reported
                    {
                        mix_reported = true;
                        report_mix(
                            name,
                            noun,
                            &edges[catch_all].target,
                            Element::Instruction {
                                state: declaration,
                                edge,
                            },
                            report,
                        );
                    }
                }
                None => {
                    let element = Element::Target {
                        state: declaration,
                        edge,
                    };
                    if let Some(earlier) = catch_all {
                        report.push(
                            DiagnosticCode::DuplicateTransition,
                            element,
                            format!("state `{name}` has two catch-all transitions"),
                            format!(
                                "`{name}` already goes to `{}` whatever the {noun}; remove one \
                                 of the two",
                                edges[earlier].target
                            ),
                        );
                        continue;
                    }
                    catch_all = Some(edge);
                    if !mapped.is_empty() && !mix_reported {
                        mix_reported = true;
                        report_mix(name, noun, &transition.target, element, report);
                    }
                }
            }
        }
    }
}

fn report_mix(
    state: &str,
    noun: &str,
    catch_all_target: &str,
    element: Element,
    report: &mut Report,
) {
    report.push(
        DiagnosticCode::DuplicateTransition,
        element,
        format!("state `{state}` has both a catch-all transition and transitions per {noun}"),
        format!(
            "the catch-all to `{catch_all_target}` already takes every {noun}; keep either it or \
             the transitions per {noun}"
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use crate::diagnostic::{DiagnosticCode::*, Element};

    #[test]
    fn an_instruction_mapped_twice_is_reported_on_the_later_edge() {
        let spec = flow(
            &["Created"],
            vec![
                step(
                    "Created",
                    "reserve_stock",
                    &[
                        ("Reserved", "Done"),
                        ("OutOfStock", "Rejected"),
                        ("Reserved", "Rejected"),
                    ],
                ),
                success("Done"),
                failure("Rejected"),
            ],
        );
        let diagnostics = crate::validate(&spec);
        assert_eq!(
            codes(&diagnostics),
            [(
                DuplicateTransition,
                Element::Instruction { state: 0, edge: 2 }
            )]
        );
        assert_eq!(
            diagnostics[0].message,
            "instruction `Reserved` is mapped twice from state `Created`"
        );
        assert!(diagnostics[0].help.contains("already leads to `Done`"));
    }

    #[test]
    fn a_wait_speaks_of_events() {
        let spec = flow(
            &["Review"],
            vec![
                wait_for(
                    "Review",
                    "Decision",
                    None,
                    &[("Approved", "Done"), ("Approved", "Done")],
                ),
                success("Done"),
            ],
        );
        let diagnostics = crate::validate(&spec);
        assert_eq!(
            diagnostics[0].message,
            "event `Approved` is mapped twice from state `Review`"
        );
    }

    #[test]
    fn two_catch_alls_are_reported_on_the_later_target() {
        let mut paid = step_any("Paid", "ship", "Shipped");
        paid = with_catch_all(paid, "Lost");
        let spec = flow(&["Paid"], vec![paid, success("Shipped"), failure("Lost")]);
        let diagnostics = crate::validate(&spec);
        assert_eq!(
            codes(&diagnostics),
            [(DuplicateTransition, Element::Target { state: 0, edge: 1 })]
        );
        assert_eq!(
            diagnostics[0].message,
            "state `Paid` has two catch-all transitions"
        );
    }

    #[test]
    fn a_catch_all_beside_named_transitions_is_reported_once() {
        let mut paid = step("Paid", "ship", &[("Sent", "Shipped")]);
        paid = with_catch_all(paid, "Lost");
        paid = with_edge(paid, "Returned", "Lost");
        let spec = flow(&["Paid"], vec![paid, success("Shipped"), failure("Lost")]);
        let diagnostics = crate::validate(&spec);
        assert_eq!(
            codes(&diagnostics),
            [(DuplicateTransition, Element::Target { state: 0, edge: 1 })]
        );
        assert!(
            diagnostics[0]
                .message
                .contains("both a catch-all transition")
        );
        assert!(diagnostics[0].help.contains("the catch-all to `Lost`"));
    }
}
