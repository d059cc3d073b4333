//! A flow loaded from a document at run time, driven through the same [`FlowMachine`]
//! interface as a compiled one. Its dispatch indexes tables built once at load: the state's
//! action (registered by name), and per instruction of that action the next state.
//!
//! The graph is kept as a `'static` [`FlowTable`], the form compiled flows have, so the drive
//! loop, the journal and plugins read both alike. A definition therefore lives as long as the
//! process once loaded (instances may be pinned to it); memory grows with the number of
//! distinct definitions loaded, not with instances or reloads of the same content.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use flow_core::action::DispatchMode;
use flow_core::{
    Context, EdgeEntry, FlowSpec, FlowTable, SignalError, StateEntry, StateEntryKind, StateKind,
    StepError, StepPolicy, Transition,
};

use super::activation::FlowData;
use super::machine::{FlowKey, FlowMachine, FlowTypes, MachineState};
use crate::actions::{ActionSet, DynAction};
use crate::document::StepOverride;

/// A state of a document flow: its position in the flow's table and its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DocumentState {
    index: u32,
    name: &'static str,
}

impl DocumentState {
    /// The state's name.
    pub fn name(self) -> &'static str {
        self.name
    }
}

impl MachineState for DocumentState {
    #[inline]
    fn name(self) -> &'static str {
        self.name
    }

    #[inline]
    fn index(self) -> usize {
        self.index as usize
    }
}

impl fmt::Display for DocumentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq<&str> for DocumentState {
    fn eq(&self, other: &&str) -> bool {
        self.name == *other
    }
}

/// What a state does, resolved to indexes.
enum Dispatch<D> {
    Step {
        action: Arc<dyn DynAction<D>>,
        /// The next state per instruction index of the action.
        next: Box<[u32]>,
    },
    Wait {
        /// Event name and next state.
        events: Box<[(&'static str, u32)]>,
        /// The event names alone, for the error a misspelt signal gets.
        names: &'static [&'static str],
        deadline: Option<(Duration, u32)>,
    },
    End,
}

struct Parts<D> {
    name: &'static str,
    version: u32,
    hash: &'static str,
    table: &'static FlowTable,
    start: u32,
    states: Box<[DocumentState]>,
    dispatch: Box<[Dispatch<D>]>,
}

/// A flow over data `D` loaded from a document: get one from
/// [`Engine::document_flow`](crate::Engine::document_flow), run it with
/// [`Engine::run_document`](crate::Engine::run_document). Cheap to clone.
pub struct DocumentFlow<D> {
    parts: Arc<Parts<D>>,
}

impl<D> Clone for DocumentFlow<D> {
    fn clone(&self) -> Self {
        Self {
            parts: Arc::clone(&self.parts),
        }
    }
}

impl<D> fmt::Debug for DocumentFlow<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DocumentFlow")
            .field("name", &self.parts.name)
            .field("version", &self.parts.version)
            .field("definition", &self.parts.hash)
            .finish()
    }
}

impl<D> FlowTypes for DocumentFlow<D>
where
    D: 'static,
{
    type Data = D;
    type State = DocumentState;
}

/// Why a validated spec could not be turned into a runnable flow (the validator should
/// have refused it: these are the checks the dispatch relies on, kept as errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("flow `{flow}` cannot be built: {reason}")]
pub struct BuildError {
    /// The flow.
    pub flow: String,
    /// What is missing.
    pub reason: String,
}

