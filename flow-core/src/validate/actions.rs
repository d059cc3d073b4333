//! Steps against the action catalog: each step names a registered action, maps every
//! instruction that action can return, and maps nothing it cannot.
//!
//! Only runs for flows with a known catalog; for `flow!` rustc does this work: the generated
//! `match` patterns name each instruction through the action's enum, and one const item per
//! step compares the mapped names with the enum's (`crate::step_rules`).

use std::collections::HashSet;

use crate::diagnostic::{DiagnosticCode, Element};
use crate::spec::{FlowSpec, StateKind};
use crate::suggest::did_you_mean;

use super::Report;
use super::index::{ActionIndex, FlowIndex};
use super::wording::list;

/// Runs the action checks.
pub(super) fn check(spec: &FlowSpec, actions: &ActionIndex<'_>, report: &mut Report) {
    for (declaration, state) in spec.states.iter().enumerate() {
        let StateKind::Step(step) = &state.kind else {
            continue;
        };
        let Some(action) = actions.get(&step.action) else {
            let help = match did_you_mean(&step.action, actions.names.iter().copied()) {
                Some(name) => format!("did you mean `{name}`?"),
                None => format!(
                    "register an action named `{}` before loading this flow",
                    step.action
                ),
            };
            report.push(
                DiagnosticCode::UnknownAction,
                Element::Action(declaration),
                format!("unknown action `{}`", step.action),
                help,
            );
            continue;
        };
        let returnable: HashSet<&str> = action.instructions.iter().map(String::as_str).collect();
        // Instructions handled by this step; a misspelt one counts as its suggestion, so that
        // a typo is reported once, as an instruction the action cannot return.
        let mut handled: HashSet<&str> = HashSet::with_capacity(step.edges.len());
        let mut has_catch_all = false;
        for (edge, transition) in step.edges.iter().enumerate() {
            let Some(instruction) = transition.instruction.as_deref() else {
                has_catch_all = true;
                continue;
            };
            if returnable.contains(instruction) {
                handled.insert(instruction);
                continue;
            }
            let suggestion =
                did_you_mean(instruction, action.instructions.iter().map(String::as_str));
            let help = match suggestion {
                Some(meant) => {
                    handled.insert(meant);
                    format!("did you mean `{meant}`?")
                }
                None if action.instructions.is_empty() => {
                    format!("`{}` returns no instruction", action.name)
                }
                None => format!(
                    "`{}` returns {}",
                    action.name,
                    list(action.instructions.iter().map(String::as_str), " or ")
                ),
            };
            report.push(
                DiagnosticCode::InstructionUnknown,
                Element::Instruction {
                    state: declaration,
                    edge,
                },
                format!("action `{}` cannot return `{instruction}`", action.name),
                help,
            );
        }
        if has_catch_all {
            continue;
        }
        let mut seen = HashSet::with_capacity(action.instructions.len());
        let unmapped: Vec<&str> = action
            .instructions
            .iter()
            .map(String::as_str)
            .filter(|instruction| !handled.contains(instruction) && seen.insert(*instruction))
            .collect();
        let Some(example) = unmapped.first() else {
            continue;
        };
        let them = if unmapped.len() == 1 { "it" } else { "each" };
        report.push(
            DiagnosticCode::InstructionUnmapped,
            Element::Action(declaration),
            format!(
                "state `{}` does not map {}, which `{}` can return",
                state.name,
                list(unmapped.iter().copied(), " and "),
                action.name
            ),
            format!(
                "map {them} to a next state (`{example} => <State>`), or add a catch-all \
                 transition that takes every instruction"
            ),
        );
    }
}

