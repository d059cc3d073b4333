//! Placeholder actions: what a simulation of a document flow registers for the actions the
//! document names but no program has written yet. Each declares the instructions the
//! document maps (so the one validator checks the flow as it is written) and changes
//! nothing outside (so no compensation is asked of it). Chaos answers for every step of a
//! simulation, so a placeholder never runs; a node marked `real` gets a clear error.

use std::collections::BTreeMap;
use std::sync::Arc;

use flow_core::action::DispatchMode;
use flow_core::{ActionError, Context, Effect, Instruction, StateKind, StepPolicy};

use crate::actions::{ActionFuture, DynAction};
use crate::document::FlowDocument;
use crate::engine::{leak, leak_slice};

/// An action of a document that has no implementation.
pub(crate) struct Placeholder {
    policy: StepPolicy,
}

impl<D: Send + 'static> DynAction<D> for Placeholder {
    fn policy(&self) -> &StepPolicy {
        &self.policy
    }

    fn call<'a>(&'a self, _ctx: &'a mut Context<D>, _mode: DispatchMode) -> ActionFuture<'a> {
        let action = self.policy.action;
        Box::pin(async move {
            Err(ActionError::permanent(format!(
                "`{action}` has no implementation: it is a placeholder, which only a simulation's rates answer for"
            )))
        })
    }
}

/// A placeholder for each action the flows of `document` name and its scripts do not
/// define, with the instructions its states map. Kept for the rest of the process, like a
/// loaded definition (a simulation is a short-lived tool's work).
pub(crate) fn placeholders<D: Send + 'static>(
    document: &FlowDocument,
) -> Vec<Arc<dyn DynAction<D>>> {
    let mut instructions: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for flow in &document.flows {
        for state in &flow.spec.states {
            let StateKind::Step(step) = &state.kind else {
                continue;
            };
            if document
                .actions
                .iter()
                .any(|script| script.name == step.action)
            {
                continue;
            }
            let known = instructions.entry(step.action.as_str()).or_default();
            for edge in &step.edges {
                if let Some(instruction) = edge.instruction.as_deref()
                    && !known.contains(&instruction)
                {
                    known.push(instruction);
                }
            }
        }
    }
    instructions
        .into_iter()
        .map(|(action, mut instructions)| {
            // States that only say `next = X` take whatever it returns: it returns `()`,
            // whose one instruction is `Done`, like a Rust action without instructions.
            if instructions.is_empty() {
                instructions.extend(<() as Instruction>::VARIANTS);
            }
            let placeholder = Placeholder {
                policy: StepPolicy {
                    action: leak(action),
                    instructions: leak_slice(instructions.into_iter().map(leak).collect()),
                    compensation: None,
                    effect: Effect::ReadOnly,
                    retry: None,
                    compensation_retry: None,
                    timeout: None,
                    query: None,
                },
            };
            Arc::new(placeholder) as Arc<dyn DynAction<D>>
        })
        .collect()
}