impl<D: FlowData> DocumentFlow<D> {
    /// The flow's name.
    pub fn name(&self) -> &'static str {
        self.parts.name
    }

    /// The flow's version.
    pub fn version(&self) -> u32 {
        self.parts.version
    }

    /// The content hash of the definition.
    pub fn definition(&self) -> &'static str {
        self.parts.hash
    }

    /// The flow's states, in declaration order.
    pub fn states(&self) -> &[DocumentState] {
        &self.parts.states
    }

    /// The state called `name`.
    pub fn state(&self, name: &str) -> Option<DocumentState> {
        self.parts
            .states
            .iter()
            .find(|state| state.name == name)
            .copied()
    }

    /// Builds the flow of a validated `spec` whose steps name actions of `actions`, with the
    /// per-state `overrides` (indexed like `spec.states`) and content hash `hash`.
    pub(crate) fn build(
        spec: &FlowSpec,
        actions: &ActionSet<D>,
        overrides: &[StepOverride],
        hash: &str,
    ) -> Result<Self, BuildError> {
        let fail = |reason: String| BuildError {
            flow: spec.name.clone(),
            reason,
        };
        let names: Vec<&'static str> = spec.states.iter().map(|state| leak(&state.name)).collect();
        let index_of = |name: &str| -> Result<u32, BuildError> {
            names
                .iter()
                .position(|known| *known == name)
                .map(|index| index as u32)
                .ok_or_else(|| fail(format!("no state `{name}`")))
        };
        let mut entries = Vec::with_capacity(spec.states.len());
        let mut dispatch = Vec::with_capacity(spec.states.len());
        for (index, state) in spec.states.iter().enumerate() {
            let edges: &'static [EdgeEntry] = leak_slice(
                state
                    .kind
                    .edges()
                    .iter()
                    .map(|edge| {
                        Ok(EdgeEntry {
                            instruction: edge.instruction.as_deref().map(leak),
                            target: names[index_of(&edge.target)? as usize],
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            );
            let (kind, resolved) = match &state.kind {
                StateKind::Step(step) => {
                    let action = actions
                        .get(&step.action)
                        .ok_or_else(|| fail(format!("no action `{}`", step.action)))?;
                    let mut policy: StepPolicy = *action.policy();
                    let settings = overrides.get(index).copied().unwrap_or_default();
                    policy.retry = settings.retry.or(policy.retry);
                    policy.timeout = settings.timeout.or(policy.timeout);
                    let next = policy
                        .instructions
                        .iter()
                        .map(|instruction| {
                            let edge = step
                                .edges
                                .iter()
                                .find(|edge| {
                                    edge.instruction
                                        .as_deref()
                                        .is_none_or(|i| i == *instruction)
                                })
                                .ok_or_else(|| {
                                    fail(format!(
                                        "instruction `{instruction}` of `{}` is not mapped",
                                        step.action
                                    ))
                                })?;
                            index_of(&edge.target)
                        })
                        .collect::<Result<Vec<u32>, _>>()?;
                    (
                        StateEntryKind::Step {
                            action: policy,
                            edges,
                        },
                        Dispatch::Step {
                            action: Arc::clone(action),
                            next: next.into(),
                        },
                    )
                }
                StateKind::Wait(wait) => {
                    let events = wait
                        .edges
                        .iter()
                        .filter_map(|edge| {
                            let event = edge.instruction.as_deref()?;
                            Some(index_of(&edge.target).map(|target| (leak(event), target)))
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    let deadline = match &wait.deadline {
                        Some(deadline) => Some((deadline.after, index_of(&deadline.target)?)),
                        None => None,
                    };
                    (
                        StateEntryKind::Wait {
                            event: leak(&wait.event),
                            deadline: deadline
                                .map(|(after, target)| (after, names[target as usize])),
                            edges,
                        },
                        Dispatch::Wait {
                            names: leak_slice(events.iter().map(|(name, _)| *name).collect()),
                            events: events.into(),
                            deadline,
                        },
                    )
                }
                StateKind::Success => (StateEntryKind::Success, Dispatch::End),
                StateKind::Failure => (StateEntryKind::Failure, Dispatch::End),
            };
            entries.push(StateEntry {
                name: names[index],
                kind,
            });
            dispatch.push(resolved);
        }
        let start = spec
            .start
            .first()
            .ok_or_else(|| fail("no start state".to_owned()))?;
        let start_index = index_of(start)?;
        let name = leak(&spec.name);
        let table: &'static FlowTable = Box::leak(Box::new(FlowTable {
            name,
            version: spec.version,
            start: names[start_index as usize],
            states: leak_slice(entries),
        }));
        let states = names
            .iter()
            .enumerate()
            .map(|(index, name)| DocumentState {
                index: index as u32,
                name,
            })
            .collect();
        Ok(Self {
            parts: Arc::new(Parts {
                name,
                version: spec.version,
                hash: leak(hash),
                table,
                start: start_index,
                states,
                dispatch: dispatch.into(),
            }),
        })
    }

    /// Runs, queries or compensates the action of `state` and maps its instruction.
    async fn dispatch(
        &self,
        state: DocumentState,
        ctx: &mut Context<D>,
        mode: DispatchMode,
    ) -> Result<Option<Transition<DocumentState>>, StepError> {
        let Dispatch::Step { action, next } = &self.parts.dispatch[state.index as usize] else {
            return Err(StepError::NoAction { state: state.name });
        };
        let Some(index) = action.call(ctx, mode).await? else {
            return Ok(None);
        };
        let policy = action.policy();
        match (policy.instructions.get(index), next.get(index)) {
            (Some(instruction), Some(next)) => Ok(Some(Transition {
                instruction,
                next: self.parts.states[*next as usize],
            })),
            _ => Err(StepError::Action(flow_core::ActionError::permanent(
                format!(
                    "`{}` returned instruction number {index}, which it does not declare",
                    policy.action
                ),
            ))),
        }
    }

    /// A step's transition, or the error that it gave none.
    fn transition(
        state: DocumentState,
        result: Result<Option<Transition<DocumentState>>, StepError>,
    ) -> Result<Transition<DocumentState>, StepError> {
        result?.ok_or(StepError::NoAction { state: state.name })
    }
}

impl<D: FlowData> FlowMachine for DocumentFlow<D> {
    type Data = D;
    type State = DocumentState;

    fn name(&self) -> &'static str {
        self.parts.name
    }

    fn version(&self) -> u32 {
        self.parts.version
    }

    fn definition(&self) -> Option<&'static str> {
        Some(self.parts.hash)
    }

    fn table(&self) -> &'static FlowTable {
        self.parts.table
    }

    fn start(&self) -> DocumentState {
        self.parts.states[self.parts.start as usize]
    }

    fn state_named(&self, name: &str) -> Option<DocumentState> {
        self.state(name)
    }

    fn states(&self) -> impl Iterator<Item = DocumentState> {
        self.parts.states.iter().copied()
    }

    async fn step(
        &self,
        state: DocumentState,
        ctx: &mut Context<D>,
    ) -> Result<Transition<DocumentState>, StepError> {
        Self::transition(state, self.dispatch(state, ctx, DispatchMode::Run).await)
    }

    async fn query(
        &self,
        state: DocumentState,
        ctx: &mut Context<D>,
    ) -> Result<Transition<DocumentState>, StepError> {
        Self::transition(state, self.dispatch(state, ctx, DispatchMode::Query).await)
    }

    async fn compensate(
        &self,
        state: DocumentState,
        ctx: &mut Context<D>,
    ) -> Result<(), StepError> {
        self.dispatch(state, ctx, DispatchMode::Compensate)
            .await
            .map(|_| ())
    }

    fn signal(
        &self,
        state: DocumentState,
        event: &str,
    ) -> Result<Transition<DocumentState>, SignalError> {
        let Dispatch::Wait { events, names, .. } = &self.parts.dispatch[state.index as usize]
        else {
            return Err(SignalError::NotWaiting { state: state.name });
        };
        match events.iter().find(|(name, _)| *name == event) {
            Some((name, next)) => Ok(Transition {
                instruction: name,
                next: self.parts.states[*next as usize],
            }),
            None => Err(SignalError::UnknownEvent {
                state: state.name,
                event: event.to_owned(),
                expected: names,
            }),
        }
    }

    fn deadline(&self, state: DocumentState) -> Option<(Duration, DocumentState)> {
        match &self.parts.dispatch[state.index as usize] {
            Dispatch::Wait {
                deadline: Some((after, next)),
                ..
            } => Some((*after, self.parts.states[*next as usize])),
            _ => None,
        }
    }

    fn key(&self) -> FlowKey {
        FlowKey::Definition(self.parts.hash)
    }
}

/// `text` kept for the rest of the process, as a loaded definition's names are.
pub(crate) fn leak(text: &str) -> &'static str {
    Box::leak(text.into())
}

/// `items` kept for the rest of the process.
pub(crate) fn leak_slice<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}