/// For each node of `index`, whether a step of it may lead anywhere the flow does not say:
/// its action is not in the catalog, or returns an instruction the step does not map. The
/// graph checks leave out what mapping that instruction could change.
pub(super) fn open_steps(
    spec: &FlowSpec,
    index: &FlowIndex<'_>,
    actions: &ActionIndex<'_>,
) -> Vec<bool> {
    let mut open = vec![false; index.node_count()];
    for (declaration, state) in spec.states.iter().enumerate() {
        let StateKind::Step(step) = &state.kind else {
            continue;
        };
        let leaves_out = match actions.get(&step.action) {
            None => true,
            Some(action) => {
                step.edges.iter().all(|edge| edge.instruction.is_some())
                    && action.instructions.iter().any(|instruction| {
                        step.edges
                            .iter()
                            .all(|edge| edge.instruction.as_deref() != Some(instruction.as_str()))
                    })
            }
        };
        if leaves_out {
            open[index.node_of_declaration[declaration]] = true;
        }
    }
    open
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use crate::diagnostic::{DiagnosticCode::*, Element};
    use crate::spec::ActionCatalog;

    fn created_then(
        edges: &[(&str, &str)],
        catalog: Vec<crate::spec::ActionSpec>,
    ) -> crate::FlowSpec {
        let mut spec = flow(
            &["Created"],
            vec![
                step("Created", "reserve_stock", edges),
                success("Reserved"),
                failure("Rejected"),
            ],
        );
        spec.actions = ActionCatalog::Known(catalog);
        spec
    }

    fn reserve_stock() -> crate::spec::ActionSpec {
        action("reserve_stock", &["Reserved", "OutOfStock"]).compensate("release_stock")
    }

    #[test]
    fn an_unregistered_action_is_unknown_with_a_suggestion() {
        let mut spec = created_then(&[("Reserved", "Reserved")], vec![reserve_stock()]);
        spec.states[0] = step("Created", "reserve_stok", &[("Reserved", "Reserved")]);
        let diagnostics = crate::validate(&spec);
        // `Rejected` looks unreachable, but the action meant may well lead there.
        assert_eq!(codes(&diagnostics), [(UnknownAction, Element::Action(0))]);
        assert_eq!(diagnostics[0].message, "unknown action `reserve_stok`");
        assert_eq!(diagnostics[0].help, "did you mean `reserve_stock`?");
    }

    #[test]
    fn an_instruction_with_no_transition_is_unmapped() {
        let spec = created_then(&[("Reserved", "Reserved")], vec![reserve_stock()]);
        let diagnostics = crate::validate(&spec);
        // The mapping line deleted is the one error: `Rejected`, which it led to, is not
        // reported unreachable.
        assert_eq!(
            codes(&diagnostics),
            [(InstructionUnmapped, Element::Action(0))]
        );
        assert_eq!(
            diagnostics[0].message,
            "state `Created` does not map `OutOfStock`, which `reserve_stock` can return"
        );
        assert!(diagnostics[0].help.contains("`OutOfStock => <State>`"));
    }

    #[test]
    fn a_catch_all_maps_every_instruction() {
        let mut spec = created_then(&[], vec![reserve_stock()]);
        spec.states[0] = step_any("Created", "reserve_stock", "Reserved");
        spec.states.pop();
        assert!(crate::validate(&spec).is_empty());
    }

    #[test]
    fn an_instruction_the_action_cannot_return_is_unknown() {
        let spec = created_then(
            &[
                ("Reserved", "Reserved"),
                ("OutOfStok", "Rejected"),
                ("Lost", "Rejected"),
            ],
            vec![reserve_stock()],
        );
        let diagnostics = crate::validate(&spec);
        // The typo counts as mapping `OutOfStock`: no second error says it is unmapped.
        assert_eq!(
            codes(&diagnostics),
            [
                (
                    InstructionUnknown,
                    Element::Instruction { state: 0, edge: 1 }
                ),
                (
                    InstructionUnknown,
                    Element::Instruction { state: 0, edge: 2 }
                ),
            ]
        );
        assert_eq!(
            diagnostics[0].message,
            "action `reserve_stock` cannot return `OutOfStok`"
        );
        assert_eq!(diagnostics[0].help, "did you mean `OutOfStock`?");
        assert_eq!(
            diagnostics[1].help,
            "`reserve_stock` returns `Reserved` or `OutOfStock`"
        );
    }

    #[test]
    fn without_a_catalog_actions_are_not_checked() {
        let mut spec = created_then(&[("Bogus", "Reserved"), ("Nope", "Rejected")], vec![]);
        spec.actions = ActionCatalog::Unknown;
        assert!(crate::validate(&spec).is_empty());
    }
}
