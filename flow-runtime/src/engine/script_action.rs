//! A script action of a document as an action over any data: the same [`DynAction`] a
//! registered `#[action]` is, so a document flow's steps, compensations and queries run it
//! through the one dispatch.

use std::marker::PhantomData;
use std::sync::Arc;

use flow_core::action::DispatchMode;
use flow_core::{Context, StepPolicy};

use super::activation::FlowData;
use super::document_flow::{leak, leak_slice};
use super::document_loader::compensation_name;
use crate::actions::{ActionFuture, DynAction};
use crate::document::ScriptActionDef;
use crate::script::{ScriptFns, ScriptRuntime};

/// A script action, compiled, independent of the data it runs over.
pub(crate) struct ScriptAction {
    policy: StepPolicy,
    scripts: ScriptFns,
    runtime: Arc<ScriptRuntime>,
}

impl ScriptAction {
    /// The action `definition` declares, running `scripts` on `runtime`. Its names are kept
    /// for the rest of the process, like the definitions that name it.
    pub(crate) fn new(
        definition: &ScriptActionDef,
        scripts: ScriptFns,
        runtime: Arc<ScriptRuntime>,
    ) -> Self {
        let instructions: Vec<&'static str> = definition
            .instructions
            .iter()
            .map(|instruction| leak(instruction))
            .collect();
        let policy = StepPolicy {
            action: leak(&definition.name),
            instructions: leak_slice(instructions),
            compensation: scripts
                .compensate
                .as_ref()
                .map(|_| leak(&compensation_name(&definition.name))),
            effect: definition.effect,
            retry: definition.retry,
            compensation_retry: None,
            timeout: definition.timeout,
            query: scripts
                .query
                .as_ref()
                .map(|_| leak(&format!("{}.query", definition.name))),
        };
        Self {
            policy,
            scripts,
            runtime,
        }
    }
}

/// A [`ScriptAction`] over data `D`.
pub(crate) struct ScriptActionOver<D> {
    script: Arc<ScriptAction>,
    data: PhantomData<fn() -> D>,
}

impl<D> ScriptActionOver<D> {
    pub(crate) fn new(script: Arc<ScriptAction>) -> Self {
        Self {
            script,
            data: PhantomData,
        }
    }
}

impl<D: FlowData> DynAction<D> for ScriptActionOver<D> {
    fn policy(&self) -> &StepPolicy {
        &self.script.policy
    }

    fn call<'a>(&'a self, ctx: &'a mut Context<D>, mode: DispatchMode) -> ActionFuture<'a> {
        let action = &self.script;
        // Scripts run at once, bounded by their operations limit: a ready future.
        let result = match mode {
            DispatchMode::Run => action
                .runtime
                .run_action(&action.scripts.run, ctx, action.policy.instructions)
                .map(|instruction| Some(index_of(action.policy.instructions, instruction))),
            DispatchMode::Query => action
                .runtime
                .run_action(
                    action.scripts.query_or_run(),
                    ctx,
                    action.policy.instructions,
                )
                .map(|instruction| Some(index_of(action.policy.instructions, instruction))),
            DispatchMode::Compensate => match &action.scripts.compensate {
                Some(script) => action.runtime.run_compensation(script, ctx).map(|()| None),
                None => Ok(None),
            },
        };
        Box::pin(std::future::ready(result))
    }
}

/// The position of `instruction` (one of `instructions`, as the runtime checked).
fn index_of(instructions: &[&'static str], instruction: &str) -> usize {
    instructions
        .iter()
        .position(|known| *known == instruction)
        .unwrap_or(0)
}
