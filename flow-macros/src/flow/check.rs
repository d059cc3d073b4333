//! Runs flow-core's validator on the lowered flow and turns each diagnostic into a compile
//! error on the offending token; adds what only the syntax shows (a wait without `timeout`).

use std::collections::HashSet;

use flow_core::{DiagnosticCode, Element, FlowSpec};
use proc_macro2::Span;

use super::ast::{FlowInput, Item, StepNext, WaitTimeout, path_span, path_text};
use super::lower::SpanMap;
use crate::errors::{Errors, with_help};

/// Records every wait that does not say how long it lasts. flow-core's model reads "no
/// deadline" as "waits forever", which configuration may mean; in code it is far more often
/// a forgotten deadline, so `flow!` asks for `timeout never`.
pub(crate) fn check_wait_timeouts(input: &FlowInput, errors: &mut Errors) {
    for item in &input.items {
        let Item::Wait(wait) = item else { continue };
        if let WaitTimeout::Missing = wait.timeout {
            let event = path_text(&wait.event);
            errors.at_span(
                path_span(&wait.event),
                with_help(
                    format!("wait `{}` on `{event}` has no deadline, so an instance may wait forever", wait.state),
                    format!(
                        "give it a deadline and the state taken when it passes, e.g. `on {event}, timeout 48h => Expired`, or write `on {event}, timeout never` if it may wait however long it takes"
                    ),
                ),
            );
        }
    }
}

/// A problem the validator found, mapped to its token.
pub(crate) struct Finding {
    pub(crate) span: Span,
    pub(crate) message: String,
    /// For a diagnostic about the graph (unreachable state, no end reachable): the state it
    /// is about and the rule, as the name of the const item that may report it later.
    pub(crate) graph_rule: Option<(String, &'static str)>,
    /// Whether an instruction left unmapped (which only rustc can tell) may be its cause.
    pub(crate) may_follow_from_unmapped: bool,
}

/// Every problem the validator finds in `spec`, in source order. `loose_ends` marks the
/// declarations that map instructions one by one: the validator runs again as if each could
/// lead anywhere, and what it then no longer finds may follow from an unmapped instruction.
pub(crate) fn check(spec: &FlowSpec, spans: &SpanMap, loose_ends: &[bool]) -> Vec<Finding> {
    let diagnostics = flow_core::validate(spec);
    let graph_diagnostic = |code| {
        matches!(
            code,
            DiagnosticCode::Unreachable | DiagnosticCode::NoEndReachable
        )
    };
    let regardless: HashSet<(DiagnosticCode, Element)> =
        if diagnostics.iter().any(|d| graph_diagnostic(d.code)) {
            flow_core::validate_with_loose_ends(spec, loose_ends)
                .into_iter()
                .map(|diagnostic| (diagnostic.code, diagnostic.element))
                .collect()
        } else {
            HashSet::new()
        };
    diagnostics
        .into_iter()
        .map(|diagnostic| {
            let state = |element| match element {
                Element::State(index) => spec.states.get(index).map(|s| s.name.clone()),
                _ => None,
            };
            let rule = match diagnostic.code {
                DiagnosticCode::Unreachable => Some("is_reachable"),
                DiagnosticCode::NoEndReachable => Some("reaches_an_end"),
                _ => None,
            };
            Finding {
                span: spans.span(diagnostic.element),
                message: with_help(&diagnostic.message, &diagnostic.help),
                graph_rule: state(diagnostic.element).zip(rule),
                may_follow_from_unmapped: graph_diagnostic(diagnostic.code)
                    && !regardless.contains(&(diagnostic.code, diagnostic.element)),
            }
        })
        .collect()
}

/// For each state declaration, in the order `lower` gives them, whether it maps instructions
/// (or events) one by one, and so may leave one out.
pub(crate) fn loose_ends(input: &FlowInput) -> Vec<bool> {
    input
        .items
        .iter()
        .flat_map(|item| match item {
            Item::Start(_) => Vec::new(),
            Item::End { states, .. } => vec![false; states.len()],
            Item::Wait(wait) => vec![!wait.arms.is_empty()],
            Item::Step(step) => vec![matches!(step.next, StepNext::Arms(_))],
        })
        .collect()
}
